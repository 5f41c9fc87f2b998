"""Requests signed by CloudFront (Origin Access Control) versus straight to a public Function URL.

Behind CloudFront every event carries CloudFront's SigV4 headers and
requestContext.authorizer.iam. The stub must hand Datasette the viewer's request (no
signing headers, the viewer's Host), so pages come back exactly as `datasette serve` would
send them to an anonymous visitor, cacheable; and it must not let anyone else choose the
Host (--no-cdn events have no authorizer).
"""

import os
import re
import unittest

import harness
from harness import TEST_SECRET, activate, cloudfront_request, make_task_root, request

from datasette_lambda.serve.cloudfront_origin import SIGNING_HEADERS, as_viewer_request, forwarded_host, signed_by_iam
from lambda_events import (
    FUNCTION_URL_HOST,
    SIGV4_SECURITY_TOKEN,
    SIGV4_SIGNATURE,
    VIEWER_HOST,
    make_cloudfront_event,
)
from reference_datasette import ReferenceDatasette

# Pages of every kind: HTML, JSON, CSV, blobs, /-/ pages, static assets, redirects, errors.
PAGES = [
    "/",
    "/.json",
    "/fixtures",
    "/fixtures.json",
    "/fixtures/items",
    "/fixtures/items?_sort_desc=price&_size=5",
    "/fixtures/items?_facet=category_id",
    "/fixtures/items.json?_size=2",
    "/fixtures/items.json?_shape=array&category_id=2",
    "/fixtures/items.csv",
    "/fixtures/items.csv?_stream=on",
    "/fixtures/items/3",
    "/fixtures/items/3.json",
    "/fixtures/categories/1",
    "/fixtures/expensive_items",
    "/fixtures/dotted~2Etable",
    "/fixtures/blobs/1.blob?_blob_column=data",
    "/fixtures?sql=select+*+from+items+limit+3",
    "/fixtures.json?sql=select+count(*)+as+n+from+items",
    "/fixtures.csv?sql=select+id,+name+from+items",
    "/fixtures.db",
    "/-/versions.json",
    "/-/metadata",
    "/-/settings.json",
    "/-/databases.json",
    "/-/plugins.json",
    "/-/actor.json",
    "/-/static/app.css",
    "/-/",
    "/-/permissions",
    "/nope",
    "/fixtures/nope",
    "/fixtures/items/999",
    "/fixtures/items/",
    "/fixtures/dotted%2Etable",
]
STATIC = ("/-/static/",)
# The only parts of a page that differ between two identical requests.
_TIMINGS = [
    (re.compile(rb"Queries took [0-9.]+ms"), b"Queries took Xms"),
    (re.compile(rb'"query_ms": [0-9.e-]+'), b'"query_ms": X'),
]


def without_timings(body):
    for pattern, replacement in _TIMINGS:
        body = pattern.sub(replacement, body)
    return body


def mangum_scope(headers, event_extra=None):
    event = {"rawPath": "/", **(event_extra or {})}
    return {
        "type": "http",
        "path": "/",
        "raw_path": b"/",
        "headers": [[b"host", FUNCTION_URL_HOST.encode()], *headers],
        "server": (FUNCTION_URL_HOST, 443),
        "aws.event": event,
    }


