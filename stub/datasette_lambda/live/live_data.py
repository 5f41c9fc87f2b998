"""Follow live/manifest.json: the databases published after the deploy (contract: live-data.md).

Runs inside requests, before they reach Datasette: follow() costs a clock read and a flag
test until a check is due (every DATASETTE_LAMBDA_LIVE_SECONDS) or a download has ended.
A due check makes one conditional GET (manifest_check.py); what the manifest wants is
then set against what is served:
- the same file: kept, with its details (data as of, key) updated;
- a file already verified in /tmp: swapped in at once (served_databases.py); what it
  replaced is released once no request uses it (in_flight.py);
- a file still to download: handed to the download thread (background_downloads.py),
  while requests go on being served the previous version (or the deployed database of
  its name, or nothing under that name). A later request swaps it in, once the file is
  complete and verified. No request ever waits for a download;
- gone from the manifest: removed.
A download that fails or outlasts its deadline logs one line and is tried again at a
later check, backing off (retry_backoff.py); one that cannot fit /tmp logs one line and
is not tried again on this instance.

An entry of the manifest that cannot be served (contract/live_manifest.py: a bad name, a
missing field...) logs one line naming it and is skipped, keeping what was served under its
name; the others are followed.

One request does this at a time: one arriving meanwhile is served what is served now.
`ready` turns true once the downloads of the first check have ended; until then the
instance answers "loading" (instance.py), as it does while a cold start fetches the
deployed databases.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from datasette_lambda.contract.live_manifest import LiveManifestError, parse_live_manifest
from datasette_lambda.contract.timestamps import format_utc
from datasette_lambda.databases import served_databases
from datasette_lambda.databases.in_flight import InFlight
from datasette_lambda.databases.s3_databases import cached_path
from datasette_lambda.databases.served_databases import Served, ServedDatabases
from datasette_lambda.live.background_downloads import (
    DOWNLOADED,
    DROPPED,
    REFUSED,
    BackgroundDownloads,
    Finished,
    key_of,
)
from datasette_lambda.live.download_policy import DownloadPolicy
from datasette_lambda.live.manifest_check import ABSENT, UNCHANGED, ManifestCheck, ManifestCheckError, one_line
from datasette_lambda.live.retry_backoff import Backoff

TOO_BIG_REMEDY = (
    "deploy it with update-stack instead (it sizes /tmp for the databases it deploys), or publish a smaller one"
)

log = logging.getLogger("datasette_lambda")


class LiveData:
    def __init__(
        self,
        served: ServedDatabases,
        bucket: str,
        client_factory: Callable[[], Any],
        interval: float,
        temp_root: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        policy: DownloadPolicy | None = None,
        deployed_s3_bytes: int = 0,
    ) -> None:
        """clock schedules checks and retries; policy bounds and spaces downloads;
        deployed_s3_bytes is what the deployed databases kept in S3 take of /tmp."""
        self.served = served
        self.check = ManifestCheck(bucket, client_factory, interval, clock)
        self.clock = clock
        self.temp_root = temp_root
        self.wall_clock = wall_clock
        policy = policy or DownloadPolicy()
        self.downloads = BackgroundDownloads(bucket, client_factory, policy, deployed_s3_bytes, temp_root)
        self.backoff = Backoff(policy)
        self.in_flight = InFlight()
        self.checked_at: str | None = None  # when S3 last answered a check (ISO UTC)
        self.wanted: dict[str, dict[str, Any]] | None = None  # the manifest's databases as last read
        self.skipped: set[str] = set()  # the names of its entries that cannot be served
        self.followed_etag: str | None = None  # of the manifest served in full
        self._wanted_etag: str | None = None
        self._checked = False  # the first check was made (whatever it found)
        self._ready = False
        self._lock = threading.Lock()  # one follow (and one release) at a time

    # -- in the request path ------------------------------------------------

    def follow(self) -> None:
        """Check the manifest if a check is due, swap in what has finished downloading. Never
        waits, never raises."""
        if not (self.downloads.news.is_set() or self.check.due()) or not self._lock.acquire(blocking=False):
            return
        try:
            self._follow()
        finally:
            self._lock.release()

    @property
    def ready(self) -> bool:
        """The first check's downloads have ended (well or not)."""
        return self._ready

    def wait_ready(self, timeout: float | None) -> bool:
        """Wait up to timeout seconds (None: as long as it takes) until ready, swapping in what
        the first check downloads. Only while a new instance starts (its init phase, and its
        first requests up to their patience, as for the deployed databases): once it is
        ready, no request waits for a download."""
        end = None if timeout is None else time.monotonic() + timeout
        while not self._ready:
            if self.downloads.wait_idle(0):  # ended: swap in what they brought (maybe starting more)
                with self._lock:
                    self._follow()
                if not self._ready and self.downloads.wait_idle(0):
                    self._ready = True  # nothing runs and waiting brings nothing: serve what there is (logged)
                continue
            left = None if end is None else end - time.monotonic()
            if left is not None and left <= 0:
                return False
            self.downloads.wait_idle(left)
        return True

    def progress(self) -> tuple[int, int]:
        """(bytes done, bytes in all) of the downloads running: the loading page's progress."""
        return self.downloads.progress()

    def request_started(self) -> int:
        return self.in_flight.started()

    def request_finished(self, generation: int) -> None:
        self.in_flight.finished(generation)
        if self.in_flight.has_retired() and self._lock.acquire(blocking=False):
            try:
                self._release_unused()
            finally:
                self._lock.release()

    def status(self) -> dict[str, str | None]:
        return {"manifestEtag": self.followed_etag, "checkedAt": self.checked_at}

    def after_restore(self) -> None:
        """SnapStart: check at the next request, whatever the snapshot's schedule said, and
        try every download again (the restored clock is not the snapshot's). Nothing else:
        the restore must stay quick, and the next request follows the manifest as any does."""
        self.check.check_now()
        self.backoff.clear()

    # -- a check, and what it finds ----------------------------------------------

    def _follow(self) -> None:
        """With the lock held."""
        try:
            if self.check.due() or not self._checked:
                self._check()
            self.downloads.news.clear()  # before taking the results: a later one sets it again
            if self.wanted is not None:
                self._reconcile()
        except Exception as e:  # a bug must not cost the request; say what it was
            log.warning(
                "datasette-lambda: live data check failed (%s: %s); still serving what was served",
                type(e).__name__,
                one_line(e),
            )
        if self._checked and not self.downloads.busy():
            self._ready = True

    def _check(self) -> None:
        try:
            outcome, body, etag = self.check.fetch()
        except ManifestCheckError as e:
            log.warning("datasette-lambda: live data: %s; still serving what was served", e)
            return
        finally:
            self._checked = True
        self.checked_at = format_utc(self.wall_clock())
        if outcome == UNCHANGED:
            if self.wanted is None:  # no manifest published yet
                self.wanted = {}
            return
        problems: list[tuple[str, str]] = []
        if outcome == ABSENT:
            wanted: dict[str, dict[str, Any]] = {}
            etag = None
        else:
            assert body is not None  # CHANGED comes with the manifest's bytes
            try:
                wanted, problems = parse_live_manifest(body, [s.name for s in self.served.deployed_entries()])
            except LiveManifestError as e:
                log.warning("datasette-lambda: live data: %s; still serving what was served", e)
                return
        self.skipped = self._skip(problems)
        self.wanted, self._wanted_etag = wanted, etag
        self.check.read(etag)

    def _skip(self, problems: list[tuple[str, str]]) -> set[str]:
        """One line per entry that cannot be served; the names whose previous version stays."""
        for name, reason in problems:
            log.warning(
                "datasette-lambda: live data: skipped the entry %s of live/manifest.json: %s; %s",
                json.dumps(name, ensure_ascii=False),
                reason,
                f"still serving the previous {name}" if name in self.served.live else "serving the others",
            )
        return {name for name, _ in problems}

    def _reconcile(self) -> None:
        """Serve what self.wanted names as far as it is downloaded; download the rest."""
        wanted = self.wanted or {}
        now = self.clock()
        self.backoff.keep_only({key_of(entry) for entry in wanted.values()})
        for finished in self.downloads.take_finished():
            self._note(finished, now)
        # A skipped name keeps its previous version, as one still downloading does.
        new_live: dict[str, Served] = {
            name: self.served.live[name] for name in self.skipped if name in self.served.live
        }
        changes, to_download = [], []
        for name, entry in wanted.items():
            old = self.served.live.get(name)
            if old is not None and old.sha256 == entry["sha256"]:
                # The same file: same Database object and connections, no download.
                if (old.data_as_of, old.key) == (entry["dataAsOf"], entry["key"]):
                    new_live[name] = old
                else:
                    new_live[name] = served_databases.live(entry, old.path, old.database)
                    changes.append(f"updated {name}")
                continue
            path = cached_path(entry, self.temp_root)
            if os.path.exists(path):  # only a complete, verified file gets this name
                new_live[name] = served_databases.live(entry, path)
                changes.append(f"{'replaced' if old or self.served.get(name) else 'added'} {name}")
                continue
            if old is not None:
                new_live[name] = old  # served until its new version is in
            if self.backoff.may_try(key_of(entry), now):
                to_download.append(entry)
        changes += [f"removed {name}" for name in self.served.live if name not in new_live and name not in wanted]
        if changes:
            for retired in self.served.replace_live(new_live):
                self.in_flight.retire(functools.partial(self._release, retired))
            for cross in self.served.take_retired_cross():
                self.in_flight.retire(cross.close)
            log.info("datasette-lambda: live data: %s", ", ".join(changes))
            self._release_unused()
        # Smallest first: a small database is never kept waiting behind a big one.
        self.downloads.want(sorted(to_download, key=lambda entry: (entry["bytes"], entry["name"])))
        if all(name in new_live and new_live[name].sha256 == e["sha256"] for name, e in wanted.items()):
            self.followed_etag = self._wanted_etag

    def _note(self, finished: Finished, now: float) -> None:
        """Count and log how a download ended (a success is logged by the swap)."""
        entry = finished.entry
        name = entry["name"]
        if (self.wanted or {}).get(name, {}).get("sha256") != entry["sha256"]:
            # No longer published in that version (a newer manifest came meanwhile): nothing to
            # say, and nothing to keep.
            if finished.path is not None and finished.path not in self.served.paths_in_use():
                _remove_file_and_directory(finished.path)
            return
        if finished.outcome == DROPPED:
            return
        if finished.outcome == DOWNLOADED:
            self.backoff.succeeded(key_of(entry))
        elif finished.outcome == REFUSED:
            self.backoff.refused(key_of(entry))
            log.warning(
                "datasette-lambda: live data: %s; still serving %s; %s",
                finished.reason,
                self._serving(name),
                TOO_BIG_REMEDY,
            )
        else:
            delay = self.backoff.failed(key_of(entry), now)
            log.warning(
                "datasette-lambda: live data: %s; still serving %s; trying again in %.0f s",
                finished.reason,
                self._serving(name),
                delay,
            )

    def _serving(self, name: str) -> str:
        if name in self.served.live:
            return f"the previous {name}"
        return f"the deployed {name}" if self.served.get(name) else f"without {name}"

    # -- after a swap -------------------------------------------------------

    def _release_unused(self) -> None:
        """Close and delete what swaps replaced, once no request can use it (lock held)."""
        for release in self.in_flight.take_releasable():
            release()

    def _release(self, retired: Served) -> None:
        retired.database.close()
        # The same file may be served again by now (republished), or be a deployed one's.
        if retired.path in self.served.paths_in_use():
            return
        _remove_file_and_directory(retired.path)


def _remove_file_and_directory(path: str) -> None:
    try:
        os.remove(path)
        os.rmdir(os.path.dirname(path))  # <sha256>/, if nothing else is in it
    except OSError:
        pass
