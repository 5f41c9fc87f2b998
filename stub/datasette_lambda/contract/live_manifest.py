"""Read live/manifest.json, what the publishers say is served live (contract: live-data.md).

    {"format": 1,
     "databases": {"<name>": {"key", "sha256", "bytes", "tables": {"<t>": {"count"}},
                              "dataAsOf", "source", "publishedAt"}},
     "failed": {...}}

A manifest that is not JSON or breaks the shape is refused whole (the site keeps what it
serves): publishers write it in one conditional PUT, so a bad one is a bug to fix, not
something to serve half of. Unknown keys are ignored, so an older stub reads a newer,
compatible manifest.
"""

from __future__ import annotations

import json
import re
from typing import Any

from datasette_lambda.contract.timestamps import parse_utc

LIVE_MANIFEST_KEY = "live/manifest.json"
SUPPORTED_FORMAT = 1
# Datasette's own databases: a live database may not take their place.
RESERVED_NAMES = frozenset({"_internal", "_memory"})

# Also the publisher's (live_publish.py).
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")


class LiveManifestError(Exception):
    """live/manifest.json cannot be followed; the message names the bad field."""


def parse_live_manifest(body: str | bytes) -> dict[str, dict[str, Any]]:
    """{name: entry} in name order, from the manifest's bytes.

    Each entry: {"name", "key", "sha256", "bytes", "fileName": "<name>.db",
    "tables": {table: count} or None, "dataAsOf": canonical time or None}. dataAsOf falls
    back to publishedAt (the contract: a live database's data is as of its publication).
    """
    try:
        raw = json.loads(body)
    except ValueError as e:
        raise LiveManifestError(f"{LIVE_MANIFEST_KEY} is not valid JSON: {e}") from None
    if not isinstance(raw, dict):
        raise LiveManifestError(f"{LIVE_MANIFEST_KEY} must hold a JSON object")
    if raw.get("format") != SUPPORTED_FORMAT:
        raise LiveManifestError(
            f"{LIVE_MANIFEST_KEY} has format {raw.get('format')!r}; this site reads format "
            f"{SUPPORTED_FORMAT}: redeploy it with the datasette-lambda that published"
        )
    databases = raw.get("databases", {})
    if not isinstance(databases, dict):
        raise LiveManifestError(f"{LIVE_MANIFEST_KEY}: 'databases' must be an object")
    return {name: _entry(name, databases[name]) for name in sorted(databases)}


def _entry(name: str, raw: Any) -> dict[str, Any]:
    where = f"{LIVE_MANIFEST_KEY}: databases[{name!r}]"
    if not NAME_PATTERN.match(name):
        raise LiveManifestError(f"{where}: a name is letters, digits, _ and - only")
    if name in RESERVED_NAMES:
        raise LiveManifestError(f"{where}: {name} is Datasette's own database")
    if not isinstance(raw, dict):
        raise LiveManifestError(f"{where} must be an object")
    key, sha256, size = raw.get("key"), raw.get("sha256"), raw.get("bytes")
    if not isinstance(key, str) or not key:
        raise LiveManifestError(f"{where}.key must be a non-empty string")
    if not isinstance(sha256, str) or not SHA256_PATTERN.match(sha256):
        raise LiveManifestError(f"{where}.sha256 must be 64 lower-case hex digits")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise LiveManifestError(f"{where}.bytes must be a non-negative integer")
    data_as_of, published_at = _time(raw, "dataAsOf", where), _time(raw, "publishedAt", where)
    return {
        "name": name,
        "key": key,
        "sha256": sha256,
        "bytes": size,
        "fileName": f"{name}.db",
        "tables": _table_counts(raw.get("tables"), where),
        "dataAsOf": data_as_of or published_at,
    }


def _table_counts(tables: object, where: str) -> dict[str, int | None] | None:
    """{table: count} from {"<table>": {"count": N}}; None when absent (Datasette counts)."""
    if tables is None:
        return None
    if not isinstance(tables, dict):
        raise LiveManifestError(f"{where}.tables must be an object")
    counts = {}
    for table, info in tables.items():
        count = info.get("count") if isinstance(info, dict) else None
        if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 0):
            raise LiveManifestError(f"{where}.tables[{table!r}].count must be a non-negative integer")
        counts[table] = count
    return counts


def _time(raw: dict[str, Any], field: str, where: str) -> str | None:
    value = raw.get(field)
    if value is None:
        return None
    try:
        return parse_utc(value)
    except ValueError:
        raise LiveManifestError(f"{where}.{field} must be an ISO 8601 UTC time such as 2026-12-01T10:00:00Z") from None
