"""The partner directory: public facts about current members (directory:read) and their
contacts (people:read)."""

from collections.abc import Sequence
from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from clac.api.permissions import HasPartnerScope
from clac.api.scopes import DIRECTORY_READ, PEOPLE_READ
from clac.api.views import ClacAPIView, ClacGenericViewSet
from members.api.common import CountryRefSerializer, OrganizationFilter, url_pk
from members.models import Affiliation, Certification, Organization
from members.selectors import (
    DIRECTORY_MEMBERSHIP_STATUSES,
    DIRECTORY_VALUES,
    country_ref,
    directory_organization_contacts,
    directory_organization_list,
    directory_organization_row,
)

# Its own name in the schema (settings.SPECTACULAR_SETTINGS): drf-spectacular would otherwise
# name this subset after the field, "MembershipStatusEnum", the name of the full set that the
# staff API's responses carry (applicant, withdrawn, expelled too).
DIRECTORY_MEMBERSHIP_STATUS_CHOICES = [(s.value, s.label) for s in DIRECTORY_MEMBERSHIP_STATUSES]


class DirectoryOrganizationFilter(OrganizationFilter):
    membership_status = django_filters.ChoiceFilter(
        field_name="membership__status", choices=DIRECTORY_MEMBERSHIP_STATUS_CHOICES
    )


class CertificationSummarySerializer(serializers.Serializer):
    standard = serializers.ChoiceField(choices=Certification.Standard.choices)
    status = serializers.ChoiceField(choices=Certification.Status.choices)


class DirectoryOrganizationSerializer(serializers.Serializer):
    """Public facts about a member organization. No people, emails, phones, tax ids, street
    addresses or coordinates: those are personal or private data of the member."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Organization.Kind.choices)
    country = CountryRefSerializer()
    region = serializers.CharField()
    locality = serializers.CharField()
    flo_id = serializers.CharField(help_text="FLOCERT id; empty when the organization has none yet.")
    products = serializers.ListField(child=serializers.CharField(), help_text="Product codes.")
    founding_year = serializers.IntegerField(allow_null=True)
    website = serializers.CharField()
    membership_status = serializers.ChoiceField(choices=DIRECTORY_MEMBERSHIP_STATUS_CHOICES)
    certifications = CertificationSummarySerializer(many=True)


def _certifications(pairs: str | None) -> list[dict[str, str]]:
    if not pairs:
        return []
    return [dict(zip(("standard", "status"), pair.split(":"), strict=True)) for pair in sorted(pairs.split(","))]


def directory_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The directory's hot path: rows of directory_organization_list().values(*DIRECTORY_VALUES)
    in the shape of DirectoryOrganizationSerializer, without a serializer's per-field cost."""
    # A page holds a handful of countries: translate each name once, not once per row.
    countries = {row["country_id"]: country_ref(row["country_id"], row["country__name"]) for row in rows}
    return [
        {
            "id": row["id"],
            "name": row["name"],
            "kind": row["kind"],
            "country": countries[row["country_id"]],
            "region": row["region"],
            "locality": row["locality"],
            "flo_id": row["flo_id"],
            "products": sorted(row["product_codes"].split(",")) if row["product_codes"] else [],
            "founding_year": row["founding_year"],
            "website": row["website"],
            "membership_status": row["membership__status"],
            "certifications": _certifications(row["certification_pairs"]),
        }
        for row in rows
    ]


@extend_schema(tags=["directory"])
class DirectoryOrganizationViewSet(ClacGenericViewSet):
    """The public directory of CLAC's member organizations (active or suspended members).
    Needs a partner key with `directory:read`, or a staff account."""

    permission_classes = [HasPartnerScope]
    required_scope = DIRECTORY_READ
    serializer_class = DirectoryOrganizationSerializer
    filterset_class = DirectoryOrganizationFilter
    queryset = Organization.objects.none()

    def get_queryset(self) -> QuerySet:
        return directory_organization_list()

    @extend_schema(summary="List member organizations (public fields)")
    def list(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset()).values(*DIRECTORY_VALUES)
        page = self.paginate_queryset(queryset)
        assert page is not None  # the API always paginates (DEFAULT_PAGINATION_CLASS)
        return self.get_paginated_response(directory_rows(page))

    @extend_schema(summary="One member organization (public fields)")
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(directory_rows([directory_organization_row(pk=url_pk(pk))])[0])


# --- Contacts (partners: people:read) ------------------------------------------------------

CONTACTS_DESCRIPTION = """
The people who currently serve a member organization (legal representative, manager,
Fairtrade officer, board, delegates…), for partners whose key carries `people:read`.

A person's email is given only when they agreed to be contacted by email, and their phone
only when they agreed to calls, SMS or WhatsApp (consents recorded by CLAC); otherwise the
field is null. Past roles are never shown.
""".strip()


class DirectoryContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Affiliation.Role.choices)
    is_primary = serializers.BooleanField()
    preferred_language = serializers.CharField()
    email = serializers.EmailField(allow_null=True)
    phone = serializers.CharField(allow_null=True)


class DirectoryContactsView(ClacAPIView):
    permission_classes = [HasPartnerScope]
    required_scope = PEOPLE_READ

    @extend_schema(
        summary="Contacts of a member organization (personal data)",
        description=CONTACTS_DESCRIPTION,
        responses=DirectoryContactSerializer(many=True),
    )
    def get(self, request: Request, pk: int) -> Response:
        contacts = directory_organization_contacts(pk=url_pk(pk))
        return Response(DirectoryContactSerializer(contacts, many=True).data)
