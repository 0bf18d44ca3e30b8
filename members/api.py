"""The registry's API (DESIGN §6, /api/v1/).

Partner endpoints (a key with the scope, or any staff member, reading):
  directory/organizations/  public facts about current members — never people or contact data
  directory/organizations/<id>/contacts/  current contacts, under the separate people:read scope
  statistics/               figures aggregated from approved yearly reports
Staff endpoints (session or personal token; partner keys get 403):
  organizations/, people/, affiliations/, yearly-reports/ (+ approve/return)

Each view validates input with an explicit input serializer, calls a member service or a
query below, and answers with an explicit output serializer. Writes happen only in
members.services."""

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import django_filters
from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, StringAgg, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Concat
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clac.api.permissions import HasPartnerScope, StaffRoles
from clac.api.scopes import DIRECTORY_READ, PEOPLE_READ, STATS_READ
from clac.api.views import ClacAPIView, ClacGenericViewSet
from clac.roles import REGISTRY_EDITORS
from members import services as member_services
from members.models import (
    Affiliation,
    Certification,
    Consent,
    Country,
    Membership,
    Organization,
    Person,
    Product,
    YearlyReport,
    YearlyReportEvent,
    YearlyReportProduct,
)
from members.normalize import normalize_organization_name, normalize_person_name

# Who the public directory shows: current members. Applicants, withdrawn and expelled
# organizations are not CLAC members and stay out of what partners see.
DIRECTORY_MEMBERSHIP_STATUSES = (Membership.Status.ACTIVE, Membership.Status.SUSPENDED)
WRITE_ROLES = tuple(sorted(REGISTRY_EDITORS))


def _codes(value: str) -> list[str]:
    """'pe, CO' → ['pe', 'CO']: comma-separated query values."""
    return [part.strip() for part in value.split(",") if part.strip()]


