"""Load and validate manifest.json, the site description the CLI writes into the package.

Format 1 (see the shared contract):
  {"format": 1, "databases": [...], "inspect": {...}, "metadata": {...},
   "settings": {...}, "cors": bool, "prefix": "x" | null,
   "crossdb": bool (optional), "versionNote": "..." (optional),
   "pluginsDir": "site/plugins", "templateDir": "site/templates",
   "staticMounts": [{"mount": "assets", "dir": "site/static/0"}] (optional; package paths)}
each database {"name", "fileName", "sha256", "bytes", "location": "inline" | "s3",
"key": "db/<sha256>/<fileName>", "dataAsOf": "2026-12-01T10:00:00Z"} (key required for
s3, optional for inline; dataAsOf optional: packages built before it have none).
Unknown keys are ignored so an older stub can read a newer, compatible manifest.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, NoReturn

from datasette_lambda.contract.timestamps import parse_utc

MANIFEST_NAME = "manifest.json"
SUPPORTED_FORMAT = 1

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# Path segments of unreserved URL characters: the prefix is matched against raw paths as is.
_PREFIX = re.compile(r"^[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)*$")
# A plain file name: no directories, nothing that could escape databases/ or the cache dir.
_FILE_NAME = re.compile(r"^[^/\\\x00]+$")


class PackageManifestError(Exception):
    """manifest.json is missing or does not describe a site this stub can serve."""


def load_manifest(task_root: str) -> dict[str, Any]:
    path = os.path.join(task_root, MANIFEST_NAME)
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except FileNotFoundError:
        raise PackageManifestError(f"{path} is missing: the package must be built by datasette-lambda") from None
    except ValueError as e:
        raise PackageManifestError(f"{path} is not valid JSON: {e}") from None
    return validate_manifest(raw)


def validate_manifest(raw: Any) -> dict[str, Any]:
    """Return a normalised copy of the manifest, or raise PackageManifestError naming the bad field."""
    if not isinstance(raw, dict):
        raise PackageManifestError("manifest.json must hold a JSON object")
    if raw.get("format") != SUPPORTED_FORMAT:
        raise PackageManifestError(
            f"manifest.json has format {raw.get('format')!r}; this stub reads format "
            f"{SUPPORTED_FORMAT}: rebuild the package with the same datasette-lambda version"
        )

    databases = raw.get("databases")
    if not isinstance(databases, list):
        raise PackageManifestError("manifest.json: 'databases' must be a list")
    seen = set()
    normalised_databases = []
    for i, entry in enumerate(databases):
        db = _validate_database(entry, f"databases[{i}]")
        if db["name"] in seen:
            raise PackageManifestError(f"manifest.json: database name {db['name']!r} appears twice")
        seen.add(db["name"])
        normalised_databases.append(db)

    inspect = _object(raw, "inspect")
    metadata = _object(raw, "metadata")
    settings = _object(raw, "settings")

    cors = raw.get("cors", False)
    if not isinstance(cors, bool):
        raise PackageManifestError("manifest.json: 'cors' must be true or false")

    prefix = raw.get("prefix")
    if prefix is not None:
        if not isinstance(prefix, str) or not _PREFIX.match(prefix.strip("/")):
            raise PackageManifestError(
                f"manifest.json: 'prefix' must be null or path segments of letters, digits and . _ ~ - (got {prefix!r})"
            )
        prefix = prefix.strip("/")
        base_url = f"/{prefix}/"
        if settings.get("base_url", base_url) != base_url:
            raise PackageManifestError(
                f"manifest.json: prefix {prefix!r} needs settings.base_url {base_url!r}, found {settings['base_url']!r}"
            )
        settings = dict(settings, base_url=base_url)

    crossdb = raw.get("crossdb", False)
    if not isinstance(crossdb, bool):
        raise PackageManifestError("manifest.json: 'crossdb' must be true or false")
    version_note = raw.get("versionNote")
    if version_note is not None and not isinstance(version_note, str):
        raise PackageManifestError("manifest.json: 'versionNote' must be a string")

    plugins_dir = _package_dir(raw, "pluginsDir")
    template_dir = _package_dir(raw, "templateDir")
    static_mounts = _static_mounts(raw.get("staticMounts"))

    return {
        "format": SUPPORTED_FORMAT,
        "databases": normalised_databases,
        "inspect": inspect,
        "metadata": metadata,
        "settings": settings,
        "cors": cors,
        "prefix": prefix,
        "crossdb": crossdb,
        "versionNote": version_note,
        "pluginsDir": plugins_dir,
        "templateDir": template_dir,
        "staticMounts": static_mounts,
    }


def _validate_database(entry: object, where: str) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise PackageManifestError(f"manifest.json: {where} must be an object")
    name = entry.get("name")
    file_name = entry.get("fileName")
    sha256 = entry.get("sha256")
    size = entry.get("bytes")
    location = entry.get("location")
    if not isinstance(name, str) or not name:
        raise PackageManifestError(f"manifest.json: {where}.name must be a non-empty string")
    if not isinstance(file_name, str) or not _FILE_NAME.match(file_name) or file_name in (".", ".."):
        raise PackageManifestError(f"manifest.json: {where}.fileName must be a plain file name")
    if not isinstance(sha256, str) or not _SHA256.match(sha256):
        raise PackageManifestError(f"manifest.json: {where}.sha256 must be 64 lower-case hex digits")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise PackageManifestError(f"manifest.json: {where}.bytes must be a non-negative integer")
    if location not in ("inline", "s3"):
        raise PackageManifestError(f"manifest.json: {where}.location must be 'inline' or 's3'")
    db = {"name": name, "fileName": file_name, "sha256": sha256, "bytes": size, "location": location}
    # The object in the bucket: where an s3 database is fetched from, and where any
    # database with a key is downloaded from (inline ones have a copy there if the
    # package was built by a datasette-lambda that uploads one; older ones have no key).
    key = entry.get("key")
    if key is not None or location == "s3":
        if not isinstance(key, str) or not key:
            raise PackageManifestError(
                f"manifest.json: {where}.key "
                + ("is required for an s3 database" if location == "s3" else "must be a non-empty string")
            )
        db["key"] = key
    # When the data was last updated (the file's time, or --data-as-of), shown on the site.
    data_as_of = entry.get("dataAsOf")
    if data_as_of is not None:
        try:
            db["dataAsOf"] = parse_utc(data_as_of)
        except ValueError:
            raise PackageManifestError(
                f"manifest.json: {where}.dataAsOf must be an ISO 8601 UTC time such as "
                f"2026-12-01T10:00:00Z (got {data_as_of!r})"
            ) from None
    return db


def _package_dir(raw: dict[str, Any], field: str) -> str | None:
    """A directory inside the package: relative, no .. (None when absent)."""
    value = raw.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or not _PREFIX.match(value):
        raise PackageManifestError(f"manifest.json: '{field}' must be a path inside the package (got {value!r})")
    if any(segment in (".", "..") for segment in value.split("/")):
        raise PackageManifestError(f"manifest.json: '{field}' must be a path inside the package (got {value!r})")
    return value


def _static_mounts(value: object) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PackageManifestError("manifest.json: 'staticMounts' must be a list")
    mounts = []
    for i, entry in enumerate(value):
        if not isinstance(entry, dict) or not isinstance(entry.get("mount"), str) or not _PREFIX.match(entry["mount"]):
            raise PackageManifestError(f"manifest.json: staticMounts[{i}].mount must be URL path segments")
        mounts.append((entry["mount"], _package_dir(entry, "dir") or _missing(f"staticMounts[{i}].dir")))
    return mounts


def _missing(field: str) -> NoReturn:
    raise PackageManifestError(f"manifest.json: {field} is required")


def _object(raw: dict[str, Any], field: str) -> dict[str, Any]:
    value = raw.get(field)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PackageManifestError(f"manifest.json: '{field}' must be an object")
    return value
