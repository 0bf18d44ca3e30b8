"""Set-based reads and writes of many rows at once, with their simple_history records.

Records are plain dicts keyed by attname ("country_id", not "country"), not model instances:
a bulk job of 100,000 rows would otherwise build half a million objects. `TableInfo` tells
what a model's table holds (columns, defaults) and makes new records; a `BulkStore` writes
them:

- `PostgresBulkStore`: new rows get ids reserved from their table's sequence in one statement
  and go in with a binary COPY; updates are one UPDATE … FROM unnest(arrays) per set of
  changed columns (naming only those, so a concurrent edit of another column is kept);
  deletes are one DELETE … = ANY(ids). The history rows of audited models are then copied by
  the database from the rows just written (INSERT … SELECT, the values simple_history would
  write; see `history_layout`). Statements use server-side parameters (an array is one
  parameter, not thousands). With `recording=True` nothing is sent: the writes become a
  `program` that `run()` sends later, possibly from another thread, inside the caller's
  transaction.
- `OrmBulkStore`: the same through the ORM and simple_history's bulk helpers (SQLite, the
  demo).

`select_records` reads records by sets of column values in one query (`= ANY(array)` on
PostgreSQL, `__in` elsewhere). Nothing here knows any app: it takes model classes, attnames
and records. See docs/decisions/0007-bulk-writer.md."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import Any, NamedTuple, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Field, JSONField, Model, Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history, get_history_model_for_model

__all__ = [
    "HISTORY_OWN_COLUMNS",
    "HISTORY_PK_COLUMN",
    "BulkStore",
    "HistoryLayout",
    "OrmBulkStore",
    "PostgresBulkStore",
    "TableInfo",
    "Where",
    "history_layout",
    "select_records",
    "server_side_cursor",
    "table_info",
]

Record = dict[str, Any]


# --- Tables and records ---------------------------------------------------------------------


class TableInfo:
    """What bulk writing needs to know about a model's table, read from _meta once."""

    def __init__(self, model: type[Model]) -> None:
        meta = model._meta
        self.model = model
        self.name = meta.db_table
        # Generated columns (GeneratedField) are the database's to compute: never written.
        self.fields = [f for f in meta.concrete_fields if not f.generated]
        self.attnames = tuple(f.attname for f in self.fields)
        self.field = {f.attname: f for f in self.fields}
        self.column = {f.attname: _column_name(f) for f in self.fields}
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

    def new(self, **values: Any) -> Record:
        """A new record: every column, with the model's defaults, "id" None until written."""
        if not self.callables:
            return {**self.defaults, **values}
        record = dict(self.defaults)
        for name, make in self.callables:
            record[name] = make()
        record.update(values)
        return record


def _column_name(field: Field) -> str:
    # Only fields without a column of their own (many-to-many) have none; concrete ones do.
    if field.column is None:
        raise ImproperlyConfigured(f"{field} has no column")
    return field.column


_tables: dict[type, TableInfo] = {}


def table_info(model: type[Model]) -> TableInfo:
    table = _tables.get(model)
    if table is None:
        table = _tables[model] = TableInfo(model)
    return table


# --- The history layout ---------------------------------------------------------------------
#
# The one place that knows how simple_history lays out a historical table (checked against
# django-simple-history 3.13): its own primary key history_id (filled by its sequence), the
# four columns below, and a copy of each of the model's concrete columns that are not in the
# model's `excluded_fields`. tests/clac/test_db_bulk.py fails if that layout changes.

HISTORY_PK_COLUMN = "history_id"
HISTORY_OWN_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user_id")


@dataclass(frozen=True)
class HistoryLayout:
    """A historical table: its name, the fields copied from the model's table (the history
    model's fields, whose attnames are the model's), and simple_history's own fields, in the
    table's order."""

    db_table: str
    copied: tuple
    own: tuple


