"""The parsed YAML documents seen as text: which node a finding points at, each node's parent,
whether a node is shared through an alias, and whether a collection is written in flow style.

Findings point at a value (a wrong setting) or at the first key of the mapping that lacks one
(`scanner.adapters.common.first_line`), so both are found from the finding's start alone."""

from __future__ import annotations

from scanner.fix.source import Source, Unfixable
from scanner.nodes import Mapping, Node, Scalar, Sequence

Parent = tuple[Node, str | int]


class YamlTree:
    def __init__(self, documents: list[Node], source: Source) -> None:
        self.source = source
        self.documents = documents
        self.parents: dict[int, Parent] = {}
        self.seen: dict[int, int] = {}
        # Line breaks other than \n and \r\n move YAML's columns where this arithmetic can't follow.
        text = source.text
        self.unusual_breaks = any(mark in text for mark in ("\x85", "\u2028", "\u2029")) \
            or text.count("\r") != text.count("\r\n")
        for document in documents:
            self._index(document)

    def _index(self, root: Node) -> None:
        stack: list[Node] = [root]
        while stack:
            node = stack.pop()
            self.seen[id(node)] = self.seen.get(id(node), 0) + 1
            if self.seen[id(node)] > 1:
                continue
            if isinstance(node, Mapping):
                for key, child in node.items():
                    self.parents.setdefault(id(child), (node, key))
                    stack.append(child)
            elif isinstance(node, Sequence):
                for index, child in enumerate(node.items):
                    self.parents.setdefault(id(child), (node, index))
                    stack.append(child)

    def nodes(self) -> list[Node]:
        found: list[Node] = []
        stack = list(reversed(self.documents))
        done: set[int] = set()
        while stack:
            node = stack.pop()
            if id(node) in done:
                continue
            done.add(id(node))
            found.append(node)
            if isinstance(node, Mapping):
                stack.extend(reversed(list(node.values.values())))
            elif isinstance(node, Sequence):
                stack.extend(reversed(node.items))
        return found

    def check(self) -> None:
        if self.unusual_breaks:
            raise Unfixable("the file uses line breaks other than \\n and \\r\\n")

    def scalar_at(self, line: int, column: int) -> Scalar | None:
        self.check()
        return next((n for n in self.nodes() if isinstance(n, Scalar)
                     and (n.loc.line, n.loc.column) == (line, column)), None)

    def value_at(self, line: int, column: int) -> Scalar | None:
        """The scalar written at the position, or the scalar value of a key written there (a
        value traced to a Helm values file is reported at its key)."""
        scalar = self.scalar_at(line, column)
        if scalar is None and (owner := self.owner_of_key(line, column)) is not None:
            value = owner[0].values[owner[1]]
            scalar = value if isinstance(value, Scalar) else None
        return scalar

    def mapping_at(self, line: int, column: int, by_key: bool = False) -> Mapping | None:
        """The mapping a finding about a missing setting points at: the one whose first written
        key is there (a container's `name`, even when that key holds a mapping), a flow mapping
        that starts there, else the mapping held by a key written there. `by_key` looks for the
        last first: a Compose service is reported at its name, which is also the first key of
        `services`."""
        self.check()
        owner = self.owner_of_key(line, column)
        if by_key and owner is not None and isinstance(owner[0].values[owner[1]], Mapping):
            return owner[0].values[owner[1]]  # type: ignore[return-value]
        for node in self.nodes():
            if isinstance(node, Mapping) and node.keys:
                written = [loc for key, loc in node.keys.items() if self.written_in(node, key)]
                first = min(written, key=lambda loc: (loc.line, loc.column), default=None)
                if first is not None and first.line == line and self._leads_to(line, column, first.column):
                    return node
                if (node.loc.line, node.loc.column) == (line, column) and self.is_flow(node):
                    return node
        if owner is not None and isinstance(owner[0].values[owner[1]], Mapping):
            return owner[0].values[owner[1]]  # type: ignore[return-value]
        return None

    def _leads_to(self, line: int, column: int, key_column: int) -> bool:
        """A finding at the key, or at the `- ` of the list item the key opens (where a finding
        mapped back from rendered output points)."""
        if key_column == column:
            return True
        start = self.source.starts[line - 1]
        between = self.source.text[start + column - 1:start + key_column - 1]
        return key_column > column and between.strip() == "-" and between.startswith("-")

    def owner_of_key(self, line: int, column: int) -> tuple[Mapping, str] | None:
        """The mapping holding a key written at the position, and the key."""
        for node in self.nodes():
            if isinstance(node, Mapping):
                for key, loc in node.keys.items():
                    if (loc.line, loc.column) == (line, column) and self.written_in(node, key):
                        return node, key
        return None

    def parent(self, node: Node) -> Parent | None:
        return self.parents.get(id(node))

    def shared(self, node: Node) -> bool:
        """Whether the node, or one holding it, is reached through more than one path (an alias):
        editing it would change every place that uses it."""
        current: Node | None = node
        while current is not None:
            if self.seen.get(id(current), 0) > 1:
                return True
            above = self.parent(current)
            current = above[0] if above else None
        return False

    def start(self, node: Node) -> int:
        return self.source.offset(node.loc.line, node.loc.column)

    def end(self, node: Node) -> int:
        return self.source.offset(node.loc.end_line, node.loc.end_column)

    def is_flow(self, node: Node) -> bool:
        """A `{...}`/`[...]` collection (every JSON one), told from its first character after
        any anchor and tag."""
        text = self.source.text
        at = self.start(node)
        while at < len(text) and text[at] in "&!":
            while at < len(text) and not text[at].isspace():
                at += 1
            while at < len(text) and text[at] in " \t":
                at += 1
        return at < len(text) and text[at] in "{["

    def written_in(self, mapping: Mapping, key: str) -> bool:
        """The key is written in this mapping's own text, not brought in by a `<<` merge (an
        anchor is always written before its aliases, so outside the mapping that merges it)."""
        loc, span = mapping.keys[key], mapping.loc
        return (span.line, span.column) <= (loc.line, loc.column) <= (span.end_line, span.end_column)

    def key_column(self, mapping: Mapping) -> int:
        """The column of the keys written in a block mapping (its indentation, plus one)."""
        written = [loc for key, loc in mapping.keys.items() if self.written_in(mapping, key)]
        if not written:
            raise Unfixable("the mapping has no key of its own")
        return min(written, key=lambda loc: (loc.line, loc.column)).column

    def is_json(self) -> bool:
        return self.source.text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")
