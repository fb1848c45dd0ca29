"""JSON documents built from evaluated values: `jsonencode(...)` and the
`aws_iam_policy_document` data source's `.json`.

Registry and bucket policies are mostly written one of these two ways, and nearly always name
another resource's ARN, which is unknown until apply. Making the whole document Unknown would hide
a `Principal = "*"` next to it, so an unknown leaf is written as `${<its source>}` (what
`terraform plan` shows as "known after apply") and the string is tagged `partial`.
"""

from __future__ import annotations

import json

from scanner.model.cloud import Encoded
from scanner.nodes import Mapping, Node, Scalar, Sequence, Unknown

PARTIAL = "partial"


def with_placeholders(node: Node, holes: list[str]) -> object:
    """Python data for `node`; each unknown leaf becomes `${source}` and is noted in `holes`."""
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, Mapping):
        return {key: with_placeholders(value, holes) for key, value in node.items()}
    if isinstance(node, Sequence):
        return [with_placeholders(item, holes) for item in node.items]
    source = node.source if isinstance(node, Unknown) and node.source else "unknown"
    holes.append(source)
    return "${" + source + "}"


def encode(node: Node, loc_node: Node) -> Encoded:
    holes: list[str] = []
    data = with_placeholders(node, holes)
    return Encoded(json.dumps(data, separators=(",", ":")), loc_node.loc, PARTIAL if holes else "", node)


def _blocks(attrs: Mapping, name: str) -> list[Mapping]:
    value = attrs.get(name)
    items = value.items if isinstance(value, Sequence) else [value] if value is not None else []
    return [item for item in items if isinstance(item, Mapping)]


def _principals(blocks: list[Mapping]) -> Node:
    """`principals { type = "AWS", identifiers = [...] }` -> `{"AWS": [...]}`; `type = "*"` is `"*"`."""
    result = Mapping(blocks[0].loc)
    for block in blocks:
        kind = block.get("type")
        identifiers = block.get("identifiers") or Sequence(block.loc)
        if isinstance(kind, Scalar) and kind.value == "*":
            return Scalar("*", identifiers.loc)
        key = str(kind.value) if isinstance(kind, Scalar) else "${unknown}"
        result.set(key, block.loc, identifiers)
    return result


_STATEMENT_KEYS = (("sid", "Sid"), ("effect", "Effect"), ("actions", "Action"),
                   ("not_actions", "NotAction"), ("resources", "Resource"),
                   ("not_resources", "NotResource"))


def policy_json(attrs: Mapping) -> Encoded:
    """The policy document the data source renders, from its evaluated arguments."""
    document = Mapping(attrs.loc)
    document.set("Version", attrs.loc, attrs.get("version") or Scalar("2012-10-17", attrs.loc))
    statements = Sequence(attrs.loc)
    for block in _blocks(attrs, "statement"):
        statement = Mapping(block.loc)
        statement.set("Effect", block.loc, Scalar("Allow", block.loc))
        for ours, theirs in _STATEMENT_KEYS:
            if ours in block:
                statement.set(theirs, block.keys[ours], block.values[ours])
        for ours, theirs in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            principals = _blocks(block, ours)
            if principals:
                statement.set(theirs, principals[0].loc, _principals(principals))
        conditions = _blocks(block, "condition")
        if conditions:
            statement.set("Condition", conditions[0].loc, _conditions(conditions))
        statements.items.append(statement)
    document.set("Statement", attrs.loc, statements)
    return encode(document, attrs)


def _conditions(blocks: list[Mapping]) -> Mapping:
    result = Mapping(blocks[0].loc)
    for block in blocks:
        test, variable = block.get("test"), block.get("variable")
        if not isinstance(test, Scalar) or not isinstance(variable, Scalar):
            continue
        operator = result.get(str(test.value))
        if not isinstance(operator, Mapping):
            operator = Mapping(block.loc)
            result.set(str(test.value), block.loc, operator)
        operator.set(str(variable.value), block.loc, block.get("values") or Sequence(block.loc))
    return result
