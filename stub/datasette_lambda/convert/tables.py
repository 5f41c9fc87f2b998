"""Staging rows and writing the final typed tables, on sqlite-utils.

Rows are first appended, as they come, to an untyped (BLOB-affinity) table in
a staging database while each column's type is tracked; nothing but the
current batch is held in memory. Once a table's input is read, the final table
is created with the detected types and primary key and filled with one
INSERT ... SELECT in staging order, so the output file is written once, in a
fixed order, with no deleted pages: the same input gives the same bytes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import sqlite_utils

from datasette_lambda.convert.column_types import NULL, sql_type, strings_kind, typed_value
from datasette_lambda.convert.errors import ConversionError
from datasette_lambda.convert.formats import Rows

BATCH_ROWS = 2000
# Staging-only columns: where each row came from, for errors found after reading.
FILE_COLUMN = "__datasette_lambda_file"
LINE_COLUMN = "__datasette_lambda_line"


def unique_names(names: Iterable[object]) -> list[str]:
    """Column names from a header: blanks named column_N, repeats suffixed _2 (pure).

    SQLite compares column names case-insensitively, so "Name" repeats "name".
    """
    taken = {FILE_COLUMN, LINE_COLUMN}
    unique = []
    for position, name in enumerate(names, 1):
        base = f"column_{position}" if name is None or str(name) == "" else str(name)
        candidate, suffix = base, 2
        while candidate.lower() in taken:
            candidate, suffix = f"{base}_{suffix}", suffix + 1
        taken.add(candidate.lower())
        unique.append(candidate)
    return unique


class StagedTable:
    """One output table: its columns, their kinds so far, and its staged rows."""

    def __init__(self, staging: sqlite_utils.Database, name: str) -> None:
        self.staging = staging
        self.name = name
        self.columns: list[str] = []
        self.index: dict[str, int] = {}  # lower-cased column name -> position
        self.kinds: list[int] = []
        self.last_columns: list[str] = []
        self.files: list[str] = []
        self.count = 0
        # CSV and TSV stage empty cells as "", made NULL when copied out.
        self.empty_is_null = False
        staging.table(name).create({FILE_COLUMN: int, LINE_COLUMN: int})

    def _column(self, name: str) -> int:
        position = self.index.get(name.lower())
        if position is None:
            position = len(self.columns)
            self.staging.table(self.name).add_column(name, "blob")
            self.columns.append(name)
            self.index[name.lower()] = position
            self.kinds.append(NULL)
        return position

    def _insert_sql(self, positions: Iterable[int]) -> str:
        names = [FILE_COLUMN, LINE_COLUMN, *(self.columns[p] for p in positions)]
        quoted = ", ".join(_quote(n) for n in names)
        return f"INSERT INTO {_quote(self.name)} ({quoted}) VALUES ({', '.join('?' * len(names))})"

    def add(self, rows: Rows) -> None:
        """Stage every row of one Rows (see convert_formats)."""
        file_index = len(self.files)
        self.files.append(rows.path)
        for name in rows.last_columns:
            if name not in self.last_columns:
                self.last_columns.append(name)
        if rows.header is not None:
            self._add_tabular(file_index, rows)
        else:
            self._add_records(file_index, rows)

    def _add_tabular(self, file_index: int, rows: Rows) -> None:
        assert rows.header is not None  # add() sends only tabular rows here
        positions = [self._column(name) for name in unique_names(rows.header)]
        sql = self._insert_sql(positions)
        kinds = [NULL] * len(positions)
        execute = self.staging.conn.executemany
        batch = []
        if rows.detect_types:
            # Strings are staged as they are ("" included: NULLIF in the final copy)
            # and typed a batch at a time, column by column.
            self.empty_is_null = True
            for line, values in rows.rows:
                batch.append((file_index, line, *values))
                if len(batch) >= BATCH_ROWS:
                    _detect_kinds(batch, kinds)
                    execute(sql, batch)
                    self.count += len(batch)
                    batch.clear()
            _detect_kinds(batch, kinds)
        else:
            for line, values in rows.rows:
                for i, value in enumerate(values):
                    kind, values[i] = typed_value(value)
                    if kind > kinds[i]:
                        kinds[i] = kind
                batch.append((file_index, line, *values))
                if len(batch) >= BATCH_ROWS:
                    execute(sql, batch)
                    self.count += len(batch)
                    batch.clear()
        if batch:
            execute(sql, batch)
            self.count += len(batch)
        for i, position in enumerate(positions):
            self.kinds[position] = max(self.kinds[position], kinds[i])

    def _add_records(self, file_index: int, rows: Rows) -> None:
        # Rows as wide as every column seen so far; a new column flushes the batch.
        layouts: dict[tuple[str, ...], list[int]] = {}  # the keys of a record -> their column positions
        sql = self._insert_sql(range(len(self.columns)))
        batch: list[tuple[Any, ...]] = []
        for line, record in rows.rows:
            pairs = list(record.items()) if isinstance(record, dict) else record
            keys = tuple(key for key, _ in pairs)
            positions = layouts.get(keys)
            if positions is None:
                width = len(self.columns)
                positions = [self._column(name) for name in unique_names(keys)]
                if len(self.columns) > width:
                    if batch:  # staged with the columns they had
                        self.staging.conn.executemany(sql, batch)
                        self.count += len(batch)
                        batch.clear()
                    sql = self._insert_sql(range(len(self.columns)))
                if len(layouts) > 1000:  # bounded: records with ever-new key orders
                    layouts.clear()
                layouts[keys] = positions
            values = [None] * len(self.columns)
            for position, (_, value) in zip(positions, pairs, strict=False):
                kind, values[position] = typed_value(value)
                if kind > self.kinds[position]:
                    self.kinds[position] = kind
            batch.append((file_index, line, *values))
            if len(batch) >= BATCH_ROWS:
                self.staging.conn.executemany(sql, batch)
                self.count += len(batch)
                batch.clear()
        if batch:
            self.staging.conn.executemany(sql, batch)
            self.count += len(batch)

    # The final table ----------------------------------------------------------

    def column_types(self) -> dict[str, str]:
        return {name: sql_type(kind) for name, kind in zip(self.columns, self.kinds, strict=False)}

    def write(self, out: sqlite_utils.Database, pk: str | None = None) -> None:
        """Create the typed table in `out` (attached staging as "staging") and copy the rows."""
        self.staging.conn.commit()
        if not self.columns:
            raise ConversionError(self.files[0], None, "no columns: nothing to make a table of")
        types = self.column_types()
        order = [c for c in self.columns if c not in self.last_columns] + [
            c for c in self.columns if c in self.last_columns
        ]
        if pk is not None:
            column = self._pk_column(pk)
            self._check_no_nulls(column, pk)
            try:
                self._copy(out, types, order, column)
            except sqlite3.IntegrityError as e:
                raise self._duplicate_error(column, pk, e) from None
            return
        # A unique column named id becomes the primary key; a repeated or empty one does not.
        id_column = next((c for c in self.columns if c.lower() == "id"), None)
        if id_column is not None and self.count and not self._has_nulls(id_column):
            try:
                self._copy(out, types, order, id_column)
                return
            except sqlite3.IntegrityError:
                pass
        self._copy(out, types, order, None)

    def _copy(self, out: sqlite_utils.Database, types: dict[str, str], order: list[str], pk: str | None) -> None:
        conn = out.conn
        conn.execute("BEGIN")
        try:
            out.table(self.name).create({c: types[c] for c in order}, pk=pk)
            columns = ", ".join(_quote(c) for c in order)
            values = ", ".join(self._value(c) for c in order)
            conn.execute(
                f"INSERT INTO main.{_quote(self.name)} ({columns}) "
                f"SELECT {values} FROM staging.{_quote(self.name)} ORDER BY rowid"
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _value(self, column: str) -> str:
        """A staged column's value as SQL: CSV's empty cells are NULL."""
        return f"NULLIF({_quote(column)}, '')" if self.empty_is_null else _quote(column)

    def _pk_column(self, pk: str) -> str:
        position = self.index.get(pk.lower())
        if position is None:
            raise ConversionError(
                self.files[0], None, f"--pk {pk}: no such column (columns: {', '.join(self.columns)})"
            )
        return self.columns[position]

    def _has_nulls(self, column: str) -> bool:
        return self._first_null(column) is not None

    def _first_null(self, column: str) -> tuple[int, int | None] | None:
        return self.staging.execute(
            f"SELECT {FILE_COLUMN}, {LINE_COLUMN} FROM {_quote(self.name)} "
            f"WHERE {self._value(column)} IS NULL ORDER BY rowid LIMIT 1"
        ).fetchone()

    def _check_no_nulls(self, column: str, pk: str) -> None:
        null = self._first_null(column)
        if null is not None:
            file_index, line = null
            raise ConversionError(self.files[file_index], line, f"--pk {pk}: a row with no {column}")

    def _duplicate_error(self, column: str, pk: str, error: sqlite3.IntegrityError) -> ConversionError:
        cast = f"CAST({self._value(column)} AS {sql_type(self.kinds[self.columns.index(column)])})"
        table = _quote(self.name)
        duplicate = self.staging.execute(
            f"SELECT {cast} AS v, MIN(rowid) AS first FROM {table} "
            "GROUP BY v HAVING COUNT(*) > 1 ORDER BY first LIMIT 1"
        ).fetchone()
        if duplicate is None:
            return ConversionError(self.files[0], None, f"--pk {pk}: {error}")
        value = duplicate[0]
        (first_file, first_line), (file_index, line) = self.staging.execute(
            f"SELECT {FILE_COLUMN}, {LINE_COLUMN} FROM {table} WHERE {cast} = ? ORDER BY rowid LIMIT 2", [value]
        ).fetchall()
        where = f"line {first_line}" if first_line is not None else "an earlier row"
        if first_file != file_index:
            where += f" of {self.files[first_file]}"
        return ConversionError(self.files[file_index], line, f"--pk {pk}: {value!r} is also on {where}")


def _detect_kinds(batch: Sequence[tuple[Any, ...]], kinds: list[int]) -> None:
    """Widens kinds with a batch of staged string rows (file and line first)."""
    if not batch:
        return
    for i, column in enumerate(list(zip(*batch, strict=False))[2:]):
        kinds[i] = strings_kind(column, kinds[i])


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def open_output(path: str) -> sqlite_utils.Database:
    """The output database: fixed page size, no journal file (a failure deletes it anyway)."""
    db = sqlite_utils.Database(path)
    db.conn.isolation_level = None  # explicit BEGIN/COMMIT, so a failed primary key can roll back
    db.execute("PRAGMA page_size = 4096")
    db.execute("PRAGMA journal_mode = MEMORY")
    db.execute("PRAGMA synchronous = OFF")
    return db


def open_staging(path: str) -> sqlite_utils.Database:
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    return db