@cache
def history_layout(model: type[Model]) -> HistoryLayout:
    history = get_history_model_for_model(model)._meta
    table = table_info(model)
    if history.pk.column != HISTORY_PK_COLUMN:
        raise ImproperlyConfigured(f"{history.label} has no {HISTORY_PK_COLUMN} primary key")
    copied, own = [], []
    for f in history.concrete_fields:
        if f.primary_key:
            continue
        if f.attname in HISTORY_OWN_COLUMNS:
            own.append(f)
        elif f.attname in table.field:
            copied.append(f)
        else:
            raise ImproperlyConfigured(f"The bulk writer does not know the history column {f.attname}")
    missing = set(HISTORY_OWN_COLUMNS) - {f.attname for f in own}
    if missing:
        raise ImproperlyConfigured(f"{history.label} lacks the history columns {sorted(missing)}")
    return HistoryLayout(db_table=history.db_table, copied=tuple(copied), own=tuple(own))


# --- Reads ----------------------------------------------------------------------------------


class Where(NamedTuple):
    """An extra condition of select_records, said twice: as literal SQL for PostgreSQL (names
    and constants only, never user input) and as a Q for the ORM elsewhere."""

    sql: str
    orm: Q


def server_side_cursor():
    """A cursor over the psycopg connection with server-side parameters, still wrapped by
    Django so the queries are logged, counted by tests and seen by execute wrappers.

    Why: Django's psycopg cursors bind parameters client-side, quoting every value of an
    array into the SQL text in Python; bound by the server, an array is one parameter and
    the statement stays small and is planned once.

    `_prepare_cursor` is Django's private wrapping step (validate_thread_sharing, then
    make_cursor or make_debug_cursor), the one its own `cursor()` uses: checked against
    Django 6.1.3. If a Django upgrade renames or changes it, the tests of clac.db and of the
    registry import fail."""
    from psycopg import Cursor

    connection.ensure_connection()
    return connection._prepare_cursor(Cursor(connection.connection))


def select_records(
    model: type[Model],
    attnames: tuple[str, ...],
    filters: dict[str, Iterable],
    *,
    where: Where | None = None,
    order: str = "id",
) -> list[Record]:
    """Records (`attnames` only) of `model` whose columns are among the given values, in one
    query: `filters` maps an attname to the values it may take, `order` an attname ("-" for
    descending).

    PostgreSQL: each set of values is one array parameter (`= ANY(%s)`), bound by the server,
    so the statement stays small and is planned once. Elsewhere: the ORM's `__in`."""
    table = table_info(model)
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        columns = ", ".join(quote(table.column[a]) for a in attnames)
        conditions = [f"{quote(table.column[a])} = ANY(%s)" for a in filters]
        if where is not None:
            conditions.append(where.sql)
        descending = order.startswith("-")
        order_by = quote(table.column[order.lstrip("-")]) + (" DESC" if descending else "")
        sql = (
            f"SELECT {columns} FROM {quote(table.name)} "  # noqa: S608 - names from _meta
            f"WHERE {' AND '.join(conditions)} ORDER BY {order_by}"
        )
        with server_side_cursor() as cursor:
            cursor.execute(sql, [list(values) for values in filters.values()])
            return [dict(zip(attnames, row, strict=True)) for row in cursor.fetchall()]
    queryset = model._base_manager.filter(**{f"{a}__in": list(v) for a, v in filters.items()})
    if where is not None:
        queryset = queryset.filter(where.orm)
    return [dict(zip(attnames, row, strict=True)) for row in queryset.order_by(order).values_list(*attnames)]


# --- Writes ---------------------------------------------------------------------------------


class BulkStore(Protocol):
    """Writes records of a model. insert() gives audited records their "id"; update() takes
    (record, changed attnames) pairs and writes only those columns (plus auto_now ones);
    defer() runs `function(store, *args)` where the writes happen (in the writing
    transaction), for writes that depend on what the database holds then."""

    def insert(self, model: type[Model], records: list[Record], *, audited: bool = True) -> None: ...

    def update(self, model: type[Model], changes: list[tuple[Record, set[str]]]) -> None: ...

    def delete(self, model: type[Model], ids: list[int]) -> None: ...

    def defer(self, function: Callable[..., None], *args: Any) -> None: ...


