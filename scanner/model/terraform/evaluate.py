"""Evaluate HCL expressions (`Expr` nodes) to nodes, three-valued: what can't be known is Unknown.

The evaluator knows HCL (operators, templates, conditionals, for-expressions, traversals, function
calls); what a name like `var.x` or `aws_kms_key.k` means is asked of a `Scope`, so the same code
serves resource arguments, module inputs, locals and tfvars. A value read through a name is returned
as the node it was written as, so a finding can point at a variable's default or a tfvars line.
Evaluation never raises: anything unexpected becomes Unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from scanner.model.cloud import Reference
from scanner.nodes import Location, Mapping, Node, Scalar, Sequence, Unknown, from_plain, truth
from scanner.parse.hcl.expr import SPLAT, Expr

Env = dict[str, Node]
MAX_DEPTH = 64
MAX_TEXT = 1_000_000  # characters in one computed string
MAX_ITEMS = 100_000  # items in one computed list


class Budget:
    """Work one build may spend, shared by every evaluator of a scan: a hostile template (a local
    that doubles itself forty times, nested for-expressions over big lists, `count = 1e9`) ends in
    Unknown values instead of exhausting time or memory."""

    def __init__(self, steps: int = 2_000_000, instances: int = 50_000) -> None:
        self.steps = steps
        self.instances = instances


class Computed(Mapping):
    """A resource's arguments as other expressions see them: an attribute it does not set (`arn`,
    `id`) is computed by the provider at apply time, so reading it is a `Reference` to `address`,
    not an error."""

    __slots__ = ("address",)

    def __init__(self, attrs: Mapping, address: str) -> None:
        super().__init__(attrs.loc)
        self.values, self.keys = attrs.values, attrs.keys
        self.address = address


class Scope(Protocol):
    def root(self, name: str, env: Env) -> Node:
        """The value of a bare top-level name (`path`, `terraform`) as a node."""

    def member(self, name: str, attr: str, env: Env) -> Node | None:
        """`name.attr` (`var.x`, `local.y`, `aws_kms_key.k`, `module.app`); None if not one."""


def unknown(expr: Node, reason: str) -> Unknown:
    source = expr.source if isinstance(expr, Unknown) else ""
    return Unknown(source, expr.loc, reason)


def is_error(node: Node) -> bool:
    """An Unknown caused by a mistake in the expression (missing key), not by a deploy-time value."""
    return isinstance(node, Unknown) and node.reason.startswith("error")


def render(node: Node) -> str | None:
    """A known scalar as HCL would interpolate it (`true`, `3`), None otherwise."""
    if not isinstance(node, Scalar) or node.value is None:
        return None
    if isinstance(node.value, bool):
        return "true" if node.value else "false"
    if isinstance(node.value, float) and node.value.is_integer():
        return str(int(node.value))
    return str(node.value)


def too_large(node: Node) -> bool:
    """Whether a computed value is past the size limits (checked as values are built)."""
    if isinstance(node, Scalar):
        return isinstance(node.value, str) and len(node.value) > MAX_TEXT
    return isinstance(node, (Sequence, Mapping)) and len(node) > MAX_ITEMS


class Evaluator:
    def __init__(self, scope: Scope, budget: Budget | None = None) -> None:
        self.scope = scope
        self.budget = budget or Budget()
        self.depth = 0

    def evaluate(self, node: Node, env: Env | None = None) -> Node:
        env = env if env is not None else {}
        self.budget.steps -= 1
        if self.depth > MAX_DEPTH or self.budget.steps < 0:
            return unknown(node, "evaluation too deep or too long")
        self.depth += 1
        try:
            return self._evaluate(node, env)
        except RecursionError:
            return unknown(node, "evaluation too deep")
        except (ValueError, TypeError, ArithmeticError, KeyError, IndexError) as exc:
            return unknown(node, f"error: {type(exc).__name__}")
        finally:
            self.depth -= 1

    def _evaluate(self, node: Node, env: Env) -> Node:
        if isinstance(node, Expr):
            handler: Callable[[Expr, Env], Node] = getattr(self, "_" + node.kind)
            return handler(node, env)
        if isinstance(node, Mapping):
            result = Mapping(node.loc)
            for key, value in node.items():
                result.set(key, node.keys[key], self.evaluate(value, env))
            return result
        if isinstance(node, Sequence):
            return Sequence(node.loc, [self.evaluate(item, env) for item in node.items])
        return node

    def _var(self, expr: Expr, env: Env) -> Node:
        name = expr.args[0]
        if name in env:
            return env[name]
        return self.scope.root(name, env)

    def _get(self, expr: Expr, env: Env) -> Node:
        base, steps = expr.args[0], list(expr.args[1])
        value: Node | None = None
        if isinstance(base, Expr) and base.kind == "var" and base.args[0] not in env and steps \
                and isinstance(steps[0], str):
            value = self.scope.member(base.args[0], steps[0], env)
            if value is not None:
                steps = steps[1:]
        if value is None:
            value = self.evaluate(base, env)
        result = self.traverse(value, steps, expr, env)
        # an unknown read through a name is reported where the name is used, not where declared
        return unknown(expr, result.reason) if type(result) is Unknown else result

    def traverse(self, value: Node, steps: list[object], expr: Expr, env: Env) -> Node:
        for position, step in enumerate(steps):
            if isinstance(value, Reference):  # `aws_x.y.arn[0]`: still about aws_x.y
                return Reference(expr.source, expr.loc, value.reason, value.target, value.attribute)
            if isinstance(value, Unknown):
                return unknown(expr, value.reason or "unknown")
            if step == SPLAT:
                items = value.items if isinstance(value, Sequence) else [value]
                rest = steps[position + 1:]
                return Sequence(value.loc, [self.traverse(item, rest, expr, env) for item in items])
            key = step if isinstance(step, str) else self.evaluate(step, env)  # type: ignore[arg-type]
            value = self.index(value, key, expr)
        return value

    def index(self, value: Node, key: str | Node, expr: Expr) -> Node:
        raw = key.value if isinstance(key, Scalar) else key
        if isinstance(value, Computed) and (isinstance(key, Unknown) or isinstance(raw, int)):
            return value  # an instance of a resource whose count is unknown: the resource itself
        if isinstance(key, Unknown):
            return unknown(expr, "unknown index")
        if isinstance(value, Mapping):
            found = value.get(str(raw if not isinstance(raw, bool) else render(key)))  # type: ignore[arg-type]
            if found is not None:
                return found
            if isinstance(value, Computed):
                return Reference(expr.source, expr.loc, "known after apply", value.address, str(raw))
            return unknown(expr, f"error: no attribute {raw}")
        if isinstance(value, Sequence) and isinstance(raw, (int, float, str)) and str(raw).lstrip(
                "-").isdigit():
            position = int(raw)
            if 0 <= position < len(value.items):
                return value.items[position]
        return unknown(expr, f"error: cannot index with {raw!r}")

    def _template(self, expr: Expr, env: Env) -> Node:
        parts = [self.evaluate(part, env) for part in expr.args[0]]
        rendered = [render(part) for part in parts]
        texts = [text for text in rendered if text is not None]
        if len(texts) != len(rendered):
            return unknown(expr, "template with unknown parts")
        if sum(len(text) for text in texts) > MAX_TEXT:
            return unknown(expr, "text too long")
        tag = expr.args[1] if len(expr.args) > 1 else ""
        return Scalar("".join(texts), expr.loc, tag)

    def _cond(self, expr: Expr, env: Env) -> Node:
        test = truth(self.evaluate(expr.args[0], env))
        if test is not None:
            return self.evaluate(expr.args[1] if test else expr.args[2], env)
        then, other = self.evaluate(expr.args[1], env), self.evaluate(expr.args[2], env)
        if isinstance(then, Scalar) and isinstance(other, Scalar) and then.value == other.value:
            return then
        return unknown(expr, "condition not known")

    def _unop(self, expr: Expr, env: Env) -> Node:
        operand = self.evaluate(expr.args[1], env)
        if expr.args[0] == "!":
            value = truth(operand)
            return unknown(expr, "unknown operand") if value is None else Scalar(not value, expr.loc)
        if isinstance(operand, Scalar) and isinstance(operand.value, (int, float)):
            return Scalar(-operand.value, expr.loc)
        return unknown(expr, "unknown operand")

    def _binop(self, expr: Expr, env: Env) -> Node:
        from scanner.model.terraform.functions import binary

        operator, left, right = expr.args
        return binary(operator, self.evaluate(left, env), lambda: self.evaluate(right, env), expr)

    def _call(self, expr: Expr, env: Env) -> Node:
        from scanner.model.terraform.functions import call

        return call(self, expr, env)

    def _object(self, expr: Expr, env: Env) -> Node:
        result = Mapping(expr.loc)
        for key_node, value_node in expr.args:
            key = render(self.evaluate(key_node, env))
            if key is None:
                return unknown(expr, "unknown object key")
            result.set(key, key_node.loc, self.evaluate(value_node, env))
        return result

    def _for(self, expr: Expr, env: Env) -> Node:
        key_var, value_var, collection, key_expr, value_expr, condition, grouping = expr.args
        source = self.evaluate(collection, env)
        if isinstance(source, Mapping):
            pairs = [(Scalar(k, source.keys[k]), v) for k, v in source.items()]
        elif isinstance(source, Sequence):
            pairs = [(Scalar(i, item.loc), item) for i, item in enumerate(source.items)]
        else:
            return unknown(expr, "unknown collection")
        items: list[Node] = []
        mapping = Mapping(expr.loc)
        for key, value in pairs:
            inner = dict(env)
            inner[value_var] = value
            if key_var:
                inner[key_var] = key
            if condition is not None:
                keep = truth(self.evaluate(condition, inner))
                if keep is None:
                    return unknown(expr, "unknown filter")
                if not keep:
                    continue
            result = self.evaluate(value_expr, inner)
            if len(items) + len(mapping) > MAX_ITEMS:
                return unknown(expr, "too many items")
            if key_expr is None:
                items.append(result)
                continue
            name = render(self.evaluate(key_expr, inner))
            if name is None:
                return unknown(expr, "unknown key")
            if grouping:
                group = mapping.get(name)
                if not isinstance(group, Sequence):
                    group = Sequence(result.loc)
                    mapping.set(name, result.loc, group)
                group.items.append(result)
            else:
                mapping.set(name, result.loc, result)
        return mapping if key_expr is not None else Sequence(expr.loc, items)


def at(loc: Location, value: object) -> Node:
    """A plain Python value (from a function's result) as nodes located at `loc`."""
    return from_plain(value, loc)
