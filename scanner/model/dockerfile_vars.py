"""`ARG` and `ENV` values and `$VAR` substitution, three-valued.

A variable is known when the Dockerfile gives it a literal value; an `ARG` without a default (set by
`--build-arg`), a predefined platform argument, or a name the Dockerfile never declares (it may come
from the base image's environment) is unknown, and any text that uses it expands to None, unless
the reference carries its own default (`${NAME:-default}`).

Expansion is bounded: each `ARG B=$A$A$A$A` may multiply a value's length, so a few hundred bytes
of nested `ARG`s would otherwise expand to gigabytes. A value longer than `MAX_VALUE` is unknown,
and so is every value a file assigns after its assignments together reach `MAX_TOTAL`; rules
judge image names, users, ports and flags, never values of that size.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner.parse.dockerfile import Instruction

Lookup = Callable[[str], "tuple[bool, str | None]"]

MAX_VALUE = 16 * 1024  # characters of one expanded value
MAX_TOTAL = 4 * 1024 * 1024  # characters of every assigned value of one file, together

_VAR = re.compile(r"\$(?:\{([A-Za-z_]\w*)(?:(:?[-+?])([^}]*))?\}|([A-Za-z_]\w*))")


@dataclass(frozen=True)
class Assignment:
    """`NAME=value` in an ARG or ENV; offsets are relative to the instruction's `args`."""

    name: str
    value: str | None
    start: int
    end: int


@dataclass
class Allowance:
    """What is left of a file's `MAX_TOTAL`, shared by all its scopes."""

    remaining: int = MAX_TOTAL

    def take(self, value: str | None) -> str | None:
        """`value` if the file can still afford to keep it, else None (unknown)."""
        if value is None:
            return None
        self.remaining -= len(value)
        return value if self.remaining >= 0 else None


@dataclass
class Scope:
    """Assignments of one stage (or of the global ARGs before the first FROM), by line."""

    parent: Scope | None = None
    env: dict[str, list[tuple[int, str | None]]] = field(default_factory=dict)
    args: dict[str, list[tuple[int, str | None]]] = field(default_factory=dict)
    allowance: Allowance = field(default_factory=Allowance)

    def assign(self, name: str, value: str | None, instruction: Instruction, env: bool) -> None:
        value = self.allowance.take(value)
        (self.env if env else self.args).setdefault(name, []).append((instruction.line, value))

    def _find(self, name: str, line: int, depth: int = 0) -> tuple[bool, str | None]:
        for table in (self.env, self.args):
            history = table.get(name)
            if history:
                index = bisect_left(history, line, key=lambda item: item[0])
                if index:
                    return True, history[index - 1][1]
        if self.parent is not None and depth < 64:
            return self.parent._find_env(name, depth + 1)
        return False, None

    def _find_env(self, name: str, depth: int) -> tuple[bool, str | None]:
        history = self.env.get(name)
        if history:
            return True, history[-1][1]
        if self.parent is not None and depth < 64:
            return self.parent._find_env(name, depth + 1)
        return False, None

    def lookup_at(self, instruction: Instruction | None) -> Lookup:
        """Values as they stand just before `instruction` (None: after everything so far)."""
        line = instruction.line if instruction is not None else 1 << 62
        return lambda name: self._find(name, line)

    def lookup_final(self) -> Lookup:
        """Values after the last assignment (what `FROM` lines and stage `ARG`s see)."""
        return lambda name: self._find(name, 1 << 62)


def expand(text: str, lookup: Lookup, escape: str = "\\") -> str | None:
    """`text` with `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:+alt}` substituted; None if unknown,
    or longer than `MAX_VALUE` (checked as it grows, so the work is bounded too)."""
    if "$" not in text:
        return text
    out: list[str] = []
    size = position = 0
    for match in _VAR.finditer(text):
        if match.start() > 0 and text[match.start() - 1] == escape:
            piece = text[position:match.start() - 1] + match.group(0)
        else:
            value = _substitute(match, lookup)
            if value is None:
                return None
            piece = text[position:match.start()] + value
        position = match.end()
        out.append(piece)
        size += len(piece)
        if size > MAX_VALUE:
            return None
    out.append(text[position:])
    return "".join(out) if size + len(out[-1]) <= MAX_VALUE else None


def _substitute(match: re.Match[str], lookup: Lookup) -> str | None:
    """The value one reference stands for, with its operator applied; None if unknown."""
    declared, value = lookup(match.group(1) or match.group(4))
    operator, word = match.group(2), match.group(3) or ""
    if not declared and operator in (":-", "-", ":+", "+"):
        return word if operator in (":-", "-") else ""
    if not declared or value is None:
        return None
    if operator in (":-", "-"):
        return word if (value == "" if operator == ":-" else False) else value
    if operator in (":+", "+"):
        return word if (value != "" if operator == ":+" else True) else ""
    return value


def words(text: str) -> list[tuple[str, int, int]]:
    """Whitespace-separated words with quotes removed, each with its (start, end) in `text`."""
    found: list[tuple[str, int, int]] = []
    index, length = 0, len(text)
    while index < length:
        while index < length and text[index].isspace():
            index += 1
        if index >= length:
            break
        start, chars, quote = index, [], ""
        while index < length and (quote or not text[index].isspace()):
            char = text[index]
            if quote and char == quote:
                quote = ""
            elif not quote and char in "\"'":
                quote = char
            elif char == "\\" and index + 1 < length and quote != "'":
                index += 1
                chars.append(text[index])
            else:
                chars.append(char)
            index += 1
        found.append(("".join(chars), start, index))
    return found


def parse_assignments(args: str, legacy: bool) -> list[Assignment]:
    """`A=1 B="two words"` pairs; `ENV NAME value words` (legacy form) when the first word has no `=`."""
    tokens = words(args)
    if not tokens:
        return []
    if legacy and "=" not in tokens[0][0]:
        name, start, end = tokens[0]
        rest = args[end:].strip()
        return [Assignment(name, rest, start, len(args.rstrip()))]
    result = []
    for token, start, end in tokens:
        name, equals, value = token.partition("=")
        if name:
            result.append(Assignment(name, value if equals else None, start, end))
    return result
