"""Registry import: upsert organizations and people from a CSV or XLSX file.

Rows are read and checked by members.imports; this module decides, a batch of rows at a
time, what to create or update, and writes it:

- organizations are found by FLO ID, else by (country, normalized name), else created (with
  an applicant membership, or the status the file gives);
- people by email (normalized), else by phone when the row has no email;
- affiliations by (person, organization, role) among the open ones.

Each batch reads what it needs in one query per table, compares, and writes only what
changed with bulk_create / bulk_update and their simple_history counterparts, so the import
is audited under the importing user and importing the same file twice changes nothing (no
rows, no history records). A dry run goes through the same reads and checks and writes
nothing. A real run commits batch by batch: valid rows are imported, bad rows are reported
and skipped, and a run cut short can simply be repeated."""

from __future__ import annotations

import csv
import datetime
import io
import logging
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from typing import IO, Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DataError, IntegrityError, OperationalError, connection, transaction
from django.db.models import JSONField, signals
from django.db.models.base import ModelState
from django.utils import timezone
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

# Big enough that per-batch queries are negligible, small enough that a batch's objects and
# its transaction stay small.
IMPORT_BATCH_SIZE = 1000
# The result keeps this many errors in memory for display; all of them go to errors_csv().
KEPT_ERRORS = 1000

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
    # Seconds per phase: reading and checking the cells, lookups, planning, writing.
    timings: Counter = field(default_factory=Counter)
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
) -> ImportResult:
    """Import a registry file (binary, seekable). `import_format` None detects it from the
    columns. Not atomic as a whole on purpose: each batch is its own transaction (see the
    module docstring); a dry run writes nothing at all."""
    if import_format is not None and import_format not in ImportFormat.VALUES:
        raise ValueError(f"Unknown import format {import_format!r}")
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
    writer = _BatchWriter(
        import_format=result.import_format,
        dry_run=dry_run,
        actor=actor if getattr(actor, "pk", None) is not None else None,
        references=references,
        reason=reason,
        counts=result.counts,
    )

    batch: list[ParsedRow] = []
    read_since_flush = 0
    result.timings = writer.timings
    clock = time.perf_counter

    def flush() -> None:
        nonlocal batch, read_since_flush
        if batch:
            errors, refused = writer.process(batch)
            result.rows_with_errors += refused
            for error in errors:
                report(error)
        if progress is not None and read_since_flush:
            progress.advance(read_since_flush)
        batch = []
        read_since_flush = 0

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
            # A full batch is written before the next organization starts, so the rows of one
            # organization (consecutive in a combined file) are compared and written together.
            if len(batch) >= batch_size and (len(batch) >= 2 * batch_size or not _same_organization(batch[-1], parsed)):
                writer.timings["reading and checking"] += clock() - reading_since
                flush()
                reading_since = clock()
            batch.append(parsed)
        writer.timings["reading and checking"] += clock() - reading_since
    except FileFormatError as exc:
        result.aborted = True
        report(RowError(None, None, str(exc)))
    flush()
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
    keys = ("flo_id", "country", "name")
    return all(a.organization.get(k) == b.organization.get(k) for k in keys)


# --- One batch ----------------------------------------------------------------------------


@dataclass(eq=False, slots=True)
class _CertState:
    cert: Certification
    is_new: bool
    changed: set[str] = field(default_factory=set)
    previous_status: str | None = None


@dataclass(eq=False, slots=True)
class _OrgState:
    org: Organization
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
    person: Person
    is_new: bool
    changed: set[str] = field(default_factory=set)


@dataclass(eq=False, slots=True)
class _AffiliationState:
    affiliation: Affiliation
    is_new: bool
    changed: set[str] = field(default_factory=set)


@dataclass(eq=False, slots=True)
class _ConsentState:
    consent: Consent
    is_new: bool
    changed: set[str] = field(default_factory=set)


