"""Map a `kustomize build` back to the files a person edits, by identity, not by position.

A rendered object is the source object of the same kind whose name, renamed by every
`namePrefix`/`nameSuffix` on the way from the top kustomization down to the file, is the rendered
name; the overlays' `namespace:` tells apart two objects of one name. Inside it, each rendered line
shows a node path (`scanner.render.nodepaths`), found again in the strategic-merge patches that
change the object (the outermost overlay first: its patch is applied last) and in the base. A value
a patch sets points at the patch, with the base's line as a related location; a setting written
nowhere (added by a generator or a transformer) points at the nearest setting around it that is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scanner.nodes import Mapping, Node, dig, text
from scanner.nodes import Sequence as NodeSequence
from scanner.render.kustomize import Kustomization
from scanner.render.nodepaths import NodePath, by_line, by_path, nodes, step
from scanner.render.sourcemap import Mapped, Segment, SourceFile


@dataclass(frozen=True)
class Member:
    """A file the rendering reads: its name and text, and (for a manifest) the kustomization
    folders through which the top one reaches it, top first, one tuple per way. A patch that
    names its target has `target` (kind or None, name); one written inline in a kustomization
    has its text in `inline`, starting on line `first_line` of the file."""

    rel: str
    text: str
    chains: tuple[tuple[Path, ...], ...] = ()
    target: tuple[str | None, str] | None = None
    inline: str | None = None
    first_line: int = 1


@dataclass(frozen=True)
class _Object:
    kind: str
    name: str
    namespace: str | None
    source: SourceFile
    paths: dict[NodePath, tuple[int, int, bool]]


@dataclass(frozen=True)
class _Operations:
    """JSON 6902 operations on the object `name`: their paths are read against the rendering."""

    kind: str | None
    name: str
    source: SourceFile
    operations: tuple[Mapping, ...]
    shift: int


def _documents(member: Member) -> list[Node]:
    from scanner.parse.parsers import ParseError
    from scanner.parse.yaml import parse_manifests

    try:
        return parse_manifests(member.text if member.inline is None else member.inline, member.rel)
    except ParseError:
        return []


def _objects(member: Member) -> list[_Object | _Operations]:
    source = SourceFile(member.rel, tuple(member.text.splitlines()))
    shift = member.first_line - 1
    found: list[_Object | _Operations] = []
    for document in _documents(member):
        kind, name = _identity(document)
        if member.target is not None:
            kind, name = member.target[0] or kind, member.target[1]
        if isinstance(document, NodeSequence) and member.target is not None:
            operations = tuple(op for op in document.items if isinstance(op, Mapping))
            found.append(_Operations(kind, member.target[1], source, operations, shift))
        elif kind and name and isinstance(document, Mapping):
            paths = {path: (first + shift, last + shift, leaf) for path, (first, last, leaf) in by_path(document).items()}
            found.append(_Object(kind, name, text(dig(document, "metadata", "namespace")), source, paths))
    return found


def _applied(operations: _Operations, kind: str, rendered: Node) -> _Object:
    """The values that `add` and `replace` operations write, at the paths they have in the
    rendering (a JSON pointer's list index is read in the rendered list)."""
    paths: dict[NodePath, tuple[int, int, bool]] = {}
    for operation in operations.operations:
        value, target = operation.get("value"), _pointer(text(operation.get("path")) or "", rendered)
        if text(operation.get("op")) not in ("add", "replace") or value is None or target is None:
            continue
        for path, first, last, node in nodes(value):
            line = operation.keys["value"].line if not path else first
            key = (*target, *path)
            paths[key] = (line + operations.shift, last + operations.shift, not isinstance(node, (Mapping, NodeSequence)))
    return _Object(kind, operations.name, None, operations.source, paths)


def _pointer(pointer: str, rendered: Node) -> NodePath | None:
    """A JSON pointer (`/spec/containers/0/image`) as a node path of the rendered object."""
    path: list[str] = []
    node: Node | None = rendered
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping):
            path.append(token)
            node = node.get(token)
        elif isinstance(node, NodeSequence) and (token == "-" or token.isdigit()) and node.items:
            index = len(node.items) - 1 if token == "-" else min(int(token), len(node.items) - 1)
            path.append(step(path[-1] if path else "", index, node.items[index]))
            node = node.items[index]
        else:
            return None
    return tuple(path)


