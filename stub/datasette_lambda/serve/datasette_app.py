"""Build the Datasette instance and the ASGI app Mangum drives, from the manifest."""

from __future__ import annotations

import os

from datasette.app import Datasette

# Only after datasette.app: importing datasette.handle_exception first starts a circular
# import in which Datasette registers that module's plugin hooks before they exist, and
# every 404 then becomes a 500 ("Default exception handler should have returned something").
import datasette.handle_exception as datasette_handle_exception  # noqa: E402  isort:skip

from typing import TYPE_CHECKING, Any

from datasette_lambda.databases import served_databases
from datasette_lambda.databases.schema_refresh import make_schema_refresh_thread_safe
from datasette_lambda.databases.served_databases import ServedDatabases
from datasette_lambda.serve.asgi_fixes import ScopeFixes
from datasette_lambda.serve.base_url import BaseUrlPrefix
from datasette_lambda.serve.data_as_of import install_data_as_of
from datasette_lambda.serve.database_downloads import DatabaseDownloadRedirect, S3Presigner
from datasette_lambda.serve.response_caching import ResponseCaching
from datasette_lambda.serve.site_status import SiteStatus

if TYPE_CHECKING:
    from datasette_lambda.live.live_data import LiveData


def build_datasette(
    manifest: dict[str, Any], located: list[tuple[str, str]], secret: str, root: str = "."
) -> tuple[Any, ServedDatabases]:
    """A Datasette serving the located databases [(name, path)] read-only and immutable,
    and what it serves (served_databases.ServedDatabases, which live data swaps into).

    Immutable (SQLite's immutable=1): no locks and no -wal/-shm files, which is also what
    lets a WAL-mode database open from Lambda's read-only task root. The manifest's
    precomputed inspect data (table counts) and checksums replace the count queries and
    the whole-file sha256 Datasette would otherwise run on each cold start. The package's
    plugins, templates and static directories (--plugins-dir, --template-dir, --static)
    are under root (the task root).
    """
    # With rich importable (a plugin may pull it in), Datasette prints tracebacks with
    # show_locals=True: the locals hold the request, its cookies and Authorization header.
    datasette_handle_exception.rich = None

    inspect_data = _inspect_data(manifest)
    ds = Datasette(
        # Datasette opens these as its own Database objects (named after the files);
        # ServedDatabases puts swap-safe ones, named by the manifest, in their place.
        immutables=[path for _, path in located],
        inspect_data=inspect_data or None,
        metadata=manifest["metadata"],
        settings=manifest["settings"],
        cors=manifest["cors"],
        crossdb=manifest.get("crossdb", False),
        plugins_dir=_in_package(root, manifest.get("pluginsDir")),
        template_dir=_in_package(root, manifest.get("templateDir")),
        static_mounts=[(mount, _in_package(root, path)) for mount, path in manifest.get("staticMounts", [])],
        version_note=manifest.get("versionNote"),
        secret=secret,
    )
    served = ServedDatabases(ds, served_databases.deployed(manifest, located, inspect_data))
    make_schema_refresh_thread_safe(ds)
    install_data_as_of(ds, served.data_as_of)
    return ds, served


async def start_datasette(ds: Any) -> None:
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


def build_asgi_app(
    ds: Any, served: ServedDatabases, live: LiveData | None = None, presigner: S3Presigner | None = None
) -> Any:
    """Datasette's ASGI app behind the scope repairs (and the prefix handling, with a prefix),
    the status endpoint, and with a presigner (a bucket) downloads from S3 of the served
    databases that have an object there; every response's Cache-Control checked last.
    """
    app = ds.app()
    base_url = ds.setting("base_url") or "/"
    if presigner:
        app = DatabaseDownloadRedirect(app, served.download_objects, presigner, base_url)
    app = SiteStatus(app, ds, served, live, cors=ds.cors)
    if base_url != "/":
        app = BaseUrlPrefix(app, base_url)
    return ScopeFixes(ResponseCaching(app))


def _in_package(root: str, path: str | None) -> str | None:
    return os.path.join(root, path) if path else None


def _inspect_data(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
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
