"""The finance dashboard over a journal of one million lines (issue 9, "Done means"): it costs
the same number of queries as over a handful of entries, and its figures are the sums of what
was written — every total is an aggregate in the database, never rows read into Python.

The million lines are written by the database itself (INSERT … SELECT over generate_series,
500,000 balanced entries of two lines, three years of services income and expenses), inside the
test's transaction (rolled back after), so PostgreSQL only."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clac.roles import StaffRole
from finance import chart
from finance.models import JournalLine
from finance.selectors.indicators import indicators_for_years
from finance.services.ledger import LineInput, journal_entry_post
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ENTRIES = 500_000
AMOUNT = Decimal("2.00")


def _write_journal(*, entries: int, first_day: datetime.date) -> None:
    """`entries` entries over three years, alternating services income (bank / services) and
    programme expenses (expense / bank) in the operating fund: each balanced, in USD."""
    operating = chart.fund(chart.OPERATING_FUND).pk
    bank, income, expense = (chart.account(code).pk for code in (chart.BANK, chart.SERVICES_INCOME, "5300"))
    with connection.cursor() as cursor:
        # Written balanced, by construction; the database's per-row checks (the deferred balance
        # trigger, the foreign keys) would queue two million events that the test's end runs
        # (SET CONSTRAINTS ALL IMMEDIATE) for a minute: off for these two statements only.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "INSERT INTO finance_journalentry (date, description, currency, usd_rate, source, source_ref, created_at) "
            "SELECT %s::date + (n %% 1095), 'Movimiento ' || n, 'USD', 1, 'manual', 'bulk:' || n, now() "
            "FROM generate_series(1, %s) AS n",
            [first_day, entries],
        )
        # Two lines per entry: the debit, then the credit; odd entries are income, even expenses.
        cursor.execute(
            "INSERT INTO finance_journalline (entry_id, account_id, fund_id, amount, amount_usd, memo) "
            "SELECT e.id, CASE WHEN side = 1 THEN (CASE WHEN e.id %% 2 = 1 THEN %s ELSE %s END) "
            "                  ELSE (CASE WHEN e.id %% 2 = 1 THEN %s ELSE %s END) END, "
            "       %s, side * %s, side * %s, '' "
            "FROM finance_journalentry e CROSS JOIN (VALUES (1), (-1)) AS sides(side) "
            "WHERE e.source_ref LIKE 'bulk:%%'",
            [bank, expense, income, bank, operating, AMOUNT, AMOUNT],
        )
        cursor.execute("SET LOCAL session_replication_role = origin")


def _dashboard_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("finance:dashboard"))
    assert response.status_code == 200
    return len(queries.captured_queries), response.content.decode()


def test_the_finance_dashboard_over_a_million_ledger_lines_costs_the_queries_it_costs_over_a_few(client):
    if connection.vendor != "postgresql":
        pytest.skip("The million lines are written by PostgreSQL (generate_series).")
    today = datetime.date.today()
    first_day = datetime.date(today.year - 2, 1, 1)
    journal_entry_post(
        date=first_day,
        description="Apertura",
        currency="USD",
        lines=[
            LineInput(account=chart.account(chart.BANK), fund=chart.fund(chart.OPERATING_FUND), amount=AMOUNT),
            LineInput(account=chart.account(chart.NET_ASSETS), fund=chart.fund(chart.OPERATING_FUND), amount=-AMOUNT),
        ],
        actor=None,
    )
    client.force_login(UserFactory(roles=[StaffRole.FINANCE]))
    few, _ = _dashboard_queries(client)

    _write_journal(entries=ENTRIES, first_day=first_day)
    assert JournalLine.objects.count() == 2 * ENTRIES + 2
    many, page = _dashboard_queries(client)  # a new entry id: the indicators are computed again

    assert many == few
    # Half the entries are expenses of 2.00 and half services income of 2.00, all within the
    # three years the dashboard shows: the database's sums, as the page shows them.
    years = [today.year - 2, today.year - 1, today.year]
    figures = indicators_for_years(years=years, today=today)
    assert sum(figures[year].total_expenses for year in years) == ENTRIES // 2 * AMOUNT
    assert sum(figures[year].total_income for year in years) == ENTRIES // 2 * AMOUNT
    assert "Finance" in page or "Finanzas" in page
