"""Demo dues: a policy for each of the last three years (2024-2026 when the demo runs in
2026), invoices for every active member issued by the same service the job runs, and payments
with a collection rate that grows year after year: most pay in full (some in their local
currency), some partly, some overpay (kept as credit, used by the next invoice), some do not
pay at all (arrears over a year then flag the membership for review)."""

import datetime
import random
from decimal import ROUND_UP, Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.test.utils import override_settings

from clac.plugins import DemoContext
from finance.models import DuesAdjustment, DuesAllocation, DuesInvoice, DuesPayment, DuesPolicy, DuesRule
from finance.money import usd_per_unit
from finance.services.dues import dues_arrears_flag, dues_invoices_generate, dues_payment_record
from members.models import Organization

# Probability of paying in full, by year (oldest first): the collection rate rises.
FULL = (0.70, 0.80, 0.88)
# Share of members that pay nothing at all: their arrears pass a year and flag a review.
CHRONIC = 0.06
PARTIAL = 0.10
OVERPAID = 0.05
LOCAL_CURRENCY = {"PE": "PEN", "CO": "COP", "MX": "MXN", "BR": "BRL"}


def _policy(year: int) -> DuesPolicy:
    policy = DuesPolicy.objects.create(
        year=year, due_date=datetime.date(year, 3, 31), notes="Aprobada por la Junta Directiva."
    )
    step = Decimal(year - 2024) * Decimal("0.25") if year > 2024 else Decimal(0)
    rules: tuple[dict[str, Any], ...] = (
        {"kind": "spo2", "amount": Decimal("2000")},
        {"kind": "hl", "amount": Decimal("600")},
        {"basis": "members", "per_unit": Decimal("2.50") + step, "minimum": Decimal("300"), "maximum": Decimal("2500")},
        {"amount": Decimal("300")},
    )
    for position, values in enumerate(rules, start=1):
        DuesRule.objects.create(policy=policy, position=position, **values)
    return policy


def _pay(org: Organization, amount_usd: Decimal, on: datetime.date, rng: random.Random, admin) -> bool:
    currency = LOCAL_CURRENCY.get(org.country_id, "USD") if rng.random() < 0.35 else "USD"
    amount = amount_usd
    if currency != "USD":
        try:
            rate = usd_per_unit(currency=currency, on=on)
        except ValidationError:
            currency = "USD"
        else:
            # Rounded up to the unit, as people transfer: a few cents stay as credit.
            amount = (amount_usd / rate).quantize(Decimal(1), rounding=ROUND_UP)
    dues_payment_record(
        organization=org,
        received_on=on,
        amount=amount,
        currency=currency,
        reference=f"TRF-{rng.randint(100000, 999999)}",
        actor=admin,
    )
    return True


def seed(ctx: DemoContext, rng: random.Random) -> dict[str, int]:
    admin = ctx.shared.get("admin")
    today = ctx.today
    years = [today.year - 2, today.year - 1, today.year]
    payments = 0
    chronic: set[int] = set()
    for index, year in enumerate(years):
        policy = _policy(year)
        issued_on = min(datetime.date(year, 1, 15), today)
        dues_invoices_generate(policy=policy, actor=admin, issued_on=issued_on)
        invoices = list(
            DuesInvoice.objects.filter(year=year).select_related("organization").order_by("organization_id")
        )
        if index == 0:
            chronic = {i.organization_id for i in invoices if rng.random() < CHRONIC}
        for invoice in invoices:
            if invoice.organization_id in chronic:
                continue
            # Paid between the issue date and half a year after the due date, never in the future.
            latest = min(today, invoice.due_on + datetime.timedelta(days=180))
            span = max((latest - invoice.issued_on).days, 0)
            on = invoice.issued_on + datetime.timedelta(days=rng.randint(0, span))
            roll = rng.random()
            invoice.refresh_from_db(fields=["paid", "adjusted", "amount"])
            due = invoice.balance
            if due <= 0:
                continue
            if roll < FULL[index]:
                amount = due
            elif roll < FULL[index] + PARTIAL:
                amount = (due * Decimal("0.5")).quantize(Decimal("0.01"))
            elif roll < FULL[index] + PARTIAL + OVERPAID:
                amount = (due * Decimal("1.2")).quantize(Decimal("0.01"))
            else:
                continue
            payments += _pay(invoice.organization, amount, on, rng, admin)
    flagged = dues_arrears_flag(today=today, actor=admin)
    return {
        "dues invoices": DuesInvoice.objects.count(),
        "dues payments": payments,
        "memberships flagged for dues arrears": flagged,
    }


def flush() -> dict[str, int]:
    """Deletes the dues rows and their history (the ledger is purged by the finance flush)."""
    deleted: dict[str, int] = {}
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        for model in (DuesAllocation, DuesAdjustment, DuesPayment, DuesInvoice, DuesRule, DuesPolicy):
            for label, count in model.objects.all().delete()[1].items():
                deleted[label] = deleted.get(label, 0) + count
        for historical in apps.get_app_config("finance").get_models():
            if historical.__name__.startswith("HistoricalDues"):
                historical._default_manager.all().delete()
    return deleted


def is_empty() -> tuple[bool, str]:
    count = DuesPolicy.objects.count()
    return (False, f"{count} dues policies") if count else (True, "")


# The finance seeder's flush protocol: records before the journal is purged, nothing after.
flush_records = flush


def flush_after_ledger() -> dict[str, int]:
    return {}
