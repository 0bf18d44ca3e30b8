"""Registry import, the fast path: batches written on a second thread while the next is planned
(PostgreSQL, outside a transaction), set-based writes, batches the database refuses, and the
row cleaner sharing an organization's outcome between its people's rows."""

import io
import threading
import time
from collections import Counter

import pytest
from django.db import connection

from clac.db import PostgresBulkStore
from clac.roles import StaffRole
from members.importing import COMBINED_COLUMNS, PERSON_COLUMNS, registry_import
from members.importing.writer import RegistryWriter
from members.models import (
    Affiliation,
    Certification,
    Consent,
    Membership,
    MembershipEvent,
    Organization,
    Person,
)
from tests.factories import AffiliationFactory, MembershipFactory, OrganizationFactory, PersonFactory, staff_user
from tests.members.test_import import combined_row, csv_bytes, org_row, person_row, table_counts

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the pipeline is PostgreSQL's")
AUDITED = [Organization, Membership, Certification, Person, Affiliation, Consent]


def run_import(content: bytes, **kwargs):
    result = registry_import(file=io.BytesIO(content), filename="pipeline.csv", **kwargs)
    result.close()
    return result


def existing_registry() -> None:
    """Records the file updates: an organization (FLO ID 2145) with a suspended membership, a
    person known by email with an open affiliation and a consent."""
    org = OrganizationFactory(flo_id="2145", name="Pangoa", locality="Pangoa")
    MembershipFactory(organization=org, status=Membership.Status.SUSPENDED)
    person = PersonFactory(email="p1@coopangoa.example.org", first_name="Esperanza", last_name="Diaz")
    AffiliationFactory(person=person, organization=org, role="delegate", is_primary=False)


def busy_file(*, contradicting: bool = True) -> bytes:
    """Rows whose records span batches of 3: one organization on seven rows (split across
    batches), a person on two organizations far apart, the existing records updated and, when
    `contradicting`, an organization's certificate and a person changed again later in the
    file (so importing it twice changes them twice)."""
    rows = [combined_row(email=f"p{i}@coopangoa.example.org", role="delegate") for i in range(1, 8)]
    for index in range(8):
        flo_id = str(3000 + index)
        rows.append(
            combined_row(
                org_row(flo_id=flo_id, name=f"Coop {index}", products="honey" if index % 2 else "coffee|cocoa"),
                email=f"x{index}@coop{index}.example.org",
                consent_email="no" if index % 3 else "yes",
            )
        )
        if index == 2:
            rows.append(combined_row(org_row(flo_id=flo_id, name=f"Coop {index}"), email="p3@coopangoa.example.org"))
    rows.append(combined_row(org_row(locality="San Martín de Pangoa"), email="p2@coopangoa.example.org"))
    if contradicting:
        rows.append(
            combined_row(
                org_row(flo_id="3001", name="Coop 1", certification_status="suspended", cycle_end="2027-02-28"),
                email="x1@coop1.example.org",
                last_name="Otro",
            )
        )
    return csv_bytes(rows, COMBINED_COLUMNS)


def registry_state() -> dict:
    """The registry as the import left it, without ids and timestamps."""
    return {
        "organizations": sorted(
            Organization.objects.values_list("flo_id", "name", "locality", "normalized_name", "latitude")
        ),
        "products": sorted(Organization.products.through.objects.values_list("organization__flo_id", "product__code")),
        "memberships": sorted(
            Membership.objects.values_list("organization__flo_id", "status", "review_reason", "joined_on")
        ),
        "events": sorted(MembershipEvent.objects.values_list("membership__organization__flo_id", "to_status")),
        "certifications": sorted(
            Certification.objects.values_list("organization__flo_id", "standard", "status", "cycle_end")
        ),
        "people": sorted(Person.objects.values_list("email", "first_name", "last_name", "normalized_name")),
        "affiliations": sorted(
            Affiliation.objects.values_list("person__email", "organization__flo_id", "role", "is_primary")
        ),
        "consents": sorted(Consent.objects.values_list("person__email", "granted", "method")),
        "history": {
            model.__name__: Counter(model.history.values_list("history_type", "history_user__username"))
            for model in AUDITED
        },
    }


def wipe_registry() -> None:
    for model in (Consent, Affiliation, Person, MembershipEvent, Membership, Certification, Organization):
        model.objects.all().delete()
    for model in AUDITED:
        model.history.all().delete()


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_pipelined_import_leaves_the_registry_the_serial_one_does():
    actor = staff_user(StaffRole.ADMIN, username="importer")
    content = busy_file()

    existing_registry()
    pipelined = run_import(content, actor=actor, batch_size=3, pipeline=True)
    after_pipelined = registry_state()
    wipe_registry()
    existing_registry()
    serial = run_import(content, actor=actor, batch_size=3, pipeline=False)

    assert pipelined.pipelined and not serial.pipelined
    assert pipelined.rows_with_errors == serial.rows_with_errors == 0, pipelined.errors
    assert pipelined.counts == serial.counts
    assert registry_state() == after_pipelined
    assert after_pipelined["history"]["Person"][("+", "importer")] == pipelined.counts["people_created"] == 14
    assert after_pipelined["history"]["Organization"][("~", "importer")] == 1
    assert ("3001", "spo", "suspended") in {cert[:3] for cert in after_pipelined["certifications"]}
    assert any("suspended" in reason.lower() for _flo, _status, reason, _joined in after_pipelined["memberships"])


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_pipelined_import_of_the_same_file_again_changes_nothing():
    actor = staff_user(StaffRole.ADMIN, username="importer")
    existing_registry()
    content = busy_file(contradicting=False)
    first = run_import(content, actor=actor, batch_size=3)
    assert first.pipelined and first.rows_with_errors == 0, first.errors
    before = table_counts()

    second = run_import(content, actor=actor, batch_size=3)

    assert table_counts() == before
    assert set(second.counts) == {"organizations_unchanged", "people_unchanged"}


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_pipelined_dry_run_writes_nothing():
    existing_registry()
    before = table_counts()

    result = run_import(busy_file(), dry_run=True, batch_size=3, pipeline=True)

    assert not result.pipelined
    # Counted per batch: a person repeated in a later batch counts again.
    assert result.counts["people_created"] >= 14
    assert table_counts() == before


