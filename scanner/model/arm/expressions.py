"""The ARM template expression language, parsed: `[concat(parameters('a'), '-x')[0].name]`.

A string value that starts with `[` and ends with `]` is an expression (`[[` escapes a literal
`[`). The grammar is small: function calls (`f(...)`, user functions `ns.f(...)`), single-quoted
strings (`''` is a quote), integers, and property (`.name`) and index (`[expr]`) access after any
value. The parser is recursive descent with a depth bound, over a bounded text, so a hostile
template can make it fail (an `ExpressionError`, read as Unknown) but not hang.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_LENGTH = 64 * 1024
MAX_DEPTH = 64
_TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)"
                    r"|(?P<name>[A-Za-z_$][\w$]*)|(?P<punct>[()\[\],.]))")


class ExpressionError(Exception):
    """Text that is not a valid expression (the value stays Unknown)."""


@dataclass(frozen=True)
class Literal:
    value: str | int | float


@dataclass(frozen=True)
class Call:
    name: str  # lower case; `ns.f` for a user-defined function
    args: tuple[Expression, ...]


@dataclass(frozen=True)
class Member:
    target: Expression
    name: str


@dataclass(frozen=True)
class Index:
    target: Expression
    index: Expression


Expression = Literal | Call | Member | Index


def is_expression(value: str) -> bool:
    return len(value) >= 2 and value[0] == "[" and value[-1] == "]" and not value.startswith("[[")


def unescape(value: str) -> str:
    """A literal string that begins with `[[` stands for the text with one `[`."""
    return value[1:] if value.startswith("[[") and value.endswith("]") else value


def parse(source: str) -> Expression:
    """The expression inside `[...]`."""
    if len(source) > MAX_LENGTH:
        raise ExpressionError("expression too long")
    parser = _Parser(_tokens(source[1:-1]))
    result = parser.expression(0)
    if parser.position != len(parser.tokens):
        raise ExpressionError("unexpected text after the expression")
    return result


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            if text[position:].strip():
                raise ExpressionError(f"unexpected character {text[position]!r}")
            break
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "")

    def take(self, punct: str) -> None:
        if self.peek() != ("punct", punct):
            raise ExpressionError(f"expected {punct!r}")
        self.position += 1

    def expression(self, depth: int) -> Expression:
        if depth > MAX_DEPTH:
            raise ExpressionError("expression nested too deep")
        kind, text = self.peek()
        self.position += 1
        result: Expression
        if kind == "string":
            result = Literal(text[1:-1].replace("''", "'"))
        elif kind == "number":
            result = Literal(float(text) if "." in text else int(text))
        elif kind == "name":
            name = text.lower()
            if self.peek() == ("punct", ".") and self.peek(1)[0] == "name" and self.peek(2) == ("punct", "("):
                name = f"{name}.{self.peek(1)[1].lower()}"
                self.position += 2
            result = Call(name, self.arguments(depth))
        else:
            raise ExpressionError("expected a value")
        while True:
            if self.peek() == ("punct", ".") and self.peek(1)[0] == "name":
                result = Member(result, self.peek(1)[1])
                self.position += 2
            elif self.peek() == ("punct", "["):
                self.position += 1
                result = Index(result, self.expression(depth + 1))
                self.take("]")
            else:
                return result

    def arguments(self, depth: int) -> tuple[Expression, ...]:
        self.take("(")
        args: list[Expression] = []
        if self.peek() == ("punct", ")"):
            self.position += 1
            return ()
        while True:
            args.append(self.expression(depth + 1))
            if self.peek() == ("punct", ","):
                self.position += 1
                continue
            self.take(")")
            return tuple(args)
