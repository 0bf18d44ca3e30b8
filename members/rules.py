"""The registry's business rules as pure functions: one rule, one place.

Models build their validators from these, services and forms call them, and the importer and
the demo seeder use the same functions, so a rule (and the message the user reads) never
differs between the dashboard, the portal, the API and a spreadsheet import. Nothing here
queries the database: callers pass plain values (and, for coordinates, anything with a
country's bounding box)."""

import datetime
import re
from decimal import Decimal
from typing import Protocol

import phonenumbers
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

__all__ = [
    "BIRTH_YEAR_MIN",
    "CERTIFICATE_FLAGGING_STATUSES",
    "E164_PATTERN",
    "FLO_ID_MESSAGE",
    "FLO_ID_MESSAGE_ID",
    "FLO_ID_PATTERN",
    "FOUNDING_YEAR_MIN",
    "KG_PER_UNIT",
    "PHONE_MESSAGE",
    "PHONE_MESSAGE_ID",
    "REPORT_FLAG_MESSAGES",
    "REPORT_YEAR_MIN",
    "YEAR_MAX",
    "CountryBox",
    "birth_year_problem",
    "certificate_change_flags",
    "certificate_flag_reason",
    "certificate_status_flags",
    "coordinates_inside",
    "coordinates_problem",
    "coordinates_problem_message",
    "flo_id_is_valid",
    "founding_year_problem",
    "phone_is_valid",
    "phone_local_to_e164",
    "phone_normalize",
    "premium_uses_problem",
    "product_line_problems",
    "report_figure_problems",
    "report_flag_message",
    "report_flags",
    "report_year_problem",
    "year_bounds",
]


# --- FLO ID -------------------------------------------------------------------------------

# The number FLOCERT gives a certified organization (1 to 7 digits; older members have short ones).
FLO_ID_PATTERN = r"^[0-9]{1,7}$"
# The msgid (English source) too, for messages stored and translated when read (the importer's).
FLO_ID_MESSAGE_ID = gettext_noop("A FLO ID is the number FLOCERT gave the organization: 1 to 7 digits, e.g. 2145.")
FLO_ID_MESSAGE = _(FLO_ID_MESSAGE_ID)
_FLO_ID = re.compile(FLO_ID_PATTERN)


def flo_id_is_valid(value: str) -> bool:
    return bool(_FLO_ID.match(value))


# --- Phones -------------------------------------------------------------------------------

# E.164: + country code and number, 8 to 16 characters; no country code starts with 0.
E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"
PHONE_MESSAGE_ID = gettext_noop(
    "Write the phone in international format: + then country code and number, e.g. +51987654321."
)
PHONE_MESSAGE = _(PHONE_MESSAGE_ID)
_E164 = re.compile(E164_PATTERN)
_NOT_DIGIT = re.compile(r"\D")


def phone_normalize(raw: str) -> str:
    """Keep + and digits: '+51 987-654-321' → '+51987654321'. A number typed without its
    country code keeps no '+', so E.164 validation refuses it rather than guessing a country
    ('987654321' must not become +98…, a number in Iran)."""
    raw = raw.strip()
    digits = _NOT_DIGIT.sub("", raw)
    if raw.startswith("+"):
        return f"+{digits}"
    if raw.startswith("00") and len(digits) > 2:
        return f"+{digits[2:]}"  # the international call prefix
    return digits


