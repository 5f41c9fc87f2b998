"""Start-up as Lambda runs it: the site built in the init phase, S3 databases loading in the
background, "loading, retry shortly" for a visitor who arrives meanwhile, partial files of
a killed start removed, failures retried."""

import json
import os
import tempfile
import threading
import unittest
from unittest import mock

import harness
from harness import SESSION_DIR, captured_output, make_task_root, new_instance, request

from datasette_lambda.databases import s3_databases
from datasette_lambda.instance import PATIENCE_SECONDS, patience
from datasette_lambda.serve.time_left import RESPONSE_MARGIN_SECONDS
from moto_server import DUMMY_AWS_ENV, ModuleMoto

moto = ModuleMoto()  # one server for the module
setUpModule, tearDownModule = moto.module_hooks(before_stop=harness.deactivate)


class FakeContext:
    def __init__(self, remaining_ms):
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self):
        return self.remaining_ms


class InitPhase(unittest.TestCase):
    def test_the_site_is_ready_before_the_first_request(self):
        root = make_task_root()
        new_instance({"LAMBDA_TASK_ROOT": root.path, "DATASETTE_SECRET": harness.TEST_SECRET}, init=True)
        site = harness.instance().site
        self.assertIsNotNone(site)
        self.assertTrue(site.datasette._startup_invoked)  # Datasette's first-request work, done
        self.assertTrue(site.datasette.internal_db_created)
        self.assertEqual(request("/fixtures/items.json?_shape=array").status, 200)
        self.assertIs(harness.instance().site, site)
        self.assertEqual(set(harness.instance().loader.timings), {"prepare", "fetch", "assemble"})

    def test_a_failed_init_is_logged_and_the_first_request_starts_again(self):
        root = make_task_root()
        db_file = os.path.join(root.path, "databases", "fixtures.db")
        os.rename(db_file, db_file + ".away")
        with captured_output() as out:
            new_instance({"LAMBDA_TASK_ROOT": root.path, "DATASETTE_SECRET": harness.TEST_SECRET}, init=True)
        self.assertIn("could not start in the init phase", out.getvalue())
        self.assertIsNone(harness.instance().site)
        os.rename(db_file + ".away", db_file)
        self.assertEqual(request("/fixtures").status, 200)


class Patience(unittest.TestCase):
    def test_a_request_waits_at_most_the_patience_or_its_remaining_time(self):
        self.assertEqual(patience(None), PATIENCE_SECONDS)
        self.assertEqual(patience(FakeContext(900_000)), PATIENCE_SECONDS)
        self.assertAlmostEqual(patience(FakeContext(10_000)), 10 - RESPONSE_MARGIN_SECONDS)
        self.assertEqual(patience(FakeContext(1_000)), 0)
        self.assertEqual(patience(FakeContext(900_000), limit=5), 5)


class LoadingWhileDownloading(unittest.TestCase):
    """A download held at a gate stands for a big database on a slow link."""

    _buckets = 0

    def setUp(self):
        LoadingWhileDownloading._buckets += 1
        self.bucket = f"loading-{LoadingWhileDownloading._buckets}"
        s3 = moto.client()
        s3.create_bucket(Bucket=self.bucket)
        self.root = make_task_root(inline=(), s3=("fixtures", "remote"), cors=True)
        for key, path in self.root.s3_objects.items():
            s3.upload_file(path, self.bucket, key)
        self.sandbox_tmp = tempfile.mkdtemp(dir=SESSION_DIR)
        self.env = dict(DUMMY_AWS_ENV, AWS_ENDPOINT_URL=moto.endpoint, DATASETTE_LAMBDA_BUCKET=self.bucket)
        self.gate = threading.Event()
        self.addCleanup(self.gate.set)
        real = s3_databases.download_verified

        def held_download(*args, **kwargs):
            self.assertTrue(self.gate.wait(30), "the test never opened the gate")
            return real(*args, **kwargs)

        patch = mock.patch.object(s3_databases, "download_verified", held_download)
        patch.start()
        self.addCleanup(patch.stop)

    def activate(self, patience_seconds=0.2):
        """The site's instance, whose requests wait patience_seconds for the download."""
        new_instance(
            dict(self.env, LAMBDA_TASK_ROOT=self.root.path, DATASETTE_SECRET=harness.TEST_SECRET),
            self.sandbox_tmp,
            patience_seconds=patience_seconds,
        )

    def total_bytes(self):
        return sum(db["bytes"] for db in self.root.manifest["databases"])

    def test_a_visitor_gets_loading_then_the_site(self):
        self.activate()
        page = request("/fixtures/items")
        self.assertEqual(page.status, 503)
        self.assertEqual(page.header("retry-after"), "5")
        self.assertEqual(page.header("cache-control"), "no-store")
        self.assertEqual(page.header("access-control-allow-origin"), "*")  # --cors sites
        self.assertIn('http-equiv="refresh"', page.text)
        self.assertIn("still loading its data", page.text)
        self.assertIn("MB", page.text)

        api = request("/fixtures/items.json")
        self.assertEqual(api.status, 503)
        self.assertEqual(api.json()["status"], 503)
        self.assertIn("retry", api.json()["error"])

        self.gate.set()
        harness.instance().patience_seconds = 30
        self.assertEqual(request("/fixtures/items.json?_shape=array").status, 200)
        self.assertEqual(request("/remote/remote_rows.json").status, 200)

    def test_the_download_starts_in_the_init_phase_and_does_not_hold_it(self):
        new_instance(
            dict(self.env, LAMBDA_TASK_ROOT=self.root.path, DATASETTE_SECRET=harness.TEST_SECRET),
            self.sandbox_tmp,
            init=True,
            init_wait_seconds=0.1,
            patience_seconds=30,
        )
        self.assertIsNone(harness.instance().site)
        self.gate.set()
        self.assertEqual(request("/remote/remote_rows.json").status, 200)

    def test_partial_files_of_a_killed_start_are_removed_first(self):
        entry = next(db for db in self.root.manifest["databases"] if db["name"] == "remote")
        directory = os.path.dirname(s3_databases.cached_path(entry, self.sandbox_tmp))
        os.makedirs(directory)
        leftover = os.path.join(directory, ".partial-killed.tmp")
        with open(leftover, "wb") as f:
            f.write(b"\0" * 4096)
        self.gate.set()
        self.activate(patience_seconds=30)
        with captured_output() as out:
            self.assertEqual(request("/remote/remote_rows.json").status, 200)
        self.assertFalse(os.path.exists(leftover))
        self.assertIn("removed 4096 bytes", out.getvalue())
        self.assertEqual(os.listdir(directory), ["remote.db"])


class LoadingPageShape(unittest.TestCase):
    def test_progress_without_cors(self):
        from datasette_lambda.serve.loading_page import loading_response
        from datasette_lambda.start.site_loader import Loading

        response = loading_response(Loading(3 * 1024 * 1024, 12 * 1024 * 1024), {"rawPath": "/db/t"})
        self.assertEqual(response["statusCode"], 503)
        self.assertNotIn("access-control-allow-origin", response["headers"])
        self.assertIn("3 of 12 MB (25%)", response["body"])
        body = json.loads(loading_response(Loading(0, 0), {"rawPath": "/db.json"})["body"])
        self.assertEqual(body["title"], "Loading")


if __name__ == "__main__":
    unittest.main()
