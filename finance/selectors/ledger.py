"""Balances derived from the journal (never stored): per fund, per account, over a period.
Each function is one aggregate query."""

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum

from finance.models import JournalLine

__all__ = ["account_balances", "fund_balances", "journal_lines_in_period"]


def journal_lines_in_period(
    *, date_from: datetime.date | None = None, date_to: datetime.date | None = None
) -> QuerySet[JournalLine]:
    lines = JournalLine.objects.all()
    if date_from is not None:
        lines = lines.filter(entry__date__gte=date_from)
    if date_to is not None:
        lines = lines.filter(entry__date__lte=date_to)
    return lines


def fund_balances(*, as_of: datetime.date | None = None) -> dict[int, Decimal]:
    """Fund id → net assets in USD on `as_of` (inclusive): what the fund's income brought in
    less what its expenses used, i.e. minus the sum of its income, expense and net-asset lines."""
    rows = (
        journal_lines_in_period(date_to=as_of)
        .filter(account__type__in=("income", "expense", "net_assets"))
        .values("fund_id")
        .annotate(total=Sum("amount_usd"))
    )
    return {row["fund_id"]: -(row["total"] or Decimal(0)) for row in rows}


def account_balances(
    *, date_from: datetime.date | None = None, date_to: datetime.date | None = None
) -> list[dict[str, Any]]:
    """Per account and fund, the USD sum of its lines in the period (debit positive)."""
    rows = (
        journal_lines_in_period(date_from=date_from, date_to=date_to)
        .values("account_id", "account__code", "account__type", "fund_id")
        .annotate(total_usd=Sum("amount_usd"))
        .order_by("account__code", "fund_id")
    )
    return [dict(row) for row in rows]
