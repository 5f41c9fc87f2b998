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

from datasette_lambda.config import Config  # noqa: E402
from datasette_lambda.contract.live_manifest import (  # noqa: E402
    LIVE_MANIFEST_KEY,
    empty_live_manifest,
    serialize_live_manifest,
)
from datasette_lambda.instance import Instance  # noqa: E402
from moto_server import DUMMY_AWS_ENV, MotoServer  # noqa: E402

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
        s3.put_object(Bucket="bench-site", Key=LIVE_MANIFEST_KEY, Body=serialize_live_manifest(empty_live_manifest()))

        os.environ.update(DUMMY_AWS_ENV, AWS_ENDPOINT_URL=moto.endpoint)
        tempfile.tempdir = tempfile.mkdtemp(dir=harness.SESSION_DIR)
        root = harness.make_task_root().path
        base_env = {"LAMBDA_TASK_ROOT": root, "DATASETTE_SECRET": "bench", "DATASETTE_LAMBDA_BUCKET": "bench-site"}

        def started(live_seconds):
            """An instance of the site, started (its whole start-up, in this thread)."""
            instance = Instance(Config.from_environ(dict(base_env, DATASETTE_LAMBDA_LIVE_SECONDS=live_seconds)))
            instance.loader.get(wait=None)
            return instance

        on_instance, off_instance = started("15"), started("0")
        # A second live-off site: the off/off difference is the noise floor of 1b.
        off_too_instance = started("0")
        instances = {id(i.site): i for i in (on_instance, off_instance, off_too_instance)}
        live_on, live_off, live_off_too = on_instance.site, off_instance.site, off_too_instance.site
        assert live_on.live is not None and live_off.live is None
        assert list(live_on.datasette.databases) == list(live_off.datasette.databases)

        def timed_request(site, path):
            instance = instances[id(site)]
            event = harness.make_event("GET", *path.split("?", 1)) if "?" in path else harness.make_event("GET", path)
            start = time.perf_counter()
            response = instance.handle(event, None)
            elapsed = time.perf_counter() - start
            assert response["statusCode"] == 200, response
            return elapsed

        for site in (live_on, live_off, live_off_too):  # warm them (first-request start-up, templates)
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
        print(
            f"no check due, live-data work per request: median {median_us(samples):.2f} µs "
            f"(p99 {sorted(samples)[int(len(samples) * 0.99)] * 1e6:.2f} µs) over {len(samples)} (target < 1000 µs)"
        )

        # 1b. Whole requests, live data on and off, interleaved (rotating which goes first:
        # no order bias from caches or GC), with a second off site as the noise floor.
        for path in PATHS:
            sites = [(live_on, []), (live_off, []), (live_off_too, [])]
            for i in range(REQUESTS):
                for site, samples in sites[i % 3 :] + sites[: i % 3]:
                    samples.append(timed_request(site, path))
            on, off, off_too = (median_us(samples) for _, samples in sites)
            print(
                f"{path}: live on {on:.0f} µs, off {off:.0f} µs: on/off {on / off:.3f} "
                f"({on - off:+.0f} µs); noise floor off/off {off_too / off:.3f} ({off_too - off:+.0f} µs)"
            )

        # 2. A due check of an unchanged manifest (304 from moto), against a request without one.
        checks, plain = [], []
        for _ in range(max(50, REQUESTS // 20)):
            live.check.check_now()
            checks.append(timed_request(live_on, PATHS[0]))
            plain.append(timed_request(live_on, PATHS[0]))
        print(
            f"{PATHS[0]} with a due check (304): median {median_us(checks):.0f} µs vs "
            f"{median_us(plain):.0f} µs without, a check costs {median_us(checks) - median_us(plain):.0f} µs "
            f"(ratio {statistics.median(checks) / statistics.median(plain):.2f}); "
            f"etag {live.check.etag} followed"
        )
        for instance in (on_instance, off_instance, off_too_instance):
            instance.close()
    finally:
        moto.stop()


if __name__ == "__main__":
    main()
