"""Opening text inputs: UTF-8 (with or without a BOM) or a BOM-marked UTF-16/32.

Anything else is reported, never guessed: a wrong guess would publish mangled
text, while the error names the line of the first bad byte and how to fix it.
"""

from __future__ import annotations

import codecs
import io

from datasette_lambda.convert.errors import ConversionError

# UTF-32 first: its little-endian BOM starts with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SNIFF_BYTES = 64 * 1024


def encoding_for(head: bytes) -> str:
    """The codec for a file starting with these bytes (pure)."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    return "utf-8"


def open_text(path: str) -> io.TextIOWrapper:
    """A text stream of the file (newline="" as the csv module wants), or ConversionError."""
    with open(path, "rb") as f:
        head = f.read(_SNIFF_BYTES)
    encoding = encoding_for(head)
    if encoding == "utf-8" and b"\x00" in head:
        line = head[: head.index(b"\x00")].count(b"\n") + 1
        raise ConversionError(
            path,
            line,
            "contains NUL bytes: it is not UTF-8 text (UTF-16 without a byte-order mark, or a binary file?)",
        )
    return io.TextIOWrapper(open(path, "rb"), encoding=encoding, errors="strict", newline="")


def decode_error(path: str, error: UnicodeDecodeError) -> ConversionError:
    """The ConversionError for a UnicodeDecodeError met while reading path."""
    if error.encoding not in ("utf-8", "utf-8-sig"):
        return ConversionError(path, None, f"not valid {error.encoding}: {error.reason}")
    line, byte = _first_invalid_utf8(path)
    return ConversionError(
        path,
        line,
        f"not UTF-8 (byte 0x{byte:02X}): save it as UTF-8, e.g. if it is Windows-1252: "
        "iconv -f WINDOWS-1252 -t UTF-8 FILE > FILE.utf8",
    )


def _first_invalid_utf8(path: str) -> tuple[int, int]:
    """(line, byte) of the first byte that is not UTF-8; scanned again only on failure."""
    lines = 1
    pending = b""
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1024 * 1024)
            data = pending + chunk
            try:
                data.decode("utf-8")
                pending = b""
            except UnicodeDecodeError as e:
                # A sequence cut by the chunk's end is not an error yet.
                if chunk and e.reason == "unexpected end of data":
                    pending = data[e.start :]
                    data = data[: e.start]
                else:
                    return lines + data[: e.start].count(b"\n"), data[e.start]
            if not chunk:
                return lines, 0
            lines += data.count(b"\n")
