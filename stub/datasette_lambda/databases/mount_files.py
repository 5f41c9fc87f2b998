"""Databases read in place (--in-place): from the S3 Files mount of the site's bucket, never downloaded.

The function mounts the whole bucket (DATASETTE_LAMBDA_MOUNT, e.g. /mnt/bucket), so an S3
database's file is the mount joined with its key: db/<sha256>/<file> for a deployed one,
live/db/<sha256>/<name>.db for a live one. Keys are content-addressed and never
overwritten, so a file that is there is the right one: its size is checked against the
manifest, never its sha256 (hashing would read the whole file, which is what serving in
place avoids).

S3 Files shows an object some time after it is written to the bucket ("typically within
seconds", sometimes a minute or more), so a database may not be there yet: a new
deployment's, or a live one just pushed. wait_for_mount_file() polls for it, backing off,
logging every few seconds, and gives up at a deadline with an error naming the key.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any

from datasette_lambda.databases.s3_databases import DatabaseFetchError

log = logging.getLogger("datasette_lambda")

# A deployed database missing from the mount this long after the instance started is an
# error (the site answers "could not start", and the next request tries again).
DEPLOYED_WAIT_SECONDS = 120.0
# A live database not on the mount this long after a live check first wanted it gets one
# warning: S3 Files never shows some objects (odd key names: its ImportFailures metric).
# Checks never wait for it, and keep looking.
LIVE_WAIT_SECONDS = 300.0
FIRST_POLL_SECONDS = 0.2
MAX_POLL_SECONDS = 2.0
LOG_EVERY_SECONDS = 5.0


class MountWaitError(DatabaseFetchError):
    """A database did not appear on the mount (or not at its size) in time."""


def mount_path(mount: str, key: str) -> str:
    """Where the object `key` is on the mount; refuses keys that would leave it."""
    parts = key.split("/")
    if key.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise DatabaseFetchError(f"database key {key!r} is not a plain path under the bucket")
    return os.path.join(mount, *parts)


def check_mount(mount: str, is_dir: Callable[[str], bool] = os.path.isdir) -> None:
    """Lambda mounts the file system before the function starts: no directory is a misconfiguration."""
    if not is_dir(mount):
        raise DatabaseFetchError(
            f"DATASETTE_LAMBDA_MOUNT is {mount}, but nothing is mounted there: "
            "redeploy with datasette-lambda update-stack --in-place (the function's FileSystemConfigs)"
        )


def size_on_mount(path: str, stat: Callable[[str], Any] = os.stat) -> int | None:
    """The file's size, or None when it is not (yet) there."""
    try:
        return int(stat(path).st_size)
    except FileNotFoundError:
        return None


def is_ready(path: str, expected_bytes: int, stat: Callable[[str], Any] = os.stat) -> bool:
    return size_on_mount(path, stat) == expected_bytes


def wait_for_mount_file(
    path: str,
    key: str,
    expected_bytes: int,
    deadline_seconds: float,
    *,
    stat: Callable[[str], Any] = os.stat,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    log_every: float = LOG_EVERY_SECONDS,
) -> str:
    """Returns path once the file is there at its expected size; MountWaitError after deadline_seconds.

    Polls every 0.2 s, doubling up to 2 s, and logs one line every log_every seconds
    while it waits (none when the file is there at once).
    """
    started = clock()
    interval = FIRST_POLL_SECONDS
    next_log = started
    while True:
        size = size_on_mount(path, stat)
        if size == expected_bytes:
            waited = clock() - started
            if waited > 0 and next_log > started:
                log.info("datasette-lambda: %s appeared on the S3 Files mount after %.0f s", key, waited)
            return path
        now = clock()
        waited = now - started
        if waited >= deadline_seconds:
            seen = "is not there" if size is None else f"has {size} bytes (the manifest says {expected_bytes})"
            raise MountWaitError(
                f"database file {key} {seen} on the S3 Files mount after {waited:.0f} s "
                "(S3 Files shows new objects within seconds, at worst minutes; is the object in the bucket?)"
            )
        if now >= next_log:
            log.info("datasette-lambda: waiting for %s on the S3 Files mount (%.0f s)", key, waited)
            next_log = now + log_every
        sleep(min(interval, max(0.0, deadline_seconds - waited)))
        interval = min(MAX_POLL_SECONDS, interval * 2)


class LiveArrivals:
    """Live databases (live/live_data.py) as S3 Files shows them: a check looks, never waits.

    path_of(entry) is the file once it is on the mount at its size, else None: the check
    keeps serving what it served and looks again at its next check (a stat; the manifest is
    not fetched again for it). Logged once when first missed and once when it appears; a
    warning, once, if it is still missing after wait_seconds.
    """

    def __init__(
        self,
        mount: str,
        wait_seconds: float = LIVE_WAIT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        stat: Callable[[str], Any] = os.stat,
    ) -> None:
        self.mount = mount
        self.wait_seconds = wait_seconds
        self.clock = clock
        self.stat = stat
        self._missed: dict[str, float] = {}  # key -> when a check first missed it
        self._warned: set[str] = set()

    def path_of(self, entry: dict[str, Any]) -> str | None:
        """The entry's file on the mount, or None while S3 Files does not show it (at its size)."""
        key = entry["key"]
        path = mount_path(self.mount, key)
        now = self.clock()
        if is_ready(path, entry["bytes"], self.stat):
            missed = self._missed.pop(key, None)
            self._warned.discard(key)
            if missed is not None:
                waited = now - missed
                log.info("datasette-lambda: live data: %s appeared on the S3 Files mount after %.0f s", key, waited)
            return path
        missed = self._missed.setdefault(key, now)
        if missed == now:
            log.info(
                "datasette-lambda: live data: %s (%s) is not on the S3 Files mount yet; serving the rest, "
                "looking again at each check",
                entry["name"],
                key,
            )
        elif now - missed >= self.wait_seconds and key not in self._warned:
            self._warned.add(key)
            log.warning(
                "datasette-lambda: live data: %s (%s) is still not on the S3 Files mount after %.0f s "
                "(is the object in the bucket, under a name S3 Files can show?); still looking at each check",
                entry["name"],
                key,
                now - missed,
            )
        return None

    def forget(self, keys: set[str]) -> None:
        """Stop remembering misses of databases no longer wanted."""
        for key in list(self._missed):
            if key not in keys:
                del self._missed[key]
                self._warned.discard(key)
