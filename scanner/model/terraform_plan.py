"""Plan JSON (`terraform show -json plan.out`): resources as Terraform will create them.

A plan is already evaluated (variables, modules, count and for_each resolved), so its
`planned_values` are read as they are; findings point into the plan file.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model.cloud import CloudResource
from scanner.nodes import Mapping, Node, Sequence, dig, text
from scanner.parse.hcl import HclFile


def plan_resources(plan: HclFile) -> list[CloudResource]:
    root = dig(plan.document, "planned_values", "root_module")
    return list(_module(root, "", 0)) if isinstance(root, Mapping) else []


def _module(module: Node, address: str, depth: int) -> Iterator[CloudResource]:
    for resource in _mappings(dig(module, "resources")):
        if text(resource.get("mode")) not in (None, "managed"):
            continue
        resource_type = text(resource.get("type")) or ""
        name = text(resource.get("address")) or f"{resource_type}.{text(resource.get('name'))}"
        values = resource.get("values")
        attrs = values if isinstance(values, Mapping) else Mapping(resource.loc)
        yield CloudResource("terraform", resource_type, name, attrs, resource.loc, address)
    if depth < 16:
        for child in _mappings(dig(module, "child_modules")):
            yield from _module(child, text(child.get("address")) or address, depth + 1)


def _mappings(node: Node | None) -> list[Mapping]:
    return [item for item in node.items if isinstance(item, Mapping)] if isinstance(node, Sequence) \
        else []
