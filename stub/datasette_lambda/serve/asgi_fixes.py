"""Repair the ASGI scope Mangum builds from a Function URL event before Datasette sees it.

Mangum (0.22) sets scope["raw_path"] to None and scope["path"] to the percent-decoded
path. Datasette routes on raw_path when present and builds redirects from it; with None
it turns every 404 and redirect into a 500, and with only the decoded path a table
named "dotted.table" linked as "dotted%2Etable" 404s instead of being redirected to its
tilde-encoded URL. The event's rawPath is the path as the client sent it (Function URLs
keep the percent-encoding), so both are rebuilt from it.

Requests CloudFront signed are then turned into the viewer's request (cloudfront_origin.py).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote

from datasette_lambda.serve.cloudfront_origin import as_viewer_request

# Characters that may stand literally in an encoded path (RFC 3986 pchar and "/"), plus "%".
_PATH_SAFE = "/%!$&'()*+,;=:@-._~"
_BARE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def encode_raw_path(raw_path: str) -> bytes:
    """Bytes for scope["raw_path"]: rawPath as sent, with anything not legal in a URL path escaped.

    Function URLs deliver rawPath still encoded; a front door that decodes it (API Gateway
    HTTP APIs do) would otherwise hand Datasette spaces or non-ASCII it cannot decode.
    """
    escaped = _BARE_PERCENT.sub("%25", raw_path or "/")
    return quote(escaped, safe=_PATH_SAFE).encode("ascii")


def fix_scope(scope: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a Mangum HTTP scope with raw_path and path repaired (and, if
    CloudFront signed the request, its signing headers dropped and the viewer's Host)."""
    event = scope.get("aws.event") or {}
    fixed = dict(scope)
    raw_path = event.get("rawPath")
    if isinstance(raw_path, str):
        fixed["raw_path"] = encode_raw_path(raw_path)
        fixed["path"] = unquote(fixed["raw_path"].decode("ascii"))
    elif fixed.get("raw_path") is None:
        # Not a Function URL event: at least never hand Datasette a None raw_path.
        fixed["raw_path"] = quote(fixed.get("path") or "/", safe=_PATH_SAFE).encode("ascii")
    return as_viewer_request(fixed)


class ScopeFixes:
    """ASGI middleware applying fix_scope to HTTP requests."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            scope = fix_scope(scope)
        await self.app(scope, receive, send)
