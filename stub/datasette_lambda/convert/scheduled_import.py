"""One run of a scheduled import (`datasette-lambda schedule`): EventBridge Scheduler invokes
the converter function with the event of contract/scheduled_import.py; this fetches the URL
(fetch.py), converts it as the site converts its files (its --fts and --encoding, unless the
schedule has its own) and publishes it as push does (publish.py), only when it changed.

- The fetch is conditional on the last ETag and Last-Modified, while the site still serves
  what the last run published: a 304 publishes nothing.
- The same bytes as last time, converted the same way, are not converted again; a conversion
  that gives the database the site already serves publishes nothing either (publish.py).
- The database's data is as of the source's Last-Modified, else the time it was fetched;
  its manifest entry names the address (sourceUrl, without credentials or query string),
  and the site's pages say "Data from URL, as of ...".
- A failing source (HTTP error, timeout, too big, a file that does not convert) keeps what
  the site serves: the run is recorded as failed, with the reason, for `ls`; the next run
  tries again. Only when even the record cannot be written does the invocation fail.

Each run's outcome is kept in schedules/<schedule>.json (contract/scheduled_import.py).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from datasette_lambda.contract.convert_settings import SETTINGS_VARIABLE, ConvertSettings, parse_convert_settings
from datasette_lambda.contract.scheduled_import import (
    ScheduledImport,
    parse_scheduled_import,
    parse_state,
    serialize_state,
    state_key,
)
from datasette_lambda.convert import publish
from datasette_lambda.convert.budget import Budget
from datasette_lambda.convert.fetch import FetchError, NotModified, display_url, fetch, file_name
from datasette_lambda.convert.formats import FORMATS_BY_EXTENSION, SQLITE_HEADER
from datasette_lambda.convert.function import reason_line
from datasette_lambda.convert.publish import iso_seconds
from datasette_lambda.convert.site_options import options_for

log = logging.getLogger("datasette_lambda")


def read_state(s3: Any, bucket: str, schedule: str) -> dict[str, Any]:
    """The schedule's record, or {} when there is none (or none this code can read)."""
    try:
        response = s3.get_object(Bucket=bucket, Key=state_key(schedule))
    except Exception as e:
        if publish.is_missing(e):
            return {}
        raise
    with response["Body"] as body:
        return parse_state(body.read()) or {}


def conversion_options(job: ScheduledImport, settings: ConvertSettings) -> ConvertSettings:
    """The schedule's own --fts and --encoding, else the site's (pure)."""
    return ConvertSettings(
        fts=settings.fts if job.fts is None else job.fts,
        encoding=settings.encoding if job.encoding is None else job.encoding,
    )


def data_as_of(last_modified: str | None, fetched_at: datetime) -> str:
    """The source's Last-Modified (an HTTP date), else the time it was fetched (pure)."""
    if last_modified:
        try:
            return iso_seconds(parsedate_to_datetime(last_modified))
        except (TypeError, ValueError):
            pass  # not a date: the fetch time will do
    return iso_seconds(fetched_at)


def run_from_event(
    event: dict[str, Any],
    s3: Any,
    env: Mapping[str, str],
    converter: Callable[[], Callable[..., dict[str, Any]]],
    now: Callable[[], datetime],
    temp_root: str | None,
    budget_of: Callable[[int], Budget | None],
) -> dict[str, Any]:
    """The converter function's handling of a scheduled import's event (function.py)."""
    bucket = env.get("DATASETTE_LAMBDA_BUCKET")
    if not bucket:
        raise RuntimeError("DATASETTE_LAMBDA_BUCKET is not set")
    # An event the CLI did not write fails the invocation (logged); Lambda does not retry it.
    job = parse_scheduled_import(event)

    def convert(paths: list[str], out_path: str, **options: Any) -> dict[str, Any]:
        return converter()(paths, out_path, **options)

    return run_scheduled_import(
        s3, bucket, job, convert, lambda: parse_convert_settings(env.get(SETTINGS_VARIABLE)), now, temp_root, budget_of
    )


