"""YAML (and JSON, its subset) into the node model, with every value's span.

ruamel.yaml's C composer gives marked nodes quickly; we convert them once. Aliases are shared in
the composed graph, so a "billion laughs" file is small there and only explodes when expanded: the
conversion keeps aliases shared and counts what they would expand to, failing past a bound.
CloudFormation's short-form tags become the long form (`!Ref X` -> `{"Ref": "X"}`) so the template
evaluator sees one shape for YAML and JSON templates.

Values are read as the consumer of the file reads them, because that is what gets applied:

- **Kubernetes** (`parse_manifests`): kubectl decodes with sigs.k8s.io/yaml, which reads YAML 1.1
  through go-yaml v2. A plain scalar without a tag is resolved by go-yaml v2's table: `y`, `Y`,
  `yes`, `Yes`, `YES`, `true`, `True`, `TRUE`, `on`, `On`, `ON` are true; `n`, `N`, `no`, `No`,
  `NO`, `false`, `False`, `FALSE`, `off`, `Off`, `OFF` are false (other spellings, `yES`, stay
  strings); `~`, `null`, `Null`, `NULL` and the empty scalar are null; integers as Go's
  `ParseInt(s, 0, 64)` reads them after `_` is removed (`0x1F`, `0o17`, `0b101`, and a leading
  zero is octal: `017` is 15); floats by YAML's float syntax and `.inf`/`.nan`; no base-60.
  Quoted and tagged scalars are left as written. Mappings are read in order: a `<<` merge sets
  the merged keys where it stands, so it overrides an explicit key written before it and is
  overridden by one written after; in `<<: [*a, *b]` the earlier mapping wins. A duplicate key's
  last value wins (kubectl's non-strict decoding). Keys are resolved too: `y:` is the key `true`.
  `tests/test_yaml_kubectl.py` checks these rules against `kubectl label --local -o json`.
- **Compose and CloudFormation** (`parse_documents`): compose-go reads Compose with go-yaml v3,
  the YAML 1.2 core schema (only `true`/`false` are booleans; Compose's own casts of strings such
  as `"yes"` are made by the adapters), and a merge never overrides an explicit key of the
  mapping, wherever the key stands; of several merged mappings the first wins.

CustomResourceDefinitions are most of the bytes of a typical install bundle (84% of Argo CD's)
and no rule reads them: a document whose parsed top-level `kind` is `CustomResourceDefinition` is
found from the event stream (cheap: no nodes are built) and not composed; the decision follows the
parser, so a duplicate `kind:` or a `kind:` line inside a block scalar or flow mapping decides
nothing it would not decide for kubectl.
"""

from __future__ import annotations

import math
import re
from typing import Any

from scanner.nodes import Location, Mapping, Node, Scalar, Sequence
from scanner.parse.parsers import ParseError

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


_CRD = "CustomResourceDefinition"
_GO_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_GO_WORDS: dict[str, Any] = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
_GO_INT_BASES = {"0x": 16, "0X": 16, "0o": 8, "0O": 8, "0b": 2, "0B": 2}


def parse_manifests(text: str, path: str) -> list[Node]:
    """Kubernetes manifests, read as kubectl reads them (see the module's docstring), without
    building nodes for CustomResourceDefinitions. Their root nodes are blanked, line ends kept, so
    every other document keeps its lines and columns (after a root node, its last line holds at
    most a comment); the secrets pass still reads the whole text."""
    spans = _definition_spans(text) if _CRD in text else []
    if spans:
        pieces, done = [], 0
        for start, end in spans:
            pieces += [text[done:start], "\n" * text.count("\n", start, end)]
            done = end
        text = "".join([*pieces, text[done:]])
    return parse_documents(text, path, kubernetes=True)


def _definition_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of the root mappings whose top-level `kind` (the last one written, as decoders
    keep) is a plain or quoted `CustomResourceDefinition`. A root mapping with a merge key, or a
    `kind` that is not a scalar, is composed like any other. Empty when the C parser can't read
    the stream: then everything is composed (the pure parser may read it)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.events import (
        AliasEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
    )

    spans: list[tuple[int, int]] = []
    depth, position, start, key, kind, merged = 0, -1, 0, "", "", False
    try:
        for event in YAML(typ="safe", pure=False).parse(text):
            cls = type(event)
            if depth > 1 and cls is ScalarEvent:  # most events: nothing to decide (kept fast)
                continue
            opens = cls in (MappingStartEvent, SequenceStartEvent)
            if depth == 1 and position >= 0 and (opens or cls is ScalarEvent or cls is AliasEvent):
                scalar = cls is ScalarEvent
                if position % 2 == 0:
                    key = event.value if scalar else ""
                    merged = merged or key == "<<" or (scalar and event.tag == _MERGE)
                elif key == "kind":
                    kind = event.value if scalar and event.tag in (None, "!", _STR, "!!str") else ""
                position += 1
            if opens:
                if depth == 0:
                    position = 0 if cls is MappingStartEvent else -1
                    start, key, kind, merged = event.start_mark.index, "", "", False
                depth += 1
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                depth -= 1
                if depth == 0 and position >= 0 and kind == _CRD and not merged:
                    spans.append((start, event.end_mark.index))
    except (YAMLError, RecursionError):
        return []
    return spans


