"""`COPY . .` sends the whole build context into the image; `.dockerignore` decides what that is.

The context is taken to be the Dockerfile's folder (where `docker build .` is usually run), and
BuildKit's per-Dockerfile ignore file (`<name>.dockerignore`) wins over `.dockerignore`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.checks.dockerfile.common import key
from scanner.checks.dockerfile.fetch import sources
from scanner.model.dockerfile import DockerfileInfo, DockerfileModel, Stage
from scanner.parse.dockerfile import Instruction
from scanner.results.findings import Hit

WHOLE_CONTEXT = frozenset({".", "./", "*", "./*", "/", "/."})
MUST_EXCLUDE = (".git", ".env")


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
        if info.fs_path is None or info.dockerignore_refused is not None:
            continue  # read from standard input, or an ignore file not read: the context is unknown
        patterns = info.dockerignore
        missing = list(MUST_EXCLUDE) if patterns is None else [n for n in MUST_EXCLUDE if not excluded(n, patterns)]
        if not missing:
            continue
        problem = ("there is no .dockerignore beside it" if patterns is None else
                   ".dockerignore does not exclude " + " or ".join(missing))
        for stage, instruction in _context_copies(info):
            for value, start, end in sources(instruction):
                if value in WHOLE_CONTEXT:
                    yield Hit(instruction.locate(start, end), stage.label, key(instruction, "context"),
                              {"problem": problem})


def _context_copies(info: DockerfileInfo) -> Iterator[tuple[Stage, Instruction]]:
    """COPY/ADD from the build context (not `--from`) in the stages that ship."""
    for stage in info.stages:
        if stage.in_final_image:
            for instruction in stage.of("COPY", "ADD"):
                if instruction.flag("from") is None:
                    yield stage, instruction
