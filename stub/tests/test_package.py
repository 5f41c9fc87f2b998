"""A package built by the CLI (DL_TASK_ROOT, mode b) holds what FIXTURES.md asks and serves it.

Without DL_TASK_ROOT the same checks run against task roots assembled here the way
FIXTURES.md describes the two builds (A: inline, --cors --prefix x; B: --external), so
these checks are known to pass on a correct package before the CLI's packager uses them.
"""

import hashlib
import os
import shutil
import tempfile
import unittest
import urllib.request

import harness
from harness import (
    ARTIFACTS_DIR,
    CODE_DIR,
    LAYER_DIR,
    PACKAGE,
    PACKAGE_ROOT,
    SESSION_DIR,
    STUB_DIR,
    activate,
    cloudfront_request,
    make_task_root,
    read_manifest,
    request,
)

import pytest

import fixture_databases
from datasette_lambda.convert.publish import sha256_file
from moto_server import DUMMY_AWS_ENV, MotoServer
from serving_tests import ServingTests

EXPECTED_COUNTS = {
    "fixtures": fixture_databases.FIXTURES_COUNTS,
    "remote": fixture_databases.REMOTE_COUNTS,
}
LAYER_PINS = ("datasette-0.65.5.dist-info", "mangum-0.22.0.dist-info")


def python_files(directory):
    """Every .py below directory, relative to it."""
    return {
        os.path.relpath(os.path.join(parent, name), directory)
        for parent, _, names in os.walk(directory)
        for name in names
        if name.endswith(".py")
    }


