"""The financial-sustainability indicators, per year, all read from the journal in a fixed
number of aggregate queries whatever the number of entries or years (definitions in
docs/decisions/0018-books-indicators.md):

- autonomy ratio: own unrestricted income ÷ total income. Own unrestricted income is the
  income of non-restricted funds in the categories membership dues, FI allocation, services and
  other (FI allocation counts as own: CLAC co-owns Fairtrade International);
- donor concentration: the largest donor's share of donor-grant income, and the Herfindahl
  index of the donors' shares (income not traceable to a tranche counts as one more donor);
- dues collection rate: dues collected ÷ dues invoiced in the year (invoiced: the year's dues
  income; collected: credits to dues receivable in entries that move bank or member credit);
- months of reserves: unrestricted net assets at the year's end (today for the current year)
  ÷ average monthly expenses of the year (all funds; months elapsed for the current year);
- budget execution per strategic line: actual expenses ÷ budget.

Amounts are USD; `currency` converts them at the rate of the year's end (today for the
current year), one rate lookup per year."""

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, Case, Exists, F, IntegerField, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractYear

from clac.strategic_lines import StrategicLine
from finance import chart
from finance.models import Account, Budget, BudgetLine, Fund, GrantAgreement, JournalEntry, JournalLine, Tranche
from finance.money import USD, quantize, usd_per_unit

__all__ = ["YearIndicators", "indicator_years", "indicators_for_years", "period_end"]

OWN_CATEGORIES = (
    Account.IncomeCategory.MEMBERSHIP_DUES,
    Account.IncomeCategory.FI_ALLOCATION,
    Account.IncomeCategory.SERVICES,
    Account.IncomeCategory.OTHER,
)
RATIO = Decimal("0.0001")
# The books' version is in the key (any committed change gives another), so a day only bounds
# how long figures nobody asks for stay in the cache.
INDICATORS_CACHE_SECONDS = 24 * 3600
# Part of the cache key: change it with any change to how an indicator is computed, so a deploy
# never serves figures computed by the code before it.
INDICATORS_DEFINITION = "2026-11-30"
ZERO = Decimal(0)


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """A ratio to four decimals (halves away from zero), None when the denominator is zero."""
    if not denominator:
        return None
    return (numerator / denominator).quantize(RATIO, rounding=ROUND_HALF_UP)


def period_end(*, year: int, today: datetime.date) -> datetime.date:
    """The day a year's stocks are read: 31 December, or today for the current year."""
    return min(datetime.date(year, 12, 31), today)


@dataclass
class LineExecution:
    line: str
    label: str
    budget: Decimal
    actual: Decimal
    execution: Decimal | None


@dataclass
class YearIndicators:
    year: int
    currency: str
    total_income: Decimal = ZERO
    own_unrestricted_income: Decimal = ZERO
    donor_income: Decimal = ZERO
    income_by_category: dict[str, Decimal] = field(default_factory=dict)
    total_expenses: Decimal = ZERO
    autonomy_ratio: Decimal | None = None
    largest_donor_share: Decimal | None = None
    donor_herfindahl: Decimal | None = None
    donor_count: int = 0
    dues_invoiced: Decimal = ZERO
    dues_collected: Decimal = ZERO
    dues_collection_rate: Decimal | None = None
    unrestricted_net_assets: Decimal = ZERO
    average_monthly_expenses: Decimal = ZERO
    months_of_reserves: Decimal | None = None
    budget_execution: list[LineExecution] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "currency": self.currency,
            "total_income": self.total_income,
            "own_unrestricted_income": self.own_unrestricted_income,
            "donor_income": self.donor_income,
            "total_expenses": self.total_expenses,
            "autonomy_ratio": self.autonomy_ratio,
            "largest_donor_share": self.largest_donor_share,
            "donor_herfindahl": self.donor_herfindahl,
            "donor_count": self.donor_count,
            "dues_invoiced": self.dues_invoiced,
            "dues_collected": self.dues_collected,
            "dues_collection_rate": self.dues_collection_rate,
            "unrestricted_net_assets": self.unrestricted_net_assets,
            "average_monthly_expenses": self.average_monthly_expenses,
            "months_of_reserves": self.months_of_reserves,
            "budget_execution": [
                {"strategic_line": row.line, "budget": row.budget, "actual": row.actual, "execution": row.execution}
                for row in self.budget_execution
            ],
        }


def indicator_years(*, today: datetime.date, span: int = 5) -> list[int]:
    """The years the dashboard shows: the last `span` years up to this one, from the first
    year with entries."""
    first = JournalEntry.objects.order_by("date").values_list("date", flat=True).first()
    start = max(today.year - span + 1, first.year if first else today.year)
    return list(range(start, today.year + 1))


