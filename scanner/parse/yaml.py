"""YAML (and JSON, its subset) into the node model, with every value's span.

ruamel.yaml's C composer gives marked nodes quickly; we convert them once. Aliases are shared in
the composed graph, so a "billion laughs" file is small there and only explodes when expanded: the
conversion keeps aliases shared and counts what they would expand to, failing past a bound.
CloudFormation's short-form tags become the long form (`!Ref X` -> `{"Ref": "X"}`) so the template
evaluator sees one shape for YAML and JSON templates.
"""

from __future__ import annotations

import re
from typing import Any

from scanner.nodes import Location, Mapping, Node, Scalar, Sequence
from scanner.parse import ParseError

MAX_DEPTH = 256
MAX_ALIAS_EXPANSION = 200_000
# libyaml's composer (ruamel.yaml.clib) recurses in C with no depth check: past ~25k nesting levels
# it overflows the stack and kills the process. Nesting is bounded by the flow brackets plus twice
# the longest line, so only a text where those could add up to this many is measured first.
C_COMPOSER_SAFE_DEPTH = 5_000

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_CFN_PLAIN = {"!Ref": "Ref", "!Condition": "Condition"}


_DOCUMENT_START = re.compile(r"^---", re.MULTILINE)
_UNREAD_KIND = re.compile(r"^kind:[ \t]*[\"']?CustomResourceDefinition[\"']?[ \t]*$", re.MULTILINE)


def parse_manifests(text: str, path: str) -> list[Node]:
    """Kubernetes manifests, without converting CustomResourceDefinitions: their schemas are most
    of the bytes in a typical install bundle (84% of Argo CD's) and no rule reads them. They are
    blanked line for line, so every other document keeps its line numbers; the secrets pass still
    reads the whole text."""
    if _UNREAD_KIND.search(text):
        starts = [0] + [m.start() for m in _DOCUMENT_START.finditer(text)] + [len(text)]
        chunks = []
        for begin, end in zip(starts, starts[1:]):
            chunk = text[begin:end]
            chunks.append("\n" * chunk.count("\n") if _UNREAD_KIND.search(chunk) else chunk)
        text = "".join(chunks)
    return parse_documents(text, path)


def parse_documents(text: str, path: str) -> list[Node]:
    """All documents of a YAML stream; empty documents are dropped.

    The C parser is fast but follows YAML 1.1's flow rules, which reject plain scalars with a colon
    inside brackets (`!If [Cond, !Ref AWS::NoValue]` is everyday CloudFormation); a document it
    refuses is read again by the slower pure parser before it is called invalid."""
    from ruamel.yaml.error import MarkedYAMLError

    try:
        return _compose(text, path, pure=False)
    except MarkedYAMLError:
        try:
            return _compose(text, path, pure=True)
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 0
            raise ParseError(f"invalid YAML: {exc.problem or exc.context}", line) from None


def _compose(text: str, path: str, pure: bool) -> list[Node]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    converter = _Converter(path)
    documents: list[Node] = []
    if not pure and _may_nest_deeper(text, C_COMPOSER_SAFE_DEPTH):
        _check_depth(text)
    try:
        for composed in YAML(typ="safe", pure=pure).compose_all(text):
            if composed is not None and not (composed.id == "scalar" and composed.tag == _NULL):
                documents.append(converter.convert_document(composed))
    except MarkedYAMLError:
        raise
    except YAMLError as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ParseError(f"invalid YAML: {message}") from None
    except RecursionError:
        raise ParseError("nesting is too deep to read") from None
    return documents


def _may_nest_deeper(text: str, depth: int) -> bool:
    if len(text) < depth:
        return False
    return text.count("[") + text.count("{") + 2 * max(map(len, text.split("\n"))) + 2 >= depth


