"""Lambda's 6 MB response limit."""

import unittest

import harness  # noqa: F401  (sys.path for the stub)
from response_limit import LAMBDA_RESPONSE_LIMIT, enforce_response_limit, payload_size


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
        self.assertEqual(enforce_response_limit(escaped)["statusCode"], 500)

    def test_just_under_and_over(self):
        under = response("a" * (LAMBDA_RESPONSE_LIMIT - 10_000))
        self.assertEqual(enforce_response_limit(under)["statusCode"], 200)
        over = response("a" * LAMBDA_RESPONSE_LIMIT)
        replaced = enforce_response_limit(over)
        self.assertEqual(replaced["statusCode"], 500)
        self.assertEqual(replaced["headers"]["x-datasette-lambda-error"], "response-too-large")
        self.assertIn(f"{payload_size(over):,}", replaced["body"])


if __name__ == "__main__":
    unittest.main()
