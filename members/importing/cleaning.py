"""Checking a registry file's rows: each row's cells turned into cleaned values or (row,
column, message) errors, with the same rules the models and services apply. Never writes;
reads the reference tables (countries, products) once per import."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext_noop as _  # marks msgids: RowError translates when read

from members import rules
from members.importing.formats import PERSON_PREFIX, ImportFormat, RowError
from members.models import Affiliation, Certification, Country, Membership, Organization, Person, Product
from members.normalize import normalize_email

# An error's message: its msgid (English source, marked with gettext_noop) and parameters,
# translated when read (formats.RowError).
Message = tuple[str, dict[str, Any]]


class CellError(Exception):
    """A cell's value is refused: a msgid and its parameters (see RowError)."""

    def __init__(self, message_id: str, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(message_id)
        self.message: Message = (message_id, dict(params or {}))


# --- Cleaning cells -----------------------------------------------------------------------

_SIX_PLACES = Decimal("0.000001")
_TRUE = frozenset({"yes", "y", "true", "1", "si", "sí", "s", "sim", "oui", "x"})
_FALSE = frozenset({"no", "n", "false", "0", "non", "não", "nao"})
_email_validator = EmailValidator()
_url_validator = URLValidator()
LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)
_LANGUAGE_ALIASES = {"pt": "pt-br", "pt_br": "pt-br", "pt-BR": "pt-br", "es-419": "es"}


def clean_flo_id(value: str) -> str:
    if not rules.flo_id_is_valid(value):
        raise CellError(rules.FLO_ID_MESSAGE_ID)
    return value


def _max_length(limit: int) -> Callable[[str], str]:
    def clean(value: str) -> str:
        if len(value) > limit:
            raise CellError(
                _("At most %(limit)d characters (this has %(length)d)."), {"limit": limit, "length": len(value)}
            )
        return value

    return clean


def _choice(choices: Iterable[str], message_id: str) -> Callable[[str], str]:
    """`message_id` takes the value and the allowed values, e.g. "Unknown role %(value)s. Use
    one of: %(allowed)s." (one msgid per column, so the whole sentence is translated)."""
    allowed = frozenset(choices)

    def clean(value: str) -> str:
        lowered = value.lower()
        if lowered not in allowed:
            raise CellError(message_id, {"value": value, "allowed": ", ".join(sorted(allowed))})
        return lowered

    return clean


def clean_coordinate(value: str, *, limit: int) -> Decimal:
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise CellError(_("Write a number in decimal degrees, e.g. -11.4275.")) from None
    if not number.is_finite() or not -limit <= number <= limit:
        raise CellError(_("Must be between -%(limit)d and %(limit)d degrees."), {"limit": limit})
    # The model keeps six decimals (about 10 cm): more precision would only make re-imports
    # look like changes.
    return number.quantize(_SIX_PLACES)


def clean_year(value: str) -> int:
    try:
        year = int(value)
    except ValueError:
        raise CellError(_("Write a year with four digits, e.g. 1977.")) from None
    if not rules.FOUNDING_YEAR_MIN <= year <= rules.YEAR_MAX:
        # The bounds spelled out (not interpolated) keep the message's existing translations;
        # tests/members/test_import_rules.py fails if they drift from the rules' constants. No
        # future-year check here: the file's year is stored as given, as before.
        raise CellError(_("The year must be between 1850 and 2100."))
    return year


# Fast paths: plain addresses, which are nearly all of them, are checked with one simple
# pattern that accepts a strict subset of what Django's validators accept; anything else goes
# through Django's validators (several large patterns each, a real cost at 100,000 rows).
_SIMPLE_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_SIMPLE_DOMAIN = rf"(?:{_SIMPLE_LABEL}\.)+[a-z]{{2,24}}"
_SIMPLE_EMAIL = re.compile(rf"^[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@{_SIMPLE_DOMAIN}$")
_SIMPLE_URL = re.compile(rf"^https?://{_SIMPLE_DOMAIN}(?:/[a-zA-Z0-9._~%/-]*)?$")


