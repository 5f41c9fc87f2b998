"""A WAL-mode database must open from a read-only task root (Lambda's /var/task)."""

import ctypes
import json
import os
import subprocess
import sys
import unittest

from harness import CODE_DIR, LAYER_DIR, TESTS_DIR, make_task_root

import pytest

# The built code and layer open a WAL database from a read-only task root, as in /var/task.
pytestmark = pytest.mark.layer

# Linux capabilities that let root ignore file permissions.
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER = 1, 2, 3
_PR_CAPBSET_DROP = 24


def _drop_permission_overrides():
    """In the child before exec: as root, give up the capabilities that bypass file modes."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _set_read_only(root, read_only):
    for directory, _dirs, files in os.walk(root):
        os.chmod(directory, 0o555 if read_only else 0o755)
        for name in files:
            os.chmod(os.path.join(directory, name), 0o444 if read_only else 0o644)


class ReadOnlyTaskRoot(unittest.TestCase):
    def test_wal_database_opens_immutable_from_a_read_only_directory(self):
        task_root = make_task_root()
        db_file = os.path.join(task_root.path, "databases", "fixtures.db")
        with open(db_file, "rb") as f:
            header = f.read(20)
        self.assertEqual(header[18:20], b"\x02\x02", "fixtures.db must be in WAL mode for this test")

        _set_read_only(task_root.path, True)
        try:
            args = [sys.executable, os.path.join(TESTS_DIR, "readonly_probe.py"), CODE_DIR, task_root.path]
            if LAYER_DIR:
                args.append(LAYER_DIR)
            child = subprocess.run(
                args,
                preexec_fn=_drop_permission_overrides,
                capture_output=True,
                text=True,
                timeout=60,
            )
        finally:
            _set_read_only(task_root.path, False)
        self.assertEqual(child.returncode, 0, child.stderr[-3000:])
        report = json.loads(child.stdout.strip().splitlines()[-1])
        if report["task_root_writable"]:
            self.skipTest("cannot make a directory read-only here (no capability to drop?)")
        # The trap is real: opened read-only but not immutable, the WAL database fails...
        self.assertTrue(report["mode_ro"].startswith("error"), report)
        # ...and the stub, opening it immutable, serves it and writes nothing beside it.
        self.assertEqual(report["status"], 200, report)
        self.assertEqual(report["rows"], 25)
        self.assertEqual(report["files_after"], ["fixtures.db"])


if __name__ == "__main__":
    unittest.main()
