"""Money rules of the finance module: amounts are Decimal with a three-letter currency, kept to
the cent, and every amount is also stored in USD at its date with the registry's exchange-rate
table (members.ExchangeRate: the latest rate on or before the date), the one source of rates."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from members.models import ExchangeRate

CENT = Decimal("0.01")
USD = "USD"


def quantize(amount: Decimal) -> Decimal:
    """Round to the cent, halves away from zero (the accountants' rule)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def usd_per_unit(*, currency: str, on: datetime.date) -> Decimal:
    """USD value of one unit of `currency` on `on`; a ValidationError naming the missing rate
    when the table has none on or before that date (add it on the exchange rates page)."""
    if currency == USD:
        return Decimal(1)
    rate = (
        ExchangeRate.objects.filter(currency=currency, date__lte=on)
        .order_by("-date")
        .values_list("usd_per_unit", flat=True)
        .first()
    )
    if rate is None:
        raise ValidationError(
            _("No exchange rate for %(currency)s on or before %(date)s: add one on the exchange rates page."),
            code="missing_rate",
            params={"currency": currency, "date": on.isoformat()},
        )
    return rate


def to_usd(*, amount: Decimal, currency: str, on: datetime.date) -> Decimal:
    return quantize(amount * usd_per_unit(currency=currency, on=on))


def from_usd(*, amount_usd: Decimal, currency: str, on: datetime.date) -> Decimal:
    """A USD amount in another currency at the rate of `on` (reports in a chosen currency)."""
    return quantize(amount_usd / usd_per_unit(currency=currency, on=on))
