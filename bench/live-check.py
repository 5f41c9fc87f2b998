"""Benchmark: what following live data costs a request, side by side in one run.

1. No check due (every request but one in DATASETTE_LAMBDA_LIVE_SECONDS): the handler's
   live-data work alone (follow() + the in-flight count), and whole requests to the same
   site with live data on and off, interleaved so drift hits both alike.
2. A due check of an unchanged manifest: one conditional GET answered 304 by a local moto
   server (on Lambda the network to S3 is the cost instead).

Prints medians and ratios; it is not a timed test.
Run: .venv/bin/python bench/live-check.py [requests]
"""

import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "stub", "tests"))

import harness  # noqa: E402  (puts a copy of the stub first on sys.path)
from live_publisher import LivePublisher  # noqa: E402
from moto_server import DUMMY_AWS_ENV, MotoServer  # noqa: E402

handler = harness.handler
REQUESTS = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
PATHS = ("/-/settings.json", "/fixtures/items.json?_shape=array&_size=5")


def median_us(samples):
    return statistics.median(samples) * 1e6


def main():
    moto = MotoServer()
    try:
        s3 = moto.client()
        s3.create_bucket(Bucket="bench-site")
        # A manifest that serves nothing live: both sites serve the same databases (each
        # database costs every request a schema check in Datasette), and a check has an
        # ETag to send, so an unchanged manifest is answered 304.
        LivePublisher(s3, "bench-site").put_raw(b'{"format": 1, "databases": {}}')

        os.environ.update(DUMMY_AWS_ENV, AWS_ENDPOINT_URL=moto.endpoint)
        tempfile.tempdir = tempfile.mkdtemp(dir=harness.SESSION_DIR)
        root = harness.make_task_root().path
        base_env = {"LAMBDA_TASK_ROOT": root, "DATASETTE_SECRET": "bench", "DATASETTE_LAMBDA_BUCKET": "bench-site"}
        live_on = handler.build_site(dict(base_env, DATASETTE_LAMBDA_LIVE_SECONDS="15"))
        live_off = handler.build_site(dict(base_env, DATASETTE_LAMBDA_LIVE_SECONDS="0"))
        assert live_on.live is not None and live_off.live is None
        assert list(live_on.datasette.databases) == list(live_off.datasette.databases)

        def timed_request(site, path):
            handler._site = site
            event = harness.make_event("GET", *path.split("?", 1)) if "?" in path else harness.make_event("GET", path)
            start = time.perf_counter()
            response = handler.handler(event, None)
            elapsed = time.perf_counter() - start
            assert response["statusCode"] == 200, response
            return elapsed

        for site in (live_on, live_off):  # warm both (first-request start-up, templates)
            for path in PATHS:
                for _ in range(20):
                    timed_request(site, path)

        # 1a. The live-data work of a request with no check due, alone.
        live = live_on.live
        assert not live.check.due()
        samples = []
        for _ in range(REQUESTS * 10):
            start = time.perf_counter()
            live.follow()
            generation = live.request_started()
            live.request_finished(generation)
            samples.append(time.perf_counter() - start)
        print(f"no check due, live-data work per request: median {median_us(samples):.2f} µs "
              f"(p99 {sorted(samples)[int(len(samples) * 0.99)] * 1e6:.2f} µs) over {len(samples)} (target < 1000 µs)")

        # 1b. Whole requests, live data on and off, interleaved.
        for path in PATHS:
            on, off = [], []
            for i in range(REQUESTS):
                if i % 2:  # alternate which goes first: no order bias (caches, GC)
                    on.append(timed_request(live_on, path))
                    off.append(timed_request(live_off, path))
                else:
                    off.append(timed_request(live_off, path))
                    on.append(timed_request(live_on, path))
            print(f"{path}: live on {median_us(on):.0f} µs, off {median_us(off):.0f} µs, "
                  f"difference {median_us(on) - median_us(off):+.0f} µs, ratio on/off {statistics.median(on) / statistics.median(off):.3f}")

        # 2. A due check of an unchanged manifest (304 from moto), against a request without one.
        checks, plain = [], []
        for _ in range(max(50, REQUESTS // 20)):
            live.check.check_now()
            checks.append(timed_request(live_on, PATHS[0]))
            plain.append(timed_request(live_on, PATHS[0]))
        print(f"{PATHS[0]} with a due check (304): median {median_us(checks):.0f} µs vs "
              f"{median_us(plain):.0f} µs without, a check costs {median_us(checks) - median_us(plain):.0f} µs "
              f"(ratio {statistics.median(checks) / statistics.median(plain):.2f}); "
              f"etag {live.check.etag} followed")
        live_on.close()
        live_off.close()
        handler._site = None
    finally:
        moto.stop()


if __name__ == "__main__":
    main()
