"""What the site serves: the deployed databases, overlaid by the live ones, swapped as a whole.

A live database with the name of a deployed one takes its place (same position on the
index page) while it is published; when it goes, the deployed one comes back. Live-only
databases follow the deployed ones, in name order.

Every swap is a set of plain attribute assignments, each atomic: Datasette's table-count
data (ds.inspect_data, which its table view reads by database *name*), this object's
snapshot (data as of, downloads, the status endpoint), then ds.databases, which Datasette
itself only ever replaces whole ("don't mutate! that causes race conditions"). A request
already running keeps the Database objects it looked up; they stay open until it ends
(in_flight.py).
"""

import collections
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from datasette.app import SQLITE_LIMIT_ATTACHED

from datasette_lambda.databases.swap_safe_database import CrossDatabase, SwapSafeDatabase


class Served:
    """One database as served: its file, where its object is in S3, and its Datasette object."""

    __slots__ = ("name", "path", "sha256", "bytes", "key", "data_as_of", "live", "inspect", "database")

    def __init__(
        self,
        name: str,
        path: str,
        sha256: str,
        size: int,
        key: str | None = None,
        data_as_of: str | None = None,
        live: bool = False,
        inspect: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.path = path
        self.sha256 = sha256
        self.bytes = size
        self.key = key
        self.data_as_of = data_as_of
        self.live = live
        self.inspect = inspect  # Datasette's inspect-data entry (table counts), or None
        self.database: Any = None  # its Datasette Database, once opened


def deployed(
    manifest: dict[str, Any], located: Iterable[tuple[str, str]], inspect_data: dict[str, Any]
) -> list[Served]:
    """Served entries for the package's databases, [(name, path)] located, in manifest order."""
    by_name = {db["name"]: db for db in manifest["databases"]}
    return [
        Served(
            name,
            path,
            by_name[name]["sha256"],
            by_name[name]["bytes"],
            key=by_name[name].get("key"),
            data_as_of=by_name[name].get("dataAsOf"),
            inspect=inspect_data.get(name),
        )
        for name, path in located
    ]


def live(entry: dict[str, Any], path: str, database: Any = None) -> Served:
    """A Served entry for a database of the live manifest (live_manifest.py), fetched to path
    (database: the Datasette object of the same file, when only the entry's details changed)."""
    inspect = None
    if entry["tables"] is not None:
        inspect = {
            "hash": entry["sha256"],
            "size": entry["bytes"],
            "file": entry["fileName"],
            "tables": {table: {"count": count} for table, count in entry["tables"].items()},
        }
    served = Served(
        entry["name"],
        path,
        entry["sha256"],
        entry["bytes"],
        key=entry["key"],
        data_as_of=entry["dataAsOf"],
        live=True,
        inspect=inspect,
    )
    served.database = database
    return served


class ServedDatabases:
    def __init__(self, ds: Any, deployed_entries: Sequence[Served]) -> None:
        self.ds = ds
        self._deployed = collections.OrderedDict((s.name, s) for s in deployed_entries)
        self.live: dict[str, Served] = {}  # name -> Served, as last swapped in
        self._attached: list[tuple[str, str]] | None = None  # --crossdb: [(name, path)] /_memory's connections attach
        self._retired_cross: list[Any] = []
        self.current: collections.OrderedDict[str, Served] = (
            collections.OrderedDict()
        )  # name -> Served: what requests see
        self._downloads: dict[str, tuple[str, str]] = {}
        for served in deployed_entries:
            self._open(served)
        self._publish()

    def get(self, name: str) -> Served | None:
        return self.current.get(name)

    def data_as_of(self, name: str) -> str | None:
        served = self.current.get(name)
        return served.data_as_of if served else None

    def download_objects(self) -> dict[str, tuple[str, str]]:
        """{route: (S3 key, file name)} of the served databases that have an object in S3."""
        return self._downloads

    def replace_live(self, new_live: Mapping[str, Served]) -> list[Served]:
        """Serve new_live {name: Served} (entries kept from self.live are reused as they are).

        Returns the Served entries no longer served: their connections and files are the
        caller's to release once no request can still use them."""
        for served in new_live.values():
            if served.database is None:
                self._open(served)
        before = list(self.live.values())
        self.live = dict(new_live)
        self._publish()
        in_use = {id(s.database) for s in self.current.values()}
        return [s for s in before if id(s.database) not in in_use]

    def deployed_entries(self) -> list[Served]:
        return list(self._deployed.values())

    def paths_in_use(self) -> set[str]:
        """Files a served or deployed database reads (a deployed one may come back)."""
        return {s.path for s in self._deployed.values()} | {s.path for s in self.live.values()}

    def _open(self, served: Served) -> None:
        database = SwapSafeDatabase(self.ds, served.path)
        database.name = database.route = served.name
        # Given, so Datasette neither hashes the file nor asks ds.inspect_data by name.
        database.cached_hash = served.sha256
        database.cached_size = served.bytes
        if served.inspect:
            database._cached_table_counts = {
                table: info.get("count") for table, info in served.inspect["tables"].items()
            }
        served.database = database

    def _publish(self) -> None:
        current: collections.OrderedDict[str, Any] = collections.OrderedDict()
        for name, served in self._deployed.items():
            current[name] = self.live.get(name, served)
        for name in sorted(self.live):
            current.setdefault(name, self.live[name])

        inspect = {name: s.inspect for name, s in current.items() if s.inspect}
        downloads = {s.database.route: (s.key, os.path.basename(s.path)) for s in current.values() if s.key}
        # Datasette's in-memory databases (_internal, _memory) stay first, as it made them.
        databases = collections.OrderedDict((name, db) for name, db in self.ds.databases.items() if not db.path)
        for name, served in current.items():
            databases[name] = served.database

        self._cross_database(databases)
        self.ds.inspect_data = inspect or None
        self.current = current
        self._downloads = downloads
        self.ds.databases = databases

    def _cross_database(self, databases: dict[str, Any]) -> None:
        """--crossdb: a new /_memory when the files it attaches change (swap_safe_database.py)."""
        if not self.ds.crossdb:
            return
        # What Datasette's _prepare_connection attaches: the first file databases, in order.
        attached = [(name, db.path) for name, db in databases.items() if not db.is_memory][:SQLITE_LIMIT_ATTACHED]
        if attached == self._attached:
            return
        old = databases.get("_memory")
        if old is not None and self._attached is not None:
            self._retired_cross.append(old)
        databases["_memory"] = CrossDatabase(self.ds)
        self._attached = attached

    def take_retired_cross(self) -> list[Any]:
        """The /_memory objects replaced since the last call: the caller closes them once no request uses them."""
        retired, self._retired_cross = self._retired_cross, []
        return retired
