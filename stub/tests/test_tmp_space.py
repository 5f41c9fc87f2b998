"""tmp_space.py: whether a live database has room in /tmp, on the cases `ls` is tested on too."""

import json
import os
import unittest

import harness  # noqa: F401  (first: sets up sys.path for the stub)
from harness import TESTS_DIR

from datasette_lambda.databases.tmp_space import NO_ROOM_NOW, TOO_BIG, room_for, usage

with open(os.path.join(TESTS_DIR, "tmp_space_cases.json"), encoding="utf-8") as f:
    CASES = json.load(f)["cases"]


class RoomFor(unittest.TestCase):
    def test_never_fits_exactly_when_the_shared_cases_say_so(self):
        self.assertGreater(len(CASES), 5)
        for case in CASES:
            with self.subTest(case["why"]):
                room = room_for(case["bytes"], case["tmpBytes"], case["deployedS3Bytes"], free_bytes=case["tmpBytes"])
                self.assertEqual(room != TOO_BIG, case["fits"])

    def test_one_that_fits_but_not_in_what_is_free_now_waits(self):
        mb = 1024 * 1024
        self.assertEqual(room_for(300 * mb, 512 * mb, 0, free_bytes=200 * mb), NO_ROOM_NOW)
        self.assertIsNone(room_for(300 * mb, 512 * mb, 0, free_bytes=300 * mb))
        self.assertEqual(room_for(600 * mb, 512 * mb, 0, free_bytes=100 * mb), TOO_BIG)  # for good, not "later"

    def test_usage_is_the_file_systems(self):
        size, free = usage(harness.SESSION_DIR)
        self.assertGreater(size, 0)
        self.assertTrue(0 <= free <= size)


if __name__ == "__main__":
    unittest.main()