class OrmBulkStore:
    """Writes through the ORM and simple_history's bulk helpers (SQLite, the demo)."""

    def __init__(self, *, actor, reason: str) -> None:
        self.actor = actor
        self.reason = reason

    def insert(self, model: type[Model], records: list[Record], *, audited: bool = True) -> None:
        """`audited` False: no history and no ids back (rows nobody refers to next)."""
        if not records:
            return
        objs = [model(**record) for record in records]
        if audited and table_info(model).audited:
            bulk_create_with_history(objs, model, default_user=self.actor, default_change_reason=self.reason)
        else:
            model._base_manager.bulk_create(objs)
        if audited:
            for record, obj in zip(records, objs, strict=True):
                if obj.pk is None:
                    raise ImproperlyConfigured(f"The database did not return the ids of new {model.__name__} rows.")
                record["id"] = obj.pk

    def update(self, model: type[Model], changes: list[tuple[Record, set[str]]]) -> None:
        """bulk_update_with_history per set of changed fields, so each statement names only
        the columns that changed (a concurrent edit of another column is kept). The history
        rows are built from whole instances, so those are read first."""
        changes = [(record, changed) for record, changed in changes if changed]
        if not changes:
            return
        table = table_info(model)
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
        for changed_set, objs in groups.items():
            fields = sorted(changed_set | set(table.auto_now))
            bulk_update_with_history(objs, model, fields, default_user=self.actor, default_change_reason=self.reason)

    def delete(self, model: type[Model], ids: list[int]) -> None:
        if ids:
            model._base_manager.filter(id__in=ids).delete()

    def defer(self, function: Callable[..., None], *args: Any) -> None:
        function(self, *args)


# PostgreSQL type names psycopg knows, for the column types Django declares.
_PG_TYPE_NAMES = {
    "bigint": "int8", "integer": "int4", "smallint": "int2", "boolean": "bool", "date": "date",
    "timestamp with time zone": "timestamptz", "numeric": "numeric", "varchar": "varchar", "text": "text",
    "jsonb": "jsonb", "uuid": "uuid", "double precision": "float8", "time": "time", "interval": "interval",
}  # fmt: skip


