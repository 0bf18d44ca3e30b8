"""A named lock across processes, for work that must never run twice at the same time (two
registry imports interleaving their batches would each match organizations and people that
the other is still creating).

On PostgreSQL it is a session-level advisory lock on this thread's connection: other
connections asking for the same name wait; it is released when the block ends, and by
PostgreSQL itself when the connection dies (a worker killed with -9 holds it no longer). It
does not depend on transactions, so work that commits batch by batch (also on another
thread's connection) keeps it throughout. On SQLite (the demo, which runs jobs in the web
process) a lock of the process is the simple alternative."""

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

_process_locks: dict[str, threading.Lock] = {}
_process_locks_guard = threading.Lock()


def advisory_lock_key(name: str) -> int:
    """A stable signed 64-bit key for `name` (PostgreSQL's advisory locks take a bigint)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def advisory_lock(name: str) -> Iterator[None]:
    """Hold the lock `name` for the block, waiting for whoever holds it."""
    if connection.vendor == "postgresql":
        key = advisory_lock_key(name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    with _process_locks_guard:
        lock = _process_locks.setdefault(name, threading.Lock())
    with lock:
        yield
