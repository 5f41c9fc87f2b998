"""The handler serving test-assembled sites (no prefix; prefix + CORS) with Function URL events."""

import unittest

import harness  # noqa: F401  (first: sets up sys.path for the stub and Datasette)
from harness import make_task_root

from serving_tests import ServingTests


class PlainSite(ServingTests, unittest.TestCase):
    """No prefix, no CORS."""

    @classmethod
    def setUpClass(cls):
        cls.root = make_task_root()

    def site(self):
        return self.root.path, {}, None


class PrefixCorsSite(ServingTests, unittest.TestCase):
    """--prefix x --cors."""

    @classmethod
    def setUpClass(cls):
        cls.root = make_task_root(prefix="x", cors=True)

    def site(self):
        return self.root.path, {}, None


class NestedPrefixSite(ServingTests, unittest.TestCase):
    """--prefix data/v1: a prefix of two path segments."""

    @classmethod
    def setUpClass(cls):
        cls.root = make_task_root(prefix="data/v1")

    def site(self):
        return self.root.path, {}, None


if __name__ == "__main__":
    unittest.main()