def _validated(serializer_class: type[serializers.Serializer], data: Any, **kwargs: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- Shared small serializers --------------------------------------------------------------


class CountryRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class OrganizationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CertificationSummarySerializer(serializers.Serializer):
    standard = serializers.ChoiceField(choices=Certification.Standard.choices)
    status = serializers.ChoiceField(choices=Certification.Status.choices)


def country_ref(code: str, name: str) -> dict[str, str]:
    # Country names are stored in English and translated through the catalogue.
    return {"code": code, "name": gettext(name)}


# --- Filters -------------------------------------------------------------------------------


class OrganizationFilter(django_filters.FilterSet):
    country = django_filters.CharFilter(
        method="filter_country", help_text="ISO country code(s), comma-separated: `PE,CO`."
    )
    kind = django_filters.ChoiceFilter(choices=Organization.Kind.choices)
    product = django_filters.CharFilter(
        method="filter_product", help_text="Product code(s), comma-separated: `coffee,cocoa`."
    )
    membership_status = django_filters.ChoiceFilter(field_name="membership__status", choices=Membership.Status.choices)
    certification_status = django_filters.ChoiceFilter(
        method="filter_certification_status",
        choices=Certification.Status.choices,
        help_text="Organizations holding a certification (any standard) in this status.",
    )
    search = django_filters.CharFilter(method="filter_search", help_text="Name, FLO ID or locality.")

    class Meta:
        model = Organization
        fields: list[str] = []

    def filter_country(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(country_id__in=[c.upper() for c in _codes(value)])

    def filter_product(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Exists, not a join: an organization with two of the products appears once.
        through = Organization.products.through.objects.filter(
            organization_id=OuterRef("pk"), product__code__in=[c.lower() for c in _codes(value)]
        )
        return queryset.filter(Exists(through))

    def filter_certification_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Exists(Certification.objects.filter(organization_id=OuterRef("pk"), status=value)))

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        condition = Q(name__icontains=value) | Q(flo_id=value) | Q(locality__icontains=value)
        # The normalized name makes "cafe" find "Café" and ignores legal words (Ltda., Coop.).
        normalized = normalize_organization_name(value)
        if normalized:
            condition |= Q(normalized_name__contains=normalized)
        return queryset.filter(condition)


class DirectoryOrganizationFilter(OrganizationFilter):
    membership_status = django_filters.ChoiceFilter(
        field_name="membership__status",
        choices=[(s.value, s.label) for s in DIRECTORY_MEMBERSHIP_STATUSES],
    )


# --- Directory (partners: directory:read) -------------------------------------------------


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
    membership_status = serializers.ChoiceField(choices=[(s.value, s.label) for s in DIRECTORY_MEMBERSHIP_STATUSES])
    certifications = CertificationSummarySerializer(many=True)


DIRECTORY_VALUES = (
    "id",
    "name",
    "kind",
    "country_id",
    "country__name",
    "region",
    "locality",
    "flo_id",
    "founding_year",
    "website",
    "membership__status",
    "product_codes",
    "certification_pairs",
)


def directory_organizations() -> QuerySet:
    """Current members, each row carrying its product codes and certifications as short
    aggregated strings: the directory's page is one query, not one per relation. (The strings
    are sorted in Python: SQLite before 3.44, the demo's database, cannot order inside an
    aggregate.)"""
    product_codes = (
        Organization.products.through.objects.filter(organization_id=OuterRef("pk"))
        .values("organization_id")
        .annotate(codes=StringAgg("product__code", Value(",")))
        .values("codes")
    )
    certification_pairs = (
        Certification.objects.filter(organization_id=OuterRef("pk"))
        .values("organization_id")
        .annotate(pairs=StringAgg(Concat("standard", Value(":"), "status"), Value(",")))
        .values("pairs")
    )
    return Organization.objects.filter(membership__status__in=DIRECTORY_MEMBERSHIP_STATUSES).annotate(
        product_codes=Subquery(product_codes), certification_pairs=Subquery(certification_pairs)
    )


def _certifications(pairs: str | None) -> list[dict[str, str]]:
    if not pairs:
        return []
    return [dict(zip(("standard", "status"), pair.split(":"), strict=True)) for pair in sorted(pairs.split(","))]


def directory_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The directory's hot path: rows of directory_organizations().values(*DIRECTORY_VALUES)
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
        return directory_organizations()

    @extend_schema(summary="List member organizations (public fields)")
    def list(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset()).values(*DIRECTORY_VALUES)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(directory_rows(page))

    @extend_schema(summary="One member organization (public fields)")
    def retrieve(self, request: Request, pk: str) -> Response:
        row = get_object_or_404(self.get_queryset().values(*DIRECTORY_VALUES), pk=pk)
        return Response(directory_rows([row])[0])


# --- Statistics (partners: stats:read) -----------------------------------------------------

GROUP_DIMENSIONS = ("country", "product", "year")
_REPORT_GROUP_FIELDS = {
    "country": "organization__country_id",
    "product": "product_lines__product__code",
    "year": "year",
}
_LINE_GROUP_FIELDS = {"country": "report__organization__country_id", "product": "product__code", "year": "report__year"}

STATISTICS_DESCRIPTION = """
Figures aggregated from **approved** yearly reports only (drafts, submitted and returned
reports never count). Needs a partner key with `stats:read`, or a staff account.

**Grouping.** `group_by` takes `country`, `product` and/or `year`, comma-separated (default
`country,year`). Each result row carries the values of its group (the others are null).

**One year at a time.** Organization figures (members, workers, hectares, premium) are stocks
reported each year, so adding them across years would be meaningless: when `year` is neither
grouped by nor given, the figures are for the latest year with approved reports, and the
response says which (`filters.year`).

**No double counting of organizations.** An organization reports once a year, so within a
row each organization counts once. When grouping by `product`, the organization figures of
a row are those of the organizations that reported volumes of that product: an organization
with two products appears in both product rows. Add organization figures across product
rows only knowing that; for totals, group without `product`.

**Volumes** are always per product, in the product's unit of trade (`unit`); they are never
added across products.

**Premium** is in USD, converted at approval with the exchange rate of the report year's end.
""".strip()


class StatisticsQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100, help_text="Report year.")
    country = serializers.CharField(required=False, help_text="ISO country code(s), comma-separated.")
    product = serializers.CharField(required=False, help_text="Product code(s), comma-separated.")
    group_by = serializers.CharField(
        required=False, default="country,year", help_text="Any of country, product, year, comma-separated."
    )

    def validate_country(self, value: str) -> list[str]:
        codes = [c.upper() for c in _codes(value)]
        unknown = sorted(set(codes) - set(Country.objects.filter(code__in=codes).values_list("code", flat=True)))
        if unknown:
            raise serializers.ValidationError(_("Unknown country code(s): %(codes)s.") % {"codes": ", ".join(unknown)})
        return codes

    def validate_product(self, value: str) -> list[str]:
        codes = [c.lower() for c in _codes(value)]
        unknown = sorted(set(codes) - set(Product.objects.filter(code__in=codes).values_list("code", flat=True)))
        if unknown:
            raise serializers.ValidationError(_("Unknown product code(s): %(codes)s.") % {"codes": ", ".join(unknown)})
        return codes

    def validate_group_by(self, value: str) -> list[str]:
        dimensions = list(dict.fromkeys(d.lower() for d in _codes(value)))
        unknown = [d for d in dimensions if d not in GROUP_DIMENSIONS]
        if not dimensions:
            raise serializers.ValidationError(_("Group by at least one of country, product, year."))
        if unknown:
            raise serializers.ValidationError(
                _("Cannot group by %(unknown)s; use country, product and/or year.") % {"unknown": ", ".join(unknown)}
            )
        return dimensions


class ProductRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField(help_text="Unit of trade: lb, kg, t or box.")


class VolumeSerializer(serializers.Serializer):
    product = serializers.CharField(help_text="Product code.")
    unit = serializers.CharField()
    produced = serializers.DecimalField(max_digits=20, decimal_places=2)
    sold_fairtrade = serializers.DecimalField(max_digits=20, decimal_places=2)
    sold_other = serializers.DecimalField(max_digits=20, decimal_places=2)


class StatisticsRowSerializer(serializers.Serializer):
    year = serializers.IntegerField(allow_null=True)
    country = CountryRefSerializer(allow_null=True)
    product = ProductRefSerializer(allow_null=True)
    organizations_reporting = serializers.IntegerField()
    members_total = serializers.IntegerField()
    members_women = serializers.IntegerField()
    members_youth = serializers.IntegerField()
    permanent_workers = serializers.IntegerField()
    hectares = serializers.DecimalField(max_digits=20, decimal_places=2)
    premium_usd = serializers.DecimalField(max_digits=20, decimal_places=2)
    volumes = VolumeSerializer(many=True)


class StatisticsFiltersSerializer(serializers.Serializer):
    year = serializers.IntegerField(allow_null=True)
    country = serializers.ListField(child=serializers.CharField())
    product = serializers.ListField(child=serializers.CharField())


class StatisticsResponseSerializer(serializers.Serializer):
    group_by = serializers.ListField(child=serializers.ChoiceField(choices=GROUP_DIMENSIONS))
    filters = StatisticsFiltersSerializer()
    results = StatisticsRowSerializer(many=True)


def statistics_aggregate(
    *, group_by: Sequence[str], year: int | None, countries: Iterable[str], products: Iterable[str]
) -> dict[str, Any]:
    """Aggregate approved yearly reports. Four queries whatever the data size: the
    organization figures, the volumes, and the country and product names."""
    countries, products = list(countries), list(products)
    approved = YearlyReport.objects.filter(status=YearlyReport.Status.APPROVED)
    if year is None and "year" not in group_by:
        year = approved.order_by("-year").values_list("year", flat=True).first()

    reports = approved
    lines = YearlyReportProduct.objects.filter(report__status=YearlyReport.Status.APPROVED)
    if year is not None:
        reports, lines = reports.filter(year=year), lines.filter(report__year=year)
    if countries:
        reports = reports.filter(organization__country_id__in=countries)
        lines = lines.filter(report__organization__country_id__in=countries)
    if products:
        lines = lines.filter(product__code__in=products)
        if "product" in group_by:
            reports = reports.filter(product_lines__product__code__in=products)
        else:
            # Exists, not a join, so a report with two of the products counts once.
            reports = reports.filter(
                Exists(YearlyReportProduct.objects.filter(report=OuterRef("pk"), product__code__in=products))
            )

    report_keys = [_REPORT_GROUP_FIELDS[d] for d in group_by]
    zero = Decimal("0")
    # Grouping by product joins each report to its product lines; a report has at most one
    # line per product, so each organization still counts once per row.
    groups = (
        reports.values(*report_keys)
        .annotate(
            organizations_reporting=Count("organization_id", distinct=True),
            members_total=Coalesce(Sum("members_total"), 0),
            members_women=Coalesce(Sum("members_women"), 0),
            members_youth=Coalesce(Sum("members_youth"), 0),
            permanent_workers=Coalesce(Sum("permanent_workers"), 0),
            hectares=Coalesce(Sum("hectares"), zero),
            premium_usd=Coalesce(Sum("premium_usd"), zero),
        )
        .order_by(*report_keys)
    )
    line_keys = [_LINE_GROUP_FIELDS[d] for d in group_by]
    volumes = (
        lines.values(*line_keys, "product__code", "product__unit")
        .annotate(
            produced=Coalesce(Sum("volume_produced"), zero),
            sold_fairtrade=Coalesce(Sum("volume_sold_fairtrade"), zero),
            sold_other=Coalesce(Sum("volume_sold_other"), zero),
        )
        .order_by(*line_keys, "product__code")
    )
    country_names = dict(Country.objects.values_list("code", "name"))
    product_refs = {
        code: {"code": code, "name": gettext(name), "unit": unit}
        for code, name, unit in Product.objects.values_list("code", "name", "unit")
    }

    results: dict[tuple, dict[str, Any]] = {}
    for group in groups:
        key = tuple(group[field] for field in report_keys)
        values = dict(zip(group_by, key, strict=True))
        country_code = values.get("country")
        results[key] = {
            "year": values.get("year"),
            "country": country_ref(country_code, country_names[country_code]) if country_code else None,
            "product": product_refs[values["product"]] if "product" in values else None,
            "organizations_reporting": group["organizations_reporting"],
            "members_total": group["members_total"],
            "members_women": group["members_women"],
            "members_youth": group["members_youth"],
            "permanent_workers": group["permanent_workers"],
            "hectares": group["hectares"],
            "premium_usd": group["premium_usd"],
            "volumes": [],
        }
    for line in volumes:
        row = results.get(tuple(line[field] for field in line_keys))
        if row is not None:
            row["volumes"].append(
                {
                    "product": line["product__code"],
                    "unit": line["product__unit"],
                    "produced": line["produced"],
                    "sold_fairtrade": line["sold_fairtrade"],
                    "sold_other": line["sold_other"],
                }
            )
    return {
        "group_by": list(group_by),
        "filters": {"year": year, "country": countries, "product": products},
        "results": list(results.values()),
    }


@extend_schema(tags=["statistics"])
class StatisticsView(ClacAPIView):
    permission_classes = [HasPartnerScope]
    required_scope = STATS_READ

    @extend_schema(
        summary="Statistics from approved yearly reports",
        description=STATISTICS_DESCRIPTION,
        parameters=[StatisticsQuerySerializer],
        responses=StatisticsResponseSerializer,
    )
    def get(self, request: Request) -> Response:
        params = _validated(StatisticsQuerySerializer, request.query_params)
        data = statistics_aggregate(
            group_by=params["group_by"],
            year=params.get("year"),
            countries=params.get("country", []),
            products=params.get("product", []),
        )
        return Response(StatisticsResponseSerializer(data).data)


# --- Directory contacts (partners: people:read) ---------------------------------------------

CONTACTS_DESCRIPTION = """
The people who currently serve a member organization (legal representative, manager,
Fairtrade officer, board, delegates…), for partners whose key carries `people:read`.

A person's email is given only when they agreed to be contacted by email, and their phone
only when they agreed to calls, SMS or WhatsApp (consents recorded by CLAC); otherwise the
field is null. Past roles are never shown.
""".strip()

PHONE_CHANNELS = (Consent.Channel.PHONE, Consent.Channel.SMS, Consent.Channel.WHATSAPP)


class DirectoryContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Affiliation.Role.choices)
    is_primary = serializers.BooleanField()
    preferred_language = serializers.CharField()
    email = serializers.EmailField(allow_null=True)
    phone = serializers.CharField(allow_null=True)


