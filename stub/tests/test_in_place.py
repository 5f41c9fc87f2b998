"""--in-place: S3 databases read from the S3 Files mount of the bucket, never downloaded.

The mount is a local directory laid out as S3 Files shows the bucket (the object db/<sha>/x.db
is the file <mount>/db/<sha>/x.db). What is modelled from AWS's documentation: the function
sees the bucket's objects as files under its LocalMountPath
(https://docs.aws.amazon.com/lambda/latest/dg/configuration-filesystem.html), read-only (the
file system policy denies writes), and a new object appears there some time after it is
written to the bucket ("automatically", typically within seconds:
https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-files-synchronization.html), which is
what the waiting tests play with a thread that copies a file in later.
"""

import logging
import os
import shutil
import tempfile
import threading
import time
import unittest

import harness
from harness import SESSION_DIR, TEST_SECRET, captured_output, cloudfront_request, make_task_root, request

import live_publishing
from datasette_lambda.config import Config
from datasette_lambda.databases.mount_files import LIVE_WAIT_SECONDS, MountWaitError, mount_path, wait_for_mount_file
from datasette_lambda.databases.s3_client import new_s3_client
from datasette_lambda.databases.s3_databases import DatabaseFetchError
from live_publishing import write_rows_db
from moto_server import DUMMY_AWS_ENV, ModuleMoto
from reference_datasette import ReferenceDatasette
from test_cloudfront_origin import PAGES, without_timings
from test_live_data import FakeClock

moto = ModuleMoto()
INTERVAL = 15
setUpModule, tearDownModule = moto.module_hooks(before_stop=harness.deactivate)


def lay_out_mount(task_root, keys=None):
    """A directory laid out as the S3 Files mount shows the bucket: each object at its key."""
    mount = tempfile.mkdtemp(dir=SESSION_DIR, prefix="mount-")
    for key, source in task_root.s3_objects.items():
        if keys is None or key in keys:
            put_on_mount(mount, key, source)
    return mount


