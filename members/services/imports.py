"""Registry import: upsert organizations and people from a CSV or XLSX file.

Rows are read and checked by members.imports; this module decides, a batch of rows at a
time, what to create or update, and writes it:

- organizations are found by FLO ID, else by (country, normalized name), else created (with
  an applicant membership, or the status the file gives);
- people by email (normalized), else by phone when the row has no email;
- affiliations by (person, organization, role) among the open ones.

Each batch reads what it needs in one query per table, compares in Python (records are
plain dicts keyed by attname, not model instances: a 100,000-row file builds half a million
of them), and writes only what changed, so the import is audited under the importing user and
importing the same file twice changes nothing (no rows, no history records). A dry run goes
through the same reads and checks and writes nothing. A real run commits batch by batch:
valid rows are imported, bad rows are reported and skipped, and a run cut short can simply be
repeated.

Writing on PostgreSQL is set-based: new rows get ids reserved from their table's sequence in
one statement and go in with COPY; their history rows are then copied by the database from
the rows just written (INSERT … SELECT, the same values simple_history would write); updates
are one UPDATE … FROM unnest(arrays) per set of changed columns, followed the same way by
their history rows. Statements use server-side parameters (an array is one parameter, not
thousands). Other databases (SQLite, for the demo) write through the ORM and
simple_history's bulk helpers.

On PostgreSQL a real run started outside a transaction (the command, the background job)
also overlaps the work: while one thread writes and commits batch N on its own connection,
this thread reads, checks and plans batch N+1. Batch N+1 is planned from what the database
had before batch N, which is only right if the two batches do not share a record: each
batch knows the keys (FLO IDs, names, emails, phones) and ids it touches, and the planner
waits for the write in flight whenever the next batch looks up one of them (see
_Pipeline)."""

from __future__ import annotations

import csv
import datetime
import io
import logging
import queue
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from operator import itemgetter
from typing import IO, Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DataError, IntegrityError, OperationalError, connection, transaction
from django.db.models import JSONField
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history, get_history_model_for_model

from members.imports import (
    FileFormatError,
    ImportFormat,
    ParsedRow,
    References,
    RowCleaner,
    RowError,
    check_header,
    count_data_rows,
    detect_format,
    is_blank,
    iter_file_rows,
    outside_country_message,
    read_header,
)
from members.models import (
    Affiliation,
    Certification,
    Consent,
    Membership,
    MembershipEvent,
    Organization,
    Person,
)
from members.normalize import normalize_organization_name, normalize_person_name

__all__ = [
    "IMPORT_BATCH_SIZE",
    "ImportProgress",
    "ImportResult",
    "import_template_csv",
    "import_template_xlsx",
    "registry_import",
]

logger = logging.getLogger(__name__)

# Big enough that each batch's statements (about thirty, whatever its size) and commit are
# amortized over many rows, small enough that a batch's records and transaction stay small
# (a few MB of Python objects; memory does not depend on the file's size).
IMPORT_BATCH_SIZE = 5000
# The result keeps this many errors in memory for display; all of them go to errors_csv().
KEPT_ERRORS = 1000
# Seconds between the threads' turns while a batch is written on a second thread (see
# registry_import; Python's default is 0.005).
PIPELINE_SWITCH_INTERVAL = 0.0005

ProductThrough = Organization.products.through


