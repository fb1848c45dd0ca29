"""One ARM template evaluated into cloud resources, as Resource Manager would deploy it.

Parameters take the value a parameters file gives, else their `defaultValue` (itself an
expression), else their one `allowedValues` entry; otherwise they are Unknown. Variables are
evaluated when first read (a cycle is Unknown). `condition` false drops a resource, unknown keeps
it. `copy` loops on resources, properties and variables are expanded up to ARM's own limit of 800
items. A nested `Microsoft.Resources/deployments` with an inline template is evaluated in its
parent's scope (`expressionEvaluationOptions.scope` outer, the default) or in its own, fed by its
`parameters` (inner); a linked template (`templateLink`) is never fetched, a note says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from scanner.model.arm import expressions as ex
from scanner.model.arm.functions import Invalid, call
from scanner.model.arm.values import ArmObject, Unknowable, member, plain, to_node
from scanner.model.cloud import CloudVariable, Reference
from scanner.nodes import Location, Mapping, Node, Scalar, Sequence, Unknown, text, truth

MAX_COPIES = 800  # Resource Manager refuses a larger copy count
MAX_NESTING = 10
MAX_EXPRESSION_DEPTH = 64
MAX_STEPS = 250_000  # values evaluated per unit: a large real template needs a tenth of it
DEPLOYMENTS = "microsoft.resources/deployments"
SECURE_TYPES = frozenset({"securestring", "secureobject"})
# Functions whose value only Resource Manager knows, at deploy time.
_DEPLOY_TIME = frozenset({"reference", "newguid", "utcnow", "resourcegroup", "subscription", "tenant",
                          "managementgroup", "deployment", "environment", "uniquestring", "guid",
                          "pickzones", "providers", "list", "tryget", "datetimeadd", "listkeys"})


@dataclass
class Budget:
    """Work left for every template of one scan: evaluation steps and a note when they ran out."""

    steps: int = MAX_STEPS
    notes: list[str] = field(default_factory=list)

    def spend(self) -> bool:
        self.steps -= 1
        return self.steps >= 0


class Evaluator:
    """The scope of one template: its parameters, variables and the copy loops around a value."""

    def __init__(self, template: Mapping, inputs: dict[str, Node], budget: Budget, nesting: int = 0) -> None:
        self.template = template
        self.declared = _folded(member(template, "parameters"))
        self.raw_variables = _folded(member(template, "variables"))
        self.inputs = {name.lower(): value for name, value in inputs.items()}
        self.budget = budget
        self.nesting = nesting  # deployments around this template
        self.depth = 0  # expressions being evaluated (a variable read inside a variable...)
        self.parameter_values: dict[str, Node] = {}
        self.variable_values: dict[str, Node] = {}
        self.copy_index: dict[str, Node] = {}

    # -- values ----------------------------------------------------------------------------------
    def evaluate(self, node: Node) -> Node:
        if not self.budget.spend():
            return Unknown("", node.loc, "evaluation bound reached")
        if isinstance(node, Scalar):
            if isinstance(node.value, str) and ex.is_expression(node.value.strip()):
                return self.expression(node.value.strip(), node.loc)
            if isinstance(node.value, str) and node.value.startswith("[["):
                return Scalar(ex.unescape(node.value), node.loc)
            return node
        if isinstance(node, Sequence):
            return Sequence(node.loc, [self.evaluate(item) for item in node.items])
        if isinstance(node, Mapping):
            result = ArmObject(node.loc)
            for key, value in node.items():
                if key.lower() == "copy" and isinstance(value, Sequence):
                    for name, loc, items in self.property_copies(value):
                        result.set(name, loc, items)
                else:
                    result.set(key, node.keys[key], self.evaluate(value))
            return result
        return node

    def expression(self, source: str, loc: Location) -> Node:
        try:
            parsed = ex.parse(source)
        except ex.ExpressionError as exc:
            return Unknown(source, loc, f"expression not read: {exc}")
        if self.depth > MAX_EXPRESSION_DEPTH:
            return Unknown(source, loc, "nesting too deep")
        self.depth += 1
        try:
            value = self.value(parsed, loc, source)
        except RecursionError:
            value = Unknown(source, loc, "nesting too deep")
        finally:
            self.depth -= 1
        if isinstance(value, Unknown) and not value.source:
            return Unknown(source, loc, value.reason) if not isinstance(value, Reference) else value
        return value

    def value(self, node: ex.Expression, loc: Location, source: str) -> Node:
        if isinstance(node, ex.Literal):
            return Scalar(node.value, loc)
        if isinstance(node, ex.Member):
            target = self.value(node.target, loc, source)
            if isinstance(target, Unknown):
                return target
            found = target.get(node.name) if isinstance(target, Mapping) else None
            return found if found is not None else Unknown(source, loc, "no such property")
        if isinstance(node, ex.Index):
            target, index = self.value(node.target, loc, source), self.value(node.index, loc, source)
            return _index(target, index, loc, source)
        return self.call(node, loc, source)

    def call(self, node: ex.Call, loc: Location, source: str) -> Node:
        name, args = node.name, node.args
        if name == "parameters" and len(args) == 1:
            return self.named(self.parameter, args[0], loc, source)
        if name == "variables" and len(args) == 1:
            return self.named(self.variable, args[0], loc, source)
        if name == "if" and len(args) == 3:
            return self.choose(args, loc, source)
        if name in ("and", "or"):
            return self.logic(name, args, loc, source)
        if name == "copyindex":
            return self.copy_position(args, loc, source)
        if name in ("resourceid", "subscriptionresourceid", "extensionresourceid"):
            return self.resource_id([self.value(arg, loc, source) for arg in args], loc, source)
        if name in _DEPLOY_TIME or name.startswith("list") or "." in name:
            return Unknown(source, loc, f"{name}() is known only at deploy time")
        values = [self.value(arg, loc, source) for arg in args]
        if name == "coalesce":
            return next((v for v in values if not (isinstance(v, Scalar) and v.value is None)), Scalar(None, loc))
        try:
            result = call(name, [plain(value) for value in values])
        except Unknowable:
            return Unknown(source, loc, "depends on a value known only at deploy time")
        except KeyError:
            return Unknown(source, loc, f"{name}() is not evaluated")
        except Invalid as exc:
            return Unknown(source, loc, f"{name}() can't be computed: {exc}")
        return to_node(result, loc)

    def named(self, lookup: Callable[[str, Location, str], Node], argument: ex.Expression, loc: Location,
              source: str) -> Node:
        name = text(self.value(argument, loc, source))
        return lookup(name.lower(), loc, source) if name is not None else Unknown(source, loc, "name not known")

    def choose(self, args: tuple[ex.Expression, ...], loc: Location, source: str) -> Node:
        condition = truth(self.value(args[0], loc, source))
        if condition is not None:
            return self.value(args[1] if condition else args[2], loc, source)
        then, other = self.value(args[1], loc, source), self.value(args[2], loc, source)
        if isinstance(then, Scalar) and isinstance(other, Scalar) and then.value == other.value:
            return then
        return Unknown(source, loc, "condition not known")

    def logic(self, name: str, args: tuple[ex.Expression, ...], loc: Location, source: str) -> Node:
        """Three-valued: one false decides `and`, one true decides `or`, whatever else is unknown."""
        values = [truth(self.value(arg, loc, source)) for arg in args]
        deciding = name == "or"
        if deciding in values:
            return Scalar(deciding, loc)
        return Unknown(source, loc, "depends on an unknown value") if None in values else Scalar(not deciding, loc)

    def copy_position(self, args: tuple[ex.Expression, ...], loc: Location, source: str) -> Node:
        values = [plain_or_none(self.value(arg, loc, source)) for arg in args]
        loop = next((v for v in values if isinstance(v, str)), "")
        offset = next((v for v in values if isinstance(v, int) and not isinstance(v, bool)), 0)
        index = self.copy_index.get(loop.lower())
        if not isinstance(index, Scalar) or not isinstance(index.value, int):
            return Unknown(source, loc, "copy index not known")
        return Scalar(index.value + offset, loc)

    def resource_id(self, values: list[Node], loc: Location, source: str) -> Node:
        """`resourceId('Microsoft.X/y', 'name')`: a reference to the resource of that name."""
        parts = [text(value) for value in values]
        types = [i for i, part in enumerate(parts) if part and "/" in part and "." in part.split("/")[0]]
        if not types or any(part is None for part in parts[types[-1] + 1:]):
            return Unknown(source, loc, "resource id known at deploy time")
        names = [part for part in parts[types[-1] + 1:] if part is not None]
        return Reference(source, loc, "resource id", "/".join(names), "id")

    # -- parameters and variables --------------------------------------------------------------------
    def parameter(self, name: str, loc: Location, source: str) -> Node:
        if name in self.parameter_values:
            return self.parameter_values[name]
        self.parameter_values[name] = Unknown(source, loc, "parameter defined by itself")
        value = self.inputs.get(name)
        declaration = self.declared.get(name)
        if value is None and isinstance(declaration, Mapping):
            default, allowed = member(declaration, "defaultValue"), member(declaration, "allowedValues")
            if default is not None:
                value = self.evaluate(default)
            elif isinstance(allowed, Sequence) and len(allowed.items) == 1:
                value = self.evaluate(allowed.items[0])
        if value is None:
            value = Unknown(source, loc, "parameter without a default")
        self.parameter_values[name] = value
        return value

    def variable(self, name: str, loc: Location, source: str) -> Node:
        if name in self.variable_values:
            return self.variable_values[name]
        self.variable_values[name] = Unknown(source, loc, "variable defined by itself")
        raw = self.raw_variables.get(name)
        if raw is not None:
            value = self.evaluate(raw)
        else:
            value = Unknown(source, loc, "no such variable")
            for copy_name, _, items in self.property_copies(self.raw_variables.get("copy")):
                if copy_name.lower() == name:
                    value = items
        self.variable_values[name] = value
        return value

    def property_copies(self, loops: Node | None) -> Iterator[tuple[str, Location, Node]]:
        """(name, where, items) for each `copy` entry of a property or variable loop."""
        for loop in loops.items if isinstance(loops, Sequence) else []:
            name = text(loop.get("name")) if isinstance(loop, Mapping) else None
            if not isinstance(loop, Mapping) or not name:
                continue
            count = self.count(loop.get("count"))
            template = loop.get("input")
            if count is None or template is None:
                yield name, loop.loc, Unknown(name, loop.loc, "copy count not known")
                continue
            items = [self.with_index(name, index, template) for index in range(count)]
            yield name, loop.loc, Sequence(loop.loc, items)

    def with_index(self, loop: str, index: int, node: Node) -> Node:
        saved = dict(self.copy_index)
        self.copy_index[loop.lower()] = Scalar(index, node.loc)
        try:
            return self.evaluate(node)
        finally:
            self.copy_index = saved

    def count(self, node: Node | None) -> int | None:
        value = plain_or_none(self.evaluate(node)) if node is not None else None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COPIES:
            return None
        return value

    def declarations(self) -> Iterator[CloudVariable]:
        parameters = member(self.template, "parameters")
        if not isinstance(parameters, Mapping):
            return
        for name, declaration in parameters.items():
            if not isinstance(declaration, Mapping):
                continue
            kind = (text(member(declaration, "type")) or "").lower()
            given = name.lower() in self.inputs or member(declaration, "defaultValue") is not None
            value = self.parameter(name.lower(), parameters.keys[name], name) if given else None
            yield CloudVariable("arm", name, value, kind in SECURE_TYPES, parameters.keys[name])


def plain_or_none(node: Node) -> object:
    try:
        return plain(node)
    except Unknowable:
        return None


def _index(target: Node, index: Node, loc: Location, source: str) -> Node:
    if isinstance(target, Unknown):
        return target
    key = plain_or_none(index)
    if isinstance(target, Sequence) and isinstance(key, int) and not isinstance(key, bool) \
            and -len(target.items) <= key < len(target.items):
        return target.items[key]
    if isinstance(target, Mapping) and isinstance(key, str):
        found = target.get(key)
        if found is not None:
            return found
    return Unknown(source, loc, "index not known")


def _folded(node: Node | None) -> dict[str, Node]:
    return {key.lower(): value for key, value in node.items()} if isinstance(node, Mapping) else {}
