"""Times as the manifests carry them: ISO 8601 in UTC, to the second ("2026-12-01T10:00:00Z")."""

from __future__ import annotations

import datetime
import re

_ISO_UTC = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|\+00:00)")


def parse_utc(value: object) -> str:
    """The canonical form of an ISO 8601 UTC time ("...Z", whole seconds), or ValueError.

    Accepts a fraction of a second and "+00:00" (what other tools write for UTC) and drops
    or rewrites them, so every time the site shows has one shape. The same times as the
    CLI's reader (src/live/utc-time.ts): a real date, year 1 to 9999, no leap second.
    """
    match = _ISO_UTC.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"not an ISO 8601 UTC time: {value!r}")
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    moment = datetime.datetime(year, month, day, hour, minute, second)  # a real date and time
    return f"{moment.isoformat()}Z"


def format_utc(epoch_seconds: float) -> str:
    """An epoch time as the canonical ISO 8601 UTC string."""
    moment = datetime.datetime.fromtimestamp(int(epoch_seconds), datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def human_utc(canonical: str) -> str:
    """ "2026-12-01T10:00:00Z" as people read it on a page: "2026-12-01 10:00:00"."""
    return canonical[:-1].replace("T", " ")
