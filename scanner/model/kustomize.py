"""What the kustomizations of a scan say about the other files: the namespace they give the files
they include, which files are patches (fragments of objects, not objects), and which objects a
patch changes before they reach the cluster.

A manifest without `metadata.namespace` lands where its kustomization's `namespace:` puts it, so
relations by namespace (policies, quotas) must see that namespace, not `default`; and an object
whose labels a patch rewrites can't be matched against selectors as written.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from scanner.inputs.discover import KUSTOMIZATION_NAMES
from scanner.inputs.parsed import ParsedFile
from scanner.nodes import Mapping, Node, dig, text
from scanner.nodes import Sequence as NodeSequence
from scanner.settings.config import Config

MEMBER_KEYS = ("resources", "bases", "components")
PATCH_KEYS = ("patchesStrategicMerge", "patches", "patchesJson6902")


def entries(node: Node | None) -> list[str]:
    """File names in a kustomization list, written plainly or as `{path: ...}`."""
    if not isinstance(node, NodeSequence):
        return []
    names = [text(dig(item, "path")) if isinstance(item, Mapping) else text(item) for item in node]
    return [name for name in names if name]


def _documents(parsed: ParsedFile) -> list[Node]:
    """A kustomization's documents; one without apiVersion/kind is read as plain text, so parse it."""
    if parsed.type == "kubernetes":
        return list(parsed.tree or ())
    from scanner.parse.parsers import ParseError
    from scanner.parse.yaml import parse_documents

    try:
        return parse_documents(parsed.text, parsed.rel)
    except ParseError:
        return []


@dataclass
class Kustomizations:
    """Kustomization documents by directory, with what they do to the files they build."""

    by_dir: dict[str, Mapping] = field(default_factory=dict)
    known: frozenset[str] = frozenset()
    patches: set[str] = field(default_factory=set)
    _namespaces: dict[str, set[str]] = field(default_factory=dict)
    _patched: dict[str, set[tuple[str, str]]] = field(default_factory=dict)

    @classmethod
    def read(cls, files: Sequence[ParsedFile], known: Collection[str] = ()) -> Kustomizations:
        """From the kustomization files among `files` and the patch files they name; `known` is
        every file of the scan (by default, `files`), to tell a member file from a folder."""
        by_rel = {parsed.rel: parsed for parsed in files}
        found = cls(known=frozenset(known or by_rel))
        for parsed in files:
            if posixpath.basename(parsed.rel) in KUSTOMIZATION_NAMES:
                for document in _documents(parsed):
                    if isinstance(document, Mapping) and text(document.get("kind")) in (
                            "Kustomization", "Component", None):
                        found.by_dir[posixpath.dirname(parsed.rel)] = document
        for directory, document in found.by_dir.items():
            found._apply(directory, document, by_rel)
        return found

    def _apply(self, directory: str, document: Mapping, files: dict[str, ParsedFile]) -> None:
        for key in PATCH_KEYS:
            self.patches.update(self._path(directory, name) for name in entries(document.get(key)))
        members = self.members(directory, set())
        namespace = text(document.get("namespace"))
        targets = self._targets(directory, document, files)
        for member in members:
            if namespace:
                self._namespaces.setdefault(member, set()).add(namespace)
            self._patched.setdefault(member, set()).update(targets)

    def _targets(self, directory: str, document: Mapping, files: dict[str, ParsedFile]) -> set[tuple[str, str]]:
        """(kind, name) of the objects this kustomization patches: named by `target`, or by the
        strategic-merge patch document itself. A kind-only target patches every object of it."""
        targets: set[tuple[str, str]] = set()
        for key in PATCH_KEYS:
            entries = document.get(key)
            for entry in entries.items if isinstance(entries, NodeSequence) else ():
                kind = text(dig(entry, "target", "kind"))
                if kind:
                    targets.add((kind, text(dig(entry, "target", "name")) or "*"))
                    continue
                name = text(dig(entry, "path")) if isinstance(entry, Mapping) else text(entry)
                patch = files.get(self._path(directory, name)) if name else None
                for doc in _documents(patch) if patch is not None else ():
                    if text(dig(doc, "kind")):
                        targets.add((str(text(dig(doc, "kind"))), text(dig(doc, "metadata", "name")) or "*"))
        return targets

    @staticmethod
    def _path(directory: str, name: str) -> str:
        return posixpath.normpath(posixpath.join(directory, name))

    def members(self, directory: str, seen: set[str]) -> set[str]:
        """The scanned files a kustomization directory builds, following nested directories."""
        if directory in seen or directory not in self.by_dir:
            return set()
        seen.add(directory)
        document = self.by_dir[directory]
        result: set[str] = set()
        for key in MEMBER_KEYS:
            for name in entries(document.get(key)):
                target = self._path(directory, name)
                if target in self.known:
                    result.add(target)
                else:
                    result |= self.members(target, seen)
        return result

    def namespace_of(self, rel: str) -> str:
        """The namespace kustomizations give a file, when they agree on exactly one."""
        namespaces = self._namespaces.get(rel, set())
        return next(iter(namespaces)) if len(namespaces) == 1 else ""

    def patched(self, rel: str, kind: str, name: str) -> bool:
        """Whether a kustomization that builds `rel` patches this object."""
        targets = self._patched.get(rel, set())
        return (kind, name) in targets or (kind, "*") in targets


def build(files: Sequence[ParsedFile], config: Config) -> Kustomizations:
    return Kustomizations.read([parsed for parsed in files if parsed.type in ("kubernetes", "text")])
