"""Staff endpoints for organizations: the whole registry, in any membership state. People and
affiliations are in staff_people, yearly reports in staff_reports."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from clac.access import request_user
from members import services as member_services
from members.api.common import (
    CountryCodeField,
    CountryRefSerializer,
    OrganizationFilter,
    OrganizationRefSerializer,
    ProductCodeField,
    StaffViewSet,
    validated,
)
from members.languages import WORKING_LANGUAGES, language_canonical
from members.models import Certification, Country, Membership, Organization, Product
from members.selectors import (
    country_ref,
    organization_get_for_user,
    organization_staff_detail,
    organization_staff_list,
    organization_staff_reload,
)


class MembershipSummarySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Membership.Status.choices)
    joined_on = serializers.DateField(allow_null=True)
    status_changed_on = serializers.DateField(allow_null=True)
    dues_category = serializers.CharField()
    review_requested_at = serializers.DateTimeField(allow_null=True)


class CertificationSerializer(serializers.Serializer):
    standard = serializers.ChoiceField(choices=Certification.Standard.choices)
    status = serializers.ChoiceField(choices=Certification.Status.choices)
    cycle_start = serializers.DateField(allow_null=True)
    cycle_end = serializers.DateField(allow_null=True)
    last_audit_date = serializers.DateField(allow_null=True)
    last_audit_type = serializers.CharField()


class OrganizationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Organization.Kind.choices)
    name = serializers.CharField()
    legal_name = serializers.CharField()
    tax_id = serializers.CharField()
    country = serializers.SerializerMethodField()
    region = serializers.CharField()
    locality = serializers.CharField()
    address = serializers.CharField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    parent = OrganizationRefSerializer(allow_null=True)
    flo_id = serializers.CharField()
    products = serializers.SerializerMethodField(help_text="Product codes.")
    founding_year = serializers.IntegerField(allow_null=True)
    website = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    languages = serializers.ListField(
        child=serializers.CharField(),
        help_text="Working languages as ISO 639 codes (639-1 where one exists, else 639-3), e.g. es, pt, qu, quc; "
        "the list is WorkingLanguageEnum. Pages show the translated names.",
    )
    description = serializers.CharField()
    membership = serializers.SerializerMethodField()
    certifications = CertificationSerializer(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(CountryRefSerializer)
    def get_country(self, obj: Organization) -> dict[str, str]:
        return country_ref(obj.country.code, obj.country.name)

    def get_products(self, obj: Organization) -> list[str]:
        return [product.code for product in obj.products.all()]

    @extend_schema_field(MembershipSummarySerializer(allow_null=True))
    def get_membership(self, obj: Organization) -> dict[str, Any] | None:
        membership = getattr(obj, "membership", None)
        return MembershipSummarySerializer(membership).data if membership is not None else None


class WorkingLanguageField(serializers.ChoiceField):
    """A working-language code of members.languages; an older spelling (pt-br) is accepted."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=WORKING_LANGUAGES, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value(language_canonical(str(data)) if isinstance(data, str) else data)


class OrganizationInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Organization.Kind.choices)
    name = serializers.CharField(max_length=200)
    country = CountryCodeField(queryset=Country.objects.all(), help_text="ISO code.")
    legal_name = serializers.CharField(max_length=300, required=False, allow_blank=True)
    tax_id = serializers.CharField(max_length=40, required=False, allow_blank=True)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    locality = serializers.CharField(max_length=100, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    # The serializer's metaclass moves declared fields out of the class; only the stubs see
    # this one clash with Field.parent.
    parent = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Organization.objects.all(), required=False, allow_null=True, help_text="Id of the second-tier union."
    )
    flo_id = serializers.CharField(max_length=7, required=False, allow_blank=True)
    products = ProductCodeField(
        many=True, slug_field="code", queryset=Product.objects.all(), required=False, help_text="Product codes."
    )
    founding_year = serializers.IntegerField(required=False, allow_null=True)
    website = serializers.URLField(required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, help_text="E.164: +51987654321.")
    languages = serializers.ListField(
        child=WorkingLanguageField(),
        required=False,
        help_text="Working languages, ISO 639 codes from the list in the enum (639-1 where one exists, else 639-3). "
        "Older spellings such as pt-br are accepted and stored as the list's code.",
    )
    description = serializers.CharField(required=False, allow_blank=True)


@extend_schema(tags=["staff: organizations"])
class OrganizationViewSet(StaffViewSet[Organization]):
    """The whole registry, for CLAC staff: every organization in any membership state."""

    serializer_class = OrganizationOutputSerializer
    filterset_class = OrganizationFilter
    queryset = Organization.objects.none()
    access_helper = staticmethod(organization_get_for_user)

    def get_queryset(self) -> QuerySet:
        return organization_staff_list()

    def _respond(self, organization: Organization, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = organization_staff_reload(organization=organization)
        return Response(OrganizationOutputSerializer(fresh).data, status=status_code)

    @extend_schema(summary="List organizations")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(OrganizationOutputSerializer(page, many=True).data)

    @extend_schema(summary="One organization")
    def retrieve(self, request: Request, pk: str) -> Response:
        organization = organization_staff_detail(organization=self.get_object())
        return Response(OrganizationOutputSerializer(organization).data)

    @extend_schema(
        summary="Register an organization (its membership starts as an application)",
        request=OrganizationInputSerializer,
        responses={201: OrganizationOutputSerializer},
    )
    def create(self, request: Request) -> Response:
        data = validated(OrganizationInputSerializer, request.data)
        organization = member_services.organization_create(actor=request_user(request), **data)
        return self._respond(organization, status.HTTP_201_CREATED)

    @extend_schema(summary="Replace an organization's profile", request=OrganizationInputSerializer)
    def update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=False)

    @extend_schema(summary="Change some fields of an organization", request=OrganizationInputSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        organization = self.get_object()
        data = validated(OrganizationInputSerializer, request.data, partial=partial)
        organization = member_services.organization_update(
            actor=request_user(request), organization=organization, **data
        )
        return self._respond(organization)
