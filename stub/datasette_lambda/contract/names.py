"""The name rule for the databases a site serves (docs/live-data.md, Names).

The rule is data, names.json beside this module, which the CLI reads too (src/database-names.ts):
the characters a name may have, the names Datasette keeps for itself, and the words of every
problem, so the converter function refuses a name with the same line push gives. Names are
compared ignoring case.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from typing import Any

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "names.json"), encoding="utf-8") as _file:
    _RULE: dict[str, Any] = json.load(_file)

_WHOLE_NAME = re.compile(f"[{_RULE['characters']}]+")
_OTHER_CHARACTER = re.compile(f"[^{_RULE['characters']}]")


class LiveNameError(ValueError):
    """A name no database may have. Shaped as the converter's errors (file, line, reason), so
    the converter function records it as "FILE: reason" like any file it cannot take."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.line = None
        self.reason = reason


def _fill(template: str, **values: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m[1], m[0]), template)


def _quoted(name: str) -> str:
    return json.dumps(name, ensure_ascii=False)


def name_from_file(path: str) -> str:
    """ "my data.csv" -> "my_data"; "team/sales.2026.db" -> "sales_2026" (as src/database-names.ts)."""
    base = path.rsplit("/", 1)[-1]
    dot = base.rfind(".")
    stem = base[:dot] if dot > 0 else base  # a leading dot starts the name, not an extension
    return _OTHER_CHARACTER.sub("_", stem)


def same_name(a: str, b: str) -> bool:
    return a.lower() == b.lower()


def name_problem(name: str, taken: Iterable[str] = ()) -> str | None:
    """Why `name` cannot be a database name, or None. `taken`: names already served; one equal to
    `name` is the same database (replaced), one that differs only in case is a collision."""
    if not _WHOLE_NAME.fullmatch(name):
        return _fill(_RULE["problems"]["characters"], name=_quoted(name))
    for word, why in _RULE["reserved"].items():
        if same_name(word, name):
            return _fill(_RULE["problems"]["reserved"], name=_quoted(name), why=why)
    for other in taken:
        if other != name and same_name(other, name):
            return _fill(_RULE["problems"]["case"], name=_quoted(name), other=_quoted(other))
    return None


def check_name(name: str, file: str, taken: Iterable[str] = ()) -> str:
    """`name`, made from `file`, or LiveNameError with the line every publisher gives."""
    problem = name_problem(name, taken)
    if problem is not None:
        raise LiveNameError(file, _fill(_RULE["reason"], problem=problem, fix=_RULE["fixes"]["file"]))
    return name
