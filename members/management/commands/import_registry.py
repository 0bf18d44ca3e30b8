"""manage.py import_registry FILE [--dry-run] [--format organizations|people|combined] [--user NAME]

Imports a registry file (CSV or XLSX) synchronously with the same service as the dashboard
upload, printing progress and then every error as a table. See docs/import-format.md.

Exit status: 0 when every row was imported (or, with --dry-run, would be); 1 when rows were
refused (a dry run that found bad rows, or a real run that skipped them) or the file could not
be read at all."""

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from members.importing import IMPORT_BATCH_SIZE, ImportFormat, ImportResult, registry_import


class _Printer:
    """Progress on stderr, at most once a second, so a 100,000-row import shows it moving."""

    def __init__(self, command: BaseCommand) -> None:
        self.command = command
        self.total: int | None = None
        self.done = 0
        self.errors = 0
        self._last = 0.0

    def set_total(self, n: int) -> None:
        self.total = n

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._last >= 1.0 or (self.total is not None and self.done >= self.total):
            self._last = now
            of_total = f" / {self.total:,}" if self.total is not None else ""
            self.command.stderr.write(f"  {self.done:,}{of_total} rows read, {self.errors:,} errors")

    def add_error(
        self, message: str, *, row: int | None = None, column: str | None = None, params: dict[str, Any] | None = None
    ) -> None:
        self.errors += 1


class Command(BaseCommand):
    help = "Import organizations and/or people from a CSV or XLSX file (see docs/import-format.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV (UTF-8, ',' or ';') or XLSX file.")
        parser.add_argument("--dry-run", action="store_true", help="Check every row and report; write nothing.")
        parser.add_argument(
            "--format",
            choices=ImportFormat.VALUES,
            default=None,
            help="What the rows are (default: detected from the column names).",
        )
        parser.add_argument("--user", default="", help="Username the changes are attributed to in the history.")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="Language of the error messages.",
        )
        parser.add_argument("--batch-size", type=int, default=IMPORT_BATCH_SIZE, help="Rows per transaction.")

    def handle(self, *args, file: Path, dry_run: bool, format: str | None, user: str, language: str, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user named {user!r}.")

        printer = _Printer(self)
        started = time.monotonic()
        with translation.override(language), file.open("rb") as handle:
            result = registry_import(
                file=handle,
                filename=file.name,
                import_format=format,
                dry_run=dry_run,
                actor=actor,
                progress=printer,
                batch_size=options["batch_size"],
            )
        try:
            self._report(result, time.monotonic() - started)
        finally:
            result.close()
        if result.aborted:
            raise CommandError("The file could not be imported (see the errors above); nothing was written.")
        if result.rows_with_errors:
            if dry_run:
                raise CommandError(f"Dry run: {result.rows_with_errors:,} rows have errors; nothing was written.")
            raise CommandError(
                f"{result.rows_with_errors:,} rows were not imported (see the errors above); "
                f"the other {result.rows_valid:,} rows were."
            )

    def _report(self, result: ImportResult, seconds: float) -> None:
        if result.errors:
            self.stdout.write("")
            self.stdout.write(f"{'row':>7}  {'column':<24}  message")
            self.stdout.write(f"{'-' * 7}  {'-' * 24}  {'-' * 40}")
            for error in result.errors:
                row = str(error.row) if error.row is not None else "-"
                self.stdout.write(f"{row:>7}  {error.column or '-':<24}  {error.message}")
            if result.error_count > len(result.errors):
                self.stdout.write(f"… and {result.error_count - len(result.errors):,} more errors.")
        self.stdout.write("")
        mode = "Dry run (nothing written)" if result.dry_run else "Imported"
        self.stdout.write(
            f"{mode}: {result.import_format or '?'} file, {result.rows:,} rows, {result.rows_valid:,} valid, "
            f"{result.rows_with_errors:,} with errors, in {seconds:.1f} s."
        )
        for key, value in sorted(result.counts.items()):
            label = key.replace("_", " ")
            if result.dry_run:
                label = f"{label} (would be)"
            self.stdout.write(f"  {label}: {value:,}")
