"""S3 databases: fetched from a local moto server at cold start, verified, cached in /tmp."""

import os
import tempfile
import unittest

import harness
from harness import SESSION_DIR, activate, captured_output, make_task_root, request, restart

from datasette_lambda.databases.s3_client import new_s3_client
from moto_server import DUMMY_AWS_ENV, ModuleMoto
from serving_tests import ServingTests

moto = ModuleMoto()  # one server for the module
setUpModule, tearDownModule = moto.module_hooks(before_stop=harness.deactivate)


class S3Site:
    """A task root whose S3 databases are uploaded to a fresh bucket, and a fresh /tmp."""

    _buckets = 0

    def make_s3_site(self, inline=("fixtures",), s3=("remote",), **options):
        S3Site._buckets += 1
        self.bucket = f"site-bucket-{S3Site._buckets}"
        self.s3 = moto.client()
        self.s3.create_bucket(Bucket=self.bucket)
        self.task_root = make_task_root(inline=inline, s3=s3, **options)
        for key, path in self.task_root.s3_objects.items():
            self.s3.upload_file(path, self.bucket, key)
        self.sandbox_tmp = tempfile.mkdtemp(dir=SESSION_DIR, prefix="sandbox-tmp-")
        self.env = dict(
            DUMMY_AWS_ENV,
            AWS_ENDPOINT_URL=moto.endpoint,
            DATASETTE_LAMBDA_BUCKET=self.bucket,
        )
        return self.task_root.path, self.env, self.sandbox_tmp

    def remote_entry(self):
        return next(d for d in self.task_root.manifest["databases"] if d["name"] == "remote")

    def cache_dir(self, entry):
        return os.path.join(self.sandbox_tmp, "datasette-lambda", entry["sha256"])


class AllDatabasesInS3(ServingTests, S3Site, unittest.TestCase):
    """--external --prefix x --cors: every page served from databases fetched from S3."""

    @classmethod
    def setUpClass(cls):
        cls.site_args = None

    def site(self):
        if AllDatabasesInS3.site_args is None:
            AllDatabasesInS3.site_args = self.make_s3_site(inline=(), s3=("fixtures", "remote"), prefix="x", cors=True)
        return AllDatabasesInS3.site_args


class FetchAndVerify(S3Site, unittest.TestCase):
    def setUp(self):
        root, env, sandbox_tmp = self.make_s3_site()
        self.gets = []

        def counting_factory():
            client = new_s3_client()  # each instance's one client, counting its GETs
            original = client.get_object

            def get_object(**kwargs):
                if kwargs["Key"] != "live/manifest.json":  # database objects only
                    self.gets.append(kwargs["Key"])
                return original(**kwargs)

            client.get_object = get_object
            return client

        harness.new_instance(
            dict(env, LAMBDA_TASK_ROOT=root, DATASETTE_SECRET=harness.TEST_SECRET),
            sandbox_tmp,
            s3_factory=counting_factory,
        )

    def test_downloaded_once_verified_and_moved_into_place(self):
        rows = request("/remote/remote_rows.json?_shape=array").json()
        self.assertEqual([r["label"] for r in rows], ["remote 1", "remote 2", "remote 3", "remote 4"])
        self.assertEqual(request("/fixtures/items.json").status, 200)
        entry = self.remote_entry()
        self.assertEqual(os.listdir(self.cache_dir(entry)), ["remote.db"])  # no partial file left
        self.assertEqual(os.path.getsize(os.path.join(self.cache_dir(entry), "remote.db")), entry["bytes"])
        self.assertEqual(self.gets, [entry["key"]])

    def test_warm_start_and_new_instance_reuse_the_verified_file(self):
        self.assertEqual(request("/remote/remote_rows.json").status, 200)
        self.assertEqual(request("/remote/remote_rows/1.json").status, 200)  # warm
        self.s3.delete_object(Bucket=self.bucket, Key=self.remote_entry()["key"])
        restart()  # a new instance in the same sandbox: /tmp is still there
        self.assertEqual(request("/remote/remote_rows.json").status, 200)
        self.assertEqual(len(self.gets), 1)
        # Control: a sandbox with an empty /tmp really needs the (now deleted) object.
        activate(self.task_root.path, self.env, tempfile.mkdtemp(dir=SESSION_DIR))
        with captured_output() as out:
            self.assertEqual(request("/remote/remote_rows.json").status, 500)
        self.assertIn(f"s3://{self.bucket}/{self.remote_entry()['key']}", out.getvalue())

    def test_checksum_mismatch_is_a_clear_error_and_leaves_no_file(self):
        entry = self.remote_entry()
        self.s3.put_object(Bucket=self.bucket, Key=entry["key"], Body=b"not the database")
        with captured_output() as out:
            response = request("/remote/remote_rows.json")
        self.assertEqual(response.status, 500)
        log = out.getvalue()
        self.assertIn("'remote'", log)
        self.assertIn("failed its checksum", log)
        self.assertIn(entry["sha256"], log)
        self.assertEqual(os.listdir(self.cache_dir(entry)), [])
        # Fixed in S3 (a redeploy): the next request downloads it again and serves.
        self.s3.upload_file(self.task_root.s3_objects[entry["key"]], self.bucket, entry["key"])
        self.assertEqual(request("/remote/remote_rows.json").status, 200)
        self.assertEqual(len(self.gets), 2)

    def test_a_new_instance_removes_partial_downloads_a_killed_one_left(self):
        # A Lambda timeout kills an instance mid-download; /tmp stays with the sandbox. One
        # process per sandbox at a time: at start, no partial file belongs to a live download.
        entry = self.remote_entry()
        os.makedirs(self.cache_dir(entry))
        for n in ("old", "young"):
            with open(os.path.join(self.cache_dir(entry), f".partial-{n}.tmp"), "wb") as f:
                f.write(b"half a database")
        self.assertEqual(request("/remote/remote_rows.json").status, 200)
        self.assertEqual(sorted(os.listdir(self.cache_dir(entry))), ["remote.db"])

    def test_missing_bucket_variable_is_named(self):
        activate(self.task_root.path, dict(self.env, DATASETTE_LAMBDA_BUCKET=None), self.sandbox_tmp)
        with captured_output() as out:
            self.assertEqual(request("/").status, 500)
        self.assertIn("DATASETTE_LAMBDA_BUCKET is not set", out.getvalue())
        self.assertEqual(self.gets, [])


if __name__ == "__main__":
    unittest.main()
