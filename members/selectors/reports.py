"""Reads of yearly reports for the staff review queue and the review page."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Prefetch, QuerySet, Sum, prefetch_related_objects
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from members.models import (
    Membership,
    Organization,
    PremiumUse,
    Product,
    YearlyReport,
    YearlyReportEvent,
    YearlyReportProduct,
)
from members.selectors.access import access_scope, require_change

__all__ = [
    "JUMP_PERCENT",
    "FigureComparison",
    "PremiumUseRow",
    "ProductComparison",
    "latest_approved_report_totals",
    "latest_approved_reports",
    "latest_approved_reports_portable",
    "report_queue",
    "yearly_report_events",
    "yearly_report_figure_comparison",
    "yearly_report_get_for_user",
    "yearly_report_premium_uses",
    "yearly_report_previous_approved",
    "yearly_report_product_comparison",
]

# A change of half or more against the last approved year is worth a second look (a typo in
# members or volumes usually shows up as +300 % or -90 %).
JUMP_PERCENT = Decimal(50)
CENT = Decimal("0.01")


def _approved(*, active_only: bool) -> QuerySet[YearlyReport]:
    approved = YearlyReport.objects.filter(status=YearlyReport.Status.APPROVED)
    if active_only:
        # A semi-join on the membership (no join through the organization).
        active = Membership.objects.filter(status=Membership.Status.ACTIVE).values("organization_id")
        approved = approved.filter(organization_id__in=active)
    return approved


def _latest_distinct_on(approved: QuerySet[YearlyReport]) -> QuerySet[YearlyReport]:
    # PostgreSQL: one sorted pass keeps each organization's first row, its newest year.
    return approved.order_by("organization_id", "-year").distinct("organization_id")


def latest_approved_reports(*, active_only: bool = True) -> QuerySet[YearlyReport]:
    """Each organization's latest approved report (of active members only by default): an
    organization whose newest report is in review or returned counts with its previous
    approved one. The approved reports no newer approved report of the same organization
    supersedes (an anti-join on the (organization, year) index): a list page of them, in any
    order, stops after its rows. Totals over all of them: latest_approved_report_totals."""
    return latest_approved_reports_portable(_approved(active_only=active_only))


def latest_approved_reports_portable(approved: QuerySet[YearlyReport]) -> QuerySet[YearlyReport]:
    """The portable form of latest_approved_reports (any database)."""
    newer = YearlyReport.objects.filter(
        organization=OuterRef("organization"), status=YearlyReport.Status.APPROVED, year__gt=OuterRef("year")
    )
    return approved.filter(~Exists(newer))


_TOTALS = ("counted", "first", "last", "producers", "women", "youth")


def latest_approved_report_totals(*, active_only: bool = True) -> dict[str, int | None]:
    """How many latest approved reports (latest_approved_reports), the first and last of their
    years, and their members, women and youth totals, in one query. On PostgreSQL the totals
    are taken straight from the DISTINCT ON rows (the ORM cannot aggregate over a DISTINCT ON
    queryset, so the query is wrapped by hand; its parameters stay parameters)."""
    approved = _approved(active_only=active_only)
    if connection.vendor != "postgresql":
        return latest_approved_reports_portable(approved).aggregate(
            counted=Count("id"),
            first=Min("year"),
            last=Max("year"),
            producers=Sum("members_total"),
            women=Sum("members_women"),
            youth=Sum("members_youth"),
        )
    rows = _latest_distinct_on(approved).values("year", "members_total", "members_women", "members_youth")
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        # The inner SQL is Django's own; its values stay parameters.
        wrapped = f"SELECT COUNT(*), MIN(year), MAX(year), SUM(members_total), SUM(members_women), SUM(members_youth) FROM ({sql}) AS latest"  # noqa: E501, S608
        cursor.execute(wrapped, params)
        row = cursor.fetchone()
    return {key: int(value) if value is not None else None for key, value in zip(_TOTALS, row, strict=True)}


def report_queue(*, filters: dict[str, Any] | None = None) -> QuerySet[YearlyReport]:
    """Reports for staff review. Filters: status (None or "" for every status), year, country,
    flagged (only reports with unusual figures),
    latest (only each active member's latest approved report: what the home figures add up).
    Submitted reports come oldest submitted first (first come, first reviewed); other lists
    show the most recently changed first."""
    filters = filters or {}
    queryset = (latest_approved_reports() if filters.get("latest") else YearlyReport.objects).select_related(
        "organization", "organization__country"
    )
    status = filters.get("status")
    if status:
        queryset = queryset.filter(status=status)
    if filters.get("year"):
        queryset = queryset.filter(year=filters["year"])
    if filters.get("country"):
        queryset = queryset.filter(organization__country=filters["country"])
    if filters.get("flagged"):
        queryset = queryset.exclude(review_flags=[])
    if status == YearlyReport.Status.SUBMITTED:
        return queryset.order_by(F("submitted_at").asc(nulls_last=True), "id")
    return queryset.order_by("-updated_at", "-id")


def yearly_report_get_for_user(
    *,
    user,
    pk: int | None = None,
    organization: Organization | None = None,
    year: int | None = None,
    for_change: bool = False,
) -> YearlyReport:
    """One report for a staff member (any report) or, in the portal, one of `organization`'s;
    404 for everyone else and for an unknown one. The portal addresses reports by `year`
    instead of `pk`. `for_change`: 403 unless the user may change the report's organization.
    Rules in members.selectors.access."""
    if (pk is None) == (year is None):
        raise TypeError("Give the report's pk or its year.")
    scope = access_scope(user=user, organization=organization)
    found = YearlyReport.objects.select_related("organization", "organization__country", "submitted_by", "reviewed_by")
    if scope is not None:
        found = found.filter(organization=scope)
    elif year is not None:
        raise TypeError("A report is found by year only within an organization.")
    if pk is not None:
        report = found.filter(pk=pk).first()
    else:
        assert year is not None  # exactly one of pk and year, checked above
        report = found.filter(year=year).first()
    if report is None:
        raise Http404
    if for_change:
        require_change(user, scope=scope, record_organization=report.organization)
    return report


def yearly_report_previous_approved(*, report: YearlyReport) -> YearlyReport | None:
    """The organization's approved report of the year before, the reviewer's reference."""
    return (
        YearlyReport.objects.filter(
            organization_id=report.organization_id, year=report.year - 1, status=YearlyReport.Status.APPROVED
        )
        .prefetch_related("product_lines")
        .first()
    )


def yearly_report_events(*, report: YearlyReport) -> QuerySet[YearlyReportEvent]:
    return report.events.select_related("actor").order_by("created_at", "id")


def _change_percent(current: Any, previous: Any) -> Decimal | None:
    if current is None or previous is None or previous == 0:
        return None
    return ((Decimal(current) - Decimal(previous)) * 100 / Decimal(previous)).quantize(Decimal(1), ROUND_HALF_UP)


def _is_jump(change: Decimal | None) -> bool:
    return change is not None and abs(change) >= JUMP_PERCENT


@dataclass(frozen=True)
class FigureComparison:
    label: str | Promise
    current: Any
    previous: Any
    change_percent: Decimal | None

    @property
    def is_jump(self) -> bool:
        return _is_jump(self.change_percent)


_COMPARED_FIGURES: tuple[tuple[str, str | Promise], ...] = (
    ("members_total", _("Members (total)")),
    ("members_women", _("Women members")),
    ("members_youth", _("Young members (under 30)")),
    ("permanent_workers", _("Permanent workers")),
    ("hectares", _("Hectares")),
)


def yearly_report_figure_comparison(*, report: YearlyReport, previous: YearlyReport | None) -> list[FigureComparison]:
    rows = []
    for name, label in _COMPARED_FIGURES:
        current = getattr(report, name)
        before = getattr(previous, name) if previous is not None else None
        rows.append(FigureComparison(label, current, before, _change_percent(current, before)))
    # Premium amounts compare only in the same currency: a EUR year next to a USD year says
    # nothing about a jump.
    if previous is None or previous.premium_currency == report.premium_currency:
        before = previous.premium_amount if previous is not None else None
        change = _change_percent(report.premium_amount, before)
    else:
        before, change = None, None
    rows.append(
        FigureComparison(
            _("Fairtrade Premium (%(currency)s)") % {"currency": report.premium_currency},
            report.premium_amount,
            before,
            change,
        )
    )
    return rows


@dataclass(frozen=True)
class ProductComparison:
    product: Product
    line: YearlyReportProduct | None
    previous: YearlyReportProduct | None

    @property
    def produced_change_percent(self) -> Decimal | None:
        if self.line is None or self.previous is None:
            return None
        return _change_percent(self.line.volume_produced, self.previous.volume_produced)

    @property
    def fairtrade_change_percent(self) -> Decimal | None:
        if self.line is None or self.previous is None:
            return None
        return _change_percent(self.line.volume_sold_fairtrade, self.previous.volume_sold_fairtrade)

    @property
    def produced_is_jump(self) -> bool:
        return _is_jump(self.produced_change_percent)

    @property
    def fairtrade_is_jump(self) -> bool:
        return _is_jump(self.fairtrade_change_percent)

    @property
    def is_jump(self) -> bool:
        return self.produced_is_jump or self.fairtrade_is_jump


def yearly_report_product_comparison(*, report: YearlyReport, previous: YearlyReport | None) -> list[ProductComparison]:
    """This year's product lines beside last year's; a product reported only last year shows
    with no line this year, so a dropped product is visible too."""
    lines = {line.product_id: line for line in report.product_lines.select_related("product")}
    previous_lines: dict[int, YearlyReportProduct] = {}
    if previous is not None:
        previous_lines = {line.product_id: line for line in previous.product_lines.all()}
    missing_ids = set(previous_lines) - set(lines)
    products = {line.product_id: line.product for line in lines.values()}
    if missing_ids:
        products.update(Product.objects.in_bulk(missing_ids))
    rows = [ProductComparison(products[pid], lines.get(pid), previous_lines.get(pid)) for pid in products]
    return sorted(rows, key=lambda row: (row.line is None, str(row.product)))


@dataclass(frozen=True)
class PremiumUseRow:
    use: PremiumUse
    usd: Decimal | None
    share_percent: Decimal | None


def yearly_report_premium_uses(*, report: YearlyReport) -> list[PremiumUseRow]:
    """Premium uses with their USD value once the report is approved. The USD value was fixed
    at approval (premium_usd); uses split it in proportion, so they add up to the approved
    figure even if the exchange-rate table changes later."""
    uses = sorted(report.premium_uses.all(), key=lambda use: -use.amount)
    ratio = None
    if report.premium_usd is not None and report.premium_amount:
        ratio = report.premium_usd / report.premium_amount
    rows = []
    for use in uses:
        usd = (use.amount * ratio).quantize(CENT, ROUND_HALF_UP) if ratio is not None else None
        share = (
            (use.amount * 100 / report.premium_amount).quantize(Decimal("0.1"), ROUND_HALF_UP)
            if report.premium_amount
            else None
        )
        rows.append(PremiumUseRow(use, usd, share))
    return rows


# --- Staff API ------------------------------------------------------------------------------

__all__ += ["yearly_report_staff_detail", "yearly_report_staff_list", "yearly_report_staff_reload"]


def _staff_detail_prefetches() -> list[Prefetch | str]:
    return [
        Prefetch("product_lines", queryset=YearlyReportProduct.objects.select_related("product")),
        "premium_uses",
        Prefetch("events", queryset=YearlyReportEvent.objects.select_related("actor")),
    ]


def yearly_report_staff_list() -> QuerySet[YearlyReport]:
    """Reports for the staff API's list: the figures and the organization, no lines or log."""
    return YearlyReport.objects.select_related("organization")


def yearly_report_staff_detail(*, report: YearlyReport) -> YearlyReport:
    """Loads the product lines, premium uses and log onto a report from
    yearly_report_get_for_user: three queries."""
    prefetch_related_objects([report], *_staff_detail_prefetches())
    return report


def yearly_report_staff_reload(*, report: YearlyReport) -> YearlyReport:
    """A fresh copy of a report a service just changed, with its lines, premium uses and log."""
    return yearly_report_staff_list().prefetch_related(*_staff_detail_prefetches()).get(pk=report.pk)
