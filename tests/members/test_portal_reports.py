"""Portal: the organization's yearly reports."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clac.access import PORTAL_SESSION_KEY
from members.models import PremiumUse, YearlyReport, YearlyReportEvent, YearlyReportProduct
from members.services import yearly_report_comment, yearly_report_return
from tests.factories import YearlyReportFactory, product, staff_user

REPORTS = reverse("members_portal:report_list")
LAST_YEAR = timezone.localdate().year - 1


def edit_url(year: int = LAST_YEAR) -> str:
    return reverse("members_portal:report_edit", args=[year])


def submit_url(year: int = LAST_YEAR) -> str:
    return reverse("members_portal:report_submit", args=[year])


def report_data(lines: list[tuple] | None = None, uses: dict[str, str] | None = None, **overrides) -> dict:
    """A POST of the report form: lines are (product code, produced, fairtrade, other)."""
    lines = [("coffee", "120000", "90000", "30000")] if lines is None else lines
    uses = {"productivity": "40000", "community": "15000"} if uses is None else uses
    data = {
        "members_total": "420",
        "members_women": "130",
        "members_youth": "60",
        "permanent_workers": "12",
        "hectares": "830.50",
        "premium_amount": "95000",
        "premium_currency": "USD",
        "lines-TOTAL_FORMS": str(len(lines) + 1),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "30",
        "uses-TOTAL_FORMS": str(len(PremiumUse.Category.values)),
        "uses-INITIAL_FORMS": str(len(PremiumUse.Category.values)),
        "uses-MIN_NUM_FORMS": "0",
        "uses-MAX_NUM_FORMS": str(len(PremiumUse.Category.values)),
    }
    for index, (code, produced, fairtrade, other) in enumerate(lines):
        data[f"lines-{index}-product"] = str(product(code).pk)
        data[f"lines-{index}-volume_produced"] = produced
        data[f"lines-{index}-volume_sold_fairtrade"] = fairtrade
        data[f"lines-{index}-volume_sold_other"] = other
    blank = len(lines)
    for name in ("product", "volume_produced", "volume_sold_fairtrade", "volume_sold_other"):
        data[f"lines-{blank}-{name}"] = ""
    for index, category in enumerate(PremiumUse.Category.values):
        data[f"uses-{index}-category"] = category
        data[f"uses-{index}-amount"] = uses.get(category, "")
    data.update(overrides)
    return data


@pytest.fixture
def draft(organization):
    report = YearlyReportFactory(organization=organization, year=LAST_YEAR)
    YearlyReportProduct.objects.create(
        report=report, product=product("coffee"), volume_produced=Decimal(1000), volume_sold_fairtrade=Decimal(800)
    )
    return report


# --- Access -------------------------------------------------------------------------------


def test_anonymous_user_is_sent_to_login(client, draft):
    for url in (REPORTS, edit_url()):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    response = client.post(submit_url())
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_staff_without_portal_access_is_refused(client, admin_user, draft):
    client.force_login(admin_user)
    assert client.get(REPORTS).status_code == 403
    assert client.get(edit_url()).status_code == 403
    assert client.post(submit_url()).status_code == 403


def test_user_of_another_organization_cannot_reach_this_organizations_report(client, other_portal_user, draft):
    client.force_login(other_portal_user)
    # The year resolves inside the user's own organization, which has no such report.
    assert client.get(edit_url()).status_code in (200, 404)
    response = client.get(edit_url())
    if response.status_code == 200:
        assert response.context["report"] is None
    assert client.post(submit_url()).status_code == 404
    client.post(edit_url(), report_data(members_total="999"))
    draft.refresh_from_db()
    assert draft.members_total == 420
    assert draft.status == "draft"
    assert str(draft.organization) not in client.get(REPORTS).content.decode()


def test_user_of_another_organization_cannot_switch_to_it(client, other_portal_user, organization, draft):
    client.force_login(other_portal_user)
    session = client.session
    session[PORTAL_SESSION_KEY] = organization.pk
    session.save()
    assert client.get(edit_url()).status_code == 403


def test_viewer_reads_a_report_but_cannot_change_or_submit_it(client, portal_viewer, draft):
    client.force_login(portal_viewer)
    response = client.get(edit_url())
    assert response.status_code == 200
    assert response.context["editable"] is False
    assert 'name="members_total"' not in response.content.decode()
    assert client.post(edit_url(), report_data(members_total="1")).status_code == 403
    assert client.post(submit_url()).status_code == 403
    draft.refresh_from_db()
    assert draft.members_total == 420
    assert draft.status == "draft"


def test_viewer_cannot_start_a_report(client, portal_viewer):
    client.force_login(portal_viewer)
    assert client.get(edit_url()).status_code == 404
    assert not YearlyReport.objects.exists()


# --- List ---------------------------------------------------------------------------------


def test_list_shows_reports_with_status_and_latest_staff_comment(client, portal_editor, organization, admin_user):
    older = YearlyReportFactory(organization=organization, year=LAST_YEAR - 1, status="submitted")
    yearly_report_comment(actor=admin_user, report=older, note="Primera nota")
    yearly_report_return(actor=admin_user, report=older, note="Revise las hectáreas, por favor.")
    client.force_login(portal_editor)
    response = client.get(REPORTS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Revise las hectáreas, por favor." in html
    assert "Primera nota" not in html
    assert "badge-returned" in html
    # The last complete year is offered to start, the reported one is not.
    assert response.context["startable_years"][0] == LAST_YEAR
    assert LAST_YEAR - 1 not in response.context["startable_years"]


def test_a_report_without_staff_comment_shows_a_dash_not_none(client, portal_editor, draft):
    client.force_login(portal_editor)
    html = client.get(REPORTS).content.decode()
    assert ">None<" not in html
    assert "<td>—</td>" in html


def test_start_form_leads_to_the_chosen_year(client, portal_editor):
    client.force_login(portal_editor)
    response = client.get(REPORTS, {"year": LAST_YEAR})
    assert response.status_code == 302
    assert response.url == edit_url()
    assert not YearlyReport.objects.exists()  # nothing is written until the form is saved


def test_report_list_query_count_does_not_grow_with_reports(
    client, portal_editor, organization, admin_user, django_assert_max_num_queries
):
    for year in range(2005, LAST_YEAR + 1):
        report = YearlyReportFactory(organization=organization, year=year, status="submitted")
        YearlyReportProduct.objects.create(report=report, product=product("coffee"), volume_produced=10)
        yearly_report_comment(actor=admin_user, report=report, note=f"Nota {year}")
    client.force_login(portal_editor)
    client.get(REPORTS)
    with django_assert_max_num_queries(10):
        response = client.get(REPORTS)
    assert response.status_code == 200
    assert len(response.context["reports"]) == LAST_YEAR - 2004
    assert len(response.content) < 50_000


# --- Edit ---------------------------------------------------------------------------------


def test_editor_starts_a_report_for_a_new_year(client, portal_editor, organization):
    organization.products.add(product("cocoa"))
    client.force_login(portal_editor)
    response = client.get(edit_url())
    assert response.status_code == 200
    lines = response.context["lines"]
    assert lines.initial_form_count() == 1  # the organization's products are listed in advance
    assert "metric tonne" in response.content.decode() or "(t)" in response.content.decode()
    assert len(response.content) < 50_000
    response = client.post(edit_url(), report_data(lines=[("cocoa", "300", "250", "50")]))
    assert response.status_code == 302
    report = YearlyReport.objects.get(organization=organization, year=LAST_YEAR)
    assert report.status == "draft"
    assert report.members_total == 420
    assert report.hectares == Decimal("830.50")
    line = report.product_lines.get()
    assert line.product.code == "cocoa"
    assert line.volume_sold_fairtrade == Decimal(250)
    assert {u.category: u.amount for u in report.premium_uses.all()} == {
        "productivity": Decimal(40000),
        "community": Decimal(15000),
    }
    assert report.events.filter(action="created", actor=portal_editor).exists()


def test_editor_changes_a_draft_and_removes_a_line(client, portal_editor, draft):
    client.force_login(portal_editor)
    data = report_data(lines=[("coffee", "1000", "800", "0"), ("honey", "50", "0", "50")])
    client.post(edit_url(), data)
    assert draft.product_lines.count() == 2
    data = report_data(lines=[("coffee", "1000", "800", "0"), ("honey", "50", "0", "50")], members_total="500")
    data["lines-INITIAL_FORMS"] = "2"
    data["lines-1-DELETE"] = "on"
    response = client.post(edit_url(), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.members_total == 500
    assert list(draft.product_lines.values_list("product__code", flat=True)) == ["coffee"]


def test_women_above_total_is_shown_next_to_the_field_keeps_input_and_saves_nothing(client, portal_editor, draft):
    client.force_login(portal_editor)
    response = client.post(edit_url(), report_data(members_total="100", members_women="150", hectares="999.25"))
    assert response.status_code == 200
    assert "members_women" in response.context["form"].errors
    html = response.content.decode()
    assert 'value="999.25"' in html
    assert 'value="150"' in html
    draft.refresh_from_db()
    assert draft.members_total == 420
    assert draft.hectares == Decimal("830.50")
    assert not draft.events.exists()


def test_fairtrade_sales_above_production_are_refused_next_to_the_line(client, portal_editor, draft):
    client.force_login(portal_editor)
    response = client.post(edit_url(), report_data(lines=[("coffee", "100", "150", "0")], members_total="421"))
    assert response.status_code == 200
    line_form = response.context["lines"].forms[0]
    assert "volume_sold_fairtrade" in line_form.errors
    assert 'value="150"' in response.content.decode()
    draft.refresh_from_db()
    assert draft.members_total == 420
    assert draft.product_lines.get().volume_sold_fairtrade == Decimal(800)


def test_every_mistake_on_the_page_is_marked_in_one_round_trip(client, portal_editor, draft):
    client.force_login(portal_editor)
    response = client.post(
        edit_url(), report_data(members_total="100", members_youth="101", lines=[("coffee", "10", "20", "0")])
    )
    assert response.status_code == 200
    assert "members_youth" in response.context["form"].errors
    assert "volume_sold_fairtrade" in response.context["lines"].forms[0].errors
    assert YearlyReport.objects.get().members_total == 420


def test_negative_numbers_are_refused(client, portal_editor, draft):
    client.force_login(portal_editor)
    response = client.post(edit_url(), report_data(members_youth="-3", uses={"productivity": "-10"}))
    assert response.status_code == 200
    assert "members_youth" in response.context["form"].errors
    assert response.context["uses"].forms[0].errors
    assert draft.premium_uses.count() == 0


def test_a_product_listed_twice_is_refused(client, portal_editor, draft):
    client.force_login(portal_editor)
    response = client.post(edit_url(), report_data(lines=[("coffee", "10", "5", "5"), ("coffee", "20", "5", "5")]))
    assert response.status_code == 200
    assert response.context["lines"].non_form_errors()
    assert draft.product_lines.get().volume_produced == Decimal(1000)


def test_premium_uses_without_premium_received_are_refused_by_the_service(client, portal_editor, draft):
    client.force_login(portal_editor)
    response = client.post(edit_url(), report_data(premium_amount=""))
    assert response.status_code == 200
    assert "premium_amount" in response.context["form"].errors
    draft.refresh_from_db()
    assert draft.premium_amount == Decimal("95000.00")


def test_local_currency_is_offered_and_saved(client, portal_editor, draft):
    client.force_login(portal_editor)
    response = client.get(edit_url())
    assert "PEN" in dict(response.context["form"].fields["premium_currency"].choices)
    client.post(edit_url(), report_data(premium_currency="PEN"))
    draft.refresh_from_db()
    assert draft.premium_currency == "PEN"


def test_a_future_year_cannot_be_started(client, portal_editor):
    client.force_login(portal_editor)
    assert client.get(edit_url(LAST_YEAR + 2)).status_code == 404
    assert client.post(edit_url(LAST_YEAR + 2), report_data()).status_code == 404
    assert not YearlyReport.objects.exists()


# --- Submit and review cycle --------------------------------------------------------------


def test_submit_moves_draft_to_submitted_and_it_becomes_read_only(client, portal_editor, draft):
    client.force_login(portal_editor)
    response = client.post(submit_url())
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "submitted"
    assert draft.submitted_by == portal_editor
    assert draft.events.filter(action="submitted").exists()

    response = client.get(edit_url())
    assert response.status_code == 200
    assert response.context["editable"] is False
    assert 'name="members_total"' not in response.content.decode()
    response = client.post(edit_url(), report_data(members_total="1"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.members_total == 420
    assert client.post(submit_url()).status_code == 302  # refused with a message
    assert draft.events.filter(action="submitted").count() == 1


def test_save_and_submit_in_one_step(client, portal_editor, draft):
    client.force_login(portal_editor)
    response = client.post(edit_url(), {**report_data(members_total="430"), "submit": ""})
    assert response.status_code == 302
    assert response.url == REPORTS
    draft.refresh_from_db()
    assert draft.members_total == 430
    assert draft.status == "submitted"


def test_an_incomplete_report_cannot_be_submitted(client, portal_editor, organization):
    YearlyReportFactory(organization=organization, year=LAST_YEAR)  # no product lines
    client.force_login(portal_editor)
    response = client.post(submit_url(), follow=True)
    assert response.status_code == 200
    assert any("product" in str(m).lower() or "producto" in str(m).lower() for m in response.context["messages"])
    assert YearlyReport.objects.get().status == "draft"


def test_returned_report_shows_the_note_and_can_be_corrected_and_resubmitted(client, portal_editor, draft, admin_user):
    client.force_login(portal_editor)
    client.post(submit_url())
    draft.refresh_from_db()
    yearly_report_return(actor=admin_user, report=draft, note="Faltan los jóvenes.")

    response = client.get(edit_url())
    assert response.context["editable"] is True
    assert "Faltan los jóvenes." in response.content.decode()

    response = client.post(edit_url(), {**report_data(members_youth="75"), "submit": ""})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "submitted"
    assert draft.members_youth == 75
    assert list(draft.events.values_list("action", flat=True)) == [
        YearlyReportEvent.Action.SUBMITTED,
        YearlyReportEvent.Action.RETURNED,
        YearlyReportEvent.Action.UPDATED,
        YearlyReportEvent.Action.SUBMITTED,
    ]


def test_approved_report_is_read_only_for_editors(client, portal_editor, draft):
    YearlyReport.objects.filter(pk=draft.pk).update(status="approved")
    client.force_login(portal_editor)
    response = client.get(edit_url())
    assert response.context["editable"] is False
    client.post(edit_url(), report_data(members_total="1"))
    draft.refresh_from_db()
    assert draft.members_total == 420


def test_staff_viewer_role_does_not_grant_portal_access(client, db, draft):
    client.force_login(staff_user("viewer", username="staff-ro"))
    assert client.get(edit_url()).status_code == 403
