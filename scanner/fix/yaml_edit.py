"""Text-span edits of YAML and JSON: replace a scalar, set a value at a key path (inserting the
missing keys at the mapping's own indentation, or inline in a flow mapping), append to a list,
delete a one-line key. Nothing is re-dumped: every byte outside the span stays as written."""

from __future__ import annotations

import json
import re

from scanner.fix.edits import Change, Value
from scanner.fix.source import Unfixable
from scanner.fix.yaml_tree import YamlTree
from scanner.nodes import Mapping, Node, Scalar, Sequence

_PLAIN = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_./:=-]*$")
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"})


def render(value: Value, json_style: bool, quote: str = "") -> str:
    """A value as YAML (plain where that reads back as the same string) or JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(render(item, json_style) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k, json_style)}: {render(v, json_style)}" for k, v in value.items()) + "}"
    if json_style or quote == '"':
        return json.dumps(value)
    if quote == "'":
        return "'" + value.replace("'", "''") + "'"
    plain = _PLAIN.match(value) and value.lower() not in _YAML_WORDS and not value[0].isdigit()
    return value if plain else json.dumps(value)


def replace_scalar(tree: YamlTree, node: Node, value: Value) -> Change:
    if not isinstance(node, Scalar):
        raise Unfixable("the value is not a single scalar")
    start, end = tree.start(node), tree.end(node)
    written = tree.source.text[start:end]
    if "\n" in written or written[:1] in ("|", ">", "&", "*", "!"):
        raise Unfixable("the value is a block scalar, an anchor or a tagged value")
    quote = written[:1] if written[:1] in ("'", '"') else ""
    if isinstance(value, bool) and quote:
        quote = ""  # a boolean is never quoted where the consumer wants a boolean
    return Change(start, end, render(value, tree.is_json(), quote))


def _key(name: str, json_style: bool) -> str:
    return json.dumps(name) if json_style else name


def _step(tree: YamlTree, mapping: Mapping) -> int:
    """The file's indentation step, read from a nested block mapping (2 when there is none)."""
    for node in [mapping, *tree.nodes()]:
        if not isinstance(node, Mapping) or tree.is_flow(node) or not node.keys or tree.shared(node):
            continue
        column = tree.key_column(node)
        for key, child in node.items():
            if isinstance(child, Mapping) and child.keys and not tree.is_flow(child) and tree.written_in(node, key) \
                    and any(tree.written_in(child, inner_key) for inner_key in child.keys):
                inner = tree.key_column(child)
                if inner > column:
                    return inner - column
    return 2


def _last_leaf(tree: YamlTree, node: Node) -> Node:
    """The node written last inside a block collection: its end is where the collection's text
    ends (a block collection's own end mark lies at the next token, past comments)."""
    while True:
        if isinstance(node, Mapping) and not tree.is_flow(node) and \
                (written := [key for key in node.keys if tree.written_in(node, key)]):
            keys = node.keys
            node = node.values[max(written, key=lambda key: (keys[key].line, keys[key].column))]
        elif isinstance(node, Sequence) and node.items and not tree.is_flow(node):
            node = node.items[-1]
        else:
            return node


def _block_insertion(tree: YamlTree, collection: Node) -> int:
    leaf = _last_leaf(tree, collection)
    end = tree.end(leaf)
    source = tree.source
    if end == source.line_start(end) and leaf.loc.end_line > leaf.loc.line:
        return end  # a block scalar ends at the start of the line after it
    return source.after_line(end)


def _nested_block(path: list[str], value: Value, indent: int, step: int) -> list[str]:
    lines = [" " * (indent + depth * step) + key + ":" for depth, key in enumerate(path)]
    if isinstance(value, dict):
        inner = " " * (indent + len(path) * step)
        return lines + [f"{inner}{key}: {render(item, False)}" for key, item in value.items()]
    lines[-1] += " " + render(value, False)
    return lines


