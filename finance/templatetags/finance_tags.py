"""Template filters of the finance pages: ratios as percentages, in the reader's locale."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(value: Decimal | None) -> str:
    """0.4567 → "45.7 %" (localized); an em dash when there is no ratio."""
    if value is None or value == "":
        return "—"
    return f"{number_format(Decimal(value) * 100, decimal_pos=1)} %"


@register.filter
def money(value: Decimal | None) -> str:
    """Two decimals with the locale's grouping; an em dash for nothing."""
    if value is None or value == "":
        return "—"
    return number_format(Decimal(value), decimal_pos=2, force_grouping=True)


@register.filter
def negate(value: Decimal | None) -> Decimal | None:
    return None if value is None else -value
