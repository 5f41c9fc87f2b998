"""Lambda's 6 MB response limit."""

import json
import unittest

import harness  # noqa: F401  (sys.path for the stub)

from datasette_lambda.serve.response_limit import (
    LAMBDA_RESPONSE_LIMIT,
    enforce_response_limit,
    payload_size,
    requested_kind,
)
from lambda_events import make_event


def response(body, base64=False):
    return {"statusCode": 200, "headers": {"content-type": "text/plain"}, "body": body, "isBase64Encoded": base64}


class ResponseLimit(unittest.TestCase):
    def test_small_responses_pass_untouched(self):
        small = response("hello")
        self.assertIs(enforce_response_limit(small), small)

    def test_limit_is_on_the_serialised_payload(self):
        # 1.2 M characters that JSON escapes to 6 bytes each: over the limit though the body is small.
        escaped = response("\x01" * 1_200_000)
        self.assertGreater(payload_size(escaped), LAMBDA_RESPONSE_LIMIT)
        self.assertEqual(enforce_response_limit(escaped)["statusCode"], 507)

    def test_just_under_and_over(self):
        under = response("a" * (LAMBDA_RESPONSE_LIMIT - 10_000))
        self.assertEqual(enforce_response_limit(under)["statusCode"], 200)
        over = response("a" * LAMBDA_RESPONSE_LIMIT)
        replaced = enforce_response_limit(over)
        self.assertEqual(replaced["statusCode"], 507)
        self.assertEqual(replaced["headers"]["x-datasette-lambda-error"], "response-too-large")
        self.assertIn(f"{payload_size(over):,}", replaced["body"])

    def test_never_cached(self):
        # 507: not one of the errors CloudFront caches whatever the Cache-Control (500 is).
        replaced = enforce_response_limit(response("a" * LAMBDA_RESPONSE_LIMIT))
        self.assertEqual(replaced["statusCode"], 507)
        self.assertEqual(replaced["headers"]["cache-control"], "private, no-store")


class PageForWhatWasAskedFor(unittest.TestCase):
    OVER = response("a" * LAMBDA_RESPONSE_LIMIT)

    def replaced(self, path, query=None):
        return enforce_response_limit(self.OVER, make_event("GET", path, query))

    def test_kind_of_request(self):
        cases = {
            ("/db/t.csv", None): "csv",
            ("/x/db/t.csv", "_stream=on"): "csv",
            ("/db.csv", "sql=select+1"): "csv",
            ("/db/t.json", "_shape=array"): "json",
            ("/db/t", "_format=json"): "json",
            ("/db.db", None): "db",
            ("/db/t", None): "page",
            ("/db/t.blob", None): "page",
        }
        for (path, query), kind in cases.items():
            with self.subTest(path=path, query=query):
                self.assertEqual(requested_kind(make_event("GET", path, query)), kind)
        self.assertEqual(requested_kind(None), "page")

    def test_csv_export_explains_how_to_export_in_parts(self):
        page = self.replaced("/fixtures/items.csv", "_stream=on")
        self.assertIn("text/html", page["headers"]["content-type"])
        for words in (
            "This CSV export would be",
            "<code>_stream=on</code>",
            "<code>_size=max</code>",
            "<code>_next</code>",
            "download the whole database",
        ):
            self.assertIn(words, page["body"])

    def test_json_export_gets_datasette_json_error_shape(self):
        page = self.replaced("/fixtures/items.json", "_size=max")
        self.assertIn("application/json", page["headers"]["content-type"])
        error = json.loads(page["body"])
        self.assertEqual((error["ok"], error["status"], error["title"]), (False, 507, "Response too large"))
        self.assertIn("This JSON response would be", error["error"])
        self.assertIn("next_url", error["error"])
        self.assertNotIn("`", error["error"])

    def test_database_file_says_to_redeploy(self):
        page = self.replaced("/fixtures.db")
        self.assertIn("This database file would be", page["body"])
        self.assertIn("update-stack", page["body"])

    def test_other_pages_keep_the_general_advice(self):
        page = self.replaced("/fixtures/items")
        self.assertIn("This response would be", page["body"])
        self.assertIn("<code>_size</code>", page["body"])


if __name__ == "__main__":
    unittest.main()
