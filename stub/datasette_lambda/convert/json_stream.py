"""A JSON document read a chunk at a time: its values one by one, each with its line.

json's own decoder parses every value (raw_decode); this only walks the brackets,
braces, colons and commas between them, so memory holds one chunk and the value being
read, never the whole file. json_document.py decides what the values make.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, TextIO

from datasette_lambda.convert.errors import ConversionError

# JSON's whitespace, and the record separator of GeoJSON text sequences (RFC 8142).
_BLANK = re.compile(r"[ \t\n\r\x1e]*")

_KINDS = {
    bool: "true or false",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "an object",
}


def kind_of(value: object) -> str:
    """How an error names a JSON value's kind: "a number", "an object", "null"... (pure)."""
    return "null" if value is None else _KINDS.get(type(value), type(value).__name__)


class JsonStream:
    """The reading position in one JSON text, with the line it is on."""

    CHUNK = 1024 * 1024

    def __init__(self, path: str, f: TextIO) -> None:
        self.path, self.f = path, f
        self.buffer, self.pos, self.eof = "", 0, False
        self.line, self.counted = 1, 0  # the line at buffer offset `counted`
        self.decoder = json.JSONDecoder()

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
            blank = _BLANK.match(self.buffer, self.pos)
            assert blank is not None  # matches the empty string too
            self.pos = blank.end()
            if self.pos < len(self.buffer) or self.eof:
                return self.buffer[self.pos : self.pos + 1]
            self.fill()

    def fail(self, pos: int, reason: str) -> ConversionError:
        return ConversionError(self.path, self.line_at(pos), reason)

    def value(self) -> tuple[Any, int]:
        """(the next value, its line), the position moved past it."""
        self.peek()
        start = self.pos
        while True:
            try:
                value, self.pos = self.decoder.raw_decode(self.buffer, start)
                return value, self.line_at(start)
            except json.JSONDecodeError as e:
                # Cut by the chunk's end? Read more and try again; at the end it is an error.
                cut = e.pos >= len(self.buffer) - 16 or e.msg.startswith("Unterminated string")
                if self.eof or not cut:
                    raise self.fail(e.pos, f"not JSON: {e.msg}") from None
                self.fill()

    def take(self, char: str, expected: str) -> None:
        """Step over `char`, which must come next; else "not JSON: expecting ..."."""
        if self.peek() != char:
            raise self.fail(self.pos, f"not JSON: expecting {expected}")
        self.pos += 1

    def items(self) -> Iterator[tuple[int, Any]]:
        """(line, item) of the list starting here, up to and over its closing ]."""
        self.take("[", "'['")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            item, line = self.value()
            yield line, item
            separator = self.peek()
            self.pos += 1
            if separator == "]":
                return
            if separator != ",":
                raise self.fail(self.pos - 1, "not JSON: expecting ',' or ']' after an item")
            self.compact()

    def members(self) -> Iterator[str]:
        """The key of each member of the object starting here, the position left at its
        value, which the caller must read (value() or items()) before asking for the next."""
        self.take("{", "'{'")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            if self.peek() != '"':
                raise self.fail(self.pos, "not JSON: expecting a key in double quotes")
            key, _ = self.value()
            self.take(":", "':' after a key")
            yield key
            separator = self.peek()
            self.pos += 1
            if separator == "}":
                return
            if separator != ",":
                raise self.fail(self.pos - 1, "not JSON: expecting ',' or '}' after a value")
            self.compact()

    def at_end(self) -> bool:
        return self.peek() == ""

    def first_item_char(self) -> str:
        """At a list: the first character of its first item ("]" when empty), without moving."""
        start = self.pos
        assert self.peek() == "[" and self.pos == start
        self.pos += 1
        char = self.peek()
        self.pos = start
        return char
