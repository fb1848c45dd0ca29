"""Kustomize: render overlays with `kustomize build` (or `kubectl kustomize`) and map objects back.

Only top-level kustomizations (ones no other kustomization in the scan uses) are rendered; the
files they consume are then not judged on their own, so that a base is not reported once raw and
again through each overlay. Patch files are never judged as whole objects, rendered or not: a
strategic-merge patch that sets `replicas` is not a Deployment missing its security context.
A build runs on a private copy of the folders it reaches (`scanner.render.kustomize_copy`), with
remote resources dropped from the copy and `offline_environment`: nothing is fetched.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.boundary import Boundary, OverLimit, Refused, run_offline

START_SECONDS = 5.0  # kubectl starting on a loaded runner, before the per-file budget
MAX_WAYS = 10_000  # kustomization folders visited when tracing how a rendering reaches its files


@dataclass(frozen=True)
class Sandbox:
    """Where and within what limits a private copy is built: `home` is the renderer's own."""

    home: Path
    timeout: float
    max_output: int


@dataclass(frozen=True)
class Naming:
    """What a kustomization does to the names of everything it includes: `namePrefix`,
    `nameSuffix`, and `namespace` (None where it sets none)."""

    prefix: str = ""
    suffix: str = ""
    namespace: str | None = None


@dataclass(frozen=True)
class Targeted:
    """A patch that names its target (`patches: - target: {kind, name}`): JSON 6902 operations or
    a strategic-merge patch, in the file `path`, or written inline in the kustomization `path`
    (`text`), its first line being line `first_line` there."""

    kind: str | None
    name: str
    path: Path
    text: str | None = None
    first_line: int = 1


@dataclass
class Kustomization:
    directory: Path
    resources: list[Path] = field(default_factory=list)
    patches: list[Path] = field(default_factory=list)
    component: bool = False
    file: str = "kustomization.yaml"
    sandbox: Sandbox | None = None  # set on private copies only: nothing else is ever built
    naming: Naming = field(default_factory=Naming)
    targeted: list[Targeted] = field(default_factory=list)


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))  # unlike Path.resolve, never raises on a link loop


def read(path: Path, boundary: Boundary) -> Kustomization | None:
    from scanner.model.kustomize import MEMBER_KEYS, PATCH_KEYS, entries
    from scanner.nodes import Mapping, text
    from scanner.parse.parsers import ParseError
    from scanner.parse.yaml import parse_documents

    try:
        raw = boundary.read_text(path)
        documents = parse_documents(raw, str(path))
    except (Refused, ParseError):
        return None
    document = documents[0] if documents else None
    if not isinstance(document, Mapping):
        return None
    here = path.parent
    local = [e for key in MEMBER_KEYS for e in entries(document.get(key))
             if "://" not in e and not e.startswith(("github.com/", "git@"))]
    patches = [here / e for key in PATCH_KEYS for e in entries(document.get(key)) if "\n" not in e]
    naming = Naming(text(document.get("namePrefix")) or "", text(document.get("nameSuffix")) or "",
                    text(document.get("namespace")))
    return Kustomization(_real(here), [_real(here / e) for e in local], [_real(p) for p in patches],
                         component=text(document.get("kind")) == "Component", file=path.name, naming=naming,
                         targeted=_targeted(document, raw.splitlines(), _real(path)))


def _targeted(document: Any, raw: list[str], path: Path) -> list[Targeted]:
    """The patches of `patches:`/`patchesJson6902:` that name a target by kind and name; an inline
    one starts on the line after its `|` indicator (a block scalar keeps its lines as written)."""
    from scanner.nodes import Mapping, Scalar, Sequence, dig, text

    found = []
    for key in ("patches", "patchesJson6902"):
        listed = document.get(key)
        for entry in listed.items if isinstance(listed, Sequence) else ():
            name = text(dig(entry, "target", "name"))
            if not isinstance(entry, Mapping) or not name:
                continue
            kind, inline, file = text(dig(entry, "target", "kind")), entry.get("patch"), text(entry.get("path"))
            if isinstance(inline, Scalar) and isinstance(inline.value, str):
                start = inline.loc
                block = raw[start.line - 1][start.column - 1:].lstrip().startswith(("|", ">"))
                found.append(Targeted(kind, name, path, inline.value, start.line + block))
            elif file and "\n" not in file:
                found.append(Targeted(kind, name, _real(path.parent / file)))
    return found


