"""GET /-/datasette-lambda.json: what this instance serves, for `push` to poll.

    {"databases": {"<name>": {"sha256", "dataAsOf", "live": bool}},
     "manifestEtag": ETag of the live manifest followed in full (as S3 gives it) or null,
     "checkedAt": when S3 last answered this instance's check (ISO UTC) or null}

Answered before Datasette (under the prefix, which BaseUrlPrefix has already taken off),
with Cache-Control: no-store so neither CloudFront nor a browser keeps an old answer:
each request may reach a different instance, and each says what it serves itself. It
names what the index page shows, plus each file's sha256 and time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datasette_lambda.databases.served_databases import ServedDatabases
    from datasette_lambda.live.live_data import LiveData

STATUS_PATH = b"/-/datasette-lambda.json"


def site_status(served: ServedDatabases, live: LiveData | None) -> dict[str, Any]:
    status: dict[str, Any] = {
        "databases": {
            name: {"sha256": s.sha256, "dataAsOf": s.data_as_of, "live": s.live} for name, s in served.current.items()
        },
        "manifestEtag": None,
        "checkedAt": None,
    }
    if live is not None:
        status.update(live.status())
    return status


class SiteStatus:
    """ASGI middleware; status() gives the document for each request."""

    def __init__(self, app: Any, status: Callable[[], dict[str, Any]], cors: bool = False) -> None:
        self.app = app
        self.status = status
        self.cors = cors

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if (
            scope.get("type") != "http"
            or scope.get("raw_path") != STATUS_PATH
            or scope.get("method") not in ("GET", "HEAD")
        ):
            await self.app(scope, receive, send)
            return
        body = json.dumps(self.status()).encode("utf-8")
        headers = [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"cache-control", b"no-store"),
        ]
        if self.cors:  # the headers Datasette adds to its own JSON with --cors
            headers += [
                (b"access-control-allow-origin", b"*"),
                (b"access-control-allow-headers", b"Authorization"),
                (b"access-control-expose-headers", b"Link"),
            ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
