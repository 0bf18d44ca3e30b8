"""The registry file formats: the columns of each (organizations, people, or both on one row),
the example rows and downloadable templates, which format a header is and whether it has the
columns the import needs, and the errors reported against a file's rows.

The package: formats (this) → reader (rows out of CSV/XLSX files) → cleaning (a row's cells
checked and cleaned) → planner (what to create or update, batch by batch) → writer (the
registry's tables written through clac.db.bulk) → pipeline (batches, the writing thread and
registry_import, the entry point)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext, gettext_lazy, gettext_noop


class ImportFormat:
    ORGANIZATIONS = "organizations"
    PEOPLE = "people"
    COMBINED = "combined"

    CHOICES = (
        (ORGANIZATIONS, gettext_lazy("Organizations")),
        (PEOPLE, gettext_lazy("People")),
        (COMBINED, gettext_lazy("Organizations with their people (one person per row)")),
    )
    VALUES = (ORGANIZATIONS, PEOPLE, COMBINED)


ORGANIZATION_COLUMNS: tuple[str, ...] = (
    "flo_id", "name", "kind", "country", "legal_name", "tax_id", "region", "locality", "latitude", "longitude",
    "products", "founding_year", "website", "email", "phone", "membership_status", "certification_standard",
    "certification_status", "cycle_start", "cycle_end",
)  # fmt: skip
PERSON_COLUMNS: tuple[str, ...] = (
    "email", "first_name", "last_name", "phone", "preferred_language", "gender", "organization_flo_id", "role",
    "start_date", "is_primary", "consent_email",
)  # fmt: skip
PERSON_PREFIX = "person_"
# A combined row is an organization and one of its people: the person's organization is the
# row's own, so organization_flo_id has no place there.
COMBINED_PERSON_COLUMNS: tuple[str, ...] = tuple(
    PERSON_PREFIX + name for name in PERSON_COLUMNS if name != "organization_flo_id"
)
COMBINED_COLUMNS: tuple[str, ...] = ORGANIZATION_COLUMNS + COMBINED_PERSON_COLUMNS

COLUMNS_BY_FORMAT: dict[str, tuple[str, ...]] = {
    ImportFormat.ORGANIZATIONS: ORGANIZATION_COLUMNS,
    ImportFormat.PEOPLE: PERSON_COLUMNS,
    ImportFormat.COMBINED: COMBINED_COLUMNS,
}

# Example rows for the downloadable templates and the documentation.
EXAMPLE_ORGANIZATION = {
    "flo_id": "2145", "name": "Cooperativa Agraria Cafetalera Pangoa", "kind": "spo", "country": "PE",
    "legal_name": "Cooperativa Agraria Cafetalera Pangoa Ltda.", "tax_id": "20131540681", "region": "Junín",
    "locality": "San Martín de Pangoa", "latitude": "-11.4275", "longitude": "-74.4886", "products": "coffee|cocoa",
    "founding_year": "1977", "website": "https://www.coopangoa.example.org", "email": "info@coopangoa.example.org",
    "phone": "+5164301234", "membership_status": "active", "certification_standard": "spo",
    "certification_status": "certified", "cycle_start": "2024-03-01", "cycle_end": "2027-02-28",
}  # fmt: skip
EXAMPLE_PERSON = {
    "email": "gerencia@coopangoa.example.org", "first_name": "Esperanza", "last_name": "Dionisio",
    "phone": "+51987654321", "preferred_language": "es", "gender": "female", "organization_flo_id": "2145",
    "role": "manager", "start_date": "2019-01-15", "is_primary": "yes", "consent_email": "yes",
}  # fmt: skip


def template_header(import_format: str) -> tuple[str, ...]:
    return COLUMNS_BY_FORMAT[import_format]


def template_example(import_format: str) -> dict[str, str]:
    if import_format == ImportFormat.ORGANIZATIONS:
        return dict(EXAMPLE_ORGANIZATION)
    if import_format == ImportFormat.PEOPLE:
        return dict(EXAMPLE_PERSON)
    example = dict(EXAMPLE_ORGANIZATION)
    example.update({PERSON_PREFIX + k: v for k, v in EXAMPLE_PERSON.items() if k != "organization_flo_id"})
    return example


def import_template_csv(import_format: str) -> bytes:
    """The header and an example row, as the downloadable template."""
    header = template_header(import_format)
    example = template_example(import_format)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerow([example.get(name, "") for name in header])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def import_template_xlsx(import_format: str) -> bytes:
    from openpyxl import Workbook

    header = template_header(import_format)
    example = template_example(import_format)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(import_format)
    sheet.append(list(header))
    sheet.append([example.get(name, "") for name in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Errors -------------------------------------------------------------------------------


# An error is kept as its English source (a msgid marked with gettext_noop) and parameters, not
# as translated text: the job page shows it in the language of whoever reads it (the job stores
# it with clac.jobs.job_error_entry), while the command and the errors CSV written by the job
# render it once, in the language active then (the starter's).


def render_message(message_id: str, params: Mapping[str, Any] | None = None) -> str:
    """A msgid and its parameters in the active language."""
    translated = gettext(message_id)
    return translated % params if params else translated


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in the file. Row numbers are the spreadsheet's: the header is row 1.
    `message_id` is the English source and `params` its parameters; `message` is the text in
    the active language."""

    row: int | None
    column: str | None
    message_id: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return render_message(self.message_id, self.params)


class FileFormatError(Exception):
    """The file cannot be read at all (wrong type, not UTF-8, no header). Raised with a msgid
    and its parameters, like RowError; str() is the English text."""

    def __init__(self, message_id: str, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(message_id % params if params else message_id)
        self.message_id = message_id
        self.params = dict(params or {})

    @property
    def message(self) -> str:
        return render_message(self.message_id, self.params)


# --- Headers --------------------------------------------------------------------------------


def detect_format(header: Iterable[str]) -> str:
    names = set(header)
    if any(name.startswith(PERSON_PREFIX) for name in names):
        return ImportFormat.COMBINED
    if "first_name" in names or "organization_flo_id" in names or ("email" in names and "name" not in names):
        return ImportFormat.PEOPLE
    return ImportFormat.ORGANIZATIONS


def check_header(header: list[str], import_format: str) -> list[RowError]:
    """Unknown or repeated columns and missing key columns, reported on row 1."""
    known = set(COLUMNS_BY_FORMAT[import_format])
    errors = []
    seen: set[str] = set()
    for name in header:
        if not name:
            continue
        if name in seen:
            errors.append(RowError(1, name, gettext_noop("The column %(column)s appears twice."), {"column": name}))
        seen.add(name)
        if name not in known:
            errors.append(
                RowError(
                    1,
                    name,
                    gettext_noop(
                        "Unknown column %(column)s for a file of %(format)s. See the template for the columns."
                    ),
                    {"column": name, "format": import_format},
                )
            )
    needs_organization_key = import_format in (ImportFormat.ORGANIZATIONS, ImportFormat.COMBINED)
    if needs_organization_key and "flo_id" not in seen and not {"name", "country"} <= seen:
        message = gettext_noop("The file needs a flo_id column, or name and country columns, to find organizations.")
        errors.append(RowError(1, None, message))
    if import_format == ImportFormat.PEOPLE and "email" not in seen and "phone" not in seen:
        errors.append(RowError(1, None, gettext_noop("The file needs an email (or phone) column to find people.")))
    return errors
