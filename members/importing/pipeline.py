"""Registry import: upsert organizations and people from a CSV or XLSX file; registry_import
is the entry point (the command, the background job, the benchmark).

Rows are read (reader) and checked (cleaning) one by one; valid rows are gathered into batches,
each planned (planner: what to create or update) and written (writer) in its own transaction.
A dry run goes through the same reads and checks and writes nothing. A real run commits batch
by batch: valid rows are imported, bad rows are reported and skipped, and a run cut short can
simply be repeated. Writes are audited under the importing user.

On PostgreSQL a real run started outside a transaction (the command, the background job)
also overlaps the work: while one thread writes and commits batch N on its own connection,
this thread reads, checks and plans batch N+1. Batch N+1 is planned from what the database
had before batch N, which is only right if the two batches do not share a record: each
batch knows the keys (FLO IDs, names, emails, phones) and ids it touches, and the planner
waits for the write in flight whenever the next batch looks up one of them (see
ThreadedPipeline)."""

from __future__ import annotations

import csv
import logging
import queue
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

from django.conf import settings
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from clac import plugins
from clac.db import advisory_lock
from members.importing.cleaning import ParsedRow, References, RowCleaner
from members.importing.formats import FileFormatError, ImportFormat, RowError, check_header, detect_format
from members.importing.plan import BatchPlan, Timings
from members.importing.planner import Planner
from members.importing.reader import count_data_rows, is_blank, iter_file_rows, read_header
from members.importing.writer import RegistryWriter

__all__ = ["IMPORT_BATCH_SIZE", "ImportProgress", "ImportResult", "registry_import"]

# Told to the apps listening (clac.plugins.emit) once an import has written rows.
REGISTRY_IMPORTED = "members.registry_imported"
# Held by every real import from start to end (clac.db.advisory_lock): two imports never
# interleave, so matching organizations by name and country and people by email (keys the
# database does not make unique) cannot create the same record twice.
IMPORT_LOCK = "members.registry_import"

logger = logging.getLogger(__name__)

# Big enough that each batch's statements (about thirty, whatever its size) and commit are
# amortized over many rows, small enough that a batch's records and transaction stay small
# (a few MB of Python objects; memory does not depend on the file's size).
IMPORT_BATCH_SIZE = 5000
# The result keeps this many errors in memory for display; all of them go to errors_csv().
KEPT_ERRORS = 1000
# Seconds between the threads' turns while a batch is written on a second thread (see
# _threads_take_turns_often; Python's default is 0.005).
PIPELINE_SWITCH_INTERVAL = 0.0005


class ImportProgress(Protocol):
    """What the import reports to: clac.jobs.JobProgress, or the command's printer."""

    def set_total(self, n: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def add_error(
        self, message: str, *, row: int | None = None, column: str | None = None, params: dict[str, Any] | None = None
    ) -> None:
        """`params` given (even empty): `message` is a msgid, to translate when the error is
        read (clac.jobs.JobError's convention)."""


@dataclass
class ImportResult:
    import_format: str = ""
    dry_run: bool = False
    rows: int = 0
    rows_with_errors: int = 0
    counts: Counter = field(default_factory=Counter)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    # The file could not be read to the end (not UTF-8, bad header…): see errors.
    aborted: bool = False
    # Seconds per phase: reading and checking the cells, lookups, planning, writing (in the
    # writing thread when the writes overlap the rest), and waiting for the writes.
    timings: Timings = field(default_factory=lambda: defaultdict(float))
    # Whether batches were written by a second thread while the next was planned.
    pipelined: bool = False
    _error_file: Any = None
    _error_writer: Any = None

    @property
    def rows_valid(self) -> int:
        return self.rows - self.rows_with_errors

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < KEPT_ERRORS:
            self.errors.append(error)
        if self._error_file is None:
            # Spooled: in memory while small, on disk when a broken file yields many errors.
            self._error_file = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed by close()
                max_size=1 << 20, mode="w+t", newline="", encoding="utf-8"
            )
            self._error_writer = csv.writer(self._error_file)
            self._error_writer.writerow(["row", "column", "message"])
        self._error_writer.writerow([error.row or "", error.column or "", error.message])

    def errors_csv(self) -> bytes:
        """Every error as CSV (row, column, message), with a BOM so spreadsheets read UTF-8."""
        if self._error_file is None:
            return b""
        self._error_file.seek(0)
        return ("\ufeff" + self._error_file.read()).encode("utf-8")

    def close(self) -> None:
        if self._error_file is not None:
            self._error_file.close()
            self._error_file = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": self.import_format,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "rows_valid": self.rows_valid,
            "rows_with_errors": self.rows_with_errors,
            "errors": self.error_count,
        }
        if self.aborted:
            data["aborted"] = True
        data.update(sorted(self.counts.items()))
        return data