def _check_depth(text: str) -> None:
    """Measure nesting with libyaml's event parser, which does not recurse (its errors are the
    composer's errors, handled by the caller)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent

    depth = 0
    for event in YAML(typ="safe", pure=False).parse(text):
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise ParseError(f"nesting deeper than {MAX_DEPTH} levels", event.start_mark.line + 1)
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


class _Converter:
    """One per file: keeps aliases shared and counts what they would expand to.

    Each converted node remembers its expanded size (aliases inside it counted in full), so a
    nested alias bomb is caught by arithmetic, without ever being expanded.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.done: dict[int, tuple[Node, int]] = {}
        # `done` is keyed by id(); composed nodes are kept alive so a finished document's freed
        # nodes can't hand their ids (and cached conversions) to the next document's nodes.
        self.alive: list[Any] = []
        self.expanded = 0

    def loc(self, node: Any) -> Location:
        start, end = node.start_mark, node.end_mark
        return Location(self.path, start.line + 1, start.column + 1, end.line + 1, end.column + 1)

    def convert_document(self, node: Any) -> Node:
        """Anchors are scoped to their document, and composed nodes of an earlier document may be
        freed (their ids reused), so the memory of converted nodes starts afresh each time."""
        self.done = {}
        return self._sized(node, 0)[0]

    def _sized(self, node: Any, depth: int) -> tuple[Node, int]:
        known = self.done.get(id(node))
        if known is not None:
            self.expanded += known[1]
            if self.expanded > MAX_ALIAS_EXPANSION:
                raise ParseError(
                    f"YAML aliases expand to more than {MAX_ALIAS_EXPANSION} nodes (an alias bomb?)",
                    node.start_mark.line + 1)
            return known
        if depth > MAX_DEPTH:
            raise ParseError(f"nesting deeper than {MAX_DEPTH} levels", node.start_mark.line + 1)
        result = self._convert_new(node, depth)
        self.done[id(node)] = result
        self.alive.append(node)
        return result

    def _children(self, nodes: Any, depth: int) -> tuple[list[Node], int]:
        converted, total = [], 1
        for item in nodes:
            child, size = self._sized(item, depth + 1)
            converted.append(child)
            total += size
        return converted, total

    def _convert_new(self, node: Any, depth: int) -> tuple[Node, int]:
        tag = node.tag or ""
        if tag.startswith("!") and not tag.startswith("!!"):
            return self._tagged(node, tag, depth)
        if node.id == "scalar":
            return Scalar(_scalar_value(tag, node.value), self.loc(node), "" if tag == _STR else tag), 1
        return self._untagged(node, depth)

    def _untagged(self, node: Any, depth: int) -> tuple[Node, int]:
        if node.id == "sequence":
            items, size = self._children(node.value, depth)
            return Sequence(self.loc(node), items), size
        return self._mapping(node, depth)

    def _mapping(self, node: Any, depth: int) -> tuple[Mapping, int]:
        result = Mapping(self.loc(node))
        merged: list[Mapping] = []
        total = 1
        for key_node, value_node in node.value:
            value, size = self._sized(value_node, depth + 1)
            total += size
            if key_node.tag == _MERGE:
                merged.extend(m for m in (value.items if isinstance(value, Sequence) else [value])
                              if isinstance(m, Mapping))
                continue
            key = key_node.value if key_node.id == "scalar" else f"<complex key line {key_node.start_mark.line + 1}>"
            result.set(str(key), self.loc(key_node), value)
        for source in merged:
            for key, value in source.items():
                if key not in result:
                    result.set(key, source.keys[key], value)
        return result, total

    def _tagged(self, node: Any, tag: str, depth: int) -> tuple[Node, int]:
        """CloudFormation short forms; any other local tag keeps its value and remembers the tag."""
        loc = self.loc(node)
        if tag in _CFN_PLAIN or tag[1:2].isupper():
            name = _CFN_PLAIN.get(tag, "Fn::" + tag[1:])
            size = 1
            if node.id != "scalar":
                value, size = self._untagged(node, depth)
            elif name == "Fn::GetAtt":
                value = Sequence(loc, [Scalar(part, loc) for part in node.value.split(".", 1)])
            else:
                value = Scalar(node.value, loc)
            wrapper = Mapping(loc)
            wrapper.set(name, loc, value)
            return wrapper, size + 1
        if node.id == "scalar":
            return Scalar(node.value, loc, tag), 1
        return self._untagged(node, depth)


def _scalar_value(tag: str, raw: str) -> Any:
    if tag == _STR:
        return raw
    if tag == _BOOL:
        return raw.lower() in ("true", "yes", "on", "y")
    if tag == _NULL:
        return None
    if tag == _INT:
        try:
            return int(raw.replace("_", ""), 0) if raw[:2].lower() in ("0x", "0o", "0b") \
                else int(raw.replace("_", ""))
        except ValueError:
            return raw
    if tag == _FLOAT:
        try:
            return float(raw.replace("_", ""))
        except ValueError:
            return raw
    return raw
