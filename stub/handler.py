"""AWS Lambda entry point ("handler.handler"): Datasette behind a Function URL.

The site (Datasette instance, ASGI app, Mangum adapter) is built on the first request
of each Lambda instance and reused by every later one (warm starts). A failed start is
not cached, so a transient S3 error heals on the next request.

Responses are buffered by Mangum and binary bodies base64-encoded; Lambda caps the
response at 6 MB (see response_limit.py), so database downloads go to S3
(database_downloads.py).

With a bucket and DATASETTE_LAMBDA_LIVE_SECONDS not 0, each request first lets live data
follow live/manifest.json (live_data.py: a clock read unless a check is due), and is
counted while Datasette serves it, so what a swap replaced is released only when unused.
"""

import logging
import os
import time

from mangum import Mangum

from database_downloads import S3Presigner
from database_files import locate_databases, task_root
from datasette_app import build_asgi_app, build_datasette
from live_data import LiveData, live_interval
from manifest import load_manifest
from response_limit import enforce_response_limit
from s3_databases import remove_stale_partials
from site_secret import site_secret

log = logging.getLogger("datasette_lambda")
log.setLevel(logging.INFO)

STARTUP_FAILED_PAGE = (
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Site unavailable</title></head>"
    "<body><h1>Site unavailable</h1><p>This Datasette site could not start. Its owner can "
    "see why in the function's logs (datasette-lambda tail-logs NAME).</p></body></html>"
)

_site = None
_s3 = None  # one boto3 client per instance, made on first use
# What live data's checks are scheduled by; tests put a clock they move in its place
# before the site is built, so as not to wait DATASETTE_LAMBDA_LIVE_SECONDS.
live_clock = time.monotonic


def handler(event, context):
    try:
        site = _get_site()
    except Exception:
        # The reason (manifest, missing file, S3, checksum) goes to the log, not the visitor.
        log.exception("datasette-lambda: the site could not start")
        return {
            "statusCode": 500,
            "headers": {"content-type": "text/html; charset=utf-8", "cache-control": "no-store"},
            "body": STARTUP_FAILED_PAGE,
            "isBase64Encoded": False,
        }
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


class Site:
    def __init__(self, datasette, adapter, served=None, live=None):
        self.datasette = datasette
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


def build_site(environ=None):
    environ = os.environ if environ is None else environ
    started = time.monotonic()
    root = task_root(environ, __file__)
    manifest = load_manifest(root)
    bucket = environ.get("DATASETTE_LAMBDA_BUCKET")
    if bucket:
        remove_stale_partials()
    located = locate_databases(manifest, root, bucket=bucket, s3_client_factory=_s3_client)
    ds, served = build_datasette(manifest, located, site_secret(environ))
    interval = live_interval(environ)
    live = None
    if bucket and interval:
        live = LiveData(served, bucket, _s3_client, interval, clock=live_clock)
        live.follow()  # the first check, with the deployed databases: before any request
    presigner = S3Presigner(bucket, _s3_client) if bucket else None
    # Lambda has no ASGI lifespan to run; Datasette does its start-up on the first request.
    adapter = Mangum(build_asgi_app(ds, served, live, presigner), lifespan="off")
    log.info(
        "datasette-lambda: site ready in %.2f s (%d databases, %d from S3, downloads of %d from S3, "
        "%s)",
        time.monotonic() - started,
        len(located),
        sum(1 for db in manifest["databases"] if db["location"] == "s3"),
        sum(1 for db in manifest["databases"] if bucket and db.get("key")),
        f"live data checked every {interval:g} s, {len(served.live)} live" if live else "live data off",
    )
    return Site(ds, adapter, served, live)


def _get_site():
    global _site
    if _site is None:
        _site = build_site()
    return _site


def _s3_client():
    """The instance's S3 client, made on first use: an S3 database to fetch or a download to sign."""
    global _s3
    if _s3 is None:
        # In Lambda's Python runtime; imported only when needed (it costs cold-start time).
        import boto3
        from botocore.config import Config

        # SigV4 on the bucket's regional host: the defaults presign some URLs with SigV2
        # or for the global s3.amazonaws.com, which a bucket outside us-east-1 may
        # answer with a redirect that breaks the signature.
        config = Config(signature_version="s3v4", s3={"addressing_style": "virtual"})
        _s3 = boto3.client("s3", config=config)
        # botocore logs every signature it computes at DEBUG (botocore.auth), and every
        # request it sends with its Authorization and X-Amz-Security-Token headers
        # (botocore.endpoint): a presigned URL's signature is a bearer credential, a signed
        # request can be replayed for minutes, the token is the role's. Live data signs a
        # request every few seconds. Keep all of it out of logs, whatever the log level.
        logging.getLogger("botocore").setLevel(logging.INFO)
    return _s3


def _reset_for_tests():
    """Forget the cached site and client, as a new Lambda instance would. For tests only."""
    global _site, _s3
    if _site is not None:
        _site.close()
    _site = None
    _s3 = None
