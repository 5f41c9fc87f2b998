"""The shared CloudFront functions (templates/shared.yaml), run on the events CloudFront sends.

The viewer-request function carries the viewer's Host and Authorization past Origin Access
Control; the origin-request function gives a body its SHA-256, which Lambda requires of a
signed body, or answers 413 past the 1 MB CloudFront lets it see; the runtime restores the
Authorization and keeps such responses private. Through the modelled CloudFront
(cloudfront_edge.py) with the venv's Datasette; sign-in and tokens with real plugins are in
test_edge_chain.py.
"""

import hashlib
import json
import unittest

import harness
from harness import activate, make_task_root, request

from cloudfront_edge import (
    BODY_LIMIT,
    CloudFront,
    edge_function,
    edge_function_code,
    origin_request_event,
    run_viewer_function,
    shared_template,
    viewer_event,
)
from datasette_lambda.serve.cloudfront_origin import CARRIER, VIEWER_AUTHORIZATION, as_viewer_request
from datasette_lambda.serve.response_caching import with_cache_control

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def viewer(headers):
    return run_viewer_function(viewer_event("GET", "/fixtures", "", headers))["headers"]


def origin_request(method="POST", path="/-/login", body=b"", headers=None):
    event = origin_request_event(method, path, "", headers or {"accept": "text/html"}, body)
    return edge_function()(event, None)


class ViewerRequestFunction(unittest.TestCase):
    def test_the_viewer_authorization_travels_under_the_carrier_header(self):
        headers = viewer({"host": "data.example.org", "authorization": "Bearer dstok_abc"})
        self.assertEqual(headers["x-datasette-lambda-authorization"], {"value": "Bearer dstok_abc"})
        self.assertEqual(headers["authorization"], {"value": "Bearer dstok_abc"})  # OAC replaces it later
        self.assertEqual(headers["x-forwarded-host"], {"value": "data.example.org"})

    def test_a_viewer_cannot_choose_the_carrier_or_the_forwarded_host(self):
        headers = viewer({"host": "data.example.org", "x-datasette-lambda-authorization": "Bearer forged"})
        self.assertNotIn("x-datasette-lambda-authorization", headers)
        forged = viewer(
            {"host": "data.example.org", "x-forwarded-host": "evil.example", "authorization": "Basic cm9vdA=="}
        )
        self.assertEqual(forged["x-forwarded-host"], {"value": "data.example.org"})
        self.assertEqual(forged["x-datasette-lambda-authorization"], {"value": "Basic cm9vdA=="})

    def test_the_carrier_is_in_the_cache_key(self):
        # A response to one token must never be served for another, or for anonymous visitors.
        config = shared_template()["Resources"]["CachePolicy"]["Properties"]["CachePolicyConfig"]
        headers = config["ParametersInCacheKeyAndForwardedToOrigin"]["HeadersConfig"]["Headers"]
        self.assertIn(CARRIER.decode(), headers)


class OriginRequestFunction(unittest.TestCase):
    def test_a_body_gets_its_sha256(self):
        body = b"username=root&password=secret&csrftoken=abc"
        result = origin_request(body=body)
        self.assertEqual(result["headers"]["x-amz-content-sha256"][0]["value"], hashlib.sha256(body).hexdigest())
        self.assertEqual(result["uri"], "/-/login")

    def test_binary_bodies_are_hashed_as_bytes(self):
        body = bytes(range(256)) * 8
        result = origin_request(body=body)
        self.assertEqual(result["headers"]["x-amz-content-sha256"][0]["value"], hashlib.sha256(body).hexdigest())

    def test_no_body_hashes_to_the_empty_string_digest(self):
        result = origin_request(method="GET", body=b"")
        self.assertEqual(result["headers"]["x-amz-content-sha256"][0]["value"], EMPTY_SHA256)

    def test_a_text_encoded_body_is_hashed_as_utf8(self):
        event = origin_request_event("POST", "/x", "", {}, b"")
        event["Records"][0]["cf"]["request"]["body"] = {
            "action": "read-only",
            "data": "é=1",
            "encoding": "text",
            "inputTruncated": False,
        }
        result = edge_function()(event, None)
        self.assertEqual(
            result["headers"]["x-amz-content-sha256"][0]["value"], hashlib.sha256("é=1".encode()).hexdigest()
        )

    def test_a_body_over_1_mb_gets_a_413_page_not_a_bare_403(self):
        result = origin_request(body=b"x" * (BODY_LIMIT + 1))
        self.assertEqual((result["status"], result["statusDescription"]), ("413", "Payload Too Large"))
        self.assertEqual(result["headers"]["cache-control"][0]["value"], "no-store")
        self.assertEqual(result["headers"]["content-type"][0]["value"], "text/html; charset=utf-8")
        self.assertIn("at most 1 MB", result["body"])
        self.assertIn("<code>datasette-lambda push</code>", result["body"])
        # 1 MB exactly still goes through.
        self.assertNotIn("status", origin_request(body=b"x" * BODY_LIMIT))

    def test_the_413_is_datasette_json_for_json_requests(self):
        for path, accept in (("/db/table.json", "*/*"), ("/db/-/insert", "application/json")):
            with self.subTest(path=path):
                result = origin_request(path=path, body=b"{" * (BODY_LIMIT + 10), headers={"accept": accept})
                self.assertEqual(result["headers"]["content-type"][0]["value"], "application/json; charset=utf-8")
                error = json.loads(result["body"])
                self.assertEqual((error["ok"], error["status"]), (False, 413))
                self.assertIn("datasette-lambda push", error["error"])

    def test_the_version_description_follows_the_code(self):
        # EdgeVersion's Description carries the code's digest: changed code must publish a new version.
        version = shared_template()["Resources"]["EdgeVersion"]["Properties"]["Description"]
        digest = hashlib.sha256(edge_function_code().encode()).hexdigest()[:16]
        self.assertEqual(
            version, f"datasette-lambda edge code {digest}", "update EdgeVersion's Description in shared.yaml"
        )


