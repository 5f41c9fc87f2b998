"""Publishing live databases from inside AWS (the converter function), by the protocol of
docs/live-data.md, the same as the CLI's push (src/aws/live-manifest.ts, live-publish.ts,
live-garbage.ts). What the manifest holds, and the changes made to it, are the contract
module's (contract/live_manifest.py); this is the S3 side:

- a database is uploaded to live/db/<sha256>/<name>.db, then named at once in
  live/manifest.json (nothing is uploaded or written when the manifest already serves
  those bytes under that name);
- the manifest is replaced by a conditional PUT: GET it and keep its ETag (absent: an
  empty manifest), apply the change to what was read, PUT it with If-Match: <etag>
  (If-None-Match: * when it was absent); when another publish wrote in between (412, 409,
  or 404 if it was deleted), read again and re-apply, up to 10 times with jittered backoff;
- live/db/ objects the manifest does not name and older than 15 minutes are deleted.

A database is uploaded even when its key exists: the upload makes it young, and garbage
collection spares young objects, so a concurrent publish cannot delete it before the
manifest names it. Its name follows the name rule (contract/names.py), checked before the
upload, as push checks it: a name Datasette keeps, or one that differs only in case from a
database the site serves, is refused with the line push gives.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random as _random
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from datasette_lambda.contract.live_manifest import (
    DEPLOYED_RECORD_KEY,
    LIVE_DATABASE_PREFIX,
    LIVE_MANIFEST_KEY,
    LiveManifestError,
    empty_live_manifest,
    live_database_key,
    live_entries,
    named_keys,
    read_live_manifest,
    serialize_live_manifest,
    serves,
    with_failure,
    with_published,
)
from datasette_lambda.contract.names import check_name
from datasette_lambda.contract.timestamps import format_utc

INCOMING_PREFIX = "incoming/"
FAILED_PREFIX = "failed/"
ATTEMPTS = 10
GARBAGE_MIN_AGE = timedelta(minutes=15)
_BACKOFF_BASE = 0.1
_BACKOFF_CAP = 3.0

log = logging.getLogger("datasette_lambda")


class ManifestBusy(Exception):
    """Every attempt to replace the manifest lost a race with another publish."""


def iso_seconds(moment: datetime) -> str:
    """A datetime as the manifests write times: 2026-12-01T10:00:05Z (timestamps.format_utc)."""
    return format_utc(moment.timestamp())


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backoff(attempt: int, random: Callable[[], float] = _random.random) -> float:
    """Seconds before retry `attempt` (from 1): exponential, capped, jittered (half to all of it)."""
    return min(_BACKOFF_CAP, _BACKOFF_BASE * 2 ** (attempt - 1)) * (0.5 + random() / 2)


# --- S3 ------------------------------------------------------------------------------------


def _error_code(error: BaseException) -> tuple[str, int | None]:
    response = getattr(error, "response", None) or {}
    return (
        str(response.get("Error", {}).get("Code", "")),
        response.get("ResponseMetadata", {}).get("HTTPStatusCode"),
    )


def is_missing(error: BaseException) -> bool:
    code, status = _error_code(error)
    return code in ("NoSuchKey", "NotFound", "404") or status == 404


def lost_race(error: BaseException) -> bool:
    """A conditional PUT refused because another write won (412), or was in flight (409)."""
    code, status = _error_code(error)
    return code in ("PreconditionFailed", "ConditionalRequestConflict") or status in (412, 409)


def read_manifest(s3: Any, bucket: str) -> tuple[dict[str, Any], str | None]:
    """(manifest, etag); (empty manifest, None) when there is none yet. A manifest that is not
    one at all raises LiveManifestError: it is never overwritten."""
    try:
        response = s3.get_object(Bucket=bucket, Key=LIVE_MANIFEST_KEY)
    except Exception as e:
        if is_missing(e):
            return empty_live_manifest(), None
        raise
    with response["Body"] as body:
        text = body.read()
    try:
        return read_live_manifest(text), response["ETag"]
    except LiveManifestError as e:
        raise LiveManifestError(f"s3://{bucket}/{e}") from None


def deployed_names(s3: Any, bucket: str) -> list[str]:
    """The databases the last update-stack deployed (live/deployed.json), as far as it says."""
    try:
        response = s3.get_object(Bucket=bucket, Key=DEPLOYED_RECORD_KEY)
        with response["Body"] as body:
            databases = json.loads(body.read()).get("databases")
    except Exception as e:  # a record for people, not a protocol: without one, no names
        if not is_missing(e):
            log.warning("datasette-lambda: could not read s3://%s/%s: %s", bucket, DEPLOYED_RECORD_KEY, e)
        return []
    return list(databases) if isinstance(databases, dict) else []


_conditions = threading.local()


def _supports_conditional_put(s3: Any) -> bool:
    """Lambda's bundled botocore may predate PutObject's IfMatch parameter (November 2024)."""
    members = s3.meta.service_model.operation_model("PutObject").input_shape.members
    return "IfMatch" in members and "IfNoneMatch" in members


def _add_condition_headers(request: Any, **kwargs: Any) -> None:
    for header, value in getattr(_conditions, "headers", {}).items():
        request.headers[header] = value


def put_conditionally(
    s3: Any,
    bucket: str,
    key: str,
    body: bytes,
    *,
    if_match: str | None = None,
    if_none_match: str | None = None,
    as_headers: bool | None = None,
) -> dict[str, Any]:
    """PutObject with If-Match / If-None-Match, as parameters when botocore knows them,
    else as headers added just before signing (as_headers forces that way, for tests)."""
    if as_headers is None:
        as_headers = not _supports_conditional_put(s3)
    params = {"Bucket": bucket, "Key": key, "Body": body, "ContentType": "application/json"}
    if not as_headers:
        if if_match is not None:
            params["IfMatch"] = if_match
        if if_none_match is not None:
            params["IfNoneMatch"] = if_none_match
        return s3.put_object(**params)
    s3.meta.events.register("before-sign.s3.PutObject", _add_condition_headers, unique_id="datasette-lambda-conditions")
    headers = {}
    if if_match is not None:
        headers["If-Match"] = if_match
    if if_none_match is not None:
        headers["If-None-Match"] = if_none_match
    _conditions.headers = headers
    try:
        return s3.put_object(**params)
    finally:
        _conditions.headers = {}


def update_manifest(
    s3: Any,
    bucket: str,
    change: Callable[[dict[str, Any]], dict[str, Any] | None],
    *,
    first_read: tuple[dict[str, Any], str | None] | None = None,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], object] = time.sleep,
    random: Callable[[], float] = _random.random,
    as_headers: bool | None = None,
) -> dict[str, Any]:
    """Apply change(manifest) -> new manifest (or None: nothing to write) conditionally.

    Returns the manifest as it now is. change is applied again to every re-read, so it must
    decide from its argument only. first_read: a (manifest, etag) from read_manifest the caller
    already has, used by the first attempt instead of reading again (the PUT is conditional
    on its ETag, so a change since then still means a re-read).
    """
    for attempt in range(1, attempts + 1):
        manifest, etag = read_manifest(s3, bucket) if first_read is None else first_read
        first_read = None
        new = change(manifest)
        if new is None:
            return manifest
        try:
            if etag is None:
                put_conditionally(
                    s3,
                    bucket,
                    LIVE_MANIFEST_KEY,
                    serialize_live_manifest(new),
                    if_none_match="*",
                    as_headers=as_headers,
                )
            else:
                put_conditionally(
                    s3, bucket, LIVE_MANIFEST_KEY, serialize_live_manifest(new), if_match=etag, as_headers=as_headers
                )
            return new
        except Exception as e:
            if not (lost_race(e) or (etag is not None and is_missing(e))):
                raise
            if attempt == attempts:
                raise ManifestBusy(
                    f"s3://{bucket}/{LIVE_MANIFEST_KEY} changed under every one of {attempts} attempts to update it"
                ) from e
            sleep(backoff(attempt, random))
    # Only with attempts < 1, which used to return None where callers expect a manifest.
    raise ValueError(f"attempts must be 1 or more, not {attempts}")


def collect_garbage(s3: Any, bucket: str, now: datetime, min_age: timedelta = GARBAGE_MIN_AGE) -> list[str]:
    """Delete live/db/ objects the manifest does not name and older than min_age.

    Lists first and reads the manifest after, so a database named before the listing is seen
    as named. Returns the deleted keys.
    """
    objects = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=LIVE_DATABASE_PREFIX):
        objects.extend(page.get("Contents", []))
    manifest, _ = read_manifest(s3, bucket)
    named = named_keys(manifest)
    doomed = [o["Key"] for o in objects if o["Key"] not in named and now - o["LastModified"] >= min_age]
    deleted: list[str] = []
    for start in range(0, len(doomed), 1000):
        batch = doomed[start : start + 1000]
        response = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})
        refused = {e.get("Key") for e in response.get("Errors", [])}
        deleted.extend(k for k in batch if k not in refused)
    return deleted


def publish_database(
    s3: Any,
    bucket: str,
    *,
    name: str,
    path: str,
    tables: dict[str, Any],
    data_as_of: str | None,
    source: str,
    now: datetime,
    sha256: str | None = None,
    size: int | None = None,
    sleep: Callable[[float], object] = time.sleep,
) -> tuple[dict[str, Any], bool]:
    """Publish the SQLite file at path as the live database `name`. Returns (entry, changed).

    source is the file it came from (its failed entry, if any, is cleared). A name the rule
    refuses raises LiveNameError (contract/names.py) before anything is uploaded. Garbage
    collection runs afterwards; its failure is logged, not raised (the publish succeeded).
    """
    deployed = deployed_names(s3, bucket)
    current, etag = read_manifest(s3, bucket)
    check_taken(current, name, source, deployed)
    sha256 = sha256 or sha256_file(path)
    size = size if size is not None else os.path.getsize(path)
    if serves(current, name, sha256):
        return current["databases"][name], False
    key = live_database_key(sha256, name)
    s3.upload_file(path, bucket, key)
    entry = {
        "key": key,
        "sha256": sha256,
        "bytes": size,
        "tables": tables,
        "source": source,
        "publishedAt": iso_seconds(now),
    }
    if data_as_of:
        entry["dataAsOf"] = data_as_of

    def change(manifest: dict[str, Any]) -> dict[str, Any] | None:
        if serves(manifest, name, sha256):
            return None
        check_taken(manifest, name, source, deployed)  # another publish may have taken it meanwhile
        return with_published(manifest, name, entry, [source])

    written = update_manifest(s3, bucket, change, first_read=(current, etag), sleep=sleep)
    _collect_quietly(s3, bucket, now)
    return written["databases"].get(name, entry), True


def check_taken(manifest: dict[str, Any], name: str, source: str, deployed: list[str]) -> None:
    """The name rule, with the names the site serves: deployed ones and the live entries it serves."""
    served, _ = live_entries(manifest, deployed)
    check_name(name, source, [*deployed, *served])


def record_failure(
    s3: Any,
    bucket: str,
    *,
    source: str,
    reason: str,
    at: datetime,
    key: str,
    sleep: Callable[[float], object] = time.sleep,
) -> None:
    failure = {"reason": reason, "at": iso_seconds(at), "key": key}
    update_manifest(s3, bucket, lambda manifest: with_failure(manifest, source, failure), sleep=sleep)


def _collect_quietly(s3: Any, bucket: str, now: datetime) -> None:
    try:
        deleted = collect_garbage(s3, bucket, now)
        if deleted:
            log.info("datasette-lambda: deleted %d old live database file(s)", len(deleted))
    except Exception as e:  # the next publish tries again
        log.warning("datasette-lambda: could not delete old live database files: %s", e)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
