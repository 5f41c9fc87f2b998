"""Opening text inputs: a byte-order mark's encoding, else --encoding NAME, else UTF-8.

Nothing is guessed: a wrong guess would publish mangled text, while the error names the
line of the first bad byte and how to fix it (--encoding, for a file saved by Excel on
Windows say). A file's BOM wins over --encoding: it says what the file is.
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


def encoding_problem(name: str) -> str | None:
    """Why Python cannot decode text with the codec `name`, or None when it can (pure)."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        info = None
    # Bytes-to-bytes codecs (base64, zlib...) are codecs, but not text encodings: str.decode refuses them.
    if info is None or not getattr(info, "_is_text_encoding", True):
        return "Python knows no text encoding of that name (e.g. cp1252, latin-1, utf-16, shift_jis)"
    return None


def bom_encoding(head: bytes) -> str | None:
    """The codec a byte-order mark at the start of a file names, or None (pure)."""
    return next((encoding for bom, encoding in _BOMS if head.startswith(bom)), None)


def encoding_for(head: bytes, given: str | None = None) -> str:
    """The codec for a file starting with these bytes: its BOM's, else given, else UTF-8 (pure)."""
    return bom_encoding(head) or given or "utf-8"


def _head(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read(_SNIFF_BYTES)


def open_text(path: str, encoding: str | None = None) -> io.TextIOWrapper:
    """A text stream of the file (newline="" as the csv module wants), or ConversionError."""
    head = _head(path)
    codec = encoding_for(head, encoding)
    if codec == "utf-8" and encoding is None and b"\x00" in head:
        line = head[: head.index(b"\x00")].count(b"\n") + 1
        raise ConversionError(
            path,
            line,
            "contains NUL bytes: it is not UTF-8 text (UTF-16 without a byte-order mark, or a binary file?)",
        )
    return io.TextIOWrapper(open(path, "rb"), encoding=codec, errors="strict", newline="")


def decode_error(path: str, error: UnicodeDecodeError, encoding: str | None = None) -> ConversionError:
    """The ConversionError for a UnicodeDecodeError met while reading path (with --encoding `encoding`)."""
    bom = bom_encoding(_head(path))
    line, byte = _first_invalid(path, bom or encoding or "utf-8")
    if bom is not None:
        name = "UTF-8" if bom == "utf-8-sig" else bom.upper()
        return ConversionError(
            path, line, f"not valid {name} (byte 0x{byte:02X}), though its byte-order mark says it is"
        )
    if encoding is None:
        return ConversionError(
            path,
            line,
            f"not UTF-8 (byte 0x{byte:02X}): name its encoding with --encoding, e.g. --encoding cp1252 "
            "for a file saved by Excel on Windows (or save it as UTF-8)",
        )
    return ConversionError(path, line, f"not valid {encoding} (byte 0x{byte:02X}): is --encoding {encoding} right?")


def _first_invalid(path: str, encoding: str) -> tuple[int, int]:
    """(line, byte) of the first byte the codec cannot decode; read again only on failure."""
    new_decoder = codecs.getincrementaldecoder(encoding)
    decoder = new_decoder(errors="strict")
    lines = 1
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1024 * 1024)
            state = decoder.getstate()
            try:
                # A sequence cut by the chunk's end waits in the decoder for the next chunk.
                lines += decoder.decode(chunk, final=not chunk).count("\n")
            except UnicodeDecodeError as e:
                # e.object is what the decoder had pending, then this chunk: decode up to the bad byte again.
                pending = len(state[0])
                redo = new_decoder(errors="strict")
                redo.setstate(state)
                before = redo.decode(e.object[pending : e.start]) if e.start >= pending else ""
                return lines + before.count("\n"), e.object[e.start]
            if not chunk:
                return lines, 0
