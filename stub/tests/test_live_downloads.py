"""Live downloads run in the background: the real stub against moto, through a front that
serves big made-up objects at the pace the test sets (s3_front.py).

Lambda freezes an instance between requests: "Lambda freezes the execution environment
when the runtime and each extension have completed and there are no pending events"
(Lambda Developer Guide, "Understanding the Lambda execution environment lifecycle",
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html). So a
thread started by one request runs only while requests are in progress. moto cannot show
that; the tests model it at the only place a download thread meets the world, S3: the
front lets the bytes of a download flow only while a request is in progress (at most
REQUEST_BUDGET bytes per request, so a request cannot outlast a download by accident), or
all of them for a busy stretch (requests coming back to back), and none otherwise.

SnapStart: "the runtime must load and the @register_after_restore runtime hooks must
complete within the timeout limit (10 seconds)", else SnapStartTimeoutException (Lambda
Developer Guide, "Lambda SnapStart runtime hooks for Python",
https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-python.html, and
"Troubleshooting SnapStart errors",
https://docs.aws.amazon.com/lambda/latest/dg/snapstart-troubleshooting.html): the restore
hook must download nothing, whatever the manifest says by then.
"""

import asyncio
import json
import os
import tempfile
import time
import unittest
from datetime import datetime, timezone

import harness
from harness import SESSION_DIR, Response, captured_output, request

from datasette_lambda.contract.live_manifest import live_database_key, with_published
from datasette_lambda.convert import publish
from datasette_lambda.live.download_policy import DownloadPolicy
from datasette_lambda.serve.asgi_get import asgi_get
from datasette_lambda.serve.status_linger import LINGER_SECONDS, Linger
from datasette_lambda.start import snapstart
from lambda_events import make_event
from live_publishing import write_rows_db
from moto_server import DUMMY_AWS_ENV, ModuleMoto
from s3_front import S3Front, SyntheticObject
from test_live_data import INTERVAL, FakeClock, stub_lines, unique
from test_snapstart import FakeRuntimeLibrary

MB = 1024 * 1024
BIG = 600 * MB
# How far a download gets while one request is in progress, in this model.
REQUEST_BUDGET = 8 * MB
# Big enough that no request can see its download end; small enough to cost little.
MEDIUM = 3 * REQUEST_BUDGET
GUARD_SECONDS = 120  # only ever reached if a download hangs: a failure, not a measure

moto = ModuleMoto()
front: S3Front


def setUpModule():
    global front
    moto.module_hooks()[0]()
    front = S3Front(moto.endpoint)


def tearDownModule():
    harness.deactivate()
    front.stop()
    moto.module_hooks()[1]()


class SteppingClock:
    """A download's running clock that moves `step` seconds each time it is read."""

    def __init__(self):
        self.now = 0.0
        self.step = 0.0

    def __call__(self):
        self.now += self.step
        return self.now


