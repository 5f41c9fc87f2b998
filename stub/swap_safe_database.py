"""A Datasette database whose connections belong to it, so it can be replaced under its name.

Datasette 0.65 keeps one connection per executor thread in a module-level
threading.local, under the database's *name* (database.py, execute_fn). Replace a
database by another of the same name and every thread that had already connected keeps
reading the old file (fixed upstream only in 1.0a17, Datasette issue #2465). Here each
Database object keeps its own per-thread connections, so the object in ds.databases is
the file that is read, whichever thread runs the query; a replaced object's connections
are closed when nothing uses it any more (in_flight.py).

Files are opened read-only as well as immutable: a file that has gone is an error, never
a new empty database created at its path (which the /tmp cache would then trust).
"""

import asyncio
import threading
from urllib.parse import quote

from datasette.database import Database
from datasette.utils import sqlite3


class SwapSafeDatabase(Database):
    def __init__(self, ds, path):
        super().__init__(ds, path=path, is_mutable=False)
        self._thread_connections = threading.local()

    @property
    def cached_table_counts(self):
        # Given when the object is made (served_databases.py) or counted by Datasette;
        # never looked up by name in ds.inspect_data, which may describe another file.
        return self._cached_table_counts

    def connect(self, write=False):
        if write:
            raise RuntimeError(f"{self.path} is served read-only")
        conn = sqlite3.connect(
            f"file:{quote(self.path)}?mode=ro&immutable=1", uri=True, check_same_thread=False
        )
        self._all_file_connections.append(conn)
        return conn

    async def execute_fn(self, fn):
        if self.ds.executor is None:
            # num_sql_threads 0: Datasette already keeps one connection per object.
            return await super().execute_fn(fn)

        def in_thread():
            conn = getattr(self._thread_connections, "conn", None)
            if conn is None:
                conn = self.connect()
                self.ds._prepare_connection(conn, self.name)
                self._thread_connections.conn = conn
            return fn(conn)

        return await asyncio.get_running_loop().run_in_executor(self.ds.executor, in_thread)