def parse_documents(text: str, path: str, kubernetes: bool = False) -> list[Node]:
    """All documents of a YAML stream; empty documents are dropped. `kubernetes` reads scalars
    and merges as kubectl does (see the module's docstring), else as YAML 1.2 and go-yaml v3 do.

    The C parser is fast but follows YAML 1.1's flow rules, which reject plain scalars with a colon
    inside brackets (`!If [Cond, !Ref AWS::NoValue]` is everyday CloudFormation); a document it
    refuses is read again by the slower pure parser before it is called invalid."""
    from ruamel.yaml.error import MarkedYAMLError

    try:
        return _compose(text, path, pure=False, kubernetes=kubernetes)
    except MarkedYAMLError:
        try:
            return _compose(text, path, pure=True, kubernetes=kubernetes)
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 0
            raise ParseError(f"invalid YAML: {exc.problem or exc.context}", line) from None


def _compose(text: str, path: str, pure: bool, kubernetes: bool = False) -> list[Node]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    converter = _Converter(path, text if kubernetes else None)
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

    def __init__(self, path: str, go_yaml_v2: str | None = None) -> None:
        """`go_yaml_v2` is the text being read when scalars and merges follow go-yaml v2 (for
        Kubernetes): the text tells an explicitly tagged scalar from an implicit one."""
        self.path = path
        self.text = go_yaml_v2
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
            if self.text is not None and self._implicit(node):
                return Scalar(go_yaml_v2_value(node.value), self.loc(node)), 1
            return Scalar(_scalar_value(tag, node.value), self.loc(node), "" if tag == _STR else tag), 1
        return self._untagged(node, depth)

    def _implicit(self, node: Any) -> bool:
        """A plain scalar without a tag: its type is resolved from its text."""
        if node.style or self.text is None:
            return False
        start = node.start_mark.index
        written = self.text[start:start + 1]
        if written == "&":  # an anchor: `&name value`, perhaps `&name !!str value`
            end = len(self.text[start:node.end_mark.index].split(None, 1)[0])
            written = self.text[start + end:node.end_mark.index].lstrip()[:1]
        return written != "!"

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
                sources = [m for m in (value.items if isinstance(value, Sequence) else [value])
                           if isinstance(m, Mapping)]
                if self.text is None:
                    merged.extend(sources)
                    continue
                for source in reversed(sources):  # go-yaml v2: here, and the earlier mapping wins
                    for key, item in source.items():
                        result.set(key, source.keys[key], item)
                continue
            result.set(self._key(key_node), self.loc(key_node), value)
        for source in merged:  # go-yaml v3: explicit keys win, and the earlier mapping wins
            for key, item in source.items():
                if key not in result:
                    result.set(key, source.keys[key], item)
        return result, total

    def _key(self, node: Any) -> str:
        """A key as text. go-yaml v2 resolves keys like values, and sigs.k8s.io/yaml writes a
        boolean or null key back as `true`, `false` or `null` (`y:` is the key `true`)."""
        if node.id != "scalar":
            return f"<complex key line {node.start_mark.line + 1}>"
        if self.text is not None and node.value in _GO_WORDS and self._implicit(node):
            word = _GO_WORDS[node.value]
            if word is None or isinstance(word, bool):
                return "null" if word is None else str(word).lower()
        return str(node.value)

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


def go_yaml_v2_value(raw: str) -> Any:
    """A plain, untagged scalar as go-yaml v2 resolves it (sigs.k8s.io/yaml, hence kubectl)."""
    if raw in _GO_WORDS:
        return _GO_WORDS[raw]
    if raw[:1] == ".":
        try:
            return float(raw)
        except ValueError:
            return raw
    if raw[:1] not in tuple("+-0123456789"):
        return raw
    plain = raw.replace("_", "")
    number = _go_int(plain)
    if number is not None:
        return number
    if _GO_FLOAT.match(plain):
        return float(plain)
    return raw


def _go_int(plain: str) -> int | None:
    """Go's `strconv.ParseInt(s, 0, 64)`, falling back to `ParseUint`: a sign, then `0x`, `0o`,
    `0b` or a leading `0` (octal) choose the base."""
    sign, digits = (-1, plain[1:]) if plain[:1] == "-" else (1, plain[1:] if plain[:1] == "+" else plain)
    base = _GO_INT_BASES.get(digits[:2], 8 if len(digits) > 1 and digits[0] == "0" else 10)
    body = digits[2:] if digits[:2] in _GO_INT_BASES else digits
    if not body or not all(char in "0123456789abcdefABCDEF"[:base + 6 * (base == 16)] for char in body):
        return None
    value = sign * int(body, base)
    return value if -(2 ** 63) <= value < 2 ** 64 else None
