"""The start-up steps of a site, which start/site_loader.py runs and times: prepare (manifest,
/tmp, what is left to download), fetch (the database files), assemble (Datasette, its ASGI
stack and Mangum, started), and the Site they make."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, MutableMapping
from typing import Any

from mangum import Mangum

from datasette_lambda.config import Config
from datasette_lambda.contract.package_manifest import load_manifest
from datasette_lambda.databases.database_files import locate_databases
from datasette_lambda.databases.s3_databases import needs_download, remove_partial_downloads
from datasette_lambda.databases.served_databases import ServedDatabases
from datasette_lambda.live.download_policy import DownloadPolicy
from datasette_lambda.live.live_data import LiveData
from datasette_lambda.serve.database_downloads import S3Presigner
from datasette_lambda.serve.datasette_app import build_asgi_app, build_datasette, start_datasette
from datasette_lambda.start import template_cache
from datasette_lambda.start.plugin_secrets import unpack_plugin_secrets
from datasette_lambda.start.site_loader import Preparation
from datasette_lambda.start.site_secret import site_secret

log = logging.getLogger("datasette_lambda")

S3ClientFactory = Callable[[], Any]


class Site:
    """A started site: Datasette, its ASGI app, the Mangum adapter Lambda events go through."""

    def __init__(
        self,
        datasette: Any,
        app: Any,
        adapter: Any,
        served: ServedDatabases | None = None,
        live: LiveData | None = None,
        cors: bool = False,
    ) -> None:
        self.datasette = datasette
        self.app = app
        self.adapter = adapter
        self.served = served  # what is served (served_databases.py)
        self.live = live  # LiveData, or None when live data is off
        self.cors = cors  # --cors: the loading page says so too

    def close(self) -> None:
        databases = list(self.datasette.databases.values())
        if self.served is not None:  # deployed ones a live database has taken the place of
            databases += [s.database for s in self.served.deployed_entries()]
        for database in databases:
            database.close()
        if self.datasette.executor is not None:
            self.datasette.executor.shutdown(wait=False)


def prepare_site(config: Config, environ: MutableMapping[str, str] | None = None) -> Preparation:
    """The cheap part: manifest, bucket, and how much of the S3 databases is still to download.

    The --plugin-secret values are unpacked into environ (os.environ by default), where
    Datasette's {"$env": ...} finds them, before Datasette reads its plugins' configuration.
    """
    unpack_plugin_secrets(config.plugin_secrets, os.environ if environ is None else environ)
    manifest = load_manifest(config.task_root)
    pending = [db for db in manifest["databases"] if db["location"] == "s3" and needs_download(db)]
    if config.bucket:
        # Before this process downloads anything (deployed or live databases).
        remove_partial_downloads()
    return Preparation(
        pending_bytes=sum(db["bytes"] for db in pending),
        cors=manifest["cors"],
        root=config.task_root,
        manifest=manifest,
        bucket=config.bucket,
        secret=site_secret(config.datasette_secret),
        live_interval=config.live_seconds,
    )


def fetch_databases(
    preparation: Preparation, progress: Callable[[int], None], s3_client: S3ClientFactory
) -> list[tuple[str, str]]:
    details = preparation.details
    return locate_databases(
        details["manifest"],
        details["root"],
        bucket=details["bucket"],
        s3_client_factory=s3_client,
        on_progress=progress,
    )


def assemble_site(
    preparation: Preparation,
    located: list[tuple[str, str]],
    s3_client: S3ClientFactory,
    clock: Callable[[], float] = time.monotonic,
    started: float | None = None,
    download_policy: DownloadPolicy | None = None,
) -> Site:
    """Datasette, its ASGI stack and Mangum, started (what Datasette does on its first request).

    clock schedules live data's checks; started (time.monotonic() at import) dates the log
    line; download_policy bounds live downloads (live/download_policy.py).
    """
    details = preparation.details
    manifest, bucket, interval = details["manifest"], details["bucket"], details["live_interval"]
    ds, served = build_datasette(manifest, located, details["secret"], details["root"])
    live = None
    if bucket and interval:
        # What the deployed S3 databases take of /tmp while the instance lives.
        deployed_s3_bytes = sum(db["bytes"] for db in manifest["databases"] if db["location"] == "s3")
        live = LiveData(
            served,
            bucket,
            s3_client,
            interval,
            clock=clock,
            policy=download_policy,
            deployed_s3_bytes=deployed_s3_bytes,
        )
        # The first check, before any request: its downloads start now, in the background.
        live.follow()
    presigner = S3Presigner(bucket, s3_client) if bucket else None
    app = build_asgi_app(ds, served, live, presigner)
    # Lambda has no ASGI lifespan to run. Mangum sets up the event loop every request runs on.
    adapter = Mangum(app, lifespan="off")
    asyncio.get_event_loop().run_until_complete(start_datasette(ds))
    templates = template_cache.attach(ds)
    log.info(
        "datasette-lambda: site ready %.2f s after import (%d databases, %d from S3, downloads of %d "
        "from S3, compiled templates %s, %s)",
        time.monotonic() - (started if started is not None else time.monotonic()),
        len(located),
        sum(1 for db in manifest["databases"] if db["location"] == "s3"),
        sum(1 for db in manifest["databases"] if bucket and db.get("key")),
        "on" if templates else "off",
        f"live data checked every {interval:g} s, {len(served.live)} live" if live else "live data off",
    )
    return Site(ds, app, adapter, served, live, cors=manifest["cors"])
