"""The one error a conversion raises: which file, which line (or None), why."""

from __future__ import annotations

from typing import Any


class ConversionError(Exception):
    def __init__(self, file: object, line: int | None, reason: str) -> None:
        super().__init__(f"{file}:{line}: {reason}" if line is not None else f"{file}: {reason}")
        self.file = str(file)
        self.line = line
        self.reason = reason

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "reason": self.reason}