class LiveDownloadSite(unittest.TestCase):
    """A fresh bucket and instance per test, whose S3 is the front; the instance frozen between requests."""

    def instance_options(self):
        return {}

    def setUp(self):
        self.bucket = unique("downloads")
        self.s3 = moto.client()
        self.s3.create_bucket(Bucket=self.bucket)
        self.sandbox_tmp = tempfile.mkdtemp(dir=SESSION_DIR, prefix="sandbox-tmp-")
        self.files = os.path.join(SESSION_DIR, unique("download-files"))
        self.clock = FakeClock()
        front.hold()
        self.addCleanup(self.end_downloads)
        harness.new_instance(
            dict(
                DUMMY_AWS_ENV,
                AWS_ENDPOINT_URL=front.endpoint,
                DATASETTE_LAMBDA_BUCKET=self.bucket,
                LAMBDA_TASK_ROOT=harness.make_task_root().path,
                DATASETTE_SECRET=harness.TEST_SECRET,
            ),
            self.sandbox_tmp,
            clock=self.clock,
            **self.instance_options(),
        )

    def end_downloads(self):
        front.let_through(None)
        site = harness.instance() and harness.instance().site
        if site is not None and site.live is not None:
            site.live.downloads.wait_idle(GUARD_SECONDS)
        harness.deactivate()

    # -- publishing, with the converter function's publisher --------------------

    def rows_db(self, name, labels):
        return write_rows_db(os.path.join(self.files, unique(name), f"{name}.db"), labels)

    def publish_file(self, name, labels):
        path = self.rows_db(name, labels)
        entry, _ = publish.publish_database(
            self.s3,
            self.bucket,
            name=name,
            path=path,
            tables={"readings": {"count": len(labels)}},
            data_as_of=None,
            source=f"{name}.csv",
            now=datetime.now(timezone.utc),
        )
        return entry

    def publish_synthetic(self, name, labels, size):
        """A database of `size` bytes (its rows, then zeros SQLite ignores), served by the front."""
        with open(self.rows_db(name, labels), "rb") as f:
            synthetic = SyntheticObject(f.read(), size)
        key = live_database_key(synthetic.sha256, name)
        front.serve(self.bucket, key, synthetic)
        entry = {
            "key": key,
            "sha256": synthetic.sha256,
            "bytes": size,
            "tables": {"readings": {"count": len(labels)}},
            "source": f"{name}.csv",
            "publishedAt": publish.iso_seconds(datetime.now(timezone.utc)),
        }
        publish.update_manifest(
            self.s3, self.bucket, lambda manifest: with_published(manifest, name, entry, [entry["source"]])
        )
        return synthetic

    # -- the instance, as Lambda runs it ------------------------------------------------

    def live(self):
        return harness.instance().site.live

    def visit(self, path):
        """One request: the instance's threads run only meanwhile (a download gets at most
        REQUEST_BUDGET bytes further), and freeze again once it is answered."""
        front.let_through(REQUEST_BUDGET)
        try:
            return request(path)
        finally:
            front.hold()

    def labels(self, name):
        response = self.visit(f"/{name}/readings.json?_shape=array&_size=max")
        self.assertEqual(response.status, 200, response.text[:300])
        return [row["label"] for row in response.json()]

    def downloading(self):
        """A download thread still runs (it is not idle)."""
        return not self.live().downloads.wait_idle(0)

    def busy_stretch(self):
        """Requests keep coming, so the instance stays thawed until the downloads have ended.
        (No request is made here: nothing is swapped in yet.)"""
        front.let_through(None)
        try:
            self.assertTrue(self.live().downloads.wait_idle(GUARD_SECONDS), "the downloads never ended")
        finally:
            front.hold()

    def status_sha(self, name):
        """The sha256 the status endpoint says is served under name."""
        return self.visit("/-/datasette-lambda.json").json()["databases"][name]["sha256"]

    def served_sha(self, name):
        return harness.instance().site.served.get(name).sha256

    def cached(self, sha256, name):
        return os.path.join(self.sandbox_tmp, "datasette-lambda", sha256, f"{name}.db")