class PostgresBulkStore:
    """Set-based writes on PostgreSQL (see the module docstring), attributed to `actor_id`
    with `reason` in the history.

    Recording (`recording=True`): ids are reserved at once, on this thread's connection (a
    sequence is outside transactions), and every write becomes a step of `program` — a COPY
    with its data formatted here, or a statement with its parameters — for run() to send
    later, possibly from another thread. Otherwise each write is sent at once. Either way
    the caller opens the transaction."""

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
        with connection.wrap_database_errors, server_side_cursor() as cursor:
            for kind, *args in program:
                if kind == "copy":
                    statement, data = args
                    with cursor.copy(statement) as copy:
                        copy.write(data)
                elif kind == "sql":
                    cursor.execute(*args)
                elif kind == "call":
                    function, call_args = args
                    function(self, *call_args)
                else:
                    raise ValueError(f"Unknown step {kind!r}")

    def insert(self, model: type[Model], records: list[Record], *, audited: bool = True) -> None:
        """COPY new rows in. Audited rows first get their ids from the table's sequence (the
        caller and the history need them); the others (events, link rows) take the column's
        default."""
        if not records:
            return
        table = table_info(model)
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

    def _reserve_ids(self, table: TableInfo, records: list[Record]) -> tuple[int, int] | None:
        """Take len(records) ids from the table's sequence and give them to the records.
        Returns (first, last) when they are consecutive (nearly always: other sessions'
        inserts rarely interleave), which lets the history select them by range."""
        size = len(records)
        sequence = _sequence(table)
        with server_side_cursor() as cursor:
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

    def update(self, model: type[Model], changes: list[tuple[Record, set[str]]]) -> None:
        """One UPDATE … FROM unnest(arrays) per set of changed columns, naming only those
        (a concurrent edit of another column is kept), then their history rows."""
        changes = [(record, changed) for record, changed in changes if changed]
        if not changes:
            return
        table = table_info(model)
        quote = self.quote
        groups: dict[frozenset[str], list[Record]] = defaultdict(list)
        for record, changed in changes:
            for attname in table.auto_now:
                record[attname] = self.now
            groups[frozenset(changed)].append(record)
        ids: list[int] = []
        for changed_set, records in groups.items():
            names = ["id", *sorted(changed_set | set(table.auto_now))]
            columns = [quote(table.column[name]) for name in names]
            assignments = ", ".join(f"{column} = v.{column}" for column in columns[1:])
            arrays = ", ".join(f"%s::{table.field[name].db_type(connection)}[]" for name in names)
            aliases = ", ".join(columns)
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

    def delete(self, model: type[Model], ids: list[int]) -> None:
        if not ids:
            return
        table = table_info(model)
        quote = self.quote
        self._emit(
            ("sql", f"DELETE FROM {quote(table.name)} WHERE {quote(table.column['id'])} = ANY(%s)", [ids])  # noqa: S608
        )

    def defer(self, function: Callable[..., None], *args: Any) -> None:
        # Reads what the writing transaction sees, so it runs there (run() passes the store
        # that runs the program, which sends its own writes at once).
        self._emit(("call", function, args))

    def _history(self, table: TableInfo, history_type: str, span: tuple[int, int] | None, ids: list[int]) -> None:
        """The history rows of rows just written, copied by the database from the table: the
        values simple_history's bulk helpers would write, without sending every row through
        Python a second time."""
        if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):  # simple_history's own switch
            return
        layout = history_layout(table.model)
        quote = self.quote
        own_values = {
            "history_date": self.now,
            "history_change_reason": self.reason,
            "history_type": history_type,
            "history_user_id": self.actor_id,
        }
        target = ", ".join(quote(f.column) for f in [*layout.copied, *layout.own])
        source = ", ".join(quote(table.column[f.attname]) for f in layout.copied)
        placeholders = ", ".join(["%s"] * len(layout.own))
        pk = quote(table.column["id"])
        params: list[Any]
        if span is not None:
            condition, params = f"{pk} BETWEEN %s AND %s", list(span)
        else:
            condition, params = f"{pk} = ANY(%s)", [ids]
        self._emit(
            (
                "sql",
                f"INSERT INTO {quote(layout.db_table)} ({target}) "  # noqa: S608 - names from _meta
                f"SELECT {source}, {placeholders} FROM {quote(table.name)} WHERE {condition}",
                [*(own_values[f.attname] for f in layout.own), *params],
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
    known_types = [t for t in types if t is not None]
    binary = len(known_types) == len(types)
    json_positions = [i for i, f in enumerate(fields) if isinstance(f, JSONField)]
    buffer = io.BytesIO()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, Copy(cursor, binary=binary, writer=FileWriter(buffer)) as copy:
        if binary:
            copy.set_types(known_types)
        # The formatter directly: it returns the data in blocks of about 32 KB (one Python
        # call per row fewer than Copy.write_row).
        format_row = copy.formatter.write_row
        out = buffer.write
        if json_positions:
            for values in rows:
                row = list(values)
                for i in json_positions:
                    row[i] = Jsonb(row[i])
                if data := format_row(row):
                    out(data)
        else:
            for values in rows:
                if data := format_row(values):
                    out(data)
    columns = ", ".join(quote(f.column) for f in fields)
    statement = f"COPY {quote(table_name)} ({columns}) FROM STDIN" + (" (FORMAT BINARY)" if binary else "")
    return "copy", statement, buffer.getvalue()


@cache
def _sequence(table: TableInfo) -> str:
    """The sequence that gives the table's ids (identity or serial column)."""
    with server_side_cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table.name, table.column["id"]])
        (name,) = cursor.fetchone()
    if not name:
        raise ImproperlyConfigured(f"{table.name}.{table.column['id']} takes its values from no sequence.")
    return name


def _pg_type(field) -> str | None:
    declared = (field.db_type(connection) or "").split("(")[0].strip().lower()
    return _PG_TYPE_NAMES.get(declared)
