"""Writing planned rows: bulk inserts with their planned dates and their first history row.

The demo bypasses the per-row services on purpose: they validate and write one row at a time
(tens of thousands of queries for 950 organizations), and the planners generate data that is
valid under the same rules. History rows are still written for every audited model,
attributed to the demo admin."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connections, models, router
from simple_history.utils import get_history_manager_for_model

from clac.models import User

BATCH_SIZE = 500
CHANGE_REASON = "Demo data (seed_demo)"


def stamp[ModelT: models.Model](
    obj: ModelT, created: datetime.datetime, updated: datetime.datetime | None = None
) -> ModelT:
    """Plan the row's own dates (written by `insert`) and the date of its first history row."""
    obj.created_at = created  # type: ignore[attr-defined]
    if hasattr(obj, "updated_at"):
        obj.updated_at = updated or created
    obj._history_date = created  # type: ignore[attr-defined]
    return obj


def _auto_timestamp_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        f for f in model._meta.concrete_fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]


def insert[ModelT: models.Model](
    objs: list[ModelT], model: type[ModelT], admin: User, *, history: bool = True
) -> list[ModelT]:
    """Insert `objs`, then give the stamped ones back their planned dates, then write their
    first history row (dated by `stamp`, carrying the planned dates like the row itself).

    bulk_create fills auto_now / auto_now_add fields with the current time, but a membership
    joined in 2009 or a report submitted last March needs its real dates. Rather than switching
    those flags off on the model fields, the planned dates are written afterwards by one
    set-based UPDATE per batch. Rows nobody stamped keep the insert time."""
    if not objs:
        return objs
    fields = _auto_timestamp_fields(model)
    planned: list[tuple[ModelT, list[tuple[str, Any]]]] = []
    for obj in objs:
        values = [(f.attname, getattr(obj, f.attname)) for f in fields]
        if any(value is not None for _name, value in values):
            planned.append((obj, values))
    model._default_manager.bulk_create(objs, batch_size=BATCH_SIZE)
    for obj, values in planned:
        for name, value in values:
            if value is not None:
                setattr(obj, name, value)
    if planned:
        _write_columns(model, [obj for obj, _values in planned], fields)
    if history:
        if objs[0].pk is None:  # SQLite and PostgreSQL return them; the history rows need them
            raise RuntimeError("bulk_create returned no primary keys on this database.")
        get_history_manager_for_model(model).bulk_history_create(
            objs, batch_size=BATCH_SIZE, default_user=admin, default_change_reason=CHANGE_REASON
        )
    return objs


def _column(field: models.Field) -> str:
    # Only fields without a column of their own (many-to-many) have none; these are concrete.
    if field.column is None:
        raise ValueError(f"{field} has no column")
    return field.column


def _write_columns(model: type[models.Model], objs: list[Any], fields: list[models.Field]) -> None:
    """UPDATE table SET col = v.columnN FROM (VALUES (pk, …), …) AS v WHERE table.pk = v.column1:
    one statement per batch, the same on SQLite (3.33+) and PostgreSQL, which both name the
    VALUES columns column1, column2…. bulk_update() would do the same job with one CASE branch
    per row and field, which made the small demo about 50 % slower."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    pk = model._meta.pk
    assignments = ", ".join(f"{quote(_column(f))} = v.column{index}" for index, f in enumerate(fields, start=2))
    placeholders = ["%s"]
    for f in fields:
        # PostgreSQL types VALUES columns from their literals: name the type rather than rely on it.
        placeholders.append(f"CAST(%s AS {f.db_type(connection)})" if connection.vendor == "postgresql" else "%s")
    row = f"({', '.join(placeholders)})"
    # Only quoted table and column names from the model's meta go into the text.
    table = quote(model._meta.db_table)
    head = f"UPDATE {table} SET {assignments} FROM (VALUES "  # noqa: S608
    tail = f") AS v WHERE {table}.{quote(_column(pk))} = v.column1"
    batch_size = min(BATCH_SIZE, connection.ops.bulk_batch_size([pk, *fields], objs))
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            batch = objs[start : start + batch_size]
            params: list[Any] = []
            for obj in batch:
                params.append(pk.get_db_prep_value(obj.pk, connection))
                params += [f.get_db_prep_value(getattr(obj, f.attname), connection) for f in fields]
            cursor.execute(head + ", ".join([row] * len(batch)) + tail, params)
