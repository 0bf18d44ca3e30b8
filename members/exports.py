"""CSV and XLSX exports of the registry list and of the people directory. Each streams the
rows of the same queryset its list page shows (selectors.organization_list,
selectors.person_list), in chunks, so memory stays flat however many rows match.

Cells are typed: dates are dates and numbers are numbers in the XLSX (ISO dates in the CSV).
The FLO ID is an identifier, so it stays text (exactly as FLOCERT writes it: no leading zeros
added, no thousands separator, no "2.145" in a Spanish spreadsheet); a "FLO ID (number)"
column beside it sorts numerically (127 before 12649), since sorting the text column would
put "127" after "12649". The XLSX has column widths, a frozen header row and an autofilter.

The exports stream from the request (a 10,000-organization XLSX takes a few seconds); there
is no background export job to follow, so none is added here."""

import csv
import datetime
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from members.models import Consent, Organization, Person

__all__ = [
    "ORGANIZATION_EXPORT_CHUNK",
    "Column",
    "organization_export_columns",
    "organization_export_csv",
    "organization_export_header",
    "organization_export_rows",
    "organization_export_xlsx",
    "person_export_columns",
    "person_export_csv",
    "person_export_rows",
    "person_export_xlsx",
]

# Rows fetched per query; products and certifications are prefetched once per chunk.
ORGANIZATION_EXPORT_CHUNK = 2000

# Spreadsheet programs run cells starting with these as formulas ("CSV injection"). A phone
# number or a negative number is data, so "+"/"-" followed by a number is left alone.
_FORMULA_START = re.compile(r"^(?:[=@\t\r]|[+-](?![0-9 .()-]*$))")
_DATE_FORMAT = "yyyy-mm-dd"


@dataclass(frozen=True)
class Column:
    header: str
    width: int  # in characters, for the XLSX
    number_format: str = ""  # for typed cells (dates); "" leaves the default


def _safe(value: Any) -> Any:
    if isinstance(value, str) and _FORMULA_START.match(value):
        return "'" + value
    return value


def _flo_number(flo_id: str) -> int | None:
    return int(flo_id) if flo_id.isdigit() else None


# --- Organizations -------------------------------------------------------------------------


def organization_export_columns() -> list[Column]:
    return [
        Column(_("FLO ID"), 9),
        Column(_("FLO ID (number)"), 9),
        Column(_("Name"), 40),
        Column(_("Legal name"), 45),
        Column(_("Kind"), 26),
        Column(_("Country"), 16),
        Column(_("Region"), 18),
        Column(_("Locality"), 22),
        Column(_("Products"), 24),
        Column(_("Membership status"), 14),
        Column(_("Member since"), 12, _DATE_FORMAT),
        Column(_("Certification standard"), 30),
        Column(_("Certification status"), 22),
        Column(_("Certification cycle end (soonest)"), 14, _DATE_FORMAT),
        Column(_("Website"), 30),
        Column(_("Email"), 30),
        Column(_("Phone"), 16),
    ]


def organization_export_header() -> list[str]:
    return [column.header for column in organization_export_columns()]


def organization_export_rows(queryset: Iterable[Organization]) -> Iterator[list[Any]]:
    """One row per organization, in the queryset's order. An organization certified under two
    standards lists both, joined by "; ", in the standard and status columns; the cycle end
    is the soonest of them (the date to act on), as a date."""
    for org in queryset:
        membership = getattr(org, "membership", None)
        certifications = list(org.certifications.all())
        cycle_ends = [cert.cycle_end for cert in certifications if cert.cycle_end]
        yield [
            _safe(value)
            for value in (
                org.flo_id,
                _flo_number(org.flo_id),
                org.name,
                org.legal_name,
                org.get_kind_display(),
                str(org.country),
                org.region,
                org.locality,
                "; ".join(str(product) for product in org.products.all()),
                membership.get_status_display() if membership is not None else "",
                membership.joined_on if membership is not None else None,
                "; ".join(str(cert.get_standard_display()) for cert in certifications),
                "; ".join(str(cert.get_status_display()) for cert in certifications),
                min(cycle_ends) if cycle_ends else None,
                org.website,
                org.email,
                org.phone,
            )
        ]


def organization_export_csv(queryset) -> StreamingHttpResponse:
    rows = organization_export_rows(queryset.iterator(chunk_size=ORGANIZATION_EXPORT_CHUNK))
    return _csv_response(organization_export_columns(), rows, _filename("registry", "csv"))


