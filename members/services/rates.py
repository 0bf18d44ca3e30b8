"""Exchange rates (USD per unit of a currency on a date): added one at a time or imported from
a CSV file. Approving a yearly report converts its premium with the latest rate on or before
the year's end, so a missing rate blocks the approval until finance or M&E adds it here."""

import csv
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clac.models import User
from members.models import ExchangeRate

__all__ = [
    "RATE_IMPORT_COLUMNS",
    "RATE_IMPORT_MAX_BYTES",
    "RATE_IMPORT_MAX_ROWS",
    "RateImportResult",
    "RateRowError",
    "exchange_rate_create",
    "exchange_rates_import",
]

T = TypeVar("T")

RATE_IMPORT_COLUMNS = ("currency", "date", "usd_per_unit", "source")
RATE_IMPORT_MAX_ROWS = 5000
RATE_IMPORT_MAX_BYTES = 1024 * 1024
# ExchangeRate.usd_per_unit: max_digits=18, decimal_places=8.
_RATE_MAX = Decimal("9999999999")
_SOURCE_MAX = 100


def _clean_currency(value: str) -> str:
    code = (value or "").strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValidationError(_("Use a three-letter ISO currency code, e.g. PEN."))
    if code == "USD":
        raise ValidationError(_("USD needs no rate: amounts in USD are taken as they are."))
    return code


def _clean_date(value: datetime.date | str) -> datetime.date:
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(_("Write the date as YYYY-MM-DD, e.g. 2025-12-31.")) from None
    if value > timezone.localdate():
        raise ValidationError(_("A rate cannot be dated in the future."))
    return value


def _clean_rate(value: Decimal | str) -> Decimal:
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        # A decimal comma, as spreadsheets in Spanish, Portuguese and French write it.
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("Write the rate as a number, e.g. 0.2667.")) from None
    if not value.is_finite() or value <= 0:
        raise ValidationError(_("The rate must be more than zero."))
    if value >= _RATE_MAX or value != value.quantize(Decimal("0.00000001")):
        raise ValidationError(_("The rate must be below 10,000,000,000 with at most 8 decimals."))
    return value


def _clean_source(value: str) -> str:
    source = (value or "").strip()
    if len(source) > _SOURCE_MAX:
        raise ValidationError(_("The source can have at most %(max)s characters.") % {"max": _SOURCE_MAX})
    return source


@dataclass(frozen=True)
class _Rate:
    currency: str
    date: datetime.date
    usd_per_unit: Decimal
    source: str

    def model(self) -> ExchangeRate:
        return ExchangeRate(currency=self.currency, date=self.date, usd_per_unit=self.usd_per_unit, source=self.source)


def _clean_rate_values(
    currency: str, date: datetime.date | str, usd_per_unit: Decimal | str, source: str
) -> tuple[_Rate | None, dict[str, list[str]]]:
    """The cleaned rate, or None and every mistake by field."""
    errors: dict[str, list[str]] = {}

    def attempt(name: str, clean: Callable[[], T]) -> T | None:
        try:
            return clean()
        except ValidationError as error:
            errors.setdefault(name, []).extend(error.messages)
            return None

    code = attempt("currency", lambda: _clean_currency(currency))
    day = attempt("date", lambda: _clean_date(date))
    rate = attempt("usd_per_unit", lambda: _clean_rate(usd_per_unit))
    text = attempt("source", lambda: _clean_source(source))
    if code is None or day is None or rate is None or text is None:
        return None, errors
    return _Rate(code, day, rate, text), errors


def _taken_message(existing: ExchangeRate) -> str:
    return _("There is already a %(currency)s rate on %(date)s (%(rate)s USD).") % {
        "currency": existing.currency,
        "date": existing.date.isoformat(),
        "rate": f"{existing.usd_per_unit.normalize():f}",
    }


@transaction.atomic
def exchange_rate_create(
    *,
    actor: User | None,
    currency: str,
    date: datetime.date | str,
    usd_per_unit: Decimal | str,
    source: str = "",
) -> ExchangeRate:
    """Add the USD value of one unit of `currency` on `date`. Every mistake is reported at
    once, by field; a second rate for the same currency and date is refused (correct it in
    place is not offered: approved reports were converted with it)."""
    values, errors = _clean_rate_values(currency, date, usd_per_unit, source)
    if values is None:
        raise ValidationError(errors)
    existing = ExchangeRate.objects.filter(currency=values.currency, date=values.date).first()
    if existing is not None:
        raise ValidationError({"date": [_taken_message(existing)]})
    try:
        with transaction.atomic():
            rate = values.model()
            rate.save()
            return rate
    except IntegrityError:  # added by someone else in the meantime
        raise ValidationError({"date": [_("A rate for this currency and date was just added; reload.")]}) from None