def _identity(document: Node) -> tuple[str | None, str | None]:
    return text(dig(document, "kind")), text(dig(document, "metadata", "name"))


@dataclass(frozen=True)
class _Generated:
    """An object a `configMapGenerator`/`secretGenerator` entry makes: named as renamed on the way
    down to its kustomization, then a hash suffix; `literals` are the lines of `KEY=value` items."""

    kind: str
    name: str
    source: SourceFile
    line: int
    literals: dict[str, int]


_GENERATORS = {"configMapGenerator": "ConfigMap", "secretGenerator": "Secret"}
_HASH = 10  # kustomize's name hash: `-` and ten characters after the (renamed) name


def _generated(kustomization: Member, index: dict[Path, Kustomization]) -> list[_Generated]:
    documents = _documents(kustomization)
    document = documents[0] if documents else None
    if not isinstance(document, Mapping) or not kustomization.chains:
        return []
    source = SourceFile(kustomization.rel, tuple(kustomization.text.splitlines()))
    found = []
    for key, kind in _GENERATORS.items():
        listed = document.get(key)
        for entry in listed.items if isinstance(listed, NodeSequence) else ():
            name = text(dig(entry, "name"))
            if not isinstance(entry, Mapping) or not name:
                continue
            literals = entry.get("literals")
            lines = {str(text(item)).split("=", 1)[0]: item.loc.line
                     for item in (literals.items if isinstance(literals, NodeSequence) else ()) if text(item)}
            found += [_Generated(kind, _renamed(name, chain, index), source, entry.keys["name"].line, lines)
                      for chain in kustomization.chains]
    return found


def _generator_map(document: Node, made: _Generated) -> dict[tuple[int, int], Mapped]:
    """Each line of a generated object at its generator entry, a data key at its literal."""
    lines = {}
    for (line, column), (path, _) in by_line(document).items():
        literal = made.literals.get(path[1]) if len(path) > 1 and path[0] in ("data", "stringData") else None
        lines[(line, column)] = Mapped(made.source, literal or made.line, literal is not None)
    return lines


def _renamed(name: str, chain: Sequence[Path], index: dict[Path, Kustomization]) -> str:
    """The name after the kustomizations of `chain` (top first) are applied, innermost first."""
    for folder in reversed(chain):
        naming = index[folder].naming
        name = f"{naming.prefix}{name}{naming.suffix}"
    return name


def _namespace(own: str | None, chain: Sequence[Path], index: dict[Path, Kustomization]) -> str | None:
    """The outermost `namespace:` wins: each overlay's namespace transformer runs after its bases'."""
    return next((index[f].naming.namespace for f in chain if index[f].naming.namespace), own)


def _base(kind: str, name: str, namespace: str | None, candidates: dict[str, list[_Object]],
          chains: dict[str, tuple[tuple[Path, ...], ...]], index: dict[Path, Kustomization]
          ) -> tuple[_Object, tuple[Path, ...]] | None:
    """The source object a rendered one was built from, and the way it was reached."""
    matches = []
    for candidate in candidates.get(kind, ()):
        for chain in chains[candidate.source.rel]:
            if _renamed(candidate.name, chain, index) == name:
                same = _namespace(candidate.namespace, chain, index) == namespace
                matches.append((not same, candidate, chain))
    if not matches:  # a kind no transformer renames: matched by its own name alone
        matches = [(False, c, chain) for c in candidates.get(kind, ()) if c.name == name
                   for chain in chains[c.source.rel]]
    if not matches:
        return None
    best = min(matches, key=lambda match: match[0])
    return best[1], best[2]


