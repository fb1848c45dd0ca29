"""`dynamic "name" { for_each = ...; content { ... } }` expanded into ordinary nested blocks.

Security group rules and node pool settings are often written this way; when the collection is
unknown, one block is produced with its iterator Unknown, so literals in `content` (a `0.0.0.0/0`)
are still seen while iterator-derived values stay unknown.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from scanner.model.terraform.evaluate import Env, unknown
from scanner.nodes import Mapping, Node, Scalar, Sequence
from scanner.parse.hcl.expr import Expr
from scanner.parse.hcl.tree import Block

if TYPE_CHECKING:
    from scanner.model.terraform.module import ModuleInstance


def expand(instance: ModuleInstance, block: Block, env: Env) -> Iterator[tuple[str, Mapping]]:
    name = block.labels[0]
    attributes = block.body.attributes
    iterator = name
    if "iterator" in attributes:
        written = attributes["iterator"].value
        if isinstance(written, Expr) and written.kind == "var":
            iterator = written.args[0]
    for_each = attributes.get("for_each")
    collection = instance.evaluator.evaluate(for_each.value, env) if for_each else None
    for key, value in _items(collection, block):
        inner = dict(env)
        pair = Mapping(block.loc)
        pair.set("key", block.loc, key)
        pair.set("value", block.loc, value)
        inner[iterator] = pair
        content = block.body.blocks_of("content")
        if content:
            yield name, instance.attributes(content[0].body, inner, block.loc)
        elif isinstance(attributes.get("content") and attributes["content"].value, Mapping):
            evaluated = instance.evaluator.evaluate(attributes["content"].value, inner)
            if isinstance(evaluated, Mapping):
                yield name, evaluated


def _items(collection: Node | None, block: Block) -> list[tuple[Node, Node]]:
    if isinstance(collection, Mapping):
        return [(Scalar(k, collection.keys[k]), v) for k, v in collection.items()]
    if isinstance(collection, Sequence):
        return [(Scalar(i, item.loc), item) for i, item in enumerate(collection.items)]
    mystery = unknown(collection or Scalar(None, block.loc), "unknown dynamic for_each")
    return [(mystery, mystery)]
