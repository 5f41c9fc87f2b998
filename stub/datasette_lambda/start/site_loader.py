"""One Lambda instance's site: started in the init phase, finished once its databases are local.

Three steps, injected by the handler (so that this module decides only *when* they run):
- prepare(): cheap, always synchronous (read the manifest, tidy /tmp); says how many bytes
  of S3 databases must be downloaded first;
- fetch(preparation, progress): find every database file, downloading the S3 ones not yet
  in /tmp. With nothing to download it runs at once; otherwise in a background thread, so
  the download overlaps the rest of the init phase and survives the requests that wait
  for it (Lambda freezes the thread between requests and thaws it with the next one);
- assemble(preparation, located): build Datasette and run its start-up; main thread only.

get(wait) returns the site, or a Loading (how far the downloads are) when they are still
running after `wait` seconds: the handler then answers "loading, retry shortly" instead of
keeping the visitor until a timeout. A failure is raised once, to the request that was
waiting for that attempt (or, for a failure in the init phase, retried by the next
request), and never kept: the next get() starts over, so a transient S3 error heals.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("datasette_lambda")


class Loading:
    """The site is not ready: its S3 databases are still downloading."""

    def __init__(self, done_bytes: int, total_bytes: int, cors: bool = False) -> None:
        self.done_bytes = done_bytes
        self.total_bytes = total_bytes
        self.cors = cors


class Preparation:
    """What prepare() found: the site's description and the bytes still to download."""

    def __init__(self, pending_bytes: int = 0, cors: bool = False, **details: Any) -> None:
        self.pending_bytes = pending_bytes
        self.cors = cors
        self.details = details


# What the loader runs, injected (site_assembly.py): what fetch locates and assemble makes
# are the caller's business, passed along as they are.
Prepare = Callable[[], Preparation]
Fetch = Callable[[Preparation, Callable[[int], None]], Any]
Assemble = Callable[[Preparation, Any], Any]


class _Attempt:
    def __init__(self, preparation: Preparation) -> None:
        self.preparation = preparation
        self.done = threading.Event()
        self.located: Any = None
        self.error: BaseException | None = None
        self.fetch_seconds: float | None = None
        self._downloaded = 0
        self._lock = threading.Lock()

    def progress(self, n: int) -> None:
        with self._lock:
            self._downloaded += n

    @property
    def downloaded(self) -> int:
        with self._lock:
            return self._downloaded

    def fetch(self, fetch: Fetch) -> None:
        started = time.monotonic()
        try:
            self.located = fetch(self.preparation, self.progress)
        except BaseException as e:  # reported to whoever waits; a thread must not die silently
            self.error = e
        finally:
            self.fetch_seconds = time.monotonic() - started
            self.done.set()


class SiteLoader:
    def __init__(self, prepare: Prepare, fetch: Fetch, assemble: Assemble) -> None:
        self._prepare = prepare
        self._fetch = fetch
        self._assemble = assemble
        self._attempt: _Attempt | None = None
        self.site: Any = None
        self.timings: dict[str, float | None] = {}

    def start(self, wait: float | None = 0.0) -> None:
        """Begin in the init phase; wait up to `wait` seconds for downloads to finish (and then
        assemble the site). Never raises: a failure is logged and the next get() starts over."""
        try:
            self.get(wait)
        except Exception:
            log.exception("datasette-lambda: the site could not start in the init phase; the first request tries again")

    def get(self, wait: float | None = None) -> Any:
        """The site, or Loading after `wait` seconds (None: wait as long as it takes)."""
        if self.site is not None:
            return self.site
        attempt = self._attempt or self._begin()
        if not attempt.done.wait(wait):
            return Loading(attempt.downloaded, attempt.preparation.pending_bytes, attempt.preparation.cors)
        self._attempt = None  # from here on, a failure is not kept
        if attempt.error is not None:
            raise attempt.error
        self.timings["fetch"] = attempt.fetch_seconds
        started = time.monotonic()
        site = self._assemble(attempt.preparation, attempt.located)
        self.timings["assemble"] = time.monotonic() - started
        self.site = site
        return site

    def _begin(self) -> _Attempt:
        started = time.monotonic()
        preparation = self._prepare()
        self.timings = {"prepare": time.monotonic() - started}
        attempt = _Attempt(preparation)
        self._attempt = attempt
        if preparation.pending_bytes:
            thread = threading.Thread(
                target=attempt.fetch, args=(self._fetch,), name="datasette-lambda-fetch", daemon=True
            )
            thread.start()
        else:
            attempt.fetch(self._fetch)
        return attempt