class DownloadsInTheBackground(LiveDownloadSite):
    def test_requests_are_answered_from_the_previous_data_while_600_mb_download_and_a_failure_is_retried(self):
        first = self.publish_file("extra", ["v1"])
        self.assertEqual(self.labels("extra"), ["v1"])
        big = self.publish_synthetic("extra", ["v2 row 1", "v2 row 2"], BIG)
        big.fail_from = 64 * MB  # the first try fails part-way: S3 refuses the ranges from there

        self.clock.advance(INTERVAL)
        with captured_output() as out:
            self.assertEqual(self.labels("extra"), ["v1"])  # checks, starts the download, answered at once
            self.assertTrue(self.downloading())
            self.busy_stretch()
            self.assertEqual(self.labels("extra"), ["v1"])  # this one learns of the failure
        lines = [line for line in stub_lines(out) if "downloading extra (600.0 MB)" not in line]
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("could not download database 'extra'", lines[0])
        self.assertIn("AccessDenied", lines[0])
        self.assertIn("still serving the previous extra; trying again in 30 s", lines[0])
        self.assertEqual(os.listdir(os.path.dirname(self.cached(big.sha256, "extra"))), [])  # no partial file left

        big.fail_from = None
        self.clock.advance(INTERVAL)  # 15 s on: backing off
        self.assertEqual(self.labels("extra"), ["v1"])
        self.assertFalse(self.downloading())
        self.clock.advance(INTERVAL)  # 30 s on: tried again
        for _ in range(5):  # 40 MB at most: none of these requests can have waited for the 600
            self.assertEqual(self.labels("extra"), ["v1"])
            self.assertTrue(self.downloading())
            self.assertEqual(self.status_sha("extra"), first["sha256"])

        self.busy_stretch()
        # The download has ended, the file is verified; a frozen instance swaps nothing in: the next request does.
        self.assertEqual(self.served_sha("extra"), first["sha256"])
        self.assertEqual(os.path.getsize(self.cached(big.sha256, "extra")), BIG)
        self.assertEqual(self.labels("extra"), ["v2 row 1", "v2 row 2"])
        self.assertEqual(self.status_sha("extra"), big.sha256)
        self.assertFalse(os.path.exists(os.path.dirname(self.cached(first["sha256"], "extra"))))  # the old file is gone


class DownloadDeadline(LiveDownloadSite):
    def instance_options(self):
        self.running = SteppingClock()
        policy = DownloadPolicy(min_deadline_seconds=3, min_bytes_per_second=1e15, running_clock=self.running)
        return {"download_policy": policy}

    def test_a_download_that_outlasts_its_deadline_is_stopped_logged_and_tried_again_later(self):
        self.publish_file("slow", ["v1"])
        self.assertEqual(self.labels("slow"), ["v1"])
        slow = self.publish_synthetic("slow", ["v2"], MEDIUM)
        self.clock.advance(INTERVAL)
        self.running.step = 1.0  # each read of the running clock: a second of running time
        self.assertEqual(self.labels("slow"), ["v1"])  # starts the download, which then gets no more bytes
        for _ in range(GUARD_SECONDS * 100):
            if self.running.now >= 4:  # read once at the start, then 3 s of running: stopped
                break
            time.sleep(0.01)
        else:
            self.fail("the deadline was never asked about")
        self.running.step = 0.0  # from now on, no download runs out of time
        self.busy_stretch()  # the cancelled ranges end
        with captured_output() as out:
            self.assertEqual(self.labels("slow"), ["v1"])
        self.assertEqual(
            stub_lines(out),
            [
                "datasette-lambda: live data: the download of database 'slow' stopped: it did not finish within "
                "3 s of running time; still serving the previous slow; trying again in 30 s"
            ],
        )
        self.assertEqual(os.listdir(os.path.dirname(self.cached(slow.sha256, "slow"))), [])
        self.clock.advance(2 * INTERVAL)
        self.assertEqual(self.labels("slow"), ["v1"])  # tried again: started
        self.busy_stretch()
        self.assertEqual(self.labels("slow"), ["v2"])


class SnapStartRestore(LiveDownloadSite):
    def test_the_restore_hook_downloads_nothing_and_the_first_request_follows_in_the_background(self):
        library = FakeRuntimeLibrary()
        instance = harness.instance()
        with library.installed():
            self.assertTrue(snapstart.install(instance.prepare_snapshot, instance.refresh_after_restore))
        first = self.publish_file("extra", ["v1"])
        library.before[0]()  # publishing the version: the site starts, live databases too, then the snapshot
        self.assertEqual(self.served_sha("extra"), first["sha256"])
        instance.s3_client()
        # Days later the manifest has changed: a new version and a new database.
        v2 = self.publish_synthetic("extra", ["v2"], MEDIUM)
        self.publish_file("added", ["new"])
        requests = front.requests
        library.after[0]()  # a restore
        self.assertEqual(front.requests, requests)  # not one call to S3
        self.assertFalse(self.downloading())
        self.assertIsNone(instance.s3)  # a fresh client on next use
        # The first request checks (at once, whatever the snapshot's schedule said), is
        # answered from the snapshot's data, and downloads in the background.
        self.assertEqual(self.labels("extra"), ["v1"])
        self.assertGreater(front.requests, requests)
        self.assertTrue(self.downloading())
        self.busy_stretch()
        self.assertEqual(self.labels("extra"), ["v2"])
        self.assertEqual(self.labels("added"), ["new"])
        self.assertEqual(self.served_sha("extra"), v2.sha256)


