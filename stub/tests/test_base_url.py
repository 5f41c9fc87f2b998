"""Prefix handling helpers (the end-to-end behaviour is in serving_tests.py)."""

import unittest

import harness  # noqa: F401  (sys.path for the stub)

from datasette_lambda.serve.base_url import (
    BaseUrlPrefix,
    outside_redirect,
    prefixed_link,
    prefixed_location,
    split_prefix,
)


class Prefix(unittest.TestCase):
    def test_split_prefix(self):
        self.assertEqual(split_prefix(b"/x/db/t", "/x/"), b"/db/t")
        self.assertEqual(split_prefix(b"/x/", "/x/"), b"/")
        self.assertIsNone(split_prefix(b"/x", "/x/"))
        self.assertIsNone(split_prefix(b"/xy/db", "/x/"))
        self.assertEqual(split_prefix(b"/a/b/db", "/a/b/"), b"/db")

    def test_outside_redirect(self):
        self.assertEqual(outside_redirect(b"/", b"", "/x/"), "/x/")
        self.assertEqual(outside_redirect(b"/x", b"q=1", "/x/"), "/x/?q=1")
        self.assertEqual(outside_redirect(b"/db/t", b"", "/x/"), "/x/db/t")

    def test_prefixed_location(self):
        self.assertEqual(prefixed_location("/db/t", "/x/"), "/x/db/t")
        self.assertEqual(prefixed_location("/x/db/t", "/x/"), "/x/db/t")
        self.assertEqual(prefixed_location("https://elsewhere/db", "/x/"), "https://elsewhere/db")
        self.assertEqual(prefixed_location("//elsewhere/db", "/x/"), "//elsewhere/db")
        self.assertEqual(prefixed_link("</db/t.json>; rel=preload", "/x/"), "</x/db/t.json>; rel=preload")
        self.assertEqual(prefixed_link('<https://h/x/t>; rel="next"', "/x/"), '<https://h/x/t>; rel="next"')

    def test_base_url_shape_is_checked(self):
        for bad in ("/", "x/", "/x"):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                BaseUrlPrefix(None, bad)


if __name__ == "__main__":
    unittest.main()
