"""Datasette's per-request schema refresh: safe on several threads, and aware of swaps.

Every request awaits ds.refresh_schemas(), which records each database's tables and
columns in the _internal catalog. Two things in Datasette 0.65 do not fit a site whose
databases are swapped while it runs:

- The refresh is skipped when one is under way, guarded by an asyncio.Lock. That lock
  belongs to one event loop; with requests on several threads (the stub tests,
  tests/local_server.py: one loop per thread), two that contend for it make one loop
  wake another's future from the wrong thread (a request that hangs) or raise "is bound
  to a different event loop". A threading lock with the same rule (a refresh under way
  is skipped, never waited for) has neither problem. Lambda runs one request at a time.
- The catalog is refreshed by name, and only when PRAGMA schema_version differs from
  the one recorded: a database swapped for a file of the same schema version would keep
  the old file's tables there, and a removed one its rows. So before refreshing, the
  rows of every name whose Database object changed or went are dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

_CATALOG_TABLES = ("databases", "tables", "columns", "foreign_keys", "indexes")


def make_schema_refresh_thread_safe(ds: Any) -> None:
    lock = threading.Lock()
    recorded: dict[str, Any] = {}  # name -> the Database object the catalog describes

    async def refresh_schemas() -> None:
        if not lock.acquire(blocking=False):
            return
        try:
            current = {name: db for name, db in ds.databases.items() if name != "_internal"}
            stale = [name for name, db in recorded.items() if current.get(name) is not db]
            if stale and ds.internal_db_created:
                await ds.databases["_internal"].execute_write_fn(lambda conn: _forget(conn, stale))
            await ds._refresh_schemas()
            recorded.clear()
            recorded.update(current)
        finally:
            lock.release()

    ds.refresh_schemas = refresh_schemas


def _forget(conn: Any, names: Iterable[str]) -> None:
    with conn:
        for table in _CATALOG_TABLES:
            conn.executemany(f"delete from {table} where database_name = ?", [(n,) for n in names])
