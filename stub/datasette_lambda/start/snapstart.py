"""SnapStart (--snapstart): finish everything before the snapshot, refresh what must be unique after.

With SnapStart, Lambda runs the init phase once, when a version is published, and
snapshots the instance (memory and /tmp); new instances resume from that snapshot. The
Python runtime calls hooks registered with snapshot_restore_py (bundled in Lambda's
python3.12+ runtimes; absent elsewhere, where nothing is registered):

- before the snapshot: wait for the whole site (S3 databases and live databases downloaded
  and verified, Datasette built and started; init may take minutes here, not 10 s) and
  warm it up by rendering its index and database pages once (SQLite connections opened,
  templates loaded), so that a restored instance serves its first request like a warm one;
- after a restore, in order: a fresh seed for Python's `random` (the snapshot would
  otherwise replay it in every instance); the instance's refresh (Instance.
  refresh_after_restore: its S3 client dropped so the next use makes one with fresh
  connections and credentials, a new root token for Datasette, and with live data the
  next check made due, so that the first request looks at the manifest and downloads
  what changed in the background; no network call, nothing downloaded); then every
  callback registered with register_after_restore().

register_after_restore(fn) is the hook point for other modules (none of the stub's own
registers one today). Callbacks run in order of registration, must be quick (Lambda allows
the runtime and its after-restore hooks 10 s together) and must not raise; one that does is
logged and the others still run.
"""

from __future__ import annotations

import logging
import random
import secrets
from collections.abc import Callable
from typing import Any

from datasette_lambda.serve.asgi_get import asgi_get

log = logging.getLogger("datasette_lambda")

_after_restore: list[Callable[[], object]] = []


def register_after_restore(callback: Callable[[], object]) -> Callable[[], object]:
    """Run callback() after every SnapStart restore (after the built-in refreshes)."""
    _after_restore.append(callback)
    return callback


def after_restore_callbacks() -> list[Callable[[], object]]:
    return list(_after_restore)


def install(prepare_snapshot: Callable[[], None], refresh: Callable[[], None]) -> bool:
    """Register the runtime hooks. prepare_snapshot(): finish and warm the site; refresh():
    the handler's own after-restore work. Returns False where SnapStart's library is absent."""
    try:
        import snapshot_restore_py
    except ImportError:
        return False
    snapshot_restore_py.register_before_snapshot(prepare_snapshot)
    snapshot_restore_py.register_after_restore(lambda: run_after_restore(refresh))
    return True


def run_after_restore(refresh: Callable[[], None]) -> None:
    """The after-restore sequence (also what tests call): reseed, refresh, then callbacks."""
    random.seed()  # from os.urandom, which the kernel reseeds on restore
    for callback in [refresh, *_after_restore]:
        try:
            callback()
        except Exception:
            log.exception(
                "datasette-lambda: an after-restore callback failed (%s)", getattr(callback, "__name__", callback)
            )


def refresh_datasette(ds: Any) -> None:
    """What Datasette made unique at start-up: its root token (used for --root sign-in)."""
    ds._root_token = secrets.token_hex(32)


WARM_UP_LIMIT = 20


def warm_up_paths(ds: Any, base_url: str = "/") -> list[str]:
    """The pages a restored instance most likely serves first: the index and each database."""
    paths = [base_url]
    for database in ds.databases.values():
        if database.name != "_internal" and len(paths) < WARM_UP_LIMIT:
            paths.append(f"{base_url}{database.route}")
    return paths


async def warm_up(app: Any, paths: list[str]) -> list[int | None]:
    """GET each path through the ASGI app, discarding the responses; returns their statuses."""
    return [(await asgi_get(app, path))[0] for path in paths]