class CarrierRestored(unittest.TestCase):
    SIGNED = {"requestContext": {"authorizer": {"iam": {"accessKey": "ASIA..."}}}}

    def scope(self, headers, event):
        return {"type": "http", "headers": headers, "aws.event": event, "server": ("x", 443)}

    def test_signed_requests_get_the_viewer_authorization_back_and_are_marked(self):
        scope = as_viewer_request(
            self.scope([(b"authorization", b"AWS4-HMAC-SHA256 ..."), (CARRIER, b"Bearer dstok_abc")], self.SIGNED)
        )
        self.assertEqual([v for k, v in scope["headers"] if k == b"authorization"], [b"Bearer dstok_abc"])
        self.assertNotIn(CARRIER, [k for k, _ in scope["headers"]])
        self.assertTrue(scope[VIEWER_AUTHORIZATION])

    def test_without_the_carrier_nothing_is_marked(self):
        scope = as_viewer_request(self.scope([(b"authorization", b"AWS4-HMAC-SHA256 ...")], self.SIGNED))
        self.assertNotIn(b"authorization", [k for k, _ in scope["headers"]])
        self.assertNotIn(VIEWER_AUTHORIZATION, scope)

    def test_a_public_url_drops_the_carrier_and_keeps_the_client_authorization(self):
        scope = as_viewer_request(self.scope([(b"authorization", b"Bearer mine"), (CARRIER, b"Bearer forged")], {}))
        self.assertEqual(scope["headers"], [(b"authorization", b"Bearer mine")])
        self.assertNotIn(VIEWER_AUTHORIZATION, scope)

    def test_marked_responses_are_private_whatever_was_said(self):
        headers = with_cache_control(
            200, [(b"Cache-Control", b"max-age=3600"), (b"content-type", b"text/html")], private=True
        )
        self.assertEqual(headers, [(b"content-type", b"text/html"), (b"cache-control", b"private, no-store")])


class ThroughCloudFront(unittest.TestCase):
    """The modelled distribution in front of a fixtures site (the venv's Datasette)."""

    @classmethod
    def setUpClass(cls):
        cls.root = make_task_root()

    @classmethod
    def tearDownClass(cls):
        harness.deactivate()

    def setUp(self):
        activate(self.root.path)

    def test_a_post_body_reaches_the_function_only_with_the_origin_request_function(self):
        # Datasette answers a POST to a read-only query page itself (not Lambda's 403).
        body = "sql=select+1"
        with_edge = CloudFront().request(
            "/fixtures", method="POST", body=body, headers={"content-type": "application/x-www-form-urlencoded"}
        )
        self.assertNotEqual(with_edge.status, 403, with_edge.text)
        without = CloudFront(edge=False).request("/fixtures", method="POST", body=body)
        self.assertEqual((without.status, without.json()), (403, {"Message": "Forbidden"}))

    def test_anonymous_pages_stay_cacheable(self):
        response = CloudFront().request("/fixtures/items")
        self.assertEqual(response.status, 200)
        self.assertEqual(response.header("cache-control"), "max-age=5")

    def test_a_viewer_authorization_reaches_datasette_and_its_answer_is_private(self):
        from datasette import hookimpl
        from datasette.plugins import pm

        class TokenActor:
            __name__ = "token-actor"  # Datasette lists plugins by name

            @hookimpl
            def actor_from_request(self, datasette, request):
                if request.headers.get("authorization") == "Bearer sesame":
                    return {"id": "bot"}

        pm.register(TokenActor(), name="token-actor")
        try:
            signed_in = CloudFront().request("/-/actor.json", headers={"authorization": "Bearer sesame"})
            anonymous = CloudFront().request("/-/actor.json")
            table = CloudFront().request("/fixtures/items.json", headers={"authorization": "Bearer sesame"})
        finally:
            pm.unregister(name="token-actor")
        self.assertEqual(signed_in.json(), {"actor": {"id": "bot"}})
        self.assertEqual(signed_in.header("cache-control"), "private, no-store")
        self.assertEqual(anonymous.json(), {"actor": None})
        self.assertEqual(table.header("cache-control"), "private, no-store")

    def test_a_forged_carrier_on_a_public_url_is_dropped(self):
        response = request("/-/actor.json", headers={"x-datasette-lambda-authorization": "Bearer sesame"})
        self.assertEqual(response.json(), {"actor": None})

    def test_an_oversized_body_gets_the_413_from_cloudfront(self):
        response = CloudFront().request("/fixtures", method="POST", body=b"a" * (BODY_LIMIT + 1))
        self.assertEqual(response.status, 413)
        self.assertIn("at most 1 MB", response.text)


if __name__ == "__main__":
    unittest.main()