class TmpSpace(LiveDownloadSite):
    """/tmp as the instance sees it: 64 MB, as free as the test says."""

    def instance_options(self):
        self.tmp = {"size": 64 * MB, "free": 64 * MB}
        return {"download_policy": DownloadPolicy(tmp_usage=lambda path: (self.tmp["size"], self.tmp["free"]))}

    def stub_lines(self, out):
        return [line for line in stub_lines(out) if not any(w in line for w in ("downloading", "fetched", "added"))]

    def test_a_database_that_cannot_fit_is_refused_once_and_the_others_served(self):
        self.publish_file("extra", ["v1"])
        self.assertEqual(self.labels("extra"), ["v1"])
        big = self.publish_synthetic("extra", ["v2"], 100 * MB)
        self.publish_file("other", ["o"])
        self.clock.advance(INTERVAL)
        with captured_output() as out:
            self.assertEqual(self.labels("extra"), ["v1"])
            self.busy_stretch()
            self.assertEqual(self.labels("other"), ["o"])
            for _ in range(3):  # later checks do not try again, nor say it again
                self.clock.advance(60 * INTERVAL)
                self.assertEqual(self.labels("extra"), ["v1"])
                self.assertFalse(self.downloading())
        self.assertEqual(
            self.stub_lines(out),
            [
                "datasette-lambda: live data: database 'extra' (100.0 MB) cannot fit in /tmp (64.0 MB, 0.0 MB of it "
                "for deployed databases): not downloaded; still serving the previous extra; deploy it with "
                "update-stack instead (it sizes /tmp for the databases it deploys), or publish a smaller one"
            ],
        )
        self.assertEqual(big.gets, 0)  # not one byte asked for

    def test_no_room_now_is_tried_again_later(self):
        self.publish_file("extra", ["v1"])
        self.assertEqual(self.labels("extra"), ["v1"])
        self.publish_synthetic("extra", ["v2"], 40 * MB)
        self.tmp["free"] = 20 * MB  # say the files of a swap are not released yet
        self.clock.advance(INTERVAL)
        with captured_output() as out:
            self.assertEqual(self.labels("extra"), ["v1"])
            self.busy_stretch()
            self.assertEqual(self.labels("extra"), ["v1"])
        self.assertEqual(
            self.stub_lines(out),
            [
                "datasette-lambda: live data: no room in /tmp for database 'extra' (40.0 MB, 20.0 MB free): "
                "not downloaded; still serving the previous extra; trying again in 30 s"
            ],
        )
        self.tmp["free"] = 64 * MB
        self.clock.advance(2 * INTERVAL)
        self.assertEqual(self.labels("extra"), ["v1"])
        self.busy_stretch()
        self.assertEqual(self.labels("extra"), ["v2"])


class ColdStart(LiveDownloadSite):
    def instance_options(self):
        return {"patience_seconds": 0.2}

    def test_a_new_instance_says_loading_until_the_live_databases_it_found_are_in(self):
        self.publish_synthetic("extra", ["v1"], MEDIUM)  # published before the instance starts
        for path in ("/extra/readings.json", "/"):
            response = self.visit(path)  # the start, then its patience: 8 MB at most got through
            self.assertEqual(response.status, 503)
            self.assertEqual(response.header("x-datasette-lambda-status"), "loading")
            self.assertRegex(response.text, r"still loading its data \(\d+ of 24 MB")
        self.busy_stretch()
        self.assertEqual(self.labels("extra"), ["v1"])
        self.assertEqual(self.visit("/fixtures/items.json").status, 200)


