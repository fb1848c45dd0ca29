"""CloudFormation intrinsic functions over nodes, three-valued.

`Ref` to a parameter gives its default (Unknown without one), `Fn::If` follows its Condition when
that is known, `Fn::FindInMap` reads Mappings; `Fn::GetAtt`, imports and pseudo parameters are
Unknown. `AWS::NoValue` removes the property, as CloudFormation does. Never raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from scanner.model.cloud import Reference
from scanner.nodes import Location, Mapping, Node, Scalar, Sequence, Unknown, dig, text, truth

MAX_DEPTH = 64
NO_VALUE = Unknown("AWS::NoValue", Location("", 0), "no value")
_SUB = re.compile(r"\$\{([^{}]*)\}")  # no `{` inside: an unclosed `${${${...` stays linear
_LIST_TYPES = ("CommaDelimitedList", "List<")


def _source(node: Node) -> str:
    if isinstance(node, Mapping) and len(node) == 1:
        name, value = next(node.items())
        parts = value.items if isinstance(value, Sequence) else [value]
        return f"{name} {' '.join(text(part) or '...' for part in parts)}".strip()
    return ""


class TemplateEvaluator:
    def __init__(self, document: Mapping) -> None:
        self.parameters = _mapping(document.get("Parameters"))
        self.mappings = _mapping(document.get("Mappings"))
        self.conditions = _mapping(document.get("Conditions"))
        self.resources = _mapping(document.get("Resources"))
        self.known_conditions: dict[str, bool | None] = {}
        self.depth = 0
        self.functions: dict[str, Callable[[Node, Mapping], Node]] = {
            "Ref": self._ref, "Fn::Sub": self._sub, "Fn::If": self._if, "Fn::FindInMap": self._find,
            "Fn::Join": self._join, "Fn::Select": self._select, "Fn::Split": self._split,
            "Fn::Base64": self._base64, "Fn::GetAtt": self._get_att,
        }

    def evaluate(self, node: Node) -> Node:
        if self.depth > MAX_DEPTH:
            return Unknown(_source(node), node.loc, "nesting too deep")
        self.depth += 1
        try:
            return self._evaluate(node)
        except RecursionError:
            return Unknown(_source(node), node.loc, "nesting too deep")
        finally:
            self.depth -= 1

    def _evaluate(self, node: Node) -> Node:
        if isinstance(node, Sequence):
            items = [self.evaluate(item) for item in node.items]
            return Sequence(node.loc, [item for item in items if item is not NO_VALUE])
        if not isinstance(node, Mapping):
            return node
        if len(node) == 1:
            name, argument = next(node.items())
            if name == "Ref" or name.startswith("Fn::"):
                handler = self.functions.get(name)
                if handler is None:
                    return Unknown(_source(node), node.loc, f"{name} is known only at deploy time")
                return handler(argument, node)
        result = Mapping(node.loc)
        for key, value in node.items():
            evaluated = self.evaluate(value)
            if evaluated is not NO_VALUE:
                result.set(key, node.keys[key], evaluated)
        return result

    # -- conditions ----------------------------------------------------------------------------
    def condition(self, name: str) -> bool | None:
        if name not in self.known_conditions:
            self.known_conditions[name] = None  # a cycle stays unknown
            declared = self.conditions.get(name)
            self.known_conditions[name] = self.truth(declared) if declared is not None else None
        return self.known_conditions[name]

    def truth(self, node: Node) -> bool | None:
        if isinstance(node, Mapping) and len(node) == 1:
            name, argument = next(node.items())
            items = argument.items if isinstance(argument, Sequence) else []
            if name == "Condition":
                return self.condition(text(argument) or "")
            if name == "Fn::Equals" and len(items) == 2:
                left, right = (_plain(self.evaluate(item)) for item in items)
                return None if left is None or right is None else left == right
            if name == "Fn::Not" and len(items) == 1:
                inner = self.truth(items[0])
                return None if inner is None else not inner
            if name in ("Fn::And", "Fn::Or"):
                values = [self.truth(item) for item in items]
                deciding = name == "Fn::Or"
                if deciding in values:
                    return deciding
                return None if None in values else not deciding
        return truth(self.evaluate(node))

    # -- intrinsic functions -------------------------------------------------------------------
    def _ref(self, argument: Node, node: Mapping) -> Node:
        name = text(argument) or ""
        if name == "AWS::NoValue":
            return NO_VALUE
        declared = self.parameters.get(name)
        if name in self.resources:
            return Reference(_source(node), node.loc, "resource reference", name, "")
        if not isinstance(declared, Mapping):
            return Unknown(_source(node), node.loc, "pseudo parameter")
        default = declared.get("Default")
        kind = text(declared.get("Type")) or ""
        if default is None:
            return Unknown(_source(node), node.loc, "parameter without a default")
        if kind.startswith("AWS::SSM::Parameter::Value"):  # the default names the value, in SSM
            return Unknown(_source(node), node.loc, "read from SSM Parameter Store at deploy time")
        if kind.startswith(_LIST_TYPES) and isinstance(default, Scalar) and isinstance(default.value, str):
            return Sequence(default.loc, [Scalar(part.strip(), default.loc)
                                          for part in default.value.split(",")])
        return default

    def _get_att(self, argument: Node, node: Mapping) -> Node:
        parts = argument.items if isinstance(argument, Sequence) else []
        names = [text(part) for part in parts]
        if len(names) == 2 and names[0] is not None and names[0] in self.resources:
            return Reference(_source(node), node.loc, "resource attribute", names[0], names[1] or "")
        return Unknown(_source(node), node.loc, "Fn::GetAtt is known only at deploy time")

    def _sub(self, argument: Node, node: Mapping) -> Node:
        template, variables = argument, Mapping(node.loc)
        if isinstance(argument, Sequence) and argument.items:
            template = argument.items[0]
            if len(argument.items) > 1 and isinstance(argument.items[1], Mapping):
                variables = argument.items[1]
        written = text(template)
        if written is None:
            return Unknown(_source(node), node.loc, "unknown Fn::Sub template")
        values: list[Node] = []

        def replace(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            given = variables.get(name)
            if given is not None:
                value = self.evaluate(given)
            elif "." in name:
                target, _, attribute = name.partition(".")
                value = Reference(_source(node), node.loc, "resource attribute", target, attribute) \
                    if target in self.resources else Unknown(name, node.loc, "GetAtt")
            else:
                value = self._ref(Scalar(name, node.loc), node)
            values.append(value)
            return _plain(value) or "\0"

        result = _SUB.sub(replace, written)
        if len(values) == 1 and _SUB.fullmatch(written):
            value = values[0]
            if isinstance(value, Reference):
                return Reference(_source(node), node.loc, value.reason, value.target, value.attribute)
            return value if not isinstance(value, Unknown) else Unknown(_source(node), node.loc, value.reason)
        if "\0" in result:
            return Unknown(_source(node), node.loc, "Fn::Sub with unknown parts")
        return Scalar(result, node.loc)

    def _if(self, argument: Node, node: Mapping) -> Node:
        items = argument.items if isinstance(argument, Sequence) else []
        if len(items) != 3:
            return Unknown(_source(node), node.loc, "malformed Fn::If")
        chosen = self.condition(text(items[0]) or "")
        if chosen is not None:
            return self.evaluate(items[1] if chosen else items[2])
        then, other = self.evaluate(items[1]), self.evaluate(items[2])
        if isinstance(then, Scalar) and isinstance(other, Scalar) and then.value == other.value:
            return then
        return Unknown(_source(node), node.loc, "condition not known")

    def _find(self, argument: Node, node: Mapping) -> Node:
        items = argument.items if isinstance(argument, Sequence) else []
        keys = [_plain(self.evaluate(item)) for item in items[:3]]
        if len(keys) == 3 and None not in keys:
            found = dig(self.mappings, *keys)  # type: ignore[arg-type]
            if found is not None:
                return self.evaluate(found)
        default = dig(items[3], "DefaultValue") if len(items) > 3 else None
        if default is not None and len(keys) == 3 and None not in keys:
            return self.evaluate(default)
        return Unknown(_source(node), node.loc, "mapping key not known")

    def _join(self, argument: Node, node: Mapping) -> Node:
        items = argument.items if isinstance(argument, Sequence) else []
        if len(items) == 2:
            delimiter, values = _plain(self.evaluate(items[0])), self.evaluate(items[1])
            if delimiter is not None and isinstance(values, Sequence):
                parts = [_plain(item) for item in values.items]
                if None not in parts:
                    return Scalar(delimiter.join(parts), node.loc)  # type: ignore[arg-type]
        return Unknown(_source(node), node.loc, "Fn::Join with unknown parts")

    def _select(self, argument: Node, node: Mapping) -> Node:
        items = argument.items if isinstance(argument, Sequence) else []
        if len(items) == 2:
            index, values = _plain(self.evaluate(items[0])), self.evaluate(items[1])
            if index is not None and index.isdigit() and isinstance(values, Sequence) \
                    and int(index) < len(values.items):
                return values.items[int(index)]
        return Unknown(_source(node), node.loc, "Fn::Select of unknown list")

    def _split(self, argument: Node, node: Mapping) -> Node:
        items = argument.items if isinstance(argument, Sequence) else []
        if len(items) == 2:
            delimiter, value = _plain(self.evaluate(items[0])), _plain(self.evaluate(items[1]))
            if delimiter and value is not None:
                return Sequence(node.loc, [Scalar(part, node.loc) for part in value.split(delimiter)])
        return Unknown(_source(node), node.loc, "Fn::Split of unknown text")

    def _base64(self, argument: Node, node: Mapping) -> Node:
        """The text before encoding: rules read user data for what it says, not its encoding."""
        return self.evaluate(argument)


def _plain(node: Node) -> str | None:
    """A known scalar as CloudFormation compares and joins it (`true`, `3`)."""
    value = node.value if isinstance(node, Scalar) else None
    if value is None:
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def _mapping(node: Node | None) -> Mapping:
    return node if isinstance(node, Mapping) else Mapping(Location("", 0))