def race_on(flo_id: str):
    """Stands for a concurrent edit: once the batch holding `flo_id` is planned (as new), an
    organization with that FLO ID is saved, so the database refuses the batch."""
    prepare = RegistryWriter.prepare

    def racing_prepare(self, plan):
        prepare(self, plan)
        if any(row.organization.get("flo_id") == flo_id for row in plan.rows):
            OrganizationFactory(flo_id=flo_id, name="Saved meanwhile")

    return racing_prepare


@pytest.mark.parametrize("pipeline", [True, False])
@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_batch_the_database_refuses_is_reported_and_the_others_are_imported(monkeypatch, pipeline):
    monkeypatch.setattr(RegistryWriter, "prepare", race_on("3002"))
    rows = [
        combined_row(org_row(flo_id=str(3000 + i), name=f"Coop {i}"), email=f"x{i}@coop.example.org") for i in range(6)
    ]

    result = run_import(csv_bytes(rows, COMBINED_COLUMNS), batch_size=2, pipeline=pipeline)

    assert result.pipelined is pipeline
    # Rows 4 and 5 (FLO IDs 3002 and 3003) were one batch: refused whole, the rest saved.
    assert result.rows_with_errors == 2
    assert [(e.row, e.column) for e in result.errors] == [(4, None)]
    assert "Rows 4 to 5 were not imported" in result.errors[0].message
    assert sorted(Organization.objects.values_list("flo_id", flat=True)) == ["3000", "3001", "3002", "3004", "3005"]
    assert Organization.objects.get(flo_id="3002").name == "Saved meanwhile"
    assert not Person.objects.filter(email__in=["x2@coop.example.org", "x3@coop.example.org"]).exists()
    assert result.counts["organizations_created"] == 4
    assert result.counts["people_created"] == 4
    assert Person.history.count() == 4


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failure_in_the_writing_thread_stops_the_import_and_the_thread(monkeypatch):
    def broken(self, program):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(PostgresBulkStore, "run", broken)
    threads = threading.active_count()
    rows = [combined_row(org_row(flo_id=str(3000 + i), name=f"Coop {i}"), email=f"x{i}@c.org") for i in range(6)]

    with pytest.raises(RuntimeError, match="disk on fire"):
        run_import(csv_bytes(rows, COMBINED_COLUMNS), batch_size=2, pipeline=True)

    assert threading.active_count() == threads
    assert not Organization.objects.exists()


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_later_batch_waits_for_the_one_that_writes_its_person(monkeypatch):
    """The second batch changes a person the first creates: it must read it after the first
    batch's commit, or it would create the person twice."""
    write = RegistryWriter.write

    def slow_write(self, plan):
        time.sleep(0.3)  # so the first batch is surely still being written
        return write(self, plan)

    monkeypatch.setattr(RegistryWriter, "write", slow_write)
    org = OrganizationFactory(flo_id="2145")
    rows = [person_row(email=f"p{i}@x.org", first_name=f"P{i}", role="delegate") for i in range(3)]
    rows.append(person_row(email="p0@x.org", first_name="Renamed", role="delegate", is_primary="no"))

    result = run_import(csv_bytes(rows, PERSON_COLUMNS), batch_size=3, pipeline=True)

    assert result.pipelined and result.rows_with_errors == 0, result.errors
    assert Person.objects.filter(email="p0@x.org").get().first_name == "Renamed"
    assert Affiliation.objects.filter(organization=org).count() == 3
    assert result.counts["people_created"] == 3
    assert result.counts["people_updated"] == 1
    assert result.timings["waiting for writes"] >= 0.1


# --- The row cleaner ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_errors_in_an_organizations_repeated_cells_are_reported_on_each_of_its_rows():
    bad_org = org_row(country="XX", kind="cooperative")
    rows = [
        combined_row(bad_org, email="a@x.org"),
        combined_row(bad_org, email="b@x.org", role="boss"),
        combined_row(bad_org, email="c@x.org"),
        combined_row(org_row(flo_id="2146", name="Buena"), email="d@x.org"),
    ]

    result = run_import(csv_bytes(rows, COMBINED_COLUMNS), pipeline=False)

    assert [(e.row, e.column) for e in result.errors] == [
        (2, "kind"),
        (2, "country"),
        (3, "kind"),
        (3, "country"),
        (3, "person_role"),
        (4, "kind"),
        (4, "country"),
    ]
    assert result.rows_with_errors == 3
    assert list(Organization.objects.values_list("flo_id", flat=True)) == ["2146"]


@pytest.mark.django_db
def test_rows_of_spaces_and_tabs_are_skipped():
    content = csv_bytes([org_row()], ["flo_id", "name", "country"]) + b" , \t,  \n"

    result = run_import(content, pipeline=False)

    assert result.rows == 1
    assert result.rows_with_errors == 0
