"""Live databases downloaded in a thread of their own, one at a time, never inside a request.

live_data.py says which databases it wants (want()). The thread takes them in turn:
checks that the database has room in /tmp (tmp_space.py), then downloads it the way the
cold start does (s3_databases.ensure_local_copy: parallel ranged GETs, sha256 verified,
an atomic rename into the /tmp cache) within a deadline of running time
(running_deadline.py). It never touches what is served: each result waits in
take_finished() for a request to apply it. Lambda freezes an instance between requests,
so this thread runs only while requests do: a download started by one request goes on
during the following ones, and one of them swaps it in.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from datasette_lambda.databases.s3_databases import DatabaseFetchError, ensure_local_copy
from datasette_lambda.databases.s3_download import DownloadStopped
from datasette_lambda.databases.tmp_space import NO_ROOM_NOW, TOO_BIG, megabytes, room_for
from datasette_lambda.live.download_policy import DownloadPolicy
from datasette_lambda.live.manifest_check import one_line
from datasette_lambda.live.running_deadline import RunningDeadline

log = logging.getLogger("datasette_lambda")

# What became of a database the thread was asked for.
DOWNLOADED = "downloaded"
FAILED = "failed"  # try again later
REFUSED = "refused"  # cannot fit /tmp: never on this instance
DROPPED = "dropped"  # no longer wanted (a newer manifest): nothing to say

NO_LONGER_WANTED = "it is no longer published"
REPUBLISH = "Publish it again (datasette-lambda push)."


def key_of(entry: dict[str, Any]) -> tuple[str, str]:
    return entry["name"], entry["sha256"]


@dataclass(frozen=True)
class Finished:
    entry: dict[str, Any]  # the live manifest's entry (contract/live_manifest.py)
    outcome: str
    path: str | None = None  # DOWNLOADED: the verified file
    reason: str | None = None  # FAILED, REFUSED: one line for the log


class BackgroundDownloads:
    def __init__(
        self,
        bucket: str,
        client_factory: Callable[[], Any],
        policy: DownloadPolicy,
        deployed_s3_bytes: int = 0,
        temp_root: str | None = None,
    ) -> None:
        """deployed_s3_bytes: what the deployed databases kept in S3 take of /tmp for good."""
        self.bucket = bucket
        self.client_factory = client_factory
        self.policy = policy
        self.deployed_s3_bytes = deployed_s3_bytes
        self.temp_root = temp_root
        self.news = threading.Event()  # set when a result is waiting in take_finished()
        self._lock = threading.Lock()
        self._queue: list[dict[str, Any]] = []
        self._wanted: set[tuple[str, str]] = set()
        self._current: dict[str, Any] | None = None
        self._finished: list[Finished] = []
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()
        self._batch_done = 0  # bytes, since the thread last started: the loading page's progress
        self._batch_total = 0

    # -- asked from requests ------------------------------------------------

    def want(self, entries: Sequence[dict[str, Any]]) -> None:
        """Download these, in this order, and nothing else: queued ones not listed are dropped,
        and the download in progress stops if it is not listed. One whose result is still to
        be taken is not queued again (its failure must be counted first)."""
        with self._lock:
            self._wanted = {key_of(e) for e in entries}
            untaken = {key_of(f.entry) for f in self._finished}
            current = key_of(self._current) if self._current else None
            self._queue = [e for e in entries if key_of(e) not in untaken and key_of(e) != current]
            if self._queue and self._thread is None:
                self._batch_done, self._batch_total = 0, 0
                self._idle.clear()
                self._thread = threading.Thread(target=self._run, name="datasette-lambda-live-download", daemon=True)
                self._thread.start()
            self._batch_total = self._batch_done + sum(e["bytes"] for e in self._queue)
            if self._current is not None:
                self._batch_total += self._current["bytes"]

    def take_finished(self) -> list[Finished]:
        with self._lock:
            finished, self._finished = self._finished, []
            return finished

    def busy(self) -> bool:
        """A download runs or waits, or a result waits to be taken."""
        with self._lock:
            return self._thread is not None or bool(self._finished)

    def wait_idle(self, timeout: float | None) -> bool:
        """Wait (up to timeout seconds; None: as long as it takes) for the queue to empty."""
        return self._idle.wait(timeout)

    def progress(self) -> tuple[int, int]:
        """(bytes done, bytes in all) of the downloads since the thread last started."""
        with self._lock:
            return self._batch_done, self._batch_total

    # -- the thread ---------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._current, self._thread = None, None
                    self._idle.set()
                    return
                entry = self._current = self._queue.pop(0)
            finished = self._download(entry)
            with self._lock:
                self._current = None
                self._finished.append(finished)
            self.news.set()

    def _progress(self, n: int) -> None:
        with self._lock:
            self._batch_done += n

    def _download(self, entry: dict[str, Any]) -> Finished:
        name, size = entry["name"], entry["bytes"]
        root = self.temp_root or tempfile.gettempdir()
        tmp_bytes, free = self.policy.tmp_usage(root)
        room = room_for(size, tmp_bytes, self.deployed_s3_bytes, free)
        if room == TOO_BIG:
            return Finished(
                entry,
                REFUSED,
                reason=f"database {name!r} ({megabytes(size)}) cannot fit in /tmp ({megabytes(tmp_bytes)}, "
                f"{megabytes(self.deployed_s3_bytes)} of it for deployed databases): not downloaded",
            )
        if room == NO_ROOM_NOW:
            return Finished(
                entry,
                FAILED,
                reason=f"no room in /tmp for database {name!r} ({megabytes(size)}, {megabytes(free)} free): "
                "not downloaded",
            )
        deadline = RunningDeadline(self.policy.deadline_seconds(size), self.policy.running_clock)

        def should_stop() -> str | None:
            if key_of(entry) not in self._wanted:
                return NO_LONGER_WANTED
            if deadline.expired():
                return f"it did not finish within {deadline.seconds:.0f} s of running time"
            return None

        log.info("datasette-lambda: live data: downloading %s (%s) in the background", name, megabytes(size))
        try:
            path = ensure_local_copy(
                entry, self.bucket, self.client_factory, self.temp_root, self._progress, REPUBLISH, should_stop
            )
        except DownloadStopped as e:
            if str(e) == NO_LONGER_WANTED:
                return Finished(entry, DROPPED)
            return Finished(entry, FAILED, reason=f"the download of database {name!r} stopped: {e}")
        except (DatabaseFetchError, OSError) as e:  # our own one-line messages, and the file system's
            return Finished(entry, FAILED, reason=" ".join(str(e).split()))
        except Exception as e:  # a bug must not end the thread unseen; say what it was
            return Finished(
                entry, FAILED, reason=f"downloading database {name!r} failed ({type(e).__name__}: {one_line(e)})"
            )
        return Finished(entry, DOWNLOADED, path=path)