class _Factory:
    """Builds new, unsaved instances several times faster than Model(**kwargs), which
    looks up every field's default, goes through the related-object descriptors and sends
    the init signals (none are connected for the registry's models; checked once).
    Takes attnames (organization_id, not organization)."""

    def __init__(self, model) -> None:
        # Init signal receivers (none today) would be skipped: then go through Model().
        self.plain = signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)
        self.model = model
        self.new = object.__new__
        fields = model._meta.concrete_fields
        self.defaults = {
            f.attname: None if f.has_default() and callable(f.default) else f.get_default() for f in fields
        }
        self.callables = [(f.attname, f.default) for f in fields if f.has_default() and callable(f.default)]

    def __call__(self, **values: Any):
        row = dict(self.defaults)
        for name, make in self.callables:
            row[name] = make()
        for name, value in values.items():
            if name not in row:
                raise TypeError(f"{self.model.__name__} has no field {name}")
            row[name] = value
        if self.plain:
            return self.model(**row)
        # What Model.__init__ ends up with for a new row, without its per-field work: a fresh
        # instance's attributes live in its __dict__ (foreign keys by attname, nothing cached).
        obj = self.new(self.model)
        obj.__dict__.update(row)
        obj._state = ModelState()
        return obj


_factories: dict[type, _Factory] = {}


def _new(model, **values: Any):
    factory = _factories.get(model)
    if factory is None:
        factory = _factories[model] = _Factory(model)
    return factory(**values)


def _link(obj, attname: str, parent) -> None:
    """Point obj's foreign key at a parent that may not be saved yet; resolved on insert."""
    if parent.pk is not None:
        setattr(obj, attname, parent.pk)
    else:
        links = obj.__dict__.setdefault("_import_links", [])
        links.append((attname, parent))


def _resolve_links(objs: list) -> None:
    for obj in objs:
        links = obj.__dict__.pop("_import_links", None)
        if links:
            for attname, parent in links:
                if parent.pk is None:
                    raise ValueError(f"{type(obj).__name__}.{attname} points to an unsaved {type(parent).__name__}.")
                setattr(obj, attname, parent.pk)


# In a combined file an organization's name repeats on each of its people's rows.
_organization_name_key = lru_cache(maxsize=4096)(normalize_organization_name)


def _key(obj: Any) -> int:
    """A row's identity within a batch: its pk once saved, else the Python object."""
    return obj.pk if obj.pk is not None else -id(obj)


