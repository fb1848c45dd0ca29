"""Parse trees as data, for the parse cache: JSON of tagged lists, one tag per class.

A pickle can rebuild any object and so run any code; a cache entry must not be able to. This
encoding knows exactly the classes the parsers return — the node model (`scanner.nodes`, with HCL's
`Expr`), a Dockerfile's instructions, an HCL file's body — and JSON's own values. Encoding anything
else raises `Unencodable` (that file is simply not cached); decoding builds only those classes, and
anything it does not expect is a `ValueError` (a miss).

A node met twice (a YAML alias) is written once and referred to afterwards, so an alias-heavy file
stays as small as the parser made it and shares the same nodes when read back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from scanner.nodes import Location, Mapping, Node, Scalar, Sequence, Unknown

FORMAT = 1
_PLAIN = (str, int, float, bool, type(None))
_new_tuple = tuple.__new__
# The parser modules whose dataclasses appear in a tree of each kind; YAML kinds hold nodes only.
_MODULES = {"dockerfile": ("scanner.parse.dockerfile", ("Dockerfile", "Instruction", "Flag", "Heredoc")),
            "terraform": ("scanner.parse.hcl.tree", ("HclFile", "Body", "Block", "Attribute"))}
# The code that decides what a tree of each kind holds: an edit to any of it (in a development
# checkout, where the version stays the same) must not serve trees the old code made.
_YAML_CODE = ("scanner.parse.yaml",)
_CODE = {"dockerfile": ("scanner.parse.dockerfile",), "kubernetes": _YAML_CODE, "compose": _YAML_CODE,
         "cloudformation": _YAML_CODE, "arm": ("scanner.parse.jsonc", *_YAML_CODE),
         "terraform": ("scanner.parse.hcl.tree", "scanner.parse.hcl.syntax", "scanner.parse.hcl.expr",
                       "scanner.parse.hcl.template", "scanner.parse.hcl.json_syntax", "scanner.parse.yaml")}


class Unencodable(Exception):
    """A tree holding something this encoding does not know; it is not cached."""


@cache
def _classes(kind: str) -> dict[str, type]:
    """Tag -> dataclass for a kind's trees (imported only for that kind, as the parser was)."""
    if kind not in _MODULES:
        return {}
    import importlib

    module_name, names = _MODULES[kind]
    module = importlib.import_module(module_name)
    return {name: getattr(module, name) for name in names}


_PLAIN_FIELD, _LOCATION_FIELD, _ANY_FIELD = 0, 1, 2


@cache
def _field_plans(kind: str) -> dict[str, tuple[int, ...]]:
    """For each dataclass tag, how each field is written: as itself (a `str`, `int` or `bool`
    field), as a location, or as any value. Plain fields skip the general decoder: most are."""
    kinds = {"str": _PLAIN_FIELD, "int": _PLAIN_FIELD, "bool": _PLAIN_FIELD, "Location": _LOCATION_FIELD}
    return {tag: tuple(kinds.get(str(field.type), _ANY_FIELD) for field in dataclasses.fields(cls))
            for tag, cls in _classes(kind).items()}


@cache
def schema(kind: str) -> str:
    """A digest of this encoding and of the code that makes trees of `kind` (the node model, the
    parser, this module): part of every cache key, so that a tree is only ever served to the code
    that would have parsed it the same way."""
    import importlib.util

    digest = hashlib.sha256(f"format {FORMAT}".encode())
    for name in ("scanner.nodes", __name__, *_CODE.get(kind, ())):
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        try:
            code = Path(origin).read_bytes() if origin else b""
        except OSError:  # byte code only: the version in the key still tells builds apart
            code = b""
        digest.update(name.encode() + b"\0" + code)
    return digest.hexdigest()[:16]


def encode(tree: Any, kind: str) -> bytes:
    """The tree as JSON bytes; Unencodable when it holds an object of another class."""
    encoder = _Encoder(_classes(kind), _field_plans(kind), _expr_class(kind))
    body = encoder.value(tree)
    try:
        return json.dumps([FORMAT, encoder.paths, body], separators=(",", ":")).encode("ascii")
    except ValueError as exc:  # an integer too long to print
        raise Unencodable(str(exc)) from None


