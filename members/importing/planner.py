"""Planning the registry import, one batch of rows at a time: what to create and what to change.

- organizations are found by FLO ID, else by (country, normalized name), else created (with
  an applicant membership, or the status the file gives);
- people by email (normalized), else by phone when the row has no email;
- affiliations by (person, organization, role) among the open ones.

Each batch reads what it needs in one query per table (clac.db.select_records), compares in
Python (records are plain dicts keyed by attname, not model instances: a 100,000-row file
builds half a million of them), and keeps only what changed, so importing the same file twice
changes nothing. Reads only: members.importing.writer writes the plan."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_noop as _  # marks msgids: RowError translates when read

from clac.db import Where, select_records, table_info
from members import rules
from members.importing.cleaning import ParsedRow, References
from members.importing.formats import ImportFormat, RowError
from members.importing.plan import (
    AffiliationState,
    BatchGate,
    BatchPlan,
    CertState,
    ConsentState,
    OrgState,
    PersonState,
    Timings,
    tally_plan,
)
from members.models import Affiliation, Certification, Consent, Membership, Organization, Person
from members.normalize import normalize_organization_name, normalize_person_name

ProductThrough = Organization.products.through

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
# A valid row's organization, worked out but not applied yet (Planner._plan_organization): what
# it matched (a state of this batch, a record read from the registry, or None for a new one),
# the record, its changed values, and (standard, certificate record or None, its values) when
# the row has a certification.
OrganizationPlan = tuple[OrgState | dict | None, dict, dict, tuple[str, dict | None, dict] | None]
# A valid row's person: what it matched (as above) and the changed values (all of them for
# a new person).
PersonPlan = tuple[PersonState | dict | None, dict]

_organization_name_key = lru_cache(maxsize=4096)(normalize_organization_name)
_person_name_key = lru_cache(maxsize=16384)(normalize_person_name)


# Extra conditions of the reads (SQL for PostgreSQL, the same as a Q elsewhere).
# FLO IDs are unique only when present (a partial index): saying so lets the database use it.
_HAS_FLO_ID = Where("flo_id <> ''", ~Q(flo_id=""))
_OPEN = Where("end_date IS NULL", Q(end_date__isnull=True))
_EMAIL_CHANNEL = Where("channel = 'email'", Q(channel=Consent.Channel.EMAIL))


class Planner:
    """Plans one batch at a time: reads what the batch compares against, then works out,
    row by row, what to create and change (reads only)."""

    def __init__(
        self, *, import_format: str, references: References, actor_id: int | None, pipe: BatchGate, timings: Timings
    ) -> None:
        self.import_format = import_format
        self.references = references
        self.actor_id = actor_id
        self.pipe = pipe
        self.timings = timings
        self.with_organizations = import_format != ImportFormat.PEOPLE
        self.with_people = import_format != ImportFormat.ORGANIZATIONS
        self.organizations = table_info(Organization)
        self.certifications = table_info(Certification)
        self.people = table_info(Person)
        self.affiliations = table_info(Affiliation)
        self.consents = table_info(Consent)

    def plan(self, rows: list[ParsedRow]) -> BatchPlan:
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
        plan = BatchPlan(
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
        plan.tally = tally_plan(plan)
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

    def _touched(self, keys: set[tuple], plan: BatchPlan) -> tuple[set[tuple], set[tuple[str, int]]]:
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
        for person_state in plan.person_states:
            record = person_state.record
            if record["email"]:
                keys.add(("email", record["email"].lower()))
            if record["phone"]:
                keys.add(("phone", record["phone"]))
            if record["id"] is not None:
                ids.add(("person", record["id"]))
        return keys, ids

    # -- reads --

    def _load(self, rows: list[ParsedRow], organizations: list[dict]) -> None:
        """Everything the batch compares against, one query per table. `organizations`: the
        rows' distinct organization values."""
        self.org_states: dict[int, OrgState] = {}
        self.org_by_flo: dict[str, OrgState] = {}
        self.org_by_name: dict[tuple[str, str], list[OrgState]] = defaultdict(list)
        self.db_org_by_flo: dict[str, dict] = {}
        self.db_org_by_name: dict[tuple[str, str], list[dict]] = defaultdict(list)
        self.person_states: dict[int, PersonState] = {}
        self.person_by_email: dict[str, PersonState] = {}
        self.person_by_phone: dict[str, PersonState] = {}
        self.db_person_by_email: dict[str, dict] = {}
        self.db_person_by_phone: dict[str, list[dict]] = defaultdict(list)
        self.db_affiliations: dict[tuple[int, int, str], dict] = {}
        self.db_consents: dict[int, dict] = {}
        self.affiliation_states: dict[tuple[int, int, str], AffiliationState] = {}
        self.consent_states: dict[int, ConsentState] = {}
        self.flo_to_org_id: dict[str, int] = {}
        self.db_membership_org_ids: set[int] = set()
        self.db_certifications: dict[tuple[int, str], dict] = {}
        self.db_products: dict[int, set[int]] = defaultdict(set)
        self.db_product_links: dict[tuple[int, int], int] = {}
        self._last_org: tuple[dict, OrgState] | None = None

        if self.with_organizations:
            flo_ids = {values["flo_id"] for values in organizations if "flo_id" in values}
            if flo_ids:
                for record in select_records(Organization, ORGANIZATION_LOADED, {"flo_id": flo_ids}, where=_HAS_FLO_ID):
                    self.db_org_by_flo[record["flo_id"]] = record
            # Names are looked up only for rows the FLO ID did not settle.
            name_keys = {
                (values["country"], _organization_name_key(values["name"]))
                for values in organizations
                if "name" in values and "country" in values and values.get("flo_id") not in self.db_org_by_flo
            }
            if name_keys:
                candidates = select_records(
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
                    for record in select_records(Membership, ("organization_id",), {"organization_id": existing_ids})
                }
                if any(row.certification for row in rows):
                    self.db_certifications = {
                        (record["organization_id"], record["standard"]): record
                        for record in select_records(
                            Certification, CERTIFICATION_LOADED, {"organization_id": existing_ids}
                        )
                    }
                if any(row.products is not None for row in rows):
                    for record in select_records(
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
                    for record in select_records(Organization, ("id", "flo_id"), {"flo_id": refs}, where=_HAS_FLO_ID)
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
            # Matched case-insensitively (lower(email) has an index): a person stored as
            # "Ana.Quispe@Coop.org" is the row's "ana.quispe@coop.org", not a new person.
            matching = Person.objects.alias(email_key=Lower("email")).filter(email_key__in=emails)
            ids = list(matching.values_list("id", flat=True))
            for record in select_records(Person, PERSON_LOADED, {"id": ids}, order="-id") if ids else []:
                self.db_person_by_email[record["email"].lower()] = record
        if phones:
            for record in select_records(Person, PERSON_LOADED, {"phone": phones}):
                self.db_person_by_phone[record["phone"]].append(record)
        person_ids = {record["id"] for record in self.db_person_by_email.values()}
        person_ids.update(record["id"] for records in self.db_person_by_phone.values() for record in records)
        if person_ids:
            if any(row.affiliation for row in rows):
                for record in select_records(Affiliation, AFFILIATION_LOADED, {"person_id": person_ids}, where=_OPEN):
                    self.db_affiliations[(record["person_id"], record["organization_id"], record["role"])] = record
            if any(row.consent_email is not None for row in rows):
                for record in select_records(Consent, CONSENT_LOADED, {"person_id": person_ids}, where=_EMAIL_CHANNEL):
                    self.db_consents[record["person_id"]] = record

    def _org_states_all(self) -> Iterator[OrgState]:
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

    def _person_states_all(self) -> Iterator[PersonState]:
        seen: set[int] = set()
        for state in [*self.person_states.values(), *self.person_by_email.values(), *self.person_by_phone.values()]:
            if id(state) not in seen:
                seen.add(id(state))
                yield state

    # -- rows --

    def _plan_row(self, row: ParsedRow) -> RowError | None:
        """Work out the row's changes without touching any shared state until the whole row
        is known to be valid: a row is imported whole or not at all."""
        org_plan: OrgState | OrganizationPlan | None = None
        if self.with_organizations:
            last = self._last_org
            if last is not None and last[0] is row.organization and last[1] is not None:
                # The previous row's organization cells, applied already: comparing them again
                # with the state they produced finds no change (a combined file repeats them
                # on each of the organization's people).
                org_plan = last[1]
            else:
                planned = self._plan_organization(row)
                if isinstance(planned, RowError):
                    self._last_org = None
                    return planned
                org_plan = planned
        person_plan: PersonPlan | None = None
        org_ref: OrgState | int | None = None
        if self.with_people and row.person is not None:
            if self.import_format == ImportFormat.PEOPLE and row.organization_flo_id:
                org_ref = self.flo_to_org_id.get(row.organization_flo_id)
                if org_ref is None:
                    return RowError(
                        row.number,
                        "organization_flo_id",
                        _("No organization in the registry has FLO ID %(flo_id)s."),
                        {"flo_id": row.organization_flo_id},
                    )
            person_planned = self._plan_person(row, row.person)
            if isinstance(person_planned, RowError):
                return person_planned
            person_plan = person_planned

        # The row is valid: apply it to the batch's state.
        if org_plan is not None:
            if isinstance(org_plan, OrgState):
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

    def _org_state_for(self, record: dict) -> OrgState:
        state = self.org_states.get(record["id"])
        if state is None:
            state = OrgState(
                record=record, is_new=False, needs_membership=record["id"] not in self.db_membership_org_ids
            )
            self.org_states[record["id"]] = state
        return state

    def _find_organization(self, values: dict[str, Any]) -> OrgState | dict | None:
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

    def _plan_organization(self, row: ParsedRow) -> RowError | OrganizationPlan:
        values = row.organization
        assert values is not None  # the cleaner refused the rows without organization cells
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
            record = found.record if isinstance(found, OrgState) else found
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
            problem = rules.coordinates_problem_message(self.references.countries[country_code], latitude, longitude)
            if problem is not None:
                return RowError(row.number, "latitude", *problem)

        cert_changes: tuple[str, dict | None, dict] | None = None
        if row.certification is not None:
            cert_values = dict(row.certification)
            standard = cert_values.pop("standard")
            state = found.certifications.get(standard) if isinstance(found, OrgState) else None
            cert: dict | None
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

    def _commit_organization(
        self,
        row: ParsedRow,
        found: OrgState | dict | None,
        record: dict,
        changes: dict,
        cert_changes: tuple[str, dict | None, dict] | None,
    ) -> OrgState:
        if found is None:
            state = OrgState(record=record, is_new=True, needs_membership=True)
        elif isinstance(found, OrgState):
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
                    cert_state = CertState(record=self.certifications.new(standard=standard), is_new=True)
                else:
                    cert_state = CertState(record=cert, is_new=False, previous_status=cert["status"])
                state.certifications[standard] = cert_state
            cert_record = cert_state.record
            for name, value in values.items():
                if cert_record[name] != value:
                    cert_record[name] = value
                    cert_state.changed.add(name)
        return state

    def _plan_person(self, row: ParsedRow, values: dict[str, Any]) -> RowError | PersonPlan:
        """`values`: the row's person cells (row.person)."""
        email = values.get("email")
        found: PersonState | dict | None = None
        if email:
            found = self.person_by_email.get(email)
            if found is None:
                db_record = self.db_person_by_email.get(email)
                if db_record is not None:
                    found = self.person_states.get(db_record["id"]) or db_record
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
            return None, values
        record = found.record if isinstance(found, PersonState) else found
        changes = {name: value for name, value in values.items() if record[name] != value}
        return found, changes

    def _commit_person(self, found: PersonState | dict | None, changes: dict) -> PersonState:
        if found is None:
            record = self.people.new(**changes)
            state = PersonState(record=record, is_new=True)
            record["normalized_name"] = _person_name_key(record["first_name"], record["last_name"])
        else:
            if isinstance(found, PersonState):
                state = found
            else:
                state = PersonState(record=found, is_new=False)
                self.person_states[found["id"]] = state
            record = state.record  # the record _plan_person compared
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

    def _plan_affiliation(self, person_state: PersonState, org_ref: OrgState | int, values: dict) -> None:
        person = person_state.record
        person_id = person["id"]
        org_record = None
        if type(org_ref) is OrgState:
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
                self.affiliation_states[key] = AffiliationState(
                    record=record, is_new=True, person=person, organization=org_record
                )
                return
            state = AffiliationState(record=existing, is_new=False)
            self.affiliation_states[key] = state
        record = state.record
        for name in ("start_date", "is_primary"):
            if name in values and record[name] != values[name]:
                record[name] = values[name]
                state.changed.add(name)

    def _plan_consent(self, person_state: PersonState, granted: bool) -> None:
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
                self.consent_states[key] = ConsentState(record=record, is_new=True, person=person)
                return
            state = ConsentState(record=existing, is_new=False)
            self.consent_states[key] = state
        record = state.record
        if record["granted"] != granted:
            record["granted"] = granted
            record["given_at"] = self.consent_time
            record["method"] = Consent.Method.IMPORT.value
            record["recorded_by_id"] = self.actor_id
            state.changed.update(("granted", "given_at", "method", "recorded_by_id"))
