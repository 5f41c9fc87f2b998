"""Build the Datasette instance and the ASGI app Mangum drives, from the manifest."""

import collections

from datasette.app import Datasette

# Only after datasette.app: importing datasette.handle_exception first starts a circular
# import in which Datasette registers that module's plugin hooks before they exist, and
# every 404 then becomes a 500 ("Default exception handler should have returned something").
import datasette.handle_exception as datasette_handle_exception  # noqa: E402  isort:skip

from asgi_fixes import ScopeFixes
from base_url import BaseUrlPrefix
from database_downloads import DatabaseDownloadRedirect, downloadable_objects


def build_datasette(manifest, located, secret):
    """A Datasette serving the located databases [(name, path)] read-only and immutable.

    Immutable (SQLite's immutable=1): no locks and no -wal/-shm files, which is also what
    lets a WAL-mode database open from Lambda's read-only task root. The manifest's
    precomputed inspect data (table counts) and checksums replace the count queries and
    the whole-file sha256 Datasette would otherwise run on each cold start.
    """
    # With rich importable (a plugin may pull it in), Datasette prints tracebacks with
    # show_locals=True: the locals hold the request, its cookies and Authorization header.
    datasette_handle_exception.rich = None

    ds = Datasette(
        immutables=[path for _, path in located],
        inspect_data=_inspect_data(manifest) or None,
        metadata=manifest["metadata"],
        settings=manifest["settings"],
        cors=manifest["cors"],
        secret=secret,
    )
    _name_databases(ds, located)
    by_name = {db["name"]: db for db in manifest["databases"]}
    for name, _ in located:
        database = ds.databases[name]
        database.cached_hash = by_name[name]["sha256"]
        database.cached_size = by_name[name]["bytes"]
    return ds


async def start_datasette(ds):
    """What Datasette does when its first request arrives, done ahead of it (in the init phase).

    Datasette's app() runs, on its first request, the table counts of immutable databases
    (the manifest's, already known) and invoke_startup() (plugins' start-up and Jinja
    hooks); every request runs refresh_schemas(), which the first time fills its _internal
    catalogue. All three are idempotent: the first request finds them done.
    """
    for database in ds.databases.values():
        if not database.is_mutable:
            await database.table_counts(limit=60 * 60 * 1000)
    await ds.invoke_startup()
    await ds.refresh_schemas()


def build_asgi_app(ds, manifest=None, presigner=None):
    """Datasette's ASGI app behind the scope repairs (and the prefix handling, with a prefix).

    With a presigner (a bucket), downloads of the manifest's databases that have an S3 key
    are redirected to S3.
    """
    app = ds.app()
    base_url = ds.setting("base_url") or "/"
    objects = downloadable_objects(manifest, ds) if manifest and presigner else {}
    if objects:
        app = DatabaseDownloadRedirect(app, objects, presigner, base_url)
    if base_url != "/":
        app = BaseUrlPrefix(app, base_url)
    return ScopeFixes(app)


def _inspect_data(manifest):
    """Datasette's inspect-data.json shape, for the databases the manifest has table counts for."""
    data = {}
    for database in manifest["databases"]:
        entry = manifest["inspect"].get(database["name"])
        if not isinstance(entry, dict) or not isinstance(entry.get("tables"), dict):
            continue  # Datasette counts this one itself
        data[database["name"]] = {
            "hash": entry.get("hash", database["sha256"]),
            "size": entry.get("size", database["bytes"]),
            "file": entry.get("file", database["fileName"]),
            "tables": entry["tables"],
        }
    return data


def _name_databases(ds, located):
    """Datasette names a database after its file's stem; the manifest's name wins, order kept."""
    by_path = {db.path: db for db in ds.databases.values() if db.path}
    if all(by_path[path].name == name for name, path in located):
        return
    renamed = collections.OrderedDict(
        (name, db) for name, db in ds.databases.items() if not db.path
    )
    for name, path in located:
        database = by_path[path]
        database.name = name
        database.route = name
        renamed[name] = database
    ds.databases = renamed