def registry_import(
    *,
    file: IO[bytes],
    filename: str = "",
    import_format: str | None = None,
    dry_run: bool = False,
    actor=None,
    progress: ImportProgress | None = None,
    batch_size: int = IMPORT_BATCH_SIZE,
    pipeline: bool | None = None,
) -> ImportResult:
    """Import a registry file (binary, seekable). `import_format` None detects it from the
    columns. Not atomic as a whole on purpose: each batch is its own transaction (see the
    module docstring); a dry run writes nothing at all.

    `pipeline` None writes on a second thread when that is possible (PostgreSQL, a real run,
    not inside a transaction — the batches must commit for the next to see them) unless the
    IMPORT_PIPELINE setting is False; False always writes here.

    A real run holds IMPORT_LOCK throughout: a second import waits for the first to end."""
    if import_format is not None and import_format not in ImportFormat.VALUES:
        raise ValueError(f"Unknown import format {import_format!r}")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    arguments = {
        "file": file,
        "filename": filename,
        "import_format": import_format,
        "dry_run": dry_run,
        "actor": actor,
        "progress": progress,
        "batch_size": batch_size,
        "pipeline": pipeline,
    }
    if dry_run:
        return _registry_import(**arguments)
    with advisory_lock(IMPORT_LOCK):
        return _registry_import(**arguments)