def decode(data: bytes, kind: str) -> Any:
    """The tree `encode` wrote; ValueError for anything else."""
    try:
        version, paths, body = json.loads(data)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not a cached tree: {exc}") from None
    if version != FORMAT or type(paths) is not list or not all(type(p) is str for p in paths):
        raise ValueError("not a cached tree of this format")
    decoder = _Decoder(paths, _classes(kind), _field_plans(kind), _expr_class(kind))
    try:
        return decoder.value(body)
    except (TypeError, IndexError, KeyError) as exc:
        raise ValueError(f"malformed cached tree ({type(exc).__name__})") from None


def _expr_class(kind: str) -> type | None:
    if kind != "terraform":
        return None
    from scanner.parse.hcl.expr import Expr

    return Expr


class _Encoder:
    def __init__(self, classes: dict[str, type], plans: dict[str, tuple[int, ...]], expr: type | None) -> None:
        self.tags = {cls: tag for tag, cls in classes.items()}
        self.plans = plans
        self.expr = expr
        self.paths: list[str] = []
        self.path_index: dict[str, int] = {}
        self.seen: dict[int, int] = {}  # id(node) -> its number, given once it is written

    def value(self, item: Any) -> Any:
        kind = type(item)
        if kind in _PLAIN:
            return item
        if isinstance(item, Node):
            return self.node(item)
        if kind is Location:
            return self.loc(item)
        if kind is list or kind is tuple:
            return ["l" if kind is list else "t", *(self.value(x) for x in item)]
        if kind is dict:
            if not all(type(key) is str for key in item):
                raise Unencodable("a mapping with keys that are not strings")
            return ["d", *(part for key, value in item.items() for part in (key, self.value(value)))]
        tag = self.tags.get(kind)
        if tag is None:
            raise Unencodable(f"{kind.__name__} is not part of a parse tree")
        encoded = [tag]
        for how, field in zip(self.plans[tag], dataclasses.fields(item)):
            value = getattr(item, field.name)
            if how == _PLAIN_FIELD and type(value) not in _PLAIN[:-1]:
                raise Unencodable(f"{tag}.{field.name} holds {type(value).__name__}")
            if how == _LOCATION_FIELD and type(value) is not Location:
                raise Unencodable(f"{tag}.{field.name} holds {type(value).__name__}")
            encoded.append(value if how == _PLAIN_FIELD else self.value(value))
        return encoded

    def loc(self, loc: Location) -> list[Any]:
        index = self.path_index.get(loc.path)
        if index is None:
            index = self.path_index[loc.path] = len(self.paths)
            self.paths.append(loc.path)
        return ["p", index, loc.line, loc.column, loc.end_line, loc.end_column]

    def node(self, node: Node) -> list[Any]:
        number = self.seen.get(id(node))
        if number is not None:
            return ["r", number]
        encoded = self.fields(node)
        self.seen[id(node)] = len(self.seen)  # numbered after its children, as the decoder does
        return encoded

    def fields(self, node: Any) -> list[Any]:
        """A node's tag and fields; its exact class decides (a subclass is not its parent)."""
        kind = type(node)
        if kind is Scalar and type(node.value) in _PLAIN:
            return ["s", node.value, self.loc(node.loc), _text(node.tag)]
        if kind is Mapping:
            if list(node.values) != list(node.keys):
                raise Unencodable("a mapping whose keys and values disagree")
            encoded = ["m", self.loc(node.loc)]
            for key, value in node.values.items():
                encoded += [key, self.loc(node.keys[key]), self.value(_node(value))]
            return encoded
        if kind is Sequence:
            return ["q", self.loc(node.loc), *(self.value(_node(item)) for item in node.items)]
        if kind is Unknown:
            return ["u", _text(node.source), self.loc(node.loc), _text(node.reason)]
        if kind is self.expr and node.reason == node.kind and type(node.args) is tuple:
            return ["e", _text(node.kind), self.value(node.args), _text(node.source), self.loc(node.loc)]
        raise Unencodable(f"{kind.__name__} is not part of a parse tree")


def _text(item: Any) -> str:
    if type(item) is not str:
        raise Unencodable("a text field holding something else")
    return item


def _node(item: Any) -> Node:
    if not isinstance(item, Node):
        raise Unencodable("a value where a node belongs")
    return item


