"""A front for the local moto server that serves big made-up objects itself, at the pace a test sets.

The stub's S3 client is pointed here (AWS_ENDPOINT_URL). Every request goes on to moto as
it came, except GET and HEAD of a *synthetic* object: a real small SQLite file followed by
zeros up to any size (600 MB, say), which costs no memory here, answered as S3 answers
(Range, Content-Range, ETag). For those:

- the bytes flow only as far as the test lets them (let_through): hold() stops them, as a
  stuck connection would, or as Lambda's freezing of an instance between requests stops
  the download thread (see test_live_downloads.py);
- fail_from(offset) answers every range starting there with 403 AccessDenied (S3's answer
  when a role may not read; s3transfer does not retry it): a download that fails part-way.
"""

from __future__ import annotations

import hashlib
import http.client
import http.server
import re
import threading
import urllib.parse

CHUNK = 256 * 1024
_ZEROS = bytes(CHUNK)
_HASH_CHUNK = 8 * 1024 * 1024
_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")
ACCESS_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>'
)


class SyntheticObject:
    def __init__(self, head: bytes, size: int):
        self.head = head
        self.size = size
        self.fail_from: int | None = None
        self.gets = 0  # GET requests for it
        digest = hashlib.sha256(head)
        zeros = memoryview(bytes(_HASH_CHUNK))
        for start in range(len(head), size, _HASH_CHUNK):
            digest.update(zeros[: min(_HASH_CHUNK, size - start)])
        self.sha256 = digest.hexdigest()
        self.etag = f'"{self.sha256[:32]}"'

    def piece(self, start: int, end: int) -> bytes:
        """Bytes [start, end), end - start <= CHUNK."""
        if start >= len(self.head):
            return _ZEROS[: end - start]
        return (self.head[start:end] + _ZEROS)[: end - start]


class S3Front:
    def __init__(self, moto_endpoint: str):
        self.moto = urllib.parse.urlsplit(moto_endpoint)
        self.objects: dict[tuple[str, str], SyntheticObject] = {}
        self._flow = threading.Condition()
        self._allowance: float = float("inf")  # bytes of synthetic objects that may still flow
        self.requests = 0  # every request it got, synthetic objects' and moto's
        front = self

        class Handler(_Handler):
            pass

        Handler.front = front
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def serve(self, bucket: str, key: str, obj: SyntheticObject) -> None:
        self.objects[(bucket, key)] = obj

    def let_through(self, size: int | None) -> None:
        """Let `size` more bytes flow (None: all of them, from now on)."""
        with self._flow:
            self._allowance = float("inf") if size is None else self._allowance + size
            self._flow.notify_all()

    def hold(self) -> None:
        """No byte flows until let_through()."""
        with self._flow:
            self._allowance = 0

    def take(self, wanted: int) -> int:
        """Wait until some bytes may flow; how many of `wanted` (called by the server's threads)."""
        with self._flow:
            while self._allowance <= 0:
                self._flow.wait()
            granted = int(min(wanted, self._allowance))
            self._allowance -= granted
            return granted

    def stop(self) -> None:
        self.let_through(None)  # let held answers end
        self.server.shutdown()
        self.server.server_close()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    front: S3Front

    def log_message(self, format, *args):
        pass

    def _serve(self):
        self.front.requests += 1  # one server thread per request, under the GIL: no count is lost to a race here
        path = urllib.parse.urlsplit(self.path).path
        bucket, _, key = urllib.parse.unquote(path).lstrip("/").partition("/")
        synthetic = self.front.objects.get((bucket, key))
        if synthetic is not None and self.command in ("GET", "HEAD"):
            self._synthetic(synthetic)
        else:
            self._forward()

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _serve

    def _forward(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else None
        conn = http.client.HTTPConnection(self.front.moto.hostname or "127.0.0.1", self.front.moto.port, timeout=60)
        try:
            conn.request(self.command, self.path, body=body, headers=dict(self.headers.items()))
            response = conn.getresponse()
            payload = response.read()
            self.send_response(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                    self.send_header(name, value)
        finally:
            conn.close()
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _synthetic(self, obj: SyntheticObject):
        obj.gets += self.command == "GET"
        start, end, status = 0, obj.size, 200
        match = _RANGE.match(self.headers.get("range") or "")
        if match:
            start = int(match.group(1))
            end = min(obj.size, int(match.group(2)) + 1) if match.group(2) else obj.size
            status = 206
        if status == 206 and obj.fail_from is not None and start >= obj.fail_from:
            self.send_response(403)
            self.send_header("content-type", "application/xml")
            self.send_header("content-length", str(len(ACCESS_DENIED)))
            self.end_headers()
            self.wfile.write(ACCESS_DENIED)
            return
        self.send_response(status)
        self.send_header("content-type", "application/octet-stream")
        self.send_header("etag", obj.etag)
        self.send_header("accept-ranges", "bytes")
        self.send_header("last-modified", "Tue, 01 Dec 2026 10:00:00 GMT")
        self.send_header("content-length", str(end - start))
        if status == 206:
            self.send_header("content-range", f"bytes {start}-{end - 1}/{obj.size}")
        self.end_headers()
        if self.command == "HEAD":
            return
        position = start
        try:
            while position < end:
                granted = self.front.take(min(CHUNK, end - position))
                self.wfile.write(obj.piece(position, position + granted))
                position += granted
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a cancelled download)
