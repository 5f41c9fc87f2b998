"""GET /-/datasette-lambda.json: what this instance serves, for `push` to poll (docs/live-data.md;
the schema is contract/schemas/site-status.schema.json).

    {"databases": {"<name>": {"sha256", "dataAsOf", "live": bool}},
     "manifestEtag": ETag of the live manifest followed in full (as S3 gives it) or null,
     "checkedAt": when S3 last answered this instance's check (ISO UTC) or null,
     "expected": {"<name>": bool}}   only when asked: ?expect=<name>:<sha256> (repeatable)

It tells a visitor only what the site's permissions let them see (visitor.py): the databases
they may view, and the manifest's ETag and time only if they may view the instance (else {},
null, null). "expected" is answered to anyone: whether the instance serves <name> live with
exactly <sha256>, which tells nothing to someone who does not already hold those bytes; it
is what push asks, so push confirms on a site closed to anonymous visitors too.

Answered before Datasette (under the prefix, which BaseUrlPrefix has already taken off),
with Cache-Control: no-store so neither CloudFront nor a browser keeps an old answer: each
request may reach a different instance, and each says what it serves itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from datasette_lambda.serve.visitor import actor_of, viewable

if TYPE_CHECKING:
    from datasette_lambda.databases.served_databases import ServedDatabases
    from datasette_lambda.live.live_data import LiveData

STATUS_PATH = b"/-/datasette-lambda.json"
_EXPECT = re.compile(r"(.+):([0-9a-f]{64})", re.DOTALL)


class BadQuestion(ValueError):
    """An ?expect= that is not NAME:SHA256; the message says so."""


def expected_bytes(query_string: bytes) -> dict[str, str]:
    """{name: sha256} asked about with ?expect=NAME:SHA256 (the last one per name)."""
    asked = {}
    for field, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if field != "expect":
            continue
        match = _EXPECT.fullmatch(value)
        if not match:
            raise BadQuestion("?expect= takes NAME:SHA256, the sha256 as 64 lower-case hex digits")
        asked[match[1]] = match[2]
    return asked


def site_status(
    served: ServedDatabases,
    live: LiveData | None,
    instance_visible: bool = True,
    visible: Collection[str] | None = None,
    expected: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The document, showing the databases named in `visible` (None: all) and, when the
    instance is visible, the manifest's ETag and time; with `expected`, the answer to it."""
    status: dict[str, Any] = {
        "databases": {
            name: {"sha256": s.sha256, "dataAsOf": s.data_as_of, "live": s.live}
            for name, s in served.current.items()
            if instance_visible and (visible is None or name in visible)
        },
        "manifestEtag": None,
        "checkedAt": None,
    }
    if live is not None and instance_visible:
        status.update(live.status())
    if expected is not None:
        status["expected"] = {}
        for name, sha256 in expected.items():
            database = served.current.get(name)
            status["expected"][name] = database is not None and database.live and database.sha256 == sha256
    return status


class SiteStatus:
    """ASGI middleware answering the status path for Datasette `ds` and what it serves."""

    def __init__(self, app: Any, ds: Any, served: ServedDatabases, live: LiveData | None, cors: bool = False) -> None:
        self.app = app
        self.ds = ds
        self.served = served
        self.live = live
        self.cors = cors

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if (
            scope.get("type") != "http"
            or scope.get("raw_path") != STATUS_PATH
            or scope.get("method") not in ("GET", "HEAD")
        ):
            await self.app(scope, receive, send)
            return
        try:
            expected = expected_bytes(scope.get("query_string") or b"")
        except BadQuestion as e:
            await self._answer(scope, send, 400, {"error": str(e)})
            return
        actor = await actor_of(self.ds, scope, receive)
        instance, visible = await viewable(self.ds, actor, list(self.served.current))
        document = site_status(self.served, self.live, instance, visible, expected if expected else None)
        await self._answer(scope, send, 200, document)

    async def _answer(self, scope: dict[str, Any], send: Any, status: int, document: dict[str, Any]) -> None:
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
        body = json.dumps(document, ensure_ascii=False).encode("utf-8")
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
