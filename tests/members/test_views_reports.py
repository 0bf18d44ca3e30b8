import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clac.roles import StaffRole
from members.models import ExchangeRate, PremiumUse, YearlyReport, YearlyReportEvent, YearlyReportProduct
from tests.factories import (
    OrganizationFactory,
    YearlyReportFactory,
    country,
    product,
)

pytestmark = pytest.mark.django_db

# Editors whose role reaches every organization; coordinators are scoped to their networks'
# members (tests/networks/test_networks_coordinator_scope.py).
EDITOR_ROLES = [StaffRole.ADMIN, StaffRole.ME_OFFICER]
READ_ONLY_ROLES = [StaffRole.VIEWER, StaffRole.FINANCE, StaffRole.COMMUNICATIONS]


def _submitted(organization=None, *, year=2025, submitted_days_ago=1, **fields):
    report = YearlyReportFactory(
        organization=organization or OrganizationFactory(),
        year=year,
        status=YearlyReport.Status.SUBMITTED,
        submitted_at=timezone.now() - datetime.timedelta(days=submitted_days_ago),
        **fields,
    )
    YearlyReportProduct.objects.create(
        report=report,
        product=product("coffee"),
        volume_produced=Decimal("120000"),
        volume_sold_fairtrade=Decimal("80000"),
        volume_sold_other=Decimal("30000"),
    )
    YearlyReportEvent.objects.create(report=report, action=YearlyReportEvent.Action.SUBMITTED)
    return report


@pytest.fixture
def report(organization):
    return _submitted(organization)


def _state(report):
    report.refresh_from_db()
    return report.status, report.premium_usd, list(report.events.values_list("id", "action", "note"))


# --- Access ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", EDITOR_ROLES + READ_ONLY_ROLES)
def test_every_staff_role_reads_the_queue_and_a_report(client, staff_user_factory, role, report):
    client.force_login(staff_user_factory(role))

    queue = client.get(reverse("members:report_queue"))
    detail = client.get(reverse("members:report_detail", args=[report.pk]))

    assert queue.status_code == 200
    assert report.organization.name in queue.text
    assert detail.status_code == 200
    assert "420" in detail.text


def _review_posts(report):
    return [
        (reverse("members:report_approve", args=[report.pk]), {"approve-note": "ok"}),
        (reverse("members:report_return", args=[report.pk]), {"return-note": "fix"}),
        (reverse("members:report_comment", args=[report.pk]), {"comment-note": "hello"}),
    ]


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_read_only_roles_get_403_on_review_actions_and_nothing_changes(client, staff_user_factory, role, report):
    client.force_login(staff_user_factory(role))
    before = _state(report)

    for url, data in _review_posts(report):
        assert client.post(url, data).status_code == 403, url

    assert _state(report) == before
    page = client.get(reverse("members:report_detail", args=[report.pk]))
    assert reverse("members:report_approve", args=[report.pk]) not in page.text


def test_portal_user_gets_403_on_every_review_page(client, portal_user, report):
    client.force_login(portal_user)
    before = _state(report)

    assert client.get(reverse("members:report_queue")).status_code == 403
    assert client.get(reverse("members:report_detail", args=[report.pk])).status_code == 403
    for url, data in _review_posts(report):
        assert client.post(url, data).status_code == 403, url
    assert _state(report) == before


def test_anonymous_user_is_sent_to_login(client, report):
    before = _state(report)
    urls = [reverse("members:report_queue"), reverse("members:report_detail", args=[report.pk])]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for url, data in _review_posts(report):
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert _state(report) == before


def test_review_actions_only_accept_post(client, editor_user, report):
    client.force_login(editor_user)
    assert client.get(reverse("members:report_approve", args=[report.pk])).status_code == 405
    assert _state(report)[0] == YearlyReport.Status.SUBMITTED


def test_unknown_report_is_404(client, viewer_user):
    client.force_login(viewer_user)
    assert client.get(reverse("members:report_detail", args=[999999])).status_code == 404


# --- Queue --------------------------------------------------------------------------------


def test_queue_lists_submitted_reports_oldest_first_by_default(client, viewer_user):
    newer = _submitted(submitted_days_ago=1)
    older = _submitted(submitted_days_ago=10)
    YearlyReportFactory(status=YearlyReport.Status.DRAFT)
    YearlyReportFactory(status=YearlyReport.Status.APPROVED)
    client.force_login(viewer_user)

    response = client.get(reverse("members:report_queue"))

    assert list(response.context["page_obj"]) == [older, newer]


