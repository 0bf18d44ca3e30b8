"""The journal: balanced entries only (in the service and, on PostgreSQL, in the database at
commit), USD values at the entry's date, reversals that restore every balance, posted rows
never edited or deleted."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from finance import chart
from finance.models import JournalEntry, JournalLine
from finance.selectors.ledger import fund_balances
from finance.services.ledger import LineInput, journal_entry_post, journal_entry_reverse, ledger_purge
from members.models import ExchangeRate

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 3, 14)
postgresql_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="database triggers")


@pytest.fixture
def books():
    # The chart of accounts the migration loads: bank, dues income, country networks' expenses.
    return chart.fund(chart.OPERATING_FUND), chart.account(chart.BANK), chart.account("4100"), chart.account("5500")


def _dues_received(books, amount="1000.00", currency="USD", on=DAY):
    operating, bank, dues, _travel = books
    return journal_entry_post(
        date=on,
        description="Dues received",
        currency=currency,
        lines=[
            LineInput(account=bank, fund=operating, amount=Decimal(amount)),
            LineInput(account=dues, fund=operating, amount=-Decimal(amount)),
        ],
        actor=None,
    )


def test_a_balanced_entry_is_posted_with_its_usd_values(books):
    ExchangeRate.objects.create(currency="PEN", date=DAY - datetime.timedelta(days=3), usd_per_unit=Decimal("0.27"))
    entry = _dues_received(books, amount="3700.00", currency="PEN")
    assert entry.usd_rate == Decimal("0.27")
    assert sorted(entry.lines.values_list("amount_usd", flat=True)) == [Decimal("-999.00"), Decimal("999.00")]
    assert fund_balances()[books[0].pk] == Decimal("999.00")


def test_the_usd_rounding_residue_goes_to_the_largest_line_so_usd_balances(books):
    operating, bank, dues, travel = books
    ExchangeRate.objects.create(currency="HNL", date=DAY, usd_per_unit=Decimal("0.555"))
    entry = journal_entry_post(
        date=DAY,
        description="Split",
        currency="HNL",
        lines=[
            LineInput(account=bank, fund=operating, amount=Decimal("1.00")),
            LineInput(account=travel, fund=operating, amount=Decimal("1.00")),
            LineInput(account=dues, fund=operating, amount=Decimal("-2.00")),
        ],
        actor=None,
    )
    usd = dict(entry.lines.values_list("account__code", "amount_usd"))
    # 1.00 * 0.555 = 0.555 -> 0.56 (half up) twice; -2.00 * 0.555 = -1.11, and the cent of residue
    # goes to the largest line.
    assert usd == {"1100": Decimal("0.56"), "5500": Decimal("0.56"), "4100": Decimal("-1.12")}


def test_an_unbalanced_entry_is_refused_and_nothing_is_written(books):
    operating, bank, dues, _travel = books
    with pytest.raises(ValidationError) as error:
        journal_entry_post(
            date=DAY,
            description="Wrong",
            currency="USD",
            lines=[
                LineInput(account=bank, fund=operating, amount=Decimal("100.00")),
                LineInput(account=dues, fund=operating, amount=Decimal("-90.00")),
            ],
            actor=None,
        )
    assert "does not balance" in str(error.value)
    assert not JournalEntry.objects.exists() and not JournalLine.objects.exists()


def test_every_problem_of_an_entry_is_reported_at_once(books):
    operating, bank, _dues, _travel = books
    with pytest.raises(ValidationError) as error:
        journal_entry_post(
            date=DAY,
            description=" ",
            currency="usd",
            lines=[LineInput(account=bank, fund=operating, amount=Decimal("10.005"))],
            actor=None,
        )
    assert len(error.value.messages) >= 4  # currency, description, one line, decimals, balance


def test_an_entry_in_a_currency_without_a_rate_is_refused(books):
    with pytest.raises(ValidationError) as error:
        _dues_received(books, currency="COP")
    assert error.value.error_list[0].code == "missing_rate"
    assert not JournalEntry.objects.exists()


def test_a_reversal_restores_every_balance_even_after_the_rate_moved(books):
    ExchangeRate.objects.create(currency="PEN", date=DAY, usd_per_unit=Decimal("0.27"))
    entry = _dues_received(books, amount="3700.00", currency="PEN")
    ExchangeRate.objects.create(currency="PEN", date=DAY + datetime.timedelta(days=30), usd_per_unit=Decimal("0.30"))
    reversal = journal_entry_reverse(
        entry=entry, reason="Posted twice", actor=None, date=DAY + datetime.timedelta(days=31)
    )
    assert reversal.reverses == entry and reversal.source == JournalEntry.Source.REVERSAL
    assert fund_balances()[books[0].pk] == Decimal("0.00")
    with pytest.raises(ValidationError, match="already been reversed"):
        journal_entry_reverse(entry=entry, reason="again", actor=None)
    with pytest.raises(ValidationError, match="cannot be reversed"):
        journal_entry_reverse(entry=reversal, reason="undo the undo", actor=None)


@postgresql_only
def test_the_database_refuses_an_unbalanced_entry_written_around_the_service(books):
    operating, bank, _dues, _travel = books
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        entry = JournalEntry.objects.create(date=DAY, description="raw", currency="USD", usd_rate=1)
        JournalLine.objects.create(entry=entry, account=bank, fund=operating, amount=5, amount_usd=5)
        # The check is deferred to the commit, which a test never reaches: ask for it now.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    assert not JournalEntry.objects.exists()


@postgresql_only
def test_the_database_refuses_to_edit_or_delete_a_posted_line(books):
    entry = _dues_received(books)
    line = entry.lines.first()
    with pytest.raises(IntegrityError, match="never edited"), transaction.atomic():
        JournalLine.objects.filter(pk=line.pk).update(amount=Decimal("1.00"))
    with pytest.raises(IntegrityError, match="never deleted"), transaction.atomic():
        JournalLine.objects.filter(pk=line.pk).delete()
    with pytest.raises(IntegrityError, match="never edited"), transaction.atomic():
        JournalEntry.objects.filter(pk=entry.pk).update(description="changed")


def test_the_demo_purge_empties_the_journal(books):
    entry = _dues_received(books)
    journal_entry_reverse(entry=entry, reason="test", actor=None)
    assert ledger_purge() == 2
    assert not JournalLine.objects.exists()


def test_the_chart_of_accounts_and_the_own_funds_are_loaded():
    from finance.models import Account, Fund

    assert set(Fund.objects.values_list("code", flat=True)) >= {"operating", "strengthening", "solidarity"}
    income = Account.objects.filter(type=Account.Type.INCOME)
    assert set(income.values_list("income_category", flat=True)) == set(Account.IncomeCategory.values)