def clean_url(value: str) -> str:
    if "://" not in value:
        value = f"https://{value}"
    if len(value) <= 200 and _SIMPLE_URL.match(value):
        return value
    try:
        _url_validator(value)
    except ValidationError:
        raise CellError(_("Enter a valid web address, e.g. https://www.example.org.")) from None
    if len(value) > 200:
        raise CellError(_("At most %(limit)d characters (this has %(length)d)."), {"limit": 200, "length": len(value)})
    return value


def clean_email(value: str) -> str:
    value = normalize_email(value)
    if len(value) <= 254 and _SIMPLE_EMAIL.match(value):
        return value
    try:
        _email_validator(value)
    except ValidationError:
        raise CellError(_("Enter a valid email address, e.g. name@example.org.")) from None
    if len(value) > 254:
        raise CellError(_("At most %(limit)d characters (this has %(length)d)."), {"limit": 254, "length": len(value)})
    return value


def clean_phone(value: str) -> str:
    if rules.phone_is_valid(value):  # most cells are already E.164
        return value
    phone = rules.phone_normalize(value)
    if not rules.phone_is_valid(phone):
        raise CellError(rules.PHONE_MESSAGE_ID)
    return phone


def clean_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        pass
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise CellError(_("Write the date as YYYY-MM-DD, e.g. 2024-03-01."))


def clean_bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise CellError(_("Write yes or no."))


def clean_language(value: str) -> str:
    code = _LANGUAGE_ALIASES.get(value, value.lower())
    code = _LANGUAGE_ALIASES.get(code, code)
    if code not in LANGUAGE_CODES:
        raise CellError(
            _("Unknown language %(value)s. Use one of: %(allowed)s."),
            {"value": value, "allowed": ", ".join(sorted(LANGUAGE_CODES))},
        )
    return code


# --- Reference data -----------------------------------------------------------------------


@dataclass
class References:
    """The reference tables a row is checked against, read once per import."""

    countries: dict[str, Country]
    product_ids: dict[str, int]

    @classmethod
    def load(cls) -> References:
        return cls(
            countries={c.code: c for c in Country.objects.all()},
            product_ids=dict(Product.objects.values_list("code", "id")),
        )


# --- Rows ---------------------------------------------------------------------------------


@dataclass(slots=True)
class ParsedRow:
    """A row's cleaned values, by part. Only the cells the file filled in are present: an
    empty cell never erases what the registry holds."""

    number: int
    organization: dict[str, Any] | None = None
    products: list[int] | None = None
    membership_status: str | None = None
    certification: dict[str, Any] | None = None
    person: dict[str, Any] | None = None
    affiliation: dict[str, Any] | None = None
    consent_email: bool | None = None
    # People files name the person's organization by its FLO ID.
    organization_flo_id: str | None = None
    errors: list[RowError] = field(default_factory=list)


ORGANIZATION_FIELDS = (
    "flo_id", "name", "kind", "country", "legal_name", "tax_id", "region", "locality", "latitude", "longitude",
    "founding_year", "website", "email", "phone",
)  # fmt: skip
PERSON_FIELDS = ("email", "first_name", "last_name", "phone", "preferred_language", "gender")
AFFILIATION_FIELDS = ("role", "start_date", "is_primary")


# Distinct values remembered per column (see RowCleaner._outcomes); a column of unique values
# (emails, names) starts over when it is full.
OUTCOMES_PER_COLUMN = 1024


class _OrganizationPart:
    """The outcome of a row's organization cells: cleaned values and errors, without the row
    number, so the rows of one organization in a combined file can share it."""

    __slots__ = ("cell_errors", "certification", "membership_status", "products", "split_errors", "values")

    def __init__(self, values, products, membership_status, certification, cell_errors, split_errors) -> None:
        self.values = values
        self.products = products
        self.membership_status = membership_status
        self.certification = certification
        # (column position, column, message), in header order.
        self.cell_errors = cell_errors
        # (column, message): the rules between cells.
        self.split_errors = split_errors


