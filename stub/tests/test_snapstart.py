"""SnapStart hooks (snapstart.py): the site finished and warmed before the snapshot; after a
restore, fresh random state, a fresh S3 client and root token, then registered callbacks.

Lambda calls these hooks as "Lambda SnapStart runtime hooks for Python" describes
(https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-python.html); the
library that registers them exists only in Lambda's runtimes, so a stand-in records them."""

import os
import random
import sys
import types
import unittest
from unittest import mock

import harness
from harness import activate, captured_output, make_task_root, request

from datasette_lambda.config import Config
from datasette_lambda.instance import Instance
from datasette_lambda.start import snapstart


class FakeRuntimeLibrary:
    """Stands in for snapshot_restore_py, which only Lambda's python3.12+ runtimes bundle."""

    def __init__(self):
        self.before = []
        self.after = []
        self.module = types.ModuleType("snapshot_restore_py")
        self.module.register_before_snapshot = self.before.append
        self.module.register_after_restore = self.after.append

    def installed(self):
        return mock.patch.dict(sys.modules, {"snapshot_restore_py": self.module})


class Registration(unittest.TestCase):
    def test_without_the_runtime_library_nothing_is_registered(self):
        with mock.patch.dict(sys.modules, {"snapshot_restore_py": None}):
            self.assertFalse(snapstart.install(lambda: None, lambda: None))

    def test_with_it_both_hooks_are_registered(self):
        library = FakeRuntimeLibrary()
        instance = Instance(Config(task_root=make_task_root().path))
        with library.installed():
            self.assertTrue(snapstart.install(instance.prepare_snapshot, instance.refresh_after_restore))
        self.assertEqual(library.before, [instance.prepare_snapshot])
        self.assertEqual(len(library.after), 1)


class BeforeSnapshot(unittest.TestCase):
    def test_the_whole_site_is_built_and_its_pages_rendered_once(self):
        activate(make_task_root(prefix="x").path)
        self.assertIsNone(harness.instance().site)
        with captured_output() as out:
            harness.instance().prepare_snapshot()
        site = harness.instance().site
        self.assertIsNotNone(site)
        self.assertIn("warmed up /x/, /x/fixtures before the snapshot ([200, 200])", out.getvalue())
        self.assertEqual(request("/x/fixtures/items.json?_shape=array").status, 200)
        self.assertIs(harness.instance().site, site)

    def test_a_failure_is_logged_and_left_to_the_first_request(self):
        root = make_task_root()
        db_file = os.path.join(root.path, "databases", "fixtures.db")
        os.rename(db_file, db_file + ".away")
        activate(root.path)
        with captured_output() as out:
            harness.instance().prepare_snapshot()  # must not raise: the version is published anyway
        self.assertIn("could not start before the snapshot", out.getvalue())
        self.assertIsNone(harness.instance().site)
        os.rename(db_file + ".away", db_file)
        self.assertEqual(request("/fixtures").status, 200)


class AfterRestore(unittest.TestCase):
    def setUp(self):
        activate(make_task_root().path)
        request("/")
        self.addCleanup(snapstart._after_restore.clear)

    def test_two_instances_restored_from_one_snapshot_draw_different_random_numbers(self):
        snapshot = random.getstate()
        draws = []
        for _ in range(2):
            random.setstate(snapshot)  # what every restored instance starts from
            snapstart.run_after_restore(harness.instance().refresh_after_restore)
            draws.append([random.random() for _ in range(3)])
        self.assertNotEqual(draws[0], draws[1])

    def test_clients_and_tokens_made_at_init_are_replaced(self):
        harness.instance().s3_client()
        ds = harness.instance().site.datasette
        token = ds._root_token
        snapstart.run_after_restore(harness.instance().refresh_after_restore)
        self.assertIsNone(harness.instance().s3)  # made again, with fresh connections, on next use
        self.assertNotEqual(ds._root_token, token)
        self.assertEqual(len(ds._root_token), 64)

    def test_registered_callbacks_run_in_order_after_the_built_ins_even_if_one_fails(self):
        calls = []
        harness.instance().s3_client()

        def refresh():
            calls.append(("refresh", harness.instance().s3))
            harness.instance().refresh_after_restore()

        @snapstart.register_after_restore
        def check_live_data():
            calls.append(("live", harness.instance().s3))
            raise RuntimeError("live manifest unreachable")

        snapstart.register_after_restore(lambda: calls.append(("next", harness.instance().s3)))
        with captured_output() as out:
            snapstart.run_after_restore(refresh)
        self.assertEqual([name for name, _ in calls], ["refresh", "live", "next"])
        self.assertIsNone(calls[1][1])  # callbacks see the fresh state
        self.assertIn("after-restore callback failed (check_live_data)", out.getvalue())
        self.assertEqual(snapstart.after_restore_callbacks()[0], check_live_data)


# With live data, the restore hook downloads nothing: test_live_downloads.py, SnapStartRestore.


if __name__ == "__main__":
    unittest.main()