def directory_contacts(*, organization_id: int) -> list[dict[str, Any]]:
    """Current contacts of a directory organization, with contact data only where consented.
    One query, whatever the number of people."""
    granted = Consent.objects.filter(person=OuterRef("person"), granted=True)
    rows = (
        Affiliation.objects.filter(organization_id=organization_id, end_date__isnull=True)
        .annotate(
            email_ok=Exists(granted.filter(channel=Consent.Channel.EMAIL)),
            phone_ok=Exists(granted.filter(channel__in=PHONE_CHANNELS)),
        )
        .order_by("-is_primary", "role", "person__last_name", "person__first_name", "id")
        .values(
            "role",
            "is_primary",
            "email_ok",
            "phone_ok",
            "person__first_name",
            "person__last_name",
            "person__email",
            "person__phone",
            "person__preferred_language",
        )
    )
    return [
        {
            "name": f"{row['person__first_name']} {row['person__last_name']}".strip(),
            "role": row["role"],
            "is_primary": row["is_primary"],
            "preferred_language": row["person__preferred_language"],
            "email": (row["person__email"] or None) if row["email_ok"] else None,
            "phone": (row["person__phone"] or None) if row["phone_ok"] else None,
        }
        for row in rows
    ]


class DirectoryContactsView(ClacAPIView):
    permission_classes = [HasPartnerScope]
    required_scope = PEOPLE_READ

    @extend_schema(
        summary="Contacts of a member organization (personal data)",
        description=CONTACTS_DESCRIPTION,
        responses=DirectoryContactSerializer(many=True),
    )
    def get(self, request: Request, pk: int) -> Response:
        # Only organizations the directory shows: applicants and former members stay private.
        organization = get_object_or_404(directory_organizations().values("pk"), pk=pk)
        contacts = directory_contacts(organization_id=organization["pk"])
        return Response(DirectoryContactSerializer(contacts, many=True).data)