class PackageChecks(ServingTests):
    """Subclasses set package_root and artifacts_dir (files at their S3 key) in setUpClass."""

    package_root = None
    artifacts_dir = None
    moto = None

    @classmethod
    def prepare(cls):
        cls.package_manifest = read_manifest(cls.package_root)
        cls.sandbox_tmp = tempfile.mkdtemp(dir=SESSION_DIR, prefix="sandbox-tmp-")
        cls.env = {}
        # Every database with a key has an object in the bucket: S3 databases, and the
        # copies of inline ones the CLI uploads for downloads.
        keyed = [d for d in cls.package_manifest["databases"] if d.get("key")]
        if not keyed:
            return
        if any(d["location"] == "s3" for d in keyed) and not cls.artifacts_dir:
            raise unittest.SkipTest("the package has S3 databases: set DL_ARTIFACTS_DIR to serve them")
        cls.moto = MotoServer()
        s3 = cls.moto.client()
        s3.create_bucket(Bucket="package-site")
        for database in keyed:
            s3.upload_file(cls.object_file(database), "package-site", database["key"])
        cls.env = dict(
            DUMMY_AWS_ENV,
            AWS_ENDPOINT_URL=cls.moto.endpoint,
            DATASETTE_LAMBDA_BUCKET="package-site",
        )

    @classmethod
    def object_file(cls, database):
        """The file the CLI uploads to the database's key: from the artifacts when given
        (a dry run writes every object there), else an inline database's own file."""
        if cls.artifacts_dir and os.path.exists(os.path.join(cls.artifacts_dir, database["key"])):
            return os.path.join(cls.artifacts_dir, database["key"])
        if database["location"] == "s3":
            raise unittest.SkipTest(f"{database['key']} is not in DL_ARTIFACTS_DIR")
        return os.path.join(cls.package_root, "databases", database["fileName"])

    @classmethod
    def tearDownClass(cls):
        harness.deactivate()
        if cls.moto:
            cls.moto.stop()

    def site(self):
        return self.package_root, self.env, self.sandbox_tmp

    # -- what the package holds ---------------------------------------------

    def test_manifest_describes_the_fixture_databases(self):
        databases = {d["name"]: d for d in self.package_manifest["databases"]}
        self.assertIn("fixtures", databases)
        self.assertLessEqual(set(databases), set(EXPECTED_COUNTS))
        for name, entry in databases.items():
            with self.subTest(database=name):
                self.assertEqual(entry["fileName"], f"{name}.db")
                paths = []
                if entry["location"] == "inline":
                    paths.append(os.path.join(self.package_root, "databases", entry["fileName"]))
                if "key" in entry:  # required for s3, the inline copy's for downloads
                    self.assertEqual(entry["key"], f"db/{entry['sha256']}/{entry['fileName']}")
                    if self.artifacts_dir or entry["location"] == "s3":
                        paths.append(os.path.join(self.artifacts_dir, entry["key"]))
                for path in paths:
                    self.assertEqual(os.path.getsize(path), entry["bytes"])
                    self.assertEqual(sha256_file(path), entry["sha256"])
                tables = self.package_manifest["inspect"][name]["tables"]
                self.assertEqual({t: v["count"] for t, v in tables.items()}, EXPECTED_COUNTS[name])
        prefix = self.package_manifest.get("prefix")
        if prefix:
            self.assertEqual(self.package_manifest["settings"].get("base_url"), f"/{prefix}/")

    def test_stub_and_layer_are_the_ones_under_test(self):
        handler_dir = os.path.dirname(os.path.abspath(harness.handler.__file__))
        self.assertEqual(handler_dir, os.path.join(os.path.abspath(CODE_DIR), PACKAGE))
        if self.package_root == CODE_DIR:
            stub_modules = python_files(os.path.join(STUB_DIR, PACKAGE))
            packaged = python_files(os.path.join(self.package_root, PACKAGE))
            self.assertEqual(stub_modules - packaged, set(), "stub modules missing from the package")
            self.assertEqual(sorted(n for n in os.listdir(self.package_root) if n.endswith(".py")), [])
        if LAYER_DIR:
            import datasette
            import mangum

            layer_python = os.path.abspath(os.path.join(LAYER_DIR, "python"))
            for module in (datasette, mangum):
                self.assertTrue(os.path.abspath(module.__file__).startswith(layer_python), module.__file__)
            present = set(os.listdir(layer_python))
            for pin in LAYER_PINS:
                self.assertIn(pin, present)

    def test_the_layer_ships_compiled_templates_that_fit(self):
        if not LAYER_DIR:
            self.skipTest("no layer: Datasette comes from the running Python")
        index = os.path.join(LAYER_DIR, "python", "datasette_lambda_templates", "index.json")
        self.assertTrue(os.path.isfile(index), "the layer has no compiled templates")
        activate(self.package_root, self.env, self.sandbox_tmp)
        self.assertEqual(request(self.base).status, 200)
        site = harness.instance().site
        self.assertIsNotNone(site.datasette.jinja_env.bytecode_cache, "compiled templates not attached")

    def test_compiled_files_are_unchecked_hash_pycs(self):
        # Zip entries have fixed times: a timestamp .pyc would be ignored and recompiled.
        package = os.path.join(self.package_root, PACKAGE)
        pycs = {
            os.path.relpath(os.path.join(parent, name), package)
            for parent, _, names in os.walk(package)
            if os.path.basename(parent) == "__pycache__"
            for name in names
            if name.endswith(".pyc")
        }
        if not pycs:
            self.skipTest("the package ships sources only")
        # Every module compiled, not only some.
        compiled = {os.path.join(os.path.dirname(os.path.dirname(p)), os.path.basename(p).split(".")[0]) for p in pycs}
        self.assertEqual({p[: -len(".py")] for p in python_files(package)}, compiled)
        for name in sorted(pycs):
            with self.subTest(pyc=name), open(os.path.join(package, name), "rb") as f:
                header = f.read(8)
            flags = int.from_bytes(header[4:8], "little")
            self.assertEqual(flags, 0b01, f"{name}: flags {flags:#b}, want hash-based, unchecked")

    def test_every_table_serves_all_its_rows(self):
        for entry in self.package_manifest["databases"]:
            for table, count in EXPECTED_COUNTS[entry["name"]].items():
                with self.subTest(database=entry["name"], table=table):
                    path = f"{self.base}{entry['name']}/{table.replace('.', '~2E')}.json"
                    rows = request(path, query="_shape=array&_size=max").json()
                    self.assertEqual(len(rows), count)

    def test_every_database_downloads(self):
        # With a key: a presigned redirect to the bucket (the moto server); without one
        # (an older package): the file from Datasette, as before.
        for entry in self.package_manifest["databases"]:
            with self.subTest(database=entry["name"]):
                response = cloudfront_request(f"{self.base}{entry['name']}.db")
                if entry.get("key"):
                    self.assertEqual(response.status, 302, response.text[:300])
                    self.assertEqual(response.header("cache-control"), "private, no-store")
                    with urllib.request.urlopen(response.header("location"), timeout=30) as f:
                        body = f.read()
                else:
                    self.assertEqual(response.status, 200)
                    body = response.body
                self.assertEqual(hashlib.sha256(body).hexdigest(), entry["sha256"])

    def test_data_as_of_as_the_package_manifest_says(self):
        # A CLI that writes dataAsOf: each database shows it; one that does not (an older
        # package): nothing of it anywhere, the pages as they were.
        for entry in self.package_manifest["databases"]:
            with self.subTest(database=entry["name"]):
                index = request(self.base).text
                page = request(f"{self.base}{entry['name']}").text
                database_json = request(f"{self.base}{entry['name']}.json").json()
                listed = {d["name"]: d for d in request(self.base + "-/databases.json").json()}
                status = request(self.base + "-/datasette-lambda.json").json()["databases"][entry["name"]]
                self.assertEqual(status, {"sha256": entry["sha256"], "dataAsOf": entry.get("dataAsOf"), "live": False})
                if entry.get("dataAsOf") is None:
                    for body in (index, page):
                        self.assertNotIn("data-as-of", body)
                    self.assertNotIn("data_as_of", database_json)
                    self.assertNotIn("data_as_of", listed[entry["name"]])
                    continue
                time_element = f'<time datetime="{entry["dataAsOf"]}">'
                self.assertIn(time_element, index)
                self.assertIn(time_element, page)
                self.assertEqual(database_json["data_as_of"], entry["dataAsOf"])
                self.assertEqual(listed[entry["name"]]["data_as_of"], entry["dataAsOf"])

    def test_serves_without_lambda_task_root_from_the_handler_directory(self):
        if self.package_root != CODE_DIR:
            self.skipTest("the stub is imported from elsewhere than this task root")
        activate(self.package_root, dict(self.env, LAMBDA_TASK_ROOT=None), self.sandbox_tmp)
        self.assertEqual(
            request(self.base + "fixtures/items.json", headers={"x-forwarded-host": "a.example"}).status, 200
        )


