"""The tables a JSON document makes (.json, .geojson), read as a stream (json_stream.py).

- A list of objects: one table, named after the file.
- An object whose values include lists of objects (an API dump: {"data": [...]}, a graph:
  {"nodes": [...], "links": [...]}): one table per such key, named FILE_KEY, or KEY when
  the tables of several files go into one database (--into); other keys are left out.
  An object with a single such list makes that list's table, named after the file.
- A GeoJSON FeatureCollection: its "features" (the same rule, other keys left out).
- A GeoJSON Feature: a table of one row; Features following it (newline-delimited, or a
  GeoJSON text sequence) are more rows.
Features anywhere become rows as geojson.py says. Anything else is an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from datasette_lambda.convert.errors import ConversionError
from datasette_lambda.convert.geojson import feature_record, is_feature
from datasette_lambda.convert.json_stream import JsonStream, kind_of
from datasette_lambda.convert.text import open_text


class JsonTable(NamedTuple):
    name: str
    # (line, record): a dict, or (column, value) pairs for a feature.
    rows: Iterator[tuple[int, Any]]
    # The document's only table takes the file's name instead (known once it is read).
    alone_name: str | None = None


def as_record(value: object) -> Any:
    """A feature as its row's pairs, any other object as it is."""
    return feature_record(value) if is_feature(value) else value


def document_tables(path: str, file_table: str, key_names: bool, encoding: str | None = None) -> Iterator[JsonTable]:
    """The tables of the JSON document at path, each read before the next is asked for."""
    with open_text(path, encoding) as f:
        stream = JsonStream(path, f)
        first = stream.peek()
        if first == "":
            raise stream.fail(stream.pos, "empty file: expected a JSON list of objects")
        if first == "[":
            yield JsonTable(file_table, _objects(stream, stream.items(), "item"))
            if not stream.at_end():
                raise stream.fail(stream.pos, "not JSON: more after the list's closing ]")
        elif first == "{":
            yield from _object_tables(stream, file_table, key_names)
            if not stream.at_end():
                raise stream.fail(stream.pos, "not JSON: more after the object's closing }")
        else:
            raise stream.fail(stream.pos, "expected a JSON list of objects, found something else")


def _objects(stream: JsonStream, items: Iterator[tuple[int, Any]], what: str) -> Iterator[tuple[int, Any]]:
    """Every item an object (a feature made a row), else an error naming it."""
    for index, (line, item) in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ConversionError(stream.path, line, f"{what} {index}: expected an object, found {kind_of(item)}")
        yield line, as_record(item)


def _object_tables(stream: JsonStream, file_table: str, key_names: bool) -> Iterator[JsonTable]:
    start_line = stream.line_at(stream.pos)
    kept: dict[str, Any] = {}  # the values that made no table: a lone Feature is whole here
    tables = 0
    for key in stream.members():
        kind = kept.get("type")
        if stream.peek() == "[" and stream.first_item_char() == "{" and kind != "Feature":
            if kind == "FeatureCollection" and key != "features":
                stream.value()  # a foreign member of the collection: not a table
                continue
            tables += 1
            name = (key or file_table) if key_names else f"{file_table}_{key}"
            done: list[bool] = []
            yield JsonTable(name, _list_rows(stream, key, done), alone_name=file_table)
            if not done:
                raise AssertionError(f"the rows of {name!r} were not all read before the next table")
        else:
            kept[key] = stream.value()[0]
    if tables:
        return
    if kept.get("type") == "Feature":
        yield JsonTable(file_table, _features_from(stream, start_line, kept))
        return
    if kept.get("type") == "FeatureCollection":
        raise ConversionError(stream.path, start_line, "a GeoJSON FeatureCollection without features")
    raise ConversionError(
        stream.path, start_line, "expected a JSON list of objects, found an object without one under any key"
    )


def _list_rows(stream: JsonStream, key: str, done: list[bool]) -> Iterator[tuple[int, Any]]:
    yield from _objects(stream, stream.items(), f"{key!r}: item")
    done.append(True)


def _features_from(stream: JsonStream, line: int, first: dict[str, Any]) -> Iterator[tuple[int, Any]]:
    """A lone Feature, then any that follow it (newline-delimited features)."""
    yield line, as_record(first)
    while not stream.at_end():
        feature, line = stream.value()
        if not is_feature(feature):
            raise ConversionError(stream.path, line, f"expected another GeoJSON Feature, found {kind_of(feature)}")
        yield line, as_record(feature)
