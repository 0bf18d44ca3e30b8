"""The only way money enters the books: `journal_entry_post` writes an entry whose lines sum to
zero in the entry's currency and in USD, and `journal_entry_reverse` undoes one with a mirror
entry (posted entries are never edited or deleted; the database refuses it on PostgreSQL).
Every other finance service (grants, dues, payments, disbursements) posts through here."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from clac.models import User
from finance.models import Account, Fund, JournalEntry, JournalLine
from finance.money import CENT, quantize, usd_per_unit
from members.models import CURRENCY_VALIDATOR, Organization

__all__ = ["LineInput", "journal_entry_post", "journal_entry_reverse", "ledger_purge"]


@dataclass(frozen=True)
class LineInput:
    """One line of an entry to post: debit positive, credit negative, in the entry's currency."""

    account: Account
    fund: Fund
    amount: Decimal
    memo: str = ""
    organization: Organization | None = None


def _validate(*, currency: str, description: str, lines: list[LineInput]) -> None:
    errors: list[ValidationError] = []
    try:
        CURRENCY_VALIDATOR(currency)
    except ValidationError as error:
        errors.append(error)
    if not description.strip():
        errors.append(ValidationError(_("Describe the entry."), code="required"))
    if len(lines) < 2:
        errors.append(ValidationError(_("An entry needs at least two lines."), code="too_few_lines"))
    for number, line in enumerate(lines, start=1):
        if line.amount == 0:
            errors.append(ValidationError(_("Line %(number)s has no amount."), code="zero", params={"number": number}))
        elif line.amount != line.amount.quantize(CENT):
            errors.append(
                ValidationError(
                    _("Line %(number)s has more than two decimals."), code="precision", params={"number": number}
                )
            )
        if not line.account.active:
            errors.append(
                ValidationError(
                    _("Account %(account)s is closed."), code="inactive", params={"account": line.account.code}
                )
            )
        if not line.fund.active:
            errors.append(
                ValidationError(_("Fund %(fund)s is closed."), code="inactive", params={"fund": line.fund.name})
            )
    debits = sum((line.amount for line in lines if line.amount > 0), Decimal(0))
    credits = -sum((line.amount for line in lines if line.amount < 0), Decimal(0))
    if lines and debits != credits:
        errors.append(
            ValidationError(
                _("The entry does not balance: debits %(debits)s, credits %(credits)s."),
                code="unbalanced",
                params={"debits": debits, "credits": credits},
            )
        )
    if errors:
        raise ValidationError(errors)


def _usd_amounts(*, amounts: list[Decimal], rate: Decimal) -> list[Decimal]:
    """Each line in USD, rounded to the cent, with the rounding residue put on the largest line
    so the USD side balances exactly too (a few cents at most, never a sign change)."""
    usd = [quantize(amount * rate) for amount in amounts]
    residue = -sum(usd, Decimal(0))
    if residue:
        largest = max(range(len(amounts)), key=lambda index: abs(amounts[index]))
        usd[largest] += residue
    return usd


def _insert(
    *,
    date: datetime.date,
    description: str,
    currency: str,
    rate: Decimal,
    lines: list[LineInput],
    usd: list[Decimal],
    source: str,
    source_ref: str,
    actor: User | None,
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    entry = JournalEntry.objects.create(
        date=date,
        description=description.strip(),
        currency=currency,
        usd_rate=rate,
        source=source,
        source_ref=source_ref,
        reverses=reverses,
        created_by=actor,
    )
    # Journal lines are immutable facts, not audited rows: the entry is the record of who and when.
    JournalLine.objects.bulk_create(
        JournalLine(
            entry=entry,
            account=line.account,
            fund=line.fund,
            amount=line.amount,
            amount_usd=amount_usd,
            memo=line.memo,
            organization=line.organization,
        )
        for line, amount_usd in zip(lines, usd, strict=True)
    )
    return entry


@transaction.atomic
def journal_entry_post(
    *,
    date: datetime.date,
    description: str,
    currency: str,
    lines: list[LineInput],
    actor: User | None,
    source: str = JournalEntry.Source.MANUAL,
    source_ref: str = "",
) -> JournalEntry:
    """Post a balanced entry; every problem is reported at once and nothing is written."""
    _validate(currency=currency, description=description, lines=lines)
    rate = usd_per_unit(currency=currency, on=date)
    usd = _usd_amounts(amounts=[line.amount for line in lines], rate=rate)
    return _insert(
        date=date,
        description=description,
        currency=currency,
        rate=rate,
        lines=lines,
        usd=usd,
        source=source,
        source_ref=source_ref,
        actor=actor,
    )


@transaction.atomic
def journal_entry_reverse(
    *, entry: JournalEntry, reason: str, actor: User | None, date: datetime.date | None = None
) -> JournalEntry:
    """A mirror entry that cancels `entry` line by line, in its currency and with its exact USD
    values (not re-converted at today's rate), so every balance returns to what it was."""
    locked = JournalEntry.objects.select_for_update().get(pk=entry.pk)
    errors = []
    if not reason.strip():
        errors.append(ValidationError(_("Say why the entry is reversed."), code="required"))
    if locked.source == JournalEntry.Source.REVERSAL:
        errors.append(ValidationError(_("A reversal cannot be reversed: post a new entry instead."), code="reversal"))
    if JournalEntry.objects.filter(reverses=locked).exists():
        errors.append(ValidationError(_("This entry has already been reversed."), code="already_reversed"))
    if errors:
        raise ValidationError(errors)
    original = list(locked.lines.select_related("account", "fund", "organization"))
    lines = [
        LineInput(
            account=line.account, fund=line.fund, amount=-line.amount, memo=line.memo, organization=line.organization
        )
        for line in original
    ]
    return _insert(
        date=date or locked.date,
        description=_("Reversal of entry %(number)s: %(reason)s") % {"number": locked.pk, "reason": reason.strip()},
        currency=locked.currency,
        rate=locked.usd_rate,
        lines=lines,
        usd=[-line.amount_usd for line in original],
        source=JournalEntry.Source.REVERSAL,
        source_ref=f"finance.journalentry:{locked.pk}",
        actor=actor,
        reverses=locked,
    )


@transaction.atomic
def ledger_purge() -> int:
    """Delete every journal entry: only for the demo seeder's flush and tests. The database
    refuses deletes of posted lines unless this transaction says so (PostgreSQL trigger)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL clac.ledger_purge = 'on'")
    JournalLine.objects.all().delete()
    reversals, _detail = JournalEntry.objects.filter(reverses__isnull=False).delete()
    others, _detail = JournalEntry.objects.all().delete()
    return reversals + others
