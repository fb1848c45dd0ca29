"""Terraform's `container_definitions`: a JSON string, read back into located nodes.

The evaluator hands over the string `jsonencode(...)`, a heredoc or `file()` produced, which has
lost the lines its keys were written on. The sources still have them: a heredoc is re-read at its
first content line, a JSON file read by `file()` is re-read in place, and the decoded JSON is laid
over the `jsonencode` argument so each value points at the key that wrote it. When the evaluator could
not produce the string (a variable without a default somewhere inside), the argument's literal
parts are still known and used as they are; the rest stays unknown.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from scanner.inputs.parsed import ParsedFile
from scanner.model.cloud import CloudResource
from scanner.nodes import Location, Mapping, Node, Scalar, Unknown
from scanner.nodes import Sequence as NodeSequence

ATTRIBUTE = "container_definitions"


def definitions(resource: CloudResource, files: Sequence[ParsedFile],
                defaults: dict[str, Node] | None = None) -> Node | None:
    """`defaults`: Terraform variable defaults by name; a value that came from one is located at
    the default, where the insecure literal is written."""
    value = resource.lookup(ATTRIBUTE)
    if isinstance(value, (NodeSequence, Mapping)):
        return value
    written, source = _written(resource, files)
    argument = _jsonencode_argument(written)
    if isinstance(value, Scalar) and isinstance(value.value, str):
        try:
            data = json.loads(value.value)
        except ValueError:
            return None
        if argument is None and written is not None and _heredoc(source, written.loc):
            return _relative(value.value, written.loc.line + 1, value.loc.path)
        origin = _file_read(value.value, files) if argument is None else None
        if origin is not None:  # `file("defs.json")`: point into the JSON file itself
            return _relative(origin.text, 1, origin.rel)
        return overlay(data, argument, value.loc, defaults or {})
    return argument if isinstance(value, Unknown) else None


def overlay(data: object, written: Node | None, fallback: Location,
            defaults: dict[str, Node]) -> Node:
    """`data` as nodes, each located where `written` (the same structure as source) has it,
    else at its nearest written ancestor; a value read from a variable's default, at the default."""
    here = written.loc if written is not None else fallback
    source = written.source if isinstance(written, Unknown) else ""
    default = defaults.get(source[len("var."):]) if source.startswith("var.") else None
    if isinstance(default, Scalar) and default.value == data:
        here = default.loc
    if isinstance(data, dict):
        result = Mapping(here)
        for key, item in data.items():
            child = written.get(key) if isinstance(written, Mapping) else None
            key_loc = written.keys.get(key, here) if isinstance(written, Mapping) else here
            result.set(str(key), key_loc, overlay(item, child, key_loc, defaults))
        return result
    if isinstance(data, list):
        children = written.items if isinstance(written, NodeSequence) else []
        return NodeSequence(here, [overlay(item, children[i] if i < len(children) else None, here, defaults)
                                   for i, item in enumerate(data)])
    return Scalar(data, here)  # type: ignore[arg-type]


def _relative(text: str, first_line: int, path: str) -> Node | None:
    """A heredoc's JSON re-read with its own positions, moved down to where the heredoc starts."""
    from scanner.parse.parsers import ParseError
    from scanner.parse.yaml import parse_documents

    try:
        documents = parse_documents("\n" * (first_line - 1) + text, path)
    except ParseError:
        return None
    return documents[0] if documents else None


def _file_read(content: str, files: Sequence[ParsedFile]) -> ParsedFile | None:
    """The scanned JSON file whose content the string is, as `file()` or `templatefile()` read it."""
    wanted = content.strip()
    return next((parsed for parsed in files
                 if parsed.rel.lower().endswith(".json") and parsed.text.strip() == wanted), None)


def _written(resource: CloudResource, files: Sequence[ParsedFile]) -> tuple[Node | None, str]:
    """The attribute's expression as written in the resource's block, and the file's text."""
    for parsed in files:
        if parsed.type != "terraform" or parsed.rel != resource.loc.path:
            continue
        body = getattr(parsed.tree, "body", None)
        for block in getattr(body, "blocks", ()):
            if block.type == "resource" and block.loc.line == resource.loc.line:
                attribute = block.body.attributes.get(ATTRIBUTE)
                return (attribute.value if attribute else None), parsed.text
    return None, ""


def _jsonencode_argument(written: Node | None) -> Node | None:
    if getattr(written, "kind", "") != "call":
        return None
    name, arguments, _ = written.args  # type: ignore[union-attr]
    return arguments[0] if name.rsplit("::", 1)[-1] == "jsonencode" and arguments else None


def _heredoc(source: str, loc: Location) -> bool:
    lines = source.splitlines()
    return 0 < loc.line <= len(lines) and lines[loc.line - 1][loc.column - 1:].lstrip().startswith("<<")