def phone_local_to_e164(raw: str, *, country_code: str) -> str | None:
    """A phone as a member typed it, in E.164. A number in international format (+ or 00)
    keeps its own country code (phone_normalize); a local one ('987 654 321', '(064) 555-123')
    takes the organization's country (ISO code, e.g. 'PE'), and is accepted only if it is a
    valid number of that country there, so a typo is not turned into someone else's number.
    '' for an empty input, None when the local number is not valid."""
    raw = raw.strip()
    if not raw:
        return ""
    if raw.startswith("+") or raw.startswith("00"):
        return phone_normalize(raw)
    try:
        number = phonenumbers.parse(raw, country_code.upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_is_valid(e164: str) -> bool:
    """Whether an already normalized phone is in E.164 (see phone_normalize)."""
    return bool(_E164.match(e164))


# --- Years --------------------------------------------------------------------------------

# The oldest Fairtrade producer organizations in the region were founded in the 19th century.
FOUNDING_YEAR_MIN = 1850
BIRTH_YEAR_MIN = 1900
# CLAC collects yearly reports from 2000 on.
REPORT_YEAR_MIN = 2000
# Storage backstop of the models' year columns; the forms and services refuse future years.
YEAR_MAX = 2100


def year_bounds(today: datetime.date, *, first: int = REPORT_YEAR_MIN) -> tuple[int, int]:
    """(first, last) year that can be reported on today: from `first` (yearly reports by
    default) to the current year, which may be reported while it runs."""
    return first, today.year


def report_year_problem(year: int, today: datetime.date) -> str | None:
    """Why a yearly report cannot be about this year, or None."""
    if year > today.year:
        return gettext("You cannot report on a year that has not started.")
    return None


def founding_year_problem(year: int, today: datetime.date) -> str | None:
    if year > today.year:
        return gettext("The founding year cannot be in the future.")
    return None


def birth_year_problem(year: int, today: datetime.date) -> str | None:
    if year > today.year:
        return gettext("The birth year cannot be in the future.")
    return None


# --- Coordinates --------------------------------------------------------------------------


class CountryBox(Protocol):
    """A country's bounding box (members.models.Country); str() gives its name."""

    min_latitude: Decimal
    max_latitude: Decimal
    min_longitude: Decimal
    max_longitude: Decimal


def coordinates_inside(box: CountryBox, latitude: Decimal, longitude: Decimal) -> bool:
    return box.min_latitude <= latitude <= box.max_latitude and box.min_longitude <= longitude <= box.max_longitude


def coordinates_problem(
    country_box: CountryBox | None, latitude: Decimal | float | None, longitude: Decimal | float | None
) -> str | None:
    """What is wrong with an organization's coordinates, translated, or None. Both are given
    or neither; given ones must fall inside the country (swapped latitude and longitude are
    the usual mistake). Without a country only the first rule applies."""
    problem = coordinates_problem_message(country_box, latitude, longitude)
    if problem is None:
        return None
    message_id, params = problem
    return gettext(message_id) % params if params else gettext(message_id)


def coordinates_problem_message(
    country_box: CountryBox | None, latitude: Decimal | float | None, longitude: Decimal | float | None
) -> tuple[str, dict[str, str]] | None:
    """coordinates_problem as its msgid (English source) and parameters, to be translated
    when read. The country goes by its stored (English) name, the same in every language."""
    if (latitude is None) != (longitude is None):
        return gettext_noop("Give both latitude and longitude, or neither."), {}
    if latitude is None or longitude is None or country_box is None:
        return None
    if coordinates_inside(country_box, Decimal(latitude), Decimal(longitude)):
        return None
    message_id = gettext_noop(
        "These coordinates fall outside %(country)s. Check that latitude and longitude are not swapped."
    )
    return message_id, {"country": getattr(country_box, "name", None) or str(country_box)}


# --- Certification ------------------------------------------------------------------------

# FLOCERT suspended or withdrew the certificate: CLAC staff must decide about the membership
# (the flag never changes the membership by itself). Values of Certification.Status.
CERTIFICATE_FLAGGING_STATUSES: frozenset[str] = frozenset({"suspended", "decertified"})


def certificate_status_flags(status: str) -> bool:
    """Whether a certificate in this status puts the membership in the staff review queue."""
    return status in CERTIFICATE_FLAGGING_STATUSES


def certificate_change_flags(*, previous_status: str | None, status: str) -> bool:
    """Whether saving a certificate with `status` (it had `previous_status`, None when new)
    flags the membership: only a change into a flagging status does, so saving the same
    suspension again adds nothing to the queue."""
    return certificate_status_flags(status) and previous_status != status


def certificate_flag_reason(standard_label: str, status_label: str) -> str:
    """The review reason written on the membership, e.g. 'Certificate (Small Producer
    Organizations) is now Suspended.'"""
    return gettext("Certificate (%(standard)s) is now %(status)s.") % {
        "standard": standard_label,
        "status": status_label,
    }


# --- Yearly report figures ----------------------------------------------------------------
# Refusals: figures that cannot be true (the service refuses them, so the portal, the API and
# any importer share them). Flags: figures that can be true but rarely are; they do not stop a
# report, they are stored with it and shown to the reviewer.

# Kilograms per unit of trade (Product.unit); a banana box is the trade's 40 lb (18.14 kg).
KG_PER_UNIT: dict[str, Decimal] = {
    "lb": Decimal("0.45359237"),
    "kg": Decimal("1"),
    "t": Decimal("1000"),
    "box": Decimal("18.14"),
}
# Premium per member above this (USD) is worth a second look: the premium is paid per unit
# sold (e.g. $0.20/lb of coffee), so even large exporters of small farms rarely pass it.
PREMIUM_PER_MEMBER_USD_UNUSUAL = Decimal("2000")
# More than this (kg per hectare, all products together) is beyond banana plantations' yields.
YIELD_KG_PER_HECTARE_UNUSUAL = Decimal("80000")
# Selling this share or more of the production on Fairtrade terms is rare (most sell a third).
FAIRTRADE_SHARE_UNUSUAL = Decimal("0.95")


def _add_problem(problems: dict[str, list[str]], field: str, message: str) -> None:
    problems.setdefault(field, []).append(message)


def report_figure_problems(
    *,
    members_total: int | None,
    members_women: int | None,
    members_youth: int | None,
    permanent_workers: int | None = None,
    hectares: Decimal | None = None,
    premium_amount: Decimal | None = None,
) -> dict[str, list[str]]:
    """What cannot be true in a report's own figures, by field."""
    problems: dict[str, list[str]] = {}
    counts = {
        "members_total": members_total,
        "members_women": members_women,
        "members_youth": members_youth,
        "permanent_workers": permanent_workers,
        "hectares": hectares,
        "premium_amount": premium_amount,
    }
    for field, value in counts.items():
        if value is not None and value < 0:
            _add_problem(problems, field, gettext("This figure cannot be negative."))
    if members_total is not None and members_total >= 0:
        if members_women is not None and members_women > members_total:
            _add_problem(
                problems,
                "members_women",
                gettext("Women members (%(women)s) cannot be more than all members (%(total)s).")
                % {"women": members_women, "total": members_total},
            )
        if members_youth is not None and members_youth > members_total:
            _add_problem(
                problems,
                "members_youth",
                gettext("Young members (%(youth)s) cannot be more than all members (%(total)s).")
                % {"youth": members_youth, "total": members_total},
            )
    return problems


def product_line_problems(
    *, produced: Decimal | None, fairtrade: Decimal | None, other: Decimal | None
) -> dict[str, list[str]]:
    """What cannot be true in one product's volumes (all in the product's unit), by field:
    negative volumes, and sales (Fairtrade and otherwise together) above the production."""
    problems: dict[str, list[str]] = {}
    volumes = {"volume_produced": produced, "volume_sold_fairtrade": fairtrade, "volume_sold_other": other}
    for field, value in volumes.items():
        if value is not None and value < 0:
            _add_problem(problems, field, gettext("Volumes cannot be negative."))
    if problems:
        return problems
    produced_, fairtrade_, other_ = (value or Decimal(0) for value in volumes.values())
    if fairtrade_ > produced_:
        _add_problem(
            problems,
            "volume_sold_fairtrade",
            gettext("Sold on Fairtrade terms (%(sold)s) is more than produced (%(produced)s).")
            % {"sold": fairtrade_, "produced": produced_},
        )
    elif fairtrade_ + other_ > produced_:
        _add_problem(
            problems,
            "volume_sold_other",
            gettext("Sold on Fairtrade terms and otherwise together (%(sold)s) is more than produced (%(produced)s).")
            % {"sold": fairtrade_ + other_, "produced": produced_},
        )
    return problems


def premium_uses_problem(*, premium_amount: Decimal | None, uses: list[Decimal | None]) -> str | None:
    """Premium uses cannot be negative nor add up to more than the premium received."""
    amounts = [amount for amount in uses if amount is not None]
    if any(amount < 0 for amount in amounts):
        return gettext("Premium use amounts cannot be negative.")
    if not amounts:
        return None
    if premium_amount is None:
        return gettext("Give the premium received before its uses.")
    total = sum(amounts, Decimal(0))
    if total > premium_amount:
        return gettext("The uses add up to %(total)s, more than the premium received (%(premium)s).") % {
            "total": f"{total:,.2f}",
            "premium": f"{premium_amount:,.2f}",
        }
    return None


# Flag codes → the message the reviewer reads (stored as code + parameters, rendered in the
# reader's language).
REPORT_FLAG_MESSAGES = {
    "premium_per_member_high": _(
        "Premium per member is %(per_member)s USD, above the usual %(limit)s USD: check the premium and the "
        "number of members."
    ),
    "premium_without_fairtrade_sales": _(
        "A premium was received but no product was sold on Fairtrade terms: check the volumes."
    ),
    "fairtrade_sales_without_premium": _(
        "Products were sold on Fairtrade terms but no premium was reported: check the premium."
    ),
    "fairtrade_share_high": _(
        "%(percent)s %% of the production was sold on Fairtrade terms, which is rare: check the volumes."
    ),
    "yield_per_hectare_high": _(
        "Production is %(per_hectare)s kg per hectare, more than any crop usually yields: check the volumes, "
        "their units and the hectares."
    ),
}


def report_flags(
    *,
    members_total: int | None,
    hectares: Decimal | None,
    premium_amount: Decimal | None,
    premium_usd: Decimal | None,
    lines: list[tuple[str, Decimal, Decimal, Decimal]],
) -> list[dict]:
    """What is possible but unusual, for the reviewer: a list of {"code", "params"}.
    `lines` are (unit, produced, fairtrade, other) in each product's unit of trade;
    `premium_usd` is the premium in USD when it can be converted (else None)."""
    flags: list[dict] = []
    if premium_usd is not None and members_total:
        per_member = premium_usd / members_total
        if per_member > PREMIUM_PER_MEMBER_USD_UNUSUAL:
            flags.append(
                {
                    "code": "premium_per_member_high",
                    "params": {"per_member": f"{per_member:,.0f}", "limit": f"{PREMIUM_PER_MEMBER_USD_UNUSUAL:,.0f}"},
                }
            )
    fairtrade_volume = sum((fairtrade for _unit, _produced, fairtrade, _other in lines), Decimal(0))
    if premium_amount and lines and fairtrade_volume == 0:
        flags.append({"code": "premium_without_fairtrade_sales", "params": {}})
    if fairtrade_volume > 0 and not premium_amount:
        flags.append({"code": "fairtrade_sales_without_premium", "params": {}})
    produced_kg = sum((produced * KG_PER_UNIT.get(unit, Decimal(1)) for unit, produced, _f, _o in lines), Decimal(0))
    fairtrade_kg = sum((fairtrade * KG_PER_UNIT.get(unit, Decimal(1)) for unit, _p, fairtrade, _o in lines), Decimal(0))
    if produced_kg > 0 and fairtrade_kg / produced_kg >= FAIRTRADE_SHARE_UNUSUAL:
        flags.append({"code": "fairtrade_share_high", "params": {"percent": f"{100 * fairtrade_kg / produced_kg:.0f}"}})
    if hectares and produced_kg / hectares > YIELD_KG_PER_HECTARE_UNUSUAL:
        flags.append({"code": "yield_per_hectare_high", "params": {"per_hectare": f"{produced_kg / hectares:,.0f}"}})
    return flags


def report_flag_message(flag: dict) -> str:
    """A stored flag in the active language (an unknown code reads as itself)."""
    template = REPORT_FLAG_MESSAGES.get(flag.get("code", ""))
    if template is None:
        return str(flag.get("code", ""))
    try:
        return str(template) % flag.get("params", {})
    except (KeyError, TypeError, ValueError):
        return str(template)
