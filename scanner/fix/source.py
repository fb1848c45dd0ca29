"""A file's text with the position arithmetic every planner needs: 1-based (line, column) to
offset, line starts and ends, the file's own newline and indentation."""

from __future__ import annotations

import bisect
import re
from functools import cached_property


class Unfixable(Exception):
    """Why a finding gets no edit; said in the fix summary."""


class Source:
    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def starts(self) -> list[int]:
        return [0] + [match.end() for match in re.finditer("\n", self.text)]

    @cached_property
    def newline(self) -> str:
        return "\r\n" if "\r\n" in self.text else "\n"

    def offset(self, line: int, column: int) -> int:
        """Offset of a 1-based line and column (columns count characters)."""
        if not 1 <= line <= len(self.starts):
            raise Unfixable(f"line {line} is not in the file")
        return min(self.starts[line - 1] + column - 1, len(self.text))

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def line_start(self, offset: int) -> int:
        return self.starts[self.line_of(offset) - 1]

    def after_line(self, offset: int) -> int:
        """The offset just past the newline that ends the line holding `offset` (the end of the
        text when the last line has none)."""
        found = self.text.find("\n", offset)
        return len(self.text) if found < 0 else found + 1

    def indent_at(self, offset: int) -> str:
        start = self.line_start(offset)
        line = self.text[start:self.after_line(offset)]
        return line[:len(line) - len(line.lstrip(" \t"))]

    def insert_lines(self, offset: int, lines: list[str]) -> tuple[int, str]:
        """Text that inserts whole lines at `offset` (a line start, or the end of the text),
        in the file's newline style."""
        body = "".join(line + self.newline for line in lines)
        if offset == len(self.text) and self.text and not self.text.endswith("\n"):
            return offset, self.newline + body[:-len(self.newline)]
        return offset, body
