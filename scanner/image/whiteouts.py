"""Apply layers in order, as a container runtime would, to learn what became of each file.

A whiteout `dir/.wh.name` in layer N hides `dir/name` (and everything below it) of layers below
N; an opaque marker `dir/.wh..wh..opq` hides everything below `dir` from layers below N. Entries
of the same layer are never hidden by its own whiteouts. A later entry at the same path replaces
an earlier one; a directory replaced by a file takes its whole subtree with it. Nothing is
removed from the record: hidden files keep their bytes in the image, so rules still see them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from scanner.image.layers import Entry

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"


def _split(path: str) -> tuple[str, str]:
    parent, _, name = path.rpartition("/")
    return parent, name


@dataclass(frozen=True)
class ImageFile:
    """One entry of one layer. `fate`: present, deleted or replaced (by a later layer)."""

    layer: int
    path: str
    type: str
    size: int
    mode: int
    linkname: str
    ordinal: int
    fate: str = "present"

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


class Tracker:
    """The filesystem as seen after the layers added so far, with every entry ever added."""

    def __init__(self) -> None:
        self.records: list[ImageFile] = []
        self.visible: dict[str, int] = {}
        self.children: dict[str, set[str]] = {}

    def add(self, layer: int, entries: Iterable[Entry]) -> None:
        deletions: list[str] = []
        opaque: list[str] = []
        real: list[Entry] = []
        for entry in entries:
            parent, name = _split(entry.path)
            if name == OPAQUE:
                opaque.append(parent)
            elif name.startswith(WHITEOUT + WHITEOUT):
                continue  # other AUFS bookkeeping (.wh..wh.plnk and friends), not files
            elif name.startswith(WHITEOUT):
                deletions.append(f"{parent}/{name[len(WHITEOUT):]}" if parent else name[len(WHITEOUT):])
            else:
                real.append(entry)
        for path in deletions:
            self._hide(path, "deleted", "deleted")
        for directory in opaque:
            for child in list(self.children.get(directory, ())):
                self._hide(child, "deleted", "deleted")
        for entry in real:
            self._place(layer, entry)

    def _place(self, layer: int, entry: Entry) -> None:
        old = self.visible.get(entry.path)
        if entry.type == "dir" and (old is None or self.records[old].type == "dir"):
            if old is not None:  # directories merge: only the older entry's metadata is replaced
                self.records[old] = self._with_fate(old, "replaced")
        else:  # also when the directory was only implied by the paths below it
            self._hide(entry.path, "replaced", "deleted")
        self.records.append(ImageFile(layer, entry.path, entry.type, entry.size, entry.mode,
                                      entry.linkname, entry.ordinal))
        self.visible[entry.path] = len(self.records) - 1
        path = entry.path
        while path:
            parent, _ = _split(path)
            siblings = self.children.setdefault(parent, set())
            if path in siblings:
                break
            siblings.add(path)
            path = parent

    def _with_fate(self, index: int, fate: str) -> ImageFile:
        return replace(self.records[index], fate=fate)

    def _hide(self, path: str, fate: str, below: str) -> None:
        """Hide `path` (marked `fate`) and everything under it (marked `below`)."""
        parent, _ = _split(path)
        self.children.get(parent, set()).discard(path)
        stack = [(path, fate)]
        while stack:
            current, mark = stack.pop()
            index = self.visible.pop(current, None)
            if index is not None:
                self.records[index] = self._with_fate(index, mark)
            stack.extend((child, below) for child in self.children.pop(current, ()))

    def files(self) -> list[ImageFile]:
        return list(self.records)