def tops(kustomizations: list[Kustomization]) -> list[Kustomization]:
    """The ones to render: every kustomization that is not a Component (which only builds inside
    the kustomization that includes it) and that no other non-Component uses. What a Component
    lists does not count: a dummy Component naming the real overlay must not hide it."""
    used = {resource for k in kustomizations if not k.component for resource in k.resources}
    return [k for k in kustomizations if k.directory not in used and not k.component]


def consumed(root: Kustomization, index: dict[Path, Kustomization]) -> tuple[set[Path], list[Path]]:
    """(manifest files the rendering reads, patch files from the overlay down to the bases)."""
    files: set[Path] = set()
    patches: list[Path] = []
    stack, seen = [root], set()
    while stack:
        current = stack.pop()
        if current.directory in seen:
            continue
        seen.add(current.directory)
        patches.extend(current.patches)
        for resource in current.resources:
            if resource.is_dir() and resource in index:
                stack.append(index[resource])
            elif resource.is_file():
                files.add(resource)
    return files, patches


def chains(root: Kustomization, index: dict[Path, Kustomization]) -> dict[Path, list[tuple[Path, ...]]]:
    """For each manifest file the rendering reads, and each kustomization folder, the folders
    through which `root` reaches it, `root` first (a folder's own way ends with the folder): one
    tuple per way (a base included twice is renamed twice)."""
    found: dict[Path, list[tuple[Path, ...]]] = {}
    stack: list[tuple[tuple[Path, ...], Kustomization]] = [((root.directory,), root)]
    for _ in range(MAX_WAYS):  # folders that include each other in a lattice have 2^n ways
        if not stack:
            break
        chain, current = stack.pop()
        found.setdefault(current.directory, []).append(chain)
        for resource in current.resources:
            if resource.is_dir() and resource in index and resource not in chain:
                stack.append(((*chain, resource), index[resource]))
            elif resource.is_file():
                found.setdefault(resource, []).append(chain)
    return found


def tool() -> list[str] | None:
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


def render(kustomization: Kustomization, command: list[str]) -> str:
    """`kustomize build` of a private copy, offline and within the copy's limits."""
    sandbox = kustomization.sandbox
    if sandbox is None:
        raise RuntimeError("only a private copy is built")
    try:
        done = run_offline([*command, "."], cwd=kustomization.directory, home=sandbox.home,
                           timeout=sandbox.timeout, max_output=sandbox.max_output)
    except OverLimit as exc:
        raise RuntimeError(str(exc)) from None
    if done.returncode != 0:
        raise RuntimeError((done.stderr.strip().splitlines() or ["kustomize build failed"])[-1])
    return done.stdout


def _inputs_digest(top: Kustomization, index: dict[Path, Kustomization], command: list[str]) -> str:
    """A digest of everything a rendering can read: every file under every kustomization folder
    the top one reaches (generators and patches included), and the renderer used. The folders
    are private copies, made afresh each run, so paths count relative to the top one."""
    digest = hashlib.sha256("\0".join(command).encode())
    folders, stack = set(), [top]
    while stack:
        current = stack.pop()
        if current.directory in folders:
            continue
        folders.add(current.directory)
        stack.extend(index[r] for r in current.resources if r in index)
        digest.update(os.path.relpath(current.directory, top.directory).encode())
        for resource in current.resources:
            if resource.is_file():
                digest.update(os.path.relpath(resource, top.directory).encode() + resource.read_bytes())
    for folder in sorted(folders):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(os.path.relpath(path, top.directory).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def render_all(tops: list[Kustomization], index: dict[Path, Kustomization], command: list[str],
               use_cache: bool) -> list[str | RuntimeError]:
    """Each top kustomization rendered (or the error), in order: in parallel, since each build is
    a process of its own, and from the cache when nothing it reads has changed."""
    from concurrent.futures import ThreadPoolExecutor

    from scanner.run import cache

    def one(top: Kustomization) -> str | RuntimeError:
        digest = _inputs_digest(top, index, command) if use_cache else ""
        cached = cache.load_render(top.directory, digest) if digest else None
        if cached is not None:
            return cached
        try:
            text = render(top, command)
        except (RuntimeError, OSError, UnicodeDecodeError, subprocess.SubprocessError) as exc:
            return RuntimeError(str(exc))
        if digest:
            cache.store_render(top.directory, digest, text)
        return text

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(one, tops))

