"""A local moto S3 server for bench/s3-download.ts (benchmark code only, never shipped).

Two changes to plain moto, so that downloading from it says something about downloading
from S3, each optional:

- ranged reads (always on): for a GET with a Range header moto reads the whole object
  into memory and then slices the range (moto/s3/models.py FakeKey.value, then
  responses.py _handle_range_header), under the object's lock. A download in N ranges
  then reads the object N times, one range at a time: quadratic, and nothing like S3,
  which reads what is asked. Here such a GET reads only its range.
- --per-connection-mbps N: each response body is sent no faster than N MB/s. On the
  loopback a single stream is limited only by the CPU of this machine; S3 serves one
  connection at tens of MB/s (AWS's S3 performance guidelines recommend concurrent
  ranged GETs of 8 or 16 MB to reach more), which is what parallel ranges are for.

Usage: python moto-s3.py [--per-connection-mbps N]; prints "READY <port>", serves until
stdin closes.
"""

import argparse
import logging
import sys
import threading
import time

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.s3.models import FakeKey
from moto.s3.responses import S3Response
from werkzeug.serving import make_server

_request = threading.local()


class _RangeOfKey:
    """What FakeKey.value returns during a ranged GET: its length, and slices read on demand."""

    def __init__(self, key):
        self.key = key

    def __len__(self):
        return self.key.size

    def __bool__(self):
        return self.key.size > 0

    def __getitem__(self, item):
        if not isinstance(item, slice) or item.step not in (None, 1):
            raise TypeError("only contiguous slices")
        start, stop, _ = item.indices(self.key.size)
        with self.key.lock:
            self.key._value_buffer.seek(start)
            return self.key._value_buffer.read(max(0, stop - start))


def patch_ranged_reads():
    value = FakeKey.value
    get_object = S3Response.get_object

    def value_getter(self):
        if getattr(_request, "ranged", False):
            return _RangeOfKey(self)
        return value.fget(self)

    def ranged_get_object(self):
        header = self.headers.get("range") or ""
        _request.ranged = header.startswith("bytes=") and "," not in header
        try:
            return get_object(self)
        finally:
            _request.ranged = False

    FakeKey.value = property(value_getter, value.fset)
    S3Response.get_object = ranged_get_object


def paced(app, bytes_per_second):
    chunk = 256 * 1024

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        if environ.get("REQUEST_METHOD") != "GET":
            return body

        def send():
            started = time.monotonic()
            sent = 0
            for part in body:
                for offset in range(0, len(part), chunk):
                    piece = part[offset : offset + chunk]
                    yield piece
                    sent += len(piece)
                    ahead = sent / bytes_per_second - (time.monotonic() - started)
                    if ahead > 0:
                        time.sleep(ahead)

        return send()

    return wsgi


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-connection-mbps", type=float, default=None)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    patch_ranged_reads()
    app = DomainDispatcherApplication(create_backend_app)
    if args.per_connection_mbps:
        app = paced(app, args.per_connection_mbps * 1024 * 1024)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"READY {server.server_port}", flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
