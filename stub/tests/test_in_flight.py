"""in_flight.py: what a swap replaced is released only when no older request runs."""

import unittest

import harness  # noqa: F401  (sys.path for the stub)

from datasette_lambda.databases.in_flight import InFlight


class Releases(unittest.TestCase):
    def test_released_at_once_when_nothing_runs(self):
        in_flight = InFlight()
        in_flight.retire("old")
        self.assertTrue(in_flight.has_retired())
        self.assertEqual(in_flight.take_releasable(), ["old"])
        self.assertFalse(in_flight.has_retired())

    def test_kept_while_a_request_from_before_the_swap_runs(self):
        in_flight = InFlight()
        before = in_flight.started()
        in_flight.retire("old")
        after = in_flight.started()  # sees the new databases only
        self.assertEqual(in_flight.take_releasable(), [])
        in_flight.finished(before)
        self.assertEqual(in_flight.take_releasable(), ["old"])  # the newer request does not hold it
        in_flight.finished(after)

    def test_each_swap_waits_only_for_requests_older_than_itself(self):
        in_flight = InFlight()
        first = in_flight.started()
        in_flight.retire("v1")
        second = in_flight.started()
        in_flight.retire("v2")
        in_flight.finished(first)
        self.assertEqual(in_flight.take_releasable(), ["v1"])  # "second" may still use v2
        in_flight.finished(second)
        self.assertEqual(in_flight.take_releasable(), ["v2"])
        self.assertEqual(in_flight.take_releasable(), [])

    def test_requests_keep_arriving_and_old_things_still_go(self):
        in_flight = InFlight()
        running = [in_flight.started()]
        in_flight.retire("old")
        for _ in range(5):  # overlapping newer requests never let the count reach zero
            running.append(in_flight.started())
            in_flight.finished(running.pop(0))
        self.assertEqual(in_flight.take_releasable(), ["old"])


if __name__ == "__main__":
    unittest.main()
