"""Chart of accounts and funds kept by finance staff: new accounts and funds (the journal
itself is written only by finance.services.ledger)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from clac.models import User
from clac.strategic_lines import StrategicLine
from finance.models import Account, Fund

__all__ = ["account_create", "fund_create"]


@transaction.atomic
def account_create(
    *, code: str, name: str, type: str, income_category: str = "", strategic_line: str = "", actor: User | None
) -> Account:
    errors: dict[str, list[str]] = {}
    code = code.strip()
    if not code or not code.isdigit():
        errors.setdefault("code", []).append(_("An account code is made of digits."))
    elif Account.objects.filter(code=code).exists():
        errors.setdefault("code", []).append(_("An account with this code already exists."))
    if not name.strip():
        errors.setdefault("name", []).append(_("Name the account."))
    if type not in Account.Type.values:
        errors.setdefault("type", []).append(_("Choose the account type."))
    if type == Account.Type.INCOME and income_category not in Account.IncomeCategory.values:
        errors.setdefault("income_category", []).append(_("An income account needs an income category."))
    if type != Account.Type.INCOME and income_category:
        errors.setdefault("income_category", []).append(_("Only income accounts have an income category."))
    if type == Account.Type.EXPENSE and strategic_line not in StrategicLine.values:
        errors.setdefault("strategic_line", []).append(_("An expense account serves a strategic line."))
    if type != Account.Type.EXPENSE and strategic_line:
        errors.setdefault("strategic_line", []).append(_("Only expense accounts serve a strategic line."))
    if errors:
        raise ValidationError(errors)
    return Account.objects.create(
        code=code, name=name.strip(), type=type, income_category=income_category, strategic_line=strategic_line
    )


@transaction.atomic
def fund_create(*, name: str, kind: str, description: str = "", code: str = "", actor: User | None) -> Fund:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors.setdefault("name", []).append(_("Name the fund."))
    if kind not in Fund.Kind.values:
        errors.setdefault("kind", []).append(_("Choose the kind of fund."))
    base = slugify(code or name)[:32] or "fund"
    code = base
    number = 2
    while Fund.objects.filter(code=code).exists():
        code = f"{base}-{number}"
        number += 1
    if errors:
        raise ValidationError(errors)
    return Fund.objects.create(code=code, name=name.strip(), kind=kind, description=description.strip())