class ImportProgress(Protocol):
    """What the import reports to: clac.jobs.JobProgress, or the command's printer."""

    def set_total(self, n: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def add_error(self, message: str, *, row: int | None = None, column: str | None = None) -> None: ...


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
    timings: Counter = field(default_factory=Counter)
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
    IMPORT_PIPELINE setting is False; False always writes here."""
    if import_format is not None and import_format not in ImportFormat.VALUES:
        raise ValueError(f"Unknown import format {import_format!r}")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    result = ImportResult(dry_run=dry_run)

    def report(error: RowError) -> None:
        result.add_error(error)
        if progress is not None:
            progress.add_error(error.message, row=error.row, column=error.column)

    if progress is not None:
        total = count_data_rows(file, filename=filename)
        if total is not None:
            progress.set_total(total)

    rows = iter_file_rows(file, filename=filename)
    try:
        header = read_header(rows)
    except FileFormatError as exc:
        result.aborted = True
        report(RowError(None, None, str(exc)))
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
        pipeline = getattr(settings, "IMPORT_PIPELINE", True)
    threaded = bool(pipeline) and not dry_run and connection.vendor == "postgresql" and not connection.in_atomic_block
    result.pipelined = threaded
    writer = _Writer(actor=actor, reason=reason)
    pipe: _Pipeline = _ThreadedPipeline(writer) if threaded else _Pipeline(writer)
    planner = _Planner(
        import_format=result.import_format,
        references=references,
        actor_id=getattr(actor, "pk", None),
        pipe=pipe,
        timings=result.timings,
    )

    # While a second thread writes, this one runs Python almost without pause: by default it
    # would hand the GIL over only every 5 ms, and the writing thread needs it for a moment
    # each time the database answers or takes more COPY data, so the database would sit
    # idle. A shorter interval keeps it busy (restored at the end; it only changes how
    # often threads take turns).
    switch_interval = sys.getswitchinterval()
    if threaded:
        sys.setswitchinterval(min(switch_interval, PIPELINE_SWITCH_INTERVAL))

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
                message = _(
                    "Rows %(first)d to %(last)d were not imported: the database refused them (%(error)s), "
                    "probably because the registry changed meanwhile. Import the file again."
                ) % {"first": first, "last": last, "error": error.__class__.__name__}
                report(RowError(first, None, message))
            if progress is not None and plan.rows_read:
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
            report(RowError(None, None, str(exc)))
        flush()
        pipe.finish()
        settle()
    finally:
        pipe.close()
        if threaded:
            sys.setswitchinterval(switch_interval)
        result.timings.update(writer.timings)
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
    return result


def _same_organization(a: ParsedRow, b: ParsedRow) -> bool:
    if a.organization is None or b.organization is None:
        return False
    if a.organization is b.organization:
        return True
    keys = ("flo_id", "country", "name")
    return all(a.organization.get(k) == b.organization.get(k) for k in keys)


# --- Records ------------------------------------------------------------------------------
#
# A record is a dict of a row's values by attname ("country_id", not "country"), with "id"
# None until the row is written. Records read from the database hold the columns the import
# compares (the *_LOADED tuples); new records hold every column, with the model's defaults.


class _Table:
    """What the import needs to know about a model's table, read from _meta once."""

    def __init__(self, model) -> None:
        meta = model._meta
        self.model = model
        self.name = meta.db_table
        self.fields = list(meta.concrete_fields)
        self.attnames = tuple(f.attname for f in self.fields)
        self.field = {f.attname: f for f in self.fields}
        self.column = {f.attname: f.column for f in self.fields}
        self.defaults = {
            f.attname: None if f.has_default() and callable(f.default) else f.get_default() for f in self.fields
        }
        self.callables = [(f.attname, f.default) for f in self.fields if f.has_default() and callable(f.default)]
        self.stamped = tuple(
            f.attname for f in self.fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        )
        self.auto_now = tuple(f.attname for f in self.fields if getattr(f, "auto_now", False))
        self.row = itemgetter(*self.attnames)
        self.audited = hasattr(meta, "simple_history_manager_attribute")

    def new(self, **values: Any) -> dict[str, Any]:
        if not self.callables:
            return {**self.defaults, **values}
        record = dict(self.defaults)
        for name, make in self.callables:
            record[name] = make()
        record.update(values)
        return record


_tables: dict[type, _Table] = {}


def _table(model) -> _Table:
    table = _tables.get(model)
    if table is None:
        table = _tables[model] = _Table(model)
    return table


ORGANIZATION_LOADED = (
    "id", "flo_id", "name", "kind", "country_id", "legal_name", "tax_id", "region", "locality", "latitude",
    "longitude", "founding_year", "website", "email", "phone", "normalized_name",
)  # fmt: skip
CERTIFICATION_LOADED = ("id", "organization_id", "standard", "status", "cycle_start", "cycle_end")
PERSON_LOADED = (
    "id", "email", "first_name", "last_name", "phone", "preferred_language", "gender", "normalized_name",
)  # fmt: skip
AFFILIATION_LOADED = ("id", "person_id", "organization_id", "role", "start_date", "is_primary")
CONSENT_LOADED = ("id", "person_id", "granted", "given_at", "method", "recorded_by_id")
# The file's column names that are not the attname.
_ORGANIZATION_ATTNAMES = {"country": "country_id"}


# In a combined file an organization's name repeats on each of its people's rows, and people
# share first and last names.
_organization_name_key = lru_cache(maxsize=4096)(normalize_organization_name)
_person_name_key = lru_cache(maxsize=16384)(normalize_person_name)


@dataclass(eq=False, slots=True)
class _CertState:
    record: dict
    is_new: bool
    changed: set[str] = field(default_factory=set)
    previous_status: str | None = None


@dataclass(eq=False, slots=True)
class _OrgState:
    record: dict
    is_new: bool
    changed: set[str] = field(default_factory=set)
    # The file's products (replacing the current set), or None when the file leaves them.
    products: set[int] | None = None
    current_products: set[int] | None = None
    needs_membership: bool = False
    membership_status: str = Membership.Status.APPLICANT
    certifications: dict[str, _CertState] = field(default_factory=dict)


@dataclass(eq=False, slots=True)
class _PersonState:
    record: dict
    is_new: bool
    changed: set[str] = field(default_factory=set)


@dataclass(eq=False, slots=True)
class _AffiliationState:
    record: dict
    is_new: bool
    # A new affiliation's person, and its organization when that is new in this batch too
    # (their ids are known only once they are written).
    person: dict | None = None
    organization: dict | None = None
    changed: set[str] = field(default_factory=set)


@dataclass(eq=False, slots=True)
class _ConsentState:
    record: dict
    is_new: bool
    person: dict | None = None
    changed: set[str] = field(default_factory=set)


@dataclass(eq=False)
class _BatchPlan:
    """One batch, planned: the states to write, what they count, and the keys and ids it
    touches (see _Pipeline)."""

    rows: list[ParsedRow]
    errors: list[RowError]
    org_states: list[_OrgState]
    person_states: list[_PersonState]
    affiliation_states: list[_AffiliationState]
    consent_states: list[_ConsentState]
    db_product_links: dict[tuple[int, int], int]
    tally: Counter
    consent_time: datetime.datetime
    touched_keys: set[tuple] = field(default_factory=set)
    touched_ids: set[tuple[str, int]] = field(default_factory=set)
    rows_read: int = 0
    # PostgreSQL: the writes, prepared (see _Writer.prepare).
    program: list[tuple] | None = None


# --- Reads --------------------------------------------------------------------------------


def _select(model, attnames: tuple[str, ...], filters: dict[str, Iterable], *, where: str = "", order: str = "id"):
    """Records of `model` whose columns are among the given values (one query).

    PostgreSQL: each set of values is one array parameter (`= ANY(%s)`), bound by the server,
    so the statement stays small and is planned once; `where` adds a literal condition.
    Elsewhere: the ORM's `__in`."""
    table = _table(model)
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        columns = ", ".join(quote(table.column[a]) for a in attnames)
        conditions = [f"{quote(table.column[a])} = ANY(%s)" for a in filters]
        if where:
            conditions.append(where)
        descending = order.startswith("-")
        order_by = quote(table.column[order.lstrip("-")]) + (" DESC" if descending else "")
        sql = (
            f"SELECT {columns} FROM {quote(table.name)} "  # noqa: S608 - names from _meta
            f"WHERE {' AND '.join(conditions)} ORDER BY {order_by}"
        )
        with _cursor() as cursor:
            cursor.execute(sql, [list(values) for values in filters.values()])
            return [dict(zip(attnames, row, strict=True)) for row in cursor.fetchall()]
    queryset = model._base_manager.filter(**{f"{a}__in": list(v) for a, v in filters.items()})
    if where == "end_date IS NULL":
        queryset = queryset.filter(end_date__isnull=True)
    elif where == "channel = 'email'":
        queryset = queryset.filter(channel=Consent.Channel.EMAIL)
    elif where == _HAS_FLO_ID:
        queryset = queryset.exclude(flo_id="")
    elif where:
        raise ValueError(f"Unknown condition {where!r}")
    return [dict(zip(attnames, row, strict=True)) for row in queryset.order_by(order).values_list(*attnames)]


# FLO IDs are unique only when present (a partial index): saying so lets the database use it.
_HAS_FLO_ID = "flo_id <> ''"


def _cursor():
    """A cursor over the psycopg connection with server-side parameters (Django's cursors
    bind them client-side, quoting every value of an array into the SQL text in Python),
    still wrapped by Django so the queries are logged, counted by tests and seen by execute
    wrappers."""
    from psycopg import Cursor

    connection.ensure_connection()
    return connection._prepare_cursor(Cursor(connection.connection))


# --- Planning -----------------------------------------------------------------------------


class _Planner:
    """Plans one batch at a time: reads what the batch compares against, then works out,
    row by row, what to create and change (reads only)."""

    def __init__(
        self, *, import_format: str, references: References, actor_id: int | None, pipe: _Pipeline, timings: Counter
    ) -> None:
        self.import_format = import_format
        self.references = references
        self.actor_id = actor_id
        self.pipe = pipe
        self.timings = timings
        self.with_organizations = import_format != ImportFormat.PEOPLE
        self.with_people = import_format != ImportFormat.ORGANIZATIONS
        self.organizations = _table(Organization)
        self.certifications = _table(Certification)
        self.people = _table(Person)
        self.affiliations = _table(Affiliation)
        self.consents = _table(Consent)

    def plan(self, rows: list[ParsedRow]) -> _BatchPlan:
        clock = time.perf_counter
        started = clock()
        # A combined file repeats each organization's values (one dict) on its people's rows.
        organizations = list({id(row.organization): row.organization for row in rows if row.organization}.values())
        keys: set[tuple] = set()
        if not self.pipe.synchronous:
            keys = self._lookup_keys(rows, organizations)
            if self.pipe.busy and self.pipe.touches(keys):
                self.pipe.wait()
        self._load(rows, organizations)
        if self.pipe.busy and self.pipe.touches(ids=self._loaded_ids()):
            # A record read here is being written by the batch in flight: read it again
            # once that batch is committed.
            self.pipe.wait()
            self._load(rows, organizations)
        loaded = clock()
        self.timings["lookups"] += loaded - started
        self.consent_time = timezone.now()
        errors: list[RowError] = []
        plan_row = self._plan_row
        for row in rows:
            error = plan_row(row)
            if error is not None:
                errors.append(error)
        plan = _BatchPlan(
            rows=rows,
            errors=errors,
            org_states=list(self._org_states_all()),
            person_states=list(self._person_states_all()),
            affiliation_states=list(self.affiliation_states.values()),
            consent_states=list(self.consent_states.values()),
            db_product_links=self.db_product_links,
            tally=Counter(),
            consent_time=self.consent_time,
        )
        plan.tally = _tally(plan)
        if not self.pipe.synchronous:
            plan.touched_keys, plan.touched_ids = self._touched(keys, plan)
        self.timings["planning"] += clock() - loaded
        return plan

    # -- the keys a batch reads and writes, for the pipeline --

    def _lookup_keys(self, rows: list[ParsedRow], organizations: list[dict]) -> set[tuple]:
        keys: set[tuple] = set()
        for values in organizations:
            if "flo_id" in values:
                keys.add(("flo", values["flo_id"]))
            if "name" in values and "country" in values:
                keys.add(("name", values["country"], _organization_name_key(values["name"])))
        for row in rows:
            if row.organization_flo_id:
                keys.add(("flo", row.organization_flo_id))
            person = row.person
            if person:
                if person.get("email"):
                    keys.add(("email", person["email"]))
                if person.get("phone"):
                    keys.add(("phone", person["phone"]))
        return keys

    def _loaded_ids(self) -> set[tuple[str, int]]:
        ids = {("org", record["id"]) for record in self.db_org_by_flo.values()}
        ids.update(("org", record["id"]) for records in self.db_org_by_name.values() for record in records)
        ids.update(("person", record["id"]) for record in self.db_person_by_email.values())
        ids.update(("person", record["id"]) for records in self.db_person_by_phone.values() for record in records)
        return ids

    def _touched(self, keys: set[tuple], plan: _BatchPlan) -> tuple[set[tuple], set[tuple[str, int]]]:
        """Every key the batch looked up (`keys`) or leaves on a record, and the ids of the
        existing records it read: a later batch that looks up any of them must wait for this
        one."""
        keys = set(keys)
        ids = self._loaded_ids()
        for state in plan.org_states:
            record = state.record
            if record["flo_id"]:
                keys.add(("flo", record["flo_id"]))
            keys.add(("name", record["country_id"], record["normalized_name"]))
            if record["id"] is not None:
                ids.add(("org", record["id"]))
        for state in plan.person_states:
            record = state.record
            if record["email"]:
                keys.add(("email", record["email"]))
            if record["phone"]:
                keys.add(("phone", record["phone"]))
            if record["id"] is not None:
                ids.add(("person", record["id"]))
        return keys, ids

    # -- reads --

    def _load(self, rows: list[ParsedRow], organizations: list[dict]) -> None:
        """Everything the batch compares against, one query per table. `organizations`: the
        rows' distinct organization values."""
        self.org_states: dict[int, _OrgState] = {}
        self.org_by_flo: dict[str, _OrgState] = {}
        self.org_by_name: dict[tuple[str, str], list[_OrgState]] = defaultdict(list)
        self.db_org_by_flo: dict[str, dict] = {}
        self.db_org_by_name: dict[tuple[str, str], list[dict]] = defaultdict(list)
        self.person_states: dict[int, _PersonState] = {}
        self.person_by_email: dict[str, _PersonState] = {}
        self.person_by_phone: dict[str, _PersonState] = {}
        self.db_person_by_email: dict[str, dict] = {}
        self.db_person_by_phone: dict[str, list[dict]] = defaultdict(list)
        self.db_affiliations: dict[tuple[int, int, str], dict] = {}
        self.db_consents: dict[int, dict] = {}
        self.affiliation_states: dict[tuple[int, int, str], _AffiliationState] = {}
        self.consent_states: dict[int, _ConsentState] = {}
        self.flo_to_org_id: dict[str, int] = {}
        self.db_membership_org_ids: set[int] = set()
        self.db_certifications: dict[tuple[int, str], dict] = {}
        self.db_products: dict[int, set[int]] = defaultdict(set)
        self.db_product_links: dict[tuple[int, int], int] = {}
        self._last_org: tuple[dict, Any] | None = None

        if self.with_organizations:
            flo_ids = {values["flo_id"] for values in organizations if "flo_id" in values}
            if flo_ids:
                for record in _select(Organization, ORGANIZATION_LOADED, {"flo_id": flo_ids}, where=_HAS_FLO_ID):
                    self.db_org_by_flo[record["flo_id"]] = record
            # Names are looked up only for rows the FLO ID did not settle.
            name_keys = {
                (values["country"], _organization_name_key(values["name"]))
                for values in organizations
                if "name" in values and "country" in values and values.get("flo_id") not in self.db_org_by_flo
            }
            if name_keys:
                candidates = _select(
                    Organization,
                    ORGANIZATION_LOADED,
                    {"country_id": {k[0] for k in name_keys}, "normalized_name": {k[1] for k in name_keys}},
                )
                for record in candidates:
                    key = (record["country_id"], record["normalized_name"])
                    if key in name_keys:
                        self.db_org_by_name[key].append(record)
            existing_ids = {record["id"] for record in self.db_org_by_flo.values()}
            existing_ids.update(record["id"] for records in self.db_org_by_name.values() for record in records)
            if existing_ids:
                self.db_membership_org_ids = {
                    record["organization_id"]
                    for record in _select(Membership, ("organization_id",), {"organization_id": existing_ids})
                }
                if any(row.certification for row in rows):
                    self.db_certifications = {
                        (record["organization_id"], record["standard"]): record
                        for record in _select(Certification, CERTIFICATION_LOADED, {"organization_id": existing_ids})
                    }
                if any(row.products is not None for row in rows):
                    for record in _select(
                        ProductThrough, ("id", "organization_id", "product_id"), {"organization_id": existing_ids}
                    ):
                        self.db_products[record["organization_id"]].add(record["product_id"])
                        self.db_product_links[(record["organization_id"], record["product_id"])] = record["id"]

        if not self.with_people:
            return
        if self.import_format == ImportFormat.PEOPLE:
            refs = {row.organization_flo_id for row in rows if row.organization_flo_id}
            if refs:
                self.flo_to_org_id = {
                    record["flo_id"]: record["id"]
                    for record in _select(Organization, ("id", "flo_id"), {"flo_id": refs}, where=_HAS_FLO_ID)
                }
        emails = {row.person["email"] for row in rows if row.person and row.person.get("email")}
        phones = {
            row.person["phone"]
            for row in rows
            if row.person and not row.person.get("email") and row.person.get("phone")
        }
        if emails:
            # The lowest id wins when the registry already holds the same email twice (the
            # duplicate finder shows those for merging).
            for record in _select(Person, PERSON_LOADED, {"email": emails}, order="-id"):
                self.db_person_by_email[record["email"]] = record
        if phones:
            for record in _select(Person, PERSON_LOADED, {"phone": phones}):
                self.db_person_by_phone[record["phone"]].append(record)
        person_ids = {record["id"] for record in self.db_person_by_email.values()}
        person_ids.update(record["id"] for records in self.db_person_by_phone.values() for record in records)
        if person_ids:
            if any(row.affiliation for row in rows):
                for record in _select(
                    Affiliation, AFFILIATION_LOADED, {"person_id": person_ids}, where="end_date IS NULL"
                ):
                    self.db_affiliations[(record["person_id"], record["organization_id"], record["role"])] = record
            if any(row.consent_email is not None for row in rows):
                for record in _select(Consent, CONSENT_LOADED, {"person_id": person_ids}, where="channel = 'email'"):
                    self.db_consents[record["person_id"]] = record

    def _org_states_all(self) -> Iterator[_OrgState]:
        seen: set[int] = set()
        for state in [*self.org_states.values(), *self.org_by_flo.values()]:
            if id(state) not in seen:
                seen.add(id(state))
                yield state
        for states in self.org_by_name.values():
            for state in states:
                if id(state) not in seen:
                    seen.add(id(state))
                    yield state

    def _person_states_all(self) -> Iterator[_PersonState]:
        seen: set[int] = set()
        for state in [*self.person_states.values(), *self.person_by_email.values(), *self.person_by_phone.values()]:
            if id(state) not in seen:
                seen.add(id(state))
                yield state

    # -- rows --

    def _plan_row(self, row: ParsedRow) -> RowError | None:
        """Work out the row's changes without touching any shared state until the whole row
        is known to be valid: a row is imported whole or not at all."""
        org_plan = None
        if self.with_organizations:
            last = self._last_org
            if last is not None and last[0] is row.organization and last[1] is not None:
                # The previous row's organization cells, applied already: comparing them again
                # with the state they produced finds no change (a combined file repeats them
                # on each of the organization's people).
                org_plan = last[1]
            else:
                org_plan = self._plan_organization(row)
                if isinstance(org_plan, RowError):
                    self._last_org = None
                    return org_plan
        person_plan = None
        org_ref: _OrgState | int | None = None
        if self.with_people and row.person is not None:
            if self.import_format == ImportFormat.PEOPLE and row.organization_flo_id:
                org_ref = self.flo_to_org_id.get(row.organization_flo_id)
                if org_ref is None:
                    return RowError(
                        row.number,
                        "organization_flo_id",
                        _("No organization in the registry has FLO ID %(flo_id)s.")
                        % {"flo_id": row.organization_flo_id},
                    )
            person_plan = self._plan_person(row)
            if isinstance(person_plan, RowError):
                return person_plan

        # The row is valid: apply it to the batch's state.
        if org_plan is not None:
            if isinstance(org_plan, _OrgState):
                org_ref = org_plan
            else:
                org_ref = self._commit_organization(row, *org_plan)
                self._last_org = (row.organization, org_ref) if row.organization else None
        if person_plan is not None:
            person_state = self._commit_person(*person_plan)
            if row.affiliation is not None and org_ref is not None:
                self._plan_affiliation(person_state, org_ref, row.affiliation)
            if row.consent_email is not None:
                self._plan_consent(person_state, row.consent_email)
        return None

    def _column(self, name: str, *, person: bool = False) -> str:
        return f"person_{name}" if person and self.import_format == ImportFormat.COMBINED else name

    def _org_state_for(self, record: dict) -> _OrgState:
        state = self.org_states.get(record["id"])
        if state is None:
            state = _OrgState(
                record=record, is_new=False, needs_membership=record["id"] not in self.db_membership_org_ids
            )
            self.org_states[record["id"]] = state
        return state

    def _find_organization(self, values: dict[str, Any]) -> _OrgState | dict | None:
        flo_id = values.get("flo_id")
        if flo_id:
            state = self.org_by_flo.get(flo_id)
            if state is not None:
                return state
            record = self.db_org_by_flo.get(flo_id)
            if record is not None:
                return self.org_states.get(record["id"]) or record
        if values.get("name") and values.get("country"):
            key = (values["country"], _organization_name_key(values["name"]))
            # A row with a FLO ID that the registry does not know yet may complete an
            # organization registered without one (an applicant), never replace another's.
            for state in self.org_by_name.get(key, ()):
                if not flo_id or not state.record["flo_id"]:
                    return state
            for record in self.db_org_by_name.get(key, ()):
                current = self.org_states.get(record["id"])
                flo = current.record["flo_id"] if current else record["flo_id"]
                if not flo_id or not flo:
                    return current or record
        return None

    def _plan_organization(self, row: ParsedRow) -> RowError | tuple:
        values = row.organization
        found = self._find_organization(values)
        if found is None:
            missing = [name for name in ("name", "country") if not values.get(name)]
            if missing:
                return RowError(
                    row.number,
                    missing[0],
                    _("No organization has this FLO ID yet; give its name and country to add it."),
                )
            record = self.organizations.new(kind=Organization.Kind.SPO.value)
        else:
            record = found.record if isinstance(found, _OrgState) else found
        changes = {}
        for name, value in values.items():
            attname = _ORGANIZATION_ATTNAMES.get(name, name)
            if record[attname] != value:
                changes[attname] = value

        # Rules on the row's values merged with what the registry holds.
        latitude = changes.get("latitude", record["latitude"])
        longitude = changes.get("longitude", record["longitude"])
        country_code = changes.get("country_id", record["country_id"])
        if (
            latitude is not None
            and longitude is not None
            and country_code
            and {"latitude", "longitude", "country_id"} & changes.keys()
        ):
            country = self.references.countries[country_code]
            if not country.contains(latitude, longitude):
                return RowError(row.number, "latitude", outside_country_message(country))

        cert_changes = None
        if row.certification is not None:
            cert_values = dict(row.certification)
            standard = cert_values.pop("standard")
            state = found.certifications.get(standard) if isinstance(found, _OrgState) else None
            if state is not None:
                cert = state.record
            elif record["id"] is not None:
                cert = self.db_certifications.get((record["id"], standard))
            else:
                cert = None
            current_status = cert["status"] if cert else Certification.Status.APPLICANT
            status = cert_values.get("status", current_status)
            start = cert_values.get("cycle_start", cert["cycle_start"] if cert else None)
            end = cert_values.get("cycle_end", cert["cycle_end"] if cert else None)
            if start and end and end <= start:
                return RowError(row.number, "cycle_end", _("The cycle must end after it starts."))
            if status == Certification.Status.CERTIFIED and not end:
                return RowError(row.number, "cycle_end", _("A certified organization has a cycle end date."))
            cert_changes = (standard, cert, cert_values)
        return found, record, changes, cert_changes

    def _commit_organization(self, row: ParsedRow, found, record: dict, changes: dict, cert_changes) -> _OrgState:
        if found is None:
            state = _OrgState(record=record, is_new=True, needs_membership=True)
        elif isinstance(found, _OrgState):
            state = found
        else:
            state = self._org_state_for(found)
        if changes:
            record.update(changes)
            state.changed.update(changes)
        if "name" in changes or state.is_new:
            normalized = _organization_name_key(record["name"])
            if record["normalized_name"] != normalized:
                record["normalized_name"] = normalized
                state.changed.add("normalized_name")
        if record["flo_id"]:
            self.org_by_flo[record["flo_id"]] = state
        same_name = self.org_by_name[(record["country_id"], record["normalized_name"])]
        if state not in same_name:
            same_name.append(state)
        if not state.is_new and record["id"] not in self.org_states:
            self.org_states[record["id"]] = state

        if row.products is not None:
            state.products = set(row.products)
            if state.current_products is None:
                state.current_products = set() if state.is_new else set(self.db_products.get(record["id"], ()))
        if row.membership_status and state.needs_membership:
            state.membership_status = row.membership_status

        if cert_changes is not None:
            standard, cert, values = cert_changes
            cert_state = state.certifications.get(standard)
            if cert_state is None:
                if cert is None:
                    cert_state = _CertState(record=self.certifications.new(standard=standard), is_new=True)
                else:
                    cert_state = _CertState(record=cert, is_new=False, previous_status=cert["status"])
                state.certifications[standard] = cert_state
            cert_record = cert_state.record
            for name, value in values.items():
                if cert_record[name] != value:
                    cert_record[name] = value
                    cert_state.changed.add(name)
        return state

    def _plan_person(self, row: ParsedRow) -> RowError | tuple:
        values = row.person
        email = values.get("email")
        found: _PersonState | dict | None = None
        if email:
            found = self.person_by_email.get(email)
            if found is None:
                record = self.db_person_by_email.get(email)
                if record is not None:
                    found = self.person_states.get(record["id"]) or record
        else:
            phone = values.get("phone")
            if phone:
                found = self.person_by_phone.get(phone)
                if found is None:
                    matches = self.db_person_by_phone.get(phone, ())
                    if len(matches) > 1:
                        return RowError(
                            row.number,
                            self._column("phone", person=True),
                            _(
                                "Several people in the registry have this phone; add the person's email to tell "
                                "them apart."
                            ),
                        )
                    if matches:
                        found = self.person_states.get(matches[0]["id"]) or matches[0]
        if found is None:
            if not values.get("first_name"):
                return RowError(
                    row.number,
                    self._column("first_name", person=True),
                    _("This person is not in the registry yet; give at least their first name to add them."),
                )
            # A new person: the row's values are the record (see _commit_person).
            return None, None, values
        record = found.record if type(found) is _PersonState else found
        changes = {name: value for name, value in values.items() if record[name] != value}
        return found, record, changes

    def _commit_person(self, found, record: dict | None, changes: dict) -> _PersonState:
        if found is None:
            record = self.people.new(**changes)
            state = _PersonState(record=record, is_new=True)
            record["normalized_name"] = _person_name_key(record["first_name"], record["last_name"])
        else:
            if type(found) is _PersonState:
                state = found
            else:
                state = _PersonState(record=found, is_new=False)
                self.person_states[found["id"]] = state
            if changes:
                record.update(changes)
                state.changed.update(changes)
                if "first_name" in changes or "last_name" in changes:
                    normalized = _person_name_key(record["first_name"], record["last_name"])
                    if record["normalized_name"] != normalized:
                        record["normalized_name"] = normalized
                        state.changed.add("normalized_name")
        if record["email"]:
            self.person_by_email[record["email"]] = state
        elif record["phone"]:
            self.person_by_phone[record["phone"]] = state
        return state

    def _plan_affiliation(self, person_state: _PersonState, org_ref: _OrgState | int, values: dict) -> None:
        person = person_state.record
        person_id = person["id"]
        org_record = None
        if type(org_ref) is _OrgState:
            org_record = org_ref.record
            organization_id = org_record["id"]
            org_key = organization_id if organization_id is not None else -id(org_record)
        else:
            org_key = organization_id = org_ref
        role = values["role"]
        key = (person_id if person_id is not None else -id(person), org_key, role)
        state = self.affiliation_states.get(key)
        if state is None:
            existing = None
            if person_id is not None and organization_id is not None:
                existing = self.db_affiliations.get((person_id, organization_id, role))
            if existing is None:
                # A new affiliation holds the row's values (the changes are for tallying
                # updates only).
                record = self.affiliations.new(role=role, person_id=person_id, organization_id=organization_id)
                if "start_date" in values:
                    record["start_date"] = values["start_date"]
                if "is_primary" in values:
                    record["is_primary"] = values["is_primary"]
                self.affiliation_states[key] = _AffiliationState(
                    record=record, is_new=True, person=person, organization=org_record
                )
                return
            state = _AffiliationState(record=existing, is_new=False)
            self.affiliation_states[key] = state
        record = state.record
        for name in ("start_date", "is_primary"):
            if name in values and record[name] != values[name]:
                record[name] = values[name]
                state.changed.add(name)

    def _plan_consent(self, person_state: _PersonState, granted: bool) -> None:
        person = person_state.record
        person_id = person["id"]
        key = person_id if person_id is not None else -id(person)
        state = self.consent_states.get(key)
        if state is None:
            existing = self.db_consents.get(person_id) if person_id is not None else None
            if existing is None:
                record = self.consents.new(
                    channel=Consent.Channel.EMAIL.value,
                    method=Consent.Method.IMPORT.value,
                    person_id=person_id,
                    granted=granted,
                    given_at=self.consent_time,
                    recorded_by_id=self.actor_id,
                )
                self.consent_states[key] = _ConsentState(record=record, is_new=True, person=person)
                return
            state = _ConsentState(record=existing, is_new=False)
            self.consent_states[key] = state
        record = state.record
        if record["granted"] != granted:
            record["granted"] = granted
            record["given_at"] = self.consent_time
            record["method"] = Consent.Method.IMPORT.value
            record["recorded_by_id"] = self.actor_id
            state.changed.update(("granted", "given_at", "method", "recorded_by_id"))


def _tally(plan: _BatchPlan) -> Counter:
    tally: Counter = Counter()
    for state in plan.org_states:
        if state.is_new:
            tally["organizations_created"] += 1
        elif state.changed or (state.products is not None and state.products != state.current_products):
            tally["organizations_updated"] += 1
        else:
            tally["organizations_unchanged"] += 1
        if state.needs_membership:
            tally["memberships_created"] += 1
        for cert_state in state.certifications.values():
            if cert_state.is_new:
                tally["certifications_created"] += 1
            elif cert_state.changed:
                tally["certifications_updated"] += 1
    for state in plan.person_states:
        if state.is_new:
            tally["people_created"] += 1
        elif state.changed:
            tally["people_updated"] += 1
        else:
            tally["people_unchanged"] += 1
    for state in plan.affiliation_states:
        if state.is_new:
            tally["affiliations_created"] += 1
        elif state.changed:
            tally["affiliations_updated"] += 1
    for state in plan.consent_states:
        if state.is_new:
            tally["consents_created"] += 1
        elif state.changed:
            tally["consents_updated"] += 1
    return tally


# --- Writing ------------------------------------------------------------------------------


class _Writer:
    """Writes planned batches, each in its own transaction, on the calling thread's
    connection. On PostgreSQL the batch is first prepared (prepare(), on the planning
    thread): ids reserved, rows formatted for COPY, statements and their parameters built,
    so that writing is only sending them, which needs hardly any Python (and so no time
    from the planning thread when the writing runs on another)."""

    def __init__(self, *, actor, reason: str) -> None:
        self.actor = actor
        self.actor_id = getattr(actor, "pk", None)
        self.reason = reason
        # Seconds spent writing, including the commit (the database's work and the wait).
        self.timings: Counter = Counter()

    def prepare(self, plan: _BatchPlan) -> None:
        if connection.vendor != "postgresql":
            return
        store = _PostgresStore(actor_id=self.actor_id, reason=self.reason, recording=True)
        self._write(store, plan)
        plan.program = store.program

    def write(self, plan: _BatchPlan) -> Exception | None:
        """Write one batch; returns the database's refusal, if any (the batch is then rolled
        back as a whole)."""
        started = time.perf_counter()
        try:
            with transaction.atomic():
                if plan.program is not None:
                    _PostgresStore(actor_id=self.actor_id, reason=self.reason).run(plan.program)
                else:
                    self._write(_OrmStore(actor=self.actor, reason=self.reason), plan)
        except (IntegrityError, DataError, OperationalError) as exc:
            return exc
        finally:
            self.timings["writing"] += time.perf_counter() - started
        return None

    def _write(self, store: _Store, plan: _BatchPlan) -> None:
        today = timezone.localdate()
        org_states = plan.org_states
        if org_states:
            store.insert(Organization, [s.record for s in org_states if s.is_new])
            store.update(Organization, [(s.record, s.changed) for s in org_states if not s.is_new and s.changed])
            self._write_products(store, org_states, plan.db_product_links)
            self._write_memberships(store, org_states, today)
            self._write_certifications(store, org_states)
        person_states = plan.person_states
        if person_states:
            store.insert(Person, [s.record for s in person_states if s.is_new])
            store.update(Person, [(s.record, s.changed) for s in person_states if not s.is_new and s.changed])
        if plan.affiliation_states:
            new = []
            for state in plan.affiliation_states:
                if state.is_new:
                    record = state.record
                    record["person_id"] = state.person["id"]
                    if state.organization is not None:
                        record["organization_id"] = state.organization["id"]
                    new.append(record)
            store.insert(Affiliation, new)
            store.update(Affiliation, [(s.record, s.changed) for s in plan.affiliation_states if not s.is_new])
        if plan.consent_states:
            new = []
            for state in plan.consent_states:
                if state.is_new:
                    state.record["person_id"] = state.person["id"]
                    new.append(state.record)
            store.insert(Consent, new)
            store.update(Consent, [(s.record, s.changed) for s in plan.consent_states if not s.is_new])

    def _write_products(self, store: _Store, org_states: list[_OrgState], links: dict[tuple[int, int], int]) -> None:
        added: list[dict] = []
        removed: list[int] = []
        for state in org_states:
            if state.products is None or state.products == state.current_products:
                continue
            org_id = state.record["id"]
            added.extend(
                {"id": None, "organization_id": org_id, "product_id": product_id}
                for product_id in state.products - state.current_products
            )
            removed.extend(links[(org_id, p)] for p in state.current_products - state.products)
        store.delete(ProductThrough, removed)
        # The products were read before this batch and the links of a new organization
        # cannot exist yet, so nothing here can clash (the pipeline sees to the first).
        store.insert(ProductThrough, added, audited=False)

    def _write_memberships(self, store: _Store, org_states: list[_OrgState], today: datetime.date) -> None:
        table = _table(Membership)
        memberships = [
            table.new(
                organization_id=state.record["id"],
                status=state.membership_status,
                status_changed_on=today,
                joined_on=today if state.membership_status == Membership.Status.ACTIVE else None,
            )
            for state in org_states
            if state.needs_membership
        ]
        if not memberships:
            return
        store.insert(Membership, memberships)
        events = _table(MembershipEvent)
        store.insert(
            MembershipEvent,
            [
                events.new(
                    membership_id=membership["id"],
                    from_status="",
                    to_status=membership["status"],
                    occurred_on=today,
                    reason=self.reason,
                    actor_id=self.actor_id,
                )
                for membership in memberships
            ],
            audited=False,
        )

    def _write_certifications(self, store: _Store, org_states: list[_OrgState]) -> None:
        new, changed, cert_states = [], [], []
        for state in org_states:
            for cert_state in state.certifications.values():
                cert_states.append(cert_state)
                if cert_state.is_new:
                    cert_state.record["organization_id"] = state.record["id"]
                    new.append(cert_state.record)
                elif cert_state.changed:
                    changed.append((cert_state.record, cert_state.changed))
        if not cert_states:
            return
        store.insert(Certification, new)
        store.update(Certification, changed)
        # A suspended or withdrawn certificate puts the membership in the staff review queue
        # (as members.services.certification_set does); it never changes the membership.
        flagged: dict[int, list[str]] = defaultdict(list)
        for cert_state in cert_states:
            cert = cert_state.record
            if cert["status"] in Certification.FLAGGING_STATUSES and cert_state.previous_status != cert["status"]:
                flagged[cert["organization_id"]].append(
                    _("Certificate (%(standard)s) is now %(status)s.")
                    % {
                        "standard": Certification.Standard(cert["standard"]).label,
                        "status": Certification.Status(cert["status"]).label,
                    }
                )
        if flagged:
            store.flag_for_review(dict(flagged))


def _flag_for_review(store: _Store, flagged: dict[int, list[str]]) -> None:
    """Put the organizations' memberships in the review queue with the reasons not yet
    there; in the writing transaction, with the memberships locked."""
    now = timezone.now()
    memberships = Membership.objects.select_for_update().filter(organization_id__in=flagged)
    changed = []
    for membership in memberships.values("id", "organization_id", "review_requested_at", "review_reason"):
        reasons = [r for r in flagged[membership["organization_id"]] if r not in membership["review_reason"]]
        if membership["review_requested_at"] is None:
            membership["review_requested_at"] = now
            membership["review_reason"] = "\n".join(reasons)
        elif reasons:
            membership["review_reason"] = "\n".join([membership["review_reason"], *reasons]).strip()
        else:
            continue
        changed.append((membership, {"review_requested_at", "review_reason"}))
    store.update(Membership, changed)


class _Store(Protocol):
    def insert(self, model, records: list[dict], *, audited: bool = True) -> None: ...

    def update(self, model, changes: list[tuple[dict, set[str]]]) -> None: ...

    def delete(self, model, ids: list[int]) -> None: ...

    def flag_for_review(self, flagged: dict[int, list[str]]) -> None: ...


class _OrmStore:
    """Writes through the ORM and simple_history's bulk helpers (SQLite, the demo)."""

    def __init__(self, *, actor, reason: str) -> None:
        self.actor = actor
        self.reason = reason

    def insert(self, model, records: list[dict], *, audited: bool = True) -> None:
        if not records:
            return
        objs = [model(**record) for record in records]
        if audited and _table(model).audited:
            bulk_create_with_history(objs, model, default_user=self.actor, default_change_reason=self.reason)
        else:
            model._base_manager.bulk_create(objs)
        if audited:
            for record, obj in zip(records, objs, strict=True):
                if obj.pk is None:
                    raise ImproperlyConfigured(f"The database did not return the ids of new {model.__name__} rows.")
                record["id"] = obj.pk

    def update(self, model, changes: list[tuple[dict, set[str]]]) -> None:
        """bulk_update_with_history per set of changed fields, so each statement names only
        the columns the file changed (a concurrent edit of another column is kept). The
        history rows are built from whole instances, so those are read first."""
        changes = [(record, changed) for record, changed in changes if changed]
        if not changes:
            return
        table = _table(model)
        instances = model._base_manager.in_bulk([record["id"] for record, _changed in changes])
        now = timezone.now()
        groups: dict[frozenset[str], list] = defaultdict(list)
        for record, changed in changes:
            obj = instances[record["id"]]
            for attname in changed:
                setattr(obj, attname, record[attname])
            for attname in table.auto_now:
                setattr(obj, attname, now)
            groups[frozenset(changed)].append(obj)
        for changed, objs in groups.items():
            fields = sorted(changed | set(table.auto_now))
            bulk_update_with_history(objs, model, fields, default_user=self.actor, default_change_reason=self.reason)

    def delete(self, model, ids: list[int]) -> None:
        if ids:
            model._base_manager.filter(id__in=ids).delete()

    def flag_for_review(self, flagged: dict[int, list[str]]) -> None:
        _flag_for_review(self, flagged)


# PostgreSQL type names psycopg knows, for the column types Django declares.
_PG_TYPE_NAMES = {
    "bigint": "int8", "integer": "int4", "smallint": "int2", "boolean": "bool", "date": "date",
    "timestamp with time zone": "timestamptz", "numeric": "numeric", "varchar": "varchar", "text": "text",
    "jsonb": "jsonb", "uuid": "uuid", "double precision": "float8", "time": "time", "interval": "interval",
}  # fmt: skip


class _PostgresStore:
    """Set-based writes on PostgreSQL (see the module docstring).

    Recording (prepare): ids are reserved at once, on this thread's connection (a sequence
    is outside transactions), and every write becomes a step of `program` — a COPY with its
    data formatted here, or a statement with its parameters — for run() to send later,
    possibly from another thread. Otherwise each write is sent at once."""

    def __init__(self, *, actor_id: int | None, reason: str, recording: bool = False) -> None:
        self.actor_id = actor_id
        self.reason = reason
        self.now = timezone.now()
        self.quote = connection.ops.quote_name
        self.program: list[tuple] | None = [] if recording else None

    def _emit(self, step: tuple) -> None:
        if self.program is not None:
            self.program.append(step)
        else:
            self.run([step])

    def run(self, program: list[tuple]) -> None:
        # A COPY goes to the psycopg cursor itself: Django's wrapper is what turns the
        # database's refusals into IntegrityError / DataError, which the caller handles.
        with connection.wrap_database_errors, _cursor() as cursor:
            for kind, *args in program:
                if kind == "copy":
                    statement, data = args
                    with cursor.copy(statement) as copy:
                        copy.write(data)
                elif kind == "sql":
                    cursor.execute(*args)
                elif kind == "flag":
                    _flag_for_review(self, *args)
                else:
                    raise ValueError(f"Unknown step {kind!r}")

    def insert(self, model, records: list[dict], *, audited: bool = True) -> None:
        """COPY new rows in. Audited rows first get their ids from the table's sequence (the
        caller and the history need them); the others (events, product links) take the
        column's default."""
        if not records:
            return
        table = _table(model)
        now = self.now
        for name in table.stamped:
            for record in records:
                record[name] = now
        if audited:
            span = self._reserve_ids(table, records)
            fields = table.fields
            row = table.row
        else:
            span = None
            fields = [f for f in table.fields if not f.primary_key]
            row = itemgetter(*(f.attname for f in fields))
        self._emit(_copy_step(table.name, fields, map(row, records)))
        if audited and table.audited:
            self._history(table, "+", span, [record["id"] for record in records])

    def _reserve_ids(self, table: _Table, records: list[dict]) -> tuple[int, int] | None:
        """Take len(records) ids from the table's sequence and give them to the records.
        Returns (first, last) when they are consecutive (nearly always: other sessions'
        inserts rarely interleave), which lets the history select them by range."""
        size = len(records)
        sequence = _sequence(table)
        with _cursor() as cursor:
            cursor.execute(
                "SELECT min(v), max(v) FROM (SELECT nextval(%s::regclass) AS v FROM generate_series(1, %s)) AS ids",
                [sequence, size],
            )
            first, last = cursor.fetchone()
            if last - first + 1 == size:
                for pk_value, record in enumerate(records, start=first):
                    record["id"] = pk_value
                return first, last
            # Interleaved with another session's: the ids taken are spent (a sequence has
            # gaps anyway); take them again, one by one.
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, size])
            for (pk_value,), record in zip(cursor.fetchall(), records, strict=True):
                record["id"] = pk_value
        return None

    def update(self, model, changes: list[tuple[dict, set[str]]]) -> None:
        """One UPDATE … FROM unnest(arrays) per set of changed columns, naming only those
        (a concurrent edit of another column is kept), then their history rows."""
        changes = [(record, changed) for record, changed in changes if changed]
        if not changes:
            return
        table = _table(model)
        quote = self.quote
        groups: dict[frozenset[str], list[dict]] = defaultdict(list)
        for record, changed in changes:
            for attname in table.auto_now:
                record[attname] = self.now
            groups[frozenset(changed)].append(record)
        ids: list[int] = []
        for changed, records in groups.items():
            names = ["id", *sorted(changed | set(table.auto_now))]
            fields = [table.field[name] for name in names]
            assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields[1:])
            arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
            aliases = ", ".join(quote(f.column) for f in fields)
            self._emit(
                (
                    "sql",
                    f"UPDATE {quote(table.name)} AS t SET {assignments} "  # noqa: S608 - names from _meta
                    f"FROM unnest({arrays}) AS v({aliases}) WHERE t.{quote(table.column['id'])} = v.{quote('id')}",
                    [[record[name] for record in records] for name in names],
                )
            )
            ids.extend(record["id"] for record in records)
        if table.audited:
            self._history(table, "~", None, ids)

    def delete(self, model, ids: list[int]) -> None:
        if not ids:
            return
        table = _table(model)
        quote = self.quote
        self._emit(
            ("sql", f"DELETE FROM {quote(table.name)} WHERE {quote(table.column['id'])} = ANY(%s)", [ids])  # noqa: S608
        )

    def flag_for_review(self, flagged: dict[int, list[str]]) -> None:
        # Reads the memberships as the writing transaction sees them, so it runs there.
        self._emit(("flag", flagged))

    def _history(self, table: _Table, history_type: str, span: tuple[int, int] | None, ids: list[int]) -> None:
        """The history rows of rows just written, copied by the database from the table: the
        values simple_history's bulk helpers would write, without sending every row through
        Python a second time."""
        if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            return
        tracked, constant = _history_columns(table)
        quote = self.quote
        history = get_history_model_for_model(table.model)._meta
        special = {
            "history_date": self.now,
            "history_change_reason": self.reason,
            "history_type": history_type,
            "history_user_id": self.actor_id,
        }
        target = ", ".join(quote(f.column) for f in [*tracked, *constant])
        source = ", ".join(quote(table.column[f.attname]) for f in tracked)
        placeholders = ", ".join(["%s"] * len(constant))
        pk = quote(table.column["id"])
        if span is not None:
            condition, params = f"{pk} BETWEEN %s AND %s", list(span)
        else:
            condition, params = f"{pk} = ANY(%s)", [ids]
        self._emit(
            (
                "sql",
                f"INSERT INTO {quote(history.db_table)} ({target}) "  # noqa: S608 - names from _meta
                f"SELECT {source}, {placeholders} FROM {quote(table.name)} WHERE {condition}",
                [*(special[f.attname] for f in constant), *params],
            )
        )


