"""Reading registry files (CSV or XLSX) row by row: csv.reader over the byte stream, openpyxl
in read-only mode, so memory does not grow with the size of the file. Yields raw cells; the
checking is members.importing.cleaning's."""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import re
from collections.abc import Iterator
from typing import IO, Any

from django.utils.translation import gettext_noop

from members.importing.formats import FileFormatError

XLSX_SIGNATURE = b"PK\x03\x04"
_HEADER_CLEAN = re.compile(r"[\s\-]+")


def normalize_header(name: Any) -> str:
    """'FLO ID' → 'flo_id', ' Person-Email ' → 'person_email'."""
    text = "" if name is None else str(name)
    return _HEADER_CLEAN.sub("_", text.strip().lstrip("\ufeff").lower()).strip("_")


def is_xlsx(file: IO[bytes], filename: str = "") -> bool:
    """By extension when there is one, else by the ZIP signature XLSX files start with."""
    lowered = filename.lower()
    if lowered.endswith(".xlsx"):
        return True
    if lowered.endswith((".csv", ".txt")):
        return False
    position = file.tell()
    start = file.read(4)
    file.seek(position)
    return start == XLSX_SIGNATURE


class _BinaryReader(io.RawIOBase):
    """Lets io.TextIOWrapper decode any object with read() (Django's File, in-memory storage)."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._file.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        return size


def _text_stream(file: IO[bytes]) -> io.TextIOWrapper:
    # utf-8-sig drops the byte order mark Excel writes in front of "CSV UTF-8" files.
    return io.TextIOWrapper(io.BufferedReader(_BinaryReader(file), 1 << 16), encoding="utf-8-sig", newline="")


def _sniff_delimiter(header_line: str) -> str:
    """Spreadsheets in Spanish, Portuguese and French locales save CSV with ';' because ','
    is their decimal mark; column names contain neither, so counting them in the header is
    reliable where csv.Sniffer guesses."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _iter_csv(file: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    text = _text_stream(file)
    try:
        first = text.readline()
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            gettext_noop('The file is not UTF-8 text. In your spreadsheet, save it as "CSV UTF-8".')
        ) from exc
    if not first.strip():
        raise FileFormatError(gettext_noop("The file is empty: the first row must hold the column names."))
    reader = csv.reader(itertools.chain([first], text), delimiter=_sniff_delimiter(first))
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            gettext_noop('Row %(row)d is not UTF-8 text. In your spreadsheet, save the file as "CSV UTF-8".'),
            {"row": number + 1},
        ) from exc
    except csv.Error as exc:
        raise FileFormatError(
            gettext_noop("Row %(row)d cannot be read: %(error)s"), {"row": number + 1, "error": str(exc)}
        ) from exc


def _cell_text(value: Any) -> str:
    """An XLSX cell as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        # Spreadsheets store every number as a float: 2145.0 is the FLO ID 2145.
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _iter_xlsx(file: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # read_only streams the sheet's XML instead of building every cell in memory.
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise FileFormatError(gettext_noop("The file is not a readable XLSX workbook.")) from exc
    except Exception as exc:  # zipfile.BadZipFile and friends
        raise FileFormatError(gettext_noop("The file is not a readable XLSX workbook.")) from exc
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(v) for v in values]
    finally:
        workbook.close()


def iter_file_rows(file: IO[bytes], *, filename: str = "") -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for every row of the file, header included, streamed."""
    if is_xlsx(file, filename):
        return _iter_xlsx(file)
    return _iter_csv(file)


def count_data_rows(file: IO[bytes], *, filename: str = "") -> int | None:
    """A fast estimate of the data rows, for the progress bar; the file is rewound. CSV:
    line breaks (quoted multi-line cells make it an overestimate); XLSX: the sheet's declared
    size, when the workbook states one."""
    position = file.tell()
    try:
        if is_xlsx(file, filename):
            from openpyxl import load_workbook

            try:
                workbook = load_workbook(file, read_only=True)
                rows = workbook.worksheets[0].max_row
                workbook.close()
            except Exception:
                return None
            return max(rows - 1, 0) if rows else None
        lines = 0
        last = b""
        while chunk := file.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk
        if last and not last.endswith(b"\n"):
            lines += 1
        return max(lines - 1, 0)
    finally:
        file.seek(position)


def read_header(rows: Iterator[tuple[int, list[str]]]) -> list[str]:
    for _number, cells in rows:
        header = [normalize_header(c) for c in cells]
        while header and not header[-1]:
            header.pop()
        if header:
            return header
    raise FileFormatError(gettext_noop("The file is empty: the first row must hold the column names."))


def is_blank(cells: list[str]) -> bool:
    # One join and strip in C instead of a strip per cell.
    return not "".join(cells).strip()
