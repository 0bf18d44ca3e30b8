"""A batch of the registry import, planned: for each record it touches, its state (the record,
whether it is new, which columns changed), and what the batch counts.

A record is a dict of a row's values by attname ("country_id", not "country"), with "id"
None until the row is written (clac.db.bulk). Records read from the database hold the columns
the import compares (planner's *_LOADED tuples); new records hold every column, with the
model's defaults."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Protocol

from members.importing.cleaning import ParsedRow
from members.importing.formats import RowError
from members.models import Membership

# Seconds spent per phase of an import ("lookups", "planning", "writing"…).
Timings = defaultdict[str, float]


@dataclass(eq=False, slots=True)
class CertState:
    record: dict
    is_new: bool
    changed: set[str] = field(default_factory=set)
    previous_status: str | None = None


@dataclass(eq=False, slots=True)
class OrgState:
    record: dict
    is_new: bool
    changed: set[str] = field(default_factory=set)
    # The file's products (replacing the current set), or None when the file leaves them.
    products: set[int] | None = None
    current_products: set[int] | None = None
    needs_membership: bool = False
    membership_status: str = Membership.Status.APPLICANT
    certifications: dict[str, CertState] = field(default_factory=dict)


@dataclass(eq=False, slots=True)
class PersonState:
    record: dict
    is_new: bool
    changed: set[str] = field(default_factory=set)


@dataclass(eq=False, slots=True)
class AffiliationState:
    record: dict
    is_new: bool
    # A new affiliation's person, and its organization when that is new in this batch too
    # (their ids are known only once they are written).
    person: dict | None = None
    organization: dict | None = None
    changed: set[str] = field(default_factory=set)


@dataclass(eq=False, slots=True)
class ConsentState:
    record: dict
    is_new: bool
    person: dict | None = None
    changed: set[str] = field(default_factory=set)


@dataclass(eq=False)
class BatchPlan:
    """One batch, planned: the states to write, what they count, and the keys and ids it
    touches (see ThreadedPipeline)."""

    rows: list[ParsedRow]
    errors: list[RowError]
    org_states: list[OrgState]
    person_states: list[PersonState]
    affiliation_states: list[AffiliationState]
    consent_states: list[ConsentState]
    db_product_links: dict[tuple[int, int], int]
    tally: Counter
    consent_time: datetime.datetime
    touched_keys: set[tuple] = field(default_factory=set)
    touched_ids: set[tuple[str, int]] = field(default_factory=set)
    rows_read: int = 0
    # PostgreSQL: the writes, prepared (see RegistryWriter.prepare).
    program: list[tuple] | None = None


def tally_plan(plan: BatchPlan) -> Counter:
    tally: Counter = Counter()
    for org_state in plan.org_states:
        if org_state.is_new:
            tally["organizations_created"] += 1
        elif org_state.changed or (org_state.products is not None and org_state.products != org_state.current_products):
            tally["organizations_updated"] += 1
        else:
            tally["organizations_unchanged"] += 1
        if org_state.needs_membership:
            tally["memberships_created"] += 1
        for cert_state in org_state.certifications.values():
            if cert_state.is_new:
                tally["certifications_created"] += 1
            elif cert_state.changed:
                tally["certifications_updated"] += 1
    for person_state in plan.person_states:
        if person_state.is_new:
            tally["people_created"] += 1
        elif person_state.changed:
            tally["people_updated"] += 1
        else:
            tally["people_unchanged"] += 1
    for affiliation_state in plan.affiliation_states:
        if affiliation_state.is_new:
            tally["affiliations_created"] += 1
        elif affiliation_state.changed:
            tally["affiliations_updated"] += 1
    for consent_state in plan.consent_states:
        if consent_state.is_new:
            tally["consents_created"] += 1
        elif consent_state.changed:
            tally["consents_updated"] += 1
    return tally


class BatchGate(Protocol):
    """What the planner asks of the pipeline: whether a batch is being written, and whether
    it touches the keys or ids the next batch reads (then the planner waits for its commit).
    The serial and threaded pipelines (pipeline.py) both answer it."""

    synchronous: bool

    @property
    def busy(self) -> bool: ...

    def touches(self, keys: set[tuple] | None = None, *, ids: set[tuple[str, int]] | None = None) -> bool: ...

    def wait(self) -> None: ...
