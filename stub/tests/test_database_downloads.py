"""Database downloads ("/NAME.db") redirected to a presigned S3 GET, with Datasette's rules intact.

large.db (about 7.3 MB) cannot pass through Lambda's 6 MB response; fixtures.db could,
but takes the same road when it has a key. The objects are served by a local moto
server; the presigned Location is fetched from it with a plain HTTP GET.
"""

import contextlib
import hashlib
import os
import tempfile
import unittest
import urllib.request
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import harness
from harness import (
    CODE_DIR,
    SESSION_DIR,
    TEST_SECRET,
    activate,
    captured_output,
    cloudfront_request,
    fixture_file,
    make_task_root,
    request,
    restart,
)

from moto_server import DUMMY_AWS_ENV, ModuleMoto

moto = ModuleMoto()  # one server for the module
setUpModule, tearDownModule = moto.module_hooks(before_stop=harness.deactivate)


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def fetch(url):
    """GET a presigned URL as a browser would follow the redirect: (status, headers, body)."""
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers, response.read()


def signed_in(actor_id):
    from itsdangerous import URLSafeSerializer

    return [f"ds_actor={URLSafeSerializer(TEST_SECRET, 'actor').dumps({'a': {'id': actor_id}})}"]


@contextlib.contextmanager
def counting_file_reads():
    """Record each read Datasette's file download (asgi_send_file, via aiofiles) makes."""
    import aiofiles

    real_open = aiofiles.open
    reads = []

    class CountingFile:
        def __init__(self, opening):
            self.opening = opening

        async def __aenter__(self):
            self.file = await self.opening.__aenter__()
            return self

        async def __aexit__(self, *exc):
            return await self.opening.__aexit__(*exc)

        async def read(self, size=-1):
            reads.append(size)
            return await self.file.read(size)

    with mock.patch.object(aiofiles, "open", lambda *a, **k: CountingFile(real_open(*a, **k))):
        yield reads


class DownloadSite:
    """A task root whose keyed databases are in a fresh bucket of the moto server."""

    _buckets = 0

    @classmethod
    def make_site(cls, inline=("fixtures",), s3=("large",), inline_keys=True, upload=True, **options):
        DownloadSite._buckets += 1
        cls.bucket = f"download-bucket-{DownloadSite._buckets}"
        s3_client = moto.client()
        s3_client.create_bucket(Bucket=cls.bucket)
        cls.task_root = make_task_root(inline=inline, s3=s3, inline_keys=inline_keys, **options)
        if upload:
            for key, path in cls.task_root.s3_objects.items():
                s3_client.upload_file(path, cls.bucket, key)
        cls.env = dict(DUMMY_AWS_ENV, AWS_ENDPOINT_URL=moto.endpoint, DATASETTE_LAMBDA_BUCKET=cls.bucket)
        cls.sandbox_tmp = tempfile.mkdtemp(dir=SESSION_DIR, prefix="sandbox-tmp-")

    def setUp(self):
        activate(self.task_root.path, self.env, self.sandbox_tmp)

    def entry(self, name):
        return next(d for d in self.task_root.manifest["databases"] if d["name"] == name)

    def assertRedirectsToObject(self, response, name):
        """A presigned redirect whose target holds exactly the database's file."""
        entry = self.entry(name)
        self.assertEqual(response.status, 302, response.text[:300])
        self.assertEqual(response.header("cache-control"), "private, no-store")
        self.assertEqual(response.body, b"")
        location = response.header("location")
        parts = urlsplit(location)
        self.assertEqual(f"{parts.scheme}://{parts.netloc}", moto.endpoint)
        self.assertEqual(parts.path, f"/{self.bucket}/{entry['key']}")
        query = parse_qs(parts.query)
        self.assertEqual(query["X-Amz-Expires"], ["600"])
        self.assertEqual(query["X-Amz-Algorithm"], ["AWS4-HMAC-SHA256"])
        status, headers, body = fetch(location)
        self.assertEqual(status, 200)
        self.assertEqual(len(body), entry["bytes"])
        self.assertEqual(sha256_bytes(body), entry["sha256"])
        # Saved as Datasette's own download would be.
        self.assertEqual(headers["Content-Disposition"], f'attachment; filename="{entry["fileName"]}"')
        return location