def _nested_flow(path: list[str], value: Value, json_style: bool) -> str:
    text = render(value, json_style)
    for key in reversed(path[1:]):
        text = "{" + _key(key, json_style) + ": " + text + "}"
    return _key(path[0], json_style) + ": " + text


def insert_keys(tree: YamlTree, mapping: Mapping, path: list[str], value: Value) -> Change:
    """Add `path` (keys missing from `mapping`, outermost first) with `value` at its end."""
    if tree.shared(mapping):
        raise Unfixable("the mapping is shared through a YAML alias; edit its anchor")
    source = tree.source
    if tree.is_flow(mapping):
        json_style = tree.is_json()
        entry = _nested_flow(path, value, json_style)
        close = tree.end(mapping) - 1
        if not mapping.values:
            return Change(close, close, entry)
        last = list(mapping.values.values())[-1]
        after = tree.end(last)
        last_key = list(mapping.keys.values())[-1]
        if last_key.line != mapping.loc.line:
            indent = source.text[source.starts[last_key.line - 1]:source.offset(last_key.line, last_key.column)]
            return Change(after, after, "," + source.newline + indent + entry)
        return Change(after, after, ", " + entry)
    if not mapping.keys:
        raise Unfixable("the mapping is empty")
    column = tree.key_column(mapping)
    at, text = source.insert_lines(_block_insertion(tree, mapping),
                                   _nested_block(path, value, column - 1, _step(tree, mapping)))
    return Change(at, at, text)


def set_path(tree: YamlTree, mapping: Mapping, path: list[str], value: Value,
             keep: tuple[Value, ...] = (), missing_only: bool = False) -> Change | None:
    """Make `mapping.path` equal `value`: replace the scalar there, or insert what is missing.
    None when it already holds `value` or one of `keep`, or holds anything with `missing_only`."""
    current: Node = mapping
    for index, key in enumerate(path):
        if not isinstance(current, Mapping):
            raise Unfixable(f"`{'.'.join(path[:index])}` is not a mapping")
        if key not in current.values:
            return insert_keys(tree, current, path[index:], value)
        if not tree.written_in(current, key):
            raise Unfixable(f"`{key}` comes from a YAML merge key; edit the anchor it comes from")
        current = current.values[key]
    if missing_only or (isinstance(current, Scalar) and (current.value == value or current.value in keep)):
        return None
    if tree.shared(current):
        raise Unfixable("the value is shared through a YAML alias; edit its anchor")
    return replace_scalar(tree, current, value)


def append_item(tree: YamlTree, sequence: Sequence, value: str) -> Change:
    if tree.shared(sequence):
        raise Unfixable("the list is shared through a YAML alias; edit its anchor")
    source = tree.source
    item = render(value, tree.is_json())
    if tree.is_flow(sequence):
        close = tree.end(sequence) - 1
        if not sequence.items:
            return Change(close, close, item)
        after = tree.end(sequence.items[-1])
        return Change(after, after, ", " + item)
    if not sequence.items:
        raise Unfixable("the list is empty")
    last = sequence.items[-1]
    start = tree.start(last)
    prefix = source.text[source.line_start(start):start]
    if prefix.strip() != "-":
        raise Unfixable("the list's last item does not start its own line")
    at, text = source.insert_lines(_block_insertion(tree, sequence), [prefix + item])
    return Change(at, at, text)


def delete_key(tree: YamlTree, mapping: Mapping, key: str) -> Change:
    """Remove a `key: value` that takes one line of its own in a block mapping."""
    if tree.is_flow(mapping) or tree.shared(mapping) or not tree.written_in(mapping, key):
        raise Unfixable(f"`{key}` is not a line of its own to remove")
    source = tree.source
    key_loc, value = mapping.keys[key], mapping.values[key]
    start = source.offset(key_loc.line, key_loc.column)
    line_start = source.line_start(start)
    if source.text[line_start:start].strip() or value.loc.end_line != key_loc.line or len(mapping) < 2:
        raise Unfixable(f"`{key}` is not a line of its own to remove")
    return Change(line_start, source.after_line(start), "")
