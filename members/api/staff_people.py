"""Staff endpoints for people and their affiliations to organizations. Personal data: staff
only."""

import django_filters
from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from clac.access import request_user
from clac.api.filters import IdFilter, StrictBooleanFilter
from members import services as member_services
from members.api.common import OrganizationRefSerializer, StaffViewSet, validated
from members.models import Affiliation, Organization, Person
from members.selectors import (
    affiliation_get_for_user,
    affiliation_staff_list,
    affiliation_staff_reload,
    organization_can_change,
    person_get_for_user,
    person_staff_detail,
    person_staff_list,
    person_staff_reload,
)
from members.selectors.search import person_search

# --- People --------------------------------------------------------------------------------


class PersonAffiliationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = OrganizationRefSerializer()
    role = serializers.ChoiceField(choices=Affiliation.Role.choices)
    start_date = serializers.DateField(allow_null=True)
    is_primary = serializers.BooleanField()


class PersonOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    full_name = serializers.CharField()
    email = serializers.CharField()
    email_secondary = serializers.CharField()
    phone = serializers.CharField()
    preferred_language = serializers.ChoiceField(choices=settings.LANGUAGES)
    gender = serializers.CharField()
    birth_year = serializers.IntegerField(allow_null=True)
    notes = serializers.CharField()
    current_affiliations = PersonAffiliationSerializer(many=True, help_text="Affiliations that have not ended.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class PersonInputSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    email_secondary = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, help_text="E.164: +51987654321.")
    preferred_language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    gender = serializers.ChoiceField(choices=Person.Gender.choices, required=False, allow_blank=True)
    birth_year = serializers.IntegerField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class PersonFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", help_text="Name, email or phone.")
    organization = IdFilter(
        method="filter_organization", help_text="People currently affiliated to this organization id."
    )
    preferred_language = django_filters.ChoiceFilter(choices=settings.LANGUAGES)

    class Meta:
        model = Person
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # The same search as the staff people directory (members.selectors.search).
        return person_search(queryset, value)

    def filter_organization(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(
            Exists(Affiliation.objects.filter(person_id=OuterRef("pk"), organization_id=value, end_date__isnull=True))
        )


@extend_schema(tags=["staff: people"])
class PersonViewSet(StaffViewSet[Person]):
    """People who serve member organizations. Personal data: staff only."""

    serializer_class = PersonOutputSerializer
    filterset_class = PersonFilter
    queryset = Person.objects.none()
    access_helper = staticmethod(person_get_for_user)

    def get_queryset(self) -> QuerySet:
        return person_staff_list()

    def _respond(self, person: Person, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(PersonOutputSerializer(person_staff_reload(person=person)).data, status=status_code)

    @extend_schema(summary="List people")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(PersonOutputSerializer(page, many=True).data)

    @extend_schema(summary="One person")
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(PersonOutputSerializer(person_staff_detail(person=self.get_object())).data)

    @extend_schema(summary="Add a person", request=PersonInputSerializer, responses={201: PersonOutputSerializer})
    def create(self, request: Request) -> Response:
        data = validated(PersonInputSerializer, request.data)
        return self._respond(
            member_services.person_create(actor=request_user(request), **data), status.HTTP_201_CREATED
        )

    @extend_schema(summary="Replace a person's details", request=PersonInputSerializer)
    def update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=False)

    @extend_schema(summary="Change some of a person's details", request=PersonInputSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        person = self.get_object()
        data = validated(PersonInputSerializer, request.data, partial=partial)
        return self._respond(member_services.person_update(actor=request_user(request), person=person, **data))


# --- Affiliations --------------------------------------------------------------------------


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()


class AffiliationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = PersonRefSerializer()
    organization = OrganizationRefSerializer()
    role = serializers.ChoiceField(choices=Affiliation.Role.choices)
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)
    is_primary = serializers.BooleanField()
    is_current = serializers.BooleanField()


class AffiliationInputSerializer(serializers.Serializer):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    role = serializers.ChoiceField(choices=Affiliation.Role.choices)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    is_primary = serializers.BooleanField(required=False, default=False)


class AffiliationEndSerializer(serializers.Serializer):
    end_date = serializers.DateField()


class AffiliationFilter(django_filters.FilterSet):
    person = IdFilter(field_name="person_id")
    organization = IdFilter(field_name="organization_id")
    role = django_filters.ChoiceFilter(choices=Affiliation.Role.choices)
    current = StrictBooleanFilter(field_name="end_date", lookup_expr="isnull", help_text="Not ended yet.")

    class Meta:
        model = Affiliation
        fields: list[str] = []


@extend_schema(tags=["staff: affiliations"])
class AffiliationViewSet(StaffViewSet[Affiliation]):
    """Who serves which organization, in which role, since and until when."""

    serializer_class = AffiliationOutputSerializer
    filterset_class = AffiliationFilter
    queryset = Affiliation.objects.none()
    access_helper = staticmethod(affiliation_get_for_user)

    def get_queryset(self) -> QuerySet:
        return affiliation_staff_list()

    def _respond(self, affiliation: Affiliation, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = affiliation_staff_reload(affiliation=affiliation)
        return Response(AffiliationOutputSerializer(fresh).data, status=status_code)

    @extend_schema(summary="List affiliations")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(AffiliationOutputSerializer(page, many=True).data)

    @extend_schema(summary="One affiliation")
    def retrieve(self, request: Request, pk: str) -> Response:
        # affiliation_get_for_user loads the person and the organization: all the output shows.
        return Response(AffiliationOutputSerializer(self.get_object()).data)

    @extend_schema(
        summary="Affiliate a person to an organization",
        request=AffiliationInputSerializer,
        responses={201: AffiliationOutputSerializer},
    )
    def create(self, request: Request) -> Response:
        data = validated(AffiliationInputSerializer, request.data)
        # The role is a record of the organization: a coordinator adds roles only in theirs.
        if not organization_can_change(request.user, data["organization"]):
            raise PermissionDenied
        affiliation = member_services.affiliation_create(actor=request_user(request), **data)
        return self._respond(affiliation, status.HTTP_201_CREATED)

    @extend_schema(summary="End an affiliation", request=AffiliationEndSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        affiliation = self.get_object()
        data = validated(AffiliationEndSerializer, request.data)
        affiliation = member_services.affiliation_end(
            actor=request_user(request), affiliation=affiliation, end_date=data["end_date"]
        )
        return self._respond(affiliation)
