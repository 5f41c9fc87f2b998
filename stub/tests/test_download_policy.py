"""How long a live download may run (running_deadline.py, download_policy.py) and when a failed
one is tried again (retry_backoff.py)."""

import unittest

import harness  # noqa: F401  (first: sets up sys.path for the stub)

from datasette_lambda.live.download_policy import MB, DownloadPolicy
from datasette_lambda.live.retry_backoff import Backoff
from datasette_lambda.live.running_deadline import RunningDeadline


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class Deadline(unittest.TestCase):
    def test_counts_the_time_between_polls(self):
        clock = Clock()
        deadline = RunningDeadline(1.0, clock, max_step=1.0)
        for _ in range(3):
            clock.now += 0.25
            self.assertFalse(deadline.expired())
        clock.now += 0.25
        self.assertTrue(deadline.expired())

    def test_a_frozen_stretch_counts_as_one_step_at_most(self):
        # Lambda froze the instance between two requests for ten minutes: the download did not run.
        clock = Clock()
        deadline = RunningDeadline(120.0, clock, max_step=1.0)
        clock.now += 600
        self.assertFalse(deadline.expired())
        self.assertEqual(deadline.ran, 1.0)
        clock.now -= 5  # a clock that went back (a restore elsewhere) adds nothing
        self.assertFalse(deadline.expired())
        self.assertEqual(deadline.ran, 1.0)

    def test_grows_with_the_size_from_a_floor(self):
        policy = DownloadPolicy()
        self.assertEqual(policy.deadline_seconds(1024), 120.0)
        self.assertEqual(policy.deadline_seconds(2048 * MB), 2048 / 5)


class Retries(unittest.TestCase):
    def test_back_off_doubles_up_to_a_cap_per_database_version(self):
        backoff = Backoff(DownloadPolicy(first_retry_seconds=30, max_retry_seconds=100))
        key = ("extra", "a" * 64)
        self.assertTrue(backoff.may_try(key, 0))
        self.assertEqual([backoff.failed(key, 0) for _ in range(4)], [30, 60, 100, 100])
        self.assertFalse(backoff.may_try(key, 99))
        self.assertTrue(backoff.may_try(key, 100))
        self.assertTrue(backoff.may_try(("extra", "b" * 64), 0))  # a new version: tried at once
        backoff.succeeded(key)
        self.assertEqual(backoff.failed(key, 0), 30)

    def test_refused_for_good_until_forgotten(self):
        backoff = Backoff(DownloadPolicy())
        key = ("big", "c" * 64)
        backoff.refused(key)
        self.assertFalse(backoff.may_try(key, 10**12))
        backoff.keep_only(set())  # no longer published
        self.assertTrue(backoff.may_try(key, 0))
        backoff.refused(key)
        backoff.clear()  # after a SnapStart restore
        self.assertTrue(backoff.may_try(key, 0))


if __name__ == "__main__":
    unittest.main()
