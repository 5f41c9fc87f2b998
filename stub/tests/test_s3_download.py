"""s3_download.py: parallel ranged downloads hashed while they arrive; partial files of a killed start."""

import errno
import hashlib
import os
import random
import tempfile
import threading
import time
import unittest
from unittest import mock

import harness  # noqa: F401  (first: sets up sys.path for the stub)
from harness import SESSION_DIR

from datasette_lambda.databases import s3_databases, s3_download
from moto_server import ModuleMoto

moto = ModuleMoto()  # one server for the module
setUpModule, tearDownModule = moto.module_hooks()


def temp_fd():
    fd, path = tempfile.mkstemp(dir=SESSION_DIR)
    return fd, path


class PrefixHasherTests(unittest.TestCase):
    def test_ranges_in_any_order_and_repeated_hash_as_the_file(self):
        data = random.Random(7).randbytes(1_000_003)
        fd, path = temp_fd()
        self.addCleanup(os.close, fd)
        hasher = s3_download.PrefixHasher(fd, len(data))
        writer = s3_download.OffsetWriter(fd, hasher)
        ranges = [(start, min(start + 65_536, len(data))) for start in range(0, len(data), 65_536)]
        order = ranges[:]
        random.Random(1).shuffle(order)
        order += ranges[3:6]  # a retried part writes its bytes again
        for start, end in order:
            writer.seek(start)
            self.assertEqual(writer.write(data[start:end]), end - start)
        self.assertEqual(hasher.hexdigest(), hashlib.sha256(data).hexdigest())
        self.assertEqual(hasher.hashed_bytes, len(data))

    def test_hashes_the_written_prefix_before_the_rest_arrives(self):
        data = random.Random(3).randbytes(400_000)
        fd, _ = temp_fd()
        self.addCleanup(os.close, fd)
        hasher = s3_download.PrefixHasher(fd, len(data))
        writer = s3_download.OffsetWriter(fd, hasher)
        writer.seek(300_000)
        writer.write(data[300_000:])  # beyond a gap: nothing to hash yet
        writer.seek(0)
        writer.write(data[:200_000])
        deadline = time.monotonic() + 10
        while hasher.hashed_bytes < 200_000 and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(hasher.hashed_bytes, 200_000)  # the prefix, while the gap is open
        writer.seek(200_000)
        writer.write(data[200_000:300_000])
        self.assertEqual(hasher.hexdigest(), hashlib.sha256(data).hexdigest())

    def test_a_gap_gives_the_digest_of_the_prefix_only(self):
        fd, _ = temp_fd()
        self.addCleanup(os.close, fd)
        hasher = s3_download.PrefixHasher(fd, 30)
        writer = s3_download.OffsetWriter(fd, hasher)
        writer.seek(20)
        writer.write(b"x" * 10)
        writer.seek(0)
        writer.write(b"y" * 10)
        self.assertEqual(hasher.hexdigest(), hashlib.sha256(b"y" * 10).hexdigest())
        self.assertEqual(hasher.hashed_bytes, 10)


