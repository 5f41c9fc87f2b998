"""AWS Lambda entry point "converter_handler.handler": a file put into the site's bucket under
incoming/ (by the AWS console, aws s3 cp, anything) becomes a live database.

EventBridge delivers S3 "Object Created" events for incoming/ (templates/app.yaml,
IncomingRule). For each: download the object to /tmp, convert it with convert.py (one
database named after the file, per stub/live-data.md), publish it as push does
(publish.py), and delete it from incoming/.

A file that cannot be converted, or whose publishing fails, never breaks the site: it is
copied to failed/<name>, failed/<name>.error.txt says why in one line ("FILE:LINE:
reason"), the manifest records it under "failed", and it is deleted from incoming/. What
the site serves is not touched. A file that would outlast the invocation goes there too:
the conversion runs on a budget (budget.py) of the time Lambda leaves it, less what moving
the file to failed/ takes, and of most of the function's memory, and stops early with the
reason. Only when even that fails does the invocation fail; Lambda does not retry it
(templates/app.yaml, ConverterInvokeConfig), the file stays in incoming/ and `ls` lists it
as waiting.

Events may arrive twice: an object already gone from incoming/ was handled, and is skipped.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import unquote_plus

from datasette_lambda.contract.names import check_name, name_from_file
from datasette_lambda.convert import publish
from datasette_lambda.convert.budget import MB, Budget, resident_bytes
from datasette_lambda.convert.publish import FAILED_PREFIX, INCOMING_PREFIX, iso_seconds, utc_now

log = logging.getLogger("datasette_lambda")
log.setLevel(logging.INFO)

_REASON_LIMIT = 1000
_CHUNK = 8 * MB

# Kept back from the time Lambda leaves the invocation, for what follows a stop: the copy to
# failed/, its .error.txt and the manifest's record (a conditional write, retried).
RESERVE_SECONDS = 60
# Plus the copy of a large file to failed/ (server-side), assumed no faster than this...
COPY_BYTES_PER_SECOND = 100 * MB
# ...and, before publishing, the upload of the database, assumed no faster than this.
UPLOAD_BYTES_PER_SECOND = 50 * MB
# The memory watermark: this share of the function's memory, as this process's resident size
# (the rest for the runtime's own use and the unwinding after a stop).
MEMORY_SHARE = 0.85


class Convert(Protocol):
    """convert(paths, out_path, budget=...) -> {"tables", "sha256", "bytes", ...}, as conversion.convert_files."""

    def __call__(self, paths: list[str], out_path: str, *, budget: Budget | None = None) -> dict[str, Any]: ...


Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def make_handler(
    convert: Convert | None = None,
    s3_factory: Callable[[], Any] | None = None,
    now: Callable[[], datetime] = utc_now,
    temp_root: str | None = None,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.monotonic,
    memory_used: Callable[[], int | None] = resident_bytes,
) -> Handler:
    """The handler, with its parts injectable for tests.

    convert(paths, out_path, *, budget=None) -> {"tables", "sha256", "bytes", ...}
    (without sha256 or bytes the published file is hashed or measured again) raising
    ConversionError(file, line, reason) or OutOfBudget(reason): convert.convert_files by
    default, imported on first use. s3_factory() -> a boto3 S3 client, made once per
    instance on first use. clock and memory_used are the budget's (budget.Budget).
    """
    state = {"s3": None}

    def s3_client() -> Any:
        if state["s3"] is None:
            if s3_factory is not None:
                state["s3"] = s3_factory()
            else:
                import boto3

                state["s3"] = boto3.client("s3")
        return state["s3"]

    def converter() -> Convert:
        if convert is not None:
            return convert
        from datasette_lambda.convert.conversion import convert_files  # stub/convert.py, shipped in the same package

        return convert_files

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        env = os.environ if environ is None else environ
        target = incoming_object(event, env.get("DATASETTE_LAMBDA_BUCKET"))
        if target is None:
            return {"status": "ignored"}
        bucket, key = target

        def convert_with(paths: list[str], out_path: str, *, budget: Budget | None = None) -> dict[str, Any]:
            # Resolved inside the conversion, so even a missing converter is a recorded failure.
            return converter()(paths, out_path, budget=budget)

        def budget_of(size: int) -> Budget | None:
            return budget_for(context, size, clock=clock, memory_used=memory_used)

        return handle_object(s3_client(), bucket, key, convert_with, now, temp_root, budget_of)

    return handler


def incoming_object(event: Any, expected_bucket: str | None) -> tuple[str, str] | None:
    """(bucket, key) of an Object Created event under incoming/, or None (logged) for anything else."""
    if event.get("source") != "aws.s3" or event.get("detail-type") != "Object Created":
        log.warning("datasette-lambda converter: ignoring an event that is not an S3 Object Created event")
        return None
    detail = event.get("detail") or {}
    bucket = (detail.get("bucket") or {}).get("name")
    key = (detail.get("object") or {}).get("key")
    if not bucket or not key:
        log.warning("datasette-lambda converter: ignoring an event without a bucket and key")
        return None
    if expected_bucket and bucket != expected_bucket:
        log.warning("datasette-lambda converter: ignoring an object of bucket %s, not this site's", bucket)
        return None
    if not key.startswith(INCOMING_PREFIX) or key.endswith("/"):
        # A "folder" made in the console is an empty object named incoming/ or incoming/x/.
        log.info("datasette-lambda converter: ignoring %s", key)
        return None
    return bucket, key


def budget_seconds(remaining_ms: int, size: int) -> float:
    """How long the conversion of a `size`-byte file may run when Lambda leaves `remaining_ms` (pure)."""
    return remaining_ms / 1000 - RESERVE_SECONDS - size / COPY_BYTES_PER_SECOND


def budget_for(
    context: Any, size: int, *, clock: Callable[[], float], memory_used: Callable[[], int | None]
) -> Budget | None:
    """The budget of this invocation, from Lambda's context object (get_remaining_time_in_millis,
    memory_limit_in_mb); None without one (the function called outside Lambda)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    memory_mb = getattr(context, "memory_limit_in_mb", None)  # a string in Lambda's runtime
    memory = int(int(memory_mb) * MB * MEMORY_SHARE) if memory_mb else None
    return Budget(budget_seconds(remaining(), size), memory, clock=clock, memory_used=memory_used)


