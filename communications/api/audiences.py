"""Staff API of audiences (read-only) and partner contacts (read, add, change — their consent
per channel among the rest, as on the dashboard's contact form): communications staff and
administrators only; partner keys are refused (partner contacts are personal data), as are
portal users and every other staff role. An audience's detail carries its preview counts per
channel, counted now.

`register(router)` adds the viewsets, `ACCESS` names their routes (clac.plugins.ACCESS_API)."""

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from clac.access import request_user
from clac.api.pagination import DefaultCursorPagination
from clac.api.permissions import request_is_partner
from clac.api.views import ClacGenericViewSet
from clac.plugins import ACCESS_API
from clac.roles import user_has_any_role
from communications.models import Audience, ExternalPartner, PartnerContact
from communications.selectors.audiences import (
    AUDIENCE_MANAGERS,
    RECIPIENT_CHANNELS,
    audience_get_for_user,
    audience_list,
    audience_previews,
)
from communications.selectors.partner_contacts import partner_contact_get_for_user, partner_contact_list
from communications.services.partner_contacts import partner_contact_create, partner_contact_update
from members.api.common import url_pk, validated


class AudienceManagers(BasePermission):
    """Communications staff and administrators, reading; partner keys never pass."""

    message = _("Only CLAC communications staff and administrators can use this endpoint.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return (
            request.method in SAFE_METHODS
            and not request_is_partner(request)
            and user_has_any_role(request.user, AUDIENCE_MANAGERS)
        )


class PartnerContactManagers(AudienceManagers):
    """Communications staff and administrators, reading and changing; partner keys never pass."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return not request_is_partner(request) and user_has_any_role(request.user, AUDIENCE_MANAGERS)


class NameCursorPagination(DefaultCursorPagination):
    ordering = ("name", "id")


class AudienceSerializer(serializers.ModelSerializer):
    countries = serializers.SerializerMethodField()
    networks = serializers.SerializerMethodField()
    products = serializers.SerializerMethodField()

    class Meta:
        model = Audience
        fields = (
            "id",
            "name",
            "description",
            "scope",
            "organization_kinds",
            "countries",
            "networks",
            "products",
            "membership_statuses",
            "affiliation_roles",
            "primary_contacts_only",
            "languages",
            "partner_kinds",
            "created_at",
            "updated_at",
        )

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_countries(self, obj: Audience) -> list[str]:
        return [str(c.pk) for c in obj.countries.all()]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_networks(self, obj: Audience) -> list[int]:
        return [n.pk for n in obj.networks.all()]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_products(self, obj: Audience) -> list[str]:
        return [str(p.pk) for p in obj.products.all()]


class PreviewSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    sendable = serializers.IntegerField()
    skipped = serializers.DictField(child=serializers.IntegerField())


class AudienceDetailSerializer(AudienceSerializer):
    preview = serializers.SerializerMethodField()

    class Meta(AudienceSerializer.Meta):
        fields = (*AudienceSerializer.Meta.fields, "preview")  # type: ignore[assignment]

    @extend_schema_field(serializers.DictField(child=PreviewSerializer()))
    def get_preview(self, obj: Audience) -> dict[str, Any]:
        return audience_previews(audience=obj, channels=RECIPIENT_CHANNELS)


class AudienceViewSet(ClacGenericViewSet):
    permission_classes = [AudienceManagers]
    pagination_class = NameCursorPagination
    serializer_class = AudienceSerializer
    queryset = Audience.objects.none()

    def get_queryset(self) -> QuerySet[Audience]:
        return audience_list().prefetch_related("countries", "networks", "products")

    @extend_schema(summary="List audiences")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(AudienceSerializer(page, many=True).data)

    @extend_schema(
        summary="One audience, with its preview counts per channel (email, sms, whatsapp), counted now",
        responses={200: AudienceDetailSerializer},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        audience = audience_get_for_user(user=request.user, pk=url_pk(pk))
        return Response(AudienceDetailSerializer(audience).data)


class PartnerContactSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    partner_kind = serializers.CharField(source="partner.kind", read_only=True)

    class Meta:
        model = PartnerContact
        fields = (
            "id",
            "partner",
            "partner_name",
            "partner_kind",
            "name",
            "position",
            "email",
            "phone",
            "preferred_language",
            "email_consent_at",
            "sms_consent_at",
            "whatsapp_consent_at",
            "consent_method",
            "updated_at",
        )


class PartnerContactChangeSerializer(serializers.Serializer):
    """What a contact's change may carry; fields left out keep their value. The rules (an
    address or number in the right form, no consent date in the future, how consent was given
    whenever a date is set) are the service's."""

    name = serializers.CharField(max_length=200)
    position = serializers.CharField(max_length=200, allow_blank=True, required=False)
    email = serializers.CharField(max_length=254, allow_blank=True, required=False)
    phone = serializers.CharField(
        max_length=16, allow_blank=True, required=False, help_text="International format, e.g. +4922194..."
    )
    preferred_language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    email_consent_at = serializers.DateTimeField(
        allow_null=True, required=False, help_text="When consent to e-mails was given; null: no consent."
    )
    sms_consent_at = serializers.DateTimeField(allow_null=True, required=False)
    whatsapp_consent_at = serializers.DateTimeField(allow_null=True, required=False)
    consent_method = serializers.CharField(
        max_length=200,
        allow_blank=True,
        required=False,
        help_text="How consent was given (e.g. signed form at the NFO assembly); required with any consent date.",
    )
    notes = serializers.CharField(max_length=10_000, allow_blank=True, required=False)


