"""Dues: amounts by the policy's rules, the yearly invoice job (idempotent, numbered in
sequence, posted to the ledger), payment allocation (partial, oldest first or chosen,
overpayment kept as credit, any currency against hand-computed figures), credit applied to the
next invoice, waivers and write-offs, and the review flag for arrears over a year."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from clac.jobs import job_enqueue, job_execute
from clac.models import Job
from finance import chart
from finance.models import DuesAllocation, DuesInvoice, DuesPayment, DuesRule, JournalLine
from finance.services.dues import (
    DuesBasis,
    dues_amount_for,
    dues_arrears_flag,
    dues_invoice_adjust,
    dues_invoices_generate,
    dues_payment_record,
    dues_policy_create,
    dues_policy_update,
    dues_rule_save,
    organization_credit,
)
from finance.tasks import DUES_INVOICE_JOB
from members.models import ExchangeRate, Membership, YearlyReport
from tests.factories import UserFactory, YearlyReportFactory
from tests.finance.dues_factories import DUE, YEAR, invoice, member, policy_with_rules

pytestmark = pytest.mark.django_db


def balance(code: str, organization=None) -> Decimal:
    lines = JournalLine.objects.filter(account__code=code)
    if organization is not None:
        lines = lines.filter(organization=organization)
    return lines.aggregate(total=Sum("amount_usd"))["total"] or Decimal(0)


# --- Amounts --------------------------------------------------------------------------------


def test_the_first_matching_rule_sets_the_amount_clamped_to_minimum_and_maximum():
    rules = list(policy_with_rules().rules.order_by("position"))
    assert dues_amount_for(rules=rules, basis=DuesBasis("spo2", "", 9000, None))[0] == Decimal("2000.00")
    assert dues_amount_for(rules=rules, basis=DuesBasis("spo", "", 420, None))[0] == Decimal("840.00")
    assert dues_amount_for(rules=rules, basis=DuesBasis("spo", "", 40, None))[0] == Decimal("300")
    assert dues_amount_for(rules=rules, basis=DuesBasis("spo", "", 5000, None))[0] == Decimal("1500")
    # No approved report: the members rule cannot measure the organization.
    assert dues_amount_for(rules=rules, basis=DuesBasis("spo", "", None, None))[0] == 0
    # The exempt dues category pays nothing whatever the rules.
    assert dues_amount_for(rules=rules, basis=DuesBasis("spo2", "exempt", 9000, None))[0] == 0


def test_a_rule_may_match_a_dues_category_and_a_volume_band():
    policy = policy_with_rules()
    rule = DuesRule.objects.create(
        policy=policy, position=0, dues_category="a", basis="volume", band_from=Decimal("1000"), amount=Decimal("3000")
    )
    assert dues_amount_for(rules=[rule], basis=DuesBasis("spo", "a", 10, Decimal("1500")))[0] == Decimal("3000.00")
    assert dues_amount_for(rules=[rule], basis=DuesBasis("spo", "a", 10, Decimal("999")))[0] == 0
    assert dues_amount_for(rules=[rule], basis=DuesBasis("spo", "b", 10, Decimal("1500")))[0] == 0


def test_rules_cannot_change_once_the_year_is_invoiced_and_bad_rules_are_explained():
    policy = policy_with_rules()
    with pytest.raises(ValidationError) as error:
        dues_rule_save(
            policy=policy, actor=None, basis="none", band_from=Decimal("5"), minimum=Decimal("5"), maximum=Decimal("1")
        )
    assert {"basis", "maximum"} <= set(error.value.message_dict)
    invoice(policy, member().organization)
    with pytest.raises(ValidationError):
        dues_rule_save(policy=policy, actor=None, amount=Decimal("10"))
    assert policy.rules.count() == 2


# --- The job -------------------------------------------------------------------------------


def _members_with_reports():
    union = member("Unión", kind="spo2")
    coop = member("Cooperativa")
    YearlyReportFactory(
        organization=coop.organization,
        year=2023,
        status=YearlyReport.Status.APPROVED,
        members_total=100,
        members_women=10,
        members_youth=10,
    )
    YearlyReportFactory(
        organization=coop.organization, year=2024, status=YearlyReport.Status.APPROVED, members_total=420
    )
    # A report still in review does not count.
    YearlyReportFactory(
        organization=coop.organization, year=2025, status=YearlyReport.Status.SUBMITTED, members_total=9000
    )
    exempt = member("Exenta", kind="spo2")
    Membership.objects.filter(pk=exempt.pk).update(dues_category="exempt")
    suspended = member("Suspendida", kind="spo2")
    Membership.objects.filter(pk=suspended.pk).update(status=Membership.Status.SUSPENDED)
    return union, coop


def test_the_invoice_job_invoices_every_active_member_once_even_when_run_twice(django_capture_on_commit_callbacks):
    policy = policy_with_rules()
    union, coop = _members_with_reports()
    staff = UserFactory(roles=["finance"])
    with django_capture_on_commit_callbacks(execute=False):
        first = job_enqueue(kind=DUES_INVOICE_JOB, requested_by=staff, params={"policy": policy.pk})
        second = job_enqueue(kind=DUES_INVOICE_JOB, requested_by=staff, params={"policy": policy.pk})
    job_execute(job_id=first.pk)
    job_execute(job_id=second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Job.Status.SUCCEEDED and second.status == Job.Status.SUCCEEDED
    assert first.result["issued"] == 2 and first.progress_done == first.progress_total == 3
    assert second.result["issued"] == 0 and second.result["already_invoiced"] == 2
    invoices = {i.organization_id: i for i in DuesInvoice.objects.filter(year=YEAR)}
    assert len(invoices) == 2
    assert invoices[union.organization_id].amount == Decimal("2000.00")
    assert invoices[coop.organization_id].amount == Decimal("840.00")  # 420 members in 2024 x 2
    assert sorted(i.number for i in invoices.values()) == ["2025-00001", "2025-00002"]
    # Posted once each: receivable against membership dues income.
    assert balance(chart.DUES_RECEIVABLE) == Decimal("2840.00")
    assert balance(chart.DUES_INCOME) == Decimal("-2840.00")
    assert invoices[union.organization_id].history.count() == 1


def test_generating_again_directly_makes_no_second_invoice():
    policy = policy_with_rules()
    _members_with_reports()
    assert dues_invoices_generate(policy=policy, actor=None)["issued"] == 2
    assert dues_invoices_generate(policy=policy, actor=None) == {
        "issued": 0,
        "already_invoiced": 2,
        "exempt_or_unmatched": 1,
    }
    assert DuesInvoice.objects.count() == 2
    assert JournalLine.objects.filter(account__code=chart.DUES_INCOME).count() == 2


# --- Payments ----------------------------------------------------------------------------------


@pytest.fixture
def two_invoices():
    org = member().organization
    older = invoice(policy_with_rules(2024, datetime.date(2024, 3, 31)), org, "500.00")
    newer = invoice(policy_with_rules(), org, "800.00")
    return org, older, newer


def test_a_partial_payment_goes_to_the_oldest_invoice_first(two_invoices):
    org, older, newer = two_invoices
    payment = dues_payment_record(
        organization=org, received_on=DUE, amount=Decimal("650.00"), currency="USD", actor=None
    )
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.paid, older.status) == (Decimal("500.00"), DuesInvoice.Status.PAID)
    assert (newer.paid, newer.status, newer.balance) == (
        Decimal("150.00"),
        DuesInvoice.Status.PARTIAL,
        Decimal("650.00"),
    )
    assert payment.credit == 0
    assert balance(chart.BANK) == Decimal("650.00")
    assert balance(chart.DUES_RECEIVABLE, org) == Decimal("650.00")


def test_a_payment_can_go_to_a_chosen_invoice(two_invoices):
    org, older, newer = two_invoices
    dues_payment_record(
        organization=org, received_on=DUE, amount=Decimal("300"), currency="USD", invoice_ids=[newer.pk], actor=None
    )
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.paid == 0 and newer.paid == Decimal("300.00")


def test_an_overpayment_is_kept_as_credit_and_applied_to_the_next_invoice(two_invoices):
    org, _older, _newer = two_invoices
    payment = dues_payment_record(
        organization=org, received_on=DUE, amount=Decimal("1500.00"), currency="USD", actor=None
    )
    assert payment.credit == Decimal("200.00")
    assert organization_credit(organization=org) == Decimal("200.00")
    assert balance(chart.MEMBER_CREDIT, org) == Decimal("-200.00")
    assert balance(chart.DUES_RECEIVABLE, org) == 0
    # Next year's invoice from the job uses the credit.
    policy = policy_with_rules(2026, datetime.date(2026, 3, 31))
    Membership.objects.filter(organization=org).update(dues_category="")
    DuesRule.objects.create(policy=policy, position=0, amount=Decimal("300"))
    dues_invoices_generate(policy=policy, actor=None, issued_on=datetime.date(2026, 1, 15))
    nxt = DuesInvoice.objects.get(organization=org, year=2026)
    assert nxt.amount == Decimal("300.00") and nxt.paid == Decimal("200.00")
    assert organization_credit(organization=org) == 0
    assert balance(chart.MEMBER_CREDIT, org) == 0
    assert DuesAllocation.objects.filter(invoice=nxt, payment__isnull=True).get().amount == Decimal("200.00")


def test_a_payment_in_another_currency_is_converted_at_the_payment_date(two_invoices):
    org, _older, newer = two_invoices
    ExchangeRate.objects.create(currency="PEN", date=DUE - datetime.timedelta(days=10), usd_per_unit=Decimal("0.2667"))
    ExchangeRate.objects.create(currency="PEN", date=DUE + datetime.timedelta(days=1), usd_per_unit=Decimal("0.5"))
    # 3,000.00 PEN x 0.2667 = 800.10 USD: 500.00 to 2024, 300.10 to 2025.
    payment = dues_payment_record(
        organization=org, received_on=DUE, amount=Decimal("3000.00"), currency="pen", actor=None
    )
    assert (payment.currency, payment.amount, payment.amount_usd) == ("PEN", Decimal("3000.00"), Decimal("800.10"))
    newer.refresh_from_db()
    assert newer.paid == Decimal("300.10")
    assert balance(chart.BANK) == Decimal("800.10")
    # 1,234.57 HNL at 0.0405 = 49.999... → 50.00 USD (half up to the cent).
    ExchangeRate.objects.create(currency="HNL", date=DUE, usd_per_unit=Decimal("0.0405"))
    hnl = dues_payment_record(organization=org, received_on=DUE, amount=Decimal("1234.57"), currency="HNL", actor=None)
    assert hnl.amount_usd == Decimal("50.00")


def test_bad_payments_are_refused_and_nothing_is_written(two_invoices):
    org, _older, _newer = two_invoices
    other = invoice(policy_with_rules(2023, datetime.date(2023, 3, 31)), member().organization)
    before = (DuesPayment.objects.count(), JournalLine.objects.count())
    with pytest.raises(ValidationError) as error:
        dues_payment_record(organization=org, received_on=DUE, amount=Decimal("-5"), currency="XX", actor=None)
    assert {"amount", "currency"} <= set(error.value.message_dict)
    with pytest.raises(ValidationError) as error:
        dues_payment_record(organization=org, received_on=DUE, amount=Decimal("5"), currency="BRL", actor=None)
    assert "currency" in error.value.message_dict  # no exchange rate
    with pytest.raises(ValidationError) as error:
        dues_payment_record(
            organization=org, received_on=DUE, amount=Decimal("5"), currency="USD", invoice_ids=[other.pk], actor=None
        )
    assert "invoices" in error.value.message_dict
    assert (DuesPayment.objects.count(), JournalLine.objects.count()) == before


# --- Adjustments and arrears -----------------------------------------------------------------


def test_a_write_off_closes_the_balance_with_its_reason_posted_to_the_expense(two_invoices):
    org, older, _newer = two_invoices
    dues_payment_record(organization=org, received_on=DUE, amount=Decimal("100"), currency="USD", actor=None)
    with pytest.raises(ValidationError):
        dues_invoice_adjust(invoice=older, kind="write_off", reason=" ", actor=None)
    adjustment = dues_invoice_adjust(invoice=older, kind="write_off", reason="Organización disuelta", actor=None)
    older.refresh_from_db()
    assert adjustment.amount == Decimal("400.00")
    assert (older.status, older.balance) == (DuesInvoice.Status.CLOSED, 0)
    assert balance(chart.DUES_WRITE_OFF_EXPENSE) == Decimal("400.00")
    assert JournalLine.objects.filter(
        account__code=chart.DUES_WRITE_OFF_EXPENSE, entry__description__contains="disuelta"
    ).exists()
    with pytest.raises(ValidationError):
        dues_invoice_adjust(invoice=older, kind="waiver", reason="otra vez", actor=None)


def test_a_partial_waiver_leaves_the_rest_open(two_invoices):
    _org, _older, newer = two_invoices
    dues_invoice_adjust(invoice=newer, kind="waiver", reason="Huracán", amount=Decimal("300"), actor=None)
    newer.refresh_from_db()
    assert (newer.status, newer.balance) == (DuesInvoice.Status.OPEN, Decimal("500.00"))
    with pytest.raises(ValidationError):
        dues_invoice_adjust(invoice=newer, kind="waiver", reason="x", amount=Decimal("500.01"), actor=None)


def test_arrears_over_a_year_flag_the_membership_for_review_once(two_invoices):
    org, _older, _newer = two_invoices
    # 2024 due 2024-03-31: 366 days later it is more than a year in arrears.
    assert dues_arrears_flag(today=datetime.date(2025, 3, 31)) == 0
    assert dues_arrears_flag(today=datetime.date(2025, 4, 1)) == 1
    assert dues_arrears_flag(today=datetime.date(2025, 4, 2)) == 1
    membership = Membership.objects.get(organization=org)
    assert membership.review_requested_at is not None
    assert membership.review_reason.count("arrears") == 1


def test_a_policy_changes_until_its_year_is_invoiced():
    policy = policy_with_rules()
    dues_policy_update(policy=policy, due_date=datetime.date(2025, 4, 30), notes=" Junta 2025 ", actor=None)
    policy.refresh_from_db()
    assert (policy.due_date, policy.notes) == (datetime.date(2025, 4, 30), "Junta 2025")
    invoice(policy, member().organization)
    with pytest.raises(ValidationError):
        dues_policy_update(policy=policy, due_date=datetime.date(2025, 5, 31), notes="", actor=None)
    policy.refresh_from_db()
    assert policy.due_date == datetime.date(2025, 4, 30)
    with pytest.raises(ValidationError) as error:
        dues_policy_create(year=2025, due_date=datetime.date(2020, 1, 1), actor=None)
    assert {"year", "due_date"} <= set(error.value.message_dict)
