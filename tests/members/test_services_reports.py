import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from members.models import ExchangeRate, YearlyReport, YearlyReportEvent
from members.services import (
    exchange_rate_usd_value,
    yearly_report_approve,
    yearly_report_comment,
    yearly_report_return,
    yearly_report_save,
    yearly_report_submit,
)
from tests.factories import OrganizationFactory, UserFactory, product

pytestmark = pytest.mark.django_db

DATA = {
    "members_total": 420,
    "members_women": 130,
    "members_youth": 60,
    "permanent_workers": 12,
    "hectares": Decimal("830.50"),
    "premium_amount": Decimal("95000.00"),
    "premium_currency": "USD",
}


def _line(**overrides):
    line = {
        "product": product("coffee"),
        "volume_produced": Decimal("1000"),
        "volume_sold_fairtrade": Decimal("600"),
        "volume_sold_other": Decimal("300"),
    }
    line.update(overrides)
    return line


@pytest.fixture
def member(db):
    return UserFactory(username="coop-editor")


def _save(actor, organization, year=2025, **data):
    return yearly_report_save(
        actor=actor,
        organization=organization,
        year=year,
        data={**DATA, **data},
        product_lines=[_line()],
        premium_uses=[{"category": "productivity", "amount": Decimal("50000")}],
    )


def _submitted(actor, organization, **data):
    return yearly_report_submit(actor=actor, report=_save(actor, organization, **data))


def _actions(report):
    return list(report.events.order_by("id").values_list("action", flat=True))


def test_saving_a_report_stores_figures_lines_and_logs_creation(member, organization):
    report = _save(member, organization)

    assert report.status == YearlyReport.Status.DRAFT
    assert report.product_lines.get().volume_sold_fairtrade == Decimal("600")
    assert report.premium_uses.get().amount == Decimal("50000")
    assert _actions(report) == [YearlyReportEvent.Action.CREATED]


@pytest.mark.parametrize("field", ["members_women", "members_youth"])
def test_women_or_youth_above_the_total_are_refused(member, organization, field):
    with pytest.raises(ValidationError) as exc:
        _save(member, organization, **{field: 421})
    assert "420" in exc.value.message_dict[field][0]
    assert not YearlyReport.objects.exists()


def test_fairtrade_sales_above_production_are_refused(member, organization):
    with pytest.raises(ValidationError) as exc:
        yearly_report_save(
            actor=member,
            organization=organization,
            year=2025,
            data=DATA,
            product_lines=[_line(volume_produced=Decimal("500"), volume_sold_fairtrade=Decimal("501"))],
        )
    assert "product_lines" in exc.value.message_dict
    assert not YearlyReport.objects.exists()


@pytest.mark.parametrize(
    ("data", "lines", "uses", "field"),
    [
        ({"members_total": -1}, None, None, "members_total"),
        ({"hectares": Decimal("-3")}, None, None, "hectares"),
        ({"premium_amount": Decimal("-10")}, None, None, "premium_amount"),
        ({}, [{"volume_sold_other": Decimal("-1")}], None, "product_lines"),
        ({}, None, [{"category": "community", "amount": Decimal("-5")}], "premium_uses"),
    ],
)
def test_negative_values_are_refused(member, organization, data, lines, uses, field):
    with pytest.raises(ValidationError) as exc:
        yearly_report_save(
            actor=member,
            organization=organization,
            year=2025,
            data={**DATA, **data},
            product_lines=[_line(**overrides) for overrides in lines] if lines else None,
            premium_uses=uses,
        )
    assert field in exc.value.message_dict
    assert not YearlyReport.objects.exists()


def test_a_refused_change_leaves_the_saved_draft_as_it_was(member, organization):
    report = _save(member, organization)
    with pytest.raises(ValidationError):
        _save(member, organization, members_women=999)
    report.refresh_from_db()
    assert report.members_women == 130
    assert _actions(report) == [YearlyReportEvent.Action.CREATED]


def test_a_year_that_has_not_started_is_refused(member, organization):
    with pytest.raises(ValidationError) as exc:
        _save(member, organization, year=datetime.date.today().year + 1)
    assert "year" in exc.value.message_dict


def test_a_draft_is_submitted_and_then_can_no_longer_be_changed(member, organization):
    report = _submitted(member, organization)

    assert report.status == YearlyReport.Status.SUBMITTED
    assert report.submitted_by == member
    assert report.submitted_at is not None
    with pytest.raises(ValidationError):
        _save(member, organization, members_total=500)
    report.refresh_from_db()
    assert report.members_total == 420


def test_a_report_without_members_or_products_cannot_be_submitted(member, organization):
    report = yearly_report_save(actor=member, organization=organization, year=2025, data={"members_total": None})
    with pytest.raises(ValidationError) as exc:
        yearly_report_submit(actor=member, report=report)
    assert "members_total" in exc.value.message_dict

    report = yearly_report_save(actor=member, organization=organization, year=2025, data={"members_total": 30})
    with pytest.raises(ValidationError) as exc:
        yearly_report_submit(actor=member, report=report)
    assert "product_lines" in exc.value.message_dict
    report.refresh_from_db()
    assert report.status == YearlyReport.Status.DRAFT


def test_a_submitted_report_cannot_be_submitted_again(member, organization):
    report = _submitted(member, organization)
    with pytest.raises(ValidationError):
        yearly_report_submit(actor=member, report=report)


@pytest.mark.parametrize("status", [YearlyReport.Status.DRAFT, YearlyReport.Status.RETURNED])
def test_only_a_submitted_report_can_be_approved_or_returned(admin_user, member, organization, status):
    report = _save(member, organization)
    YearlyReport.objects.filter(pk=report.pk).update(status=status)

    with pytest.raises(ValidationError):
        yearly_report_approve(actor=admin_user, report=report)
    with pytest.raises(ValidationError):
        yearly_report_return(actor=admin_user, report=report, note="Fix it")
    report.refresh_from_db()
    assert report.status == status


