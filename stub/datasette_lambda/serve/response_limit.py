"""Keep responses under Lambda's 6 MB synchronous response limit.

Mangum buffers the whole body and base64-encodes binary ones, and Lambda refuses a
response whose JSON payload exceeds 6,291,556 bytes: the visitor would get a bare 502
from the Function URL and the log a "payload size exceeded" line. Instead the handler
returns a page that says what happened and what to do, specific to what was asked for:
a CSV export, a JSON export (in Datasette's JSON error shape), a database file, or a page.

Status 507 ("unable to store the representation needed to complete the request"):
- a 5xx, because the request is valid: only this deployment's limit stops it (413 would
  tell the client that its own request was too large);
- not 500: CloudFront caches the errors 400, 403, 404, 405, 414 and 500-504 for its
  error-caching minimum TTL (10 s by default) and honours no-store only on 404, 410, 414
  and 501, so a 500 would be served from its cache whatever our Cache-Control says (to a
  visitor with other permissions, say, or after a redeploy that fixed the cause). A 507
  is not one of those: with "private, no-store" it is never cached.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any
from urllib.parse import parse_qs

# Lambda's limit on a synchronous invocation's response payload, in bytes.
LAMBDA_RESPONSE_LIMIT = 6_291_556
# Room for the runtime's own JSON framing, which may differ slightly from ours.
_HEADROOM = 4096
TOO_LARGE_STATUS = 507

# What was asked for -> (what it is, advice paragraphs; `x` marks code).
_ADVICE = {
    "csv": (
        "This CSV export",
        [
            "Export it in parts: without `_stream=on` each request returns one page of rows "
            "(up to `_size=max`), and the JSON version of the same URL gives the `next` token "
            "to pass as `_next` for the following page. Or narrow it: add filters, or ask for "
            "fewer columns (`_col`/`_nocol`).",
            "For every row at once, download the whole database (the link at the foot of "
            "the database's page, if this site allows downloads) and export it locally.",
        ],
    ),
    "json": (
        "This JSON response",
        [
            "Ask for less: a smaller `_size` and the `next_url` of each page, filters, or "
            "fewer columns (`_col`/`_nocol`).",
        ],
    ),
    "db": (
        "This database file",
        [
            "Sites deployed with a current datasette-lambda serve database downloads straight "
            "from S3, whatever their size: the site's owner can redeploy it with "
            "`datasette-lambda update-stack`.",
        ],
    ),
    "page": (
        "This response",
        [
            "Ask for less: add filters, a smaller `_size`, fewer columns (`_col`/`_nocol`), "
            "or page through the results.",
        ],
    ),
}
_CODE = re.compile(r"`([^`]+)`")

TOO_LARGE_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Response too large</title></head>
<body><h1>Response too large</h1>
{paragraphs}
</body></html>
"""


def payload_size(response: dict[str, Any]) -> int:
    return len(json.dumps(response).encode("utf-8"))


def requested_kind(event: dict[str, Any] | None) -> str:
    """What the request asked for: "csv", "json", "db" (a database file) or "page"."""
    event = event or {}
    path = (event.get("rawPath") or "").lower()
    query = parse_qs(event.get("rawQueryString") or "")
    format_ = (query.get("_format") or [""])[0].lower()
    for kind in ("csv", "json", "db"):
        if path.endswith("." + kind) or format_ == kind:
            return kind
    return "page"


def too_large_response(size: int, event: dict[str, Any] | None = None) -> dict[str, Any]:
    kind = requested_kind(event)
    what, advice = _ADVICE[kind]
    paragraphs = [f"{what} would be {size:,} bytes, more than the 6 MB an AWS Lambda function can return."]
    paragraphs += advice
    if kind == "json":
        # Datasette's own JSON error shape, so API clients read it like its other errors.
        body = json.dumps(
            {
                "ok": False,
                "error": " ".join(_CODE.sub(r"\1", p) for p in paragraphs),
                "status": TOO_LARGE_STATUS,
                "title": "Response too large",
            }
        )
        content_type = "application/json; charset=utf-8"
    else:
        html = "\n".join("<p>" + _CODE.sub(r"<code>\1</code>", escape(p)) + "</p>" for p in paragraphs)
        body = TOO_LARGE_PAGE.format(paragraphs=html)
        content_type = "text/html; charset=utf-8"
    return {
        "statusCode": TOO_LARGE_STATUS,
        "headers": {
            "content-type": content_type,
            "cache-control": "private, no-store",
            "x-datasette-lambda-error": "response-too-large",
        },
        "body": body,
        "isBase64Encoded": False,
    }


def enforce_response_limit(
    response: dict[str, Any], event: dict[str, Any] | None = None, limit: int = LAMBDA_RESPONSE_LIMIT
) -> dict[str, Any]:
    """Return the response, or a small explanatory one if Lambda would refuse it."""
    body = response.get("body") or ""
    if len(body) * 6 + 65536 < limit:
        return response  # even fully \u-escaped it fits: skip serialising it twice
    size = payload_size(response)
    if size <= limit - _HEADROOM:
        return response
    return too_large_response(size, event)
