"""Fetching a scheduled import's source: one http(s) GET into a file, conditional on what the
last fetch saw, within a size limit and a time limit.

- Only http:// and https://, redirects included (urllib would follow one to ftp://), and
  never the function's own Lambda Runtime API (AWS_LAMBDA_RUNTIME_API, on the instance's
  loopback): a source that redirected there could take the function's next invocation.
- Conditional: If-None-Match with the last ETag and If-Modified-Since with the last
  Last-Modified; a 304 is NotModified (RFC 9110, 13.1.2 and 13.1.3).
- At most MAX_BYTES (1 GiB, checked against Content-Length first, then as the body streams),
  each connect and read within READ_TIMEOUT_SECONDS, the whole download within
  DOWNLOAD_SECONDS: a source that is too big or too slow fails the run, with the reason.
"""

from __future__ import annotations

import os
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPMessage
from typing import IO, Any
from urllib.parse import unquote, urlsplit

MAX_BYTES = 1024**3
READ_TIMEOUT_SECONDS = 30
DOWNLOAD_SECONDS = 300
_CHUNK = 1024 * 1024
USER_AGENT = "datasette-lambda (scheduled import)"

# What the converter reads, by the Content-Type a server gives it (when the URL's path has
# no extension it knows). SQLite is known by its header whatever the name.
EXTENSIONS_BY_TYPE = {
    "text/csv": ".csv",
    "application/csv": ".csv",
    "text/tab-separated-values": ".tsv",
    "application/json": ".json",
    "text/json": ".json",
    "application/geo+json": ".geojson",
    "application/x-ndjson": ".ndjson",
    "application/ndjson": ".ndjson",
    "application/jsonl": ".ndjson",
    "application/geo+json-seq": ".geojsonl",
    "application/yaml": ".yaml",
    "application/x-yaml": ".yaml",
    "text/yaml": ".yaml",
    "text/markdown": ".md",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.sqlite3": ".db",
    "application/x-sqlite3": ".db",
}


class FetchError(Exception):
    """The source could not be fetched; the message is the reason, one line."""


@dataclass(frozen=True)
class NotModified:
    """304: the source is what the last fetch got."""


@dataclass(frozen=True)
class Fetched:
    path: str
    size: int
    etag: str | None
    last_modified: str | None
    content_type: str | None


def display_url(url: str) -> str:
    """The address without credentials or query string: what pages and logs may show (pure)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"


def file_name(url: str, database: str, content_type: str | None, known: tuple[str, ...]) -> str | None:
    """The name to save the source under, so the converter knows its format and names its
    table: the URL's own file name when its extension is one the converter reads, else the
    database's with the Content-Type's extension; None when neither tells (pure)."""
    base = os.path.basename(unquote(urlsplit(url).path)).replace("\x00", "")
    if os.path.splitext(base)[1].lower() in known:
        return base
    media_type = (content_type or "").split(";")[0].strip().lower()
    extension = EXTENSIONS_BY_TYPE.get(media_type)
    return database + extension if extension else None


def _check_destination(url: str, runtime_api: str | None) -> None:
    """FetchError unless url is http(s) and not the Lambda Runtime API (host:port, resolved)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"{parts.scheme or 'no scheme'}: is not an http(s) address")
    if not runtime_api or not parts.hostname:
        return
    api_host, _, api_port = runtime_api.rpartition(":")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if str(port) != api_port:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port)}
        api_addresses = {info[4][0] for info in socket.getaddrinfo(api_host, int(api_port))}
    except (OSError, ValueError):
        return  # not resolvable: the GET fails on its own
    if addresses & api_addresses:
        raise FetchError("refused: that is the Lambda Runtime API of the function itself")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, runtime_api: str | None) -> None:
        super().__init__()
        self.runtime_api = runtime_api

    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: HTTPMessage, newurl: str
    ) -> urllib.request.Request | None:
        try:
            _check_destination(newurl, self.runtime_api)
        except FetchError as e:
            raise FetchError(f"redirected to {newurl.split('?')[0]}, {e}") from None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(
    url: str,
    into: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    clock: Any = time.monotonic,
    max_bytes: int = MAX_BYTES,
    download_seconds: float = DOWNLOAD_SECONDS,
    runtime_api: str | None = os.environ.get("AWS_LAMBDA_RUNTIME_API"),  # set before any import, in Lambda
) -> Fetched | NotModified:
    """GET url into the file `into` (conditional on etag / last_modified when given)."""
    _check_destination(url, runtime_api)
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    opener = urllib.request.build_opener(_CheckedRedirects(runtime_api))
    deadline = clock() + download_seconds
    try:
        response = opener.open(urllib.request.Request(url, headers=headers), timeout=READ_TIMEOUT_SECONDS)
    except urllib.error.HTTPError as e:
        e.close()
        if e.code == 304:
            return NotModified()
        raise FetchError(f"HTTP {e.code} {e.reason}") from None
    except urllib.error.URLError as e:
        raise FetchError(f"could not connect: {e.reason}") from None
    except (OSError, ValueError) as e:
        raise FetchError(f"could not connect: {e}") from None
    with response:
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > max_bytes:
            raise FetchError(f"{int(length):,} bytes, over the {max_bytes:,}-byte limit of a scheduled import")
        size = 0
        try:
            with open(into, "wb") as out:
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(f"over the {max_bytes:,}-byte limit of a scheduled import")
                    if clock() > deadline:
                        raise FetchError(f"not downloaded within {download_seconds:g} s ({size:,} bytes so far)")
                    out.write(chunk)
        except OSError as e:  # a read that timed out, a connection reset
            raise FetchError(f"the download broke off after {size:,} bytes: {e}") from None
        return Fetched(
            into,
            size,
            response.headers.get("ETag"),
            response.headers.get("Last-Modified"),
            response.headers.get("Content-Type"),
        )
