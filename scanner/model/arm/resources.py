"""An ARM template's `resources` into `CloudResource`s: conditions, copy loops, child resources
and nested deployments.

Resources come as an array, or (language version 2.0) as an object keyed by symbolic name. A
child written inside its parent (`"type": "securityRules"` in a network security group) gets the
full type and name (`Microsoft.Network/networkSecurityGroups/securityRules`, `nsg/rule`), as
Resource Manager gives it. Types are matched without regard to case and given the documented
spelling, so the rules' tables name each type once.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model.arm.template import DEPLOYMENTS, MAX_NESTING, Evaluator
from scanner.model.arm.values import member
from scanner.model.cloud import CloudModel, CloudResource
from scanner.nodes import Location, Mapping, Node, Scalar, Sequence, Unknown, text, truth

# Resource attributes that steer the deployment rather than describe the resource.
_CONTROL = frozenset({"copy", "condition", "resources", "dependson"})
# The documented spelling of the types hullscan's rules read.
KNOWN_TYPES = {name.lower(): name for name in (
    "Microsoft.ContainerService/managedClusters", "Microsoft.ContainerService/managedClusters/agentPools",
    "Microsoft.ContainerRegistry/registries", "Microsoft.ContainerInstance/containerGroups",
    "Microsoft.App/containerApps", "Microsoft.Web/sites", "Microsoft.Network/networkSecurityGroups",
    "Microsoft.Network/networkSecurityGroups/securityRules", "Microsoft.Insights/diagnosticSettings",
    "Microsoft.KeyVault/vaults", "Microsoft.Storage/storageAccounts", "Microsoft.Security/pricings", DEPLOYMENTS,
)}


def emit(evaluator: Evaluator, resources: Node | None, model: CloudModel,
         parent: tuple[str, str] | None = None) -> None:
    for symbolic, raw in _entries(resources):
        condition = member(raw, "condition")
        if condition is not None and truth(evaluator.evaluate(condition)) is False:
            continue  # never deployed
        for _ in _instances(evaluator, raw):
            _resource(evaluator, symbolic, raw, model, parent)


def _entries(resources: Node | None) -> Iterator[tuple[str, Mapping]]:
    if isinstance(resources, Sequence):
        for item in resources.items:
            if isinstance(item, Mapping):
                yield "", item
    elif isinstance(resources, Mapping):
        for name, item in resources.items():
            if isinstance(item, Mapping):
                yield name, item


def _instances(evaluator: Evaluator, raw: Mapping) -> Iterator[None]:
    """Once per copy of the resource, with `copyIndex()` set; once, index unknown, when the
    count is not known (the resource's settings are judged all the same)."""
    loop = member(raw, "copy")
    if not isinstance(loop, Mapping):
        yield
        return
    name = (text(loop.get("name")) or "").lower()
    count = evaluator.count(loop.get("count"))
    saved = dict(evaluator.copy_index)
    try:
        for index in range(count) if count is not None else [None]:
            if index is not None:
                evaluator.copy_index[""] = evaluator.copy_index[name] = Scalar(index, loop.loc)
            yield
    finally:
        evaluator.copy_index = saved


def _resource(evaluator: Evaluator, symbolic: str, raw: Mapping, model: CloudModel,
              parent: tuple[str, str] | None) -> None:
    written_type = member(raw, "type")
    deployment = written_type is not None and (text(evaluator.evaluate(written_type)) or "").lower() == DEPLOYMENTS
    attrs = evaluator.evaluate(_described(raw, deployment))
    if not isinstance(attrs, Mapping):
        return
    kind, name = text(attrs.get("type")) or "", text(attrs.get("name"))
    if parent is not None and not _qualified(kind):
        kind, name = f"{parent[0]}/{kind}", f"{parent[1]}/{name}" if name is not None else None
    kind = KNOWN_TYPES.get(kind.lower(), kind)
    shown = name or symbolic or _source(member(raw, "name"))
    model.resources.append(CloudResource("arm", kind, shown, attrs, _where(raw)))
    if member(raw, "resources") is not None:
        emit(evaluator, member(raw, "resources"), model, (kind, shown))
    if deployment:
        _nested(evaluator, raw, attrs, shown, model)


def _described(raw: Mapping, deployment: bool) -> Mapping:
    """The resource without its control keys (and a deployment without its inline template,
    which is evaluated in its own scope)."""
    result = Mapping(raw.loc)
    for key, value in raw.items():
        if key.lower() in _CONTROL:
            continue
        if deployment and key.lower() == "properties" and isinstance(value, Mapping):
            value = _without(value, "template")
        result.set(key, raw.keys[key], value)
    return result


def _without(mapping: Mapping, name: str) -> Mapping:
    result = Mapping(mapping.loc)
    for key, value in mapping.items():
        if key.lower() != name:
            result.set(key, mapping.keys[key], value)
    return result


def _nested(evaluator: Evaluator, raw: Mapping, attrs: Mapping, name: str, model: CloudModel) -> None:
    properties = member(raw, "properties")
    template = member(properties, "template")
    if not isinstance(template, Mapping):
        if member(properties, "templateLink") is not None:
            evaluator.budget.notes.append(
                f"{raw.loc.path}:{raw.loc.line}: linked template of deployment {name} not fetched "
                "(hullscan never uses the network); scan that template itself")
        return
    if evaluator.nesting >= MAX_NESTING:
        evaluator.budget.notes.append(f"{raw.loc.path}:{raw.loc.line}: deployments nested more than "
                                      f"{MAX_NESTING} deep are not evaluated")
        return
    scope = (text(_path(attrs, "properties", "expressionEvaluationOptions", "scope")) or "outer").lower()
    if scope != "inner":  # the parent's parameters and variables, one level deeper
        evaluator.nesting += 1
        try:
            emit(evaluator, member(template, "resources"), model)
        finally:
            evaluator.nesting -= 1
        return
    inputs: dict[str, Node] = {}
    given = _path(attrs, "properties", "parameters")
    for key, entry in given.items() if isinstance(given, Mapping) else ():
        value = entry.get("value") if isinstance(entry, Mapping) else None
        inputs[key] = value if value is not None else Unknown(key, entry.loc, "Key Vault reference")
    inner = Evaluator(template, inputs, evaluator.budget, evaluator.nesting + 1)
    emit(inner, member(template, "resources"), model)


def _path(node: Node | None, *keys: str) -> Node | None:
    for key in keys:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node


def _qualified(kind: str) -> bool:
    """`Microsoft.Network/...` names its provider; `securityRules` is relative to its parent."""
    return "." in kind.split("/", 1)[0]


def _where(raw: Mapping) -> Location:
    """Where a missing setting is reported: the resource's `name` line (else its first line)."""
    for key in ("name", "type"):
        if key in raw.keys:
            return raw.keys[key]
    return raw.loc._replace(end_line=raw.loc.line, end_column=raw.loc.column + 1)


def _source(node: Node | None) -> str:
    return str(node.value) if isinstance(node, Scalar) else "<unnamed>"