def reason_line(source: str, error: BaseException) -> str:
    """One line: "FILE:LINE: reason" for a ConversionError, "FILE: what failed" otherwise."""
    reason = getattr(error, "reason", None)
    if reason is not None:
        line = getattr(error, "line", None)
        text = f"{source}:{line}: {reason}" if line else f"{source}: {reason}"
    else:
        text = f"{source}: {type(error).__name__}: {error}"
    text = " ".join(text.split())
    return text if len(text) <= _REASON_LIMIT else text[: _REASON_LIMIT - 1] + "…"


def _open(s3: Any, bucket: str, key: str) -> tuple[str, dict[str, Any]] | None:
    """(key, GetObject response) of the object, or None when it is gone (handled already).

    The key is tried as the event gives it and, if that is missing, URL-decoded (S3's
    classic notifications encode keys; a key that really contains %XX or + still works).
    """
    for candidate in dict.fromkeys([key, unquote_plus(key)]):
        try:
            return candidate, s3.get_object(Bucket=bucket, Key=candidate)
        except Exception as e:
            if publish.is_missing(e):
                continue
            raise
    return None


def _save(response: dict[str, Any], path: str, budget: Budget | None) -> None:
    """The object's body into `path`, the budget checked between chunks."""
    with response["Body"] as body, open(path, "wb") as out:
        for chunk in iter(lambda: body.read(_CHUNK), b""):
            out.write(chunk)
            if budget is not None:
                budget.check()


