"""AWS Lambda entry point ("handler.handler"): Datasette behind a Function URL.

Each Lambda instance builds its site once and reuses it for every later request (warm
starts). Where each part of the start-up runs (measured by bench/coldstart.ts; see
stub/README.md, "Cold starts"):
- at import, i.e. Lambda's init phase (full CPU even for small memory sizes, sometimes run
  ahead of any request, snapshotted with SnapStart): the import diet, the manifest,
  Datasette built and started (what it would otherwise do on its first request), the
  layer's compiled templates attached. S3 databases start downloading here, in the
  background: init waits for them only up to INIT_WAIT_SECONDS (Lambda allows 10 s);
- in the first request: whatever is left of the downloads, then Datasette is built. A
  request waits at most PATIENCE_SECONDS (less when its time runs out) and is otherwise
  answered "loading, retry shortly" (loading_page.py) while the download carries on.
A failed start is not cached: it is logged, the visitor gets a "could not start" page,
and the next request starts again, so a transient S3 error heals.

With a bucket and DATASETTE_LAMBDA_LIVE_SECONDS not 0, each request first lets live data
follow live/manifest.json (live_data.py: a clock read unless a check is due), and is
counted while Datasette serves it, so what a swap replaced is released only when unused.

Responses are buffered by Mangum and binary bodies base64-encoded; Lambda caps the
response at 6 MB (see response_limit.py), so database downloads go to S3
(database_downloads.py).
"""

import time

_IMPORT_STARTED = time.monotonic()

import import_diet  # noqa: E402

import_diet.install()  # before anything imports Datasette: see import_diet.py

import asyncio  # noqa: E402  (after the diet, as is everything below)
import logging  # noqa: E402
import os  # noqa: E402

from mangum import Mangum  # noqa: E402
from plugin_secrets import unpack_plugin_secrets  # noqa: E402

import snapstart  # noqa: E402
import template_cache  # noqa: E402
from database_downloads import S3Presigner  # noqa: E402
from database_files import locate_databases, task_root  # noqa: E402
from datasette_app import build_asgi_app, build_datasette, start_datasette  # noqa: E402
from live_data import LiveData, live_interval  # noqa: E402
from loading_page import loading_response  # noqa: E402
from manifest import load_manifest  # noqa: E402
from response_limit import enforce_response_limit  # noqa: E402
from s3_databases import needs_download, remove_partial_downloads  # noqa: E402
from site_loader import Loading, Preparation, SiteLoader  # noqa: E402
from site_secret import site_secret  # noqa: E402

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
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Site unavailable</title></head>"
    "<body><h1>Site unavailable</h1><p>This Datasette site could not start. Its owner can "
    "see why in the function's logs (datasette-lambda tail-logs NAME).</p></body></html>"
)

_s3 = None  # one boto3 client per instance, made on first use
# What live data's checks are scheduled by; tests put a clock they move in its place
# before the site is built, so as not to wait DATASETTE_LAMBDA_LIVE_SECONDS.
live_clock = time.monotonic


def handler(event, context):
    try:
        site = _instance.get(wait=patience(context))
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