def test_an_approved_report_cannot_be_approved_returned_or_changed(admin_user, member, organization):
    report = yearly_report_approve(actor=admin_user, report=_submitted(member, organization))
    with pytest.raises(ValidationError):
        yearly_report_approve(actor=admin_user, report=report)
    with pytest.raises(ValidationError):
        yearly_report_return(actor=admin_user, report=report, note="Too late")
    with pytest.raises(ValidationError):
        _save(member, organization, members_total=10)
    report.refresh_from_db()
    assert report.status == YearlyReport.Status.APPROVED


def test_returning_needs_a_note(admin_user, member, organization):
    report = _submitted(member, organization)
    with pytest.raises(ValidationError) as exc:
        yearly_report_return(actor=admin_user, report=report, note="   ")
    assert exc.value.message_dict["note"] == ["Tell the organization what to correct."]
    report.refresh_from_db()
    assert report.status == YearlyReport.Status.SUBMITTED


def test_a_returned_report_is_corrected_and_resubmitted(admin_user, member, organization):
    report = yearly_report_return(actor=admin_user, report=_submitted(member, organization), note="Women too high?")
    assert report.status == YearlyReport.Status.RETURNED
    assert report.reviewed_by == admin_user

    _save(member, organization, members_women=120)
    report = yearly_report_submit(actor=member, report=report)

    assert report.status == YearlyReport.Status.SUBMITTED
    assert report.members_women == 120


def test_approving_converts_a_eur_premium_with_the_rate_of_the_year_end(admin_user, member, organization):
    ExchangeRate.objects.create(currency="EUR", date=datetime.date(2025, 6, 30), usd_per_unit=Decimal("1.05"))
    ExchangeRate.objects.create(currency="EUR", date=datetime.date(2025, 12, 31), usd_per_unit=Decimal("1.10"))
    ExchangeRate.objects.create(currency="EUR", date=datetime.date(2026, 1, 15), usd_per_unit=Decimal("1.20"))
    report = _submitted(member, organization, premium_amount=Decimal("100000.00"), premium_currency="eur")

    report = yearly_report_approve(actor=admin_user, report=report, note="Figures consistent.")

    report.refresh_from_db()
    assert report.premium_currency == "EUR"
    assert report.premium_usd == Decimal("110000.00")
    assert report.status == YearlyReport.Status.APPROVED
    assert report.reviewed_by == admin_user
    assert report.events.latest("id").note == "Figures consistent."


def test_a_usd_premium_is_kept_as_is_on_approval(admin_user, member, organization):
    report = yearly_report_approve(actor=admin_user, report=_submitted(member, organization))
    assert report.premium_usd == Decimal("95000.00")


def test_approving_without_a_rate_on_or_before_the_year_end_is_refused(admin_user, member, organization):
    # A rate from after the year end must not be used for that year.
    ExchangeRate.objects.create(currency="EUR", date=datetime.date(2026, 1, 5), usd_per_unit=Decimal("1.15"))
    report = _submitted(member, organization, premium_amount=Decimal("100000.00"), premium_currency="EUR")

    with pytest.raises(ValidationError) as exc:
        yearly_report_approve(actor=admin_user, report=report)

    assert "2025-12-31" in exc.value.message_dict["premium_currency"][0]
    report.refresh_from_db()
    assert report.status == YearlyReport.Status.SUBMITTED
    assert report.premium_usd is None
    assert YearlyReportEvent.Action.APPROVED not in _actions(report)


def test_exchange_rate_usd_value_uses_the_latest_rate_on_or_before_the_date(db):
    ExchangeRate.objects.create(currency="EUR", date=datetime.date(2025, 1, 1), usd_per_unit=Decimal("1.0333"))
    assert exchange_rate_usd_value(amount=Decimal("100"), currency="EUR", on_date=datetime.date(2025, 3, 1)) == Decimal(
        "103.33"
    )
    assert exchange_rate_usd_value(amount=Decimal("100"), currency="EUR", on_date=datetime.date(2024, 12, 31)) is None


def test_the_event_log_is_append_only_and_records_every_step(admin_user, member, organization):
    report = _submitted(member, organization)
    yearly_report_comment(actor=admin_user, report=report, note="Checking hectares.")
    yearly_report_return(actor=admin_user, report=report, note="Hectares look doubled.")
    first_events = list(report.events.order_by("id").values("id", "action", "note", "actor"))

    _save(member, organization, hectares=Decimal("415.25"))
    yearly_report_submit(actor=member, report=report)
    yearly_report_approve(actor=admin_user, report=report)

    events = list(report.events.order_by("id").values("id", "action", "note", "actor"))
    assert events[: len(first_events)] == first_events
    assert [e["action"] for e in events] == [
        "created",
        "submitted",
        "commented",
        "returned",
        "updated",
        "submitted",
        "approved",
    ]
    assert events[3]["note"] == "Hectares look doubled."
    assert events[3]["actor"] == admin_user.pk


def test_an_empty_comment_is_refused(admin_user, member, organization):
    report = _save(member, organization)
    with pytest.raises(ValidationError) as exc:
        yearly_report_comment(actor=admin_user, report=report, note="")
    assert "note" in exc.value.message_dict
    assert _actions(report) == ["created"]


def test_reports_of_different_organizations_are_independent(member, organization):
    _save(member, organization)
    _save(member, OrganizationFactory())
    assert YearlyReport.objects.filter(year=2025).count() == 2