def _books_version() -> tuple:
    """What the indicators are computed from, in one short query, such that any committed
    change to it gives another version — whatever order concurrent transactions commit in:

    - journal entries are never changed, only added (a reversal is a new entry; database
      triggers, ADR 0010): their count and newest id. The count matters: ids are handed out at
      insert, not at commit, so an entry committed after a higher one leaves the newest id as
      it was, but not the count;
    - budgets, accounts, funds, agreements and tranches change in place: on PostgreSQL their
      row count and the sum of their rows' `xmin` (the transaction that wrote each row version:
      every committed insert, update or delete changes the sum, in whatever order); elsewhere
      (SQLite, the demo: one writer at a time) their count and latest `updated_at`."""
    quote = connection.ops.quote_name
    stamp = "SUM(xmin::text::bigint)" if connection.vendor == "postgresql" else "MAX(updated_at)"
    parts = ", ".join(
        f"(SELECT COUNT(*) FROM {table}), (SELECT {stamp} FROM {table})"  # noqa: S608 - model tables
        for table in (
            quote(model._meta.db_table) for model in (Budget, BudgetLine, Account, Fund, GrantAgreement, Tranche)
        )
    )
    entries = quote(JournalEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT COUNT(*) FROM {entries}), (SELECT MAX(id) FROM {entries}), {parts}")  # noqa: S608
        return tuple(cursor.fetchone())


def indicators_for_years(*, years: list[int], today: datetime.date, currency: str = USD) -> dict[int, YearIndicators]:
    """Indicators for each year (a ValidationError names a missing rate when the currency is
    not USD). Computed in USD in six aggregate queries and kept in the cache under the books'
    version (`_books_version`, one query), so a page read again before anything is posted costs
    that one query; converted after, one rate lookup per year."""
    if not years:
        return {}
    version = hashlib.sha256(repr(_books_version()).encode()).hexdigest()[:24]
    key = (
        f"finance:indicators:{INDICATORS_DEFINITION}:{','.join(map(str, sorted(years)))}:{today.isoformat()}:{version}"
    )
    result: dict[int, YearIndicators] | None = cache.get(key)
    if result is None:
        result = _indicators_usd(years=years, today=today)
        cache.set(key, result, INDICATORS_CACHE_SECONDS)
    for y, item in result.items():
        for row in item.budget_execution:  # labels in the reader's language, not the first reader's
            row.label = str(StrategicLine(row.line).label)
        if currency != USD:
            item.currency = currency
            _convert(item, rate=usd_per_unit(currency=currency, on=period_end(year=y, today=today)))
    return result


