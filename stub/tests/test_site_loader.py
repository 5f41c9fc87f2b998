"""site_loader.py on its own: when each step runs, what a waiting request gets, failures forgotten."""

import threading
import unittest

import harness  # noqa: F401  (first: sets up sys.path for the stub)

from datasette_lambda.start.site_loader import Loading, Preparation, SiteLoader


class Steps:
    """Fake prepare/fetch/assemble that record calls; fetch can be held at a gate."""

    def __init__(self, pending_bytes=0, fail=None):
        self.pending_bytes = pending_bytes
        self.fail = fail or {}
        self.calls = []
        self.gate = threading.Event()
        self.threads = []
        if not pending_bytes:
            self.gate.set()

    def prepare(self):
        self.calls.append("prepare")
        if self.fail.get("prepare"):
            raise RuntimeError("no manifest")
        return Preparation(pending_bytes=self.pending_bytes, cors=True)

    def fetch(self, preparation, progress):
        self.calls.append("fetch")
        self.threads.append(threading.current_thread().name)
        progress(self.pending_bytes // 4)
        self.gate.wait(10)
        if self.fail.pop("fetch", None):
            raise ConnectionError("S3 unreachable")
        return [("db", "/tmp/db.db")]

    def assemble(self, preparation, located):
        self.calls.append("assemble")
        self.threads.append(threading.current_thread().name)
        if self.fail.pop("assemble", None):
            raise ValueError("bad database")
        return ("site", located)

    def loader(self):
        return SiteLoader(self.prepare, self.fetch, self.assemble)


class NothingToDownload(unittest.TestCase):
    def test_start_builds_the_whole_site_at_once(self):
        steps = Steps()
        loader = steps.loader()
        loader.start(wait=0)
        self.assertEqual(steps.calls, ["prepare", "fetch", "assemble"])
        self.assertEqual(loader.site, ("site", [("db", "/tmp/db.db")]))
        self.assertIs(loader.get(0), loader.site)
        self.assertEqual(steps.calls, ["prepare", "fetch", "assemble"])  # built once
        self.assertEqual(set(loader.timings), {"prepare", "fetch", "assemble"})

    def test_a_failure_at_start_is_logged_and_the_next_get_starts_over(self):
        steps = Steps(fail={"assemble": True})
        loader = steps.loader()
        with self.assertLogs("datasette_lambda", "ERROR") as logs:
            loader.start(wait=0)
        self.assertIn("first request tries again", logs.output[0])
        self.assertIsNone(loader.site)
        self.assertEqual(loader.get(0)[0], "site")
        self.assertEqual(steps.calls, ["prepare", "fetch", "assemble", "prepare", "fetch", "assemble"])

    def test_a_failure_in_a_request_is_raised_once_never_kept(self):
        steps = Steps(fail={"prepare": True})
        loader = steps.loader()
        with self.assertRaises(RuntimeError):
            loader.get(0)
        steps.fail.clear()
        self.assertEqual(loader.get(0)[0], "site")


class Downloads(unittest.TestCase):
    def test_downloads_run_in_the_background_and_a_waiting_request_gets_loading(self):
        steps = Steps(pending_bytes=4000)
        loader = steps.loader()
        loader.start(wait=0.05)
        self.assertIsNone(loader.site)
        loading = loader.get(0.05)
        self.assertIsInstance(loading, Loading)
        self.assertEqual((loading.done_bytes, loading.total_bytes, loading.cors), (1000, 4000, True))
        self.assertEqual(steps.calls, ["prepare", "fetch"])  # one download, not one per request
        steps.gate.set()
        self.assertEqual(loader.get(5)[0], "site")
        fetch_thread, assemble_thread = steps.threads
        self.assertNotEqual(fetch_thread, threading.current_thread().name)
        self.assertEqual(assemble_thread, threading.current_thread().name)  # Datasette: main thread

    def test_init_waits_for_a_quick_download_and_assembles(self):
        steps = Steps(pending_bytes=10)
        steps.gate.set()
        loader = steps.loader()
        loader.start(wait=5)
        self.assertEqual(loader.site[0], "site")

    def test_a_failed_download_fails_the_waiting_request_then_starts_over(self):
        steps = Steps(pending_bytes=10, fail={"fetch": True})
        steps.gate.set()
        loader = steps.loader()
        with self.assertRaises(ConnectionError):
            loader.get(5)
        self.assertEqual(loader.get(5)[0], "site")
        self.assertEqual(steps.calls.count("fetch"), 2)

    def test_wait_none_waits_as_long_as_it_takes(self):
        steps = Steps(pending_bytes=10)
        loader = steps.loader()
        threading.Timer(0.2, steps.gate.set).start()
        self.assertEqual(loader.get(None)[0], "site")


if __name__ == "__main__":
    unittest.main()