def test_queue_filters_by_status_year_and_country(client, viewer_user):
    approved_mx = YearlyReportFactory(
        status=YearlyReport.Status.APPROVED, year=2024, organization=OrganizationFactory(country=country("MX"))
    )
    approved_pe = YearlyReportFactory(status=YearlyReport.Status.APPROVED, year=2024)
    draft = YearlyReportFactory(status=YearlyReport.Status.DRAFT, year=2025)
    submitted = _submitted(year=2025)
    client.force_login(viewer_user)

    def found(**params):
        return set(client.get(reverse("members:report_queue"), params).context["page_obj"])

    assert found(status="") == {approved_mx, approved_pe, draft, submitted}
    assert found(status="approved") == {approved_mx, approved_pe}
    assert found(status="approved", country="MX") == {approved_mx}
    assert found(status="", year="2025") == {draft, submitted}
    assert found(status="draft") == {draft}


def test_queue_shows_what_the_reviewer_needs(client, viewer_user):
    report = _submitted(OrganizationFactory(name="Cooperativa Pangoa", country=country("PE")), members_women=131)
    client.force_login(viewer_user)

    response = client.get(reverse("members:report_queue"))

    assert "Cooperativa Pangoa" in response.text
    assert "Peru" in response.text or "Perú" in response.text
    assert "131" in response.text and "420" in response.text
    assert reverse("members:report_detail", args=[report.pk]) in response.text


def test_queue_query_count_does_not_grow_with_rows(client, viewer_user, django_assert_max_num_queries):
    client.force_login(viewer_user)
    for _index in range(5):
        _submitted()
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("members:report_queue")).status_code == 200
    for _index in range(35):
        _submitted()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("members:report_queue"))
    assert len(response.context["page_obj"]) == 40


def test_queue_is_paginated_by_50(client, viewer_user):
    for _index in range(52):
        _submitted()
    client.force_login(viewer_user)
    assert len(client.get(reverse("members:report_queue")).context["page_obj"]) == 50
    assert len(client.get(reverse("members:report_queue"), {"page": 2}).context["page_obj"]) == 2


# --- Review page --------------------------------------------------------------------------


def test_review_page_shows_figures_beside_last_years_approved_ones_and_flags_jumps(client, viewer_user, organization):
    previous = YearlyReportFactory(
        organization=organization,
        year=2024,
        status=YearlyReport.Status.APPROVED,
        members_total=100,
        members_women=30,
        members_youth=10,
        hectares=800,
    )
    YearlyReportProduct.objects.create(
        report=previous, product=product("coffee"), volume_produced=Decimal("100000"), volume_sold_fairtrade=70000
    )
    YearlyReportProduct.objects.create(
        report=previous, product=product("honey"), volume_produced=Decimal("5000"), volume_sold_fairtrade=1000
    )
    report = _submitted(organization, members_total=400, hectares=Decimal("830.50"))
    client.force_login(viewer_user)

    response = client.get(reverse("members:report_detail", args=[report.pk]))

    figures = {str(row.label): row for row in response.context["figures"]}
    assert figures["Members (total)"].change_percent == 300
    assert figures["Members (total)"].is_jump
    assert not figures["Hectares"].is_jump
    assert "+300 %" in response.text
    products = {row.product.code: row for row in response.context["products"]}
    assert products["coffee"].produced_change_percent == 20
    assert products["honey"].line is None  # dropped this year, still shown
    assert "Not reported this year" in response.text
    assert "pound (lb)" in response.text or "kilogram (kg)" in response.text


def test_review_page_without_an_approved_previous_year_says_so(client, viewer_user, organization):
    YearlyReportFactory(organization=organization, year=2024, status=YearlyReport.Status.RETURNED)
    report = _submitted(organization)
    client.force_login(viewer_user)

    response = client.get(reverse("members:report_detail", args=[report.pk]))

    assert response.context["previous"] is None
    assert "no approved report for 2024" in response.text


def test_review_page_shows_premium_uses_in_usd_once_approved(client, viewer_user, organization):
    report = YearlyReportFactory(
        organization=organization,
        status=YearlyReport.Status.APPROVED,
        premium_amount=Decimal("1000.00"),
        premium_currency="EUR",
        premium_usd=Decimal("1100.00"),
    )
    PremiumUse.objects.create(report=report, category="productivity", amount=Decimal("600"))
    PremiumUse.objects.create(report=report, category="community", amount=Decimal("400"))
    client.force_login(viewer_user)

    response = client.get(reverse("members:report_detail", args=[report.pk]))

    uses = {row.use.category: row for row in response.context["premium_uses"]}
    assert uses["productivity"].usd == Decimal("660.00")
    assert uses["community"].usd == Decimal("440.00")
    assert uses["community"].share_percent == Decimal("40.0")
    assert "Community projects" in response.text


def test_review_page_shows_the_event_log(client, viewer_user, editor_user, report):
    YearlyReportEvent.objects.create(
        report=report, action="commented", note="Please check hectares.", actor=editor_user
    )
    client.force_login(viewer_user)

    response = client.get(reverse("members:report_detail", args=[report.pk]))

    assert "Please check hectares." in response.text
    assert editor_user.get_full_name() in response.text
    assert [e.action for e in response.context["events"]] == ["submitted", "commented"]


