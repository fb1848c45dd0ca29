"""What the kustomizations of a scan say about the other files: the namespace they give the files
they include, and which files are patches (fragments of objects, not objects).

A manifest without `metadata.namespace` lands where its kustomization's `namespace:` puts it, so
relations by namespace (policies, quotas) must see that namespace, not `default`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field

from scanner.inputs import ParsedFile
from scanner.nodes import Mapping, Node, Sequence as NodeSequence, dig, text

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def _entries(node: Node | None) -> list[str]:
    """File names in a kustomization list, written plainly or as `{path: ...}`."""
    if not isinstance(node, NodeSequence):
        return []
    names = [text(dig(item, "path")) if isinstance(item, Mapping) else text(item) for item in node]
    return [name for name in names if name]


@dataclass
class Kustomizations:
    """Kustomization documents by directory, with the patch files they name."""

    by_dir: dict[str, Mapping] = field(default_factory=dict)
    files: frozenset[str] = frozenset()
    patches: set[str] = field(default_factory=set)
    _namespaces: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, files: Sequence[ParsedFile]) -> Kustomizations:
        found = cls(files=frozenset(parsed.rel for parsed in files))
        for parsed in files:
            if posixpath.basename(parsed.rel) not in KUSTOMIZATION_NAMES:
                continue
            for document in parsed.tree or ():
                if isinstance(document, Mapping) and text(document.get("kind")) in ("Kustomization", "Component", None):
                    found.by_dir[posixpath.dirname(parsed.rel)] = document
        for directory, document in found.by_dir.items():
            for key in ("patchesStrategicMerge", "patches", "patchesJson6902"):
                found.patches.update(posixpath.normpath(posixpath.join(directory, name))
                                     for name in _entries(document.get(key)))
            namespace = text(document.get("namespace"))
            if namespace:
                for member in found.members(directory, set()):
                    found._namespaces.setdefault(member, set()).add(namespace)
        return found

    def members(self, directory: str, seen: set[str]) -> set[str]:
        """The scanned files a kustomization directory builds, following nested directories."""
        if directory in seen or directory not in self.by_dir:
            return set()
        seen.add(directory)
        document = self.by_dir[directory]
        result: set[str] = set()
        for key in ("resources", "bases", "components"):
            for name in _entries(document.get(key)):
                target = posixpath.normpath(posixpath.join(directory, name))
                if target in self.files:
                    result.add(target)
                else:
                    result |= self.members(target, seen)
        return result

    def namespace_of(self, rel: str) -> str:
        """The namespace kustomizations give a file, when they agree on exactly one."""
        namespaces = self._namespaces.get(rel, set())
        return next(iter(namespaces)) if len(namespaces) == 1 else ""
