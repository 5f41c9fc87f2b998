"""Reading each input format into rows, with the line each row starts on.

A reader returns Rows objects: one per table the file holds (an Excel file
holds one per sheet). Tabular formats (CSV, TSV, Excel) give a header and
lists of values; the others give records (mappings, or lists of pairs).
CSV, TSV, NDJSON and JSON arrays are read as a stream, and Excel sheets row by
row; YAML and Markdown are read whole (they are rarely large, and their
parsers need the whole document).
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from datasette_lambda.convert.errors import ConversionError
from datasette_lambda.convert.text import open_text

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

SQLITE_HEADER = b"SQLite format 3\x00"
FORMATS_BY_EXTENSION = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".md": "markdown",
    ".markdown": "markdown",
    ".xlsx": "xlsx",
}
# A runaway quoted field (an unclosed quote) fails here, not after eating the file.
csv.field_size_limit(64 * 1024 * 1024)

# One of Rows.rows: (line or None, values). The values are Any: a list or a record, told
# apart by Rows.header, which a type checker cannot follow.
Row = tuple[int | None, Any]
# A JSON or YAML object.
Record = dict[str, Any]


class Rows:
    """One table's worth of rows from one file."""

    def __init__(
        self,
        path: str,
        name: str,
        rows: Iterator[Row],
        header: list[Any] | None = None,
        detect_types: bool = False,
        last_columns: Sequence[str] = (),
    ) -> None:
        self.path = path
        self.name = name
        # (line or None, values): a list matching header, or a record (dict or pairs).
        self.rows = rows
        self.header = header
        # Strings are typed by their look (CSV, TSV) rather than kept as text.
        self.detect_types = detect_types
        self.last_columns = last_columns


def detect_format(path: str, head: bytes) -> str | None:
    """The input format from the first bytes, else from the extension (pure)."""
    if head.startswith(SQLITE_HEADER):
        return "sqlite"
    return FORMATS_BY_EXTENSION.get(os.path.splitext(path)[1].lower())


def table_name(path: str) -> str:
    """A table is named after its file without the extension."""
    return os.path.splitext(os.path.basename(path))[0]


def read_tables(path: str, fmt: str) -> list[Rows]:
    """The Rows of each table in the file."""
    if fmt in ("csv", "tsv"):
        return [_delimited(path, "," if fmt == "csv" else "\t")]
    if fmt == "ndjson":
        return [Rows(path, table_name(path), _ndjson_records(path))]
    if fmt == "json":
        return [Rows(path, table_name(path), _json_records(path))]
    if fmt == "yaml":
        return [Rows(path, table_name(path), _yaml_records(path))]
    if fmt == "markdown":
        return [Rows(path, table_name(path), _markdown_record(path), last_columns=("body",))]
    if fmt == "xlsx":
        return _sheets(path)
    raise ValueError(f"unknown format {fmt!r}")


# CSV and TSV ---------------------------------------------------------------

_CSV_REASONS = {
    "unexpected end of data": "a quoted field is not closed before the end of the file",
    "line contains NUL": "contains a NUL byte (not a text file?)",
}


def _csv_reason(error: csv.Error) -> str:
    message = str(error)
    if message.startswith("field larger than field limit"):
        return "a field is over 64 MB (an unclosed quote?)"
    if "expected after '\"'" in message:
        return 'text after a closing quote (a quote inside a quoted field must be doubled: "")'
    return _CSV_REASONS.get(message, f"malformed: {message}")


def _delimited(path: str, delimiter: str) -> Rows:
    f = open_text(path)
    # strict: a stray quote is an error with a line number, not a silently merged field.
    reader = csv.reader(f, delimiter=delimiter, strict=True)
    start = 1
    try:
        for values in reader:
            start = reader.line_num + 1
            if values:
                return Rows(
                    path,
                    table_name(path),
                    _csv_records(path, f, reader, start, len(values)),
                    header=values,
                    detect_types=True,
                )
    except csv.Error as e:
        f.close()
        raise ConversionError(path, start, _csv_reason(e)) from None
    except BaseException:
        f.close()
        raise
    f.close()
    raise ConversionError(path, 1, "empty file: no header row")


