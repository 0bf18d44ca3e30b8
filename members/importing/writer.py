"""Writing the registry import's planned batches: which of the registry's tables get what, in
which order, each batch in its own transaction. The set-based writing itself (COPY, UPDATE …
FROM unnest, the history rows) is the platform's (clac.db.bulk); this module is what is
particular to the registry: memberships and their events for new organizations, product
links, certifications and the review queue."""

from __future__ import annotations

import datetime
import time
from collections import defaultdict
from typing import Any

from django.db import DataError, IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from clac.db import BulkStore, OrmBulkStore, PostgresBulkStore, table_info
from members import rules
from members.importing.plan import BatchPlan, OrgState, Timings
from members.models import Affiliation, Certification, Consent, Membership, MembershipEvent, Organization, Person

ProductThrough = Organization.products.through


class RegistryWriter:
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
        self.timings: Timings = defaultdict(float)

    def prepare(self, plan: BatchPlan) -> None:
        if connection.vendor != "postgresql":
            return
        store = PostgresBulkStore(actor_id=self.actor_id, reason=self.reason, recording=True)
        self._write(store, plan)
        plan.program = store.program

    def write(self, plan: BatchPlan) -> Exception | None:
        """Write one batch; returns the database's refusal, if any (the batch is then rolled
        back as a whole)."""
        started = time.perf_counter()
        try:
            with transaction.atomic():
                if plan.program is not None:
                    PostgresBulkStore(actor_id=self.actor_id, reason=self.reason).run(plan.program)
                else:
                    self._write(OrmBulkStore(actor=self.actor, reason=self.reason), plan)
        except (IntegrityError, DataError, OperationalError) as exc:
            return exc
        finally:
            self.timings["writing"] += time.perf_counter() - started
        return None

    def _write(self, store: BulkStore, plan: BatchPlan) -> None:
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
                    assert state.person is not None  # a new affiliation carries its person (the planner's)
                    record["person_id"] = state.person["id"]
                    if state.organization is not None:
                        record["organization_id"] = state.organization["id"]
                    new.append(record)
            store.insert(Affiliation, new)
            store.update(Affiliation, [(s.record, s.changed) for s in plan.affiliation_states if not s.is_new])
        if plan.consent_states:
            new = []
            for consent_state in plan.consent_states:
                if consent_state.is_new:
                    assert consent_state.person is not None  # a new consent carries its person (the planner's)
                    consent_state.record["person_id"] = consent_state.person["id"]
                    new.append(consent_state.record)
            store.insert(Consent, new)
            store.update(Consent, [(s.record, s.changed) for s in plan.consent_states if not s.is_new])

    def _write_products(self, store: BulkStore, org_states: list[OrgState], links: dict[tuple[int, int], int]) -> None:
        added: list[dict] = []
        removed: list[int] = []
        for state in org_states:
            products, current = state.products, state.current_products
            if products is None or products == current:
                continue
            assert current is not None  # read with the file's products (planner._commit_organization)
            org_id = state.record["id"]
            added.extend(
                {"id": None, "organization_id": org_id, "product_id": product_id} for product_id in products - current
            )
            removed.extend(links[(org_id, p)] for p in current - products)
        store.delete(ProductThrough, removed)
        # The products were read before this batch and the links of a new organization
        # cannot exist yet, so nothing here can clash (the pipeline sees to the first).
        store.insert(ProductThrough, added, audited=False)

    def _write_memberships(self, store: BulkStore, org_states: list[OrgState], today: datetime.date) -> None:
        table = table_info(Membership)
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
        events = table_info(MembershipEvent)
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

    def _write_certifications(self, store: BulkStore, org_states: list[OrgState]) -> None:
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
            if rules.certificate_change_flags(previous_status=cert_state.previous_status, status=cert["status"]):
                flagged[cert["organization_id"]].append(
                    rules.certificate_flag_reason(
                        str(Certification.Standard(cert["standard"]).label),
                        str(Certification.Status(cert["status"]).label),
                    )
                )
        if flagged:
            store.defer(_flag_for_review, dict(flagged))


def _flag_for_review(store: BulkStore, flagged: dict[int, list[str]]) -> None:
    """Put the organizations' memberships in the review queue with the reasons not yet
    there; in the writing transaction, with the memberships locked."""
    now = timezone.now()
    memberships = Membership.objects.select_for_update().filter(organization_id__in=flagged)
    changed: list[tuple[dict[str, Any], set[str]]] = []
    for membership in memberships.values("id", "organization_id", "review_requested_at", "review_reason"):
        reasons = [r for r in flagged[membership["organization_id"]] if r not in membership["review_reason"]]
        if membership["review_requested_at"] is None:
            requested_at, reason = now, "\n".join(reasons)
        elif reasons:
            requested_at = membership["review_requested_at"]
            reason = "\n".join([membership["review_reason"], *reasons]).strip()
        else:
            continue
        record = {"id": membership["id"], "review_requested_at": requested_at, "review_reason": reason}
        changed.append((record, {"review_requested_at", "review_reason"}))
    store.update(Membership, changed)
