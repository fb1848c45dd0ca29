"""The private copy a Kustomize build runs on, so that the build reads only the project and no network.

The kustomization folders an overlay reaches, and the local files and folders they name, are copied
through the boundary (`Boundary.copy_tree`: no link out of the project, no hard link, no device)
into a private folder laid out like the project. Kustomize fetches whatever is not a local path —
a resource or base named by URL, a `github.com/...` or `git@...` repository (`?ref=`), a patch or
generator file over HTTP(S), a chart from `helmCharts` — so in the copy (never in the user's file)
each kustomization is rewritten without those entries, and a note names them. An overlay that names
a folder or patch outside the project root is not built at all.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scanner.boundary import Boundary, Refused, contains, printable
from scanner.inputs.discover import KUSTOMIZATION_NAMES, SKIPPED_DIRS, relative_name
from scanner.render.kustomize import Kustomization, Sandbox, read

# What kustomize takes for a remote location rather than a local path.
REMOTE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|git@|git::|gh:|(?:github|gitlab)\.com/|bitbucket\.org/)")
# Lists of kustomizations or files: an entry that is not a file or folder of the copy is fetched.
LOCAL_LISTS = ("resources", "bases", "components", "generators", "transformers", "validators", "crds",
               "configurations")
# Lists of files, written plainly or as `{path: ...}`, that kustomize fetches when they are URLs.
FILE_LISTS = ("patchesStrategicMerge", "patches", "patchesJson6902", "replacements")
GENERATORS = ("configMapGenerator", "secretGenerator")
HELM_KEYS = ("helmCharts", "helmGlobals", "helmChartInflationGenerator")


@dataclass
class Copies:
    """Per top kustomization its copy, or why it is not built; the copies by folder; notes."""

    tops: list[Kustomization | str] = field(default_factory=list)
    index: dict[Path, Kustomization] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def private_copies(tops: list[Kustomization], index: dict[Path, Kustomization], boundary: Boundary,
                   tree: Path, sandbox: Sandbox) -> Copies:
    """Copy what each of `tops` reaches into `tree`, the copy's project root."""
    root = Path(os.path.realpath(boundary.root))
    copies, copied = Copies(), set[Path]()

    def mirror(path: Path) -> Path:
        return tree / os.path.relpath(path, root)

    for top in tops:
        reached = _reach(top, index, boundary)
        outside = [(k, p) for k in reached for p in (*k.resources, *k.patches) if not contains(root, p)]
        if outside:
            where, path = outside[0]
            copies.tops.append(f"{relative_name(where.directory, root)}/{where.file} names "
                               f"{printable(str(path))}, outside the project root: not rendered")
            continue
        try:
            for kustomization in reached:
                if mirror(kustomization.directory) not in copies.index:
                    _copy(boundary, kustomization, mirror, copied, copies)
        except (Refused, OSError) as exc:  # too large, or the copy could not be written
            copies.tops.append(f"not rendered: {exc}" if isinstance(exc, Refused) else
                               f"not rendered: {exc.strerror or exc}")
            continue
        for kustomization in reached:
            copies.index.setdefault(mirror(kustomization.directory), replace(
                kustomization, directory=mirror(kustomization.directory), sandbox=sandbox,
                resources=[mirror(r) for r in kustomization.resources],
                patches=[mirror(p) for p in kustomization.patches]))
        copies.tops.append(copies.index[mirror(top.directory)])
    return copies


def _reach(top: Kustomization, index: dict[Path, Kustomization], boundary: Boundary) -> list[Kustomization]:
    """`top` and every kustomization it builds on, also ones the scan was not given."""
    reached, stack, seen = [], [top], set()
    while stack:
        current = stack.pop()
        if current.directory in seen:
            continue
        seen.add(current.directory)
        reached.append(current)
        for resource in current.resources:
            if resource not in index and os.path.isdir(resource) and contains(boundary.root, resource):
                found = next((k for name in KUSTOMIZATION_NAMES if (resource / name).is_file()
                              and (k := read(resource / name, boundary)) is not None), None)
                if found is not None:
                    index[resource] = found
            if resource in index:
                stack.append(index[resource])
    return reached


def _copy(boundary: Boundary, kustomization: Kustomization, mirror: Any, copied: set[Path], copies: Copies) -> None:
    """The kustomization's folder, and the local files and folders it names, into the copy; then
    its kustomization file there rewritten without remote entries."""
    for path in (kustomization.directory, *kustomization.resources, *kustomization.patches):
        if path in copied or any(folder in path.parents for folder in copied) or not os.path.exists(path):
            continue
        copied.add(path)
        if os.path.isdir(path):
            boundary.copy_tree(path, mirror(path), skip=SKIPPED_DIRS)
        else:
            try:
                data = boundary.read_bytes(path)
            except Refused:
                continue  # kustomize reports the missing file in its own words
            mirror(path).parent.mkdir(parents=True, exist_ok=True)
            mirror(path).write_bytes(data)
    copy = mirror(kustomization.directory) / kustomization.file
    dropped = _localise(copy, mirror(Path(os.path.realpath(boundary.root))))
    if dropped:
        rel = relative_name(kustomization.directory / kustomization.file, boundary.root)
        copies.notes.append(f"kustomization {rel}: not in the project, so not fetched (hullscan never uses the "
                            f"network nor reads outside the project); the overlay is judged without: "
                            f"{', '.join(printable(d) for d in dropped)}")


def _in_copy(path: Path, tree: Path) -> bool:
    """Whether a kustomization's entry names a file or folder of the copy (an absolute path or
    `../` past the project names something kustomize would read from outside it)."""
    return path.exists() and contains(tree, path)


def _localise(copy: Path, tree: Path) -> list[str]:
    """Rewrite the copied kustomization without what kustomize would fetch or read from outside
    the copy; what was dropped."""
    from scanner.nodes import to_plain
    from scanner.parse.parsers import ParseError
    from scanner.parse.yaml import parse_documents

    try:
        documents = parse_documents(copy.read_text(encoding="utf-8", errors="replace"), copy.name)
    except (OSError, ParseError):
        return []  # absent or broken: kustomize says so in its own words
    document = to_plain(documents[0]) if documents else None
    if not isinstance(document, dict):
        return []
    here, dropped = copy.parent, []

    def keep(name: Any, local: bool) -> bool:
        fetched = isinstance(name, str) and (REMOTE.match(name) is not None or (local and not _in_copy(here / name, tree)))
        if fetched:
            dropped.append(name)
        return not fetched

    for key in LOCAL_LISTS:
        if isinstance(document.get(key), list):
            document[key] = [item for item in document[key] if keep(item, local=True)]
    for key in FILE_LISTS:
        if isinstance(document.get(key), list):
            document[key] = [item for item in document[key]
                             if keep(item.get("path") if isinstance(item, dict) else item, local=False)]
    for generator in (g for key in GENERATORS if isinstance(document.get(key), list) for g in document[key]):
        if isinstance(generator, dict):
            for key in ("files", "envs"):
                if isinstance(generator.get(key), list):
                    generator[key] = [f for f in generator[key] if keep(str(f).rpartition("=")[2], local=False)]
            if not keep(generator.get("env"), local=False):
                del generator["env"]
    if isinstance(document.get("openapi"), dict) and not keep(document["openapi"].get("path"), local=False):
        del document["openapi"]
    for key in HELM_KEYS:
        if document.pop(key, None) is not None:
            dropped.append(f"{key} (charts are not inflated)")
    copy.write_text(json.dumps(document), encoding="utf-8")  # JSON is YAML: kustomize reads it as written
    return dropped
