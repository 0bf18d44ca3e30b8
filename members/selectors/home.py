"""The registry's figures on the dashboard home and its part of the portal home.

What each home figure counts (the user guide says the same, docs/user-guide.md):
- members: organizations whose CLAC membership is active (applicants, suspended, withdrawn
  and expelled organizations are not counted);
- producers, women, young people: the sums of the latest approved yearly report of each
  active member (an organization whose newest report is still in review counts with its
  previous approved one), with the range of the years those reports cover;
- the trend: per report year, the memberships active at the year's end (from the membership
  events) and the totals of that year's approved reports.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext

from members.models import (
    Affiliation,
    Certification,
    Membership,
    MembershipEvent,
    Organization,
    OrganizationChangeProposal,
    YearlyReport,
)
from members.selectors.organizations import EXPIRING_CERTIFICATION_DAYS, certifications_expiring
from members.selectors.reports import latest_approved_report_totals

__all__ = [
    "TREND_YEARS",
    "RegistryHomeFigures",
    "TrendSeries",
    "TrendYear",
    "portal_home_context",
    "registry_home_context",
    "registry_home_figures",
    "trend_chart",
]

# Report years the trend shows, up to the latest year with an approved report.
TREND_YEARS = 6

APPROVED = YearlyReport.Status.APPROVED
ACTIVE = Membership.Status.ACTIVE


@dataclass(frozen=True)
class Bar:
    """One row of a bar table: its filter value, label, count, and the bar's length in percent
    of the table's largest count (so the largest row fills the bar, whatever the total)."""

    value: str
    label: str
    count: int
    percent: float


@dataclass(frozen=True)
class TrendYear:
    year: int
    # Memberships active at the end of the year (by the membership events up to 31 December).
    members: int
    # The year's approved reports and their totals.
    reports: int
    producers: int
    women: int
    youth: int


@dataclass(frozen=True)
class RegistryHomeFigures:
    # Active memberships.
    active_total: int
    active_by_country: list[Bar]
    active_by_kind: list[Bar]
    # Every organization of the registry by membership status ("" for none yet).
    organization_total: int
    by_membership_status: list[Bar]
    # Latest approved report of each active member: how many, the years they cover (None
    # when there is none), and their totals.
    reports_counted: int
    report_year_first: int | None
    report_year_last: int | None
    producers: int
    women: int
    youth: int
    trend: list[TrendYear]
    certifications_expiring: int
    reviews_pending: int
    proposals_pending: int
    reports_submitted: int
    expiring_days: int = field(default=EXPIRING_CERTIFICATION_DAYS)

    @property
    def active_countries(self) -> int:
        return len(self.active_by_country)


def _bars(rows: list[tuple[str, str, int]]) -> list[Bar]:
    largest = max((count for _value, _label, count in rows), default=0)
    return [
        Bar(value, label, count, round(100 * count / largest, 1) if largest else 0.0) for value, label, count in rows
    ]


def _year_end(year: int) -> datetime.date:
    return datetime.date(year, 12, 31)


def _members_at_year_ends(years: list[int]) -> dict[int, int]:
    """Memberships active at the end of each year, from the membership events: every active
    period starts with an event to "active" and ends with one from "active", so on any date the
    active memberships are the events to "active" up to that date less the events from
    "active" up to it. One pass over the events (no per-membership ordering), one query."""
    if not years:
        return {}
    counts = MembershipEvent.objects.filter(
        Q(to_status=ACTIVE) | Q(from_status=ACTIVE), occurred_on__lte=_year_end(max(years))
    ).aggregate(
        **{
            f"{edge}{year}": Count("id", filter=Q(**{f"{edge}_status": ACTIVE}, occurred_on__lte=_year_end(year)))
            for year in years
            for edge in ("to", "from")
        }
    )
    return {year: counts[f"to{year}"] - counts[f"from{year}"] for year in years}