def _delete_if_unchanged(s3: Any, bucket: str, key: str, etag: str | None) -> None:
    """Delete the incoming object, unless a newer one was put there meanwhile (its own event converts it)."""
    try:
        current = s3.head_object(Bucket=bucket, Key=key)
    except Exception as e:
        if publish.is_missing(e):
            return
        raise
    if current.get("ETag") != etag:
        log.info("datasette-lambda converter: %s changed while it was converted; leaving the new one", key)
        return
    s3.delete_object(Bucket=bucket, Key=key)


def handle_object(
    s3: Any,
    bucket: str,
    key: str,
    convert: Convert,
    now: Callable[[], datetime],
    temp_root: str | None = None,
    budget_of: Callable[[int], Budget | None] = lambda size: None,
) -> dict[str, Any]:
    """Convert and publish one incoming object; on any failure, or out of budget, move it to failed/.

    budget_of(size in bytes) -> the conversion's budget, or None for none.
    """
    directory = tempfile.mkdtemp(dir=temp_root, prefix="datasette-lambda-convert-")
    try:
        opened = _open(s3, bucket, key)
        if opened is None:
            log.info("datasette-lambda converter: %s is gone (already handled)", key)
            return {"status": "gone", "key": key}
        key, response = opened
        source = key[len(INCOMING_PREFIX) :]
        name = name_from_file(source)
        budget = budget_of(response.get("ContentLength") or 0)
        try:
            check_name(name, source)  # before converting: a name no publisher may give goes to failed/ with why
            # Named as uploaded: the converter names the table after the file.
            path = os.path.join(directory, os.path.basename(key) or "file")
            _save(response, path, budget)
            out = os.path.join(directory, "out", f"{name}.db")
            os.makedirs(os.path.dirname(out))
            result = convert([path], out, budget=budget)
            size = result.get("bytes")
            if budget is not None:
                # Publishing uploads the database: stop now rather than be cut off halfway.
                budget.check((size if size is not None else os.path.getsize(out)) / UPLOAD_BYTES_PER_SECOND)
            entry, changed = publish.publish_database(
                s3,
                bucket,
                name=name,
                path=out,
                tables=result.get("tables", {}),
                sha256=result.get("sha256"),  # already hashed by the conversion
                size=size,
                data_as_of=iso_seconds(response["LastModified"]) if response.get("LastModified") else None,
                source=source,
                now=now(),
            )
        except Exception as error:
            return _fail(s3, bucket, key, source, response.get("ETag"), error, now)
        _delete_if_unchanged(s3, bucket, key, response.get("ETag"))
        log.info(
            "datasette-lambda converter: %s published as %s (%d bytes, sha256 %s)%s",
            key,
            name,
            entry["bytes"],
            entry["sha256"][:12],
            "" if changed else "; the site already served these bytes",
        )
        return {"status": "published", "name": name, "key": entry["key"], "changed": changed}
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _fail(
    s3: Any,
    bucket: str,
    key: str,
    source: str,
    etag: str | None,
    error: BaseException,
    now: Callable[[], datetime],
) -> dict[str, Any]:
    reason = reason_line(source, error)
    failed_key = FAILED_PREFIX + source
    if getattr(error, "reason", None) is None:
        # Not the file's fault: keep the traceback in the log for the site's owner.
        log.exception("datasette-lambda converter: %s failed", key)
    s3.copy({"Bucket": bucket, "Key": key}, bucket, failed_key)
    s3.put_object(
        Bucket=bucket,
        Key=failed_key + ".error.txt",
        Body=(reason + "\n").encode("utf-8"),
        ContentType="text/plain; charset=utf-8",
    )
    publish.record_failure(s3, bucket, source=source, reason=reason, at=now(), key=failed_key)
    _delete_if_unchanged(s3, bucket, key, etag)
    log.error("datasette-lambda converter: %s moved to %s: %s", key, failed_key, reason)
    return {"status": "failed", "source": source, "key": failed_key, "reason": reason}


handler = make_handler()