# What a build made: test/stub/built-package.test.ts runs these against every build.
@pytest.mark.package
@unittest.skipUnless(PACKAGE_ROOT, "set DL_TASK_ROOT to an unzipped package built by the CLI")
class BuiltPackage(PackageChecks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.package_root = PACKAGE_ROOT
        cls.artifacts_dir = ARTIFACTS_DIR
        cls.prepare()


def simulated_package(**options):
    """A task root shaped like the CLI's package for FIXTURES.md, plus its artifacts dir."""
    task_root = make_task_root(**options)
    artifacts = tempfile.mkdtemp(dir=SESSION_DIR, prefix="artifacts-")
    for key, path in task_root.s3_objects.items():
        os.makedirs(os.path.join(artifacts, os.path.dirname(key)), exist_ok=True)
        shutil.copy2(path, os.path.join(artifacts, key))
    return task_root.path, artifacts


@unittest.skipIf(PACKAGE_ROOT, "package mode: BuiltPackage checks the real one")
class SimulatedPackageA(PackageChecks, unittest.TestCase):
    """Build A of FIXTURES.md: fixtures.db --cors --prefix x (inline, with a copy in S3)."""

    @classmethod
    def setUpClass(cls):
        cls.package_root, cls.artifacts_dir = simulated_package(
            prefix="x",
            cors=True,
            inline_keys=True,
            database_overrides={"fixtures": {"dataAsOf": "2026-11-30T09:15:00Z"}},  # the CLI's file time
        )
        cls.prepare()


@unittest.skipIf(PACKAGE_ROOT, "package mode: BuiltPackage checks the real one")
class SimulatedPackageB(PackageChecks, unittest.TestCase):
    """Build B of FIXTURES.md: fixtures.db remote.db --external (both in S3); no dataAsOf,
    as a package from a CLI before it."""

    @classmethod
    def setUpClass(cls):
        cls.package_root, cls.artifacts_dir = simulated_package(inline=(), s3=("fixtures", "remote"))
        cls.prepare()


if __name__ == "__main__":
    unittest.main()