def registry_home_figures() -> RegistryHomeFigures:
    """The registry's figures on the dashboard home in six queries, whatever the size of the
    registry: organizations by membership, the active members' latest approved reports, the
    reports by year, the active memberships at each year's end, expiring certificates,
    pending change proposals."""
    status_labels = dict(Membership.Status.choices)
    by_country: dict[str, list] = {}
    by_kind: dict[str, int] = {}
    by_status: dict[str, int] = {}
    reviews = 0
    for row in (
        Organization.objects.values("membership__status", "country_id", "country__name", "kind")
        .annotate(count=Count("id"), reviews=Count("membership__review_requested_at"))
        .order_by()
    ):
        status = row["membership__status"] or ""
        by_status[status] = by_status.get(status, 0) + row["count"]
        reviews += row["reviews"]
        if status != ACTIVE:
            continue
        code = row["country_id"]
        # Country names are stored in English and translated through the catalogue.
        by_country.setdefault(code, [code, gettext(row["country__name"]), 0])[2] += row["count"]
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + row["count"]

    latest = latest_approved_report_totals()

    per_year = {
        row["year"]: row
        for row in YearlyReport.objects.filter(status__in=(APPROVED, YearlyReport.Status.SUBMITTED))
        .values("year")
        .annotate(
            approved=Count("id", filter=Q(status=APPROVED)),
            submitted=Count("id", filter=Q(status=YearlyReport.Status.SUBMITTED)),
            producers=Sum("members_total", filter=Q(status=APPROVED)),
            women=Sum("members_women", filter=Q(status=APPROVED)),
            youth=Sum("members_youth", filter=Q(status=APPROVED)),
        )
        .order_by()
    }
    approved_years = sorted(year for year, row in per_year.items() if row["approved"])
    trend_years = [year for year in approved_years if year > approved_years[-1] - TREND_YEARS] if approved_years else []
    members_at = _members_at_year_ends(trend_years)

    return RegistryHomeFigures(
        active_total=sum(by_kind.values()),
        active_by_country=_bars(sorted((tuple(entry) for entry in by_country.values()), key=lambda e: (-e[2], e[1]))),
        active_by_kind=_bars(
            [(value, str(label), by_kind[value]) for value, label in Organization.Kind.choices if value in by_kind]
        ),
        organization_total=sum(by_status.values()),
        by_membership_status=_bars(
            [(value, str(label), by_status[value]) for value, label in status_labels.items() if value in by_status]
            # Organizations without a membership record yet (none is created outside the services).
            + ([("", gettext("No membership record"), by_status[""])] if "" in by_status else [])
        ),
        reports_counted=latest["counted"] or 0,
        report_year_first=latest["first"],
        report_year_last=latest["last"],
        producers=latest["producers"] or 0,
        women=latest["women"] or 0,
        youth=latest["youth"] or 0,
        trend=[
            TrendYear(
                year=year,
                members=members_at[year],
                reports=per_year[year]["approved"],
                producers=per_year[year]["producers"] or 0,
                women=per_year[year]["women"] or 0,
                youth=per_year[year]["youth"] or 0,
            )
            for year in trend_years
        ],
        certifications_expiring=certifications_expiring().count(),
        reviews_pending=reviews,
        proposals_pending=OrganizationChangeProposal.objects.filter(
            status=OrganizationChangeProposal.Status.PENDING
        ).count(),
        reports_submitted=sum(row["submitted"] for row in per_year.values()),
    )


# The trend's small charts (templates/members/home/_trend_chart.html): one per series, each
# scaled from zero to its own largest value (members and producers differ a thousandfold).
CHART_WIDTH = 240
CHART_HEIGHT = 64
CHART_PADDING = 6


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    year: int
    value: int


@dataclass(frozen=True)
class TrendSeries:
    key: str
    label: str
    points: list[ChartPoint]

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.x},{point.y}" for point in self.points)

    @property
    def latest(self) -> ChartPoint | None:
        return self.points[-1] if self.points else None


def trend_chart(trend: list[TrendYear]) -> list[TrendSeries]:
    """The coordinates of the trend's small charts, in SVG user units (y grows downwards)."""
    series = (
        ("members", gettext("Active members at the year's end")),
        ("producers", gettext("Producers and workers")),
        ("women", gettext("Women")),
        ("youth", gettext("Young people")),
    )
    width = CHART_WIDTH - 2 * CHART_PADDING
    height = CHART_HEIGHT - 2 * CHART_PADDING
    result = []
    for key, label in series:
        values = [getattr(year, key) for year in trend]
        largest = max(values, default=0)
        points = []
        for index, (year, value) in enumerate(zip(trend, values, strict=True)):
            x = CHART_PADDING + (width * index / (len(trend) - 1) if len(trend) > 1 else width / 2)
            y = CHART_PADDING + height - (height * value / largest if largest else 0)
            points.append(ChartPoint(round(x, 1), round(y, 1), year.year, value))
        result.append(TrendSeries(key, label, points))
    return result


def registry_home_context() -> dict[str, Any]:
    """The registry's panel of the dashboard home (templates/members/home/_registry_panel.html)."""
    figures = registry_home_figures()
    return {"registry_figures": figures, "trend_chart": trend_chart(figures.trend)}


def portal_home_context(*, organization: Organization) -> dict[str, Any]:
    """The organization's summary on its portal home; one query per part, whatever the
    organization's size."""
    membership = Membership.objects.filter(organization=organization).first()
    certifications = list(Certification.objects.filter(organization=organization).order_by("standard"))
    # People currently linked to the organization, each counted once whatever their roles.
    people_count = (
        Affiliation.objects.filter(organization=organization, end_date__isnull=True)
        .values("person_id")
        .distinct()
        .count()
    )
    latest_report = YearlyReport.objects.filter(organization=organization).order_by("-year").first()
    return {
        "organization": organization,
        "membership": membership,
        "certifications": certifications,
        "people_count": people_count,
        "latest_report": latest_report,
    }
