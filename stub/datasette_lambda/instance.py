"""One Lambda instance: the site it builds once and serves every request with, its S3 client,
and what SnapStart asks of it. The handler module makes one; tests make their own, with
their own configuration and clock.

Where each part of the start-up runs (measured by bench/coldstart.ts; see stub/README.md,
"Cold starts"):
- in Lambda's init phase (start(), at import: full CPU even for small memory sizes,
  sometimes run ahead of any request, snapshotted with SnapStart): the manifest, Datasette
  built and started (what it would otherwise do on its first request), the layer's compiled
  templates attached. S3 databases start downloading here, in the background: init waits
  for them only up to INIT_WAIT_SECONDS (Lambda allows 10 s);
- in the first request: whatever is left of the downloads, then Datasette is built. A
  request waits at most PATIENCE_SECONDS (less when its time runs out) and is otherwise
  answered "loading, retry shortly" (serve/loading_page.py) while the download carries on.
A failed start is not cached: it is logged, the visitor gets a "could not start" page,
and the next request starts again, so a transient S3 error heals.

With a bucket and live data on, the site is ready once the live databases the first
check found are downloaded too (in the background, started in the init phase; the same
patience and loading page). After that, each request first lets live data follow
live/manifest.json (live/live_data.py: a clock read unless a check is due; downloads run
in the background, never in the request), and is counted while Datasette serves it, so
what a swap replaced is released only when unused.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from datasette_lambda.config import Config
from datasette_lambda.databases.s3_client import new_s3_client
from datasette_lambda.live.download_policy import DownloadPolicy
from datasette_lambda.serve.loading_page import loading_response
from datasette_lambda.serve.response_limit import enforce_response_limit
from datasette_lambda.start import snapstart
from datasette_lambda.start.site_assembly import Site, assemble_site, fetch_databases, prepare_site
from datasette_lambda.start.site_loader import Loading, Preparation, SiteLoader

log = logging.getLogger("datasette_lambda")
log.setLevel(logging.INFO)

# The init phase may last 10 s; keep a margin for the runtime's own start and the import.
INIT_WAIT_SECONDS = 8.0
# How long a request waits for a site that is still downloading before "loading" (under
# CloudFront's 60 s origin timeout, and under a visitor's patience).
PATIENCE_SECONDS = 20.0
# Kept free of a request's remaining time to answer before the function times out.
RESPONSE_MARGIN_SECONDS = 2.0

STARTUP_FAILED_PAGE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Site unavailable</title></head>'
    "<body><h1>Site unavailable</h1><p>This Datasette site could not start. Its owner can "
    "see why in the function's logs (datasette-lambda tail-logs NAME).</p></body></html>"
)


def patience(context: Any, limit: float = PATIENCE_SECONDS) -> float:
    """Seconds a request may wait for the site: limit, less when its time runs out."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return limit
    return max(0.0, min(limit, remaining() / 1000 - RESPONSE_MARGIN_SECONDS))


