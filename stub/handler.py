"""AWS Lambda entry point ("handler.handler"): Datasette behind a Function URL.

The site (Datasette instance, ASGI app, Mangum adapter) is built on the first request
of each Lambda instance and reused by every later one (warm starts). A failed start is
not cached, so a transient S3 error heals on the next request.

Responses are buffered by Mangum and binary bodies base64-encoded; Lambda caps the
response at 6 MB (see response_limit.py).
"""

import logging
import os
import time

from mangum import Mangum

from database_files import locate_databases, task_root
from datasette_app import build_asgi_app, build_datasette
from manifest import load_manifest
from response_limit import enforce_response_limit
from site_secret import site_secret

log = logging.getLogger("datasette_lambda")
log.setLevel(logging.INFO)

STARTUP_FAILED_PAGE = (
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Site unavailable</title></head>"
    "<body><h1>Site unavailable</h1><p>This Datasette site could not start. Its owner can "
    "see why in the function's logs (datasette-lambda tail-logs NAME).</p></body></html>"
)

_site = None


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
    return enforce_response_limit(site.adapter(event, context), event)


class Site:
    def __init__(self, datasette, adapter):
        self.datasette = datasette
        self.adapter = adapter

    def close(self):
        for database in self.datasette.databases.values():
            database.close()
        if self.datasette.executor is not None:
            self.datasette.executor.shutdown(wait=False)


def build_site(environ=None):
    environ = os.environ if environ is None else environ
    started = time.monotonic()
    root = task_root(environ, __file__)
    manifest = load_manifest(root)
    located = locate_databases(
        manifest,
        root,
        bucket=environ.get("DATASETTE_LAMBDA_BUCKET"),
        s3_client_factory=_s3_client,
    )
    ds = build_datasette(manifest, located, site_secret(environ))
    # Lambda has no ASGI lifespan to run; Datasette does its start-up on the first request.
    adapter = Mangum(build_asgi_app(ds), lifespan="off")
    log.info(
        "datasette-lambda: site ready in %.2f s (%d databases, %d from S3)",
        time.monotonic() - started,
        len(located),
        sum(1 for db in manifest["databases"] if db["location"] == "s3"),
    )
    return Site(ds, adapter)


def _get_site():
    global _site
    if _site is None:
        _site = build_site()
    return _site


def _s3_client():
    import boto3  # in Lambda's Python runtime; imported only when an S3 database is fetched

    return boto3.client("s3")


def _reset_for_tests():
    """Forget the cached site, as a new Lambda instance would. For tests only."""
    global _site
    if _site is not None:
        _site.close()
    _site = None
