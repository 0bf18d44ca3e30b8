"""Yearly budgets and their lines (an amount in USD per expense account)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clac.models import User
from finance.models import Account, Budget, BudgetLine
from finance.money import CENT

__all__ = ["budget_create", "budget_line_set"]


@transaction.atomic
def budget_create(*, year: int, title: str, notes: str = "", actor: User | None) -> Budget:
    errors: dict[str, list[str]] = {}
    if not 2000 <= year <= 2100:
        errors.setdefault("year", []).append(_("Enter a year between 2000 and 2100."))
    elif Budget.objects.filter(year=year).exists():
        errors.setdefault("year", []).append(_("There is already a budget for this year."))
    if errors:
        raise ValidationError(errors)
    return Budget.objects.create(year=year, title=title.strip() or _("Budget %(year)s") % {"year": year}, notes=notes)


@transaction.atomic
def budget_line_set(*, budget: Budget, account: Account, amount_usd: Decimal, actor: User | None) -> BudgetLine:
    """Set (create or change) the budget of one expense account for the year."""
    errors: dict[str, list[str]] = {}
    if account.type != Account.Type.EXPENSE:
        errors.setdefault("account", []).append(_("Budget lines are for expense accounts."))
    if amount_usd < 0:
        errors.setdefault("amount_usd", []).append(_("A budget cannot be negative."))
    elif amount_usd != amount_usd.quantize(CENT):
        errors.setdefault("amount_usd", []).append(_("Use at most two decimals."))
    if errors:
        raise ValidationError(errors)
    line = BudgetLine.objects.select_for_update().filter(budget=budget, account=account).first()
    if line is None:
        return BudgetLine.objects.create(budget=budget, account=account, amount_usd=amount_usd)
    line.amount_usd = amount_usd
    line.save(update_fields=["amount_usd", "updated_at"])
    return line
