"""Column types for converted tables: what each value is, and what a column becomes.

A column's type is the widest kind of any of its values: NULL < integer < float
< text. Strings read from CSV/TSV are detected strictly, so that converting
never changes what a cell says: "007", " 12", "1_000", "+5" and integers past
64 bits stay text (a zip code keeps its zero); a float must be finite. Values of
typed formats (JSON, YAML, Excel) keep their own type: a JSON string is text.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Iterable
from typing import Any

NULL, INTEGER, FLOAT, TEXT = 0, 1, 2, 3
SQL_TYPES = {NULL: "text", INTEGER: "integer", FLOAT: "float", TEXT: "text"}

_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"-?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
_INT64 = (-(2**63), 2**63 - 1)


def strings_kind(values: Iterable[str], known: int = NULL) -> int:
    """The kind of a column holding these strings ("" is an empty cell) and `known` (pure).

    Column-wise over a batch: map() and all() keep the per-value work in C.
    """
    present = [value for value in values if value]
    if known == TEXT or not present:
        return known
    if known <= INTEGER and all(map(_INTEGER.match, present)):
        if max(map(len, present)) <= 18 or all(_INT64[0] <= int(v) <= _INT64[1] for v in present):
            return INTEGER
        return TEXT
    if all(map(_FLOAT.match, present)) and all(map(math.isfinite, map(float, present))):
        return FLOAT
    return TEXT


def typed_value(value: object) -> tuple[int, Any]:
    """(kind, value SQLite can store) for a value of a typed format (pure)."""
    if value is None:
        return NULL, None
    if isinstance(value, bool):
        return INTEGER, int(value)
    if isinstance(value, int):
        if _INT64[0] <= value <= _INT64[1]:
            return INTEGER, value
        return TEXT, str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return NULL, None  # SQLite stores NaN as NULL anyway
        return FLOAT, value
    if isinstance(value, str):
        return TEXT, value
    if isinstance(value, (datetime.date, datetime.time)):  # datetime is a date
        return TEXT, value.isoformat()
    if isinstance(value, (dict, list, tuple)):
        return TEXT, json.dumps(value, ensure_ascii=False, default=str)
    return TEXT, str(value)


def sql_type(kind: int) -> str:
    return SQL_TYPES[kind]