def _csv_records(path: str, f: TextIO, reader: CsvReader, start: int, width: int) -> Iterator[tuple[int, list[str]]]:
    with f:
        try:
            for values in reader:
                line, start = start, reader.line_num + 1
                if len(values) == width:
                    yield line, values
                elif values:  # a blank line is skipped, as every CSV reader does
                    count = len(values)
                    raise ConversionError(
                        path, line, f"{count} field{'' if count == 1 else 's'} where the header has {width}"
                    )
        except csv.Error as e:
            raise ConversionError(path, start, _csv_reason(e)) from None


# JSON, NDJSON, YAML ---------------------------------------------------------


_JSON_KINDS = {
    bool: "true or false",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "an object",
}


def _not_an_object(value: object) -> str:
    return (
        f"expected an object, found {'null' if value is None else _JSON_KINDS.get(type(value), type(value).__name__)}"
    )


def _ndjson_records(path: str) -> Iterator[tuple[int, Record]]:
    with open_text(path) as f:
        for line, text in enumerate(f, 1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as e:
                raise ConversionError(path, line, f"not JSON: {e.msg} (column {e.colno})") from None
            if not isinstance(record, dict):
                raise ConversionError(path, line, _not_an_object(record))
            yield line, record


_JSON_WHITESPACE = re.compile(r"[ \t\n\r]*")


class _JsonArrayStream:
    """The items of a JSON array read a chunk at a time, each with its line.

    json's own decoder parses every item (raw_decode); this only walks the
    brackets and commas between them, so memory holds one chunk, not the file.
    """

    CHUNK = 1024 * 1024

    def __init__(self, path: str, f: TextIO) -> None:
        self.path, self.f = path, f
        self.buffer, self.pos, self.eof = "", 0, False
        self.line, self.counted = 1, 0  # the line at buffer offset `counted`

    def fill(self) -> None:
        # Geometric growth: a value longer than a chunk is re-parsed O(log n) times, not O(n).
        chunk = self.f.read(max(self.CHUNK, len(self.buffer) - self.pos))
        if not chunk:
            self.eof = True
        self.buffer += chunk

    def line_at(self, pos: int) -> int:
        self.line += self.buffer.count("\n", self.counted, pos)
        self.counted = pos
        return self.line

    def compact(self) -> None:
        if self.pos > self.CHUNK:
            self.line_at(self.pos)
            self.buffer, self.pos, self.counted = self.buffer[self.pos :], 0, 0

    def peek(self) -> str:
        """The next non-blank character ("" at the end), skipping to it."""
        while True:
            blank = _JSON_WHITESPACE.match(self.buffer, self.pos)
            assert blank is not None  # matches the empty string too
            self.pos = blank.end()
            if self.pos < len(self.buffer) or self.eof:
                return self.buffer[self.pos : self.pos + 1]
            self.fill()

    def fail(self, pos: int, reason: str) -> ConversionError:
        return ConversionError(self.path, self.line_at(pos), reason)

    def value(self, decoder: json.JSONDecoder) -> tuple[Any, int]:
        while True:
            try:
                value, end = decoder.raw_decode(self.buffer, self.pos)
                return value, end
            except json.JSONDecodeError as e:
                # Cut by the chunk's end? Read more and try again; at the end it is an error.
                cut = e.pos >= len(self.buffer) - 16 or e.msg.startswith("Unterminated string")
                if self.eof or not cut:
                    raise self.fail(e.pos, f"not JSON: {e.msg}") from None
                self.fill()

    def items(self) -> Iterator[tuple[int, Record]]:
        decoder = json.JSONDecoder()
        first = self.peek()
        if first == "":
            raise self.fail(self.pos, "empty file: expected a JSON list of objects")
        if first != "[":
            found = {"{": "an object"}.get(first, "something else")
            raise self.fail(self.pos, f"expected a JSON list of objects, found {found}")
        self.pos += 1
        if self.peek() == "]":
            self.pos += 1
        else:
            for index in itertools.count(1):
                self.peek()
                start = self.pos
                record, self.pos = self.value(decoder)
                if not isinstance(record, dict):
                    raise self.fail(start, f"item {index}: {_not_an_object(record)}")
                yield self.line_at(start), record
                separator = self.peek()
                self.pos += 1
                if separator == "]":
                    break
                if separator != ",":
                    raise self.fail(self.pos - 1, "not JSON: expecting ',' or ']' after an item")
                self.compact()
        if self.peek() != "":
            raise self.fail(self.pos, "not JSON: more after the list's closing ]")


def _json_records(path: str) -> Iterator[tuple[int, Record]]:
    with open_text(path) as f:
        yield from _JsonArrayStream(path, f).items()


def _yaml_records(path: str) -> Iterator[tuple[None, Record]]:
    import yaml

    with open_text(path) as f:
        try:
            data = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            raise ConversionError(path, mark.line + 1 if mark else None, f"not YAML: {e.problem or e}") from None
        except yaml.YAMLError as e:
            raise ConversionError(path, None, f"not YAML: {e}") from None
    yield from _list_of_objects(path, data, "YAML")


def _list_of_objects(path: str, data: object, kind: str) -> Iterator[tuple[None, Record]]:
    if data is None:
        raise ConversionError(path, 1, f"empty file: expected a {kind} list of objects")
    if not isinstance(data, list):
        raise ConversionError(
            path, 1, f"expected a {kind} list of objects, found {_JSON_KINDS.get(type(data), type(data).__name__)}"
        )
    for index, record in enumerate(data, 1):
        if not isinstance(record, dict):
            raise ConversionError(path, None, f"item {index}: {_not_an_object(record)}")
        yield None, record


# Markdown ---------------------------------------------------------------------


def _markdown_record(path: str) -> Iterator[tuple[None, list[tuple[str, Any]]]]:
    import frontmatter
    import yaml

    with open_text(path) as f:
        text = f.read()
    stripped = text.lstrip()
    handler = frontmatter.detect_format(stripped, frontmatter.handlers)
    metadata, body = {}, stripped
    if handler is not None:
        try:
            fm, body = handler.split(stripped)
        except ValueError:  # an opening fence without a closing one: all body, as python-frontmatter does
            fm = None
        if fm is not None:
            first_line = text[: len(text) - len(stripped)].count("\n") + 1  # the opening fence
            try:
                metadata = handler.load(fm)
            except yaml.MarkedYAMLError as e:
                mark = e.problem_mark or e.context_mark
                raise ConversionError(
                    path, first_line + mark.line if mark else first_line, f"front matter is not YAML: {e.problem or e}"
                ) from None
            except (yaml.YAMLError, ValueError) as e:
                raise ConversionError(path, first_line, f"front matter cannot be read: {e}") from None
            if metadata is None:
                metadata = {}
            if not isinstance(metadata, dict):
                raise ConversionError(
                    path, first_line, f"front matter must be fields (a mapping), found {type(metadata).__name__}"
                )
    # Pairs, not a dict, body first: a front-matter field called body becomes body_2
    # instead of replacing the body (which the table puts last).
    yield None, [("body", body.strip()), *((str(key), value) for key, value in metadata.items())]


# Excel ------------------------------------------------------------------------


def _sheets(path: str) -> list[Rows]:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError) as e:
        raise ConversionError(path, None, f"not a readable .xlsx workbook ({e})") from None
    tables = []
    for sheet in workbook.worksheets:
        rows = _sheet_rows(path, sheet)
        header = next(rows, None)
        if header is None:
            continue  # an empty sheet has no columns to make a table of
        line, values = header
        while values and values[-1] is None:
            values.pop()
        tables.append(Rows(path, sheet.title, _sheet_records(path, sheet.title, rows, len(values)), header=values))
    if not tables:
        workbook.close()
        raise ConversionError(path, None, "every sheet is empty")
    return _closing_after(tables, workbook)


def _sheet_rows(path: str, sheet: Any) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) of each row that has a value."""
    for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
        if any(value is not None for value in values):
            yield number, list(values)


def _sheet_records(
    path: str, title: str, rows: Iterator[tuple[int, list[Any]]], width: int
) -> Iterator[tuple[int, list[Any]]]:
    for line, values in rows:
        if len(values) > width:
            extra = next((i for i in range(len(values) - 1, width - 1, -1) if values[i] is not None), None)
            if extra is not None:
                raise ConversionError(
                    path, line, f"sheet {title!r}: a value in column {extra + 1}, right of the header row's last column"
                )
            del values[width:]
        elif len(values) < width:
            values.extend([None] * (width - len(values)))
        yield line, values


def _closing_after(tables: list[Rows], workbook: Any) -> list[Rows]:
    """The workbook stays open while its sheets are read, and is closed after the last."""
    last = tables[-1]
    rows = last.rows

    def then_close() -> Iterator[Row]:
        try:
            yield from rows
        finally:
            workbook.close()

    last.rows = then_close()
    return tables
