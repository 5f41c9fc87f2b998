"""Database downloads ("/NAME.db") straight from S3, by a short-lived presigned redirect.

Lambda returns at most 6 MB and Mangum base64-encodes a binary body, so a database over
about 4.7 MB could never be downloaded through the function. A database whose manifest
entry has an S3 key (every s3 database; inline ones whose copy the CLI uploaded) is
downloaded from the bucket instead: Datasette's file response is replaced by a 302 to a
presigned GET of the object, valid for PRESIGNED_URL_SECONDS.

Datasette still decides whether there is a download at all: the request goes through it
unchanged, so allow_download, mutable databases, the view-instance / view-database /
view-database-download permissions, 404s and If-None-Match (304) are all its own
answers. Only its 200 file response is replaced, at the response's first message:
send() answers with the redirect, then raises StopDownload, which stops Datasette before
it reads any of the file. StopDownload is a BaseException so that Datasette's
"except Exception" error handling lets it through to this middleware.

A presigned URL is a bearer credential for ten minutes: it is never logged, and the
redirect is "private, no-store" so CloudFront never hands it to anyone else or past its
expiry.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from datasette.utils import tilde_decode

PRESIGNED_URL_SECONDS = 600
# Datasette's DatabaseDownload route.
_DOWNLOAD_PATH = re.compile(r"^/(?P<database>[^/.]+)\.db$")

log = logging.getLogger("datasette_lambda")


class StopDownload(BaseException):
    """Raised out of send() once the redirect has replaced Datasette's file response."""


class S3Presigner:
    """Presigned GET URLs for objects of the site's bucket (no network call: signing is local)."""

    def __init__(self, bucket: str, client_factory: Callable[[], Any], expires_in: int = PRESIGNED_URL_SECONDS) -> None:
        self.bucket = bucket
        self.client_factory = client_factory
        self.expires_in = expires_in

    def url(self, key: str, file_name: str) -> str:
        return self.client_factory().generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                # What Datasette's own download sends, so the browser saves it the same way.
                "ResponseContentDisposition": f'attachment; filename="{file_name}"',
                "ResponseContentType": "application/octet-stream",
            },
            ExpiresIn=self.expires_in,
        )


class DatabaseDownloadRedirect:
    """ASGI middleware around Datasette's app (after the prefix is stripped).

    objects() gives {database route: (S3 key, file name)} for what is served now
    (served_databases.py): live data changes it, and a live database that replaces a
    deployed one is downloaded from its own object.
    """

    def __init__(
        self,
        app: Any,
        objects: Callable[[], Mapping[str, tuple[str, str]]],
        presigner: S3Presigner,
        base_url: str = "/",
    ) -> None:
        self.app = app
        self.objects = objects
        self.presigner = presigner
        self.base_url = base_url

    def _object_for(self, scope: dict[str, Any]) -> tuple[str, str] | None:
        path = (scope.get("raw_path") or b"").decode("ascii", "replace").partition("?")[0]
        # Datasette strips base_url once more before routing; match what it routes.
        if self.base_url != "/" and path.startswith(self.base_url):
            path = "/" + path[len(self.base_url) :]
        match = _DOWNLOAD_PATH.match(path)
        return self.objects().get(tilde_decode(match["database"])) if match else None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        target = self._object_for(scope) if scope.get("type") == "http" else None
        if target is None:
            await self.app(scope, receive, send)
            return

        async def send_or_redirect(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and _is_file_download(message):
                location = self._presign(*target)
                if location is not None:
                    await _send_redirect(send, location, message)
                    raise StopDownload()
            await send(message)

        try:
            await self.app(scope, receive, send_or_redirect)
        except StopDownload:
            pass

    def _presign(self, key: str, file_name: str) -> str | None:
        try:
            return self.presigner.url(key, file_name)
        except Exception as e:  # no credentials, say: Datasette serves the file itself
            log.warning(
                "datasette-lambda: could not presign the download of %s (%s); serving it from the function",
                file_name,
                type(e).__name__,
            )
            return None


def _is_file_download(message: dict[str, Any]) -> bool:
    """Datasette's 200 answer with the file (not a 304, 403, 404 or anything else)."""
    if message.get("status") != 200:
        return False
    for key, value in message.get("headers") or []:
        if key.lower() == b"content-disposition":
            return value.startswith(b"attachment")
    return False


async def _send_redirect(send: Any, location: str, original: dict[str, Any]) -> None:
    headers = [
        (b"location", location.encode("latin-1")),
        # Never cached (by CloudFront or a browser) past the URL's expiry, nor shared.
        (b"cache-control", b"private, no-store"),
        (b"content-type", b"text/plain; charset=utf-8"),
    ]
    # Datasette's CORS headers (--cors) stay, so a script may follow the redirect.
    headers += [(k, v) for k, v in original.get("headers") or [] if k.lower().startswith(b"access-control-")]
    await send({"type": "http.response.start", "status": 302, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