class RedirectToS3(DownloadSite, unittest.TestCase):
    """fixtures.db inline with a key (its copy in the bucket), large.db in S3."""

    @classmethod
    def setUpClass(cls):
        cls.make_site()

    def test_a_database_over_6_mb_in_s3_downloads_from_s3(self):
        self.assertGreater(self.entry("large")["bytes"], 6 * 1024 * 1024)
        self.assertRedirectsToObject(cloudfront_request("/large.db"), "large")

    def test_an_inline_database_with_a_key_downloads_from_its_copy(self):
        self.assertRedirectsToObject(cloudfront_request("/fixtures.db"), "fixtures")

    def test_straight_to_the_function_url_too(self):
        self.assertRedirectsToObject(request("/large.db"), "large")

    def test_datasette_stops_before_reading_the_file(self):
        with counting_file_reads() as reads:
            self.assertEqual(cloudfront_request("/large.db").status, 302)
        self.assertEqual(reads, [])

    def test_the_database_page_links_to_the_download(self):
        page = cloudfront_request("/large")
        self.assertIn('href="/large.db"', page.text)

    def test_a_signed_in_visitor_is_redirected_privately(self):
        self.assertRedirectsToObject(cloudfront_request("/large.db", cookies=signed_in("alice")), "large")

    def test_if_none_match_is_still_a_304_from_datasette(self):
        etag = f'"{self.entry("large")["sha256"]}"'
        response = cloudfront_request("/large.db", headers={"if-none-match": etag})
        self.assertEqual(response.status, 304)
        self.assertIsNone(response.header("location"))
        other = cloudfront_request("/large.db", headers={"if-none-match": '"something-else"'})
        self.assertEqual(other.status, 302)

    def test_unknown_database_is_datasette_404(self):
        response = cloudfront_request("/nope.db")
        self.assertEqual(response.status, 404)
        self.assertIsNone(response.header("location"))

    def test_other_routes_of_the_database_are_untouched(self):
        self.assertEqual(cloudfront_request("/large/chunks.json?_size=1").status, 200)
        self.assertEqual(cloudfront_request("/large.json").status, 200)

    def test_the_presigned_url_is_never_logged(self):
        restart()  # a cold start too: everything the instance logs
        with captured_output() as out:
            location = cloudfront_request("/large.db").header("location")
            cloudfront_request("/fixtures.db")
        self.assertIsNotNone(location)
        signature = parse_qs(urlsplit(location).query)["X-Amz-Signature"][0]
        log = out.getvalue()
        self.assertIn("site ready", log)  # the capture did see the stub's logging
        self.assertNotIn("Traceback", log)  # and Datasette was stopped without an error
        self.assertNotIn(signature, log)
        self.assertNotIn(urlsplit(location).query, log)

    def test_a_warm_instance_signs_with_the_client_it_already_has(self):
        import boto3

        restart()
        real_client = boto3.client
        with mock.patch("boto3.client", side_effect=real_client) as made:
            for path in ("/large.db", "/fixtures.db", "/large.db"):
                self.assertEqual(cloudfront_request(path).status, 302)
        self.assertEqual(made.call_count, 1)  # the cold start's (large.db's fetch), reused


class DatasetteStillDecides(DownloadSite, unittest.TestCase):
    """Permissions and allow_download are Datasette's: the redirect only replaces its file."""

    @classmethod
    def setUpClass(cls):
        cls.make_site(metadata={"databases": {"large": {"allow": {"id": "alice"}}}})

    def test_database_alice_alone_may_see(self):
        anonymous = cloudfront_request("/large.db")
        self.assertEqual(anonymous.status, 403)
        self.assertIsNone(anonymous.header("location"))
        self.assertRedirectsToObject(cloudfront_request("/large.db", cookies=signed_in("alice")), "large")
        self.assertEqual(cloudfront_request("/large.db", cookies=signed_in("bob")).status, 403)
        self.assertRedirectsToObject(cloudfront_request("/fixtures.db"), "fixtures")