def put_on_mount(mount, key, source):
    path = os.path.join(mount, *key.split("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    shutil.copy2(source, path)
    return path


class InPlaceSite:
    """An S3 site whose bucket (on moto) holds no database object: every GET of one would fail."""

    _buckets = 0

    def start_in_place(self, task_root, mount, live_seconds="0", **options):
        InPlaceSite._buckets += 1
        self.bucket = f"in-place-{InPlaceSite._buckets}"
        self.s3 = moto.client()
        self.s3.create_bucket(Bucket=self.bucket)
        self.database_gets = []
        self.sandbox_tmp = tempfile.mkdtemp(dir=SESSION_DIR, prefix="sandbox-tmp-")

        def counting_factory():
            client = new_s3_client()
            original = client.get_object

            def get_object(**kwargs):
                if kwargs["Key"] != "live/manifest.json":
                    self.database_gets.append(kwargs["Key"])
                return original(**kwargs)

            client.get_object = get_object
            return client

        env = dict(
            DUMMY_AWS_ENV,
            AWS_ENDPOINT_URL=moto.endpoint,
            DATASETTE_LAMBDA_BUCKET=self.bucket,
            DATASETTE_LAMBDA_MOUNT=mount,
            DATASETTE_LAMBDA_LIVE_SECONDS=live_seconds,
            LAMBDA_TASK_ROOT=task_root.path,
            DATASETTE_SECRET=TEST_SECRET,
        )
        return harness.new_instance(env, self.sandbox_tmp, s3_factory=counting_factory, **options)

    def downloaded_files(self):
        return [os.path.join(d, f) for d, _, files in os.walk(self.sandbox_tmp) for f in files]


class SameAsDatasetteFromTheMount(InPlaceSite, unittest.TestCase):
    """The built handler serves page for page what `datasette serve -i` serves from the mount."""

    @classmethod
    def setUpClass(cls):
        # Both databases in S3 (--external), as the CLI plans them; suggestions off, as in place.
        cls.root = make_task_root(inline=(), s3=("fixtures", "remote"), settings={"suggest_facets": False})
        cls.mount = lay_out_mount(cls.root)
        entries = cls.root.manifest["databases"]
        # `datasette serve -i <mount>/db/<sha>/fixtures.db -i ...remote.db` with the same metadata and settings.
        cls.reference = ReferenceDatasette([mount_path(cls.mount, db["key"]) for db in entries], cls.root.manifest)

    @classmethod
    def tearDownClass(cls):
        cls.reference.close()
        harness.deactivate()

    def setUp(self):
        self.start_in_place(self.root, self.mount)

    def test_every_page_matches_and_no_database_object_is_read_from_s3(self):
        # /fixtures.db is a redirect to the object in S3 (a presigned URL) rather than the file.
        remote = ["/remote", "/remote/remote_rows", "/remote/remote_rows.json"]
        paths = [p for p in PAGES if p != "/fixtures.db"] + remote
        for path in paths:
            with self.subTest(path=path):
                ours = cloudfront_request(path)
                theirs = self.reference.get(path)
                self.assertEqual(ours.status, theirs.status_code)
                self.assertEqual(without_timings(ours.body), without_timings(theirs.content))
                for header in ("content-type", "location"):
                    self.assertEqual(ours.header(header), theirs.headers.get(header), header)
                # Datasette's 404s have none; the stub's say no-store (serve/response_caching.py).
                expected = theirs.headers.get("cache-control") or ("no-store" if theirs.status_code == 404 else None)
                self.assertEqual(ours.header("cache-control"), expected)
        self.assertEqual(self.database_gets, [])
        self.assertEqual(self.downloaded_files(), [], "nothing was written to /tmp")
        # The files Datasette has open are the mount's, opened read-only and immutable.
        site = harness.instance().site
        self.assertEqual(
            {name: db.path for name, db in site.datasette.databases.items() if db.path},
            {db["name"]: mount_path(self.mount, db["key"]) for db in self.root.manifest["databases"]},
        )

    def test_downloads_still_come_from_s3_by_a_presigned_url(self):
        response = request("/fixtures.db")
        self.assertEqual(response.status, 302)
        key = next(db["key"] for db in self.root.manifest["databases"] if db["name"] == "fixtures")
        self.assertIn(f"/{self.bucket}/{key}", response.header("location"))
        self.assertEqual(self.database_gets, [], "a signed URL is made locally, not fetched")


class DeployedDatabaseNotOnTheMountYet(InPlaceSite, unittest.TestCase):
    """A new deployment's database S3 Files does not show yet: "loading" until it appears, bounded."""

    def tearDown(self):
        harness.deactivate()

    def test_served_once_it_appears_meanwhile_loading_and_logged(self):
        root = make_task_root(inline=("fixtures",), s3=("remote",))
        mount = lay_out_mount(root, keys=())
        self.start_in_place(root, mount, patience_seconds=0.2, mount_wait_seconds=30)
        with captured_output() as out:
            first = request("/remote/remote_rows.json")
            self.assertEqual(first.status, 503)
            self.assertEqual(first.header("x-datasette-lambda-status"), "loading")
            ((key, source),) = root.s3_objects.items()
            threading.Timer(0.5, put_on_mount, (mount, key, source)).start()
            deadline = time.monotonic() + 20
            while request("/remote/remote_rows.json").status != 200:
                self.assertLess(time.monotonic(), deadline, "not served after the file appeared")
                time.sleep(0.2)
        self.assertIn(f"waiting for {key} on the S3 Files mount", out.getvalue())
        self.assertEqual(request("/fixtures/items.json").status, 200)
        self.assertEqual(self.database_gets, [])

    def test_never_there_is_a_clear_error_naming_the_key_and_the_next_request_tries_again(self):
        root = make_task_root(inline=(), s3=("remote",))
        mount = lay_out_mount(root, keys=())
        self.start_in_place(root, mount, patience_seconds=5, mount_wait_seconds=0.3)
        ((key, source),) = root.s3_objects.items()
        with captured_output() as out:
            self.assertEqual(request("/remote/remote_rows.json").status, 500)
        self.assertIn(f"database file {key} is not there on the S3 Files mount", out.getvalue())
        self.assertEqual(self.database_gets, [], "never downloaded instead")
        put_on_mount(mount, key, source)
        self.assertEqual(request("/remote/remote_rows.json").status, 200)

    def test_a_missing_mount_is_a_misconfiguration_said_at_once(self):
        root = make_task_root(inline=(), s3=("remote",))
        self.start_in_place(root, os.path.join(SESSION_DIR, "no-such-mount"))
        with captured_output() as out:
            self.assertEqual(request("/").status, 500)
        self.assertIn("DATASETTE_LAMBDA_MOUNT is", out.getvalue())
        self.assertIn("nothing is mounted there", out.getvalue())


class LiveInPlace(InPlaceSite, unittest.TestCase):
    """Live data in place: a pushed database is served from the mount once S3 Files shows it."""

    def setUp(self):
        self.root = make_task_root(inline=("fixtures",))
        self.mount = lay_out_mount(self.root)
        self.clock = FakeClock()
        self.start_in_place(self.root, self.mount, clock=self.clock, live_seconds=str(INTERVAL))
        self.files = tempfile.mkdtemp(dir=SESSION_DIR, prefix="live-files-")
        self.assertEqual(request("/").status, 200)
        self.addCleanup(harness.deactivate)

    def publish(self, name, labels, on_mount=True):
        # The object goes to the bucket too: the stub must never fetch it.
        path = write_rows_db(os.path.join(self.files, f"{name}-{len(labels)}-{labels[0]}", f"{name}.db"), labels)
        entry = live_publishing.publish(self.s3, self.bucket, name, path)
        if on_mount:
            put_on_mount(self.mount, entry["key"], path)
        return entry, path

    def check(self):
        self.clock.advance(INTERVAL)

    def labels(self, name):
        response = request(f"/{name}/readings.json", query="_shape=array")
        return [row["label"] for row in response.json()] if response.status == 200 else response.status

    def test_served_once_it_appears_on_the_mount_never_downloaded(self):
        with captured_output() as out:
            entry, path = self.publish("extra", ["a", "b"], on_mount=False)
            self.check()
            self.assertEqual(self.labels("extra"), 404)
            put_on_mount(self.mount, entry["key"], path)
            self.check()
            self.assertEqual(self.labels("extra"), ["a", "b"])
        log = out.getvalue()
        self.assertEqual(log.count(f"extra ({entry['key']}) is not on the S3 Files mount yet"), 1)
        self.assertIn(f"{entry['key']} appeared on the S3 Files mount after 15 s", log)
        served = harness.instance().site.served.get("extra")
        self.assertEqual(served.path, mount_path(self.mount, entry["key"]))
        self.assertEqual(self.database_gets, [], "only live/manifest.json is read from S3")
        self.assertEqual(self.downloaded_files(), [])

    def test_one_that_never_appears_keeps_the_rest_served_and_logs_one_line_then_one_warning(self):
        with captured_output() as out:
            self.publish("present", ["p"])
            missing, missing_path = self.publish("missing", ["m"], on_mount=False)
            for _ in range(4):
                self.check()
                self.assertEqual(self.labels("present"), ["p"])
                self.assertEqual(self.labels("missing"), 404)
                self.assertEqual(request("/fixtures/items.json").status, 200)
            self.assertEqual(out.getvalue().count("is not on the S3 Files mount yet"), 1)
            # After LIVE_WAIT_SECONDS one warning; checks go on looking, silently.
            self.clock.advance(LIVE_WAIT_SECONDS)
            for _ in range(3):
                self.check()
                self.assertEqual(self.labels("missing"), 404)
                self.assertEqual(self.labels("present"), ["p"])
            # Should it turn up after all, it is served at the next check.
            put_on_mount(self.mount, missing["key"], missing_path)
            self.check()
            self.assertEqual(self.labels("missing"), ["m"])
        log = out.getvalue()
        self.assertEqual(log.count(f"missing ({missing['key']}) is not on the S3 Files mount yet"), 1)
        self.assertEqual(log.count(f"missing ({missing['key']}) is still not on the S3 Files mount after"), 1)
        self.assertEqual(log.count(f"{missing['key']} appeared on the S3 Files mount"), 1)
        self.assertEqual(self.database_gets, [])

    def test_a_replacement_waits_for_its_file_keeping_the_old_one_and_the_mount_is_never_written(self):
        first, first_path = self.publish("extra", ["v1"])
        self.check()
        self.assertEqual(self.labels("extra"), ["v1"])
        second, second_path = self.publish("extra", ["v2 a", "v2 b"], on_mount=False)
        self.check()
        self.assertEqual(self.labels("extra"), ["v1"], "the old one stays until the new file appears")
        put_on_mount(self.mount, second["key"], second_path)
        self.check()
        self.assertEqual(self.labels("extra"), ["v2 a", "v2 b"])
        for _ in range(2):  # the swap's release runs once no request uses the old file
            request("/fixtures/items.json")
        self.assertTrue(os.path.exists(mount_path(self.mount, first["key"])), "the bucket's object, not ours to delete")
        self.assertEqual(self.database_gets, [])


class FakeMount:
    """stat() of files that appear after a number of looks, a clock that sleep() advances."""

    def __init__(self, sizes):
        self.sizes = sizes  # path -> [size seen at each look; None: absent], the last one repeats
        self.now = 0.0
        self.sleeps = []

    def stat(self, path):
        seen = self.sizes[path]
        size = seen.pop(0) if len(seen) > 1 else seen[0]
        if size is None:
            raise FileNotFoundError(path)
        return os.stat_result((0, 0, 0, 0, 0, 0, size, 0, 0, 0))

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self):
        return self.now

    def hooks(self):
        return {"stat": self.stat, "sleep": self.sleep, "clock": self.clock}


class WaitForMountFile(unittest.TestCase):
    def test_there_at_once_returns_without_sleeping_or_logging(self):
        fake = FakeMount({"/m/db/a/x.db": [10]})
        with self.assertNoLogs("datasette_lambda", level=logging.INFO):
            path = wait_for_mount_file("/m/db/a/x.db", "db/a/x.db", 10, 60, **fake.hooks())
        self.assertEqual(path, "/m/db/a/x.db")
        self.assertEqual(fake.sleeps, [])

    def test_polls_backing_off_to_two_seconds_and_logs_every_five(self):
        fake = FakeMount({"/m/k": [None] * 9 + [10]})
        with self.assertLogs("datasette_lambda", level=logging.INFO) as logs:
            wait_for_mount_file("/m/k", "k", 10, 60, **fake.hooks())
        self.assertEqual(fake.sleeps, [0.2, 0.4, 0.8, 1.6, 2.0, 2.0, 2.0, 2.0, 2.0])
        waiting = [r for r in logs.output if "waiting for k" in r]
        # At 0 s, then not before 5 s, then not before 10 s: three lines in 13 s, one at the end.
        self.assertEqual(len(waiting), 3)
        self.assertIn("k appeared on the S3 Files mount after 13 s", logs.output[-1])

    def test_never_there_or_the_wrong_size_is_an_error_naming_the_key_at_the_deadline(self):
        for sizes, expected in (
            ([None], "database file db/a/x.db is not there on the S3 Files mount after 30 s"),
            ([5], "database file db/a/x.db has 5 bytes (the manifest says 10) on the S3 Files mount after 30 s"),
        ):
            fake = FakeMount({"/m/db/a/x.db": sizes})
            with self.assertLogs("datasette_lambda", level=logging.INFO), self.assertRaises(MountWaitError) as caught:
                wait_for_mount_file("/m/db/a/x.db", "db/a/x.db", 10, 30, **fake.hooks())
            self.assertIn(expected, str(caught.exception))
            self.assertGreaterEqual(fake.now, 30)
            self.assertLess(fake.now, 32, "bounded: no sleep past the deadline")

    def test_keys_cannot_leave_the_mount(self):
        self.assertEqual(mount_path("/mnt/bucket", "db/ab/x.db"), "/mnt/bucket/db/ab/x.db")
        for key in ("../etc/passwd", "/db/x.db", "db//x.db", "db/./x.db"):
            with self.assertRaises(DatabaseFetchError):
                mount_path("/mnt/bucket", key)

    def test_the_mount_comes_from_the_environment(self):
        self.assertEqual(Config.from_environ({"DATASETTE_LAMBDA_MOUNT": "/mnt/bucket"}).mount, "/mnt/bucket")
        self.assertIsNone(Config.from_environ({"DATASETTE_LAMBDA_MOUNT": ""}).mount)
        self.assertIsNone(Config.from_environ({}).mount)


if __name__ == "__main__":
    unittest.main()
