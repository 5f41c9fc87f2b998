"""How the handler builds its site: manifest data used as given, secret, failures, logging."""

import json
import os
import shutil
import unittest
from unittest import mock

import harness
from harness import (
    CODE_DIR,
    PACKAGE_ROOT,
    activate,
    captured_output,
    make_task_root,
    request,
    write_manifest,
)


class ManifestDataIsUsedAsGiven(unittest.TestCase):
    """Counts and checksums come from the manifest: no count queries or hashing at cold start."""

    @classmethod
    def setUpClass(cls):
        cls.root = make_task_root(
            inspect_overrides={"fixtures": {"items": 777}},
            database_overrides={"fixtures": {"sha256": "ab" * 32}},
            metadata={"title": "Counted Elsewhere", "databases": {"fixtures": {"source": "the tests"}}},
            settings={"default_page_size": 7, "suggest_facets": False},
        )

    def setUp(self):
        activate(self.root.path)

    def test_table_counts_come_from_the_manifest(self):
        index = request("/.json").json()
        counts = {t["name"]: t.get("count") for t in index["fixtures"]["tables_and_views_truncated"]}
        self.assertEqual(counts["items"], 777)
        self.assertIn("777", request("/").text)
        table = request("/fixtures/items.json").json()
        self.assertEqual(table["filtered_table_rows_count"], 777)

    def test_database_hash_comes_from_the_manifest(self):
        databases = request("/-/databases.json").json()
        self.assertEqual(databases[0]["hash"], "ab" * 32)

    def test_metadata_and_settings_come_from_the_manifest(self):
        self.assertIn("Counted Elsewhere", request("/").text)
        self.assertIn("the tests", request("/fixtures").text)
        settings = request("/-/settings.json").json()
        self.assertEqual(settings["default_page_size"], 7)
        self.assertFalse(settings["suggest_facets"])
        self.assertEqual(len(request("/fixtures/items.json?_shape=array").json()), 7)


class DatabaseNamedByTheManifest(unittest.TestCase):
    def test_manifest_name_wins_over_the_file_name(self):
        task_root = make_task_root()
        manifest = dict(task_root.manifest)
        manifest["databases"] = [dict(manifest["databases"][0], name="renamed")]
        manifest["inspect"] = {"renamed": dict(manifest["inspect"]["fixtures"], tables={"items": {"count": 5}})}
        write_manifest(task_root.path, manifest)
        activate(task_root.path)
        self.assertEqual(request("/renamed/items.json?_shape=array").status, 200)
        self.assertEqual(request("/fixtures/items.json").status, 404)
        index = request("/.json").json()
        self.assertEqual(list(index), ["renamed"])
        self.assertEqual(request("/renamed/items.json").json()["filtered_table_rows_count"], 5)


class OneSitePerInstance(unittest.TestCase):
    def test_site_is_built_once_and_reused_by_warm_requests(self):
        activate(make_task_root().path)
        request("/")
        site = harness.instance().site
        self.assertIsNotNone(site)
        for path in ("/fixtures", "/fixtures/items.json", "/nope"):
            request(path)
        self.assertIs(harness.instance().site, site)
        self.assertEqual(site.adapter.lifespan, "off")  # Lambda has no ASGI lifespan to drive

    @unittest.skipIf(PACKAGE_ROOT, "the package's own task root is tested in test_package.py")
    def test_without_lambda_task_root_the_handler_directory_is_the_task_root(self):
        task_root = make_task_root()
        shutil.copytree(os.path.join(task_root.path, "databases"), os.path.join(CODE_DIR, "databases"))
        shutil.copy2(os.path.join(task_root.path, "manifest.json"), CODE_DIR)
        try:
            activate("unused", env={"LAMBDA_TASK_ROOT": None})
            self.assertNotIn("LAMBDA_TASK_ROOT", os.environ)
            self.assertEqual(request("/fixtures/items.json").status, 200)
        finally:
            shutil.rmtree(os.path.join(CODE_DIR, "databases"))
            os.remove(os.path.join(CODE_DIR, "manifest.json"))
            harness.deactivate()


class Secret(unittest.TestCase):
    def test_missing_secret_warns_once_without_any_value(self):
        task_root = make_task_root()
        activate(task_root.path, env={"DATASETTE_SECRET": None})
        with captured_output() as out:
            self.assertEqual(request("/").status, 200)
            self.assertEqual(request("/fixtures").status, 200)
        log = out.getvalue()
        self.assertEqual(log.count("DATASETTE_SECRET is not set"), 1, log)
        secret = harness.instance().site.datasette._secret
        self.assertEqual(len(secret), 64)
        self.assertNotIn(secret, log)

    def test_secret_comes_from_the_environment(self):
        activate(make_task_root().path, env={"DATASETTE_SECRET": "from-the-stack"})
        with captured_output() as out:
            request("/")
        self.assertEqual(harness.instance().site.datasette._secret, "from-the-stack")
        self.assertNotIn("from-the-stack", out.getvalue())
        self.assertNotIn("DATASETTE_SECRET", out.getvalue())


