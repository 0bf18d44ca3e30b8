"""clac.db.bulk: the set-based writer and the simple_history layout it writes by hand.

The PostgreSQL writer copies history rows with INSERT … SELECT instead of going through
simple_history, so it relies on the historical tables' layout (history_layout). These tests
fail when a django-simple-history upgrade changes that layout or what its API reads back."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.models import Q

from clac.db import (
    HISTORY_OWN_COLUMNS,
    HISTORY_PK_COLUMN,
    OrmBulkStore,
    PostgresBulkStore,
    Where,
    history_layout,
    select_records,
    table_info,
)
from clac.roles import StaffRole
from members.models import Organization
from tests.factories import product, staff_user

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based writer is PostgreSQL's")

REASON = "Imported from registry.csv"
AUDITED_MODELS = [model for model in apps.get_models() if hasattr(model._meta, "simple_history_manager_attribute")]


def organization_values(**overrides) -> dict:
    values = {
        "name": "Cooperativa Agraria Cafetalera Pangoa",
        "kind": Organization.Kind.SPO.value,
        "country_id": "PE",
        "flo_id": "2145",
        "legal_name": "Cooperativa Agraria Cafetalera Pangoa Ltda.",
        "latitude": Decimal("-11.427500"),
        "longitude": Decimal("-74.488600"),
        "founding_year": 1977,
        "languages": ["es", "qu"],
    }
    values.update(overrides)
    return values


def bulk_store(kind: str, user):
    if kind == "postgres":
        return PostgresBulkStore(actor_id=user.pk, reason=REASON)
    return OrmBulkStore(actor=user, reason=REASON)


def as_read_back(history) -> dict:
    """What simple_history's API gives for a history record, without what differs between any
    two records (ids, times, the FLO ID the tests vary, and search_text, which holds the FLO ID
    and is not historized)."""
    instance = history.instance
    skipped = {"id", "flo_id", "created_at", "updated_at", "search_text"}
    return {
        "history_type": history.history_type,
        "history_user": history.history_user,
        "history_change_reason": history.history_change_reason,
        "history_date_is_aware": history.history_date.tzinfo is not None,
        "instance": {
            f.attname: getattr(instance, f.attname)
            for f in Organization._meta.concrete_fields
            if f.attname not in skipped
        },
        "stamps": (instance.created_at is not None, instance.updated_at is not None),
    }


# --- The history layout ---------------------------------------------------------------------------


def test_the_historical_table_of_organizations_is_what_the_bulk_writer_writes():
    history = Organization.history.model._meta
    layout = history_layout(Organization)
    model_columns = {f.column for f in Organization._meta.concrete_fields}

    assert history.pk.column == HISTORY_PK_COLUMN == "history_id"
    assert [f.attname for f in layout.own] == list(HISTORY_OWN_COLUMNS)
    assert set(HISTORY_OWN_COLUMNS) == {"history_date", "history_change_reason", "history_type", "history_user_id"}
    # normalized_name and search_text (generated) are excluded from the history
    # (HistoricalRecords(excluded_fields=...)).
    assert {f.column for f in layout.copied} == model_columns - {"normalized_name", "search_text"}
    # Every column of the historical table is written (or is its own sequence's): a column
    # added by simple_history would be left empty by the bulk writer.
    assert {f.column for f in history.concrete_fields} == {
        HISTORY_PK_COLUMN,
        *HISTORY_OWN_COLUMNS,
        *(f.column for f in layout.copied),
    }
    assert layout.db_table == history.db_table


@pytest.mark.parametrize("model", AUDITED_MODELS, ids=lambda model: model._meta.label)
def test_every_audited_models_history_has_the_layout_the_bulk_writer_knows(model):
    history = model.history.model._meta
    layout = history_layout(model)

    assert {f.column for f in history.concrete_fields} == {
        HISTORY_PK_COLUMN,
        *(f.column for f in layout.own),
        *(f.column for f in layout.copied),
    }
    assert {f.attname for f in layout.copied} <= {f.attname for f in model._meta.concrete_fields}


@postgresql_only
@pytest.mark.django_db
def test_a_bulk_written_history_row_reads_back_as_one_written_by_save():
    user = staff_user(StaffRole.ADMIN, username="importer")
    saved = Organization(**organization_values())
    saved._history_user = user
    saved._change_reason = REASON
    saved.save()
    saved.name = "Cooperativa Pangoa"
    saved._change_reason = REASON
    saved.save()

    record = table_info(Organization).new(**organization_values(flo_id="2146"))
    with transaction.atomic():
        PostgresBulkStore(actor_id=user.pk, reason=REASON).insert(Organization, [record])
    record["name"] = "Cooperativa Pangoa"
    with transaction.atomic():
        PostgresBulkStore(actor_id=user.pk, reason=REASON).update(Organization, [(record, {"name"})])
    bulk = Organization.objects.get(pk=record["id"])

    saved_created, saved_changed = saved.history.order_by("history_date")
    bulk_created, bulk_changed = bulk.history.order_by("history_date")
    assert as_read_back(bulk_created) == as_read_back(saved_created)
    assert as_read_back(bulk_changed) == as_read_back(saved_changed)
    assert bulk_changed.history_type == "~" and bulk_changed.history_user == user
    assert bulk_changed.prev_record == bulk_created
    saved_diff = saved_changed.diff_against(saved_created)
    bulk_diff = bulk_changed.diff_against(bulk_created)
    assert (
        {(c.field, c.old, c.new) for c in bulk_diff.changes if c.field != "updated_at"}
        == {(c.field, c.old, c.new) for c in saved_diff.changes if c.field != "updated_at"}
        == {("name", "Cooperativa Agraria Cafetalera Pangoa", "Cooperativa Pangoa")}
    )
    # The history copies the row as written, timestamps included.
    assert (bulk_changed.created_at, bulk_changed.updated_at) == (bulk.created_at, bulk.updated_at)
    as_created = Organization.history.as_of(bulk_created.history_date).get(id=bulk.id)
    assert as_created.name == "Cooperativa Agraria Cafetalera Pangoa"


# --- The writer's interface ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [pytest.param("postgres", marks=postgresql_only), "orm"])
@pytest.mark.django_db
def test_a_bulk_store_inserts_updates_and_deletes_records_with_their_history(kind):
    user = staff_user(StaffRole.ADMIN, username="importer")
    organizations = table_info(Organization)
    records = [organizations.new(**organization_values(flo_id=str(3000 + i), name=f"Coop {i}")) for i in range(3)]

    with transaction.atomic():
        bulk_store(kind, user).insert(Organization, records)
    ids = [record["id"] for record in records]
    assert None not in ids
    assert list(Organization.objects.filter(id__in=ids).order_by("id").values_list("name", "languages")) == [
        (f"Coop {i}", ["es", "qu"]) for i in range(3)
    ]

    records[0]["name"], records[1]["region"], records[2]["region"] = "Renamed", "Junín", "Cusco"
    changes = [(records[0], {"name"}), (records[1], {"region"}), (records[2], {"region"})]
    with transaction.atomic():
        bulk_store(kind, user).update(Organization, changes)
    assert Organization.objects.get(id=ids[0]).name == "Renamed"
    assert Organization.objects.get(id=ids[2]).region == "Cusco"
    history = Organization.history.filter(id__in=ids)
    assert sorted(history.values_list("history_type", flat=True)) == ["+", "+", "+", "~", "~", "~"]
    assert set(history.values_list("history_user_id", "history_change_reason")) == {(user.pk, REASON)}

    found = select_records(
        Organization,
        ("id", "flo_id", "region"),
        {"flo_id": {"3000", "3001", "3002", "9999"}},
        where=Where("region <> ''", ~Q(region="")),
        order="-id",
    )
    assert found == [
        {"id": ids[2], "flo_id": "3002", "region": "Cusco"},
        {"id": ids[1], "flo_id": "3001", "region": "Junín"},
    ]

    # Link rows: not audited, no ids back; deleted by id.
    links = Organization.products.through
    coffee = product("coffee")
    with transaction.atomic():
        bulk_store(kind, user).insert(
            links, [{"id": None, "organization_id": i, "product_id": coffee.id} for i in ids], audited=False
        )
    link_ids = [r["id"] for r in select_records(links, ("id",), {"organization_id": ids[:2]})]
    assert len(link_ids) == 2
    with transaction.atomic():
        bulk_store(kind, user).delete(links, link_ids)
    assert list(links.objects.values_list("organization_id", flat=True)) == [ids[2]]


@postgresql_only
@pytest.mark.django_db
def test_a_recorded_program_writes_nothing_until_it_is_run():
    user = staff_user(StaffRole.ADMIN, username="importer")
    record = table_info(Organization).new(**organization_values())
    recorder = PostgresBulkStore(actor_id=user.pk, reason=REASON, recording=True)
    called = []

    recorder.insert(Organization, [record])
    recorder.defer(lambda store, value: called.append((type(store), value)), 42)

    # The id is reserved at once; the row, its history and the deferred call wait for run().
    assert record["id"] is not None
    assert not Organization.objects.filter(id=record["id"]).exists()
    assert called == []
    with transaction.atomic():
        PostgresBulkStore(actor_id=user.pk, reason=REASON).run(recorder.program)
    assert Organization.objects.get(id=record["id"]).history.get().history_user == user
    assert called == [(PostgresBulkStore, 42)]
    assert isinstance(Organization.objects.get(id=record["id"]).created_at, datetime.datetime)
