"""Bring S3 databases into the sandbox's temporary directory, verified, once per sandbox.

Layout: <tempdir>/datasette-lambda/<sha256>/<fileName>. A file reaches that final path
only by os.replace() after its sha256 matched the manifest, so an existing final path is
trusted as is: a warm start, or a second instance sharing the sandbox's /tmp, reuses it
without downloading or hashing again. Downloads are parallel ranged GETs, hashed while
they arrive (s3_download.py). A download in progress is a ".partial-*" file next to its
final path; one left by a process that was killed (a timeout, say: /tmp outlives it) is
removed by remove_partial_downloads() before anything is downloaded again.
"""

from __future__ import annotations

import errno
import logging
import os
import tempfile
from collections.abc import Callable
from typing import Any

from datasette_lambda.databases.s3_download import DownloadStopped, download_verified

CACHE_DIR_NAME = "datasette-lambda"
PARTIAL_PREFIX = ".partial-"
REDEPLOY = "Redeploy with datasette-lambda update-stack to upload it again."

log = logging.getLogger("datasette_lambda")


class DatabaseFetchError(Exception):
    """An S3 database could not be brought into the sandbox."""


def cached_path(database: dict[str, Any], temp_root: str | None = None) -> str:
    root = temp_root or tempfile.gettempdir()
    return os.path.join(root, CACHE_DIR_NAME, database["sha256"], database["fileName"])


def needs_download(database: dict[str, Any], temp_root: str | None = None) -> bool:
    """True if an S3 database has no verified local copy yet."""
    return not os.path.exists(cached_path(database, temp_root))


def remove_partial_downloads(temp_root: str | None = None) -> int:
    """Delete every download a killed process left half-done; returns how many bytes that freed.

    Call before downloading, once per process: Lambda runs one process per sandbox at a
    time, so a partial file found then belongs to no live download.
    """
    root = os.path.join(temp_root or tempfile.gettempdir(), CACHE_DIR_NAME)
    freed = 0
    try:
        directories = [entry.path for entry in os.scandir(root) if entry.is_dir(follow_symlinks=False)]
    except FileNotFoundError:
        return 0
    for directory in directories:
        for entry in os.scandir(directory):
            if entry.name.startswith(PARTIAL_PREFIX) and entry.is_file(follow_symlinks=False):
                freed += entry.stat(follow_symlinks=False).st_size
                _remove_quietly(entry.path)
    if freed:
        log.info("datasette-lambda: removed %d bytes of downloads left unfinished by an earlier start", freed)
    return freed


def ensure_local_copy(
    database: dict[str, Any],
    bucket: str | None,
    s3_client_factory: Callable[[], Any],
    temp_root: str | None = None,
    on_progress: Callable[[int], None] | None = None,
    remedy: str = REDEPLOY,
    should_stop: Callable[[], str | None] | None = None,
) -> str:
    """Return the path of a verified local copy of an S3 database, downloading it if needed.

    database: {"name", "fileName", "sha256", "bytes", "key"} (a deployed database of the
    package manifest, or a live one). s3_client_factory is called only when a download is
    needed (creating a boto3 client costs time on a warm path that never uses it).
    on_progress(n) is told of every n bytes downloaded. remedy ends the message of a
    checksum failure: what the owner should do. should_stop() may end the download part-way
    (s3_download.py): DownloadStopped is raised as it is, the partial file removed.
    """
    final_path = cached_path(database, temp_root)
    if os.path.exists(final_path):
        return final_path
    if not bucket:
        raise DatabaseFetchError(f"database {database['name']!r} lives in S3 but DATASETTE_LAMBDA_BUCKET is not set")
    directory = os.path.dirname(final_path)
    os.makedirs(directory, exist_ok=True)
    # Same directory as the final path, so os.replace() is an atomic rename.
    fd, partial_path = tempfile.mkstemp(dir=directory, prefix=PARTIAL_PREFIX, suffix=".tmp")
    try:
        try:
            digest, size = _download(s3_client_factory(), bucket, database, fd, on_progress, should_stop)
        finally:
            os.close(fd)
        if digest != database["sha256"]:
            raise DatabaseFetchError(
                f"database {database['name']!r} (s3://{bucket}/{database['key']}) failed its "
                f"checksum: expected sha256 {database['sha256']}, got {digest} ({size} bytes); "
                f"the download was discarded. {remedy}"
            )
        os.replace(partial_path, final_path)
    except BaseException:
        _remove_quietly(partial_path)
        raise
    log.info("datasette-lambda: fetched database %s (%d bytes)", database["name"], size)
    return final_path


def _download(
    client: Any,
    bucket: str,
    database: dict[str, Any],
    fd: int,
    on_progress: Callable[[int], None] | None,
    should_stop: Callable[[], str | None] | None,
) -> tuple[str, int]:
    try:
        return download_verified(
            client, bucket, database["key"], fd, database["bytes"], on_progress, should_stop=should_stop
        )
    except DownloadStopped:
        raise
    except OSError as e:
        if e.errno == errno.ENOSPC:
            raise DatabaseFetchError(
                f"no space left for database {database['name']!r} ({database['bytes']} bytes) "
                "in the function's temporary storage: raise its ephemeral storage "
                "(EphemeralStorageSize)"
            ) from e
        raise _fetch_error(bucket, database, e) from e
    except Exception as e:  # botocore and s3transfer raise many kinds; name the object either way
        raise _fetch_error(bucket, database, e) from e


def _fetch_error(bucket: str, database: dict[str, Any], error: BaseException) -> DatabaseFetchError:
    return DatabaseFetchError(
        f"could not download database {database['name']!r} from s3://{bucket}/{database['key']}: {error}"
    )


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
