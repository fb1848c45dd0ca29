"""`count` and `for_each`: one instance per index or key when the value is known, otherwise a
single unnamed instance whose `count.index` / `each.key` / `each.value` are Unknown (so literal
arguments are still checked). Every expansion draws on the build's instance budget.
"""

from __future__ import annotations

from scanner.model.terraform.evaluate import Budget, Env, Evaluator, render, unknown
from scanner.nodes import Location, Mapping, Node, Scalar, Sequence
from scanner.parse.hcl.tree import Block

Key = int | str | None


def expand(evaluator: Evaluator, budget: Budget, block: Block) -> list[tuple[Key, Env]]:
    attrs = block.body.attributes
    if "count" in attrs:
        count = evaluator.evaluate(attrs["count"].value)
        number = count.value if isinstance(count, Scalar) else None
        if isinstance(number, (int, float)) and not isinstance(number, bool) and _spend(budget, int(number)):
            return [(i, {"count": _pairs(block.loc, index=Scalar(i, block.loc))}) for i in range(int(number))]
        return [(None, {"count": _pairs(block.loc, index=unknown(count, "unknown count"))})]
    if "for_each" in attrs:
        collection = evaluator.evaluate(attrs["for_each"].value)
        items = _each(collection)
        if items is None or not _spend(budget, len(items)):
            mystery = unknown(collection, "unknown for_each")
            return [(None, {"each": _pairs(block.loc, key=mystery, value=mystery)})]
        return [(key, {"each": _pairs(block.loc, key=Scalar(key, block.loc), value=value)})
                for key, value in items]
    return [(None, {})]


def suffix(key: Key) -> str:
    """The address part of an instance: `[0]`, `["api"]`, or nothing."""
    if key is None:
        return ""
    return f"[{key}]" if isinstance(key, int) else f'["{key}"]'


def _spend(budget: Budget, instances: int) -> bool:
    """Whether `instances` more resources fit in the build's budget."""
    if instances > budget.instances:
        return False
    budget.instances -= max(instances, 0)
    return True


def _pairs(loc: Location, **values: Node) -> Mapping:
    result = Mapping(loc)
    for key, value in values.items():
        result.set(key, loc, value)
    return result


def _each(collection: Node) -> list[tuple[str, Node]] | None:
    if isinstance(collection, Mapping):
        return list(collection.items())
    if isinstance(collection, Sequence):
        keys = [render(item) for item in collection.items]
        if any(key is None for key in keys):
            return None
        return [(key, item) for key, item in zip(keys, collection.items) if key is not None]
    return None