def patience(context):
    """Seconds a request may wait for the site: PATIENCE_SECONDS, less when time runs out."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return PATIENCE_SECONDS
    return max(0.0, min(PATIENCE_SECONDS, remaining() / 1000 - RESPONSE_MARGIN_SECONDS))


class Site:
    def __init__(self, datasette, app, adapter, served=None, live=None):
        self.datasette = datasette
        self.app = app
        self.adapter = adapter
        self.served = served  # what is served (served_databases.py)
        self.live = live  # LiveData, or None when live data is off

    def close(self):
        databases = list(self.datasette.databases.values())
        if self.served is not None:  # deployed ones a live database has taken the place of
            databases += [s.database for s in self.served.deployed_entries()]
        for database in databases:
            database.close()
        if self.datasette.executor is not None:
            self.datasette.executor.shutdown(wait=False)


def prepare_site(environ=None):
    """The cheap part: manifest, bucket, and how much of the S3 databases is still to download."""
    environ = os.environ if environ is None else environ
    root = task_root(environ, __file__)
    unpack_plugin_secrets(environ)  # before Datasette reads its plugins' configuration
    manifest = load_manifest(root)
    bucket = environ.get("DATASETTE_LAMBDA_BUCKET")
    pending = [db for db in manifest["databases"] if db["location"] == "s3" and needs_download(db)]
    if bucket:
        # Before this process downloads anything (deployed or live databases).
        remove_partial_downloads()
    return Preparation(
        pending_bytes=sum(db["bytes"] for db in pending),
        cors=manifest["cors"],
        root=root,
        manifest=manifest,
        bucket=bucket,
        secret=site_secret(environ),
        live_interval=live_interval(environ),
    )


def fetch_databases(preparation, progress):
    details = preparation.details
    return locate_databases(
        details["manifest"], details["root"], bucket=details["bucket"], s3_client_factory=_s3_client, on_progress=progress
    )


def assemble_site(preparation, located):
    """Datasette, its ASGI stack and Mangum, started (what Datasette does on its first request)."""
    details = preparation.details
    manifest, bucket, interval = details["manifest"], details["bucket"], details["live_interval"]
    ds, served = build_datasette(manifest, located, details["secret"], details["root"])
    live = None
    if bucket and interval:
        live = LiveData(served, bucket, _s3_client, interval, clock=live_clock)
        live.follow()  # the first check, with the deployed databases: before any request
    presigner = S3Presigner(bucket, _s3_client) if bucket else None
    app = build_asgi_app(ds, served, live, presigner)
    # Lambda has no ASGI lifespan to run. Mangum sets up the event loop every request runs on.
    adapter = Mangum(app, lifespan="off")
    asyncio.get_event_loop().run_until_complete(start_datasette(ds))
    templates = template_cache.attach(ds)
    log.info(
        "datasette-lambda: site ready %.2f s after import (%d databases, %d from S3, downloads of %d "
        "from S3, compiled templates %s, %s)",
        time.monotonic() - _IMPORT_STARTED,
        len(located),
        sum(1 for db in manifest["databases"] if db["location"] == "s3"),
        sum(1 for db in manifest["databases"] if bucket and db.get("key")),
        "on" if templates else "off",
        f"live data checked every {interval:g} s, {len(served.live)} live" if live else "live data off",
    )
    return Site(ds, app, adapter, served, live)


def build_site(environ=None):
    """The whole start-up at once, in this thread (benchmarks and tools; Lambda uses _instance)."""
    preparation = prepare_site(environ)
    return assemble_site(preparation, fetch_databases(preparation, lambda n: None))


def _s3_client():
    """The instance's S3 client, made on first use: an S3 database to fetch or a download to sign."""
    global _s3
    if _s3 is None:
        # In Lambda's Python runtime; imported only when needed (it costs cold-start time).
        import boto3
        from botocore.config import Config

        # SigV4 on the bucket's regional host: the defaults presign some URLs with SigV2
        # or for the global s3.amazonaws.com, which a bucket outside us-east-1 may
        # answer with a redirect that breaks the signature. A connection for each of a
        # download's concurrent ranges (s3_download.MAX_CONCURRENCY), and some to spare.
        config = Config(signature_version="s3v4", s3={"addressing_style": "virtual"}, max_pool_connections=16)
        _s3 = boto3.client("s3", config=config)
        # botocore logs every signature it computes at DEBUG (botocore.auth), and every
        # request it sends with its Authorization and X-Amz-Security-Token headers
        # (botocore.endpoint): a presigned URL's signature is a bearer credential, a signed
        # request can be replayed for minutes, the token is the role's. Live data signs a
        # request every few seconds. Keep all of it out of logs, whatever the log level.
        logging.getLogger("botocore").setLevel(logging.INFO)
    return _s3


def _prepare_snapshot():
    """SnapStart, before the snapshot: the whole site, started and warmed up.

    A failure is logged, not raised: the version is still published (raising would fail
    the deploy), and each restored instance starts the site on its first request, as
    without SnapStart, so a transient error does not stay in the snapshot.
    """
    try:
        site = _instance.get(wait=None)
        base_url = site.datasette.setting("base_url") or "/"
        paths = snapstart.warm_up_paths(site.datasette, base_url)
        statuses = asyncio.get_event_loop().run_until_complete(snapstart.warm_up(site.app, paths))
    except Exception:
        log.exception("datasette-lambda: the site could not start before the snapshot; restored instances start it on their first request")
        return
    log.info("datasette-lambda: warmed up %s before the snapshot (%s)", ", ".join(paths), statuses)


def _refresh_after_restore():
    """SnapStart, after a restore: nothing made at init may be shared between instances."""
    global _s3
    _s3 = None
    site = _instance.site
    if site is not None:
        snapstart.refresh_datasette(site.datasette)
        if site.live is not None:
            # The snapshot may be days old: look at the live manifest before serving.
            site.live.check.check_now()
            site.live.follow()


def _new_instance():
    return SiteLoader(prepare_site, fetch_databases, assemble_site)


_instance = _new_instance()
snapstart.install(_prepare_snapshot, _refresh_after_restore)
# Lambda always sets LAMBDA_TASK_ROOT; code that imports this module to drive it (tests)
# starts each instance itself.
if os.environ.get("LAMBDA_TASK_ROOT"):
    _instance.start(wait=max(0.0, INIT_WAIT_SECONDS - (time.monotonic() - _IMPORT_STARTED)))


def _reset_for_tests(init=False):
    """Forget the site and client, as a new Lambda instance would; with init, start it as
    Lambda's init phase does (at import). For tests only."""
    global _instance, _s3
    if _instance.site is not None:
        _instance.site.close()
    _instance = _new_instance()
    _s3 = None
    if init:
        _instance.start(wait=INIT_WAIT_SECONDS)