def _copy_step(table_name: str, fields: list, rows: Iterable[tuple]) -> tuple[str, str, bytes]:
    """A COPY of `rows` into the table, its data formatted now by psycopg's formatter into
    memory (a Copy with a FileWriter talks to no server). The binary format with the column
    types given up front spares a type lookup and a text conversion per value."""
    from psycopg import Copy
    from psycopg.copy import FileWriter
    from psycopg.types.json import Jsonb

    quote = connection.ops.quote_name
    types = [_pg_type(f) for f in fields]
    binary = all(types)
    json_positions = [i for i, f in enumerate(fields) if isinstance(f, JSONField)]
    buffer = io.BytesIO()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, Copy(cursor, binary=binary, writer=FileWriter(buffer)) as copy:
        if binary:
            copy.set_types(types)
        # The formatter directly: it returns the data in blocks of about 32 KB (one Python
        # call per row fewer than Copy.write_row).
        format_row = copy.formatter.write_row
        out = buffer.write
        if json_positions:
            for values in rows:
                values = list(values)
                for i in json_positions:
                    values[i] = Jsonb(values[i])
                if data := format_row(values):
                    out(data)
        else:
            for values in rows:
                if data := format_row(values):
                    out(data)
    columns = ", ".join(quote(f.column) for f in fields)
    statement = f"COPY {quote(table_name)} ({columns}) FROM STDIN" + (" (FORMAT BINARY)" if binary else "")
    return "copy", statement, buffer.getvalue()


