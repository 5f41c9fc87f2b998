"""Find the file behind each database of the manifest: in the package, fetched from S3, or
(--in-place) on the S3 Files mount of the bucket."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from datasette_lambda.databases.mount_files import DEPLOYED_WAIT_SECONDS, mount_path, wait_for_mount_file
from datasette_lambda.databases.s3_databases import DatabaseFetchError, ensure_local_copy

INLINE_DIR = "databases"


def locate_databases(
    manifest: dict[str, Any],
    root: str,
    bucket: str | None,
    s3_client_factory: Callable[[], Any],
    temp_root: str | None = None,
    on_progress: Callable[[int], None] | None = None,
    mount: str | None = None,
    mount_wait_seconds: float = DEPLOYED_WAIT_SECONDS,
) -> list[tuple[str, str]]:
    """Return [(name, path)] in manifest order; S3 databases are downloaded when not cached yet,
    or with `mount` found on it (waiting up to mount_wait_seconds for one not there yet).

    s3_client_factory is called only if a download is needed (the handler's makes one
    client per instance); on_progress(n) is told of every n bytes downloaded (in place: of
    each database's bytes once it is on the mount).
    """
    located = []
    for database in manifest["databases"]:
        if database["location"] == "inline":
            path = os.path.join(root, INLINE_DIR, database["fileName"])
            if not os.path.isfile(path):
                raise DatabaseFetchError(
                    f"database {database['name']!r} should be in the package at "
                    f"{INLINE_DIR}/{database['fileName']} but is missing: rebuild the package"
                )
        elif mount:
            path = wait_for_mount_file(
                mount_path(mount, database["key"]), database["key"], database["bytes"], mount_wait_seconds
            )
            if on_progress:
                on_progress(database["bytes"])
        else:
            path = ensure_local_copy(database, bucket, s3_client_factory, temp_root, on_progress)
        located.append((database["name"], path))
    return located