def run_scheduled_import(
    s3: Any,
    bucket: str,
    job: ScheduledImport,
    convert: Callable[..., dict[str, Any]],
    settings: Callable[[], ConvertSettings],
    now: Callable[[], datetime],
    temp_root: str | None = None,
    budget_of: Callable[[int], Budget | None] = lambda size: None,
) -> dict[str, Any]:
    """Fetch, convert and publish the source once; record the outcome. Returns it.

    settings() -> the site's conversion settings, read inside the run so that settings that
    cannot be read fail it with the reason."""
    shown = display_url(job.url)
    state = read_state(s3, bucket, job.schedule)
    manifest, _ = publish.read_manifest(s3, bucket)
    served = manifest["databases"].get(job.database, {}).get("sha256")
    last_change, source = state.get("lastChange") or {}, state.get("source") or {}
    # Conditional only while the site serves what the last run published (not after an rm).
    known = served is not None and served == last_change.get("sha256")
    record: dict[str, Any] = {
        "format": 1,
        "schedule": job.schedule,
        "url": shown,
        "database": job.database,
        **({"lastChange": last_change} if last_change else {}),
        **({"source": source} if source else {}),
    }
    directory = tempfile.mkdtemp(dir=temp_root, prefix="datasette-lambda-import-")
    started = now()
    try:
        options = conversion_options(job, settings())
        options_key = json.dumps({"fts": list(options.fts), "encoding": options.encoding, "keyNames": job.key_names})
        fetched = fetch(
            job.url,
            os.path.join(directory, "download"),
            etag=source.get("etag") if known else None,
            last_modified=source.get("lastModified") if known else None,
        )
        if isinstance(fetched, NotModified):
            outcome = {"status": "unchanged", "why": "304 Not Modified"}
        else:
            digest = publish.sha256_file(fetched.path)
            source = {
                "etag": fetched.etag,
                "lastModified": fetched.last_modified,
                "sha256": digest,
                "options": options_key,
            }
            last = record.get("source") or {}
            if known and last.get("sha256") == digest and last.get("options") == options_key:
                outcome = {"status": "unchanged", "why": "the same bytes"}
            else:
                path = _saved_as(job, fetched.path, fetched.content_type)
                entry, changed = _convert_and_publish(
                    s3, bucket, job, path, options, convert, budget_of, started, fetched.last_modified
                )
                outcome = {
                    "status": "published" if changed else "unchanged",
                    "why": "a new version" if changed else "the same database",
                }
                if changed or last_change.get("sha256") != entry["sha256"]:
                    # What the site now serves under this name came from here: later runs compare with it.
                    record["lastChange"] = {
                        "at": iso_seconds(now()),
                        "sha256": entry["sha256"],
                        "dataAsOf": entry.get("dataAsOf"),
                    }
            record["source"] = source
        record["lastRun"] = {"at": iso_seconds(started), "result": outcome["status"]}
    except Exception as error:
        if not isinstance(error, FetchError) and getattr(error, "reason", None) is None:
            log.exception("datasette-lambda converter: scheduled import of %s failed", shown)  # not the source's fault
        reason = str(error) if isinstance(error, FetchError) else reason_line(os.path.basename(shown) or shown, error)
        outcome = {"status": "failed", "why": reason}
        record["lastRun"] = {"at": iso_seconds(started), "result": "failed", "reason": reason}
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    s3.put_object(
        Bucket=bucket, Key=state_key(job.schedule), Body=serialize_state(record), ContentType="application/json"
    )
    log.info(
        "datasette-lambda converter: scheduled import of %s into %s: %s (%s)",
        shown,
        job.database,
        outcome["status"],
        outcome["why"],
    )
    return {"status": outcome["status"], "schedule": job.schedule, "database": job.database, "detail": outcome["why"]}


def _convert_and_publish(
    s3: Any,
    bucket: str,
    job: ScheduledImport,
    path: str,
    options: ConvertSettings,
    convert: Callable[..., dict[str, Any]],
    budget_of: Callable[[int], Budget | None],
    fetched_at: datetime,
    last_modified: str | None,
) -> tuple[dict[str, Any], bool]:
    out = os.path.join(os.path.dirname(path), "out", f"{job.database}.db")
    os.makedirs(os.path.dirname(out))
    result = convert([path], out, budget=budget_of(os.path.getsize(path)), **options_for(path, options, job.key_names))
    return publish.publish_database(
        s3,
        bucket,
        name=job.database,
        path=out,
        tables=result.get("tables", {}),
        sha256=result.get("sha256"),
        size=result.get("bytes"),
        data_as_of=data_as_of(last_modified, fetched_at),
        source=display_url(job.url),
        source_url=display_url(job.url),
        now=fetched_at,
    )


def _saved_as(job: ScheduledImport, downloaded: str, content_type: str | None) -> str:
    """The downloaded file renamed so the converter knows its format (fetch.file_name)."""
    name = file_name(job.url, job.database, content_type, tuple(FORMATS_BY_EXTENSION))
    if name is None:
        with open(downloaded, "rb") as f:
            if f.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                raise FetchError(
                    f"cannot tell its format (Content-Type {content_type or 'none'}): give it an address ending "
                    ".csv, .json, .geojson... or serve it with a Content-Type such as text/csv"
                )
        name = f"{job.database}.db"
    path = os.path.join(os.path.dirname(downloaded), name)
    os.replace(downloaded, path)
    return path
