"""Download one S3 object fast: parallel ranged GETs, its sha256 computed while it arrives.

One GetObject streams at what a single TCP connection gives (in Lambda, tens of MB/s);
boto3's transfer manager (s3transfer) splits the object into ranges fetched by several
connections at once and writes each chunk at its offset. Ranges complete out of order,
but SHA-256 is sequential, so a hashing thread follows the *contiguous prefix* written so
far, reading it back (from the page cache) as soon as it grows. When the last range lands
only the tail after the last gap is left to hash, instead of the whole file after the
download (bench/s3-download.ts measures both).

A download may be stopped part-way (should_stop: live data's deadline, or a database no
longer published): the transfer is cancelled, its ranges end at their next chunk, and
DownloadStopped says why.
"""

import hashlib
import heapq
import os
import threading
from collections.abc import Callable
from typing import Any

# AWS's S3 guidelines: ranged GETs of 8 or 16 MB on concurrent connections. Ranges are
# fetched in order, MAX_CONCURRENCY at a time, so the written prefix (all the hasher can
# take in) grows wave by wave: smaller waves leave less to hash after the last byte.
PART_BYTES = 8 * 1024 * 1024
MAX_CONCURRENCY = 10
_HASH_READ = 4 * 1024 * 1024
# How often a download that may be stopped asks whether it should be.
STOP_POLL_SECONDS = 0.25


class DownloadStopped(Exception):
    """should_stop() asked for the download to end; the message is its reason."""


class PrefixHasher:
    """sha256 of a file whose byte ranges are written in any order (and maybe twice, when a
    range is retried): a thread hashes [0, frontier) as the written prefix grows."""

    def __init__(self, fd: int, size: int) -> None:
        self._fd = fd
        self._size = size
        self._frontier = 0  # every byte before it has been written
        self._pending: list[tuple[int, int]] = []  # heap of (start, end) written beyond the frontier
        self._hashed = 0
        self._digest = hashlib.sha256()
        self._failed: BaseException | None = None
        self._closed = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="sha256-prefix", daemon=True)
        self._thread.start()

    def wrote(self, start: int, end: int) -> None:
        with self._changed:
            if start <= self._frontier:
                self._frontier = max(self._frontier, end)
            else:
                heapq.heappush(self._pending, (start, end))
            while self._pending and self._pending[0][0] <= self._frontier:
                self._frontier = max(self._frontier, heapq.heappop(self._pending)[1])
            self._changed.notify()

    def _run(self) -> None:
        try:
            while True:
                with self._changed:
                    while self._frontier <= self._hashed and not self._closed:
                        self._changed.wait()
                    target = self._frontier
                    if target <= self._hashed:
                        return  # closed, nothing new
                while self._hashed < target:
                    chunk = os.pread(self._fd, min(_HASH_READ, target - self._hashed), self._hashed)
                    if not chunk:
                        raise OSError(f"short read at {self._hashed} while hashing")
                    self._digest.update(chunk)
                    self._hashed += len(chunk)
        except BaseException as e:  # reported by hexdigest()
            self._failed = e

    @property
    def hashed_bytes(self) -> int:
        return self._hashed

    def hexdigest(self) -> str:
        """Wait for the hashing thread to take in everything written; the digest of the prefix."""
        self.close()
        if self._failed is not None:
            raise self._failed
        return self._digest.hexdigest()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify()
        self._thread.join()


class OffsetWriter:
    """The seekable file object s3transfer writes ranges into (seek, then write), with each
    write reported to a PrefixHasher. pwrite(): no buffer, so the hasher reads what was written."""

    def __init__(self, fd: int, hasher: PrefixHasher) -> None:
        self._fd = fd
        self._hasher = hasher
        self._position = 0

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            self._position = offset
        elif whence == os.SEEK_CUR:
            self._position += offset
        else:
            raise ValueError("seek from the end is not supported")
        return self._position

    def tell(self) -> int:
        return self._position

    def write(self, data: bytes | bytearray | memoryview) -> int:
        view = memoryview(data)
        start = self._position
        while view:
            written = os.pwrite(self._fd, view, self._position)
            self._position += written
            view = view[written:]
        self._hasher.wrote(start, self._position)
        return self._position - start


class _Progress:
    """s3transfer subscriber: the manifest's size is the transfer's, progress goes to a callback,
    and `done` is set when the transfer ends, however it ends. (Recent s3transfer still makes a
    HeadObject, for the ETag it pins every range to.)"""

    def __init__(self, size: int, on_progress: Callable[[int], None] | None) -> None:
        from s3transfer.subscribers import BaseSubscriber

        size_known, report = size, on_progress
        done = self.done = threading.Event()

        class Subscriber(BaseSubscriber):
            def on_queued(self, future: Any, **kwargs: Any) -> None:
                future.meta.provide_transfer_size(size_known)

            def on_progress(self, future: Any, bytes_transferred: int, **kwargs: Any) -> None:
                if report is not None:
                    report(bytes_transferred)

            def on_done(self, future: Any, **kwargs: Any) -> None:
                done.set()

        self.subscriber = Subscriber()


def download_verified(
    client: Any,
    bucket: str,
    key: str,
    fd: int,
    size: int,
    on_progress: Callable[[int], None] | None = None,
    part_bytes: int = PART_BYTES,
    concurrency: int = MAX_CONCURRENCY,
    should_stop: Callable[[], str | None] | None = None,
) -> tuple[str, int]:
    """Download s3://bucket/key (size bytes) into fd, a file descriptor open for reading and
    writing (the hasher reads back what was written), e.g. from tempfile.mkstemp().

    Returns (sha256 hex digest, bytes written). on_progress(n) is called as n more bytes
    arrive (from the transfer's threads). should_stop(), asked before the download and every
    STOP_POLL_SECONDS during it, returns why to stop, or None; the transfer is then cancelled
    and DownloadStopped raised once none of its ranges writes any more (fd may be closed
    then). Raises what the transfer raised (botocore errors, OSError such as ENOSPC).
    """
    from boto3.s3.transfer import TransferConfig, create_transfer_manager

    config = TransferConfig(
        multipart_threshold=part_bytes,
        multipart_chunksize=part_bytes,
        max_concurrency=concurrency,
        use_threads=True,
    )
    if should_stop is not None and (reason := should_stop()):
        raise DownloadStopped(reason)
    hasher = PrefixHasher(fd, size)
    writer = OffsetWriter(fd, hasher)
    progress = _Progress(size, on_progress)
    try:
        # Leaving the block on an exception cancels the transfer and waits for its ranges.
        with create_transfer_manager(client, config) as manager:
            future = manager.download(bucket, key, writer, subscribers=[progress.subscriber])
            if should_stop is not None:
                while not progress.done.wait(STOP_POLL_SECONDS):
                    if reason := should_stop():
                        future.cancel()
                        raise DownloadStopped(reason)
            future.result()
    except BaseException:
        hasher.close()
        raise
    return hasher.hexdigest(), hasher.hashed_bytes