SIGNED = {"requestContext": {"authorizer": {"iam": {"accessKey": "ASIA..."}}}}
SIGNING = [
    [b"authorization", b"AWS4-HMAC-SHA256 Credential=ASIA/..., Signature=abc"],
    [b"x-amz-date", b"20250101T000000Z"],
    [b"x-amz-content-sha256", b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    [b"x-amz-security-token", b"token"],
]


class ViewerRequest(unittest.TestCase):
    def test_signed_request_loses_its_signature_and_gets_the_viewer_host(self):
        scope = as_viewer_request(
            mangum_scope([*SIGNING, [b"x-forwarded-host", b"data.example.org"], [b"cookie", b"a=b"]], SIGNED)
        )
        names = [k for k, _ in scope["headers"]]
        self.assertEqual(set(names) & SIGNING_HEADERS, set())
        self.assertIn((b"host", b"data.example.org"), [tuple(h) for h in scope["headers"]])
        self.assertEqual(names.count(b"host"), 1)
        self.assertIn(b"cookie", names)  # the viewer's own headers stay
        self.assertEqual(scope["server"], ("data.example.org", 443))

    def test_unsigned_request_is_left_as_sent(self):
        # --no-cdn: a public Function URL. A client's own Authorization (a Datasette API
        # token, say) is its business; x-forwarded-host is anyone's to forge.
        original = mangum_scope([*SIGNING, [b"x-forwarded-host", b"evil.example"]])
        self.assertIs(as_viewer_request(original), original)
        for extra in (
            {"requestContext": {}},
            {"requestContext": {"authorizer": {"jwt": {}}}},
            {"requestContext": None},
        ):
            with self.subTest(event=extra):
                self.assertFalse(signed_by_iam(extra))

    def test_signed_by_iam_reads_the_documented_shape(self):
        event = make_cloudfront_event()
        self.assertTrue(signed_by_iam(event))
        self.assertEqual(event["requestContext"]["authorizer"]["iam"]["userArn"][:12], "arn:aws:sts:")

    def test_forwarded_host_with_port_and_list(self):
        self.assertEqual(forwarded_host([(b"X-Forwarded-Host", b"a.example:8443, b.example")]), "a.example:8443")
        scope = as_viewer_request(mangum_scope([[b"x-forwarded-host", b"a.example:8443"]], SIGNED))
        self.assertEqual(scope["server"], ("a.example", 8443))
        self.assertEqual(forwarded_host([(b"x-forwarded-host", b"[2001:db8::1]:8080")]), "[2001:db8::1]:8080")

    def test_malformed_or_absent_forwarded_host_is_ignored(self):
        for value in (b"evil.example/path", b"a b", b"", b"host\r\nx: y"):
            with self.subTest(value=value):
                self.assertIsNone(forwarded_host([(b"x-forwarded-host", value)]))
        scope = as_viewer_request(mangum_scope([*SIGNING, [b"x-forwarded-host", b"bad/host"]], SIGNED))
        self.assertIn((b"host", FUNCTION_URL_HOST.encode()), [tuple(h) for h in scope["headers"]])
        self.assertEqual({k for k, _ in scope["headers"]} & SIGNING_HEADERS, set())
        self.assertIsNone(forwarded_host([(b"host", b"x")]))


class SameAsDatasette(unittest.TestCase):
    """Through CloudFront the handler answers as Datasette's own app does an unsigned request."""

    @classmethod
    def setUpClass(cls):
        cls.root = make_task_root()
        # `datasette serve -i fixtures.db` on the same file, metadata and settings.
        cls.reference = ReferenceDatasette([os.path.join(cls.root.path, "databases", "fixtures.db")], cls.root.manifest)

    @classmethod
    def tearDownClass(cls):
        cls.reference.close()
        harness.deactivate()

    def setUp(self):
        activate(self.root.path)

    def test_pages_match_datasette_status_body_and_cache_headers(self):
        signing = {k: v for k, v in make_cloudfront_event()["headers"].items() if k.encode() in SIGNING_HEADERS}
        for path in PAGES:
            with self.subTest(path=path):
                ours = cloudfront_request(path)
                theirs = self.reference.get(path)
                self.assertEqual(ours.status, theirs.status_code)
                self.assertEqual(without_timings(ours.body), without_timings(theirs.content))
                for header in ("vary", "content-type", "location", "link"):
                    self.assertEqual(ours.header(header), theirs.headers.get(header), header)
                # Datasette's 404s have none; ours say no-store (response_caching.py).
                expected = theirs.headers.get("cache-control") or ("no-store" if theirs.status_code == 404 else None)
                self.assertEqual(ours.header("cache-control"), expected)
                if not path.startswith(STATIC):
                    # Without the fix: what Datasette sends when the signature reaches it.
                    signed = self.reference.get(path, headers=signing)
                    self.assertEqual(signed.headers.get("cache-control"), "private, no-store")
                    self.assertNotEqual(ours.header("cache-control"), "private, no-store")

    def test_some_pages_are_cacheable(self):
        # The point of it all: Datasette's max-age reaches CloudFront.
        self.assertEqual(cloudfront_request("/fixtures/items").header("cache-control"), "max-age=5")
        self.assertEqual(cloudfront_request("/fixtures/items.json").header("cache-control"), "max-age=5")

    def test_nothing_of_the_signature_reaches_datasette(self):
        from datasette import hookimpl
        from datasette.plugins import pm

        seen = []

        class Spy:
            __name__ = "signature-spy"  # Datasette lists plugins by name

            @hookimpl
            def actor_from_request(self, datasette, request):
                seen.append(dict(request.headers))

        pm.register(Spy(), name="signature-spy")
        try:
            self.assertEqual(cloudfront_request("/-/actor.json").json(), {"actor": None})
        finally:
            pm.unregister(name="signature-spy")
        (headers,) = seen
        self.assertEqual({k.encode() for k in headers} & SIGNING_HEADERS, set())
        values = " ".join(headers.values())
        self.assertNotIn(SIGV4_SIGNATURE, values)
        self.assertNotIn(SIGV4_SECURITY_TOKEN, values)
        self.assertEqual(headers["host"], VIEWER_HOST)


class SignedInVisitors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = make_task_root()

    def setUp(self):
        activate(self.root.path)

    def test_a_signed_in_visitor_still_gets_private_no_store(self):
        from itsdangerous import URLSafeSerializer

        cookie = URLSafeSerializer(TEST_SECRET, "actor").dumps({"a": {"id": "alice"}})
        for path in ("/", "/fixtures/items", "/fixtures/items.json", "/-/actor.json"):
            with self.subTest(path=path):
                response = cloudfront_request(path, cookies=[f"ds_actor={cookie}"])
                self.assertEqual(response.status, 200)
                self.assertEqual(response.header("cache-control"), "private, no-store")
        self.assertEqual(
            cloudfront_request("/-/actor.json", cookies=[f"ds_actor={cookie}"]).json(), {"actor": {"id": "alice"}}
        )

    def test_any_cookie_makes_it_private(self):
        response = cloudfront_request("/fixtures/items", cookies=["theme=dark"])
        self.assertEqual(response.header("cache-control"), "private, no-store")


class ForgedHost(unittest.TestCase):
    """--no-cdn: anyone can send x-forwarded-host to a public Function URL."""

    @classmethod
    def setUpClass(cls):
        cls.root = make_task_root()

    def setUp(self):
        activate(self.root.path)

    def test_forged_x_forwarded_host_changes_no_absolute_url(self):
        forged = request("/fixtures/items.json?_size=1", headers={"x-forwarded-host": "evil.example"})
        honest = request("/fixtures/items.json?_size=1")
        self.assertEqual(forged.json()["next_url"], f"https://{FUNCTION_URL_HOST}/fixtures/items.json?_size=1&_next=1")
        self.assertEqual(forged.header("link"), honest.header("link"))
        self.assertNotIn("evil.example", forged.text)
        page = request("/fixtures/items", headers={"x-forwarded-host": "evil.example"})
        self.assertNotIn("evil.example", page.text + page.header("link"))

    def test_cloudfront_x_forwarded_host_is_the_viewer_host(self):
        response = cloudfront_request("/fixtures/items.json?_size=1", viewer_host="viewer.example")
        self.assertEqual(response.json()["next_url"], "https://viewer.example/fixtures/items.json?_size=1&_next=1")
        self.assertIn("<https://viewer.example/fixtures/items.json?", response.header("link"))

    def test_a_client_authorization_header_reaches_datasette_without_cloudfront(self):
        # Datasette's own rule for credentialed requests still holds on a public Function URL.
        response = request("/fixtures/items", headers={"authorization": "Bearer dstok_something"})
        self.assertEqual(response.header("cache-control"), "private, no-store")


if __name__ == "__main__":
    unittest.main()
