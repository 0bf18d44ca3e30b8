"""Item 2: impossible yearly figures are refused with a field-level error and the input kept
(portal form and service, so no path can bypass it); unusual ones are flagged for the
reviewer on the report page and in the review queue."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from members import rules
from members.models import ExchangeRate, YearlyReport
from members.services import yearly_report_approve, yearly_report_save, yearly_report_submit
from tests.factories import UserFactory, product
from tests.members.test_portal_reports import LAST_YEAR, edit_url, report_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


# --- Rules --------------------------------------------------------------------------------


def test_sales_above_production_are_impossible_even_when_each_part_is_below_it():
    problems = rules.product_line_problems(produced=Decimal(100), fairtrade=Decimal(80), other=Decimal(70))
    assert "150" in problems["volume_sold_other"][0]
    assert rules.product_line_problems(produced=Decimal(100), fairtrade=Decimal(80), other=Decimal(20)) == {}


def test_negative_figures_and_uses_above_the_premium_are_impossible():
    problems = rules.report_figure_problems(
        members_total=10, members_women=11, members_youth=None, hectares=Decimal(-1), premium_amount=None
    )
    assert set(problems) == {"members_women", "hectares"}
    assert rules.premium_uses_problem(premium_amount=Decimal(100), uses=[Decimal(60), Decimal(50)])
    assert rules.premium_uses_problem(premium_amount=Decimal(100), uses=[Decimal(60), Decimal(40)]) is None
    assert rules.premium_uses_problem(premium_amount=Decimal(100), uses=[Decimal(-1)])


def test_unusual_figures_are_flagged_after_unit_conversion():
    flags = rules.report_flags(
        members_total=10,
        hectares=Decimal(1),
        premium_amount=Decimal(50000),
        premium_usd=Decimal(50000),
        # 100 t of cocoa (in t) and 1,000 lb of coffee on one hectare, all sold on Fairtrade terms.
        lines=[("t", Decimal(100), Decimal(100), Decimal(0)), ("lb", Decimal(1000), Decimal(1000), Decimal(0))],
    )
    codes = {flag["code"] for flag in flags}
    assert codes == {"premium_per_member_high", "fairtrade_share_high", "yield_per_hectare_high"}
    assert all(rules.report_flag_message(flag) for flag in flags)


# --- Service: the API and any import go through it ----------------------------------------


def _save(organization, lines, uses, **data):
    return yearly_report_save(
        actor=UserFactory(),
        organization=organization,
        year=LAST_YEAR,
        data={"members_total": 100, "premium_amount": Decimal("1000"), "premium_currency": "USD", **data},
        product_lines=lines,
        premium_uses=uses,
    )


def test_service_refuses_premium_uses_above_the_premium_received(organization):
    with pytest.raises(ValidationError) as exc:
        _save(
            organization,
            [{"product": product("coffee"), "volume_produced": Decimal(100), "volume_sold_fairtrade": Decimal(50)}],
            [
                {"category": "productivity", "amount": Decimal("800")},
                {"category": "community", "amount": Decimal("700")},
            ],
        )
    assert "1,500.00" in exc.value.message_dict["premium_uses"][0]
    assert not YearlyReport.objects.exists()


def test_service_refuses_sales_above_production(organization):
    line = {
        "product": product("coffee"),
        "volume_produced": Decimal(100),
        "volume_sold_fairtrade": Decimal(80),
        "volume_sold_other": Decimal(70),
    }
    with pytest.raises(ValidationError) as exc:
        _save(organization, [line], [])
    assert "more than produced" in exc.value.message_dict["product_lines"][0]
    assert not YearlyReport.objects.exists()


def test_service_stores_flags_and_approval_rechecks_them_with_the_rate(organization):
    line = {"product": product("coffee"), "volume_produced": Decimal(1000), "volume_sold_fairtrade": Decimal(400)}
    report = _save(organization, [line], [], members_total=2, premium_amount=Decimal("9000000"), premium_currency="PEN")
    assert report.review_flags == []  # no PEN rate yet: the premium per member cannot be judged
    ExchangeRate.objects.create(currency="PEN", date=datetime.date(LAST_YEAR, 12, 1), usd_per_unit=Decimal("0.27"))
    report = yearly_report_submit(actor=None, report=report)

    approved = yearly_report_approve(actor=UserFactory(), report=report)

    approved.refresh_from_db()
    assert [flag["code"] for flag in approved.review_flags] == ["premium_per_member_high"]


# --- Portal form: field-level errors, input kept -------------------------------------------


def test_portal_refuses_uses_above_the_premium_and_keeps_the_input(client, portal_editor):
    client.force_login(portal_editor)
    data = report_data(uses={"productivity": "80000", "community": "70000"}, premium_amount="95000")

    response = client.post(edit_url(), data)

    assert response.status_code == 200
    content = response.content.decode()
    assert "The uses add up to 150,000.00, more than the premium received (95,000.00)." in content
    assert 'value="80000"' in content and 'value="70000"' in content
    assert not YearlyReport.objects.exists()


def test_portal_refuses_sales_above_production_next_to_the_field(client, portal_editor):
    client.force_login(portal_editor)
    data = report_data(lines=[("coffee", "1000", "800", "700")])

    response = client.post(edit_url(), data)

    assert response.status_code == 200
    form = response.context["lines"].forms[0]
    assert "more than produced" in form.errors["volume_sold_other"][0]
    assert 'value="700"' in response.content.decode()
    assert not YearlyReport.objects.exists()


def test_portal_shows_every_mistake_at_once(client, portal_editor):
    client.force_login(portal_editor)
    data = report_data(
        lines=[("coffee", "1000", "800", "700")],
        uses={"productivity": "200000"},
        members_women="999",
    )

    response = client.post(edit_url(), data)

    assert response.context["form"].errors["members_women"]
    assert response.context["lines"].forms[0].errors["volume_sold_other"]
    assert response.context["uses"].non_form_errors()


# --- Reviewer sees the flags ------------------------------------------------------------------


def test_flags_show_on_the_report_page_and_in_the_review_queue(client, admin_user, organization):
    line = {"product": product("coffee"), "volume_produced": Decimal(1000), "volume_sold_fairtrade": Decimal(1000)}
    report = _save(organization, [line], [])
    report = yearly_report_submit(actor=None, report=report)
    assert [flag["code"] for flag in report.review_flags] == ["fairtrade_share_high"]
    client.force_login(admin_user)

    detail = client.get(reverse("members:report_detail", args=[report.pk])).content.decode()
    queue = client.get(reverse("members:report_queue")).content.decode()
    flagged_only = client.get(reverse("members:report_queue"), {"status": "", "flagged": "on"})

    assert "Unusual figures to check" in detail
    assert "100 % of the production was sold on Fairtrade terms" in detail
    assert "1 unusual figure" in queue
    assert list(flagged_only.context["page_obj"].object_list) == [report]


def test_staff_api_reports_the_flags(client, admin_user, organization):
    line = {"product": product("coffee"), "volume_produced": Decimal(1000), "volume_sold_fairtrade": Decimal(1000)}
    report = _save(organization, [line], [])
    from members.api.staff_reports import YearlyReportSerializer

    data = YearlyReportSerializer(report).data
    assert data["review_flags"][0]["code"] == "fairtrade_share_high"
    assert "Fairtrade terms" in data["review_flags"][0]["message"]
