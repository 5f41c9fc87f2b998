"""live/manifest.json: what the publishers say is served live (docs/live-data.md; the schema is
schemas/live-manifest.schema.json). The runtime reads it, the converter function's publisher
(convert/publish.py) reads and changes it; the CLI does both in TypeScript (src/live/manifest.ts),
with the same rules and the same words, tested on the same examples (schemas/examples/).

A manifest is read in two steps. read_live_manifest checks the document (JSON, an object,
format 1, the two maps) and refuses it whole otherwise: nothing in it can be trusted.
live_entries then checks each database entry: a bad one (a name Datasette keeps, a missing
sha256...) is a problem of that entry alone, skipped with its reason, and the others are
served. Publishers change the document as read, so what they cannot read is written back as
it was. Unknown fields are kept, so an older runtime reads a newer, compatible manifest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable
from typing import Any

from datasette_lambda.contract.names import name_problem
from datasette_lambda.contract.timestamps import parse_utc

LIVE_MANIFEST_KEY = "live/manifest.json"
LIVE_DATABASE_PREFIX = "live/db/"
DEPLOYED_RECORD_KEY = "live/deployed.json"
SUPPORTED_FORMAT = 1

_SHA256 = re.compile(r"[0-9a-f]{64}")


class LiveManifestError(Exception):
    """live/manifest.json is not a document this code can read at all; the message says why."""


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")  # json.loads takes NaN and Infinity; JSON (and the CLI) does not


def read_live_manifest(body: str | bytes) -> dict[str, Any]:
    """The document as written (entries unchecked), or LiveManifestError."""
    try:
        raw = json.loads(body, parse_constant=_reject_constant)
    except ValueError as e:
        raise LiveManifestError(f"{LIVE_MANIFEST_KEY} is not valid JSON: {e}") from None
    if not isinstance(raw, dict):
        raise LiveManifestError(f"{LIVE_MANIFEST_KEY} must hold a JSON object")
    fmt = raw.get("format")
    if isinstance(fmt, bool) or fmt != SUPPORTED_FORMAT:
        raise LiveManifestError(
            f"{LIVE_MANIFEST_KEY} has format {fmt!r}; this site reads format {SUPPORTED_FORMAT}: "
            "redeploy it with the datasette-lambda that published"
        )
    for field in ("databases", "failed"):
        if not isinstance(raw.get(field), dict):
            raise LiveManifestError(f"{LIVE_MANIFEST_KEY}: {field!r} must be an object")
    return raw


def _whole_number(value: object) -> bool:
    """A JSON integer (1.0 is one, as JSON Schema says), not negative; never a boolean."""
    if isinstance(value, bool):
        return False
    return (isinstance(value, int) or (isinstance(value, float) and value.is_integer())) and value >= 0


def _table_counts(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(table, dict) and _whole_number(table.get("count")) for table in value.values()
    )


def _utc_time(value: object) -> bool:
    try:
        parse_utc(value)
    except ValueError:
        return False
    return True


def entry_problem(entry: object) -> str | None:
    """Why an entry (its name aside) cannot be served, or None. The same words as the CLI's."""
    if not isinstance(entry, dict):
        return "the entry is not a JSON object"
    key = entry.get("key")
    if not isinstance(key, str) or not key.startswith(LIVE_DATABASE_PREFIX) or key == LIVE_DATABASE_PREFIX:
        return f"its key is not a key under {LIVE_DATABASE_PREFIX}"
    sha256 = entry.get("sha256")
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        return "its sha256 is not 64 lower-case hex digits"
    if not _whole_number(entry.get("bytes")):
        return "its bytes is not a whole number"
    if "tables" in entry and not _table_counts(entry["tables"]):
        return 'its tables is not {"<table>": {"count": <whole number>}}'
    for field in ("dataAsOf", "publishedAt"):
        if field in entry and not _utc_time(entry[field]):
            return f"its {field} is not an ISO 8601 UTC time such as 2026-12-01T10:00:00Z"
    if "source" in entry and not isinstance(entry["source"], str):
        return "its source is not a string"
    return None