class RowCleaner:
    """Turns raw cells into a ParsedRow for one import format. Built once per import: the
    column-to-cleaner table and the reference data are shared by every row.

    A combined file repeats an organization's cells on the row of each of its people: when a
    row's organization cells are the previous row's, their outcome (cleaned values, errors) is
    reused, so an organization's cells are checked once per run of rows, not once per person.
    The cleaned values are shared between those rows and must not be modified."""

    def __init__(self, *, import_format: str, header: list[str], references: References) -> None:
        self.import_format = import_format
        self.header = header
        self.references = references
        countries = references.countries
        product_ids = references.product_ids

        def clean_country(value: str) -> str:
            code = value.upper()
            if code not in countries:
                raise CellError(
                    _("Unknown country code %(value)s. Use the ISO code of a CLAC country, e.g. PE, CO, MX."),
                    {"value": value},
                )
            return code

        def clean_products(value: str) -> list[int]:
            ids = []
            for code in value.split("|"):
                code = code.strip().lower()
                if not code:
                    continue
                if code not in product_ids:
                    raise CellError(
                        _("Unknown product %(value)s. Known products: %(known)s."),
                        {"value": code, "known": ", ".join(sorted(product_ids))},
                    )
                if product_ids[code] not in ids:
                    ids.append(product_ids[code])
            return ids

        org_cleaners: dict[str, Callable[[str], Any]] = {
            "flo_id": clean_flo_id,
            "name": _max_length(200),
            "kind": _choice(
                Organization.Kind.values, _("Unknown kind of organization %(value)s. Use one of: %(allowed)s.")
            ),
            "country": clean_country,
            "legal_name": _max_length(300),
            "tax_id": _max_length(40),
            "region": _max_length(100),
            "locality": _max_length(100),
            "latitude": lambda v: clean_coordinate(v, limit=90),
            "longitude": lambda v: clean_coordinate(v, limit=180),
            "products": clean_products,
            "founding_year": clean_year,
            "website": clean_url,
            "email": clean_email,
            "phone": clean_phone,
            "membership_status": _choice(
                Membership.Status.values, _("Unknown membership status %(value)s. Use one of: %(allowed)s.")
            ),
            "certification_standard": _choice(
                Certification.Standard.values,
                _("Unknown certification standard %(value)s. Use one of: %(allowed)s."),
            ),
            "certification_status": _choice(
                Certification.Status.values, _("Unknown certification status %(value)s. Use one of: %(allowed)s.")
            ),
            "cycle_start": clean_date,
            "cycle_end": clean_date,
        }
        person_cleaners: dict[str, Callable[[str], Any]] = {
            "email": clean_email,
            "first_name": _max_length(100),
            "last_name": _max_length(100),
            "phone": clean_phone,
            "preferred_language": clean_language,
            "gender": _choice(Person.Gender.values, _("Unknown gender %(value)s. Use one of: %(allowed)s.")),
            "organization_flo_id": clean_flo_id,
            "role": _choice(Affiliation.Role.values, _("Unknown role %(value)s. Use one of: %(allowed)s.")),
            "start_date": clean_date,
            "is_primary": clean_bool,
            "consent_email": clean_bool,
        }
        # For each part, its columns: (position, column name, field, cleaner).
        self._org_columns: list[tuple[int, str, str, Callable[[str], Any]]] = []
        self._person_columns: list[tuple[int, str, str, Callable[[str], Any]]] = []
        for index, name in enumerate(header):
            if import_format == ImportFormat.PEOPLE:
                if name in person_cleaners:
                    self._person_columns.append((index, name, name, person_cleaners[name]))
            elif name.startswith(PERSON_PREFIX) and import_format == ImportFormat.COMBINED:
                base = name[len(PERSON_PREFIX) :]
                if base in person_cleaners:
                    self._person_columns.append((index, name, base, person_cleaners[base]))
            elif name in org_cleaners:
                self._org_columns.append((index, name, name, org_cleaners[name]))
        self._with_organization = import_format != ImportFormat.PEOPLE
        self._with_person = import_format != ImportFormat.ORGANIZATIONS
        # Each column's recent values and their outcome (cleaned value, error): values repeat
        # down a column (countries, kinds, languages, roles, dates, first names…), so each is
        # checked once. Bounded, so memory does not grow with the file. The cleaned values are
        # shared by the rows that had the same cell (read them, never modify them).
        self._outcomes: list[dict[str, tuple[Any, Message | None]]] = [{} for _name in header]
        positions = [index for index, *_rest in self._org_columns]
        self._org_positions = positions
        # Builds the tuple in C; short rows (fewer cells than the header) go the long way.
        self._org_getter = itemgetter(*positions, positions[-1]) if positions else None
        self._org_width = max(positions) + 1 if positions else 0
        self._org_key: tuple | None = None
        self._org_part: _OrganizationPart | None = None

    def _clean_cells(self, columns, cells: list[str], values: dict[str, Any], errors: list) -> None:
        caches = self._outcomes
        size = len(cells)
        for index, column, name, cleaner in columns:
            if index >= size:
                continue
            raw = cells[index]
            if not raw:
                continue
            cache = caches[index]
            outcome = cache.get(raw)
            if outcome is None:
                value = raw.strip()
                if not value:
                    continue
                try:
                    outcome = (cleaner(value), None)
                except CellError as exc:
                    outcome = (None, exc.message)
                if len(cache) >= OUTCOMES_PER_COLUMN:
                    cache.clear()
                cache[raw] = outcome
            if outcome[1] is not None:
                errors.append((index, column, outcome[1]))
                continue
            values[name] = outcome[0]

    def clean(self, number: int, cells: list[str]) -> ParsedRow:
        row = ParsedRow(number=number)
        cell_errors: list[tuple[int, str, Message]] = []
        split_errors: list[tuple[str | None, Message]] = []
        org_part = None
        if self._with_organization:
            if len(cells) >= self._org_width and self._org_getter is not None:
                key = self._org_getter(cells)
            else:
                key = tuple(cells[i] if i < len(cells) else "" for i in self._org_positions)
            if key == self._org_key:
                org_part = self._org_part
            else:
                org_values: dict[str, Any] = {}
                org_errors: list[tuple[int, str, Message]] = []
                self._clean_cells(self._org_columns, cells, org_values, org_errors)
                if org_values:
                    org_part = self._split_organization(org_values, org_errors, {c for _i, c, _m in org_errors})
                    self._org_key, self._org_part = key, org_part
                else:
                    # Without any organization value the outcome depends on the person cells
                    # too (see _split_organization): judged below, and not shared.
                    self._org_key = self._org_part = None
                    cell_errors.extend(org_errors)
        person: dict[str, Any] = {}
        if self._with_person:
            self._clean_cells(self._person_columns, cells, person, cell_errors)
        if self._with_organization:
            if org_part is None:
                failed = {c for _i, c, _m in cell_errors}
                split_errors.extend(self._split_organization({}, [], failed).split_errors)
            else:
                if org_part.cell_errors:
                    cell_errors = [*org_part.cell_errors, *cell_errors]
                split_errors.extend(org_part.split_errors)
                row.organization = org_part.values
                row.products = org_part.products
                row.membership_status = org_part.membership_status
                row.certification = org_part.certification
        if self.import_format == ImportFormat.PEOPLE:
            self._split_person(row, person, {c for _i, c, _m in cell_errors}, split_errors, standalone=True)
        elif person:
            self._split_person(row, person, {c for _i, c, _m in cell_errors}, split_errors, standalone=False)
        if cell_errors or split_errors:
            # Errors in the order of the columns, then the rules between cells.
            cell_errors.sort(key=itemgetter(0))
            row.errors = [RowError(number, column, *message) for _index, column, message in cell_errors]
            row.errors.extend(RowError(number, column, *message) for column, message in split_errors)
        return row

    def _column(self, name: str, *, person: bool) -> str:
        if person and self.import_format == ImportFormat.COMBINED:
            return PERSON_PREFIX + name
        return name

    def _split_organization(
        self, values: dict[str, Any], cell_errors: list[tuple[int, str, Message]], failed: set[str]
    ) -> _OrganizationPart:
        """The rules between a row's organization cells; `failed` names the columns whose
        cells were refused."""
        errors: list[tuple[str | None, Message]] = []
        if not values and not failed:
            errors.append((None, (_("The row has no organization data."), {})))
            return _OrganizationPart(values, None, None, None, cell_errors, errors)
        if "flo_id" not in values and "flo_id" not in failed and not ("name" in values and "country" in values):
            errors.append(("flo_id", (_("Give the FLO ID, or the name and country, to find the organization."), {})))
        products = values.pop("products", None)
        membership_status = values.pop("membership_status", None)

        certification: dict[str, Any] | None = None
        cert_values = {
            key: values.pop(source)
            for key, source in (
                ("standard", "certification_standard"),
                ("status", "certification_status"),
                ("cycle_start", "cycle_start"),
                ("cycle_end", "cycle_end"),
            )
            if source in values
        }
        if cert_values or {"certification_status", "cycle_start", "cycle_end"} & failed:
            if "standard" not in cert_values and "certification_standard" not in failed:
                errors.append(("certification_standard", (_("Say which standard the certification is under."), {})))
            start, end = cert_values.get("cycle_start"), cert_values.get("cycle_end")
            if start and end and end <= start:
                errors.append(("cycle_end", (_("The cycle must end after it starts."), {})))
            if cert_values.get("status") == Certification.Status.CERTIFIED and not end and "cycle_end" not in failed:
                errors.append(("cycle_end", (_("A certified organization has a cycle end date."), {})))
            certification = cert_values

        latitude, longitude = values.get("latitude"), values.get("longitude")
        if not {"latitude", "longitude"} & failed:
            country = self.references.countries[values["country"]] if "country" in values else None
            problem = rules.coordinates_problem_message(country, latitude, longitude)
            if problem is not None:
                # A missing half is reported on its own column; coordinates outside the
                # country on the latitude.
                column = "longitude" if longitude is None and latitude is not None else "latitude"
                errors.append((column, problem))
        return _OrganizationPart(values, products, membership_status, certification, cell_errors, errors)

    def _split_person(
        self,
        row: ParsedRow,
        values: dict[str, Any],
        failed: set[str],
        errors: list[tuple[str | None, Message]],
        *,
        standalone: bool,
    ) -> None:
        column = self._column
        no_key = "email" not in values and "phone" not in values
        if no_key and column("email", person=True) not in failed and column("phone", person=True) not in failed:
            message = _("Give the person's email (or, failing that, phone): it is how a later import finds them.")
            errors.append((column("email", person=True), (message, {})))
        affiliation = {key: values.pop(key) for key in AFFILIATION_FIELDS if key in values}
        row.consent_email = values.pop("consent_email", None)
        flo_id = values.pop("organization_flo_id", None)
        if standalone:
            row.organization_flo_id = flo_id
            if affiliation and flo_id is None and "organization_flo_id" not in failed:
                errors.append(("organization_flo_id", (_("Say which organization (FLO ID) the role is in."), {})))
            has_organization = flo_id is not None
        else:
            has_organization = True
        if has_organization and "role" not in affiliation and column("role", person=True) not in failed:
            errors.append(
                (column("role", person=True), (_("Say what the person does in the organization (their role)."), {}))
            )
        row.affiliation = affiliation if has_organization else None
        row.person = values
