"""A GET through the site's ASGI app, in process: SnapStart's warm-up before the snapshot
(start/snapstart.py), and tests that need requests on one event loop."""

from typing import Any


async def asgi_get(app: Any, path: str, query: str = "") -> tuple[int | None, bytes]:
    """GET path?query as https://localhost; (status, body), status None when the app sent none."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode("ascii"),
        "query_string": query.encode("ascii"),
        "root_path": "",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 0),
        "server": ("localhost", 443),
    }
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    status = next((m["status"] for m in messages if m["type"] == "http.response.start"), None)
    return status, b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
