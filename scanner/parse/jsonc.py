"""JSON with comments (ARM templates, `.jsonc`) into the node model, every value located.

Azure Resource Manager accepts `//` and `/* */` comments in templates and parameter files, which
plain JSON readers refuse. Comments are blanked out (each character a space, line ends kept), so
every line and column stays where it was written, and the rest is read by the YAML reader, which
reads JSON as the subset of YAML it is, with the same depth and size bounds as every other file.
Tabs become spaces for the same reason (YAML refuses a tab where JSON allows one; one column each).

Blanking is one left-to-right pass: a string (with its escapes) is skipped whole, so `//` inside
`"https://..."` is text, and an unclosed `/*` is an error rather than a search to the end for
every later `/*`.
"""

from __future__ import annotations

import re

from scanner.nodes import Node
from scanner.parse.parsers import ParseError

_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|//|/\*')
_NOT_LINE_END = re.compile(r"[^\n]")


def blank_comments(text: str) -> str:
    """`text` with every comment's characters replaced by spaces (line ends kept)."""
    if "/" not in text:
        return text.replace("\t", " ")
    pieces: list[str] = []
    done = position = 0
    while (match := _TOKEN.search(text, position)) is not None:
        token = match.group()
        position = match.end()
        if token.startswith('"'):
            continue
        end = text.find("\n", position) if token == "//" else text.find("*/", position)
        if end < 0 and token == "/*":
            raise ParseError("unclosed /* comment", text.count("\n", 0, match.start()) + 1)
        end = len(text) if end < 0 else end + (2 if token == "/*" else 0)
        pieces += [text[done:match.start()], _NOT_LINE_END.sub(" ", text[match.start():end])]
        done = position = end
    pieces.append(text[done:])
    return "".join(pieces).replace("\t", " ")


def parse(text: str, path: str) -> list[Node]:
    """The file's one JSON value, as a list of one document (the shape YAML readers return)."""
    from scanner.parse.yaml import parse_documents

    documents = parse_documents(blank_comments(text), path)
    if len(documents) > 1:
        raise ParseError("more than one JSON value in the file")
    return documents