def live_entries(
    document: dict[str, Any], deployed: Iterable[str] = ()
) -> tuple[dict[str, dict[str, Any]], list[tuple[str, str]]]:
    """({name: entry as written} a reader serves, in name order; [(name, reason)] of the others).

    deployed: the names of the databases deployed with the site, which a live database may
    replace (same name) but not shadow in other letters; a name that differs only in case from
    one served before it (in name order) is a problem too.
    """
    taken = list(deployed)
    served: dict[str, dict[str, Any]] = {}
    problems: list[tuple[str, str]] = []
    for name in sorted(document["databases"]):
        entry = document["databases"][name]
        reason = name_problem(name, taken) or entry_problem(entry)
        if reason is not None:
            problems.append((name, reason))
            continue
        served[name] = entry
        taken.append(name)
    return served, problems


def parse_live_manifest(
    body: str | bytes, deployed: Iterable[str] = ()
) -> tuple[dict[str, dict[str, Any]], list[tuple[str, str]]]:
    """What the runtime serves from the manifest's bytes: ({name: entry}, [(name, reason)] skipped).

    Each entry: {"name", "key", "sha256", "bytes", "fileName": "<name>.db", "tables": {table:
    count} or None (Datasette counts), "dataAsOf": canonical time or None}. dataAsOf falls back
    to publishedAt (a live database's data is as of its publication). LiveManifestError when
    the document cannot be read at all.
    """
    served, problems = live_entries(read_live_manifest(body), deployed)
    return {name: _for_runtime(name, entry) for name, entry in served.items()}, problems


def _for_runtime(name: str, entry: dict[str, Any]) -> dict[str, Any]:
    tables = entry.get("tables")
    data_as_of = entry.get("dataAsOf") or entry.get("publishedAt")
    return {
        "name": name,
        "key": entry["key"],
        "sha256": entry["sha256"],
        "bytes": int(entry["bytes"]),
        "fileName": f"{name}.db",
        "tables": None if tables is None else {table: int(info["count"]) for table, info in tables.items()},
        "dataAsOf": parse_utc(data_as_of) if data_as_of is not None else None,
    }


# --- what publishers write ------------------------------------------------------------------


def live_database_key(sha256: str, name: str) -> str:
    return f"{LIVE_DATABASE_PREFIX}{sha256}/{name}.db"


def empty_live_manifest() -> dict[str, Any]:
    return {"format": SUPPORTED_FORMAT, "databases": {}, "failed": {}}


def serialize_live_manifest(document: dict[str, Any]) -> bytes:
    """Stable bytes: names sorted, as the CLI writes them."""
    ordered = dict(
        document,
        databases=dict(sorted(document["databases"].items())),
        failed=dict(sorted(document["failed"].items())),
    )
    return (json.dumps(ordered, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def serves(document: dict[str, Any], name: str, sha256: str) -> bool:
    """The manifest already serves these bytes under this name (as this publisher would write them)."""
    entry = document["databases"].get(name)
    return (
        entry_problem(entry) is None
        and entry["sha256"] == sha256
        and entry["key"] == live_database_key(sha256, name)
        and name_problem(name) is None
    )


def with_published(
    document: dict[str, Any], name: str, entry: dict[str, Any], sources: Collection[str]
) -> dict[str, Any]:
    """This database served (added or replaced); failures of its sources cleared."""
    databases = dict(document["databases"], **{name: entry})
    failed = {source: f for source, f in document["failed"].items() if source not in sources}
    return dict(document, databases=databases, failed=failed)


def with_failure(document: dict[str, Any], source: str, failure: dict[str, str]) -> dict[str, Any]:
    """A file that could not be converted, recorded; what is served is untouched."""
    return dict(document, failed=dict(document["failed"], **{source: failure}))


def with_removed(document: dict[str, Any], name: str) -> dict[str, Any] | None:
    """Without the entry `name` (served or not); None when there is none."""
    if name not in document["databases"]:
        return None
    return dict(document, databases={n: e for n, e in document["databases"].items() if n != name})


def named_keys(document: dict[str, Any]) -> set[str]:
    """Every live/db/ key an entry names, served or not: garbage collection never deletes one."""
    return {
        entry["key"]
        for entry in document["databases"].values()
        if isinstance(entry, dict) and isinstance(entry.get("key"), str)
    }