@cache
def _sequence(table: _Table) -> str:
    """The sequence that gives the table's ids (identity or serial column)."""
    with _cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table.name, table.column["id"]])
        (name,) = cursor.fetchone()
    if not name:
        raise ImproperlyConfigured(f"{table.name}.{table.column['id']} takes its values from no sequence.")
    return name


@cache
def _history_columns(table: _Table) -> tuple[list, list]:
    """The history table's columns: those copied from the table, and the history's own."""
    history = get_history_model_for_model(table.model)._meta
    own = {"history_date", "history_change_reason", "history_type", "history_user_id"}
    tracked, constant = [], []
    for f in history.concrete_fields:
        if f.primary_key:
            continue
        if f.attname in own:
            constant.append(f)
        elif f.attname in table.field:
            tracked.append(f)
        else:
            raise ImproperlyConfigured(f"The import does not know the history column {f.attname}")
    return tracked, constant


def _pg_type(field) -> str | None:
    declared = (field.db_type(connection) or "").split("(")[0].strip().lower()
    return _PG_TYPE_NAMES.get(declared)


# --- Overlapping writes with the rest ---------------------------------------------------------


class _Pipeline:
    """Writes each batch as it is submitted, on this thread."""

    synchronous = True

    def __init__(self, writer: _Writer) -> None:
        self.writer = writer
        self._finished: list[tuple[_BatchPlan, Exception | None]] = []
        # Seconds the caller spent waiting for the writes.
        self.waited = 0.0

    @property
    def busy(self) -> bool:
        return False

    def touches(self, keys: set[tuple] | None = None, *, ids: set[tuple[str, int]] | None = None) -> bool:
        return False

    def submit(self, plan: _BatchPlan) -> None:
        self._finished.append((plan, self.writer.write(plan)))

    def wait(self) -> None:
        """Until no batch is being written."""

    def finish(self) -> None:
        """Until every batch submitted is written."""

    def collect(self) -> list[tuple[_BatchPlan, Exception | None]]:
        """The batches written since the last call, in order, with the database's refusal."""
        finished, self._finished = self._finished, []
        return finished

    def close(self) -> None:
        """Stop writing (also after an error)."""


