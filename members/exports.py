"""CSV and XLSX exports of the registry list. Both stream the rows of the same queryset the
list page shows (selectors.organization_list), in chunks, so memory stays flat however many
organizations match."""

import csv
import re
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from members.models import Organization

__all__ = [
    "ORGANIZATION_EXPORT_CHUNK",
    "organization_export_csv",
    "organization_export_header",
    "organization_export_rows",
    "organization_export_xlsx",
]

# Rows fetched per query; products and certifications are prefetched once per chunk.
ORGANIZATION_EXPORT_CHUNK = 2000

# Spreadsheet programs run cells starting with these as formulas ("CSV injection"). A phone
# number or a negative number is data, so "+"/"-" followed by a number is left alone.
_FORMULA_START = re.compile(r"^(?:[=@\t\r]|[+-](?![0-9 .()-]*$))")


def _safe(value: Any) -> Any:
    if isinstance(value, str) and _FORMULA_START.match(value):
        return "'" + value
    return value


def organization_export_header() -> list[str]:
    return [
        _("FLO ID"),
        _("Name"),
        _("Legal name"),
        _("Kind"),
        _("Country"),
        _("Region"),
        _("Locality"),
        _("Products"),
        _("Membership status"),
        _("Member since"),
        _("Certification standard"),
        _("Certification status"),
        _("Certification cycle end"),
        _("Website"),
        _("Email"),
        _("Phone"),
    ]


def organization_export_rows(queryset: Iterable[Organization]) -> Iterator[list[Any]]:
    """One row per organization, in the queryset's order. An organization certified under two
    standards lists both, joined by "; ", in the three certification columns."""
    for org in queryset:
        membership = getattr(org, "membership", None)
        certifications = list(org.certifications.all())
        yield [
            _safe(value)
            for value in (
                org.flo_id,
                org.name,
                org.legal_name,
                org.get_kind_display(),
                str(org.country),
                org.region,
                org.locality,
                "; ".join(str(product) for product in org.products.all()),
                membership.get_status_display() if membership is not None else "",
                membership.joined_on.isoformat() if membership is not None and membership.joined_on else "",
                "; ".join(str(cert.get_standard_display()) for cert in certifications),
                "; ".join(str(cert.get_status_display()) for cert in certifications),
                "; ".join(cert.cycle_end.isoformat() if cert.cycle_end else "—" for cert in certifications),
                org.website,
                org.email,
                org.phone,
            )
        ]


def _filename(extension: str) -> str:
    return f"clac-registry-{timezone.localdate().isoformat()}.{extension}"


class _Echo:
    """A file-like object whose write() returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def organization_export_csv(queryset) -> StreamingHttpResponse:
    """UTF-8 CSV with a byte-order mark, so Excel shows accents correctly."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(organization_export_header())
        for row in organization_export_rows(queryset.iterator(chunk_size=ORGANIZATION_EXPORT_CHUNK)):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


def organization_export_xlsx(queryset) -> FileResponse:
    """An XLSX built with openpyxl's write-only mode (rows go straight to disk, not to an
    in-memory sheet), then sent from a temporary file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Organizations")[:31])
    sheet.append(organization_export_header())
    for row in organization_export_rows(queryset.iterator(chunk_size=ORGANIZATION_EXPORT_CHUNK)):
        # XLSX cannot hold control characters (they arrive now and then from imported files).
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    # Deleted when the response is closed (FileResponse closes the file it streams).
    output = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    workbook.save(output)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=_filename("xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
