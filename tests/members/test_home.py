"""The registry's figures on the dashboard home: what each one counts (checked against a set
computed by hand), that each is a link to the list it summarizes (and that list shows the
same number), the bars, the trend, and a constant number of queries."""

import datetime
import re

import pytest
from django.db.models import Count, Max, Min, Sum
from django.urls import reverse
from django.utils import timezone

from members.models import Membership, MembershipEvent, OrganizationChangeProposal, YearlyReport
from members.selectors.home import TrendYear, registry_home_figures
from members.selectors.reports import (
    latest_approved_report_totals,
    latest_approved_reports,
    latest_approved_reports_portable,
)
from tests.factories import CertificationFactory, MembershipFactory, OrganizationFactory, YearlyReportFactory, country

pytestmark = pytest.mark.django_db

APPROVED = YearlyReport.Status.APPROVED
ACTIVE = Membership.Status.ACTIVE


def _member(code, kind="spo", status=ACTIVE, events=(), **fields):
    """An organization with its membership and the membership's events [(to_status, date)]."""
    membership = MembershipFactory(
        organization=OrganizationFactory(country=country(code), kind=kind), status=status, **fields
    )
    previous = ""
    for to_status, on in events:
        MembershipEvent.objects.create(
            membership=membership, from_status=previous, to_status=to_status, occurred_on=on, reason="test"
        )
        previous = to_status
    return membership.organization


def _report(organization, year, status=APPROVED, total=None, women=None, youth=None):
    return YearlyReportFactory(
        organization=organization,
        year=year,
        status=status,
        members_total=total,
        members_women=women,
        members_youth=youth,
    )


def d(year, month, day):
    return datetime.date(year, month, day)


@pytest.fixture
def registry():
    """Four active members (two in Peru), one suspended, one withdrawn, one expelled, one
    applicant, with reports of several years and statuses. The expected figures are worked
    out by hand in the tests below."""
    a = _member("PE", events=[(ACTIVE, d(2015, 3, 1))])
    b = _member("PE", events=[(ACTIVE, d(2023, 6, 1))])
    c = _member(
        "CO",
        kind="hl",
        events=[(ACTIVE, d(2020, 1, 1)), ("suspended", d(2023, 2, 1)), (ACTIVE, d(2023, 11, 1))],
    )
    d_ = _member("MX", kind="spo2", events=[(ACTIVE, d(2024, 3, 1))])
    e = _member(
        "PE",
        status=Membership.Status.SUSPENDED,
        review_requested_at=timezone.now(),
        events=[(ACTIVE, d(2020, 1, 1)), ("suspended", d(2024, 5, 1))],
    )
    f = _member(
        "CO", status=Membership.Status.WITHDRAWN, events=[(ACTIVE, d(2019, 1, 1)), ("withdrawn", d(2024, 12, 31))]
    )
    g = _member(
        "HN", status=Membership.Status.EXPELLED, events=[(ACTIVE, d(2021, 1, 1)), ("expelled", d(2022, 12, 31))]
    )
    h = _member("GT", status=Membership.Status.APPLICANT, events=[("applicant", d(2024, 1, 1))])

    # a: its 2023 report is superseded by 2024.
    _report(a, 2023, total=9000, women=9000, youth=9000)
    _report(a, 2024, total=100, women=40, youth=10)
    # b: its newest report is still in review, so it counts with 2022.
    _report(b, 2022, total=50, women=10, youth=5)
    _report(b, 2023, status=YearlyReport.Status.SUBMITTED, total=60, women=11, youth=6)
    # c: a draft newer than its approved 2024 report.
    _report(c, 2024, total=30, women=3, youth=3)
    _report(c, 2025, status=YearlyReport.Status.DRAFT, total=7000, women=1, youth=1)
    # d: no report. e, f, g, h: not active members, their reports never count in the headline.
    _report(e, 2024, total=800, women=80, youth=8)
    _report(f, 2024, total=5000, women=500, youth=50)
    _report(g, 2022, total=700, women=70, youth=7)
    _report(h, 2024, total=20, women=2, youth=2)
    _report(h, 2025, status=YearlyReport.Status.SUBMITTED, total=21, women=2, youth=2)

    CertificationFactory(organization=a, cycle_end=timezone.localdate() + datetime.timedelta(days=20))
    OrganizationChangeProposal.objects.create(organization=a, field="kind", proposed_value="spo2")
    return {"a": a, "b": b, "c": c, "d": d_}


