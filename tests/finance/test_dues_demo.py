"""The dues demo: three years of policies and invoices for every active member, payments in
full, partial, overpaid (credit) and in local currencies, members in arrears over a year
flagged for review, a collection rate that rises year by year; deterministic; flushed clean."""

import datetime
import random
from decimal import Decimal

import pytest
from django.db.models import Sum

from clac.plugins import DemoContext
from finance import demo
from finance.demo import dues as demo_dues
from finance.models import DuesInvoice, DuesPayment, DuesPolicy, JournalEntry, JournalLine
from members.models import ExchangeRate, Membership, YearlyReport
from tests.factories import YearlyReportFactory
from tests.finance.dues_factories import member

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 30)


def _world():
    for number in range(60):
        membership = member(f"Org {number:02d}", kind="spo2" if number % 7 == 0 else "spo")
        if number % 2:
            YearlyReportFactory(
                organization=membership.organization, year=2024, status=YearlyReport.Status.APPROVED, members_total=300
            )
    for year in (2024, 2025, 2026):
        ExchangeRate.objects.create(currency="PEN", date=datetime.date(year, 1, 1), usd_per_unit=Decimal("0.27"))


def _seed(seed: int = 3) -> dict:
    ctx = DemoContext(seed=seed, scale="small", organizations=None, today=TODAY, log=None, shared={})
    return demo_dues.seed(ctx, random.Random(seed))


def test_the_demo_shows_three_years_of_dues_with_every_kind_of_payment():
    _world()
    counts = _seed()
    assert sorted(DuesPolicy.objects.values_list("year", flat=True)) == [2024, 2025, 2026]
    assert DuesInvoice.objects.filter(year=2026).count() == 60 == counts["dues invoices"] / 3
    assert DuesPayment.objects.filter(currency="PEN").exists()
    assert DuesPayment.objects.filter(credit__gt=1).exists()
    assert DuesInvoice.objects.filter(status=DuesInvoice.Status.PARTIAL).exists()
    assert counts["memberships flagged for dues arrears"] > 0
    assert (
        Membership.objects.filter(review_reason__contains="arrears").count()
        == counts["memberships flagged for dues arrears"]
    )
    rates = []
    for year in (2024, 2025, 2026):
        lines = JournalLine.objects.filter(entry__date__year=year)
        invoiced = -lines.filter(account__code="4100").aggregate(s=Sum("amount_usd"))["s"]
        collected = -lines.filter(account__code="1200", entry__source="payment").aggregate(s=Sum("amount_usd"))["s"]
        rates.append(collected / invoiced)
    assert rates[0] < rates[2]


def test_the_demo_is_deterministic_and_flushes_clean():
    _world()
    _seed()
    first = list(DuesPayment.objects.order_by("id").values_list("organization__name", "amount", "currency"))
    assert not demo.is_empty()[0]
    demo.flush()
    assert demo.is_empty() == (True, "")
    assert JournalEntry.objects.count() == 0
    _seed()
    assert list(DuesPayment.objects.order_by("id").values_list("organization__name", "amount", "currency")) == first