def test_editors_see_the_review_forms_only_on_a_submitted_report(client, editor_user, organization):
    submitted = _submitted(organization)
    approved = YearlyReportFactory(status=YearlyReport.Status.APPROVED)
    client.force_login(editor_user)

    on_submitted = client.get(reverse("members:report_detail", args=[submitted.pk])).text
    on_approved = client.get(reverse("members:report_detail", args=[approved.pk])).text

    assert reverse("members:report_approve", args=[submitted.pk]) in on_submitted
    assert reverse("members:report_return", args=[submitted.pk]) in on_submitted
    assert reverse("members:report_approve", args=[approved.pk]) not in on_approved
    assert reverse("members:report_comment", args=[approved.pk]) in on_approved


# --- Review actions -----------------------------------------------------------------------


@pytest.mark.parametrize("role", EDITOR_ROLES)
def test_registry_editors_approve_a_submitted_report(client, staff_user_factory, role, report):
    user = staff_user_factory(role)
    client.force_login(user)

    response = client.post(reverse("members:report_approve", args=[report.pk]), {"approve-note": "Consistent."})

    assert response.status_code == 302
    assert response["Location"] == reverse("members:report_queue")
    report.refresh_from_db()
    assert report.status == YearlyReport.Status.APPROVED
    assert report.reviewed_by == user
    assert report.premium_usd == Decimal("95000.00")
    event = report.events.latest("id")
    assert (event.action, event.note, event.actor) == ("approved", "Consistent.", user)


def test_approving_converts_the_eur_premium_with_the_year_end_rate(client, editor_user, organization):
    ExchangeRate.objects.create(currency="EUR", date=datetime.date(2025, 12, 31), usd_per_unit=Decimal("1.08"))
    report = _submitted(organization, premium_amount=Decimal("50000.00"), premium_currency="EUR")
    client.force_login(editor_user)

    client.post(reverse("members:report_approve", args=[report.pk]), {"approve-note": ""})

    report.refresh_from_db()
    assert report.status == YearlyReport.Status.APPROVED
    assert report.premium_usd == Decimal("54000.00")


def test_approving_without_an_exchange_rate_shows_why_and_changes_nothing(client, editor_user, organization):
    report = _submitted(organization, premium_amount=Decimal("50000.00"), premium_currency="EUR")
    client.force_login(editor_user)
    before = _state(report)

    response = client.post(reverse("members:report_approve", args=[report.pk]), {"approve-note": ""})

    assert response.status_code == 200
    # Explained once, at the top of the page, with the way out (issue #12 item 4).
    assert response.context["missing_rate"] == {"currency": "EUR", "date": datetime.date(2025, 12, 31)}
    assert "This report cannot be approved yet" in response.text
    assert "no EUR exchange rate on or before 2025-12-31" in response.text
    assert not response.context["approve_form"].non_field_errors()
    assert _state(report) == before


def test_approving_a_draft_is_refused_with_the_message(client, editor_user):
    draft = YearlyReportFactory(status=YearlyReport.Status.DRAFT)
    client.force_login(editor_user)
    before = _state(draft)

    response = client.post(reverse("members:report_approve", args=[draft.pk]), {"approve-note": ""})

    assert "Only a submitted report can be approved" in response.context["approve_form"].non_field_errors()[0]
    assert _state(draft) == before


def test_returning_a_report_with_a_note_sends_it_back(client, editor_user, report):
    client.force_login(editor_user)

    response = client.post(
        reverse("members:report_return", args=[report.pk]), {"return-note": "Women above last year's total?"}
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == YearlyReport.Status.RETURNED
    event = report.events.latest("id")
    assert (event.action, event.note, event.actor) == ("returned", "Women above last year's total?", editor_user)


@pytest.mark.parametrize("note", ["", "   "])
def test_returning_without_a_note_is_refused_with_the_message(client, editor_user, report, note):
    client.force_login(editor_user)
    before = _state(report)

    response = client.post(reverse("members:report_return", args=[report.pk]), {"return-note": note})

    assert response.status_code == 200
    assert response.context["return_form"].errors["note"] == ["Tell the organization what to correct."]
    assert "Tell the organization what to correct." in response.text
    assert _state(report) == before


def test_editors_comment_on_a_report(client, editor_user, report):
    client.force_login(editor_user)

    response = client.post(reverse("members:report_comment", args=[report.pk]), {"comment-note": "Looks fine."})

    assert response.status_code == 302
    assert response["Location"] == reverse("members:report_detail", args=[report.pk])
    report.refresh_from_db()
    assert report.status == YearlyReport.Status.SUBMITTED
    event = report.events.latest("id")
    assert (event.action, event.note, event.actor) == ("commented", "Looks fine.", editor_user)


def test_an_empty_comment_is_refused(client, editor_user, report):
    client.force_login(editor_user)
    before = _state(report)

    response = client.post(reverse("members:report_comment", args=[report.pk]), {"comment-note": ""})

    assert response.context["comment_form"].errors["note"] == ["Write a comment."]
    assert _state(report) == before