class _BatchWriter:
    def __init__(
        self, *, import_format: str, dry_run: bool, actor, references: References, reason: str, counts: Counter
    ) -> None:
        self.import_format = import_format
        self.dry_run = dry_run
        self.actor = actor
        self.references = references
        self.reason = reason
        self.counts = counts
        self.with_organizations = import_format != ImportFormat.PEOPLE
        self.with_people = import_format != ImportFormat.ORGANIZATIONS
        # Seconds spent per phase, for the benchmark's breakdown.
        self.timings: Counter = Counter()

    # -- reads --

    def _load(self, rows: list[ParsedRow]) -> None:
        """Everything the batch compares against, one query per table."""
        self.org_states: dict[int, _OrgState] = {}
        self.org_by_flo: dict[str, _OrgState] = {}
        self.org_by_name: dict[tuple[str, str], list[_OrgState]] = defaultdict(list)
        self.db_org_by_flo: dict[str, Organization] = {}
        self.db_org_by_name: dict[tuple[str, str], list[Organization]] = defaultdict(list)
        self.person_states: dict[int, _PersonState] = {}
        self.person_by_email: dict[str, _PersonState] = {}
        self.person_by_phone: dict[str, _PersonState] = {}
        self.db_person_by_email: dict[str, Person] = {}
        self.db_person_by_phone: dict[str, list[Person]] = defaultdict(list)
        self.db_affiliations: dict[tuple[int, int, str], Affiliation] = {}
        self.db_consents: dict[int, Consent] = {}
        self.affiliation_states: dict[tuple[int, int, str], _AffiliationState] = {}
        self.consent_states: dict[int, _ConsentState] = {}
        self.flo_to_org_id: dict[str, int] = {}

        if self.with_organizations:
            flo_ids = {row.organization["flo_id"] for row in rows if "flo_id" in row.organization}
            if flo_ids:
                for org in Organization.objects.filter(flo_id__in=flo_ids):
                    self.db_org_by_flo[org.flo_id] = org
            # Names are looked up only for rows the FLO ID did not settle.
            name_keys = {
                (values["country"], _organization_name_key(values["name"]))
                for values in (row.organization for row in rows)
                if "name" in values and "country" in values and values.get("flo_id") not in self.db_org_by_flo
            }
            if name_keys:
                candidates = Organization.objects.filter(
                    country_id__in={k[0] for k in name_keys}, normalized_name__in={k[1] for k in name_keys}
                ).order_by("id")
                for org in candidates:
                    key = (org.country_id, org.normalized_name)
                    if key in name_keys:
                        self.db_org_by_name[key].append(org)
            existing_ids = {o.pk for o in self.db_org_by_flo.values()}
            existing_ids.update(o.pk for orgs in self.db_org_by_name.values() for o in orgs)
            self.db_membership_org_ids: set[int] = set()
            self.db_certifications: dict[tuple[int, str], Certification] = {}
            self.db_products: dict[int, set[int]] = defaultdict(set)
            self.db_product_links: dict[tuple[int, int], int] = {}
            if existing_ids:
                self.db_membership_org_ids = set(
                    Membership.objects.filter(organization_id__in=existing_ids).values_list(
                        "organization_id", flat=True
                    )
                )
            if existing_ids and any(row.certification for row in rows):
                self.db_certifications = {
                    (c.organization_id, c.standard): c
                    for c in Certification.objects.filter(organization_id__in=existing_ids)
                }
            if existing_ids and any(row.products is not None for row in rows):
                for link_id, org_id, product_id in ProductThrough.objects.filter(
                    organization_id__in=existing_ids
                ).values_list("id", "organization_id", "product_id"):
                    self.db_products[org_id].add(product_id)
                    self.db_product_links[(org_id, product_id)] = link_id

        if not self.with_people:
            return
        if self.import_format == ImportFormat.PEOPLE:
            refs = {row.organization_flo_id for row in rows if row.organization_flo_id}
            if refs:
                self.flo_to_org_id = dict(Organization.objects.filter(flo_id__in=refs).values_list("flo_id", "id"))
        emails = {row.person["email"] for row in rows if row.person and row.person.get("email")}
        phones = {
            row.person["phone"]
            for row in rows
            if row.person and not row.person.get("email") and row.person.get("phone")
        }
        if emails:
            # The lowest id wins when the registry already holds the same email twice (the
            # duplicate finder shows those for merging).
            for person in Person.objects.filter(email__in=emails).order_by("-id"):
                self.db_person_by_email[person.email] = person
        if phones:
            for person in Person.objects.filter(phone__in=phones).order_by("id"):
                self.db_person_by_phone[person.phone].append(person)
        person_ids = {p.pk for p in self.db_person_by_email.values()}
        person_ids.update(p.pk for people in self.db_person_by_phone.values() for p in people)
        if person_ids:
            if any(row.affiliation for row in rows):
                for aff in Affiliation.objects.filter(person_id__in=person_ids, end_date__isnull=True):
                    self.db_affiliations[(aff.person_id, aff.organization_id, aff.role)] = aff
            if any(row.consent_email is not None for row in rows):
                for consent in Consent.objects.filter(person_id__in=person_ids, channel=Consent.Channel.EMAIL):
                    self.db_consents[consent.person_id] = consent

    # -- planning --

    def process(self, rows: list[ParsedRow]) -> tuple[list[RowError], int]:
        """Plan the batch (reads only), then write it unless this is a dry run. Returns the
        errors and the number of rows refused."""
        clock = time.perf_counter
        started = clock()
        self._load(rows)
        loaded = clock()
        errors: list[RowError] = []
        for row in rows:
            error = self._plan_row(row)
            if error is not None:
                errors.append(error)
        self._count()
        planned = clock()
        self.timings["lookups"] += loaded - started
        self.timings["planning"] += planned - loaded
        if self.dry_run:
            return errors, len(errors)
        try:
            with transaction.atomic():
                self._write()
            self.timings["writing"] += clock() - planned
        except (IntegrityError, DataError, OperationalError) as exc:
            # Another change raced this batch (e.g. the same FLO ID saved meanwhile): the
            # batch is rolled back as a whole and the rest of the file goes on; importing the
            # file again completes it.
            logger.warning("Import batch of rows %d-%d failed: %s", rows[0].number, rows[-1].number, exc)
            self._uncount()
            message = _(
                "Rows %(first)d to %(last)d were not imported: the database refused them (%(error)s), "
                "probably because the registry changed meanwhile. Import the file again."
            ) % {"first": rows[0].number, "last": rows[-1].number, "error": exc.__class__.__name__}
            return [*errors, RowError(rows[0].number, None, message)], len(rows)
        return errors, len(errors)

    def _plan_row(self, row: ParsedRow) -> RowError | None:
        """Work out the row's changes without touching any shared state until the whole row
        is known to be valid: a row is imported whole or not at all."""
        org_plan = None
        if self.with_organizations:
            org_plan = self._plan_organization(row)
            if isinstance(org_plan, RowError):
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
            org_ref = self._commit_organization(row, *org_plan)
        if person_plan is not None:
            person_state = self._commit_person(*person_plan)
            if row.affiliation is not None and org_ref is not None:
                self._plan_affiliation(person_state, org_ref, row.affiliation)
            if row.consent_email is not None:
                self._plan_consent(person_state, row.consent_email)
        return None

    def _column(self, name: str, *, person: bool = False) -> str:
        return f"person_{name}" if person and self.import_format == ImportFormat.COMBINED else name

    def _org_state_for(self, org: Organization) -> _OrgState:
        state = self.org_states.get(org.pk)
        if state is None:
            state = _OrgState(org=org, is_new=False, needs_membership=org.pk not in self.db_membership_org_ids)
            self.org_states[org.pk] = state
        return state

    def _find_organization(self, values: dict[str, Any]) -> _OrgState | Organization | None:
        flo_id = values.get("flo_id")
        if flo_id:
            if flo_id in self.org_by_flo:
                return self.org_by_flo[flo_id]
            if flo_id in self.db_org_by_flo:
                return self.org_states.get(self.db_org_by_flo[flo_id].pk) or self.db_org_by_flo[flo_id]
        if values.get("name") and values.get("country"):
            key = (values["country"], _organization_name_key(values["name"]))
            # A row with a FLO ID that the registry does not know yet may complete an
            # organization registered without one (an applicant), never replace another's.
            for state in self.org_by_name.get(key, ()):
                if not flo_id or not state.org.flo_id:
                    return state
            for org in self.db_org_by_name.get(key, ()):
                current = self.org_states.get(org.pk)
                flo = current.org.flo_id if current else org.flo_id
                if not flo_id or not flo:
                    return current or org
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
            org = _new(Organization, kind=Organization.Kind.SPO.value)
        else:
            org = found.org if isinstance(found, _OrgState) else found
        changes = {}
        for name, value in values.items():
            attname = "country_id" if name == "country" else name
            if getattr(org, attname) != value:
                changes[name] = value

        # Rules on the row's values merged with what the registry holds.
        latitude = changes.get("latitude", org.latitude)
        longitude = changes.get("longitude", org.longitude)
        country_code = changes.get("country", org.country_id)
        if (
            latitude is not None
            and longitude is not None
            and country_code
            and {"latitude", "longitude", "country"} & changes.keys()
        ):
            country = self.references.countries[country_code]
            if not country.contains(latitude, longitude):
                return RowError(row.number, "latitude", outside_country_message(country))

        cert_changes = None
        if row.certification is not None:
            values = dict(row.certification)
            standard = values.pop("standard")
            state = found.certifications.get(standard) if isinstance(found, _OrgState) else None
            cert = state.cert if state else (self.db_certifications.get((org.pk, standard)) if org.pk else None)
            current_status = cert.status if cert else Certification.Status.APPLICANT
            status = values.get("status", current_status)
            start = values.get("cycle_start", cert.cycle_start if cert else None)
            end = values.get("cycle_end", cert.cycle_end if cert else None)
            if start and end and end <= start:
                return RowError(row.number, "cycle_end", _("The cycle must end after it starts."))
            if status == Certification.Status.CERTIFIED and not end:
                return RowError(row.number, "cycle_end", _("A certified organization has a cycle end date."))
            cert_changes = (standard, cert, values)
        return found, org, changes, cert_changes

    def _commit_organization(self, row: ParsedRow, found, org: Organization, changes: dict, cert_changes) -> _OrgState:
        if found is None:
            state = _OrgState(org=org, is_new=True, needs_membership=True)
        elif isinstance(found, _OrgState):
            state = found
        else:
            state = self._org_state_for(found)
        for name, value in changes.items():
            setattr(org, "country_id" if name == "country" else name, value)
            state.changed.add(name)
        if "name" in changes or state.is_new:
            normalized = _organization_name_key(org.name)
            if org.normalized_name != normalized:
                org.normalized_name = normalized
                state.changed.add("normalized_name")
        if org.flo_id:
            self.org_by_flo[org.flo_id] = state
        key = (org.country_id, org.normalized_name)
        if state not in self.org_by_name[key]:
            self.org_by_name[key].append(state)
        if not state.is_new and org.pk not in self.org_states:
            self.org_states[org.pk] = state

        if row.products is not None:
            state.products = set(row.products)
            if state.current_products is None:
                state.current_products = set() if state.is_new else set(self.db_products.get(org.pk, ()))
        if row.membership_status and state.needs_membership:
            state.membership_status = row.membership_status

        if cert_changes is not None:
            standard, cert, values = cert_changes
            cert_state = state.certifications.get(standard)
            if cert_state is None:
                if cert is None:
                    cert = _new(Certification, standard=standard)
                    _link(cert, "organization_id", org)
                    cert_state = _CertState(cert=cert, is_new=True, previous_status=None)
                else:
                    cert_state = _CertState(cert=cert, is_new=False, previous_status=cert.status)
                state.certifications[standard] = cert_state
            for name, value in values.items():
                if getattr(cert_state.cert, name) != value:
                    setattr(cert_state.cert, name, value)
                    cert_state.changed.add(name)
        return state

    def _plan_person(self, row: ParsedRow) -> RowError | tuple:
        values = row.person
        email, phone = values.get("email"), values.get("phone")
        found: _PersonState | Person | None = None
        if email:
            found = self.person_by_email.get(email) or self.db_person_by_email.get(email)
        elif phone:
            found = self.person_by_phone.get(phone)
            if found is None:
                matches = self.db_person_by_phone.get(phone, [])
                if len(matches) > 1:
                    return RowError(
                        row.number,
                        self._column("phone", person=True),
                        _("Several people in the registry have this phone; add the person's email to tell them apart."),
                    )
                found = matches[0] if matches else None
        if isinstance(found, Person):
            found = self.person_states.get(found.pk) or found
        if found is None:
            if not values.get("first_name"):
                return RowError(
                    row.number,
                    self._column("first_name", person=True),
                    _("This person is not in the registry yet; give at least their first name to add them."),
                )
            person = _new(Person)
        else:
            person = found.person if isinstance(found, _PersonState) else found
        changes = {name: value for name, value in values.items() if getattr(person, name) != value}
        return found, person, changes

    def _commit_person(self, found, person: Person, changes: dict) -> _PersonState:
        if found is None:
            state = _PersonState(person=person, is_new=True)
        elif isinstance(found, _PersonState):
            state = found
        else:
            state = _PersonState(person=found, is_new=False)
            self.person_states[found.pk] = state
        for name, value in changes.items():
            setattr(person, name, value)
            state.changed.add(name)
        if state.is_new or {"first_name", "last_name"} & changes.keys():
            normalized = normalize_person_name(person.first_name, person.last_name)
            if person.normalized_name != normalized:
                person.normalized_name = normalized
                state.changed.add("normalized_name")
        if person.email:
            self.person_by_email[person.email] = state
        elif person.phone:
            self.person_by_phone[person.phone] = state
        return state

    def _plan_affiliation(self, person_state: _PersonState, org_ref: _OrgState | int, values: dict) -> None:
        person = person_state.person
        if isinstance(org_ref, _OrgState):
            org_key = _key(org_ref.org)
            organization_id = org_ref.org.pk
        else:
            org_key = organization_id = org_ref
        role = values["role"]
        key = (_key(person), org_key, role)
        state = self.affiliation_states.get(key)
        if state is None:
            existing = None
            if person.pk is not None and organization_id is not None:
                existing = self.db_affiliations.get((person.pk, organization_id, role))
            if existing is None:
                affiliation = _new(Affiliation, role=role)
                _link(affiliation, "person_id", person)
                if isinstance(org_ref, _OrgState):
                    _link(affiliation, "organization_id", org_ref.org)
                else:
                    affiliation.organization_id = org_ref
                state = _AffiliationState(affiliation=affiliation, is_new=True)
            else:
                state = _AffiliationState(affiliation=existing, is_new=False)
            self.affiliation_states[key] = state
        for name in ("start_date", "is_primary"):
            if name in values and getattr(state.affiliation, name) != values[name]:
                setattr(state.affiliation, name, values[name])
                state.changed.add(name)

    def _plan_consent(self, person_state: _PersonState, granted: bool) -> None:
        person = person_state.person
        key = _key(person)
        state = self.consent_states.get(key)
        if state is None:
            existing = self.db_consents.get(person.pk) if person.pk is not None else None
            if existing is None:
                consent = _new(Consent, channel=Consent.Channel.EMAIL.value, method=Consent.Method.IMPORT.value)
                _link(consent, "person_id", person)
                consent.granted = None  # set below, so a new consent always counts as changed
                state = _ConsentState(consent=consent, is_new=True)
            else:
                state = _ConsentState(consent=existing, is_new=False)
            self.consent_states[key] = state
        if state.consent.granted != granted:
            state.consent.granted = granted
            state.consent.given_at = timezone.now()
            state.consent.method = Consent.Method.IMPORT
            state.consent.recorded_by_id = getattr(self.actor, "pk", None)
            state.changed.update({"granted", "given_at", "method", "recorded_by"})

    # -- counting --

    def _tally(self) -> Counter:
        tally: Counter = Counter()
        for state in self.org_states_all():
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
        for state in self.person_states_all():
            if state.is_new:
                tally["people_created"] += 1
            elif state.changed:
                tally["people_updated"] += 1
            else:
                tally["people_unchanged"] += 1
        for state in self.affiliation_states.values():
            if state.is_new:
                tally["affiliations_created"] += 1
            elif state.changed:
                tally["affiliations_updated"] += 1
        for state in self.consent_states.values():
            if state.is_new:
                tally["consents_created"] += 1
            elif state.changed:
                tally["consents_updated"] += 1
        return tally

    def _count(self) -> None:
        self._batch_tally = self._tally()
        self.counts.update(self._batch_tally)

    def _uncount(self) -> None:
        self.counts.subtract(self._batch_tally)
        for key in [k for k, v in self.counts.items() if v <= 0]:
            del self.counts[key]

    def org_states_all(self) -> Iterable[_OrgState]:
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

    def person_states_all(self) -> Iterable[_PersonState]:
        seen: set[int] = set()
        for state in [*self.person_states.values(), *self.person_by_email.values(), *self.person_by_phone.values()]:
            if id(state) not in seen:
                seen.add(id(state))
                yield state

    # -- writing --

    def _create(self, model, objs: list) -> None:
        if not objs:
            return
        _resolve_links(objs)
        if connection.vendor == "postgresql":
            insert_with_copy(objs, model, history_user=self.actor, change_reason=self.reason)
        else:
            bulk_create_with_history(objs, model, default_user=self.actor, default_change_reason=self.reason)

    def _create_plain(self, model, objs: list) -> None:
        """Rows without history and whose ids nobody reads back (events, product links)."""
        if not objs:
            return
        if connection.vendor == "postgresql":
            insert_with_copy(objs, model, with_ids=False)
        else:
            model.objects.bulk_create(objs)

    def _update(self, model, states: Iterable) -> None:
        """bulk_update_with_history per set of changed fields, so each statement names only
        the columns the file changed (a concurrent edit of another column is kept)."""
        groups: dict[frozenset[str], list] = defaultdict(list)
        now = timezone.now()
        for obj, changed in states:
            if changed:
                if hasattr(obj, "updated_at"):
                    obj.updated_at = now
                groups[frozenset(changed)].append(obj)
        for changed, objs in groups.items():
            fields = sorted(changed | ({"updated_at"} if hasattr(objs[0], "updated_at") else set()))
            bulk_update_with_history(objs, model, fields, default_user=self.actor, default_change_reason=self.reason)

    def _write(self) -> None:
        today = timezone.localdate()
        org_states = list(self.org_states_all())
        if org_states:
            self._create(Organization, [s.org for s in org_states if s.is_new])
            self._update(Organization, ((s.org, s.changed) for s in org_states if not s.is_new))
            self._write_products(org_states)
            self._write_memberships(org_states, today)
            self._write_certifications(org_states)
        person_states = list(self.person_states_all())
        if person_states:
            self._create(Person, [s.person for s in person_states if s.is_new])
            self._update(Person, ((s.person, s.changed) for s in person_states if not s.is_new))
        if self.affiliation_states:
            states = self.affiliation_states.values()
            self._create(Affiliation, [s.affiliation for s in states if s.is_new])
            self._update(Affiliation, ((s.affiliation, s.changed) for s in states if not s.is_new))
        if self.consent_states:
            states = self.consent_states.values()
            self._create(Consent, [s.consent for s in states if s.is_new])
            self._update(Consent, ((s.consent, s.changed) for s in states if not s.is_new))

    def _write_products(self, org_states: list[_OrgState]) -> None:
        added: list = []
        removed: list[int] = []
        for state in org_states:
            if state.products is None or state.products == state.current_products:
                continue
            org_id = state.org.pk
            added.extend(
                ProductThrough(organization_id=org_id, product_id=product_id)
                for product_id in state.products - state.current_products
            )
            removed.extend(self.db_product_links[(org_id, p)] for p in state.current_products - state.products)
        if removed:
            ProductThrough.objects.filter(id__in=removed).delete()
        # The products were read in this batch's transaction and the links of a new
        # organization cannot exist yet, so nothing here can clash.
        self._create_plain(ProductThrough, added)

    def _write_memberships(self, org_states: list[_OrgState], today: datetime.date) -> None:
        memberships = [
            _new(
                Membership,
                organization_id=state.org.pk,
                status=state.membership_status,
                status_changed_on=today,
                joined_on=today if state.membership_status == Membership.Status.ACTIVE else None,
            )
            for state in org_states
            if state.needs_membership
        ]
        if not memberships:
            return
        self._create(Membership, memberships)
        self._create_plain(
            MembershipEvent,
            [
                _new(
                    MembershipEvent,
                    membership_id=membership.pk,
                    from_status="",
                    to_status=membership.status,
                    occurred_on=today,
                    reason=self.reason,
                    actor_id=getattr(self.actor, "pk", None),
                )
                for membership in memberships
            ],
        )
        for state in org_states:
            state.needs_membership = False

    def _write_certifications(self, org_states: list[_OrgState]) -> None:
        cert_states = [c for s in org_states for c in s.certifications.values()]
        if not cert_states:
            return
        self._create(Certification, [c.cert for c in cert_states if c.is_new])
        self._update(Certification, ((c.cert, c.changed) for c in cert_states if not c.is_new))
        # A suspended or withdrawn certificate puts the membership in the staff review queue
        # (as members.services.certification_set does); it never changes the membership.
        flagged: dict[int, list[str]] = defaultdict(list)
        for cert_state in cert_states:
            cert = cert_state.cert
            if cert.status in Certification.FLAGGING_STATUSES and cert_state.previous_status != cert.status:
                flagged[cert.organization_id].append(
                    _("Certificate (%(standard)s) is now %(status)s.")
                    % {"standard": cert.get_standard_display(), "status": cert.get_status_display()}
                )
        if not flagged:
            return
        now = timezone.now()
        memberships = list(Membership.objects.select_for_update().filter(organization_id__in=flagged))
        changed = []
        for membership in memberships:
            reasons = [r for r in flagged[membership.organization_id] if r not in membership.review_reason]
            if membership.review_requested_at is None:
                membership.review_requested_at = now
                membership.review_reason = "\n".join(reasons)
            elif reasons:
                membership.review_reason = "\n".join([membership.review_reason, *reasons]).strip()
            else:
                continue
            changed.append((membership, {"review_requested_at", "review_reason"}))
        self._update(Membership, changed)