class FakeContext:
    """Lambda's context, as far as the stub reads it."""

    def __init__(self, remaining_ms):
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self):
        return self.remaining_ms


class StatusLinger(LiveDownloadSite):
    """push's question (?expect=NAME:SHA256) waits while the instance downloads exactly those
    bytes, so push's polls keep a quiet instance thawed, downloading (serve/status_linger.py).
    The wait runs on a clock of its own that only the test moves, and each of its polls is
    the test's: nothing here waits for the bound, and the download moves only when let."""

    POLL = 0.25  # a binary fraction: the clock adds up to the bound exactly

    def instance_options(self):
        self.linger_clock = FakeClock()
        self.polls = 0
        self.on_poll = lambda seconds: None  # what happens while the answer waits, at each poll
        # /tmp as 64 MB, all free: what fits is downloaded, a bigger one refused.
        policy = DownloadPolicy(tmp_usage=lambda path: (64 * MB, 64 * MB))
        linger = Linger(poll_seconds=self.POLL, clock=self.linger_clock, sleep=self.poll)
        return {"download_policy": policy, "status_linger": linger}

    async def poll(self, seconds):
        self.polls += 1
        if self.polls > GUARD_SECONDS * 100:  # only if the wait never ends: a failure
            raise AssertionError("the status answer never stopped waiting")
        self.on_poll(seconds)
        await asyncio.sleep(0.01)  # lets the event loop and the download thread run

    def expect(self, name, sha256, context=None):
        """push's question, one request, as Lambda hands it over (with its context, if given)."""
        event = make_event("GET", DATASETTE_STATUS, f"expect={name}:{sha256}")
        return Response(harness.instance().handle(event, context))

    def test_a_poll_waits_for_the_download_it_started_and_answers_true_once_swapped_in(self):
        first = self.publish_file("extra", ["v1"])
        self.assertEqual(self.labels("extra"), ["v1"])
        new = self.publish_synthetic("extra", ["v2"], MEDIUM)
        self.clock.advance(INTERVAL)  # this poll's check finds the new manifest and starts the download

        def thawed(seconds):  # the instance runs while the answer waits: the bytes flow
            front.let_through(None)

        self.on_poll = thawed
        with captured_output() as out:
            response = self.expect("extra", new.sha256)  # one request, no other
        self.assertEqual(response.status, 200)
        self.assertEqual(response.json()["expected"], {"extra": True})
        self.assertEqual(response.json()["databases"]["extra"]["sha256"], new.sha256)
        self.assertGreater(self.polls, 0)
        self.assertEqual(self.linger_clock.now, FakeClock().now)  # ended by the download, not by the bound
        self.assertIn("datasette-lambda: live data: replaced extra", stub_lines(out))
        # Swapped in as any request swaps: the old file released once the request ended.
        self.assertFalse(os.path.exists(os.path.dirname(self.cached(first["sha256"], "extra"))))
        self.assertEqual(self.labels("extra"), ["v2"])

    def test_a_poll_answers_false_after_the_bound_when_the_download_does_not_end(self):
        self.publish_file("extra", ["v1"])
        self.assertEqual(self.labels("extra"), ["v1"])
        new = self.publish_synthetic("extra", ["v2"], MEDIUM)
        self.clock.advance(INTERVAL)
        self.on_poll = self.linger_clock.advance  # no byte flows: only the wait's clock moves
        started = self.linger_clock.now
        response = self.expect("extra", new.sha256)
        self.assertEqual(response.json()["expected"], {"extra": False})
        self.assertEqual(self.linger_clock.now - started, LINGER_SECONDS)
        self.assertEqual(self.polls, LINGER_SECONDS / self.POLL)
        self.assertTrue(self.downloading())  # still running: the next poll waits again
        self.assertEqual(self.served_sha("extra"), self.status_sha("extra"))

        # Lambda's context says 5 s are left: the wait keeps the response margin (2 s) free.
        self.polls, started = 0, self.linger_clock.now
        response = self.expect("extra", new.sha256, FakeContext(5000))
        self.assertEqual(response.json()["expected"], {"extra": False})
        self.assertEqual(self.linger_clock.now - started, 3.0)

        self.busy_stretch()
        self.polls, started = 0, self.linger_clock.now
        self.assertEqual(self.expect("extra", new.sha256).json()["expected"], {"extra": True})  # ended: swapped in
        self.assertEqual(self.polls, 0)

    def test_other_requests_on_the_event_loop_are_served_while_a_poll_waits(self):
        self.assertEqual(self.visit("/fixtures/items.json").status, 200)  # starts the instance
        new = self.publish_synthetic("extra", ["v1"], MEDIUM)
        self.clock.advance(INTERVAL)
        self.assertEqual(self.visit("/fixtures/items.json").status, 200)  # checks: the download starts
        self.assertTrue(self.downloading())
        app = harness.instance().site.app

        async def both():
            waiting = asyncio.ensure_future(asgi_get(app, DATASETTE_STATUS, f"expect=extra:{new.sha256}"))
            other = await asyncio.wait_for(asgi_get(app, "/fixtures/items.json", "_shape=array"), GUARD_SECONDS)
            still_waiting = not waiting.done()
            front.let_through(None)  # the download may end now: the waiting answer follows it
            return other, still_waiting, await asyncio.wait_for(waiting, GUARD_SECONDS)

        # Mangum's loop, the one every request of this instance runs on.
        other, still_waiting, status = asyncio.get_event_loop().run_until_complete(both())
        self.assertEqual((other[0], len(json.loads(other[1]))), (200, 25))
        self.assertTrue(still_waiting)
        self.assertGreater(self.polls, 0)
        self.assertEqual((status[0], json.loads(status[1])["expected"]), (200, {"extra": True}))

    def test_no_wait_when_nothing_that_could_serve_those_bytes_is_downloading(self):
        def waited(seconds):
            raise AssertionError("the answer waited")

        self.on_poll = waited
        first = self.publish_file("extra", ["v1"])
        self.assertEqual(self.labels("extra"), ["v1"])
        self.assertEqual(self.expect("extra", first["sha256"]).json()["expected"], {"extra": True})  # served
        self.assertEqual(self.expect("extra", "1" * 64).json()["expected"], {"extra": False})  # never published

        new = self.publish_synthetic("extra", ["v2"], MEDIUM)
        too_big = self.publish_synthetic("huge", ["h"], 100 * MB)
        failing = self.publish_synthetic("broken", ["b"], MEDIUM)
        failing.fail_from = 8 * MB  # S3 refuses the ranges from there: the download fails
        self.clock.advance(INTERVAL)
        with captured_output():
            self.assertEqual(self.labels("extra"), ["v1"])  # checks: downloads start, smallest first
            self.busy_stretch()
            self.assertEqual(self.labels("extra"), ["v2"])  # learns how each ended
            self.assertEqual(self.expect("huge", too_big.sha256).json()["expected"], {"huge": False})  # refused
            self.assertEqual(self.expect("broken", failing.sha256).json()["expected"], {"broken": False})  # backing off
            # Another version of a name than the one asked about
            self.assertEqual(self.expect("extra", first["sha256"]).json()["expected"], {"extra": False})
        self.assertEqual(self.served_sha("extra"), new.sha256)
        self.assertFalse(self.downloading())
        self.assertEqual(self.polls, 0)


DATASETTE_STATUS = "/-/datasette-lambda.json"


if __name__ == "__main__":
    unittest.main()
