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
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

__all__ = [
    "BIRTH_YEAR_MIN",
    "CERTIFICATE_FLAGGING_STATUSES",
    "E164_PATTERN",
    "FLO_ID_MESSAGE",
    "FLO_ID_PATTERN",
    "FOUNDING_YEAR_MIN",
    "PHONE_MESSAGE",
    "REPORT_YEAR_MIN",
    "YEAR_MAX",
    "CountryBox",
    "birth_year_problem",
    "certificate_change_flags",
    "certificate_flag_reason",
    "certificate_status_flags",
    "coordinates_inside",
    "coordinates_problem",
    "flo_id_is_valid",
    "founding_year_problem",
    "phone_is_valid",
    "phone_local_to_e164",
    "phone_normalize",
    "report_year_problem",
    "year_bounds",
]


# --- FLO ID -------------------------------------------------------------------------------

# The number FLOCERT gives a certified organization (1 to 7 digits; older members have short ones).
FLO_ID_PATTERN = r"^[0-9]{1,7}$"
FLO_ID_MESSAGE = _("A FLO ID is the number FLOCERT gave the organization: 1 to 7 digits, e.g. 2145.")
_FLO_ID = re.compile(FLO_ID_PATTERN)


def flo_id_is_valid(value: str) -> bool:
    return bool(_FLO_ID.match(value))


# --- Phones -------------------------------------------------------------------------------

# E.164: + country code and number, 8 to 16 characters; no country code starts with 0.
E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"
PHONE_MESSAGE = _("Write the phone in international format: + then country code and number, e.g. +51987654321.")
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
    if (latitude is None) != (longitude is None):
        return gettext("Give both latitude and longitude, or neither.")
    if latitude is None or longitude is None or country_box is None:
        return None
    if coordinates_inside(country_box, Decimal(latitude), Decimal(longitude)):
        return None
    return gettext("These coordinates fall outside %(country)s. Check that latitude and longitude are not swapped.") % {
        "country": country_box
    }


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