class NothingSensitiveIsLogged(unittest.TestCase):
    TOKEN = "Bearer sk-very-secret-token-4242"
    COOKIE = "session=cookie-value-9191"

    def test_a_crashing_request_logs_no_headers_or_cookies(self):
        from datasette.views.index import IndexView

        activate(make_task_root().path)
        request("/")  # build the site before patching

        async def crash(self, request):
            raise RuntimeError("boom from the test")

        with mock.patch.object(IndexView, "get", crash), captured_output() as out:
            response = request(
                "/",
                headers={"authorization": self.TOKEN, "x-api-key": "key-5151"},
                cookies=[self.COOKIE],
            )
        self.assertEqual(response.status, 500)
        log = out.getvalue()
        self.assertIn("boom from the test", log)  # the error is logged...
        for secret in ("sk-very-secret-token-4242", "cookie-value-9191", "key-5151"):
            self.assertNotIn(secret, log)  # ...its request headers are not
            self.assertNotIn(secret, response.text)

    def test_rich_tracebacks_are_switched_off(self):
        import datasette.handle_exception as handle_exception

        calls = []

        class FakeConsole:
            def print_exception(self, **kwargs):
                calls.append(kwargs)

        class FakeRich:
            @staticmethod
            def get_console():
                return FakeConsole()

        handle_exception.rich = FakeRich()
        try:
            harness.restart()
            activate(make_task_root().path)
            self.assertEqual(request("/fixtures/nope").status, 404)
            self.assertEqual(calls, [])
            self.assertIsNone(handle_exception.rich)
        finally:
            handle_exception.rich = None


class StartupFailure(unittest.TestCase):
    def test_missing_database_gives_a_500_page_and_a_clear_log_then_recovers(self):
        task_root = make_task_root()
        db_file = os.path.join(task_root.path, "databases", "fixtures.db")
        moved = db_file + ".away"
        os.rename(db_file, moved)
        activate(task_root.path)
        with captured_output() as out:
            response = request("/fixtures")
        self.assertEqual(response.status, 500)
        self.assertIn("could not start", response.text)
        self.assertNotIn("databases/fixtures.db", response.text)  # details stay in the log
        self.assertIn("databases/fixtures.db", out.getvalue())
        self.assertIsNone(harness.instance().site)  # a failed start is not cached
        os.rename(moved, db_file)
        self.assertEqual(request("/fixtures").status, 200)

    def test_unreadable_manifest_is_reported(self):
        task_root = make_task_root()
        with open(os.path.join(task_root.path, "manifest.json"), "w") as f:
            f.write("{not json")
        activate(task_root.path)
        with captured_output() as out:
            self.assertEqual(request("/").status, 500)
        self.assertIn("manifest.json is not valid JSON", out.getvalue())


class ResponseLimit(unittest.TestCase):
    def test_a_response_over_6_mb_becomes_a_clear_error_page(self):
        activate(make_task_root().path)
        # 3.2 million zero bytes, hex-encoded: a 6.4 MB JSON body.
        response = request("/fixtures.json", query="sql=select+hex(zeroblob(3200000))+as+h&_shape=array")
        self.assertEqual(response.status, 507)
        self.assertEqual(response.header("x-datasette-lambda-error"), "response-too-large")
        self.assertIn("6 MB", response.json()["error"])
        self.assertLess(len(json.dumps(response.raw)), 10_000)
        self.assertEqual(response.header("cache-control"), "private, no-store")
        small = request("/fixtures.json", query="sql=select+hex(zeroblob(1000000))+as+h&_shape=array")
        self.assertEqual(small.status, 200)
        self.assertEqual(len(small.json()[0]["h"]), 2_000_000)

    def test_a_csv_export_over_6_mb_gets_a_page_on_exporting_in_parts(self):
        activate(make_task_root().path)
        response = harness.cloudfront_request("/fixtures.csv", query="sql=select+hex(zeroblob(3200000))+as+h")
        self.assertEqual(response.status, 507)
        self.assertIn("text/html", response.header("content-type"))
        self.assertEqual(response.header("cache-control"), "private, no-store")
        self.assertIn("This CSV export would be", response.text)
        self.assertIn("<code>_next</code>", response.text)


if __name__ == "__main__":
    unittest.main()