def _patches(base: _Object, chain: tuple[Path, ...], patches: dict[Path, list[_Object | _Operations]],
             index: dict[Path, Kustomization], rendered: Node) -> list[_Object]:
    """The patches that change `base`, the one applied last first. A patch names its target
    as written in the base or as renamed by the kustomizations below the patch's own."""
    found = []
    for depth, folder in enumerate(chain):
        names = {base.name, _renamed(base.name, chain[depth + 1:], index)}
        for patch in reversed(patches.get(folder, ())):
            if patch.kind in (base.kind, None) and patch.name in names:
                found.append(_applied(patch, base.kind, rendered) if isinstance(patch, _Operations) else patch)
    return found


def _resolve(path: NodePath, offset: int, base: _Object, patches: list[_Object]) -> Mapped:
    """A patch's value first (with the base's line beside it), then the base; a collection only
    in a patch (a block the patch adds); else the same for the nearest enclosing path."""
    for depth in range(len(path), -1, -1):
        here, exact = path[:depth], depth == len(path)
        written = base.paths.get(here)
        also = ((base.source, written[0]),) if written else ()
        for patch in patches:
            found = patch.paths.get(here)
            if found and found[2]:
                return Mapped(patch.source, _shifted(found, offset if exact else 0), exact, also)
        if written:
            return Mapped(base.source, _shifted(written, offset if exact else 0), exact)
        for patch in patches:
            found = patch.paths.get(here)
            if found:
                return Mapped(patch.source, found[0], exact)
    return Mapped(base.source, 1, False)


def _shifted(span: tuple[int, int, bool], offset: int) -> int:
    """A line inside a multi-line value keeps its place in the source's value, where that has it."""
    return span[0] + offset if span[0] + offset <= span[1] else span[0]


def segments(rendered: str, members: Sequence[Member], patches: dict[Path, list[Member]],
             index: dict[Path, Kustomization], kustomizations: Sequence[Member] = (),
             memo: dict[tuple[object, ...], list[_Object | _Operations]] | None = None) -> list[Segment]:
    """A segment per rendered object that a source object or a generator of `kustomizations`
    was built into, with its line map. `patches` are the patch files each kustomization folder
    lists, in order. `memo` keeps files read for one rendering for the next (an install bundle
    and its variants share most of their bases)."""
    memo = {} if memo is None else memo

    def objects(member: Member) -> list[_Object | _Operations]:
        key = (member.rel, member.text, member.target, member.inline, member.first_line)  # not its ways
        if key not in memo:
            memo[key] = _objects(member)
        return memo[key]

    from scanner.parse.parsers import ParseError
    from scanner.parse.yaml import parse_manifests

    try:
        documents = parse_manifests(rendered, "<kustomize build>")
    except ParseError:
        return []
    candidates: dict[str, list[_Object]] = {}
    for member in members:
        for found in objects(member):
            if isinstance(found, _Object):
                candidates.setdefault(found.kind, []).append(found)
    chains = {member.rel: member.chains for member in members}
    generated = [g for kustomization in kustomizations for g in _generated(kustomization, index)]
    patch_objects = {folder: [o for m in listed for o in objects(m)] for folder, listed in patches.items()}
    result = []
    for document in documents:
        kind, name = _identity(document)
        if not (kind and name and isinstance(document, Mapping)):
            continue
        namespace = text(dig(document, "metadata", "namespace"))
        matched = _base(kind, name, namespace, candidates, chains, index)
        made = next((g for g in generated if g.kind == kind and (g.name == name or (
            name.startswith(f"{g.name}-") and len(name) == len(g.name) + 1 + _HASH))), None)
        if matched is None and made is not None:
            result.append(Segment(document.loc.line, document.loc.end_line, (made.source,),
                                  _generator_map(document, made)))
        if matched is None:
            continue
        base, chain = matched
        changes = _patches(base, chain, patch_objects, index, document)
        lines = {(line, column): _resolve(path, line - start, base, changes)
                 for (line, column), (path, start) in by_line(document).items()}
        sources = tuple(dict.fromkeys((*(p.source for p in changes), base.source)))
        result.append(Segment(document.loc.line, document.loc.end_line, sources, lines))
    return result
