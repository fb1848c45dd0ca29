"""Find the files to scan and decide what each one is.

Classification looks at content as well as names, because a Kubernetes manifest can be called
anything and `docker-compose.yml` is not the only Compose file name. Symlinks are followed only
inside the scanned root and each directory is entered once, so link loops cannot hang a scan.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from scanner.boundary import Boundary, Refused
from scanner.inputs.gitignore import GITIGNORE, MAX_BYTES, Ignores

# Folders never entered, by name: version control, package and tool caches. Virtual environments
# are recognised by what they hold instead (see `environment`), and said in a note.
SKIPPED_DIRS = frozenset({".git", "node_modules", ".terraform", ".hg", ".svn", "__pycache__", ".tox",
                          ".mypy_cache", ".pytest_cache"})
# Files that make a folder something to render (a Helm chart, a Kustomize overlay) before scanning.
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
RENDER_ROOTS = frozenset({"Chart.yaml", *KUSTOMIZATION_NAMES})
STRUCTURED_TYPES = ("dockerfile", "kubernetes", "compose", "cloudformation", "terraform", "arm")

_DOCKERFILE_NAME = re.compile(r"^(?:(?:docker|container)file(?:\..+)?|.+\.(?:docker|container)file)$",
                              re.IGNORECASE)
_COMPOSE_NAME = re.compile(r"^(?:docker-)?compose(?:[.-].*)?\.ya?ml$", re.IGNORECASE)
_YAML_OR_JSON = re.compile(r"\.(?:ya?ml|jsonc?)$", re.IGNORECASE)
_TERRAFORM_NAME = re.compile(r"\.(?:tf|tf\.json|tfvars|tfvars\.json|tfplan\.json)$", re.IGNORECASE)

# Leading space is [ \t], not \s: a \s run crosses line ends, and on a file of blank lines every
# line start would then scan all the rest (quadratic; minutes for a few megabytes). Keys are looked
# for at a document's own indentation, which is column 0 in most files but not
# in all: YAML allows a top-level mapping indented by any amount, and kubectl applies it.
_SIGNATURE_KEYS = "apiVersion|kind|AWSTemplateFormatVersion|Resources|services"
_KEY_LINE = re.compile(rf'^([ \t]*)["\']?({_SIGNATURE_KEYS})["\']?[ \t]*:', re.MULTILINE)
_FLOW_KEY = re.compile(rf'(?:^|[{{,])[ \t]*["\']?({_SIGNATURE_KEYS})["\']?[ \t]*:', re.MULTILINE)
_DOCUMENT_MARK = re.compile(r"^---(?=[ \t\n]|$)[ \t]*", re.MULTILINE)
_CONTENT_LINE = re.compile(r"^([ \t]*)([^ \t\n#%])", re.MULTILINE)
_TF_PLAN_START = re.compile(r'^\s*\{\s*"(?:format_version|terraform_version)"\s*:')
_CFN_AWS_TYPE = re.compile(r'"?Type"?\s*:\s*["\']?AWS::')
_COMPOSE_SERVICE_KEYS = re.compile(r"^[ \t]+(?:image|build)\s*:|[\"{,][ \t]*\"?(?:image|build)\"?\s*:", re.MULTILINE)
_JSON_K8S = (re.compile(r'"apiVersion"\s*:'), re.compile(r'"kind"\s*:'))
# An ARM template or parameter file names its schema (deployment template at any scope, or parameters).
_ARM_SCHEMA = re.compile(r'"\$schema"\s*:\s*"[^"\n]{0,200}/(?:subscription|managementGroup|tenant)?'
                         r'[Dd]eployment(?:Template|Parameters)\.json#?"')
_JSON_CFN = re.compile(r'"AWSTemplateFormatVersion"\s*:|"Type"\s*:\s*"AWS::')
_MAX_INDENTS = 8
# hullscan's own reports, known by how they begin (the first few kilobytes), whatever their name:
# judging one would report the example tokens of the rule documentation SARIF embeds.
_REPORT_HEAD = 8192
_OWN_REPORTS = (
    ("sarif", re.compile(r'"driver"\s*:\s*\{\s*"name"\s*:\s*"hullscan"')),
    ("gitlab-sast", re.compile(r'"(?:analyzer|scanner)"\s*:\s*\{\s*"id"\s*:\s*"hullscan"')),
    ("junit", re.compile(r'^(?:<\?xml[^>\n]*\?>\s*)?<testsuites name="hullscan"')),
    ("json", re.compile(r'^\s*\{\s*"version"\s*:\s*"[^"\n]{0,40}"\s*,\s*"findings"\s*:\s*\[')),
    ("codeclimate", re.compile(r'^\s*\[\s*\{\s*"type"\s*:\s*"issue"\s*,\s*"check_name"\s*:\s*"([A-Z]{3}\d{3})"'
                               r'\s*,\s*"description"\s*:\s*"\1 ')),
    ("markdown", re.compile(r"^## hullscan: (?:no findings|\d+ findings?)\n")),
)


@dataclass(frozen=True)
class SourceFile:
    """A file to scan: `path` opens it, `rel` is what reports show (forward slashes)."""

    path: Path
    rel: str
    forced_type: str = ""
    problem: str = ""


def classify_name(name: str) -> str:
    """The type a file's name alone decides: dockerfile, terraform, yaml (look inside) or text."""
    if _DOCKERFILE_NAME.match(name):
        return "dockerfile"
    if _TERRAFORM_NAME.search(name):
        return "terraform"
    if _YAML_OR_JSON.search(name):
        return "yaml"
    return "text"


