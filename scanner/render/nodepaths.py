"""Node paths that survive a rendering: the same setting has the same path in the source and in
what Kustomize writes out, whatever the key order or list position.

Kustomize sorts keys, merges patches into lists and may insert list items, so a rendered line can't
be found in its source by position or by text: `containers[1].image` of the output may be the
first container of the base file. A path names list items by their strategic-merge key (a
container by `name`, a container port by `containerPort`, a mount by `mountPath`), as kubectl's
merge does, and by position only where a list has no such key (`args`, `command`).
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.nodes import Mapping, Node, Sequence, text

NodePath = tuple[str, ...]

# Strategic-merge keys, as the Kubernetes API declares them (`patchMergeKey`), by list name; the
# first key an item has is used, so a Service port (`port`) and a container port share `ports`.
MERGE_KEYS: dict[str, tuple[str, ...]] = {
    "containers": ("name",), "initContainers": ("name",), "ephemeralContainers": ("name",),
    "ports": ("containerPort", "port"), "env": ("name",), "volumes": ("name",),
    "volumeMounts": ("mountPath",), "volumeDevices": ("devicePath",), "imagePullSecrets": ("name",),
    "hostAliases": ("ip",), "topologySpreadConstraints": ("topologyKey",),
}
_ANY_ITEM = ("name",)  # a list of named items elsewhere (rules, subjects...) is matched by name


def step(list_key: str, index: int, item: Node) -> str:
    """The path element of item `index` of the list under `list_key`."""
    if isinstance(item, Mapping):
        for key in MERGE_KEYS.get(list_key, _ANY_ITEM):
            value = text(item.get(key))
            if value is not None:
                return f"[{key}={value}]"
    return f"[{index}]"


def nodes(root: Node) -> Iterator[tuple[NodePath, int, int, Node]]:
    """(path, first line, last line) of every node below `root`, parents before children. A
    mapping's value starts on its key's line: that is the line a finding about it points at."""
    stack: list[tuple[NodePath, int, Node]] = [((), root.loc.line, root)]
    while stack:
        path, line, node = stack.pop()
        yield path, line, max(node.loc.end_line, line), node
        children: list[tuple[NodePath, int, Node]] = []
        if isinstance(node, Mapping):
            children = [((*path, key), node.keys[key].line, value) for key, value in node.items()]
        elif isinstance(node, Sequence):
            list_key = path[-1] if path else ""
            children = [((*path, step(list_key, i, item)), item.loc.line, item)
                        for i, item in enumerate(node.items)]
        stack.extend(reversed(children))


def by_path(root: Node) -> dict[NodePath, tuple[int, int, bool]]:
    """Where each path of a source object is written: (first line, last line, a value rather
    than a mapping or list?)."""
    found: dict[NodePath, tuple[int, int, bool]] = {}
    for path, first, last, node in nodes(root):
        found.setdefault(path, (first, last, not isinstance(node, (Mapping, Sequence))))
    return found


def by_line(root: Node) -> dict[tuple[int, int], tuple[NodePath, int]]:
    """For each line of a rendered object, the path it shows and the line that path starts on.
    `(line, 0)` is the outermost node starting there (`- image: x` is the container: its mapping
    and first key share line and column); `(line, column)` is a value written at that column (a
    finding about the image points at `x`). A line inside a multi-line value has the innermost
    node around it."""
    starts: dict[tuple[int, int], tuple[NodePath, int]] = {}
    spans: list[tuple[NodePath, int, int, int]] = []
    for path, first, last, node in nodes(root):
        starts.setdefault((first, 0), (path, first))
        if not isinstance(node, (Mapping, Sequence)) and node.loc.line == first:
            starts[(first, node.loc.column)] = (path, first)
        spans.append((path, first, last, id(node)))
    result, filled = dict(starts), set()
    for path, first, last, identity in spans:  # parents first, so the innermost span is written last
        if identity in filled:  # an alias repeats its anchor's node and lines: walked once
            continue
        filled.add(identity)
        for line in range(first + 1, last + 1):
            if (line, 0) not in starts:
                result[(line, 0)] = (path, first)
    return result