# --- Organizations (staff) -----------------------------------------------------------------


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
    languages = serializers.ListField(child=serializers.CharField())
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


class _RefusesNulMixin:
    """Related fields looked up by text (a country code, a product code): a NUL character is
    refused before the lookup, since PostgreSQL cannot compare text with one and the query
    would fail with a server error instead of a 400."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid_text")
        return super().to_internal_value(data)


class CountryCodeField(_RefusesNulMixin, serializers.PrimaryKeyRelatedField):
    default_error_messages = {"invalid_text": _("Null characters are not allowed.")}


class ProductCodeField(_RefusesNulMixin, serializers.SlugRelatedField):
    default_error_messages = {"invalid_text": _("Null characters are not allowed.")}


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
    parent = serializers.PrimaryKeyRelatedField(
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
    languages = serializers.ListField(child=serializers.ChoiceField(choices=settings.LANGUAGES), required=False)
    description = serializers.CharField(required=False, allow_blank=True)


def staff_organizations() -> QuerySet:
    return Organization.objects.select_related("country", "parent", "membership").prefetch_related(
        Prefetch("products", queryset=Product.objects.order_by("code")),
        Prefetch("certifications", queryset=Certification.objects.order_by("standard")),
    )


class _StaffViewSet(ClacGenericViewSet):
    permission_classes = [StaffRoles]
    write_roles = WRITE_ROLES


@extend_schema(tags=["staff: organizations"])
class OrganizationViewSet(_StaffViewSet):
    """The whole registry, for CLAC staff: every organization in any membership state."""

    serializer_class = OrganizationOutputSerializer
    filterset_class = OrganizationFilter
    queryset = Organization.objects.none()

    def get_queryset(self) -> QuerySet:
        return staff_organizations()

    def _respond(self, organization: Organization, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=organization.pk)
        return Response(OrganizationOutputSerializer(fresh).data, status=status_code)

    @extend_schema(summary="List organizations")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(OrganizationOutputSerializer(page, many=True).data)

    @extend_schema(summary="One organization")
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(OrganizationOutputSerializer(self.get_object()).data)

    @extend_schema(
        summary="Register an organization (its membership starts as an application)",
        request=OrganizationInputSerializer,
        responses={201: OrganizationOutputSerializer},
    )
    def create(self, request: Request) -> Response:
        data = _validated(OrganizationInputSerializer, request.data)
        organization = member_services.organization_create(actor=request.user, **data)
        return self._respond(organization, status.HTTP_201_CREATED)

    @extend_schema(summary="Replace an organization's profile", request=OrganizationInputSerializer)
    def update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=False)

    @extend_schema(summary="Change some fields of an organization", request=OrganizationInputSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        organization = self.get_object()
        data = _validated(OrganizationInputSerializer, request.data, partial=partial)
        organization = member_services.organization_update(actor=request.user, organization=organization, **data)
        return self._respond(organization)


# --- People (staff) ------------------------------------------------------------------------


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
    organization = django_filters.NumberFilter(
        method="filter_organization", help_text="People currently affiliated to this organization id."
    )
    preferred_language = django_filters.ChoiceFilter(choices=settings.LANGUAGES)

    class Meta:
        model = Person
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        condition = Q(email__iexact=value) | Q(email_secondary__iexact=value) | Q(phone=value.replace(" ", ""))
        # Every word must appear in the name; the accent-free normalized name lets "jose perez"
        # find "José Pérez".
        words = [(word, normalize_person_name(word, "")) for word in value.split()]
        words = [(word, normalized) for word, normalized in words if normalized]
        if words:
            name_condition = Q()
            for word, normalized in words:
                in_name = Q(first_name__icontains=word) | Q(last_name__icontains=word)
                name_condition &= in_name | Q(normalized_name__contains=normalized)
            condition |= name_condition
        return queryset.filter(condition)

    def filter_organization(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(
            Exists(Affiliation.objects.filter(person_id=OuterRef("pk"), organization_id=value, end_date__isnull=True))
        )


def staff_people() -> QuerySet:
    return Person.objects.prefetch_related(
        Prefetch(
            "affiliations",
            queryset=Affiliation.objects.filter(end_date__isnull=True).select_related("organization"),
            to_attr="current_affiliations",
        )
    )


@extend_schema(tags=["staff: people"])
class PersonViewSet(_StaffViewSet):
    """People who serve member organizations. Personal data: staff only."""

    serializer_class = PersonOutputSerializer
    filterset_class = PersonFilter
    queryset = Person.objects.none()

    def get_queryset(self) -> QuerySet:
        return staff_people()

    def _respond(self, person: Person, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(PersonOutputSerializer(self.get_queryset().get(pk=person.pk)).data, status=status_code)

    @extend_schema(summary="List people")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(PersonOutputSerializer(page, many=True).data)

    @extend_schema(summary="One person")
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(PersonOutputSerializer(self.get_object()).data)

    @extend_schema(summary="Add a person", request=PersonInputSerializer, responses={201: PersonOutputSerializer})
    def create(self, request: Request) -> Response:
        data = _validated(PersonInputSerializer, request.data)
        return self._respond(member_services.person_create(actor=request.user, **data), status.HTTP_201_CREATED)

    @extend_schema(summary="Replace a person's details", request=PersonInputSerializer)
    def update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=False)

    @extend_schema(summary="Change some of a person's details", request=PersonInputSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        person = self.get_object()
        data = _validated(PersonInputSerializer, request.data, partial=partial)
        return self._respond(member_services.person_update(actor=request.user, person=person, **data))


# --- Affiliations (staff) ------------------------------------------------------------------


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
    person = django_filters.NumberFilter(field_name="person_id")
    organization = django_filters.NumberFilter(field_name="organization_id")
    role = django_filters.ChoiceFilter(choices=Affiliation.Role.choices)
    current = django_filters.BooleanFilter(field_name="end_date", lookup_expr="isnull", help_text="Not ended yet.")

    class Meta:
        model = Affiliation
        fields: list[str] = []


@extend_schema(tags=["staff: affiliations"])
class AffiliationViewSet(_StaffViewSet):
    """Who serves which organization, in which role, since and until when."""

    serializer_class = AffiliationOutputSerializer
    filterset_class = AffiliationFilter
    queryset = Affiliation.objects.none()

    def get_queryset(self) -> QuerySet:
        return Affiliation.objects.select_related("person", "organization")

    def _respond(self, affiliation: Affiliation, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=affiliation.pk)
        return Response(AffiliationOutputSerializer(fresh).data, status=status_code)

    @extend_schema(summary="List affiliations")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(AffiliationOutputSerializer(page, many=True).data)

    @extend_schema(summary="One affiliation")
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(AffiliationOutputSerializer(self.get_object()).data)

    @extend_schema(
        summary="Affiliate a person to an organization",
        request=AffiliationInputSerializer,
        responses={201: AffiliationOutputSerializer},
    )
    def create(self, request: Request) -> Response:
        data = _validated(AffiliationInputSerializer, request.data)
        affiliation = member_services.affiliation_create(actor=request.user, **data)
        return self._respond(affiliation, status.HTTP_201_CREATED)

    @extend_schema(summary="End an affiliation", request=AffiliationEndSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        affiliation = self.get_object()
        data = _validated(AffiliationEndSerializer, request.data)
        affiliation = member_services.affiliation_end(
            actor=request.user, affiliation=affiliation, end_date=data["end_date"]
        )
        return self._respond(affiliation)


# --- Yearly reports (staff) ----------------------------------------------------------------


class YearlyReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = OrganizationRefSerializer()
    year = serializers.IntegerField()
    status = serializers.ChoiceField(choices=YearlyReport.Status.choices)
    members_total = serializers.IntegerField(allow_null=True)
    members_women = serializers.IntegerField(allow_null=True)
    members_youth = serializers.IntegerField(allow_null=True)
    permanent_workers = serializers.IntegerField(allow_null=True)
    hectares = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    premium_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    premium_currency = serializers.CharField()
    premium_usd = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="Set when the report is approved."
    )
    submitted_at = serializers.DateTimeField(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()


class ProductLineSerializer(serializers.Serializer):
    product = serializers.CharField(source="product.code", help_text="Product code.")
    unit = serializers.CharField(source="product.unit")
    volume_produced = serializers.DecimalField(max_digits=14, decimal_places=2)
    volume_sold_fairtrade = serializers.DecimalField(max_digits=14, decimal_places=2)
    volume_sold_other = serializers.DecimalField(max_digits=14, decimal_places=2)


class PremiumUseSerializer(serializers.Serializer):
    category = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="In the report's premium currency.")


class ReportEventSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=YearlyReportEvent.Action.choices)
    note = serializers.CharField()
    actor = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_actor(self, obj: YearlyReportEvent) -> str:
        return str(obj.actor) if obj.actor is not None else ""


class YearlyReportDetailSerializer(YearlyReportSerializer):
    product_lines = ProductLineSerializer(many=True)
    premium_uses = PremiumUseSerializer(many=True)
    events = ReportEventSerializer(many=True, help_text="The report's log, oldest first.")


class ReportApproveSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReportReturnSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, help_text="What the organization must correct.")


class YearlyReportFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter()
    status = django_filters.ChoiceFilter(choices=YearlyReport.Status.choices)
    country = django_filters.CharFilter(method="filter_country", help_text="ISO country code(s), comma-separated.")
    organization = django_filters.NumberFilter(field_name="organization_id")

    class Meta:
        model = YearlyReport
        fields: list[str] = []

    def filter_country(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(organization__country_id__in=[c.upper() for c in _codes(value)])


@extend_schema(tags=["staff: yearly reports"])
class YearlyReportViewSet(_StaffViewSet):
    """Yearly reports of member organizations and their review (approve or return)."""

    serializer_class = YearlyReportSerializer
    filterset_class = YearlyReportFilter
    queryset = YearlyReport.objects.none()

    def get_queryset(self) -> QuerySet:
        queryset = YearlyReport.objects.select_related("organization")
        if self.action != "list":
            queryset = queryset.prefetch_related(
                Prefetch("product_lines", queryset=YearlyReportProduct.objects.select_related("product")),
                "premium_uses",
                Prefetch("events", queryset=YearlyReportEvent.objects.select_related("actor")),
            )
        return queryset

    def _respond(self, report: YearlyReport) -> Response:
        return Response(YearlyReportDetailSerializer(self.get_queryset().get(pk=report.pk)).data)

    @extend_schema(summary="List yearly reports")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(YearlyReportSerializer(page, many=True).data)

    @extend_schema(summary="One yearly report with its products, premium use and log")
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(YearlyReportDetailSerializer(self.get_object()).data)

    @extend_schema(
        summary="Approve a submitted report (it then counts in statistics)",
        request=ReportApproveSerializer,
        responses=YearlyReportDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        report = self.get_object()
        data = _validated(ReportApproveSerializer, request.data)
        return self._respond(member_services.yearly_report_approve(actor=request.user, report=report, **data))

    @extend_schema(
        summary="Return a submitted report to the organization with what to correct",
        request=ReportReturnSerializer,
        responses=YearlyReportDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_report(self, request: Request, pk: str) -> Response:
        report = self.get_object()
        data = _validated(ReportReturnSerializer, request.data)
        return self._respond(member_services.yearly_report_return(actor=request.user, report=report, **data))
