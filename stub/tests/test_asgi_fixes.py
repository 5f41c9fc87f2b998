"""Scope repairs: raw_path and path from rawPath, Host from x-forwarded-host."""

import unittest

import harness  # noqa: F401  (sys.path for the stub)
from asgi_fixes import encode_raw_path, fix_scope, forwarded_host


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


class Host(unittest.TestCase):
    def test_forwarded_host_replaces_host(self):
        scope = fix_scope(mangum_scope("/", [[b"x-forwarded-host", b"data.example.org"]]))
        hosts = [v for k, v in scope["headers"] if k == b"host"]
        self.assertEqual(hosts, [b"data.example.org"])
        self.assertEqual(scope["server"], ("data.example.org", 443))

    def test_forwarded_host_with_port_and_list(self):
        self.assertEqual(forwarded_host([(b"X-Forwarded-Host", b"a.example:8443, b.example")]), "a.example:8443")
        scope = fix_scope(mangum_scope("/", [[b"x-forwarded-host", b"a.example:8443"]]))
        self.assertEqual(scope["server"], ("a.example", 8443))
        self.assertEqual(forwarded_host([(b"x-forwarded-host", b"[2001:db8::1]:8080")]), "[2001:db8::1]:8080")

    def test_malformed_or_absent_forwarded_host_is_ignored(self):
        for value in (b"evil.example/path", b"a b", b"", b"host\r\nx: y"):
            with self.subTest(value=value):
                self.assertIsNone(forwarded_host([(b"x-forwarded-host", value)]))
        scope = fix_scope(mangum_scope("/", [[b"x-forwarded-host", b"bad/host"]]))
        self.assertIn([b"host", b"fn.lambda-url.us-east-1.on.aws"], scope["headers"])
        self.assertIsNone(forwarded_host([(b"host", b"x")]))


if __name__ == "__main__":
    unittest.main()