class DownloadsOff(DownloadSite, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.make_site(settings={"allow_download": False})

    def test_allow_download_off_is_403_as_in_datasette(self):
        for path in ("/large.db", "/fixtures.db"):
            with self.subTest(path=path):
                response = cloudfront_request(path)
                self.assertEqual(response.status, 403)
                self.assertIsNone(response.header("location"))
        self.assertNotIn('.db"', cloudfront_request("/fixtures").text)  # no download link


class PrivateInstance(DownloadSite, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.make_site(metadata={"allow": {"id": "alice"}})

    def test_view_instance_denied_is_403(self):
        self.assertEqual(cloudfront_request("/large.db").status, 403)
        self.assertRedirectsToObject(cloudfront_request("/large.db", cookies=signed_in("alice")), "large")


class UnderAPrefix(DownloadSite, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.make_site(prefix="x")

    def test_download_under_the_prefix(self):
        self.assertRedirectsToObject(cloudfront_request("/x/large.db"), "large")
        self.assertRedirectsToObject(cloudfront_request("/x/fixtures.db"), "fixtures")
        self.assertIn('href="/x/fixtures.db"', cloudfront_request("/x/fixtures").text)

    def test_outside_the_prefix_redirects_into_it_first(self):
        response = cloudfront_request("/large.db")
        self.assertEqual(response.status, 302)
        self.assertEqual(response.header("location"), "/x/large.db")


class WithoutKeys(DownloadSite, unittest.TestCase):
    """A package from an older datasette-lambda: inline databases have no key."""

    @classmethod
    def setUpClass(cls):
        cls.make_site(inline=("fixtures", "large"), s3=(), inline_keys=False)

    def test_a_small_database_is_served_by_datasette_as_before(self):
        with counting_file_reads() as reads:
            response = cloudfront_request("/fixtures.db")
        self.assertEqual(response.status, 200)
        self.assertGreater(len(reads), 0)  # the control for test_datasette_stops_before_reading_the_file
        with open(fixture_file("fixtures"), "rb") as f:
            self.assertEqual(response.body, f.read())
        self.assertEqual(response.header("content-disposition"), 'attachment; filename="fixtures.db"')

    def test_a_large_one_explains_why_it_cannot_be_downloaded(self):
        response = cloudfront_request("/large.db")
        self.assertEqual(response.status, 507)
        self.assertIn("This database file would be", response.text)
        self.assertIn("update-stack", response.text)


class KeysWithoutBucket(DownloadSite, unittest.TestCase):
    """DATASETTE_LAMBDA_BUCKET unset: nothing to sign with, Datasette serves the file."""

    @classmethod
    def setUpClass(cls):
        cls.make_site(inline=("fixtures",), s3=())
        cls.env = dict(cls.env, DATASETTE_LAMBDA_BUCKET=None)

    def test_served_by_datasette(self):
        response = cloudfront_request("/fixtures.db")
        self.assertEqual(response.status, 200)
        self.assertEqual(sha256_bytes(response.body), self.entry("fixtures")["sha256"])


class PresigningFails(DownloadSite, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.make_site(inline=("fixtures",), s3=())

    def test_datasette_serves_the_file_and_the_log_says_why(self):
        from datasette_lambda.serve import database_downloads

        failure = RuntimeError("Unable to locate credentials")
        with mock.patch.object(database_downloads.S3Presigner, "url", side_effect=failure), captured_output() as out:
            response = cloudfront_request("/fixtures.db")
        self.assertEqual(response.status, 200)
        self.assertEqual(sha256_bytes(response.body), self.entry("fixtures")["sha256"])
        self.assertIn("could not presign the download of fixtures.db (RuntimeError)", out.getvalue())


class PresignedUrlShape(unittest.TestCase):
    """The instance's client, as Lambda configures it (region from the environment, no endpoint)."""

    def tearDown(self):
        harness.deactivate()

    def test_sigv4_on_the_buckets_regional_host(self):
        from datasette_lambda.serve import database_downloads

        for region, host in (("eu-west-1", "s3.eu-west-1.amazonaws.com"), ("us-east-1", "s3.amazonaws.com")):
            with self.subTest(region=region):
                harness.new_instance(dict(DUMMY_AWS_ENV, AWS_REGION=region, AWS_DEFAULT_REGION=region))
                presigner = database_downloads.S3Presigner("site-bucket", harness.instance().s3_client)
                url = urlsplit(presigner.url("db/abc/big.db", "big.db"))
                self.assertEqual((url.scheme, url.netloc, url.path), ("https", f"site-bucket.{host}", "/db/abc/big.db"))
                query = parse_qs(url.query)
                self.assertEqual(query["X-Amz-Algorithm"], ["AWS4-HMAC-SHA256"])
                self.assertIn(f"/{region}/s3/aws4_request", query["X-Amz-Credential"][0])
                self.assertEqual(query["response-content-disposition"], ['attachment; filename="big.db"'])


class NoDatabaseKeysVariable(unittest.TestCase):
    def test_the_stub_never_reads_datasette_lambda_database_keys(self):
        # The variable is gone from the stack: keys come from manifest.json only.
        for name in sorted(os.listdir(CODE_DIR)):
            if name.endswith(".py"):
                with self.subTest(module=name), open(os.path.join(CODE_DIR, name), encoding="utf-8") as f:
                    self.assertNotIn("DATASETTE_LAMBDA_DATABASE_KEYS", f.read())


if __name__ == "__main__":
    unittest.main()
