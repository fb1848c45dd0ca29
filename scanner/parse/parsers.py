"""Parsers: one per syntax, turning text into the node model. No security knowledge lives here.

Each parser is `parse(text, path) -> tree` and raises `ParseError` with the line it stopped at.
Parsers are named here as strings and imported only when a file of their syntax is scanned, so a
Dockerfile-only run never loads the YAML or HCL libraries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.lazy import load

PARSERS = {
    "dockerfile": "scanner.parse.dockerfile:parse",
    "kubernetes": "scanner.parse.yaml:parse_manifests",
    "compose": "scanner.parse.yaml:parse_documents",
    "cloudformation": "scanner.parse.yaml:parse_documents",
    "terraform": "scanner.parse.hcl.syntax:parse",
    "arm": "scanner.parse.jsonc:parse",
}


class ParseError(Exception):
    """A file the parser cannot read; `line` is 1-based, 0 when unknown."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def parser_for(file_type: str) -> Callable[[str, str], Any] | None:
    target = PARSERS.get(file_type)
    if target is None:
        return None
    return load(target)
