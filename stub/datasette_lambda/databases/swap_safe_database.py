"""A Datasette database whose connections belong to it, so it can be replaced under its name.

Datasette 0.65 keeps one connection per executor thread in a module-level
threading.local, under the database's *name* (database.py, execute_fn). Replace a
database by another of the same name and every thread that had already connected keeps
reading the old file (fixed upstream only in 1.0a17, Datasette issue #2465). Here each
Database object keeps its own per-thread connections, so the object in ds.databases is
the file that is read, whichever thread runs the query; a replaced object's connections
are closed when nothing uses it any more (in_flight.py).

The same goes for /_memory under --crossdb (CrossDatabase), whose connections attach
the served files.

Files are opened read-only as well as immutable: a file that has gone is an error, never
a new empty database created at its path (which the /tmp cache would then trust).
"""

import asyncio
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from datasette.database import Database
from datasette.utils import sqlite3

# For the type checker the mixin is a Database (whose ds, name, connect and execute_fn it
# uses); at run time it stands before Database in SwapSafeDatabase's bases.
if TYPE_CHECKING:
    from datasette.database import Database as _MixinBase
else:
    _MixinBase = object

_T = TypeVar("_T")


class OwnConnections(_MixinBase):
    """execute_fn with per-thread connections kept by this object, not by its name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._thread_connections = threading.local()

    async def execute_fn(self, fn: Callable[[Any], _T]) -> _T:
        if self.ds.executor is None:
            # num_sql_threads 0: Datasette already keeps one connection per object.
            return await super().execute_fn(fn)
        connections = self._thread_connections

        def in_thread() -> _T:
            conn = getattr(connections, "conn", None)
            if conn is None:
                conn = self.connect()
                self.ds._prepare_connection(conn, self.name)
                connections.conn = conn
            return fn(conn)

        return await asyncio.get_running_loop().run_in_executor(self.ds.executor, in_thread)


class SwapSafeDatabase(OwnConnections, Database):
    def __init__(self, ds: Any, path: str) -> None:
        super().__init__(ds, path=path, is_mutable=False)

    @property
    def cached_table_counts(self) -> dict[str, int | None] | None:
        # Given when the object is made (served_databases.py) or counted by Datasette;
        # never looked up by name in ds.inspect_data, which may describe another file.
        return self._cached_table_counts

    def connect(self, write: bool = False) -> Any:
        if write:
            raise RuntimeError(f"{self.path} is served read-only")
        conn = sqlite3.connect(f"file:{quote(self.path)}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self._all_file_connections.append(conn)
        return conn


class CrossDatabase(OwnConnections, Database):
    """/_memory under --crossdb. Datasette attaches the served files to each connection as
    it opens it, so when live data changes which files are served, a new object (with
    new connections) takes the name: the old one's attachments would keep the files it
    knew. Closing it (once no request uses it) closes those attachments too."""

    def __init__(self, ds: Any) -> None:
        super().__init__(ds, is_memory=True)
        self.name = self.route = "_memory"

    def connect(self, write: bool = False) -> Any:
        conn = sqlite3.connect(":memory:", uri=True, check_same_thread=False)
        self._all_file_connections.append(conn)
        return conn
