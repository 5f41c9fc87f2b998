"""When to look at live/manifest.json again, and the conditional GET that looks.

Lambda freezes an instance between requests, so the check runs inside them: a request
asks due() (one clock read) and, at most every `interval` seconds, one request fetches.
The GET carries If-None-Match with the ETag of the last manifest read, so an unchanged
manifest costs one small request answered 304.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from datasette_lambda.contract.live_manifest import LIVE_MANIFEST_KEY

# What a fetch found.
UNCHANGED = "unchanged"  # 304, or still no manifest
ABSENT = "absent"  # the manifest read before is gone: nothing is live any more
CHANGED = "changed"


class ManifestCheckError(Exception):
    """The check could not be made (network, permissions); the message is one log line."""


class ManifestCheck:
    def __init__(
        self,
        bucket: str,
        client_factory: Callable[[], Any],
        interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bucket = bucket
        self.client_factory = client_factory
        self.interval = interval
        self.clock = clock
        self.etag: str | None = None  # of the last manifest read; None: none yet
        self._next_due = float("-inf")  # the first request checks

    def due(self) -> bool:
        return self.clock() >= self._next_due

    def fetch(self) -> tuple[str, bytes | None, str | None]:
        """(UNCHANGED | ABSENT, None, None) or (CHANGED, body bytes, etag). Schedules the next
        check whatever happens: a failure is retried at the next due check, not by every
        request until then."""
        self._next_due = self.clock() + self.interval
        arguments = {"Bucket": self.bucket, "Key": LIVE_MANIFEST_KEY}
        if self.etag:
            arguments["IfNoneMatch"] = self.etag
        try:
            response = self.client_factory().get_object(**arguments)
            body = response["Body"].read()
        except Exception as e:  # botocore raises many kinds
            status, code = _error_status(e)
            if status == 304:
                return UNCHANGED, None, None
            # Only a missing key: a missing bucket (NoSuchBucket, also a 404) is an error.
            if code == "NoSuchKey" or (status == 404 and code in (None, "404")):
                return (ABSENT if self.etag else UNCHANGED), None, None
            hint = ""
            if code == "AccessDenied":
                # Without s3:ListBucket, S3 answers a missing key with 403, not 404.
                hint = (
                    " (the function's role needs s3:GetObject on live/* and s3:ListBucket "
                    "on the bucket for live/, so that no manifest yet is a 404)"
                )
            raise ManifestCheckError(
                f"could not read s3://{self.bucket}/{LIVE_MANIFEST_KEY}: {code or type(e).__name__}"
                f"{f' (HTTP {status})' if status else ''}: {one_line(e)}{hint}"
            ) from e
        return CHANGED, body, response.get("ETag")

    def read(self, etag: str | None) -> None:
        """The manifest with this ETag was read and taken in (None: there is none): the next
        fetch asks S3 for anything newer only."""
        self.etag = etag

    def check_now(self) -> None:
        """Make the next due() true (after a SnapStart restore, and in tests)."""
        self._next_due = float("-inf")


def _error_status(error: BaseException) -> tuple[int | None, str | None]:
    response = getattr(error, "response", None) or {}
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    code = (response.get("Error") or {}).get("Code")
    if status is None and code and code.isdigit():
        status = int(code)
    return status, code


def one_line(error: BaseException) -> str:
    """An error's message on one line, at most 300 characters (for the log)."""
    return " ".join(str(error).split())[:300]
