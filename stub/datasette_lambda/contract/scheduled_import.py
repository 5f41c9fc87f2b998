"""A scheduled import: the event `datasette-lambda schedule` has EventBridge Scheduler send the
converter function (the schedule's target Input, written by src/plan/schedule.ts), and the
record the function keeps of each schedule's runs (schedules/<schedule>.json in the site's
bucket), which `ls` reads (src/live/schedule-state.ts).

The event:

    {"datasette-lambda": "scheduled-import", "format": 1,
     "schedule": "quakes-0a1b2c3d4e5f", "url": "https://example.org/quakes.csv",
     "database": "quakes", "keyNames": false,
     "fts": ["title"], "encoding": "cp1252"}     # optional: absent = the site's settings

The record:

    {"format": 1, "schedule": "...", "url": "...", "database": "quakes",
     "lastRun": {"at": "2026-12-01T10:00:00Z", "result": "published" | "unchanged" | "failed",
                 "reason": "..."},                 # reason: failed runs only
     "lastChange": {"at": "...", "sha256": "...", "dataAsOf": "..."},   # the last new version
     "source": {"etag": "\\"abc\\"" | null, "lastModified": "<HTTP date>" | null,
                "sha256": "<the fetched bytes'>", "options": "<how they were converted>"}}

Golden examples both sides test against: contract/schemas/scheduled-import.examples.json.
Standard library only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from datasette_lambda.contract.names import name_problem

EVENT_KIND = "scheduled-import"
SUPPORTED_FORMAT = 1
STATE_PREFIX = "schedules/"
RESULTS = ("published", "unchanged", "failed")

# EventBridge Scheduler's schedule names (CreateSchedule: [0-9a-zA-Z-_.]+, 1-64).
SCHEDULE_NAME = re.compile(r"^[0-9A-Za-z_.-]{1,64}$")


class ScheduledImportError(ValueError):
    """An event that says it is a scheduled import but is not one the CLI writes."""


@dataclass(frozen=True)
class ScheduledImport:
    schedule: str
    url: str
    database: str
    key_names: bool = False
    fts: tuple[str, ...] | None = None  # None: the site's
    encoding: str | None = None  # None: the site's


def is_scheduled_import(event: object) -> bool:
    return isinstance(event, dict) and event.get("datasette-lambda") == EVENT_KIND


def parse_scheduled_import(event: dict[str, Any]) -> ScheduledImport:
    """The import an event asks for; ScheduledImportError names the bad field."""
    if event.get("format") != SUPPORTED_FORMAT:
        raise ScheduledImportError(f"format {event.get('format')!r}; this converter reads format {SUPPORTED_FORMAT}")
    schedule, url, database = event.get("schedule"), event.get("url"), event.get("database")
    if not isinstance(schedule, str) or not SCHEDULE_NAME.match(schedule):
        raise ScheduledImportError("schedule must be a schedule's name")
    if not isinstance(url, str) or not re.match(r"^https?://[^/?#\s]+", url):
        raise ScheduledImportError("url must be an http(s) address")
    if not isinstance(database, str) or name_problem(database) is not None:
        raise ScheduledImportError(f"database: {name_problem(str(database)) or 'must be a name'}")
    fts = event.get("fts")
    if fts is not None and (not isinstance(fts, list) or not all(isinstance(c, str) and c.strip() for c in fts)):
        raise ScheduledImportError("fts must be a list of column names")
    encoding = event.get("encoding")
    if encoding is not None and (not isinstance(encoding, str) or not encoding.strip()):
        raise ScheduledImportError("encoding must be an encoding's name")
    key_names = event.get("keyNames", False)
    if not isinstance(key_names, bool):
        raise ScheduledImportError("keyNames must be true or false")
    return ScheduledImport(schedule, url, database, key_names, None if fts is None else tuple(fts), encoding)


def state_key(schedule: str) -> str:
    return f"{STATE_PREFIX}{schedule}.json"


def serialize_state(state: dict[str, Any]) -> bytes:
    return (json.dumps(state, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def parse_state(body: str | bytes) -> dict[str, Any] | None:
    """A record this code wrote, or None for anything else (then the next run starts afresh)."""
    try:
        raw = json.loads(body)
    except ValueError:
        return None
    if not isinstance(raw, dict) or raw.get("format") != SUPPORTED_FORMAT:
        return None
    for field in ("lastRun", "lastChange", "source"):
        if field in raw and not isinstance(raw[field], dict):
            return None
    return raw