class Instance:
    def __init__(
        self,
        config: Config,
        *,
        clock: Callable[[], float] = time.monotonic,
        s3_factory: Callable[[], Any] = new_s3_client,
        patience_seconds: float = PATIENCE_SECONDS,
        init_wait_seconds: float = INIT_WAIT_SECONDS,
        started: float | None = None,
        download_policy: DownloadPolicy | None = None,
    ) -> None:
        """clock schedules live data's checks; s3_factory makes the instance's one S3 client;
        started is time.monotonic() when the handler's import began (None: now);
        download_policy bounds live downloads (live/download_policy.py)."""
        self.config = config
        self.clock = clock
        self.patience_seconds = patience_seconds
        self.init_wait_seconds = init_wait_seconds
        self.started = time.monotonic() if started is None else started
        self.s3: Any = None  # made on first use: an S3 database to fetch or a download to sign
        self._s3_factory = s3_factory
        self._download_policy = download_policy
        self.loader = SiteLoader(self._prepare, self._fetch, self._assemble)

    @property
    def site(self) -> Site | None:
        """The site, once started."""
        return self.loader.site

    def start(self) -> None:
        """As Lambda's init phase: start the site, waiting for downloads as long as init allows."""
        self.loader.start(wait=self._init_time_left())
        site = self.loader.site
        if site is not None and site.live is not None:
            site.live.wait_ready(self._init_time_left())

    def _init_time_left(self) -> float:
        return max(0.0, self.init_wait_seconds - (time.monotonic() - self.started))

    def ready_site(self, wait: float | None) -> Site | Loading:
        """The site with the live databases of its first check, or Loading after `wait` seconds
        (None: as long as it takes). Raises what a failed start raised."""
        began = time.monotonic()
        site = self.loader.get(wait=wait)
        if isinstance(site, Loading) or site.live is None or site.live.ready:
            return site
        if site.live.wait_ready(None if wait is None else max(0.0, wait - (time.monotonic() - began))):
            return site
        done, total = site.live.progress()
        return Loading(done, total, site.cors)

    def handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """One Lambda event (a Function URL request) → its response."""
        try:
            site = self.ready_site(wait=patience(context, self.patience_seconds))
        except Exception:
            # The reason (manifest, missing file, S3, checksum) goes to the log, not the visitor.
            log.exception("datasette-lambda: the site could not start")
            return {
                "statusCode": 500,
                "headers": {"content-type": "text/html; charset=utf-8", "cache-control": "no-store"},
                "body": STARTUP_FAILED_PAGE,
                "isBase64Encoded": False,
            }
        if isinstance(site, Loading):
            return loading_response(site, event)
        live = site.live
        if live is None:
            return enforce_response_limit(site.adapter(event, context), event)
        live.follow()
        generation = live.request_started()
        try:
            response = site.adapter(event, context)
        finally:
            live.request_finished(generation)
        return enforce_response_limit(response, event)

    def s3_client(self) -> Any:
        """The instance's S3 client, made on first use."""
        if self.s3 is None:
            self.s3 = self._s3_factory()
        return self.s3

    def prepare_snapshot(self) -> None:
        """SnapStart, before the snapshot: the whole site, started and warmed up.

        A failure is logged, not raised: the version is still published (raising would fail
        the deploy), and each restored instance starts the site on its first request, as
        without SnapStart, so a transient error does not stay in the snapshot.
        """
        try:
            site = self.ready_site(wait=None)
            assert isinstance(site, Site)  # no wait limit: never Loading
            base_url = site.datasette.setting("base_url") or "/"
            paths = snapstart.warm_up_paths(site.datasette, base_url)
            statuses = asyncio.get_event_loop().run_until_complete(snapstart.warm_up(site.app, paths))
        except Exception:
            log.exception(
                "datasette-lambda: the site could not start before the snapshot; "
                "restored instances start it on their first request"
            )
            return
        log.info("datasette-lambda: warmed up %s before the snapshot (%s)", ", ".join(paths), statuses)

    def refresh_after_restore(self) -> None:
        """SnapStart, after a restore: nothing made at init may be shared between instances.

        Quick and without a network call (Lambda allows the restore 10 s): the S3 client is
        dropped (the next use makes a fresh one) and live data's check made due, so the first
        request looks at the manifest (the snapshot may be days old) and downloads what
        changed in the background, as any request does."""
        self.s3 = None
        site = self.site
        if site is not None:
            snapstart.refresh_datasette(site.datasette)
            if site.live is not None:
                site.live.after_restore()

    def close(self) -> None:
        """Close the site's databases and executor (tests and tools that build many instances)."""
        if self.site is not None:
            self.site.close()

    # The start-up steps, as site_loader runs them.

    def _prepare(self) -> Preparation:
        return prepare_site(self.config)

    def _fetch(self, preparation: Preparation, progress: Callable[[int], None]) -> list[tuple[str, str]]:
        return fetch_databases(preparation, progress, self.s3_client)

    def _assemble(self, preparation: Preparation, located: list[tuple[str, str]]) -> Site:
        return assemble_site(
            preparation,
            located,
            self.s3_client,
            clock=self.clock,
            started=self.started,
            download_policy=self._download_policy,
        )