def _registry_import(
    *,
    file: IO[bytes],
    filename: str,
    import_format: str | None,
    dry_run: bool,
    actor,
    progress: ImportProgress | None,
    batch_size: int,
    pipeline: bool | None,
) -> ImportResult:
    result = ImportResult(dry_run=dry_run)

    def report(error: RowError) -> None:
        result.add_error(error)
        if progress is not None:
            # The msgid and parameters: the job page shows the error in its reader's language.
            progress.add_error(error.message_id, row=error.row, column=error.column, params=error.params)

    if progress is not None:
        total = count_data_rows(file, filename=filename)
        if total is not None:
            progress.set_total(total)

    rows = iter_file_rows(file, filename=filename)
    try:
        header = read_header(rows)
    except FileFormatError as exc:
        result.aborted = True
        report(RowError(None, None, exc.message_id, exc.params))
        return result
    result.import_format = import_format or detect_format(header)
    header_errors = check_header(header, result.import_format)
    if header_errors:
        result.aborted = True
        for error in header_errors:
            report(error)
        return result

    references = References.load()
    cleaner = RowCleaner(import_format=result.import_format, header=header, references=references)
    reason = _("Imported from %(file)s") % {"file": filename or _("a registry file")}
    actor = actor if getattr(actor, "pk", None) is not None else None
    if pipeline is None:
        pipeline = settings.IMPORT_PIPELINE
    threaded = bool(pipeline) and not dry_run and connection.vendor == "postgresql" and not connection.in_atomic_block
    result.pipelined = threaded
    writer = RegistryWriter(actor=actor, reason=reason)
    pipe: Pipeline = ThreadedPipeline(writer) if threaded else Pipeline(writer)
    if threaded and progress is not None:
        # The progress counts a batch as soon as it is committed, from the writing thread
        # (not when the next batch is planned): it shows what is saved, no more, no less.
        pipe.on_written = lambda plan: progress.advance(plan.rows_read) if plan.rows_read else None
    planner = Planner(
        import_format=result.import_format,
        references=references,
        actor_id=getattr(actor, "pk", None),
        pipe=pipe,
        timings=result.timings,
    )

    def settle() -> None:
        """Account for the batches whose write has finished."""
        for plan, error in pipe.collect():
            if error is not None:
                # Another change raced this batch (e.g. the same FLO ID saved meanwhile): the
                # batch was rolled back as a whole and the rest of the file went on; importing
                # the file again completes it.
                first, last = plan.rows[0].number, plan.rows[-1].number
                logger.warning("Import batch of rows %d-%d failed: %s", first, last, error)
                result.counts.subtract(plan.tally)
                for key in [k for k, v in result.counts.items() if v <= 0]:
                    del result.counts[key]
                result.rows_with_errors += len(plan.rows) - len(plan.errors)
                message_id = gettext_noop(
                    "Rows %(first)d to %(last)d were not imported: the database refused them (%(error)s), "
                    "probably because the registry changed meanwhile. Import the file again."
                )
                params = {"first": first, "last": last, "error": error.__class__.__name__}
                report(RowError(first, None, message_id, params))
            if progress is not None and plan.rows_read and pipe.on_written is None:
                progress.advance(plan.rows_read)

    batch: list[ParsedRow] = []
    read_since_flush = 0
    clock = time.perf_counter

    def flush() -> None:
        nonlocal batch, read_since_flush
        if batch:
            plan = planner.plan(batch)
            plan.rows_read = read_since_flush
            result.counts.update(plan.tally)
            result.rows_with_errors += len(plan.errors)
            for error in plan.errors:
                report(error)
            if dry_run:
                if progress is not None:
                    progress.advance(read_since_flush)
            else:
                preparing_since = clock()
                writer.prepare(plan)
                result.timings["preparing writes"] += clock() - preparing_since
                pipe.submit(plan)
            settle()
        elif progress is not None and read_since_flush:
            progress.advance(read_since_flush)
        batch = []
        read_since_flush = 0

    with _threads_take_turns_often(threaded):
        try:
            try:
                reading_since = clock()
                for number, cells in rows:
                    if is_blank(cells):
                        continue
                    result.rows += 1
                    read_since_flush += 1
                    parsed = cleaner.clean(number, cells)
                    if parsed.errors:
                        result.rows_with_errors += 1
                        for error in parsed.errors:
                            report(error)
                        continue
                    # A full batch is written before the next organization starts, so the rows of
                    # one organization (consecutive in a combined file) are compared and written
                    # together.
                    if len(batch) >= batch_size and (
                        len(batch) >= 2 * batch_size or not _same_organization(batch[-1], parsed)
                    ):
                        result.timings["reading and checking"] += clock() - reading_since
                        flush()
                        reading_since = clock()
                    batch.append(parsed)
                result.timings["reading and checking"] += clock() - reading_since
            except FileFormatError as exc:
                result.aborted = True
                report(RowError(None, None, exc.message_id, exc.params))
            flush()
            pipe.finish()
            settle()
        finally:
            pipe.close()
            for phase, seconds in writer.timings.items():
                result.timings[phase] += seconds
            if pipe.waited:
                result.timings["waiting for writes"] += pipe.waited
    if progress is not None:
        # The estimate counted line breaks; the rows actually read are the exact total.
        progress.set_total(result.rows)
    logger.info(
        "Registry import of %s (%s, dry run %s): %d rows, %d with errors, %s",
        filename,
        result.import_format,
        dry_run,
        result.rows,
        result.rows_with_errors,
        dict(result.counts),
    )
    if not dry_run and result.counts:
        # Rows emit nothing one by one: the listening apps (networks' membership sync) catch
        # up with the whole registry once, as they do every night.
        plugins.emit(REGISTRY_IMPORTED)
    return result


@contextmanager
def _threads_take_turns_often(enabled: bool) -> Iterator[None]:
    """While a second thread writes, the importing thread runs Python almost without pause:
    by default it would hand the GIL over only every 5 ms, and the writing thread needs it
    for a moment each time the database answers or takes more COPY data, so the database
    would sit idle. A shorter switch interval keeps it busy.

    sys.setswitchinterval is process-wide: it only changes how often threads take turns (no
    thread's result), and is restored when the import ends. Checked with CPython 3.13 (the
    GIL build; a free-threaded build has no GIL to hand over) under Django 6.1.3."""
    if not enabled:
        yield
        return
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, PIPELINE_SWITCH_INTERVAL))
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def _same_organization(a: ParsedRow, b: ParsedRow) -> bool:
    if a.organization is None or b.organization is None:
        return False
    if a.organization is b.organization:
        return True
    keys = ("flo_id", "country", "name")
    return all(a.organization.get(k) == b.organization.get(k) for k in keys)


