"""Repair the ASGI scope Mangum builds from a Function URL event before Datasette sees it.

Mangum (0.22) sets scope["raw_path"] to None and scope["path"] to the percent-decoded
path. Datasette routes on raw_path when present and builds redirects from it; with None
it turns every 404 and redirect into a 500, and with only the decoded path a table
named "dotted.table" linked as "dotted%2Etable" 404s instead of being redirected to its
tilde-encoded URL. The event's rawPath is the path as the client sent it (Function URLs
keep the percent-encoding), so both are rebuilt from it.

Behind CloudFront the Function URL sees its own host name; the CloudFront Function copies
the viewer's Host into x-forwarded-host, which becomes the Host Datasette uses for
absolute URLs.
"""

import re
from urllib.parse import quote, unquote

# Characters that may stand literally in an encoded path (RFC 3986 pchar and "/"), plus "%".
_PATH_SAFE = "/%!$&'()*+,;=:@-._~"
_BARE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# host or host:port, or [ipv6]:port; anything else in x-forwarded-host is ignored.
_HOST_PORT = re.compile(r"^(.*?)(?::([0-9]+))?$")
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")


def encode_raw_path(raw_path):
    """Bytes for scope["raw_path"]: rawPath as sent, with anything not legal in a URL path escaped.

    Function URLs deliver rawPath still encoded; a front door that decodes it (API Gateway
    HTTP APIs do) would otherwise hand Datasette spaces or non-ASCII it cannot decode.
    """
    escaped = _BARE_PERCENT.sub("%25", raw_path or "/")
    return quote(escaped, safe=_PATH_SAFE).encode("ascii")


def forwarded_host(headers):
    """The viewer's host from x-forwarded-host (first value), or None if absent or malformed."""
    for key, value in headers:
        if key.lower() == b"x-forwarded-host":
            first = value.decode("latin-1").split(",")[0].strip()
            if _HOST.match(first):
                return first
            return None
    return None


def fix_scope(scope):
    """Return a copy of a Mangum HTTP scope with raw_path, path and Host repaired."""
    event = scope.get("aws.event") or {}
    fixed = dict(scope)
    raw_path = event.get("rawPath")
    if isinstance(raw_path, str):
        fixed["raw_path"] = encode_raw_path(raw_path)
        fixed["path"] = unquote(fixed["raw_path"].decode("ascii"))
    elif fixed.get("raw_path") is None:
        # Not a Function URL event: at least never hand Datasette a None raw_path.
        fixed["raw_path"] = quote(fixed.get("path") or "/", safe=_PATH_SAFE).encode("ascii")

    headers = list(scope.get("headers") or [])
    host = forwarded_host(headers)
    if host:
        headers = [(k, v) for k, v in headers if k.lower() != b"host"]
        headers.append((b"host", host.encode("latin-1")))
        fixed["headers"] = headers
        fixed["server"] = _server(host, scope.get("server"))
    return fixed


def _server(host, previous):
    name, port = _HOST_PORT.match(host).groups()
    if port:
        return (name, int(port))
    return (name, previous[1] if previous else 443)


class ScopeFixes:
    """ASGI middleware applying fix_scope to HTTP requests."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope.get("type") == "http":
            scope = fix_scope(scope)
        await self.app(scope, receive, send)
