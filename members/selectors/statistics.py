"""Reads behind the partner statistics: figures aggregated from approved yearly reports, and
the reference codes a query may name."""

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from members.models import Country, Product, YearlyReport, YearlyReportProduct

__all__ = [
    "STATISTICS_GROUP_DIMENSIONS",
    "country_codes_all",
    "country_ref",
    "country_unknown_codes",
    "product_codes_all",
    "product_unknown_codes",
    "yearly_report_statistics",
]

STATISTICS_GROUP_DIMENSIONS = ("country", "product", "year")
_REPORT_GROUP_FIELDS = {
    "country": "organization__country_id",
    "product": "product_lines__product__code",
    "year": "year",
}
_LINE_GROUP_FIELDS = {"country": "report__organization__country_id", "product": "product__code", "year": "report__year"}


def country_ref(code: str, name: str) -> dict[str, str]:
    # Country names are stored in English and translated through the catalogue.
    return {"code": code, "name": gettext(name)}


def country_unknown_codes(*, codes: Iterable[str]) -> list[str]:
    """The codes that name no country, sorted."""
    codes = set(codes)
    return sorted(codes - set(Country.objects.filter(code__in=codes).values_list("code", flat=True)))


def country_codes_all() -> list[str]:
    """Every country code the registry knows, sorted (for "allowed values" messages)."""
    return list(Country.objects.order_by("code").values_list("code", flat=True))


def product_codes_all() -> list[str]:
    """Every product code the registry knows, sorted."""
    return list(Product.objects.order_by("code").values_list("code", flat=True))


def product_unknown_codes(*, codes: Iterable[str]) -> list[str]:
    """The codes that name no product, sorted."""
    codes = set(codes)
    return sorted(codes - set(Product.objects.filter(code__in=codes).values_list("code", flat=True)))


def yearly_report_statistics(
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