# --- Overlapping writes with the rest ---------------------------------------------------------


class Pipeline:
    """Writes each batch as it is submitted, on this thread."""

    synchronous = True

    def __init__(self, writer: RegistryWriter) -> None:
        self.writer = writer
        # Called with each batch once it is written (committed or refused), on the thread
        # that wrote it; None: the caller counts the batches when it collects them.
        self.on_written: Callable[[BatchPlan], object] | None = None
        self._finished: list[tuple[BatchPlan, Exception | None]] = []
        # Seconds the caller spent waiting for the writes.
        self.waited = 0.0

    @property
    def busy(self) -> bool:
        return False

    def touches(self, keys: set[tuple] | None = None, *, ids: set[tuple[str, int]] | None = None) -> bool:
        return False

    def submit(self, plan: BatchPlan) -> None:
        self._finished.append((plan, self.writer.write(plan)))

    def wait(self) -> None:
        """Until no batch is being written."""

    def finish(self) -> None:
        """Until every batch submitted is written."""

    def collect(self) -> list[tuple[BatchPlan, Exception | None]]:
        """The batches written since the last call, in order, with the database's refusal."""
        finished, self._finished = self._finished, []
        return finished

    def close(self) -> None:
        """Stop writing (also after an error)."""


class ThreadedPipeline(Pipeline):
    """Writes batches on a second thread, one at a time and in order, each on the thread's
    own connection and in its own transaction, while the caller plans the next.

    Batch N+1 is planned from the committed registry, i.e. without batch N while that is in
    flight. That is right only if N+1 reads nothing N writes, which the planner checks with
    touches(): before its reads, against the keys N looked up or leaves (FLO IDs, names,
    emails, phones), and after them, against the ids of the records N read; on any overlap
    it waits for N's commit (wait()) and reads again. At most one batch is in flight, so
    memory holds at most three: the one written, the one planned, the one read."""

    synchronous = False

    def __init__(self, writer: RegistryWriter) -> None:
        super().__init__(writer)
        self._language = translation.get_language()
        self._inbox: queue.Queue[BatchPlan | None] = queue.Queue(maxsize=1)
        self._lock = threading.Condition()
        self._in_flight: BatchPlan | None = None
        self._failure: BaseException | None = None
        self._thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._in_flight is not None

    def touches(self, keys: set[tuple] | None = None, *, ids: set[tuple[str, int]] | None = None) -> bool:
        with self._lock:
            plan = self._in_flight
        if plan is None:
            return False
        return bool((keys and not keys.isdisjoint(plan.touched_keys)) or (ids and not ids.isdisjoint(plan.touched_ids)))

    def submit(self, plan: BatchPlan) -> None:
        self.wait()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="registry-import-writer", daemon=True)
            self._thread.start()
        with self._lock:
            self._in_flight = plan
        self._inbox.put(plan)

    def wait(self) -> None:
        started = time.perf_counter()
        with self._lock:
            while self._in_flight is not None and self._failure is None:
                self._lock.wait()
            failure = self._failure
        self.waited += time.perf_counter() - started
        if failure is not None:
            raise failure

    def finish(self) -> None:
        self.wait()

    def collect(self) -> list[tuple[BatchPlan, Exception | None]]:
        with self._lock:
            return super().collect()

    def close(self) -> None:
        if self._thread is not None:
            self._inbox.put(None)
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        from django.db import connections

        # Messages written by this thread (review reasons, refusals) in the caller's language.
        translation.activate(self._language)
        try:
            while (plan := self._inbox.get()) is not None:
                error = self.writer.write(plan)
                if self.on_written is not None:
                    self.on_written(plan)
                with self._lock:
                    self._finished.append((plan, error))
                    self._in_flight = None
                    self._lock.notify_all()
        except BaseException as exc:  # a bug, or the connection lost: the caller raises it
            with self._lock:
                self._failure = exc
                self._in_flight = None
                self._lock.notify_all()
            # Keep taking batches so the caller's put() never blocks; they are not written.
            while self._inbox.get() is not None:
                pass
        finally:
            connections["default"].close()