class PartnerContactCreateSerializer(PartnerContactChangeSerializer):
    partner = serializers.PrimaryKeyRelatedField(queryset=ExternalPartner.objects.all(), help_text="Partner id.")


class PartnerContactViewSet(ClacGenericViewSet):
    permission_classes = [PartnerContactManagers]
    pagination_class = NameCursorPagination
    serializer_class = PartnerContactSerializer
    queryset = PartnerContact.objects.none()

    def get_queryset(self) -> QuerySet[PartnerContact]:
        return partner_contact_list()

    @extend_schema(summary="List partner contacts")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(PartnerContactSerializer(page, many=True).data)

    @extend_schema(summary="One partner contact")
    def retrieve(self, request: Request, pk: str) -> Response:
        contact = partner_contact_get_for_user(user=request.user, pk=url_pk(pk))
        return Response(PartnerContactSerializer(contact).data)

    @extend_schema(
        summary="Add a contact to a partner, with the consent given per channel",
        request=PartnerContactCreateSerializer,
        responses={201: PartnerContactSerializer},
    )
    def create(self, request: Request) -> Response:
        fields = validated(PartnerContactCreateSerializer, request.data)
        partner = fields.pop("partner")
        contact = partner_contact_create(actor=request_user(request), partner=partner, **fields)
        return Response(PartnerContactSerializer(contact).data, status=201)

    @extend_schema(
        summary="Change a contact: its details or the consent given (or withdrawn) per channel",
        description="Only the fields sent change; a consent date set to null withdraws that channel's consent. "
        "Each change is kept in the contact's history with who made it.",
        request=PartnerContactChangeSerializer,
        responses=PartnerContactSerializer,
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        contact = partner_contact_get_for_user(user=request.user, pk=url_pk(pk))
        fields = validated(PartnerContactChangeSerializer, request.data, partial=True)
        contact = partner_contact_update(actor=request_user(request), contact=contact, **fields)
        return Response(PartnerContactSerializer(contact).data)


def register(router: SimpleRouter) -> None:
    router.register("communications/audiences", AudienceViewSet, basename="audience")
    router.register("communications/partner-contacts", PartnerContactViewSet, basename="partner-contact")


urlpatterns: list = []

ACCESS: dict[str, str] = {
    f"api-v1:{name}": ACCESS_API
    for name in ("audience-list", "audience-detail", "partner-contact-list", "partner-contact-detail")
}
