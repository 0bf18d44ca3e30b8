"""Reads of the books pages: the journal with filters, one entry, funds and accounts with
their balances from the journal (never stored)."""

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from clac.access import require_staff_roles
from finance.models import Account, Fund, JournalEntry, JournalLine
from finance.money import quantize
from finance.selectors.ledger import fund_balances

__all__ = ["account_list", "entry_get_for_user", "fund_list", "journal_count", "journal_list", "journal_page_totals"]

FINANCE_ROLES = ("admin", "finance")


def journal_list(
    *,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    fund: Fund | None = None,
    account: Account | None = None,
    source: str = "",
    q: str = "",
) -> QuerySet[JournalEntry]:
    """Entries newest first with their USD total (sum of debits) and line count, in one query."""
    entries = JournalEntry.objects.all()
    if date_from:
        entries = entries.filter(date__gte=date_from)
    if date_to:
        entries = entries.filter(date__lte=date_to)
    if fund is not None:
        entries = entries.filter(Exists(JournalLine.objects.filter(entry=OuterRef("pk"), fund=fund)))
    if account is not None:
        entries = entries.filter(Exists(JournalLine.objects.filter(entry=OuterRef("pk"), account=account)))
    if source:
        entries = entries.filter(source=source)
    if q:
        entries = entries.filter(description__icontains=q)
    # No aggregate here: it would be computed over every entry before the page is cut
    # (journal_page_totals adds the totals of the page's entries only).
    return entries.annotate(is_reversed=Exists(JournalEntry.objects.filter(reverses=OuterRef("pk")))).order_by(
        "-date", "-id"
    )


def journal_count(*, fund: Fund | None = None, account: Account | None = None, **others: Any) -> int | None:
    """The number of entries `journal_list` gives for a filter on one fund or one account
    alone, counted from the lines' (fund, entry) or (account, entry) index without reading an
    entry (an entry with a line there is counted once); None for any other filters (`others`:
    the rest of journal_list's), which the list counts itself."""
    if any(others.values()) or (fund is None) == (account is None):
        return None
    lines = JournalLine.objects.filter(fund=fund) if fund is not None else JournalLine.objects.filter(account=account)
    return lines.aggregate(entries=Count("entry_id", distinct=True))["entries"]


def journal_page_totals(entries: list[JournalEntry]) -> list[JournalEntry]:
    """Sets `total_usd` (sum of debits) and `line_count` on a page of entries: one query."""
    rows = (
        JournalLine.objects.filter(entry_id__in=[entry.pk for entry in entries])
        .values("entry_id")
        .annotate(total=Sum("amount_usd", filter=Q(amount_usd__gt=0)), count=Count("id"))
        .order_by()
    )
    totals = {row["entry_id"]: (row["total"], row["count"]) for row in rows}
    for entry in entries:
        entry.total_usd, entry.line_count = totals.get(entry.pk, (None, 0))  # type: ignore[attr-defined]
    return entries


def entry_get_for_user(*, user: Any, pk: int) -> JournalEntry:
    require_staff_roles(user, FINANCE_ROLES)
    return get_object_or_404(
        JournalEntry.objects.select_related("created_by", "reverses", "reversed_by"),
        pk=pk,
    )


def entry_lines(*, entry: JournalEntry) -> list[JournalLine]:
    return list(entry.lines.select_related("account", "fund", "organization").order_by("id"))


def fund_list(*, as_of: datetime.date | None = None) -> list[dict[str, Any]]:
    """Every fund with its net assets (USD) from the journal: two queries."""
    balances = fund_balances(as_of=as_of)
    return [
        {"fund": fund, "balance_usd": quantize(Decimal(balances.get(fund.pk, 0)))}
        for fund in Fund.objects.order_by("kind", "name")
    ]


def account_list() -> QuerySet[Account]:
    """Accounts with their USD balance (debit positive), one query."""
    return Account.objects.annotate(balance_usd=Sum("lines__amount_usd")).order_by("code")