def test_home_figures_count_active_members_and_their_latest_approved_reports(registry):
    figures = registry_home_figures()

    # Members: active memberships only (a, b, c, d), not the 8 organizations of the registry.
    assert figures.active_total == 4
    assert figures.organization_total == 8
    assert [(bar.value, bar.count) for bar in figures.active_by_country] == [("PE", 2), ("CO", 1), ("MX", 1)]
    assert [(bar.value, bar.count) for bar in figures.active_by_kind] == [("spo", 2), ("spo2", 1), ("hl", 1)]
    assert {bar.value: bar.count for bar in figures.by_membership_status} == {
        "applicant": 1,
        "active": 4,
        "suspended": 1,
        "withdrawn": 1,
        "expelled": 1,
    }
    # Producers: a 2024 (100/40/10) + b 2022 (50/10/5) + c 2024 (30/3/3), from 2022 to 2024.
    assert figures.reports_counted == 3
    assert (figures.report_year_first, figures.report_year_last) == (2022, 2024)
    assert (figures.producers, figures.women, figures.youth) == (180, 53, 18)
    assert figures.certifications_expiring == 1
    # Waiting: e's review, one proposal, b's 2023 and h's 2025 submitted reports.
    assert (figures.reviews_pending, figures.proposals_pending, figures.reports_submitted) == (1, 1, 2)


def test_bars_are_scaled_to_the_largest_row_not_the_total(registry):
    figures = registry_home_figures()

    assert [bar.percent for bar in figures.active_by_country] == [100.0, 50.0, 50.0]
    assert max(bar.percent for bar in figures.by_membership_status) == 100.0


def test_trend_gives_active_members_at_each_year_end_and_the_years_approved_reports(registry):
    figures = registry_home_figures()

    assert figures.trend == [
        # End of 2022: a, c, e, f (b joined in 2023; g was expelled on 31 December).
        TrendYear(year=2022, members=4, reports=2, producers=750, women=80, youth=12),
        # End of 2023: a, b, c (active again in November), e, f.
        TrendYear(year=2023, members=5, reports=1, producers=9000, women=9000, youth=9000),
        # End of 2024: a, b, c, d (e suspended, f withdrawn on 31 December).
        TrendYear(year=2024, members=4, reports=5, producers=5950, women=625, youth=73),
    ]


def test_the_portable_latest_report_query_selects_the_same_reports(registry):
    approved = YearlyReport.objects.filter(status=APPROVED, organization__membership__status=ACTIVE)

    expected = {(registry["a"].pk, 2024), (registry["b"].pk, 2022), (registry["c"].pk, 2024)}
    assert set(latest_approved_reports().values_list("organization_id", "year")) == expected
    assert set(latest_approved_reports_portable(approved).values_list("organization_id", "year")) == expected
    portable = latest_approved_reports_portable(approved).aggregate(
        counted=Count("id"), first=Min("year"), last=Max("year"), producers=Sum("members_total"),
        women=Sum("members_women"), youth=Sum("members_youth"),
    )  # fmt: skip
    assert latest_approved_report_totals() == portable == {
        "counted": 3, "first": 2022, "last": 2024, "producers": 180, "women": 53, "youth": 18,
    }  # fmt: skip


def test_without_approved_reports_the_home_says_so(client, viewer_user):
    _member("PE", events=[(ACTIVE, d(2020, 1, 1))])
    client.force_login(viewer_user)

    figures = registry_home_figures()
    html = client.get(reverse("dashboard:home")).content.decode()

    assert figures.report_year_last is None and figures.trend == []
    assert (figures.active_total, figures.producers, figures.reports_counted) == (1, 0, 0)
    assert "no active member has an approved yearly report yet" in html


