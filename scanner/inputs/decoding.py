"""Bytes of a scanned file into text, the way the tools that consume it would read it.

kubectl reads UTF-8 and byte-order-marked UTF-16 (Windows PowerShell's `>` and `Out-File` write
UTF-16LE with a mark), and Docker and Compose read UTF-8 with or without a mark. A file in one of
those encodings is text, whatever NUL bytes its UTF-16 or UTF-32 form holds: it is decoded before
anything decides that it is binary. UTF-16 and UTF-32 without a mark are recognised by where
their zero bytes fall, so that a script saved that way is still read for secrets.
"""

from __future__ import annotations

import codecs

# Longest first: the UTF-32LE mark begins with the UTF-16LE one.
_MARKS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
          (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_SNIFF = 4096


class NotText(Exception):
    """Bytes that are not text in any encoding the consumers read; `offset` is the first bad byte
    of the UTF-8 reading, None for binary data (NUL bytes)."""

    def __init__(self, offset: int | None) -> None:
        super().__init__(offset)
        self.offset = offset


def decode(data: bytes) -> str:
    """The text of `data`: by its byte-order mark, else UTF-16/32 by its zero bytes, else UTF-8.
    Raises NotText for binary data and for bytes that are not valid in the encoding chosen."""
    for mark, encoding in _MARKS:
        if data.startswith(mark):
            try:
                return _text(data[len(mark):].decode(encoding))
            except UnicodeDecodeError:
                raise NotText(None) from None
    unmarked = _unmarked_wide(data[:_SNIFF])
    if unmarked:
        try:
            return _text(data.decode(unmarked))
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:8192]:
        raise NotText(None)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotText(exc.start) from None


def _text(decoded: str) -> str:
    """Decoded text that still holds NUL characters is binary data that began like a mark."""
    if "\x00" in decoded[:8192]:
        raise NotText(None)
    return decoded


def _unmarked_wide(head: bytes) -> str:
    """UTF-32 or UTF-16 without a mark, told by mostly-ASCII text: every character has its zero
    bytes at the same places, and no other byte is zero."""
    if len(head) < 4:
        return ""
    for width, encodings in ((4, ("utf-32-le", "utf-32-be")), (2, ("utf-16-le", "utf-16-be"))):
        usable = len(head) - len(head) % width
        if usable < width:
            continue
        columns = [head[offset:usable:width] for offset in range(width)]
        zero = [column.count(0) / len(column) for column in columns]
        little = zero[0] == 0 and all(share > 0.6 for share in zero[1:])
        big = zero[-1] == 0 and all(share > 0.6 for share in zero[:-1])
        if little or big:
            return encodings[0] if little else encodings[1]
    return ""
