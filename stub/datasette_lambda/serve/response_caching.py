"""The Cache-Control every response leaves with, so CloudFront never keeps what it should not.

A response to a request carrying the viewer's own Authorization (an API token, Basic
credentials, restored by cloudfront_origin.py) is "private, no-store", whatever Datasette
or a plugin said: it is that caller's. (Datasette 0.65.5 says so itself; a plugin's
route may not. The carrier header is also in the cache key, templates/shared.yaml.)

CloudFront caches 404s and 5xx errors (ErrorCachingMinTTL, 10 s by default) and, for a
response without Cache-Control, applies its cache policy's DefaultTTL. Datasette sends its
404s (unknown database, table, row or page) with no Cache-Control at all. So a 404 or 5xx
without one gets "no-store": CloudFront honours it on 404 (and 410, 414, 501), the
distribution's ErrorCachingMinTTL 0 covers the other 5xx, and browsers honour it on all.
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/custom-error-pages-expiration.html
"""

from __future__ import annotations

from typing import Any

from datasette_lambda.serve.cloudfront_origin import VIEWER_AUTHORIZATION

NO_STORE = b"no-store"

Headers = list[tuple[bytes, bytes]]


def needs_no_store(status: int) -> bool:
    """Errors that must never be reused: 404 and every 5xx."""
    return status == 404 or status >= 500


PRIVATE = b"private, no-store"


def with_cache_control(status: int, headers: Headers, private: bool = False) -> Headers:
    """The response headers, with Cache-Control added where the error has none, or made
    private for a request that carried the viewer's Authorization."""
    if private:
        return [*((k, v) for k, v in headers if k.lower() != b"cache-control"), (b"cache-control", PRIVATE)]
    if not needs_no_store(status):
        return headers
    if any(key.lower() == b"cache-control" for key, _ in headers):
        return headers
    return [*headers, (b"cache-control", NO_STORE)]


class ResponseCaching:
    """ASGI middleware applying with_cache_control to every HTTP response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return

        private = bool(scope.get(VIEWER_AUTHORIZATION))

        async def send_with_cache_control(message: dict[str, Any]) -> None:
            if message.get("type") == "http.response.start":
                headers = list(message.get("headers") or [])
                message = dict(message, headers=with_cache_control(message["status"], headers, private))
            await send(message)

        await self.app(scope, receive, send_with_cache_control)