def own_report(text: str) -> str:
    """The format of a report hullscan wrote ("sarif", "json", ...), or "" for any other text."""
    head = text[:_REPORT_HEAD]
    return next((name for name, pattern in _OWN_REPORTS if pattern.search(head)), "")


def _top_indents(text: str) -> tuple[set[str], bool]:
    """The indentation of each document's first line of content, and whether some document is in
    flow style (`{...}`: one-line JSON saved as YAML). A document's top-level keys sit at its
    first content line's indentation; comments, directives and blank lines come before it."""
    indents: set[str] = set()
    flow = False
    for start in [0] + [mark.end() for mark in _DOCUMENT_MARK.finditer(text)]:
        if start and text[start:start + 1] not in ("", "\n", "#"):  # `--- {kind: Pod}`
            flow = flow or text[start] in "{["
            continue
        content = _CONTENT_LINE.search(text, start)
        if content is None:
            continue
        if content.group(2) in "{[":
            flow = True
        elif len(indents) < _MAX_INDENTS:
            indents.add(content.group(1))
    return indents, flow


def _top_keys(text: str) -> set[str]:
    """Which of the keys that tell formats apart appear at a document's top level (at its own
    indentation; in a flow-style document, anywhere as a key)."""
    indents, flow = _top_indents(text)
    found = {match.group(2) for match in _KEY_LINE.finditer(text) if match.group(1) in indents}
    if flow:
        found.update(match.group(1) for match in _FLOW_KEY.finditer(text))
    return found


def classify_content(name: str, text: str) -> str:
    """For YAML and JSON: kubernetes, cloudformation, compose, terraform (a plan), arm, or "" (none)."""
    if name.lower().endswith((".json", ".jsonc")):
        if _ARM_SCHEMA.search(text[:_REPORT_HEAD]):
            return "arm"  # templates and parameter files alike: the ARM model tells them apart
        if _TF_PLAN_START.match(text) and '"planned_values"' in text:
            return "terraform"  # `terraform show -json` output: a fully evaluated plan
        # JSON may sit on one line, so keys are looked for anywhere, not at line starts.
        if _JSON_CFN.search(text):
            return "cloudformation"
        if all(pattern.search(text) for pattern in _JSON_K8S):
            return "kubernetes"
        return ""
    keys = _top_keys(text)
    if "AWSTemplateFormatVersion" in keys or ("Resources" in keys and _CFN_AWS_TYPE.search(text)):
        return "cloudformation"
    if {"apiVersion", "kind"} <= keys:
        return "kubernetes"
    if _COMPOSE_NAME.match(name):
        return "compose"
    if "services" in keys and _COMPOSE_SERVICE_KEYS.search(text):
        return "compose"
    return ""


def file_type(name: str, text: str, forced: str = "") -> str:
    """The scan type of a file: one of STRUCTURED_TYPES, or "text" (secrets only)."""
    if forced:
        return forced
    by_name = classify_name(name)
    if by_name == "yaml":
        return classify_content(name, text) or "text"
    return by_name


def excluded(rel: str, name: str, patterns: tuple[str, ...]) -> bool:
    """Whether `exclude:` patterns match a path (relative to the root) or its name."""
    return any(fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(name, p)
               or fnmatch.fnmatchcase(rel, p.rstrip("/") + "/*") for p in patterns)


def relative_name(path: Path, root: Path) -> str:
    """`path` relative to the project root when it is inside it, as written otherwise."""
    for candidate in (os.path.abspath(path), os.path.realpath(path)):
        try:
            return _printable(Path(candidate).relative_to(root).as_posix())
        except ValueError:
            continue
    return _printable(path.as_posix())


