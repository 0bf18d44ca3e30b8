"""Budget vs actual: per expense account of the year, the budget, the actual expenses from
the journal (all funds), the difference and the execution, with subtotals per strategic line;
in USD or another currency at the rate of the year's end (today for the current year)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.shortcuts import get_object_or_404

from clac.access import require_staff_roles
from clac.strategic_lines import StrategicLine
from finance.models import Account, Budget, JournalLine
from finance.money import USD, quantize, usd_per_unit
from finance.selectors.indicators import _ratio, period_end

__all__ = ["BudgetReport", "budget_get_for_user", "budget_list", "budget_vs_actual"]

ZERO = Decimal(0)


def budget_list() -> QuerySet[Budget]:
    return Budget.objects.annotate(total_usd=Sum("lines__amount_usd"), line_count=Count("lines")).order_by("-year")


def budget_get_for_user(*, user: Any, pk: int) -> Budget:
    require_staff_roles(user, ("admin", "finance"))
    return get_object_or_404(Budget, pk=pk)


@dataclass
class BudgetRow:
    account: Account
    budget: Decimal
    actual: Decimal

    @property
    def difference(self) -> Decimal:
        return self.budget - self.actual

    @property
    def execution(self) -> Decimal | None:
        return _ratio(self.actual, self.budget)


@dataclass
class LineGroup:
    line: str
    label: str
    rows: list[BudgetRow] = field(default_factory=list)

    @property
    def budget(self) -> Decimal:
        return sum((row.budget for row in self.rows), ZERO)

    @property
    def actual(self) -> Decimal:
        return sum((row.actual for row in self.rows), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.budget - self.actual

    @property
    def execution(self) -> Decimal | None:
        return _ratio(self.actual, self.budget)


@dataclass
class BudgetReport:
    budget: Budget
    currency: str
    rate_date: datetime.date
    groups: list[LineGroup]

    @property
    def budget_total(self) -> Decimal:
        return sum((group.budget for group in self.groups), ZERO)

    @property
    def actual_total(self) -> Decimal:
        return sum((group.actual for group in self.groups), ZERO)

    @property
    def execution(self) -> Decimal | None:
        return _ratio(self.actual_total, self.budget_total)


def budget_vs_actual(*, budget: Budget, today: datetime.date, currency: str = USD) -> BudgetReport:
    """Three queries: the budget lines, the year's expenses per account, the expense accounts."""
    year = budget.year
    budgeted = {row["account_id"]: row["amount_usd"] for row in budget.lines.values("account_id", "amount_usd")}
    actual = {
        row["account_id"]: row["total"] or ZERO
        for row in JournalLine.objects.filter(
            account__type=Account.Type.EXPENSE,
            entry__date__gte=datetime.date(year, 1, 1),
            entry__date__lte=datetime.date(year, 12, 31),
        )
        .values("account_id")
        .annotate(total=Sum("amount_usd"))
        .order_by()
    }
    rate_date = period_end(year=year, today=today)
    rate = usd_per_unit(currency=currency, on=rate_date) if currency != USD else Decimal(1)

    def to(amount: Decimal) -> Decimal:
        return amount if currency == USD else quantize(amount / rate)

    groups = {line.value: LineGroup(line=line.value, label=str(line.label)) for line in StrategicLine}
    accounts = Account.objects.filter(type=Account.Type.EXPENSE).order_by("code")
    for account in accounts:
        if account.pk not in budgeted and account.pk not in actual:
            continue
        group = groups.get(account.strategic_line)
        if group is None:
            continue
        group.rows.append(
            BudgetRow(
                account=account, budget=to(budgeted.get(account.pk, ZERO)), actual=to(actual.get(account.pk, ZERO))
            )
        )
    return BudgetReport(
        budget=budget, currency=currency, rate_date=rate_date, groups=[g for g in groups.values() if g.rows]
    )
