"""Full-text search for converted tables (--fts COLUMN): an FTS5 index Datasette detects.

Datasette shows its search box, and answers ?_search=, for a table that has a virtual
table declared with content="<table>" (datasette.utils.detect_fts). sqlite-utils'
enable_fts makes exactly that: <table>_fts, an external-content FTS5 table over the
named columns. The index is filled in rowid order and then optimized (its segments
merged into one), so the same rows give the same bytes; no triggers, since a published
file never changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlite_utils

from datasette_lambda.convert.errors import ConversionError

# The tables FTS5 adds for an index named <table>_fts.
FTS_SUFFIXES = ("_fts", "_fts_data", "_fts_idx", "_fts_docsize", "_fts_config", "_fts_content")


def searchable_columns(columns: Sequence[str], wanted: Sequence[str]) -> list[str]:
    """The table's own names of the wanted columns it has, in the order asked (pure).

    SQLite compares column names case-insensitively, and so does this; a name asked
    twice counts once.
    """
    by_lower = {column.lower(): column for column in columns}
    found: list[str] = []
    for name in wanted:
        column = by_lower.get(name.lower())
        if column is not None and column not in found:
            found.append(column)
    return found


def index_clash(table: str, tables: Sequence[str]) -> str | None:
    """Another table whose name the index of `table` would take, or None (pure)."""
    taken = {name.lower() for name in tables if name.lower() != table.lower()}
    return next((table + s for s in FTS_SUFFIXES if (table + s).lower() in taken), None)


def make_searchable(db: sqlite_utils.Database, table: str, columns: Sequence[str], file: str) -> None:
    """Build the FTS5 index of `columns` of `table` in db."""
    clash = index_clash(table, db.table_names())
    if clash is not None:
        raise ConversionError(file, None, f"--fts: the search index of {table!r} would be named {clash!r}, a table")
    # No transaction of ours: enable_fts runs executescript, which commits first; a failure
    # leaves a partial output file, which the conversion deletes anyway.
    db.table(table).enable_fts(columns, fts_version="FTS5")
    # One segment instead of one per batch FTS5 flushed: smaller, faster, and fixed.
    fts = '"' + (table + "_fts").replace('"', '""') + '"'
    db.execute(f"INSERT INTO {fts} ({fts}) VALUES ('optimize')")