# --- Inserting with COPY (PostgreSQL) -------------------------------------------------------


def insert_with_copy(objs: list, model, *, with_ids: bool = True, history_user=None, change_reason: str = "") -> None:
    """Insert new model instances, and their "created" history rows when the model keeps
    history, with PostgreSQL's COPY.

    Does what bulk_create + simple_history's bulk_create_with_history do (ids set on the
    instances, auto_now timestamps, foreign keys taken from saved parent instances, one
    history row per object attributed to the user, with the reason), several times faster:
    at 100,000 rows Django's multi-row INSERT spends most of its time building SQL. Ids come
    from the table's sequence first, so the instances have them, as with bulk_create."""
    from psycopg.types.json import Jsonb  # PostgreSQL only: the demo's SQLite never gets here

    meta = model._meta
    now = timezone.now()
    _prepare_for_insert(objs, model, now)
    with connection.cursor() as cursor:
        if with_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(objs)],
            )
            for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = connection.alias
            fields = list(meta.concrete_fields)
        else:
            fields = [f for f in meta.concrete_fields if not f.primary_key]
        _copy_rows(cursor, meta.db_table, fields, objs, Jsonb)

        if not with_ids or not hasattr(meta, "simple_history_manager_attribute"):
            return
        if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            return
        # The history rows are copied from the rows just inserted, by the database: the same
        # values simple_history's bulk_history_create would write, without sending every
        # row through Python a second time.
        history_meta = get_history_model_for_model(model)._meta
        special = {
            "history_date": now,
            "history_change_reason": change_reason,
            "history_type": "+",
            "history_user_id": getattr(history_user, "pk", None),
        }
        source = {f.attname: f for f in meta.concrete_fields}
        tracked, constant = [], []
        for f in history_meta.concrete_fields:
            if f.primary_key:
                continue
            if f.attname in special:
                constant.append(f)
            elif f.attname in source:
                tracked.append(f)
            else:
                raise ImproperlyConfigured(f"insert_with_copy does not know the history column {f.attname}")
        quote = connection.ops.quote_name
        target_columns = ", ".join(quote(f.column) for f in [*tracked, *constant])
        source_columns = ", ".join(quote(source[f.attname].column) for f in tracked)
        placeholders = ", ".join(["%s"] * len(constant))
        cursor.execute(
            f"INSERT INTO {quote(history_meta.db_table)} ({target_columns}) "  # noqa: S608 - names from _meta
            f"SELECT {source_columns}, {placeholders} FROM {quote(meta.db_table)} "
            f"WHERE {quote(meta.pk.column)} = ANY(%s) ORDER BY {quote(meta.pk.column)}",
            [*(special[f.attname] for f in constant), [obj.pk for obj in objs]],
        )


