"""Convert data files into one SQLite database: the converter of stub/live-data.md.

Used by the CLI at deploy time (on the user's machine, through `python -m
datasette_lambda.convert`, __main__.py) and by the converter function in AWS
(function.py). Formats: SQLite (by its header, whatever the name), CSV, TSV,
JSON (an array of objects), NDJSON/JSONL, YAML (a list of objects), Markdown
(one row: front-matter fields plus body) and Excel .xlsx (a table per sheet).
One table per input, named after the file (or --table for all of them); types
detected (integer, float, text; empty cells NULL); a unique column named id,
or --pk COL, becomes the primary key. The same input gives the same bytes.

Errors: ConversionError(file, line, reason); nothing is left at the output path. With a
budget (the converter function's), OutOfBudget(reason) when it would outlast the function.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterable
from typing import Any

from datasette_lambda.convert.budget import Budget
from datasette_lambda.convert.errors import ConversionError
from datasette_lambda.convert.formats import SQLITE_HEADER, detect_format, read_tables
from datasette_lambda.convert.publish import sha256_file
from datasette_lambda.convert.tables import StagedTable, open_output, open_staging
from datasette_lambda.convert.text import decode_error

__all__ = ["ConversionError", "convert_files"]

SUPPORTED = ".csv, .tsv, .json, .ndjson, .jsonl, .yaml, .yml, .md, .xlsx"


def convert_files(
    paths: Iterable[str | os.PathLike[str]],
    out_path: str,
    *,
    table: str | None = None,
    pk: str | None = None,
    budget: Budget | None = None,
) -> dict[str, Any]:
    """Convert `paths` into the database `out_path`; returns the --json result.

    Raises ConversionError(file, line, reason), or OutOfBudget(reason) when `budget` runs
    out; `out_path` is then untouched.
    """
    files = [os.fspath(p) for p in paths]
    out_path = os.fspath(out_path)
    if not files:
        raise ValueError("convert_files needs at least one input")
    formats = [(path, _format_of(path)) for path in files]
    partial = f"{out_path}.partial-{os.getpid()}"
    try:
        sqlite_inputs = [path for path, fmt in formats if fmt == "sqlite"]
        if sqlite_inputs:
            if len(files) > 1 or table or pk:
                raise ConversionError(
                    sqlite_inputs[0],
                    None,
                    "an SQLite database is published as it is: convert it on its own, without --table or --pk",
                )
            tables = _copy_database(files[0], partial, budget)
        else:
            tables = _convert(formats, partial, table, pk, budget)
        if budget is not None:
            budget.check()  # hashing a large database takes a while too
        digest, size = sha256_file(partial), os.path.getsize(partial)
        os.replace(partial, out_path)
    except sqlite3.Error:
        if budget is not None:
            budget.raise_if_exceeded()  # a statement the budget interrupted
        raise
    finally:
        _remove(partial)
    return {"database": out_path, "tables": tables, "bytes": size, "sha256": digest}


def _format_of(path: str) -> str:
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        raise ConversionError(path, None, "no such file") from None
    except IsADirectoryError:
        raise ConversionError(path, None, "is a directory, not a file") from None
    except OSError as e:
        raise ConversionError(path, None, f"cannot be read ({e.strerror})") from None
    fmt = detect_format(path, head)
    if fmt is None:
        raise ConversionError(path, None, f"unknown format: expected an SQLite database or {SUPPORTED}")
    return fmt


def _convert(
    formats: list[tuple[str, str]], partial: str, table: str | None, pk: str | None, budget: Budget | None
) -> dict[str, dict[str, int]]:
    staging_path = f"{partial}.staging"
    _remove(partial)
    staging = open_staging(staging_path)
    out = open_output(partial)
    if budget is not None:
        budget.watch(staging.conn)
        budget.watch(out.conn)
    try:
        staged: dict[str, StagedTable] = {}  # lower-cased table name -> StagedTable (SQLite names ignore case)
        for path, fmt in formats:
            try:
                for rows in read_tables(path, fmt):
                    if budget is not None:
                        rows.rows = budget.metered(rows.rows)
                    name = table or rows.name
                    target = staged.get(name.lower())
                    if target is None:
                        target = staged[name.lower()] = StagedTable(staging, name)
                    elif not table:
                        raise ConversionError(path, None, f"its table {name!r} would also come from {target.files[0]}")
                    target.add(rows)
            except UnicodeDecodeError as e:
                raise decode_error(path, e) from None
        staging.conn.commit()
        out.execute("ATTACH DATABASE ? AS staging", [staging_path])
        for target in staged.values():
            target.write(out, pk)
        out.execute("DETACH DATABASE staging")
        # Only a primary key that turned out not unique leaves free pages behind.
        if out.execute("PRAGMA freelist_count").fetchone()[0]:
            out.execute("VACUUM")
        return {target.name: {"count": target.count} for target in staged.values()}
    finally:
        out.close()
        staging.close()
        _remove(staging_path)


def _copy_database(path: str, partial: str, budget: Budget | None) -> dict[str, dict[str, int]]:
    """An SQLite input is published byte for byte, once it passes quick_check."""
    uri = "file:" + os.path.abspath(path).replace("?", "%3F").replace("#", "%23") + "?immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True)
        if budget is not None:
            budget.watch(conn)
        try:
            result = "; ".join(row[0] for row in conn.execute("PRAGMA quick_check"))
            if result != "ok":
                raise ConversionError(path, None, f"fails PRAGMA quick_check: {result[:200]}")
            names = [
                row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            ]
            tables = {}
            for name in names:
                try:
                    quoted = '"' + name.replace('"', '""') + '"'
                    tables[name] = {"count": conn.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]}
                except sqlite3.Error:
                    pass  # a virtual table whose module this Python lacks: Datasette counts it
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        if budget is not None:
            budget.raise_if_exceeded()  # interrupted, not corrupt
        raise ConversionError(path, None, f"is corrupt ({e})") from None
    shutil.copyfile(path, partial)
    return tables


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
