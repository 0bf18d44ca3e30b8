"""Database tools of the platform, for any app: set-based bulk reads and writes with their
audit history (clac.db.bulk; docs/decisions/0007-bulk-writer.md).

    from clac.db import PostgresBulkStore, OrmBulkStore, select_records, table_info

    organizations = table_info(Organization)
    record = organizations.new(name="Coop", country_id="PE")   # a dict by attname
    with transaction.atomic():
        store = PostgresBulkStore(actor_id=user.pk, reason="Imported from f.csv")
        store.insert(Organization, [record])                    # record["id"] is set
        store.update(Organization, [(record, {"name"})])        # names only these columns

Only Django, psycopg, simple_history and the standard library are imported here: no app."""

from clac.db.bulk import (
    HISTORY_OWN_COLUMNS,
    HISTORY_PK_COLUMN,
    BulkStore,
    HistoryLayout,
    OrmBulkStore,
    PostgresBulkStore,
    TableInfo,
    Where,
    history_layout,
    select_records,
    server_side_cursor,
    table_info,
)
from clac.db.locks import advisory_lock

__all__ = [
    "HISTORY_OWN_COLUMNS",
    "HISTORY_PK_COLUMN",
    "BulkStore",
    "HistoryLayout",
    "OrmBulkStore",
    "PostgresBulkStore",
    "TableInfo",
    "Where",
    "advisory_lock",
    "history_layout",
    "select_records",
    "server_side_cursor",
    "table_info",
]