def _hrefs(html: str) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(r'href="([^"]+)"', html)]


def test_every_home_figure_links_to_the_list_it_summarizes_and_the_list_agrees(client, viewer_user, registry):
    client.force_login(viewer_user)
    registry_url = reverse("members:organization_list")
    reports_url = reverse("members:report_queue")

    response = client.get(reverse("dashboard:home"))

    assert response.status_code == 200
    html = response.content.decode()
    links = _hrefs(html)
    # Members, countries, each country and kind, each status: the registry list filtered so.
    for link, total in (
        (f"{registry_url}?membership_status=active", 4),
        (f"{registry_url}?membership_status=active&sort=country", 4),
        (f"{registry_url}?country=PE&membership_status=active", 2),
        (f"{registry_url}?kind=spo2&membership_status=active", 1),
        (f"{registry_url}?membership_status=withdrawn", 1),
        (registry_url, 8),
    ):
        assert link in links
        assert client.get(link).context["total"] == total, link
    # Producers, women, young people: the reports they add up, and only those.
    latest = f"{reports_url}?status=approved&latest=on"
    assert links.count(latest) == 3
    listed = list(client.get(latest).context["page_obj"].object_list)
    assert sorted(r.members_total for r in listed) == [30, 50, 100]
    assert sum(r.members_women for r in listed) == 53
    # Certificates, reviews, change requests, submitted reports, the trend's years.
    for link in (
        f"{reverse('members:certification_expiring')}?days=60",
        reverse("members:membership_review_queue"),
        reverse("members:proposal_queue"),
        f"{reports_url}?status=submitted",
        f"{reports_url}?status=approved&year=2022",
    ):
        assert link in links
        assert client.get(link).status_code == 200
    assert client.get(f"{reports_url}?status=approved&year=2024").context["page_obj"].paginator.count == 5


def test_home_says_what_each_figure_counts_once_with_one_country_table(client, viewer_user, registry):
    client.force_login(viewer_user)

    html = client.get(reverse("dashboard:home")).content.decode()

    assert "active members" in html
    assert "applicants, suspended, withdrawn and expelled organizations are not counted" in html
    assert "From the latest approved yearly report of each of 3 active members (reports of 2022 to 2024)." in html
    assert html.count("Active members by country") == 1
    assert "Organizations by country" not in html
    assert "member organizations in the registry" not in html


def test_home_draws_the_trend_and_bars_as_svg_without_inline_style_or_script(client, viewer_user, registry):
    client.force_login(viewer_user)

    html = client.get(reverse("dashboard:home")).content.decode()

    assert html.count('class="trend-svg') == 4
    assert html.count("<polyline") == 4
    assert "<title>2024: 5,950</title>" in html
    # The largest country's bar fills the track, the others are half of it.
    assert 'width="100.0" height="10" fill="currentColor" class="bar-chart-value"' in html
    assert 'width="50.0" height="10" fill="currentColor" class="bar-chart-value"' in html
    assert " style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)


def test_home_figures_take_the_same_queries_whatever_the_registry_size(
    client, viewer_user, django_assert_max_num_queries
):
    def grow(count: int, year: int) -> None:
        for code in ("PE", "CO", "MX", "HN"):
            for _ in range(count):
                org = _member(code, events=[(ACTIVE, d(year - 2, 1, 1))])
                for report_year in (year - 2, year - 1, year):
                    _report(org, report_year, total=10, women=5, youth=1)

    grow(1, 2022)
    client.force_login(viewer_user)
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("dashboard:home"))
    grow(6, 2024)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("dashboard:home"))

    figures = response.context["registry_figures"]
    assert figures.active_total == 28
    assert figures.producers == 28 * 10
    assert [row.year for row in figures.trend] == [2020, 2021, 2022, 2023, 2024]


def test_registry_figures_take_six_queries(registry, django_assert_num_queries):
    with django_assert_num_queries(6):
        registry_home_figures()