class ParallelDownload(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s3 = moto.client()
        cls.s3.create_bucket(Bucket="downloads")
        cls.data = random.Random(11).randbytes(3 * 1024 * 1024 + 17)
        cls.s3.put_object(Bucket="downloads", Key="big.db", Body=cls.data)

    def download(self, **kwargs):
        fd, path = temp_fd()
        try:
            result = s3_download.download_verified(self.s3, "downloads", "big.db", fd, len(self.data), **kwargs)
        finally:
            os.close(fd)
        return result, path

    def test_many_ranges_at_once_give_the_object_and_its_sha256(self):
        ranges = []
        real_get = self.s3.get_object

        def get_object(**kwargs):
            ranges.append(kwargs.get("Range"))
            return real_get(**kwargs)

        progress = []
        with mock.patch.object(self.s3, "get_object", get_object):
            (digest, size), path = self.download(part_bytes=256 * 1024, concurrency=8, on_progress=progress.append)
        self.assertEqual(digest, hashlib.sha256(self.data).hexdigest())
        self.assertEqual(size, len(self.data))
        with open(path, "rb") as f:
            self.assertEqual(f.read(), self.data)
        self.assertEqual(len(ranges), 13)  # ranged GETs, not one stream
        self.assertTrue(all(r and r.startswith("bytes=") for r in ranges), ranges)
        self.assertEqual(sum(progress), len(self.data))

    def test_a_small_object_is_one_get(self):
        (digest, _), _ = self.download(part_bytes=8 * 1024 * 1024)
        self.assertEqual(digest, hashlib.sha256(self.data).hexdigest())

    def test_asked_to_stop_before_it_starts_it_requests_nothing(self):
        with mock.patch.object(self.s3, "get_object") as get_object:
            with self.assertRaises(s3_download.DownloadStopped) as raised:
                self.download(should_stop=lambda: "not wanted any more")
        self.assertEqual(str(raised.exception), "not wanted any more")
        get_object.assert_not_called()

    def test_stopped_part_way_the_ranges_not_yet_asked_for_never_are(self):
        # The first range arrives; the others wait until the download is told to stop, so it
        # cannot have finished first.
        ranges, stopping = [], threading.Event()
        real_get = self.s3.get_object

        def get_object(**kwargs):
            ranges.append(kwargs.get("Range"))
            if len(ranges) > 1:
                stopping.wait(30)
            return real_get(**kwargs)

        arrived = []

        def should_stop():
            if not arrived:
                return None
            stopping.set()
            return "it did not finish within 1 s of running time"

        with mock.patch.object(self.s3, "get_object", get_object), self.assertRaises(s3_download.DownloadStopped):
            self.download(part_bytes=256 * 1024, concurrency=4, on_progress=arrived.append, should_stop=should_stop)
        self.assertLess(len(ranges), 13)

    def test_a_missing_object_raises(self):
        fd, _ = temp_fd()
        self.addCleanup(os.close, fd)
        with self.assertRaises(Exception):  # noqa: B017  (any error will do: what matters is what it leaves)
            s3_download.download_verified(self.s3, "downloads", "nope.db", fd, 100)


class PartialFilesOfAKilledStart(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(dir=SESSION_DIR)
        self.database = {"name": "big", "fileName": "big.db", "sha256": "ab" * 32, "bytes": 10, "key": "db/x/big.db"}

    def test_partials_are_removed_and_verified_files_kept(self):
        directory = os.path.dirname(s3_databases.cached_path(self.database, self.tmp))
        os.makedirs(directory)
        for name, size in ((".partial-a1b2.tmp", 1000), (".partial-c3.tmp", 24), ("big.db", 10)):
            with open(os.path.join(directory, name), "wb") as f:
                f.write(b"\0" * size)
        self.assertEqual(s3_databases.remove_partial_downloads(self.tmp), 1024)
        self.assertEqual(os.listdir(directory), ["big.db"])
        self.assertEqual(s3_databases.remove_partial_downloads(self.tmp), 0)

    def test_nothing_to_remove_in_a_fresh_sandbox(self):
        self.assertEqual(s3_databases.remove_partial_downloads(self.tmp), 0)

    def test_a_stopped_download_leaves_no_partial_and_says_why(self):
        s3 = moto.client()
        s3.create_bucket(Bucket="stopped")
        s3.put_object(Bucket="stopped", Key="db/x/big.db", Body=b"0123456789")
        with self.assertRaises(s3_download.DownloadStopped) as raised:
            s3_databases.ensure_local_copy(self.database, "stopped", lambda: s3, self.tmp, should_stop=lambda: "why")
        self.assertEqual(str(raised.exception), "why")
        self.assertEqual(os.listdir(os.path.dirname(s3_databases.cached_path(self.database, self.tmp))), [])

    def test_no_space_left_is_explained_and_leaves_no_partial(self):
        s3 = moto.client()
        s3.create_bucket(Bucket="full")
        s3.put_object(Bucket="full", Key="db/x/big.db", Body=b"0123456789")

        def pwrite(fd, data, offset):
            raise OSError(errno.ENOSPC, "No space left on device")

        with mock.patch.object(s3_download.os, "pwrite", pwrite):
            with self.assertRaises(s3_databases.DatabaseFetchError) as raised:
                s3_databases.ensure_local_copy(self.database, "full", lambda: s3, self.tmp)
        self.assertIn("no space left", str(raised.exception))
        self.assertIn("EphemeralStorageSize", str(raised.exception))
        directory = os.path.dirname(s3_databases.cached_path(self.database, self.tmp))
        self.assertEqual(os.listdir(directory), [])


if __name__ == "__main__":
    unittest.main()
