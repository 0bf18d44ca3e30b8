"""The indicators against figures computed by hand, from a small journal: autonomy ratio, donor
concentration, dues collection, months of reserves, budget execution, and the conversion of
reports into another currency."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance import chart
from finance.models import Fund
from finance.selectors.budgets import budget_vs_actual
from finance.selectors.indicators import indicators_for_years
from finance.services.budgets import budget_create, budget_line_set
from finance.services.donors import agreement_create, donor_create, tranche_plan, tranche_receive
from finance.services.ledger import LineInput, journal_entry_post, journal_entry_reverse
from members.models import ExchangeRate

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)


def post(date, debit, credit, amount, fund=None, currency="USD"):
    fund = fund or chart.fund(chart.OPERATING_FUND)
    return journal_entry_post(
        date=date,
        description="test",
        currency=currency,
        lines=[
            LineInput(account=chart.account(debit), fund=fund, amount=Decimal(amount)),
            LineInput(account=chart.account(credit), fund=fund, amount=-Decimal(amount)),
        ],
        actor=None,
    )


def grant(donor_name, amount, on, restricted=True):
    donor = donor_create(name=donor_name, kind="foundation", actor=None)
    agreement = agreement_create(
        donor=donor,
        title="Programa",
        currency="USD",
        amount=Decimal(amount),
        start_date=datetime.date(on.year, 1, 1),
        end_date=datetime.date(on.year, 12, 31),
        restricted=restricted,
        strategic_lines=["product_networks"] if restricted else [],
        actor=None,
    )
    tranche = tranche_plan(agreement=agreement, expected_date=on, expected_amount=Decimal(amount), actor=None)
    return tranche_receive(tranche=tranche, received_date=on, amount=Decimal(amount), currency="USD", actor=None)


@pytest.fixture
def year_2025():
    """2025: opening reserves 30,000; dues invoiced 10,000 of which 8,000 collected (one
    payment of 6,000, one of 2,000 with 500 overpaid to member credit); FI allocation 20,000;
    services 5,000; services in a restricted fund 1,000 (not own unrestricted); donors
    A 30,000 (restricted) and B 10,000 (unrestricted); expenses 48,000 (product networks
    36,000, communication 12,000)."""
    day = datetime.date(2025, 3, 1)
    post(datetime.date(2024, 12, 31), chart.BANK, chart.NET_ASSETS, "30000.00")
    post(day, chart.DUES_RECEIVABLE, chart.DUES_INCOME, "10000.00")
    post(day, chart.BANK, chart.DUES_RECEIVABLE, "6000.00")
    operating = chart.fund(chart.OPERATING_FUND)
    journal_entry_post(
        date=day,
        description="payment with overpayment",
        currency="USD",
        lines=[
            LineInput(account=chart.account(chart.BANK), fund=operating, amount=Decimal("2500.00")),
            LineInput(account=chart.account(chart.DUES_RECEIVABLE), fund=operating, amount=Decimal("-2000.00")),
            LineInput(account=chart.account(chart.MEMBER_CREDIT), fund=operating, amount=Decimal("-500.00")),
        ],
        actor=None,
    )
    post(day, chart.BANK, chart.FI_ALLOCATION_INCOME, "20000.00")
    post(day, chart.BANK, chart.SERVICES_INCOME, "5000.00")
    restricted = grant("A", "30000.00", day).agreement.fund
    post(day, chart.BANK, chart.SERVICES_INCOME, "1000.00", fund=restricted)
    grant("B", "10000.00", day, restricted=False)
    post(day, "5300", chart.BANK, "36000.00")
    post(day, "5200", chart.BANK, "12000.00")
    budget = budget_create(year=2025, title="2025", actor=None)
    budget_line_set(budget=budget, account=chart.account("5300"), amount_usd=Decimal("40000.00"), actor=None)
    budget_line_set(budget=budget, account=chart.account("5200"), amount_usd=Decimal("10000.00"), actor=None)
    return budget


def test_the_autonomy_ratio_is_own_unrestricted_income_over_total_income(year_2025):
    item = indicators_for_years(years=[2025], today=TODAY)[2025]
    # Total income 10,000 + 20,000 + 5,000 + 1,000 + 30,000 + 10,000 = 76,000;
    # own unrestricted: dues 10,000 + FI 20,000 + services 5,000 = 35,000 (restricted services out).
    assert item.total_income == Decimal("76000.00")
    assert item.own_unrestricted_income == Decimal("35000.00")
    assert item.autonomy_ratio == Decimal("0.4605")  # 35,000 / 76,000 = 0.46052…


def test_donor_concentration_is_the_largest_share_and_the_herfindahl_index(year_2025):
    item = indicators_for_years(years=[2025], today=TODAY)[2025]
    assert item.donor_income == Decimal("40000.00")
    assert item.donor_count == 2
    assert item.largest_donor_share == Decimal("0.7500")  # 30,000 / 40,000
    assert item.donor_herfindahl == Decimal("0.6250")  # 0.75² + 0.25²


def test_the_dues_collection_rate_reads_the_receivable_movements(year_2025):
    item = indicators_for_years(years=[2025], today=TODAY)[2025]
    assert item.dues_invoiced == Decimal("10000.00")
    assert item.dues_collected == Decimal("8000.00")
    assert item.dues_collection_rate == Decimal("0.8000")


def test_a_reversed_payment_no_longer_counts_as_collected(year_2025):
    payment = post(datetime.date(2025, 4, 1), chart.BANK, chart.DUES_RECEIVABLE, "1000.00")
    assert indicators_for_years(years=[2025], today=TODAY)[2025].dues_collected == Decimal("9000.00")
    journal_entry_reverse(entry=payment, reason="bounced", actor=None)
    assert indicators_for_years(years=[2025], today=TODAY)[2025].dues_collected == Decimal("8000.00")


def test_months_of_reserves_are_unrestricted_net_assets_over_average_monthly_expenses(year_2025):
    item = indicators_for_years(years=[2025], today=TODAY)[2025]
    # Unrestricted: 30,000 opening + 35,000 own + 10,000 donor B - 48,000 expenses = 27,000;
    # average monthly expenses 48,000 / 12 = 4,000 → 6.75 → 6.8 months.
    assert item.unrestricted_net_assets == Decimal("27000.00")
    assert item.average_monthly_expenses == Decimal("4000.00")
    assert item.months_of_reserves == Decimal("6.8")


def test_the_current_year_averages_expenses_over_the_months_elapsed(year_2025):
    post(datetime.date(2026, 2, 1), "5200", chart.BANK, "6000.00")
    item = indicators_for_years(years=[2025, 2026], today=TODAY)[2026]
    # June: 6 months elapsed → 1,000 a month; reserves 27,000 - 6,000 = 21,000 → 21 months.
    assert item.average_monthly_expenses == Decimal("1000.00")
    assert item.months_of_reserves == Decimal("21.0")


def test_budget_execution_per_strategic_line(year_2025):
    item = indicators_for_years(years=[2025], today=TODAY)[2025]
    execution = {row.line: row.execution for row in item.budget_execution}
    assert execution == {"product_networks": Decimal("0.9000"), "communication": Decimal("1.2000")}


def test_indicators_cost_a_fixed_number_of_queries(year_2025, django_assert_max_num_queries):
    for month in range(1, 13):
        post(datetime.date(2024, month, 5), "5500", chart.BANK, "100.00")
    with django_assert_max_num_queries(8):
        indicators_for_years(years=[2024, 2025, 2026], today=TODAY)


def test_indicators_read_again_cost_one_query_until_the_books_change(year_2025, django_assert_num_queries):
    first = indicators_for_years(years=[2025], today=TODAY)[2025]
    with django_assert_num_queries(1):  # the books' version; the figures come from the cache
        again = indicators_for_years(years=[2025], today=TODAY)[2025]
    assert again.as_dict() == first.as_dict()

    entry = post(datetime.date(2025, 5, 1), "5200", chart.BANK, "3000.00")  # a new entry: recomputed
    assert indicators_for_years(years=[2025], today=TODAY)[2025].total_expenses == first.total_expenses + 3000
    journal_entry_reverse(entry=entry, date=datetime.date(2025, 5, 2), reason="typo", actor=None)
    assert indicators_for_years(years=[2025], today=TODAY)[2025].total_expenses == first.total_expenses

    budget_line_set(budget=year_2025, account=chart.account("5200"), amount_usd=Decimal("12000.00"), actor=None)
    execution = {
        row.line: row.execution for row in indicators_for_years(years=[2025], today=TODAY)[2025].budget_execution
    }
    assert execution["communication"] == Decimal("1.0000")  # 12,000 spent of a budget now 12,000


def test_cached_indicators_name_the_strategic_lines_in_the_readers_language(year_2025):
    from django.utils import translation

    with translation.override("es"):
        spanish = {
            row.line: row.label for row in indicators_for_years(years=[2025], today=TODAY)[2025].budget_execution
        }
    with translation.override("en"):
        english = {
            row.line: row.label for row in indicators_for_years(years=[2025], today=TODAY)[2025].budget_execution
        }
    assert spanish["communication"] != english["communication"]


def test_reports_in_another_currency_use_the_rate_of_the_year_end(year_2025):
    ExchangeRate.objects.create(currency="EUR", date=datetime.date(2025, 12, 31), usd_per_unit=Decimal("1.25"))
    ExchangeRate.objects.create(currency="EUR", date=datetime.date(2025, 6, 30), usd_per_unit=Decimal("1.10"))
    item = indicators_for_years(years=[2025], today=TODAY, currency="EUR")[2025]
    # 76,000 USD / 1.25 = 60,800 EUR; 27,000 / 1.25 = 21,600; ratios unchanged.
    assert item.total_income == Decimal("60800.00")
    assert item.unrestricted_net_assets == Decimal("21600.00")
    assert item.autonomy_ratio == Decimal("0.4605")
    report = budget_vs_actual(budget=year_2025, today=TODAY, currency="EUR")
    assert report.budget_total == Decimal("40000.00")  # 50,000 / 1.25
    assert report.actual_total == Decimal("38400.00")  # 48,000 / 1.25


def test_a_report_currency_without_a_rate_is_refused_by_name(year_2025):
    with pytest.raises(ValidationError) as error:
        indicators_for_years(years=[2025], today=TODAY, currency="XOF")
    assert "XOF" in str(error.value)


def test_a_restricted_agreement_gets_its_own_fund_and_a_tranche_posts_into_it(year_2025):
    tranche = grant("C", "1234.56", datetime.date(2025, 5, 5))
    fund = tranche.agreement.fund
    assert fund.kind == Fund.Kind.RESTRICTED
    lines = sorted((line.account.code, line.fund_id, line.amount) for line in tranche.entry.lines.all())
    assert lines == [("1100", fund.pk, Decimal("1234.56")), ("4300", fund.pk, Decimal("-1234.56"))]


def test_a_tranche_received_in_another_currency_is_converted_at_its_date(db):
    ExchangeRate.objects.create(currency="EUR", date=datetime.date(2025, 5, 1), usd_per_unit=Decimal("1.0850"))
    donor = donor_create(name="UE", kind="cooperation", actor=None)
    agreement = agreement_create(
        donor=donor,
        title="P",
        currency="EUR",
        amount=Decimal("10000"),
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2025, 12, 31),
        restricted=False,
        strategic_lines=[],
        actor=None,
    )
    tranche = tranche_plan(
        agreement=agreement, expected_date=datetime.date(2025, 5, 1), expected_amount=Decimal("5000"), actor=None
    )
    received = tranche_receive(
        tranche=tranche, received_date=datetime.date(2025, 5, 3), amount=Decimal("4999.99"), currency="EUR", actor=None
    )
    # 4,999.99 x 1.085 = 5,424.989… → 5,424.99 USD.
    assert received.entry.lines.get(account__code="1100").amount_usd == Decimal("5424.99")
    with pytest.raises(ValidationError):
        tranche_receive(
            tranche=tranche, received_date=datetime.date(2025, 5, 3), amount=Decimal("1"), currency="EUR", actor=None
        )


def test_trend_bars_scale_to_the_top_and_leave_missing_years_empty():
    from finance.views.indicators import CHART_HEIGHT, trend_bars

    trend = trend_bars([(2024, Decimal("0.25")), (2025, None), (2026, Decimal("1.5"))], top=Decimal(1))
    assert [bar["height"] for bar in trend["bars"]] == [CHART_HEIGHT // 4, 0, CHART_HEIGHT]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_entry_committed_after_a_later_one_is_not_hidden_by_the_cache():
    """Ids are handed out at insert, not at commit: an entry posted first and committed last
    must still reach the next reader (the books' version counts entries, not only the newest id)."""
    import threading

    from django.core.cache import cache
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("two connections at once: PostgreSQL")
    cache.clear()
    posted, commit = threading.Event(), threading.Event()

    def slow() -> None:
        try:
            with transaction.atomic():
                post(datetime.date(2026, 3, 1), chart.BANK, chart.SERVICES_INCOME, "1000.00")
                posted.set()
                commit.wait(20)
        finally:
            connection.close()

    thread = threading.Thread(target=slow)
    thread.start()
    assert posted.wait(20)
    post(datetime.date(2026, 3, 1), chart.BANK, chart.SERVICES_INCOME, "1.00")  # a higher id, committed first
    assert indicators_for_years(years=[2026], today=TODAY)[2026].total_income == Decimal("1.00")
    commit.set()
    thread.join()

    assert indicators_for_years(years=[2026], today=TODAY)[2026].total_income == Decimal("1001.00")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_budget_change_committed_after_a_later_one_is_not_hidden_by_the_cache():
    import threading

    from django.core.cache import cache
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("two connections at once: PostgreSQL")
    cache.clear()
    post(datetime.date(2026, 3, 1), "5200", chart.BANK, "100.00")
    budget = budget_create(year=2026, title="2026", actor=None)
    budget_line_set(budget=budget, account=chart.account("5200"), amount_usd=Decimal("100.00"), actor=None)
    budget_line_set(budget=budget, account=chart.account("5300"), amount_usd=Decimal("100.00"), actor=None)
    saved, commit = threading.Event(), threading.Event()

    def slow() -> None:
        try:
            with transaction.atomic():  # saved first (an earlier updated_at), committed last
                budget_line_set(budget=budget, account=chart.account("5200"), amount_usd=Decimal("400.00"), actor=None)
                saved.set()
                commit.wait(20)
        finally:
            connection.close()

    thread = threading.Thread(target=slow)
    thread.start()
    assert saved.wait(20)
    budget_line_set(budget=budget, account=chart.account("5300"), amount_usd=Decimal("200.00"), actor=None)
    indicators_for_years(years=[2026], today=TODAY)
    commit.set()
    thread.join()

    execution = {
        row.line: row.execution for row in indicators_for_years(years=[2026], today=TODAY)[2026].budget_execution
    }
    assert execution["communication"] == Decimal("0.2500")  # 100 spent of 400
