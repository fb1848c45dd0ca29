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
from dataclasses import dataclass
from pathlib import Path

SKIPPED_DIRS = frozenset({".git", "node_modules", ".terraform", ".hg", ".svn", "__pycache__", ".tox",
                          ".venv", ".mypy_cache", ".pytest_cache"})
# Files that make a folder something to render (a Helm chart, a Kustomize overlay) before scanning.
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
RENDER_ROOTS = frozenset({"Chart.yaml", *KUSTOMIZATION_NAMES})
STRUCTURED_TYPES = ("dockerfile", "kubernetes", "compose", "cloudformation", "terraform")

_DOCKERFILE_NAME = re.compile(r"^(?:(?:docker|container)file(?:\..+)?|.+\.(?:docker|container)file)$",
                              re.IGNORECASE)
_COMPOSE_NAME = re.compile(r"^(?:docker-)?compose(?:[.-].*)?\.ya?ml$", re.IGNORECASE)
_YAML_OR_JSON = re.compile(r"\.(?:ya?ml|json)$", re.IGNORECASE)
_TERRAFORM_NAME = re.compile(r"\.(?:tf|tf\.json|tfvars|tfvars\.json|tfplan\.json)$", re.IGNORECASE)

# Leading space is [ \t], not \s: a \s run crosses line ends, and on a file of blank lines every
# line start would then scan all the rest (quadratic; minutes for a few megabytes).
_K8S_API = re.compile(r'^(?:apiVersion\s*:|[ \t]*"apiVersion"\s*:)', re.MULTILINE)
_K8S_KIND = re.compile(r'^(?:kind\s*:|[ \t]*"kind"\s*:)', re.MULTILINE)
_TF_PLAN_START = re.compile(r'^\s*\{\s*"(?:format_version|terraform_version)"\s*:')
_CFN_VERSION = re.compile(r'^[ \t]*"?AWSTemplateFormatVersion"?\s*:', re.MULTILINE)
_CFN_RESOURCES = re.compile(r'^[ \t]*"?Resources"?\s*:', re.MULTILINE)
_CFN_AWS_TYPE = re.compile(r'"?Type"?\s*:\s*["\']?AWS::')
_COMPOSE_SERVICES = re.compile(r'^(?:services\s*:|\s{0,4}"services"\s*:\s*\{)', re.MULTILINE)
_COMPOSE_SERVICE_KEYS = re.compile(r"^[ \t]+(?:image|build)\s*:|\"(?:image|build)\"\s*:", re.MULTILINE)


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


_JSON_K8S = (re.compile(r'"apiVersion"\s*:'), re.compile(r'"kind"\s*:'))
_JSON_CFN = re.compile(r'"AWSTemplateFormatVersion"\s*:|"Type"\s*:\s*"AWS::')


def classify_content(name: str, text: str) -> str:
    """For YAML and JSON: kubernetes, cloudformation, compose, or "" (none of them)."""
    if name.lower().endswith(".json"):
        if _TF_PLAN_START.match(text) and '"planned_values"' in text:
            return "terraform"  # `terraform show -json` output: a fully evaluated plan
        # JSON may sit on one line, so keys are looked for anywhere, not at line starts.
        if _JSON_CFN.search(text):
            return "cloudformation"
        if all(pattern.search(text) for pattern in _JSON_K8S):
            return "kubernetes"
        return ""
    if _CFN_VERSION.search(text) or (_CFN_RESOURCES.search(text) and _CFN_AWS_TYPE.search(text)):
        return "cloudformation"
    if _K8S_API.search(text) and _K8S_KIND.search(text):
        return "kubernetes"
    if _COMPOSE_NAME.match(name) and not name.lower().endswith(".json"):
        return "compose"
    if _COMPOSE_SERVICES.search(text) and _COMPOSE_SERVICE_KEYS.search(text):
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


def _excluded(rel: str, name: str, patterns: tuple[str, ...]) -> bool:
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


def walk(targets: Iterable[str], root: Path, excludes: tuple[str, ...] = ()) -> Iterator[SourceFile]:
    """Every regular file under the targets, in a stable order, without leaving the targets' trees.
    What can't be read (a link loop, a folder without permission) comes with its `problem`, so
    that it is an error line in every report rather than silently missing."""
    root = root.resolve()
    seen_dirs: set[str] = set()
    for target in targets:
        start = Path(target)
        if start.is_file():
            yield SourceFile(start, relative_name(start, root))
        elif start.is_dir():
            boundary = start.resolve()
            yield from _walk_dir(start, boundary, root, excludes, seen_dirs)


def _walk_dir(directory: Path, boundary: Path, root: Path, excludes: tuple[str, ...],
              seen: set[str]) -> Iterator[SourceFile]:
    real = os.path.realpath(directory)
    if real in seen:
        return
    seen.add(real)
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError as exc:  # reported like an unreadable file: what it holds was not scanned
        yield SourceFile(directory, relative_name(directory, root),
                         problem=f"cannot read folder: {exc.strerror or exc}")
        return
    for entry in entries:
        path = Path(entry.path)
        rel = relative_name(path, root)
        if _excluded(rel, entry.name, excludes):
            continue
        if entry.is_symlink():
            if not os.path.exists(path):
                yield SourceFile(path, rel, problem="broken symbolic link or symbolic link loop")
                continue
            if not _inside(path, boundary):
                continue
        try:
            if entry.is_dir():
                if entry.name not in SKIPPED_DIRS:
                    yield from _walk_dir(path, boundary, root, excludes, seen)
            elif entry.is_file():
                yield SourceFile(path, rel)
        except OSError as exc:
            yield SourceFile(path, rel, problem=f"cannot read: {exc.strerror or exc}")


def _inside(path: Path, boundary: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(boundary)
    except ValueError:
        return False
    return True
