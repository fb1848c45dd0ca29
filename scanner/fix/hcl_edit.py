"""Text-span edits of Terraform (HCL native syntax): replace a literal, set an attribute inside
a block (creating the nested blocks it needs, indented as `terraform fmt` does). A value that is
an expression (a variable, a function call) is never rewritten: its origin is elsewhere."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from scanner.fix.edits import Change, Value
from scanner.fix.source import Source, Unfixable
from scanner.nodes import Mapping, Scalar, Sequence

_LITERAL = re.compile(r'^(?:true|false|-?\d+(?:\.\d+)?|"(?:[^"\\$%]|\\.)*")$')


def render(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(render(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {render(item)}" for key, item in value.items()) + " }"
    return json.dumps(value)


def blocks(body: Any) -> Iterator[Any]:
    """Every block of a body, depth first."""
    for block in getattr(body, "blocks", []):
        yield block
        yield from blocks(block.body)


def block_at(tree: Any, line: int, column: int) -> Any:
    if getattr(tree, "syntax", "") != "hcl":
        raise Unfixable("only Terraform's native syntax is edited (not .tf.json or a plan)")
    for block in blocks(tree.body):
        if (block.loc.line, block.loc.column) == (line, column):
            return block
    return None


def literal_at(source: Source, tree: Any, line: int, column: int) -> Scalar | None:
    """The literal written at the position, anywhere in an attribute's value (inside an object
    given to `jsonencode` too), or None."""
    if getattr(tree, "syntax", "") != "hcl":
        return None
    stack: list[Any] = [a.value for body in [tree.body, *(b.body for b in blocks(tree.body))]
                        for a in body.attributes.values()]
    while stack:
        node = stack.pop()
        if isinstance(node, Scalar) and (node.loc.line, node.loc.column) == (line, column):
            return node
        if isinstance(node, Mapping):
            stack.extend(node.values.values())
        elif isinstance(node, Sequence):
            stack.extend(node.items)
    return None


def replace_literal(source: Source, node: Scalar, value: Value) -> Change:
    loc = node.loc
    start, end = source.offset(loc.line, loc.column), source.offset(loc.end_line, loc.end_column)
    if not _LITERAL.match(source.text[start:end]):
        raise Unfixable("the value is not a single literal")
    return Change(start, end, render(value))


def set_in_block(source: Source, block: Any, path: list[str], value: Value,
                 keep: tuple[Value, ...] = (), missing_only: bool = False) -> Change | None:
    """`path` is nested block types ending with an attribute name; None when it already holds
    `value` (or one of `keep`)."""
    head, rest = path[0], path[1:]
    if not rest:
        attribute = block.body.attributes.get(head)
        if attribute is None:
            return _insert(source, block, [f"{head} = {render(value)}"])
        if missing_only:
            return None
        if not isinstance(attribute.value, Scalar):
            raise Unfixable(f"`{head}` is an expression; fix it where its value comes from")
        if attribute.value.value == value or attribute.value.value in keep:
            return None
        return replace_literal(source, attribute.value, value)
    inner = block.body.blocks_of(head)
    if len(inner) > 1:
        raise Unfixable(f"more than one `{head}` block")
    if inner:
        return set_in_block(source, inner[0], rest, value, keep, missing_only)
    if head in block.body.attributes:
        raise Unfixable(f"`{head}` is written as an attribute")
    lines = [f"{key} {{" for key in path[:-1]]
    lines.append(f"{path[-1]} = {render(value)}")
    lines.extend("}" for _ in path[:-1])
    depth = [*range(len(path)), *reversed(range(len(path) - 1))]
    return _insert(source, block, [("  " * level) + line for level, line in zip(depth, lines)])


def _insert(source: Source, block: Any, lines: list[str]) -> Change:
    """Lines before the block's closing brace, at the indentation of its other content."""
    if not block.end_line or block.end_line == block.loc.line:
        raise Unfixable("the block is written on one line")
    close = source.starts[block.end_line - 1]
    closing = source.text[close:source.after_line(close)]
    if closing.strip() not in ("}", "})", "}]", "},"):
        raise Unfixable("the block's closing brace shares its line")
    header = source.indent_at(source.offset(block.loc.line, block.loc.column))
    inner = [a.key_loc.column for a in block.body.attributes.values()] + [b.loc.column for b in block.body.blocks]
    indent = " " * (min(inner) - 1) if inner else header + "  "
    at, text = source.insert_lines(close, [indent + line for line in lines])
    return Change(at, at, text)