def _indicators_usd(*, years: list[int], today: datetime.date) -> dict[int, YearIndicators]:
    first, last = min(years), max(years)
    span = Q(entry__date__gte=datetime.date(first, 1, 1), entry__date__lte=datetime.date(last, 12, 31))
    restricted = Q(fund__kind=Fund.Kind.RESTRICTED)
    year = ExtractYear("entry__date")
    result = {y: YearIndicators(year=y, currency=USD) for y in years}

    # 1. One pass over the years' income, expense and net-asset lines, by year, type, income
    # category, expense line, restriction and whether the entry is dated by today: income and
    # expenses, the unrestricted movements of reserves and the actual expenses per strategic
    # line all come from these few hundred rows.
    # Grouped by the line's account and fund ids (no join to those tables: their few rows are
    # read once here and their attributes looked up in Python).
    chart_rows = list(Account.objects.values("pk", "code", "type", "income_category", "strategic_line"))
    by_code = {row["code"]: row["pk"] for row in chart_rows}
    flow_types = (Account.Type.INCOME, Account.Type.EXPENSE, Account.Type.NET_ASSETS)
    accounts = {row["pk"]: row for row in chart_rows if row["type"] in flow_types}
    restricted_funds = set(Fund.objects.filter(kind=Fund.Kind.RESTRICTED).values_list("pk", flat=True))
    flows = (
        JournalLine.objects.filter(span, account_id__in=list(accounts))
        .annotate(
            year=year,
            by_today=Case(
                When(entry__date__lte=today, then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
        )
        .values("year", "account_id", "fund_id", "by_today")
        .annotate(total=Sum("amount_usd"))
        .order_by()
    )
    movements: dict[int, Decimal] = defaultdict(lambda: ZERO)
    actual_by: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for row in flows:
        item = result.get(row["year"])
        if item is None:
            continue
        total = row["total"] or ZERO
        account = accounts[row["account_id"]]
        unrestricted = row["fund_id"] not in restricted_funds
        if unrestricted and row["by_today"]:
            movements[row["year"]] -= total
        if account["type"] == Account.Type.NET_ASSETS:
            continue
        if account["type"] == Account.Type.EXPENSE:
            item.total_expenses += total
            actual_by[(row["year"], account["strategic_line"])] += total
            continue
        income = -total
        category = account["income_category"]
        item.total_income += income
        item.income_by_category[category] = item.income_by_category.get(category, ZERO) + income
        if category == Account.IncomeCategory.DONOR_GRANTS:
            item.donor_income += income
        if category in OWN_CATEGORIES and unrestricted:
            item.own_unrestricted_income += income

    # 2. Donor income by donor (through the tranche whose entry posted it, or whose entry a
    # reversal undoes); income posted by hand without a tranche is one more "donor".
    donors = (
        JournalLine.objects.filter(span, account__income_category=Account.IncomeCategory.DONOR_GRANTS)
        .annotate(
            year=year,
            donor=Coalesce(
                "entry__tranche__agreement__donor_id",
                "entry__reverses__tranche__agreement__donor_id",
                Value(0),
                output_field=IntegerField(),
            ),
        )
        .values("year", "donor")
        .annotate(total=Sum("amount_usd"))
        .order_by()
    )
    by_donor: dict[int, list[Decimal]] = defaultdict(list)
    for row in donors:  # type: ignore[assignment]  # another values() shape than `flows`
        amount = -(row["total"] or ZERO)
        if amount > 0:
            by_donor[row["year"]].append(amount)

    # 3. Dues collected: credits to dues receivable in entries that move bank or member credit
    # (payments, credit applied, and their reversals) — not invoices, waivers or write-offs.
    cash_accounts = [by_code[code] for code in (chart.BANK, chart.MEMBER_CREDIT) if code in by_code]
    moves_cash = Exists(JournalLine.objects.filter(entry=OuterRef("entry"), account_id__in=cash_accounts))
    collected = (
        JournalLine.objects.filter(span, account_id=by_code.get(chart.DUES_RECEIVABLE, 0))
        .filter(moves_cash)
        .annotate(year=year)
        .values("year")
        .annotate(total=Sum("amount_usd"))
        .order_by()
    )
    collected_by_year = {row["year"]: -(row["total"] or ZERO) for row in collected}

    # 4. Unrestricted net assets: every movement before the first year, then per year.
    unrestricted_lines = JournalLine.objects.filter(
        account__type__in=(Account.Type.INCOME, Account.Type.EXPENSE, Account.Type.NET_ASSETS)
    ).exclude(restricted)
    opening = -(
        unrestricted_lines.filter(entry__date__lt=datetime.date(first, 1, 1)).aggregate(total=Sum("amount_usd"))[
            "total"
        ]
        or ZERO
    )

    # 5. Budgets per strategic line.
    budgets = (
        BudgetLine.objects.filter(budget__year__gte=first, budget__year__lte=last)
        .values(year=F("budget__year"), line=F("account__strategic_line"))
        .annotate(total=Sum("amount_usd"))
        .order_by()
    )
    budget_by = {(row["year"], row["line"]): row["total"] or ZERO for row in budgets}

    reserves = opening
    for y in sorted(years):
        item = result[y]
        reserves += movements.get(y, ZERO)
        item.autonomy_ratio = _ratio(item.own_unrestricted_income, item.total_income)
        shares = by_donor.get(y, [])
        donor_total = sum(shares, ZERO)
        item.donor_count = len(shares)
        if donor_total:
            item.largest_donor_share = _ratio(max(shares), donor_total)
            item.donor_herfindahl = sum(((s / donor_total) ** 2 for s in shares), ZERO).quantize(
                RATIO, rounding=ROUND_HALF_UP
            )
        item.dues_invoiced = item.income_by_category.get(Account.IncomeCategory.MEMBERSHIP_DUES, ZERO)
        item.dues_collected = collected_by_year.get(y, ZERO)
        item.dues_collection_rate = _ratio(item.dues_collected, item.dues_invoiced)
        item.unrestricted_net_assets = reserves
        months = 12 if y < today.year else today.month
        item.average_monthly_expenses = quantize(item.total_expenses / months) if months > 0 else ZERO
        if item.average_monthly_expenses > 0:
            item.months_of_reserves = (reserves / item.average_monthly_expenses).quantize(
                Decimal("0.1"), rounding=ROUND_HALF_UP
            )
        for line in StrategicLine:
            budget = budget_by.get((y, line.value), ZERO)
            actual = actual_by.get((y, line.value), ZERO)
            if budget or actual:
                item.budget_execution.append(
                    LineExecution(
                        line=line.value,
                        label=str(line.label),
                        budget=budget,
                        actual=actual,
                        execution=_ratio(actual, budget),
                    )
                )
    return result


def _convert(item: YearIndicators, *, rate: Decimal) -> None:
    """Amounts into the report currency at one rate (ratios do not change)."""

    def to(amount: Decimal) -> Decimal:
        return quantize(amount / rate)

    for name in (
        "total_income",
        "own_unrestricted_income",
        "donor_income",
        "total_expenses",
        "dues_invoiced",
        "dues_collected",
        "unrestricted_net_assets",
        "average_monthly_expenses",
    ):
        setattr(item, name, to(getattr(item, name)))
    item.income_by_category = {key: to(value) for key, value in item.income_by_category.items()}
    for row in item.budget_execution:
        row.budget, row.actual = to(row.budget), to(row.actual)
