"""Follow live/manifest.json: the databases published after the deploy (contract: live-data.md).

Runs inside requests, before they reach Datasette (Lambda freezes an instance between
requests, so a background thread would not run): follow() costs one clock read until a
check is due, every DATASETTE_LAMBDA_LIVE_SECONDS. A due check makes one conditional
GET; a changed manifest brings new or changed databases to /tmp (s3_databases.py:
sha256 verified, atomic rename), or with --in-place finds them on the S3 Files mount
(mount_files.py: never downloaded, never waited for), swaps them into the running Datasette
(served_databases.py) and releases what they replaced once no request uses it
(in_flight.py): connections closed, files no longer served deleted.

One check at a time: a request arriving while another checks does not wait, it is
served what is served now. A failed check, a bad manifest or a failed download logs one
line and keeps what was served; the manifest is not marked as followed, so the next due
check tries again.
"""

from __future__ import annotations

import functools
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
from datasette_lambda.databases.mount_files import LiveArrivals
from datasette_lambda.databases.s3_databases import DatabaseFetchError, ensure_local_copy
from datasette_lambda.databases.served_databases import Served, ServedDatabases
from datasette_lambda.live.manifest_check import ABSENT, UNCHANGED, ManifestCheck, ManifestCheckError, one_line

REPUBLISH = "Publish it again (datasette-lambda push)."

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
        mount: str | None = None,
        arrivals: LiveArrivals | None = None,
    ) -> None:
        """mount (--in-place): live databases are read on the S3 Files mount, never downloaded
        (arrivals: how a check finds them there; made from mount and clock when not given)."""
        self.served = served
        self.bucket = bucket
        self.client_factory = client_factory
        self.check = ManifestCheck(bucket, client_factory, interval, clock)
        self.temp_root = temp_root
        self.wall_clock = wall_clock
        self.in_flight = InFlight()
        self.arrivals = arrivals or (LiveArrivals(mount, clock=clock) if mount else None)
        self.checked_at: str | None = None  # when S3 last answered a check (ISO UTC)
        self._lock = threading.Lock()  # one check (and one release) at a time

    # -- in the request path ------------------------------------------------

    def follow(self) -> None:
        """Check the manifest if a check is due (and no other request is checking). Never raises."""
        if not self.check.due() or not self._lock.acquire(blocking=False):
            return
        try:
            self._check()
        except Exception as e:  # a bug must not cost the request; say what it was
            log.warning(
                "datasette-lambda: live data check failed (%s: %s); still serving what was served",
                type(e).__name__,
                one_line(e),
            )
        finally:
            self._lock.release()

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
        return {"manifestEtag": self.check.etag, "checkedAt": self.checked_at}

    # -- a due check --------------------------------------------------------

    def _check(self) -> None:
        try:
            outcome, body, etag = self.check.fetch()
        except ManifestCheckError as e:
            log.warning("datasette-lambda: live data: %s; still serving what was served", e)
            return
        self.checked_at = format_utc(self.wall_clock())
        if outcome == UNCHANGED:
            return
        if outcome == ABSENT:
            wanted = {}
        else:
            assert body is not None  # CHANGED comes with the manifest's bytes
            try:
                wanted = parse_live_manifest(body)
            except LiveManifestError as e:
                log.warning("datasette-lambda: live data: %s; still serving what was served", e)
                return
        if self._apply(wanted):
            self.check.followed(etag if outcome != ABSENT else None)

    def _apply(self, wanted: dict[str, dict[str, Any]]) -> bool:
        """Serve the wanted live databases; True if every one of them could be."""
        complete = True
        new_live = {}
        changes = []
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
            if self.arrivals is not None:
                # In place: served from the mount once S3 Files shows it; meanwhile what was served stays.
                found = self.arrivals.path_of(entry)
                if found is None or found == LiveArrivals.GAVE_UP:
                    complete = complete and found == LiveArrivals.GAVE_UP
                    if old is not None:
                        new_live[name] = old
                    continue
                new_live[name] = served_databases.live(entry, found)
                changes.append(f"{'replaced' if old or self.served.get(name) else 'added'} {name}")
                continue
            try:
                path = ensure_local_copy(entry, self.bucket, self.client_factory, self.temp_root, remedy=REPUBLISH)
            except (DatabaseFetchError, OSError) as e:
                complete = False
                serving = self.served.get(name)  # a previous live one, or a deployed one
                log.warning(
                    "datasette-lambda: live data: %s; still serving %s",
                    e,
                    f"the {'previous' if old else 'deployed'} {name}" if serving else f"without {name}",
                )
                if old is not None:
                    new_live[name] = old
                continue
            new_live[name] = served_databases.live(entry, path)
            changes.append(f"{'replaced' if old or self.served.get(name) else 'added'} {name}")
        for name in self.served.live:
            if name not in wanted:
                changes.append(f"removed {name}")
        if changes:
            for retired in self.served.replace_live(new_live):
                self.in_flight.retire(functools.partial(self._release, retired))
            for cross in self.served.take_retired_cross():
                self.in_flight.retire(cross.close)
            log.info("datasette-lambda: live data: %s", ", ".join(changes))
            self._release_unused()
        return complete

    # -- after a swap -------------------------------------------------------

    def _release_unused(self) -> None:
        """Close and delete what swaps replaced, once no request can use it (lock held)."""
        for release in self.in_flight.take_releasable():
            release()

    def _release(self, retired: Served) -> None:
        retired.database.close()
        # The same file may be served again by now (republished), or be a deployed one's;
        # on the mount (in place) it is the bucket's object, never ours to delete.
        if retired.path in self.served.paths_in_use() or self.arrivals is not None:
            return
        try:
            os.remove(retired.path)
            os.rmdir(os.path.dirname(retired.path))  # <sha256>/, if nothing else is in it
        except OSError:
            pass
