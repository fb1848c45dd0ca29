"""The text that suppresses one finding, in the syntax of the file it is written in.

A comment on a line of its own covers the next line with code (`scanner.results.suppress`), so the comment
goes above the finding's line, at its indentation: that is valid wherever the line is (inside a
Dockerfile `RUN` continuation, a YAML sequence, an HCL block), where a comment at the end of the
line is not (a Dockerfile has no trailing comments). JSON has no comments: a JSON file gets none.
A Kubernetes object can instead carry the `hullscan.dev/ignore` annotation, which covers the whole
object; it is offered when the object's `metadata` is a block mapping that the edit can extend.

The reason is a placeholder the reader is meant to replace: a suppression always says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.nodes import Mapping, Node
from scanner.results.suppress import ANNOTATION

REASON = "<say why this is acceptable>"
# Files read for secrets only whose comments start with `//` (the suppression reader takes both).
_SLASH_COMMENTS = (".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".go", ".java", ".kt", ".scala", ".c", ".h",
                   ".cc", ".cpp", ".hpp", ".cs", ".rs", ".swift", ".php", ".dart", ".groovy", ".gradle", ".jsonc")


@dataclass(frozen=True)
class Edit:
    """Insert or replace text: 0-based line and character positions, in characters."""

    line: int
    character: int
    end_line: int
    end_character: int
    new_text: str


def comment_edit(text: str, line: int, rule_id: str, name: str) -> Edit | None:
    """`# hullscan:ignore ID reason` on its own line above `line` (1-based), or None for JSON."""
    lowered = name.lower()
    if lowered.endswith(".json") and not lowered.endswith(".jsonc"):
        return None
    lines = text.splitlines()
    row = min(max(line, 1), max(len(lines), 1)) - 1
    current = lines[row] if row < len(lines) else ""
    indent = current[: len(current) - len(current.lstrip())]
    marker = "//" if lowered.endswith(_SLASH_COMMENTS) else "#"
    return Edit(row, 0, row, 0, f"{indent}{marker} hullscan:ignore {rule_id} {REASON}\n")


def annotation_edit(text: str, rel: str, line: int, rule_id: str) -> Edit | None:
    """The `hullscan.dev/ignore` annotation added to the object holding `line`, when its metadata
    is block style and has no such annotation yet (an existing one is extended by hand)."""
    from scanner.parse.parsers import ParseError
    from scanner.parse.yaml import parse_documents

    try:
        documents = parse_documents(text, rel, kubernetes=True)
    except (ParseError, RecursionError):
        return None
    document = next((d for d in documents if isinstance(d, Mapping) and d.loc.line <= line <= max(d.loc.end_line, d.loc.line)),
                    None)
    if document is None:
        return None
    metadata = document.get("metadata")
    if not isinstance(metadata, Mapping) or not _block(metadata, document.keys["metadata"].line):
        return None
    entry = f'{ANNOTATION}: "{rule_id}: {REASON}"'
    annotations = metadata.get("annotations")
    if annotations is None:
        indent = " " * (_first_key_column(metadata) - 1)
        row = document.keys["metadata"].line
        return Edit(row, 0, row, 0, f"{indent}annotations:\n{indent}  {entry}\n")
    if not isinstance(annotations, Mapping) or ANNOTATION in annotations \
            or not _block(annotations, metadata.keys["annotations"].line):
        return None
    indent = " " * (_first_key_column(annotations) - 1)
    row = metadata.keys["annotations"].line
    return Edit(row, 0, row, 0, f"{indent}{entry}\n")


def _block(mapping: Node, key_line: int) -> bool:
    """Whether a mapping is written in block style below its key (not `{...}` on the key's line)."""
    return isinstance(mapping, Mapping) and bool(mapping.keys) and mapping.loc.line > key_line


def _first_key_column(mapping: Mapping) -> int:
    return min(loc.column for loc in mapping.keys.values())
