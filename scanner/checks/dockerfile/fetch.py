"""Fetching code at build time: scripts piped into a shell, and `ADD` where it is not needed or
not verified. These apply to every stage: what a builder runs decides what ships."""

from __future__ import annotations

import re
from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.checks.dockerfile.common import every, key, word_hit
from scanner.model.dockerfile import DockerfileModel
from scanner.model.dockerfile_vars import words
from scanner.parse.dockerfile import Instruction
from scanner.parse.shell import SHELLS, commands
from scanner.results.findings import Hit

FETCHERS = frozenset({"curl", "wget", "fetch"})
INTERPRETERS = SHELLS | {"python", "python3", "perl", "ruby", "node", "php"}
_SUBSTITUTED = re.compile(r"\b(?:ba|da|z|k)?sh\s+(?:-\w+\s+)*(?:-c\s+)?[\"']?(?:\$\(|<\(|`)\s*(curl|wget)\b")
ARCHIVE = re.compile(r"\.(?:tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|tzst|gz|bz2|xz)$", re.IGNORECASE)
REMOTE = re.compile(r"^(?:https?|ftp)://", re.IGNORECASE)
GIT = re.compile(r"^(?:git@|git://|ssh://|https?://\S+\.git(?:#\S*)?$)", re.IGNORECASE)


def pipe_to_shell(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for stage, instruction in every(model, "RUN"):
        found = commands(instruction)
        for first, second in zip(found, found[1:]):
            if first.op == "|" and first.name in FETCHERS and second.name in INTERPRETERS:
                word = first.argv[0]
                yield word_hit(stage, instruction, word, f"pipe:{second.name}", shell=second.name,
                               fetcher=first.name)
        for match in _SUBSTITUTED.finditer(instruction.text):
            yield Hit(instruction.locate(match.start(1), match.end(1)), stage.label,
                      key(instruction, "substituted"), {"shell": "sh", "fetcher": match.group(1)})


def sources(instruction: Instruction) -> list[tuple[str, int, int]]:
    """COPY/ADD sources with their offsets in `text` (the destination and heredocs left out)."""
    if instruction.exec_form is not None:
        items, position, found = instruction.exec_form[:-1], instruction.args_start, []
        for item in items:
            start = instruction.text.find(item, position)
            start = start if start >= 0 else position
            found.append((item, start, start + len(item)))
            position = start + len(item)
        return found
    parts = words(instruction.args)[:-1]
    return [(value, instruction.args_start + start, instruction.args_start + end)
            for value, start, end in parts if not value.startswith("<<")]


def add_instead_of_copy(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    """ADD of local files that are not archives: COPY does the same without ADD's surprises."""
    for stage, instruction in every(model, "ADD"):
        found = sources(instruction)
        if not found or instruction.heredocs:
            continue
        if any(REMOTE.match(v) or GIT.match(v) or ARCHIVE.search(v) or "$" in v for v, _, _ in found):
            continue
        yield Hit(instruction.loc, stage.label, key(instruction, "add"), {})


def add_remote_unverified(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for stage, instruction in every(model, "ADD"):
        if instruction.flag("checksum") is not None:
            continue
        for value, start, end in sources(instruction):
            if REMOTE.match(value) and not GIT.match(value):
                yield Hit(instruction.locate(start, end), stage.label, key(instruction, value), {})