def _printable(name: str) -> str:
    """A name that is not valid UTF-8 shows its stray bytes escaped (`\\xff`): reports must be
    valid text, and SourceFile.path, not this name, is what opens the file."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass
class Skipped:
    """What a walk left out on purpose, so that the report can say so: the tree decides both
    (its .gitignore files, its virtual environments), and must not hide files silently."""

    gitignored: int = 0
    environments: list[str] = field(default_factory=list)

    def notes(self) -> list[str]:
        notes = []
        if self.gitignored:
            notes.append(f"{self.gitignored} file(s) or folder(s) skipped by .gitignore "
                         "(--no-gitignore to scan them)")
        if self.environments:
            shown = ", ".join(self.environments[:3]) + (", ..." if len(self.environments) > 3 else "")
            notes.append(f"{len(self.environments)} virtual environment or cache folder(s) not scanned: {shown}")
        return notes


def walk(targets: Iterable[str], root: Path, excludes: tuple[str, ...] = (), gitignore: bool = True,
         skipped: Skipped | None = None) -> Iterator[SourceFile]:
    """Every regular file under the targets, in a stable order, without leaving the targets' trees.
    What can't be read (a link loop, a folder without permission) comes with its `problem`, so
    that it is an error line in every report rather than silently missing. Files named as
    targets are always scanned; inside folders, what .gitignore files ignore is skipped (unless
    `gitignore` is False) and virtual environments and caches are not entered; `skipped` counts both."""
    walker = _Walker(root.resolve(), excludes, gitignore, skipped if skipped is not None else Skipped())
    for target in targets:
        start = Path(target)
        if start.is_file():
            yield SourceFile(start, relative_name(start, walker.root))
        elif start.is_dir():
            names, ignores = walker.outer_ignores(start)
            yield from walker.folder(start, start.resolve(), names, ignores)


@dataclass
class _Walker:
    root: Path
    excludes: tuple[str, ...]
    gitignore: bool
    skipped: Skipped
    seen: set[str] = field(default_factory=set)

    @property
    def boundary(self) -> Boundary:
        return Boundary(self.root)

    def outer_ignores(self, start: Path) -> tuple[tuple[str, ...], Ignores]:
        """The target's names from the root (none for a target outside it: its names count from
        itself), and the .gitignore files of the folders between the root and the target."""
        try:
            names = start.resolve().relative_to(self.root).parts
        except ValueError:
            return (), Ignores()
        ignores = Ignores()
        for depth in range(len(names)):
            ignores = self.read_ignores(self.root.joinpath(*names[:depth]), names[:depth], ignores)
        return names, ignores

    def read_ignores(self, directory: Path, names: tuple[str, ...], ignores: Ignores) -> Ignores:
        """`ignores` with the folder's own .gitignore added. One that can't be read, or leaves
        the root, is left out: that scans more, never less."""
        if not self.gitignore or not os.path.isfile(directory / GITIGNORE):
            return ignores
        try:
            text = self.boundary.read_text(directory / GITIGNORE, MAX_BYTES)
        except Refused:
            return ignores
        return ignores.add(names, text)

    def folder(self, directory: Path, boundary: Path, names: tuple[str, ...], ignores: Ignores) -> Iterator[SourceFile]:
        real = os.path.realpath(directory)
        if real in self.seen:
            return
        self.seen.add(real)
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError as exc:  # reported like an unreadable file: what it holds was not scanned
            yield SourceFile(directory, relative_name(directory, self.root),
                             problem=f"cannot read folder: {exc.strerror or exc}")
            return
        ignores = self.read_ignores(directory, names, ignores)
        for entry in entries:
            path = Path(entry.path)
            rel = relative_name(path, self.root)
            if excluded(rel, entry.name, self.excludes):
                continue
            if entry.is_symlink():
                if not os.path.exists(path):
                    yield SourceFile(path, rel, problem="broken symbolic link or symbolic link loop")
                    continue
                if not _inside(path, boundary):
                    continue
            try:
                is_dir = entry.is_dir()
                if ignores.layers and ignores.ignored((*names, entry.name), is_dir):
                    self.skipped.gitignored += 1
                elif is_dir:
                    if entry.name in SKIPPED_DIRS:
                        continue
                    if environment(path, self.boundary):
                        self.skipped.environments.append(rel)
                        continue
                    yield from self.folder(path, boundary, (*names, entry.name), ignores)
                elif entry.is_file():
                    yield SourceFile(path, rel)
            except OSError as exc:
                yield SourceFile(path, rel, problem=f"cannot read: {exc.strerror or exc}")


_CACHE_TAG = b"Signature: 8a477f597d28d172789f06886806bc55"


def environment(folder: Path, boundary: Boundary) -> bool:
    """Whether a folder is provably a virtual environment or a cache, by what it holds rather
    than its name (a folder called `env` or `build` may hold real configuration): a Python
    virtual environment (`pyvenv.cfg`), a conda environment (`conda-meta/`), or a cache tagged
    by the Cache Directory Tagging specification (`CACHEDIR.TAG`, as pytest, mypy and cargo write)."""
    if os.path.isfile(folder / "pyvenv.cfg") or os.path.isdir(folder / "conda-meta"):
        return True
    tag = folder / "CACHEDIR.TAG"
    if not os.path.isfile(tag):
        return False
    try:
        return boundary.read_bytes(tag, 64 * 1024).startswith(_CACHE_TAG)
    except Refused:
        return False


def _inside(path: Path, boundary: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(boundary)
    except ValueError:
        return False
    return True
