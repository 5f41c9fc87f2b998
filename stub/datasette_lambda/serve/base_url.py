"""Serve the site under a prefix ("--prefix x": Datasette's base_url "/x/").

Datasette 0.65 builds most links as base_url + a path it takes from the request, so it
expects a proxy that strips the prefix before the request reaches it (as its own
Apache demo does). Given the prefixed path instead, those links get the prefix twice
("/x/x/db/table.json"). So this middleware plays that proxy:
- a request under base_url reaches Datasette without the prefix (and with ASGI
  root_path set to it);
- a redirect Datasette builds from the request path ("/db/t/" -> "/db/t", "%2E" ->
  "~2E") gets the prefix put back on its Location (and Link) header;
- a request outside base_url ("/", "/x", "/db") is redirected into it.
Known limit: a database named like the prefix itself makes "/x/..." ambiguous in
redirects Datasette builds from the request path.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

_LINK_TARGET = re.compile(r"<([^>]*)>")


def split_prefix(raw_path: bytes, base_url: str) -> bytes | None:
    """The path Datasette should see for raw_path (bytes), or None if it is outside base_url."""
    prefix = base_url.encode("ascii")
    if raw_path.startswith(prefix):
        return b"/" + raw_path[len(prefix) :]
    return None


def outside_redirect(raw_path: bytes, query_string: bytes | None, base_url: str) -> str:
    """Where to send a request made outside base_url: the same path inside it."""
    trimmed = raw_path.decode("ascii")
    if trimmed.rstrip("/") == base_url.rstrip("/"):
        trimmed = "/"
    location = base_url + trimmed.lstrip("/")
    if query_string:
        location += "?" + query_string.decode("latin-1")
    return location


def prefixed_location(location: str, base_url: str) -> str:
    """Put the prefix back on a site-relative Location Datasette built from the request path."""
    if location.startswith("/") and not location.startswith("//") and not location.startswith(base_url):
        return base_url + location[1:]
    return location


def prefixed_link(link: str, base_url: str) -> str:
    """The same for each <target> of a Link header (redirects carry "<path>; rel=preload")."""
    return _LINK_TARGET.sub(lambda m: "<" + prefixed_location(m.group(1), base_url) + ">", link)


_HEADER_FIXES = {b"location": prefixed_location, b"link": prefixed_link}


class BaseUrlPrefix:
    """ASGI middleware, run after the scope repairs (it needs the real raw_path)."""

    def __init__(self, app: Any, base_url: str) -> None:
        if not (base_url.startswith("/") and base_url.endswith("/") and base_url != "/"):
            raise ValueError(f"base_url must look like '/x/', got {base_url!r}")
        self.app = app
        self.base_url = base_url

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or b"/"
        inner = split_prefix(raw_path, self.base_url)
        if inner is None:
            await _redirect(send, outside_redirect(raw_path, scope.get("query_string"), self.base_url))
            return
        scope = dict(
            scope,
            raw_path=inner,
            path=unquote(inner.decode("ascii")),
            root_path=self.base_url.rstrip("/"),
        )

        async def send_prefixed(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = []
                for key, value in message.get("headers") or []:
                    fix = _HEADER_FIXES.get(key.lower())
                    if fix:
                        value = fix(value.decode("latin-1"), self.base_url).encode("latin-1")
                    headers.append((key, value))
                message = dict(message, headers=headers)
            await send(message)

        await self.app(scope, receive, send_prefixed)


async def _redirect(send: Any, location: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 302,
            "headers": [
                (b"location", location.encode("latin-1")),
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"cache-control", b"max-age=60"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})