def organization_export_xlsx(queryset) -> FileResponse:
    rows = organization_export_rows(queryset.iterator(chunk_size=ORGANIZATION_EXPORT_CHUNK))
    return _xlsx_response(_("Organizations"), organization_export_columns(), rows, _filename("registry", "xlsx"))


# --- People --------------------------------------------------------------------------------


def person_export_columns(*, personal_data: bool) -> list[Column]:
    """The people export's columns; emails, phones and consents only with `personal_data`
    (members.selectors.person_personal_data_visible decides who)."""
    columns = [
        Column(_("Last name"), 22),
        Column(_("First name"), 20),
        Column(_("Current organizations and roles"), 60),
        Column(_("FLO IDs"), 12),
        Column(_("Countries"), 16),
        Column(_("Preferred language"), 12),
        Column(_("Gender"), 10),
    ]
    if personal_data:
        columns += [
            Column(_("Email"), 30),
            Column(_("Second email"), 30),
            Column(_("Phone"), 16),
            Column(_("Agrees to email"), 10),
        ]
    return columns


def person_export_rows(queryset: Iterable[Person], *, personal_data: bool) -> Iterator[list[Any]]:
    """One row per person, in the queryset's order; the current affiliations come prefetched
    (`current_affiliations`, with the organization and its country), and the email consents
    too when personal data is exported."""
    yes, no = _("Yes"), _("No")
    for person in queryset:
        affiliations = list(getattr(person, "current_affiliations", []))
        row: list[Any] = [
            person.last_name,
            person.first_name,
            "; ".join(f"{a.organization.name} ({a.get_role_display()})" for a in affiliations),
            "; ".join(dict.fromkeys(a.organization.flo_id for a in affiliations if a.organization.flo_id)),
            "; ".join(dict.fromkeys(str(a.organization.country) for a in affiliations)),
            person.get_preferred_language_display() if person.preferred_language else "",
            person.get_gender_display() if person.gender else "",
        ]
        if personal_data:
            consent = next(iter(getattr(person, "email_consents", [])), None)
            row += [
                person.email,
                person.email_secondary,
                person.phone,
                "" if consent is None else (yes if consent.granted else no),
            ]
        yield [_safe(value) for value in row]


def _people_for_export(queryset, *, personal_data: bool):

    if personal_data:
        queryset = queryset.prefetch_related(
            Prefetch(
                "consents", queryset=Consent.objects.filter(channel=Consent.Channel.EMAIL), to_attr="email_consents"
            )
        )
    return queryset.iterator(chunk_size=ORGANIZATION_EXPORT_CHUNK)


def person_export_csv(queryset, *, personal_data: bool) -> StreamingHttpResponse:
    rows = person_export_rows(_people_for_export(queryset, personal_data=personal_data), personal_data=personal_data)
    return _csv_response(person_export_columns(personal_data=personal_data), rows, _filename("people", "csv"))


def person_export_xlsx(queryset, *, personal_data: bool) -> FileResponse:
    rows = person_export_rows(_people_for_export(queryset, personal_data=personal_data), personal_data=personal_data)
    columns = person_export_columns(personal_data=personal_data)
    return _xlsx_response(_("People"), columns, rows, _filename("people", "xlsx"))


# --- Writers -------------------------------------------------------------------------------


def _filename(what: str, extension: str) -> str:
    return f"clac-{what}-{timezone.localdate().isoformat()}.{extension}"


class _Echo:
    """A file-like object whose write() returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _csv_response(columns: Sequence[Column], rows: Iterator[list[Any]], filename: str) -> StreamingHttpResponse:
    """UTF-8 CSV with a byte-order mark, so Excel shows accents correctly."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow([column.header for column in columns])
        for row in rows:
            yield writer.writerow([_csv_value(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_response(title: str, columns: Sequence[Column], rows: Iterator[list[Any]], filename: str) -> FileResponse:
    """An XLSX built with openpyxl's write-only mode (rows go straight to disk, not to an
    in-memory sheet), then sent from a temporary file. Widths and the frozen header must be
    set before the first row in write-only mode; the autofilter's range once all are written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.append([column.header for column in columns])
    formats = {index: column.number_format for index, column in enumerate(columns) if column.number_format}
    count = 0
    for row in rows:
        # XLSX cannot hold control characters (they arrive now and then from imported files).
        values = [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row]
        if formats:
            values = [
                _formatted(sheet, v, formats[i]) if i in formats and v is not None else v for i, v in enumerate(values)
            ]
        sheet.append(values)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    # Deleted when the response is closed (FileResponse closes the file it streams).
    output = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    workbook.save(output)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _formatted(sheet, value: Any, number_format: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell
