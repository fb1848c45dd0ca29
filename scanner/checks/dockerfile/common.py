"""Small helpers every Dockerfile check uses: which instructions ship, stable keys, word hits."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

from scanner.model.dockerfile import DockerfileModel, Stage
from scanner.parse.dockerfile import Instruction
from scanner.parse.shell import Word
from scanner.results.findings import Hit, hit_at


def shipped(model: DockerfileModel, *keywords: str) -> Iterator[tuple[Stage, Instruction]]:
    """Instructions of every stage that ends up in the final image (the last stage and the stages
    it is built `FROM`); build-only stages are left out."""
    for stage in model.stages():
        if stage.in_final_image:
            for instruction in stage.of(*keywords):
                yield stage, instruction


def every(model: DockerfileModel, *keywords: str) -> Iterator[tuple[Stage, Instruction]]:
    for stage in model.stages():
        for instruction in stage.of(*keywords):
            yield stage, instruction


def inherited(model: DockerfileModel, test: Callable[[Stage], bool]) -> set[int]:
    """Ids of the stages for which `test` holds in the stage itself or a stage it is built from.
    Parents come before children in a file, so one pass in order is enough."""
    found: set[int] = set()
    for stage in model.stages():
        if test(stage) or (stage.parent is not None and id(stage.parent) in found):
            found.add(id(stage))
    return found


def key(instruction: Instruction, detail: str) -> str:
    """A fingerprint key from the instruction's content, so it survives edits elsewhere in the file
    and still tells two offending RUNs of one stage apart."""
    digest = hashlib.sha256(" ".join(instruction.text.split()).encode()).hexdigest()[:12]
    return f"{instruction.keyword}:{digest}:{detail}"


def word_hit(stage: Stage, instruction: Instruction, word: Word, detail: str, **args: str) -> Hit:
    return hit_at(instruction.locate(word.start, word.end), stage.label,
                  key(instruction, detail), **args)
