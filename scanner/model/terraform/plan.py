"""Plan JSON (`terraform show -json plan.out`): resources as Terraform will create them.

A plan is already evaluated (variables, modules, count and for_each resolved), so its
`planned_values` are read as they are and findings point into the plan file. What the plan itself
does not know yet (an ARN of a resource still to be created) is absent from `planned_values` and
listed in `resource_changes[].change.after_unknown`; it is put back as Unknown, so a rule does
not mistake "known after apply" for "not set".
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model.cloud import CloudResource
from scanner.nodes import Location, Mapping, Node, Scalar, Sequence, Unknown, dig, text, truth
from scanner.parse.hcl.tree import HclFile


def plan_resources(plan: HclFile) -> list[CloudResource]:
    root = dig(plan.document, "planned_values", "root_module")
    if not isinstance(root, Mapping):
        return []
    unknowns: dict[str, Node] = {}
    for change in _mappings(dig(plan.document, "resource_changes")):
        address = text(change.get("address"))
        after_unknown = dig(change, "change", "after_unknown")
        if address and after_unknown is not None:
            unknowns[address] = after_unknown
    return list(_module(root, "", unknowns, 0))


def _module(module: Node, address: str, unknowns: dict[str, Node], depth: int) -> Iterator[CloudResource]:
    for resource in _mappings(dig(module, "resources")):
        if text(resource.get("mode")) not in (None, "managed"):
            continue
        resource_type = text(resource.get("type")) or ""
        name = text(resource.get("address")) or f"{resource_type}.{text(resource.get('name'))}"
        values = resource.get("values")
        attrs = values if isinstance(values, Mapping) else Mapping(resource.loc)
        merged = _with_unknowns(attrs, unknowns[name], name) if name in unknowns else attrs
        attrs = merged if isinstance(merged, Mapping) else attrs
        yield CloudResource("terraform", resource_type, name, attrs, resource.loc, address)
    if depth < 16:
        for child in _mappings(dig(module, "child_modules")):
            yield from _module(child, text(child.get("address")) or address, unknowns, depth + 1)


def _with_unknowns(value: Node | None, marks: Node, path: str) -> Node:
    """`value` with every place `after_unknown` marks `true` replaced by Unknown."""
    loc = value.loc if value is not None else marks.loc
    if truth(marks) is True:
        return Unknown(path, loc, "known after apply")
    if isinstance(marks, Mapping):
        result = Mapping(loc)
        if isinstance(value, Mapping):
            for key, item in value.items():
                result.set(key, value.keys[key], item)
        for key, mark in marks.items():
            if _marks_something(mark):
                current = value.get(key) if isinstance(value, Mapping) else None
                result.set(key, value.keys.get(key, marks.keys[key]) if isinstance(value, Mapping)
                           else marks.keys[key], _with_unknowns(current, mark, f"{path}.{key}"))
        return result
    if isinstance(marks, Sequence):
        items = list(value.items) if isinstance(value, Sequence) else []
        for index, mark in enumerate(marks.items):
            if _marks_something(mark):
                current = items[index] if index < len(items) else None
                replaced = _with_unknowns(current, mark, f"{path}[{index}]")
                if index < len(items):
                    items[index] = replaced
                else:
                    items.append(replaced)
        return Sequence(loc, items)
    return value if value is not None else Scalar(None, Location(loc.path, loc.line))


def _marks_something(mark: Node) -> bool:
    if isinstance(mark, Mapping):
        return any(_marks_something(m) for _, m in mark.items())
    if isinstance(mark, Sequence):
        return any(_marks_something(m) for m in mark.items)
    return truth(mark) is True


def _mappings(node: Node | None) -> list[Mapping]:
    return [item for item in node.items if isinstance(item, Mapping)] if isinstance(node, Sequence) \
        else []
