"""No error is cached: every 404 and 5xx the site sends carries Cache-Control.

CloudFront caches 404, 405, 414 and 500-504 for the error-caching minimum TTL, and
honours no-store, no-cache or private only on 404, 410, 414 and 501; a response with no
Cache-Control at all gets the cache policy's DefaultTTL.
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/custom-error-pages-expiration.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/HTTPStatusCodes.html
"""

import asyncio
import unittest

import harness
from harness import activate, cloudfront_request, make_task_root, request

from datasette_lambda.serve.response_caching import ResponseCaching, with_cache_control

# Datasette's own 404s: an unknown database, table, row, page, and a static file.
DATASETTE_404S = ["/nope", "/fixtures/nope", "/fixtures/items/999", "/-/nope", "/-/static/nope.css"]


class WithCacheControl(unittest.TestCase):
    def test_errors_without_cache_control_get_no_store(self):
        for status in (404, 500, 502, 503, 504, 507):
            with self.subTest(status=status):
                self.assertEqual(
                    with_cache_control(status, [(b"content-type", b"text/html")])[-1], (b"cache-control", b"no-store")
                )

    def test_what_the_origin_says_is_kept(self):
        headers = [(b"Cache-Control", b"max-age=5")]
        self.assertEqual(with_cache_control(404, headers), headers)

    def test_other_answers_are_left_alone(self):
        for status in (200, 301, 302, 304, 400, 403, 405):
            with self.subTest(status=status):
                self.assertEqual(with_cache_control(status, []), [])

    def test_the_middleware_rewrites_only_the_response_start(self):
        sent = []

        async def app(scope, receive, send):
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b"gone"})

        async def send(message):
            sent.append(message)

        asyncio.new_event_loop().run_until_complete(ResponseCaching(app)({"type": "http"}, None, send))
        self.assertEqual(sent[0]["headers"], [(b"cache-control", b"no-store")])
        self.assertEqual(sent[1], {"type": "http.response.body", "body": b"gone"})


class SiteErrors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = make_task_root()
        cls.prefixed = make_task_root(prefix="x")

    @classmethod
    def tearDownClass(cls):
        harness.deactivate()

    def test_datasette_404s_carry_no_store_through_cloudfront_and_without(self):
        activate(self.root.path)
        for path in DATASETTE_404S:
            for send in (cloudfront_request, request):
                with self.subTest(path=path, via=send.__name__):
                    response = send(path)
                    self.assertEqual(response.status, 404)
                    self.assertEqual(response.header("cache-control"), "no-store")

    def test_a_404_under_a_prefix_too(self):
        activate(self.prefixed.path)
        response = cloudfront_request("/x/nope")
        self.assertEqual(response.status, 404)
        self.assertEqual(response.header("cache-control"), "no-store")

    def test_datasette_own_max_age_stays_on_pages(self):
        activate(self.root.path)
        self.assertEqual(cloudfront_request("/fixtures/items").header("cache-control"), "max-age=5")


if __name__ == "__main__":
    unittest.main()
