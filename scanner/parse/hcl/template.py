"""Heredocs: python-hcl2 keeps a heredoc as one token, interpolations and all, so the body is
split here and each `${...}` is parsed on its own, at its own line.

Policies and user data are usually heredocs, and the values rules care about (a principal of `*`,
a password in a script) sit inside them, so the text must survive with its lines.
"""

from __future__ import annotations

import re
from typing import Any

from scanner.nodes import Location, Node, Scalar, Unknown
from scanner.parse.hcl.expr import Expr, ExprConverter

HEREDOC = "heredoc"  # Scalar tag of heredoc text


class TemplateConverter(ExprConverter):
    """The converter every reader uses: expressions, plus heredocs and `${...}` templates, whose
    interpolations are expressions again."""

    def heredoc(self, tree: Any, trim: bool) -> Node:
        return heredoc(self, tree, trim)
_HEADER = re.compile(r"<<-?([A-Za-z][A-Za-z0-9._-]*)\r?\n")


def heredoc(converter: ExprConverter, tree: Any, trim: bool) -> Node:
    token = tree.children[0]
    raw = str(token)
    header = _HEADER.match(raw)
    marker = header.group(1) if header else ""
    lines = raw[header.end() if header else 0:].split("\n")
    while lines and lines[-1].strip() in ("", marker):
        closing = lines.pop().strip() == marker
        if closing:
            break
    if trim:
        indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
        cut = min(indents, default=0)
        lines = [line[cut:] for line in lines]
    body = "".join(line.rstrip("\r") + "\n" for line in lines)
    end_line = token.line + len(lines) + 1
    loc = Location(converter.path, token.line, token.column, end_line, len(marker) + 1)
    if "${" not in body.replace("$${", "") and "%{" not in body.replace("%%{", ""):
        return Scalar(body.replace("$${", "${").replace("%%{", "%{"), loc, HEREDOC)
    return template(converter, body, token.line + 1, loc, HEREDOC)


def template(converter: ExprConverter, body: str, first_line: int, loc: Location, tag: str = "") -> Node:
    """Text with `${...}` interpolations as a template Expr (a Scalar when there are none);
    `tag` is kept on the text it evaluates to (HEREDOC: its lines follow the `<<` line)."""
    pieces: list[Node] = []
    position = 0
    literal: list[str] = []
    while position < len(body):
        if body.startswith(("$${", "%%{"), position):
            literal.append(body[position + 1:position + 3])
            position += 3
            continue
        if body.startswith("%{", position):
            return Unknown(body[:200], loc, "template directive")
        if not body.startswith("${", position):
            literal.append(body[position])
            position += 1
            continue
        end = _closing_brace(body, position + 2)
        if end < 0:
            return Unknown(body[:200], loc, "unterminated interpolation")
        if literal:
            pieces.append(Scalar("".join(literal), loc))
            literal = []
        line = first_line + body.count("\n", 0, position)
        pieces.append(_interpolation(converter, body[position + 2:end], line))
        position = end + 1
    if literal:
        pieces.append(Scalar("".join(literal), loc))
    if len(pieces) == 1 and not isinstance(pieces[0], Scalar):
        return pieces[0]
    if all(isinstance(piece, Scalar) for piece in pieces):
        return Scalar("".join(str(piece.value) for piece in pieces), loc, tag)  # type: ignore[attr-defined]
    return Expr("template", (tuple(pieces), tag), body, loc)


def _closing_brace(text: str, start: int) -> int:
    """Index of the `}` closing an interpolation, skipping nested braces and quoted strings."""
    depth, position, quoted = 0, start, False
    while position < len(text):
        char = text[position]
        if quoted:
            if char == "\\":
                position += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return position
            depth -= 1
        position += 1
    return -1


def _interpolation(converter: ExprConverter, source: str, line: int) -> Node:
    """Parse `source` as an expression written at `line` (padding keeps lark's lines right)."""
    from lark.exceptions import LarkError

    from scanner.parse.hcl.grammar import parses_to_tree

    text = "\n" * (line - 1) + "__x = " + source.strip().replace("\n", " ") + "\n"
    location = Location(converter.path, line)
    try:
        tree = parses_to_tree(text)
    except (LarkError, RecursionError):
        return Unknown(source.strip(), location, "unparsable interpolation")
    sub = TemplateConverter(converter.path, text)
    attributes = [c for c in sub.trees(tree.children[0]) if c.data == "attribute"]
    if len(attributes) != 1:
        return Unknown(source.strip(), location, "unparsable interpolation")
    return sub.convert(sub.trees(attributes[0])[-1])