class _Decoder:
    def __init__(self, paths: list[str], classes: dict[str, type], plans: dict[str, tuple[int, ...]],
                 expr: type | None) -> None:
        self.paths = paths
        self.classes = classes
        self.plans = plans
        self.expr = expr
        self.nodes: list[Node] = []
        self.builders: dict[str, Callable[[list[Any]], Any]] = {
            "s": self.scalar, "m": self.mapping, "q": self.sequence, "u": self.unknown, "e": self.expression,
            "r": self.reference, "p": self.loc, "l": self.items, "t": self.row, "d": self.table}

    def value(self, item: Any) -> Any:
        if type(item) is not list:
            return item
        tag = item[0]
        builder = self.builders.get(tag)
        if builder is not None:
            return builder(item)
        cls = self.classes.get(tag) if type(tag) is str else None
        if cls is None:
            raise ValueError(f"unknown tag {tag!r} in a cached tree")
        plan = self.plans[tag]
        if len(item) != len(plan) + 1:
            raise ValueError(f"{tag} with {len(item) - 1} fields in a cached tree")
        value, loc = self.value, self.loc
        return cls(*[x if how == _PLAIN_FIELD and type(x) is not list else loc(x) if how == _LOCATION_FIELD
                     else value(x) for how, x in zip(plan, item[1:])])

    def loc(self, item: list[Any]) -> Location:
        # tuple.__new__ is what Location(...) calls, without its keyword handling: the hot path
        return _new_tuple(Location, (self.paths[item[1]], item[2], item[3], item[4], item[5]))

    def _numbered(self, node: Node) -> Node:
        self.nodes.append(node)
        return node

    def scalar(self, item: list[Any]) -> Node:
        _, value, loc, tag = item
        if type(value) is list or type(tag) is not str:
            raise ValueError("a scalar holding a container in a cached tree")
        return self._numbered(Scalar(value, self.loc(loc), tag))

    def mapping(self, item: list[Any]) -> Node:
        """The hot path of YAML trees: scalar values are built here, without the general decoder."""
        loc, value, paths, numbered = self.loc, self.value, self.paths, self.nodes.append
        result = Mapping(loc(item[1]))
        values, keys = result.values, result.keys
        for index in range(2, len(item), 3):
            key, written = item[index], item[index + 2]
            if type(written) is list and written[0] == "s" and len(written) == 4:
                _, raw, at, tag = written
                if type(raw) is list or type(tag) is not str:
                    raise ValueError("a scalar holding a container in a cached tree")
                child = Scalar(raw, _new_tuple(Location, (paths[at[1]], at[2], at[3], at[4], at[5])), tag)
                numbered(child)
            else:
                child = value(written)
            if type(key) is not str or not isinstance(child, Node):
                raise ValueError("a mapping entry that is not a string key and a node in a cached tree")
            at = item[index + 1]
            values[key] = child
            keys[key] = _new_tuple(Location, (paths[at[1]], at[2], at[3], at[4], at[5]))
        numbered(result)
        return result

    def sequence(self, item: list[Any]) -> Node:
        loc = self.loc(item[1])
        items = [self.value(x) for x in item[2:]]
        if not all(isinstance(x, Node) for x in items):
            raise ValueError("a sequence item that is not a node in a cached tree")
        return self._numbered(Sequence(loc, items))

    def unknown(self, item: list[Any]) -> Node:
        _, source, loc, reason = item
        return self._numbered(Unknown(self.text(source), self.loc(loc), self.text(reason)))

    def expression(self, item: list[Any]) -> Node:
        if self.expr is None:
            raise ValueError("an expression outside a Terraform tree")
        _, kind, args, source, loc = item
        arguments = self.value(args)
        if type(arguments) is not tuple:
            raise ValueError("expression arguments that are not a tuple in a cached tree")
        return self._numbered(self.expr(self.text(kind), arguments, self.text(source), self.loc(loc)))

    def reference(self, item: list[Any]) -> Node:
        _, number = item
        if type(number) is not int or not 0 <= number < len(self.nodes):
            raise ValueError("a reference to no earlier node in a cached tree")
        return self.nodes[number]

    @staticmethod
    def text(item: Any) -> str:
        if type(item) is not str:
            raise ValueError("a string field holding something else in a cached tree")
        return item

    def items(self, item: list[Any]) -> list[Any]:
        return [self.value(x) for x in item[1:]]

    def row(self, item: list[Any]) -> tuple[Any, ...]:
        return tuple([self.value(x) for x in item[1:]])

    def table(self, item: list[Any]) -> dict[str, Any]:
        pairs = item[1:]
        if len(pairs) % 2 or not all(type(key) is str for key in pairs[::2]):
            raise ValueError("a malformed mapping in a cached tree")
        return {pairs[index]: self.value(pairs[index + 1]) for index in range(0, len(pairs), 2)}
