"""The answer while a new instance is still downloading its databases: "loading, retry shortly".

A big S3 database can take longer to download than a visitor should wait (and longer than
CloudFront waits for the function: 60 s). After a while (the handler's patience) the
request gets this instead of a timeout:

- status 503 with Retry-After, the standard "try again in N seconds" (API clients and
  crawlers honour it); Cache-Control no-store, and the CloudFront distribution caches 503s
  only as the origin says (ErrorCachingMinTTL 0), so the page disappears the moment the
  site is ready;
- for a browser, a small page saying how far the download is, which reloads itself after
  the same delay; every reload lets the download run on (Lambda thaws the instance for it);
- for a .json URL, Datasette's JSON error shape.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any, Protocol

RETRY_AFTER_SECONDS = 5
MB = 1024 * 1024


class Progress(Protocol):
    """How far the downloads are (start/site_loader.py's Loading)."""

    done_bytes: int
    total_bytes: int
    cors: bool


def _progress(loading: Progress) -> str:
    if not loading.total_bytes:
        return "preparing"
    percent = min(100, int(100 * loading.done_bytes / loading.total_bytes))
    return f"{loading.done_bytes / MB:.0f} of {loading.total_bytes / MB:.0f} MB ({percent}%)"


def wants_json(event: dict[str, Any]) -> bool:
    path = (event or {}).get("rawPath") or ""
    return path.rstrip("/").endswith(".json")


def loading_response(loading: Progress, event: dict[str, Any]) -> dict[str, Any]:
    progress = _progress(loading)
    message = f"This site has just started and is still loading its data ({progress}). Please retry in a few seconds."
    headers = {
        "cache-control": "no-store",
        "retry-after": str(RETRY_AFTER_SECONDS),
        "x-datasette-lambda-status": "loading",
    }
    if loading.cors:
        headers["access-control-allow-origin"] = "*"
    if wants_json(event):
        headers["content-type"] = "application/json; charset=utf-8"
        body = json.dumps({"ok": False, "error": message, "status": 503, "title": "Loading"})
    else:
        headers["content-type"] = "text/html; charset=utf-8"
        body = (
            '<!DOCTYPE html><html><head><meta charset="utf-8">'
            f'<meta http-equiv="refresh" content="{RETRY_AFTER_SECONDS}">'
            "<title>Loading…</title></head><body><h1>Loading…</h1>"
            f"<p>{escape(message)}</p>"
            f"<p>This page reloads itself in {RETRY_AFTER_SECONDS} seconds.</p></body></html>"
        )
    return {"statusCode": 503, "headers": headers, "body": body, "isBase64Encoded": False}