class _ThreadedPipeline(_Pipeline):
    """Writes batches on a second thread, one at a time and in order, each on the thread's
    own connection and in its own transaction, while the caller plans the next.

    Batch N+1 is planned from the committed registry, i.e. without batch N while that is in
    flight. That is right only if N+1 reads nothing N writes, which the planner checks with
    touches(): before its reads, against the keys N looked up or leaves (FLO IDs, names,
    emails, phones), and after them, against the ids of the records N read; on any overlap
    it waits for N's commit (wait()) and reads again. At most one batch is in flight, so
    memory holds at most three: the one written, the one planned, the one read."""

    synchronous = False

    def __init__(self, writer: _Writer) -> None:
        super().__init__(writer)
        self._language = translation.get_language()
        self._inbox: queue.Queue[_BatchPlan | None] = queue.Queue(maxsize=1)
        self._lock = threading.Condition()
        self._in_flight: _BatchPlan | None = None
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

    def submit(self, plan: _BatchPlan) -> None:
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

    def collect(self) -> list[tuple[_BatchPlan, Exception | None]]:
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


def import_template_csv(import_format: str) -> bytes:
    """The header and an example row, as the downloadable template."""
    from members.imports import template_example, template_header

    header = template_header(import_format)
    example = template_example(import_format)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerow([example.get(name, "") for name in header])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def import_template_xlsx(import_format: str) -> bytes:
    from openpyxl import Workbook

    from members.imports import template_example, template_header

    header = template_header(import_format)
    example = template_example(import_format)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(import_format)
    sheet.append(list(header))
    sheet.append([example.get(name, "") for name in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
