"""Terraform's JSON syntax (`.tf.json`, `.tfvars.json`) into the same `Body` as native HCL.

In JSON the block structure is implied by nesting depth (`resource` -> type -> name -> body) and
strings are templates (`"${var.x}"`), so both are decoded here; the evaluator then sees one shape.
Nested blocks inside a resource cannot be told from object arguments without provider schemas, so
they stay objects (or lists of objects); `CloudResource.blocks()` reads either.
"""

from __future__ import annotations

from scanner.nodes import Location, Mapping, Node, Scalar, Sequence
from scanner.parse.hcl.template import TemplateConverter, template
from scanner.parse.hcl.tree import Attribute, Block, Body

LABELS = {"resource": 2, "data": 2, "variable": 1, "output": 1, "module": 1, "provider": 1,
          "locals": 0, "terraform": 0, "moved": 0, "import": 0, "check": 1}


def body_from_json(document: Mapping, path: str) -> Body:
    if path.lower().endswith(".tfvars.json"):
        return _attributes(document, path)
    body = Body()
    for block_type, value in document.items():
        depth = LABELS.get(block_type)
        if depth is None:
            continue
        for labels, content, loc in _labelled(value, depth, (), document.keys[block_type]):
            _add_block(body, block_type, labels, content, loc, path)
    return body


def _labelled(value: Node, depth: int, labels: tuple[str, ...], loc: Location
              ) -> list[tuple[tuple[str, ...], Mapping, Location]]:
    """Unwrap `depth` levels of label objects; a list at any level means repeated blocks."""
    if isinstance(value, Sequence):
        return [item for entry in value for item in _labelled(entry, depth, labels, loc)]
    if not isinstance(value, Mapping):
        return []
    if depth == 0:
        return [(labels, value, loc)]
    found = []
    for label, inner in value.items():
        if label == "//":  # Terraform's JSON comment key
            continue
        found.extend(_labelled(inner, depth - 1, labels + (label,), value.keys[label]))
    return found


def _add_block(body: Body, block_type: str, labels: tuple[str, ...], content: Mapping,
               loc: Location, path: str) -> None:
    header = Location(loc.path, loc.line, loc.column, loc.line, loc.end_column)
    body.blocks.append(Block(block_type, labels, _attributes(content, path), header,
                             content.loc.end_line))


def _attributes(mapping: Mapping, path: str) -> Body:
    """Arguments of a body; `"dynamic": {"name": {...}}` becomes dynamic blocks, as in HCL."""
    body = Body()
    for name, value in mapping.items():
        key_loc = mapping.keys[name]
        if name == "//":
            continue
        if name == "dynamic" and isinstance(value, Mapping):
            for label, content, loc in _labelled(value, 1, (), key_loc):
                _add_block(body, "dynamic", label, content, loc, path)
            continue
        loc = Location(path, key_loc.line, key_loc.column, value.loc.end_line, value.loc.end_column)
        body.attributes[name] = Attribute(name, templates(value, path), key_loc, loc)
    return body


def templates(node: Node, path: str) -> Node:
    """Strings holding `${...}` become template expressions; everything else is kept as is."""
    if isinstance(node, Scalar) and isinstance(node.value, str) and ("${" in node.value
                                                                    or "%{" in node.value):
        return template(TemplateConverter(path, ""), node.value, node.loc.line, node.loc)
    if isinstance(node, Mapping):
        result = Mapping(node.loc)
        for key, value in node.items():
            result.set(key, node.keys[key], templates(value, path))
        return result
    if isinstance(node, Sequence):
        return Sequence(node.loc, [templates(item, path) for item in node.items])
    return node
