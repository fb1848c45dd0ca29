"""A Terraform module on disk: the `.tf` files of one folder, its override files merged in, and
the tfvars files beside it.

Terraform merges `override.tf` and `*_override.tf` into the blocks they name (an argument replaces
the argument, a nested block type replaces every block of that type); reading them as blocks of
their own would make the overridden resource look as if it had only the overridden settings.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from pathlib import Path

from scanner.nodes import Scalar
from scanner.parse.hcl.tree import Block, Body, HclFile


def _kind(path: str) -> str:
    name = posixpath.basename(path).lower()
    if name.endswith((".tfvars", ".tfvars.json")):
        return "tfvars"
    stem = name.removesuffix(".json").removesuffix(".tf")
    return "override" if stem == "override" or stem.endswith("_override") else "config"


class Directory:
    """One module folder; `disk` is the folder on disk when known (for `file()`)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.files: list[HclFile] = []
        self.overrides: list[HclFile] = []
        self.tfvars: list[HclFile] = []
        self.disk: Path | None = None
        self._blocks: list[Block] | None = None

    def add(self, tree: HclFile, on_disk: Path | None = None) -> None:
        kind = _kind(tree.path)
        {"tfvars": self.tfvars, "override": self.overrides, "config": self.files}[kind].append(tree)
        self._blocks = None
        if self.disk is None and on_disk is not None:
            self.disk = on_disk.resolve().parent

    def has_config(self) -> bool:
        return bool(self.files)

    def blocks(self, block_type: str) -> Iterator[Block]:
        if self._blocks is None:
            self._blocks = [b for tree in self.files for b in tree.body.blocks]
            for tree in sorted(self.overrides, key=lambda t: t.path):
                for override in tree.body.blocks:
                    _apply(self._blocks, override)
        return (block for block in self._blocks if block.type == block_type)

    def local_calls(self) -> Iterator[str]:
        """Folders this module calls with a literal local `source`."""
        for block in self.blocks("module"):
            target = self.source_dir(block)
            if target is not None:
                yield target

    def source_dir(self, block: Block) -> str | None:
        source = block.body.attributes.get("source")
        value = source.value.value if source and isinstance(source.value, Scalar) else None
        return local_folder(self.path, value) if isinstance(value, str) else None


# `source = "./x"` or `"source": "../x"` (JSON syntax), for planning before anything is parsed.
_LOCAL_SOURCE = re.compile(r'"?\bsource"?\s*[=:]\s*"(\.\.?/[^"]*)"')


def local_folder(folder: str, source: str) -> str | None:
    """The project folder a module `source` inside `folder` names, when it is a local path inside
    the project (`""` for its top); None for a registry, git or outside source."""
    if not source.startswith(("./", "../")):
        return None
    target = posixpath.normpath(posixpath.join(folder, source))
    if target.startswith(".."):
        return None
    return "" if target == "." else target


def calls_in_text(folder: str, text: str) -> Iterator[str]:
    """The local folders a file's text calls, read before parsing: scan units are planned from
    these, so that a module and the folders it calls are evaluated together. A `source` argument
    of another block that looks like a path only joins two folders that needed not be; the
    evaluation itself reads calls from the parsed `module` blocks (`Directory.local_calls`)."""
    for match in _LOCAL_SOURCE.finditer(text):
        target = local_folder(folder, match.group(1))
        if target is not None:
            yield target


def _apply(blocks: list[Block], override: Block) -> None:
    """Merge one override block into the block it names (`locals` values simply come later)."""
    if override.type != "locals":
        for index, block in enumerate(blocks):
            if (block.type, block.labels) == (override.type, override.labels):
                blocks[index] = Block(block.type, block.labels, _merged(block.body, override.body),
                                      block.loc, block.end_line)
                return
    blocks.append(override)


def _merged(original: Body, override: Body) -> Body:
    replaced = {block.type for block in override.blocks}
    attributes = {**original.attributes, **override.attributes}
    return Body(attributes, [b for b in original.blocks if b.type not in replaced] + override.blocks)