@dataclass
class RateRowError:
    row: int  # the line in the file (the header is line 1)
    column: str
    value: str
    message: str


@dataclass
class RateImportResult:
    created: int = 0
    unchanged: int = 0  # rows identical to a rate already stored
    errors: list[RateRowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _read_rows(content: bytes) -> tuple[list[str], list[list[str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise ValidationError(_("The file is empty."))
    header = [cell.strip().lower() for cell in rows[0]]
    return header, rows[1:]


@transaction.atomic
def exchange_rates_import(*, actor: User | None, content: bytes) -> RateImportResult:
    """Import a CSV of rates (columns currency, date, usd_per_unit and optionally source;
    comma or semicolon separated). All or nothing: any row with an error and nothing is saved,
    and every error is listed by row and column. A row identical to a stored rate is counted
    as unchanged; a different rate for a stored currency and date is an error."""
    if len(content) > RATE_IMPORT_MAX_BYTES:
        raise ValidationError(_("The file is larger than 1 MB; split it."))
    header, rows = _read_rows(content)
    missing = [name for name in RATE_IMPORT_COLUMNS[:3] if name not in header]
    if missing:
        raise ValidationError(
            _("The first line must name the columns %(columns)s; missing: %(missing)s.")
            % {"columns": ", ".join(RATE_IMPORT_COLUMNS), "missing": ", ".join(missing)}
        )
    if len(rows) > RATE_IMPORT_MAX_ROWS:
        raise ValidationError(
            _("The file has %(count)s rows; import at most %(max)s at a time.")
            % {"count": len(rows), "max": RATE_IMPORT_MAX_ROWS}
        )
    if not rows:
        raise ValidationError(_("The file has no rates under its header line."))
    index = {name: header.index(name) for name in RATE_IMPORT_COLUMNS if name in header}
    result = RateImportResult()
    parsed: list[tuple[int, _Rate, str]] = []  # line, rate, the rate as written
    for number, row in enumerate(rows, start=2):
        raw = {
            name: (row[index[name]].strip() if name in index and index[name] < len(row) else "")
            for name in RATE_IMPORT_COLUMNS
        }
        blank = [name for name in RATE_IMPORT_COLUMNS[:3] if not raw[name]]
        for name in blank:
            result.errors.append(RateRowError(number, name, "", _("This cell is required.")))
        values, errors = _clean_rate_values(raw["currency"], raw["date"], raw["usd_per_unit"], raw["source"])
        for name, messages in errors.items():
            if name not in blank:
                result.errors.append(RateRowError(number, name, raw[name], " ".join(messages)))
        if values is not None and not blank:
            parsed.append((number, values, raw["usd_per_unit"]))

    # Repeats within the file, and rates already stored: one query for the whole file.
    seen: dict[tuple[str, datetime.date], int] = {}
    stored: dict[tuple[str, datetime.date], ExchangeRate] = {}
    if parsed:
        dates = [values.date for _n, values, _raw in parsed]
        stored = {
            (rate.currency, rate.date): rate
            for rate in ExchangeRate.objects.filter(
                currency__in={values.currency for _n, values, _raw in parsed},
                date__gte=min(dates),
                date__lte=max(dates),
            )
        }
    new: list[ExchangeRate] = []
    for number, values, written in parsed:
        key = (values.currency, values.date)
        if key in seen:
            result.errors.append(
                RateRowError(
                    number,
                    "date",
                    values.date.isoformat(),
                    _("Row %(row)s already gives a %(currency)s rate for this date.")
                    % {"row": seen[key], "currency": values.currency},
                )
            )
            continue
        seen[key] = number
        existing = stored.get(key)
        if existing is not None:
            if existing.usd_per_unit == values.usd_per_unit:
                result.unchanged += 1
            else:
                result.errors.append(RateRowError(number, "usd_per_unit", written, _taken_message(existing)))
            continue
        new.append(values.model())
    result.errors.sort(key=lambda error: (error.row, RATE_IMPORT_COLUMNS.index(error.column)))
    if result.errors:
        return result
    try:
        with transaction.atomic():
            ExchangeRate.objects.bulk_create(new, batch_size=1000)
    except IntegrityError:  # someone added one of these rates in the meantime
        raise ValidationError(
            _("Some of these rates were just added by someone else; import the file again.")
        ) from None
    result.created = len(new)
    return result
