"""File modes set in the shipped image: world-writable files and setuid binaries.

Modes come from `chmod` in a RUN and from `COPY/ADD --chmod`. A world-writable mode with the
sticky bit (`chmod 1777 /tmp`) is the normal shape of a shared temporary directory and is left
alone; setgid alone (`g+s` on a shared directory) is too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from scanner.catalog.rules import RuleContext
from scanner.checks.dockerfile.common import key, shipped
from scanner.model.dockerfile import DockerfileModel, Stage
from scanner.nodes import Location
from scanner.parse.dockerfile import Instruction
from scanner.parse.shell import commands
from scanner.results.findings import Hit

_OCTAL = re.compile(r"^[0-7]{3,4}$")
_SYMBOLIC = re.compile(r"^[ugoa]*[-+=][rwxXst]*(?:,[ugoa]*[-+=][rwxXst]*)*$")


@dataclass(frozen=True)
class Mode:
    value: str
    loc: Location
    stage: Stage
    instruction: Instruction


def world_writable(mode: str) -> bool:
    if _OCTAL.match(mode):
        bits = int(mode, 8)
        return bool(bits & 0o002) and not bits & 0o1000
    if not _SYMBOLIC.match(mode) or "t" in mode:
        return False
    for clause in mode.split(","):
        who, op, perms = re.match(r"([ugoa]*)([-+=])(.*)", clause).groups()  # type: ignore[union-attr]
        if op in "+=" and "w" in perms and (not who or "a" in who or "o" in who):
            return True
    return False


def setuid(mode: str) -> bool:
    if _OCTAL.match(mode):
        return len(mode) == 4 and bool(int(mode, 8) & 0o4000)
    if not _SYMBOLIC.match(mode):
        return False
    return any(op in "+=" and "s" in perms and (not who or "u" in who or "a" in who)
               for who, op, perms in re.findall(r"([ugoa]*)([-+=])([rwxXst]*)", mode))


def modes(model: DockerfileModel) -> Iterator[Mode]:
    for stage, instruction in shipped(model, "RUN", "COPY", "ADD"):
        if instruction.keyword != "RUN":
            flag = instruction.flag("chmod")
            if flag and flag.value:
                loc = instruction.locate(flag.start + len("--chmod="), flag.end)
                yield Mode(flag.value, loc, stage, instruction)
            continue
        for command in commands(instruction):
            if command.name != "chmod":
                continue
            operands = [w for w in command.argv[1:] if not w.value.startswith("-") or _SYMBOLIC.match(w.value)]
            if operands:
                word = operands[0]
                yield Mode(word.value, instruction.locate(word.start, word.end), stage, instruction)


def world_writable_mode(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for mode in modes(model):
        if world_writable(mode.value):
            yield Hit(mode.loc, mode.stage.label, key(mode.instruction, f"chmod:{mode.value}"), {"mode": mode.value})


def setuid_mode(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for mode in modes(model):
        if setuid(mode.value):
            yield Hit(mode.loc, mode.stage.label, key(mode.instruction, f"setuid:{mode.value}"), {"mode": mode.value})
