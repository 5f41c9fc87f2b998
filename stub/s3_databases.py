"""Bring S3 databases into the sandbox's temporary directory, verified, once per sandbox.

Layout: <tempdir>/datasette-lambda/<sha256>/<fileName>. A file reaches that final path
only by os.replace() after its sha256 matched the manifest, so an existing final path is
trusted as is: a warm start, or a second instance sharing the sandbox's /tmp, reuses it
without downloading or hashing again.
"""

import errno
import hashlib
import logging
import os
import tempfile
import time

CACHE_DIR_NAME = "datasette-lambda"
STALE_PARTIAL_SECONDS = 15 * 60
REDEPLOY = "Redeploy with datasette-lambda update-stack to upload it again."
_CHUNK = 1024 * 1024

log = logging.getLogger("datasette_lambda")


class DatabaseFetchError(Exception):
    """An S3 database could not be brought into the sandbox."""


def cached_path(database, temp_root=None):
    root = temp_root or tempfile.gettempdir()
    return os.path.join(root, CACHE_DIR_NAME, database["sha256"], database["fileName"])


def ensure_local_copy(database, bucket, s3_client_factory, temp_root=None, remedy=REDEPLOY):
    """Return the path of a verified local copy of an S3 database, downloading it if needed.

    database: {"name", "fileName", "sha256", "bytes", "key"} (a deployed database of the
    package manifest, or a live one). s3_client_factory is called only when a download is
    needed (creating a boto3 client costs time on a warm path that never uses it). remedy
    ends the message of a checksum failure: what the owner should do.
    """
    final_path = cached_path(database, temp_root)
    if os.path.exists(final_path):
        return final_path
    if not bucket:
        raise DatabaseFetchError(
            f"database {database['name']!r} lives in S3 but DATASETTE_LAMBDA_BUCKET is not set"
        )
    directory = os.path.dirname(final_path)
    os.makedirs(directory, exist_ok=True)
    # Same directory as the final path, so os.replace() is an atomic rename.
    fd, partial_path = tempfile.mkstemp(dir=directory, prefix=".partial-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            digest, size = _download(s3_client_factory(), bucket, database, out)
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


def remove_stale_partials(temp_root=None, older_than=STALE_PARTIAL_SECONDS, now=None):
    """Delete partial downloads left behind by an instance that was stopped mid-download
    (a Lambda timeout kills the process; /tmp stays with the sandbox). Only old ones: a
    young one may be another process's download in progress. Returns how many went."""
    cache = os.path.join(temp_root or tempfile.gettempdir(), CACHE_DIR_NAME)
    now = time.time() if now is None else now
    removed = 0
    for directory, _, files in os.walk(cache):
        for name in files:
            path = os.path.join(directory, name)
            try:
                if name.startswith(".partial-") and now - os.path.getmtime(path) > older_than:
                    os.remove(path)
                    removed += 1
            except OSError:
                pass  # gone already, or not ours to remove
    return removed


def _download(client, bucket, database, out):
    try:
        response = client.get_object(Bucket=bucket, Key=database["key"])
    except Exception as e:  # botocore raises many kinds; name the object either way
        raise DatabaseFetchError(
            f"could not download database {database['name']!r} from "
            f"s3://{bucket}/{database['key']}: {e}"
        ) from e
    digest = hashlib.sha256()
    size = 0
    body = response["Body"]
    try:
        for chunk in iter(lambda: body.read(_CHUNK), b""):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    except OSError as e:
        if e.errno == errno.ENOSPC:
            raise DatabaseFetchError(
                f"no space left for database {database['name']!r} ({database['bytes']} bytes) "
                "in the function's temporary storage: raise its ephemeral storage "
                "(EphemeralStorageSize)"
            ) from e
        raise
    finally:
        body.close()
    return digest.hexdigest(), size


def _remove_quietly(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