# PostgreSQL type names psycopg knows, for the column types Django declares.
_PG_TYPE_NAMES = {
    "bigint": "int8", "integer": "int4", "smallint": "int2", "boolean": "bool", "date": "date",
    "timestamp with time zone": "timestamptz", "numeric": "numeric", "varchar": "varchar", "text": "text",
    "jsonb": "jsonb", "uuid": "uuid", "double precision": "float8", "time": "time", "interval": "interval",
}  # fmt: skip


def _pg_type(field) -> str | None:
    declared = (field.db_type(connection) or "").split("(")[0].strip().lower()
    return _PG_TYPE_NAMES.get(declared)


def _copy_rows(cursor, table: str, fields: list, objs: list, jsonb) -> None:
    """COPY the objects' values of `fields`. attrgetter builds each row in C, and the binary
    format with the column types given up front spares psycopg a type lookup and a text
    conversion per value (about twice as fast); text format when a type is not known."""
    quote = connection.ops.quote_name
    get_values = attrgetter(*(f.attname for f in fields))
    json_positions = [i for i, f in enumerate(fields) if isinstance(f, JSONField)]
    columns = ", ".join(quote(f.column) for f in fields)
    types = [_pg_type(f) for f in fields]
    binary = all(types)
    statement = f"COPY {quote(table)} ({columns}) FROM STDIN" + (" (FORMAT BINARY)" if binary else "")
    with cursor.copy(statement) as copy:
        if binary:
            copy.set_types(types)
        write = copy.write_row
        for obj in objs:
            values = get_values(obj)
            if json_positions:
                values = list(values)
                for i in json_positions:
                    values[i] = jsonb(values[i])
            write(values)


def _prepare_for_insert(objs: list, model, now: datetime.datetime) -> None:
    """What Model.save() / bulk_create do before inserting: auto_now(_add) timestamps, and
    the ids of parents assigned as (since saved) instances."""
    meta = model._meta
    stamped = [
        f.attname for f in meta.concrete_fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    relations = [f for f in meta.concrete_fields if f.is_relation]
    for obj in objs:
        for name in stamped:
            setattr(obj, name, now)
        for f in relations:
            if getattr(obj, f.attname) is None and f.is_cached(obj):
                parent = f.get_cached_value(obj)
                if parent is not None:
                    if parent.pk is None:
                        raise ValueError(f"{model.__name__}.{f.name} points to an unsaved {type(parent).__name__}.")
                    setattr(obj, f.attname, parent.pk)


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
