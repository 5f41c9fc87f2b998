"""Find the file behind each database of the manifest: in the package, or fetched from S3."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from datasette_lambda.databases.s3_databases import DatabaseFetchError, ensure_local_copy

INLINE_DIR = "databases"


def locate_databases(
    manifest: dict[str, Any],
    root: str,
    bucket: str | None,
    s3_client_factory: Callable[[], Any],
    temp_root: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> list[tuple[str, str]]:
    """Return [(name, path)] in manifest order; S3 databases are downloaded when not cached yet.

    s3_client_factory is called only if a download is needed (the handler's makes one
    client per instance); on_progress(n) is told of every n bytes downloaded.
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
        else:
            path = ensure_local_copy(database, bucket, s3_client_factory, temp_root, on_progress)
        located.append((database["name"], path))
    return located
