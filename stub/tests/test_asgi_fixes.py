"""Scope repairs: raw_path and path from rawPath (CloudFront requests: test_cloudfront_origin.py)."""

import unittest

import harness  # noqa: F401  (sys.path for the stub)

from datasette_lambda.serve.asgi_fixes import encode_raw_path, fix_scope


def mangum_scope(raw_path, headers=()):
    # What Mangum 0.22 builds: raw_path None, path decoded.
    from urllib.parse import unquote

    return {
        "type": "http",
        "path": unquote(raw_path),
        "raw_path": None,
        "headers": [[b"host", b"fn.lambda-url.us-east-1.on.aws"], *headers],
        "server": ("fn.lambda-url.us-east-1.on.aws", 443),
        "aws.event": {"rawPath": raw_path},
    }


class RawPath(unittest.TestCase):
    def test_encoded_path_is_kept_as_sent(self):
        scope = fix_scope(mangum_scope("/db/dotted%2Etable"))
        self.assertEqual(scope["raw_path"], b"/db/dotted%2Etable")
        self.assertEqual(scope["path"], "/db/dotted.table")

    def test_slash_encoded_stays_distinct_from_a_slash(self):
        scope = fix_scope(mangum_scope("/db/a%2Fb"))
        self.assertEqual(scope["raw_path"], b"/db/a%2Fb")
        self.assertEqual(scope["path"], "/db/a/b")

    def test_decoded_input_is_made_a_legal_path(self):
        self.assertEqual(encode_raw_path("/db/a table/é"), b"/db/a%20table/%C3%A9")
        self.assertEqual(encode_raw_path("/db/100%"), b"/db/100%25")
        self.assertEqual(encode_raw_path("/db/~tilde~2E"), b"/db/~tilde~2E")
        self.assertEqual(encode_raw_path(""), b"/")

    def test_non_function_url_event_never_leaves_raw_path_none(self):
        scope = mangum_scope("/db/t")
        scope["aws.event"] = {}
        self.assertEqual(fix_scope(scope)["raw_path"], b"/db/t")


if __name__ == "__main__":
    unittest.main()
