"""`COPY . .` sends the whole build context into the image; `.dockerignore` decides what that is.

The context is taken to be the Dockerfile's folder (where `docker build .` is usually run), and
BuildKit's per-Dockerfile ignore file (`<name>.dockerignore`) wins over `.dockerignore`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from pathlib import Path

from scanner.catalog import RuleContext
from scanner.checks.dockerfile_common import key, shipped
from scanner.checks.dockerfile_fetch import sources
from scanner.findings import Hit
from scanner.model.dockerfile import DockerfileModel

WHOLE_CONTEXT = frozenset({".", "./", "*", "./*", "/", "/."})
MUST_EXCLUDE = (".git", ".env")


def ignore_file(dockerfile: Path) -> list[str] | None:
    """The ignore patterns that apply to `dockerfile`'s folder; None when there is no ignore file."""
    for candidate in (dockerfile.with_name(dockerfile.name + ".dockerignore"),
                      dockerfile.with_name(".dockerignore")):
        try:
            text = candidate.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return None


def excluded(name: str, patterns: list[str]) -> bool:
    """Whether `name` (a top-level entry of the context) is excluded, with `!` exceptions in order."""
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip().strip("/")
        pattern = pattern[3:] if pattern.startswith("**/") else pattern
        if pattern == "**" or fnmatch.fnmatchcase(name, pattern):
            result = not negate
    return result


def copy_whole_context(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for info in model.files:
        if info.fs_path is None:
            continue
        patterns = ignore_file(info.fs_path)
        missing = list(MUST_EXCLUDE) if patterns is None else [n for n in MUST_EXCLUDE if not excluded(n, patterns)]
        if not missing:
            continue
        for stage, instruction in shipped(model, "COPY", "ADD"):
            if stage.file is not info or instruction.flag("from") is not None:
                continue
            for value, start, end in sources(instruction):
                if value in WHOLE_CONTEXT:
                    problem = ("there is no .dockerignore beside it" if patterns is None else
                               ".dockerignore does not exclude " + " or ".join(missing))
                    yield Hit(instruction.locate(start, end), stage.label, key(instruction, "context"),
                              {"problem": problem})
