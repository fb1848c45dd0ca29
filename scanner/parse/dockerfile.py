"""Dockerfile parser that keeps every character's physical position.

A rule must be able to point at the offending word on its own line inside a twenty-line `RUN`, so
an instruction is kept as one logical string (`text`, continuation escapes and comment lines
removed, heredoc bodies appended after a newline) plus a table mapping each piece of that string
back to its physical line and column. BuildKit syntax is understood: parser directives, the
backtick escape, heredocs (several per instruction, `<<-`, quoted delimiters), exec (JSON) form and
`--flag=value` options. The parser knows nothing about security.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import dataclass, field

from scanner.nodes import Location
from scanner.parse.parsers import ParseError

INSTRUCTIONS = frozenset({
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
    "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
})
HEREDOC_INSTRUCTIONS = frozenset({"RUN", "COPY", "ADD"})
FLAG_INSTRUCTIONS = frozenset({"FROM", "RUN", "COPY", "ADD", "HEALTHCHECK"})

_DIRECTIVE = re.compile(r"^#\s*([A-Za-z][\w-]*)\s*=\s*(.*?)\s*$")
# A heredoc opener is a word of its own, as BuildKit splits words: `cat <<EOF`, `<<-"EOT"`, `2<<X`;
# `sed 's/a<<b/'` and `$((1<<2))` are not.
_HEREDOC = re.compile(r"(?<!\S)\d*<<(-?)([\"']?)([A-Za-z_][\w.-]*)\2(?!\S)")
_KEYWORD = re.compile(r"\s*(\S+)")
_FLAG = re.compile(r"--([A-Za-z][\w-]*)(?:=(\S*))?")


@dataclass(frozen=True)
class Flag:
    """`--name=value` before an instruction's arguments; `value` is None for a bare `--link`."""

    name: str
    value: str | None
    start: int
    end: int


@dataclass(frozen=True)
class Heredoc:
    """One heredoc body; `start`/`end` are offsets of the body inside `Instruction.text`."""

    name: str
    start: int
    end: int
    strip_tabs: bool
    quoted: bool


@dataclass(eq=False)
class Instruction:
    """One instruction. `text` starts at the keyword; offsets into it are mapped back to physical
    positions by `locate`, so rules search `text` (or `args`) and report exactly where a word is."""

    keyword: str
    text: str
    path: str
    segments: list[tuple[int, int, int]]
    args_start: int
    args_end: int
    line: int
    end_line: int
    flags: list[Flag] = field(default_factory=list)
    heredocs: list[Heredoc] = field(default_factory=list)
    exec_form: list[str] | None = None
    trigger: Instruction | None = None

    @property
    def args(self) -> str:
        """The arguments after keyword and flags, on the logical line (heredoc bodies excluded)."""
        return self.text[self.args_start:self.args_end]

    def flag(self, name: str) -> Flag | None:
        return next((f for f in self.flags if f.name == name), None)

    def flag_values(self, name: str) -> list[str]:
        return [f.value or "" for f in self.flags if f.name == name]

    def heredoc_body(self, heredoc: Heredoc) -> str:
        return self.text[heredoc.start:heredoc.end]

    def position(self, offset: int) -> tuple[int, int]:
        """Physical (line, column) of a character of `text`."""
        offset = max(0, min(offset, len(self.text)))
        index = max(bisect_right(self.segments, offset, key=lambda segment: segment[0]) - 1, 0)
        seg_offset, line, column = self.segments[index]
        return line, column + offset - seg_offset

    def locate(self, start: int | re.Match[str] | None = None, end: int | None = None) -> Location:
        """Where `text[start:end]` (or a regex match over `text`) was written; the keyword if None."""
        if isinstance(start, re.Match):
            first, end = start.start(), start.end()
        elif start is None:
            first, end = 0, len(self.keyword)
        else:
            first = start
        end = first + 1 if end is None or end <= first else end
        line, column = self.position(first)
        end_line, end_column = self.position(end - 1)
        return Location(self.path, line, column, end_line, end_column + 1)

    @property
    def loc(self) -> Location:
        return self.locate()


@dataclass
class Dockerfile:
    path: str
    instructions: list[Instruction]
    directives: dict[str, str]
    escape: str = "\\"


def parse(text: str, path: str) -> Dockerfile:
    """Instructions with positions; raises ParseError (with a line) for input Docker rejects."""
    lines = [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]
    directives, index = _directives(lines)
    escape = directives.get("escape", "\\")
    if escape not in ("\\", "`"):
        raise ParseError(f"invalid escape directive {escape!r}: must be \\ or `", 1)
    continuation = re.compile(re.escape(escape) + r"[ \t]*$")
    instructions: list[Instruction] = []
    while index < len(lines):
        stripped = lines[index].strip()
        if not stripped or stripped.startswith("#"):
            index += 1
            continue
        instruction, index = _read_instruction(lines, index, continuation, path)
        instructions.append(instruction)
    return Dockerfile(path, instructions, directives, escape)


def _directives(lines: list[str]) -> tuple[dict[str, str], int]:
    """Parser directives: `# name=value` lines before anything else (blank lines end them)."""
    found: dict[str, str] = {}
    for index, line in enumerate(lines):
        match = _DIRECTIVE.match(line.lstrip())
        if not match or match.group(1).lower() in found:
            return found, index
        found[match.group(1).lower()] = match.group(2)
    return found, len(lines)


def _read_instruction(lines: list[str], index: int, continuation: re.Pattern[str],
                      path: str) -> tuple[Instruction, int]:
    first = index
    pieces: list[str] = []
    segments: list[tuple[int, int, int]] = []
    size = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        stripped = line.strip()
        if pieces and (not stripped or stripped.startswith("#")):
            continue  # BuildKit drops comment and empty lines inside a continuation
        cont = continuation.search(line)
        body = line[:cont.start()] if cont else line
        lead = len(body) - len(body.lstrip()) if not pieces else 0
        segments.append((size, index, lead + 1))
        pieces.append(body[lead:])
        size += len(body) - lead
        if not cont:
            break
    logical = "".join(pieces)
    instruction = _build(logical, segments, path, first + 1, index)
    if instruction.keyword in HEREDOC_INSTRUCTIONS and instruction.exec_form is None:
        index = _read_heredocs(instruction, lines, index)
    return instruction, index


def _build(text: str, segments: list[tuple[int, int, int]], path: str, line: int,
           end_line: int, start: int = 0) -> Instruction:
    match = _KEYWORD.match(text, start)
    word = match.group(1) if match else ""
    keyword = word.upper()
    if keyword not in INSTRUCTIONS:
        # Only a short word is quoted: a long one may be a credential left on a line of its own
        # (a missing `\`), and errors are printed.
        if 0 < len(word) <= 12 and word.isprintable():
            raise ParseError(f"unknown instruction {word!r}: not a Dockerfile instruction", line)
        raise ParseError("unknown instruction: this line does not start with a Dockerfile keyword", line)
    offset = match.end() if match else len(text)
    instruction = Instruction(keyword, text, path, segments, offset, len(text), line, end_line)
    flags_from = offset
    while keyword in FLAG_INSTRUCTIONS:
        flag = _FLAG.match(text, _skip_space(text, flags_from))
        if not flag or (flag.end() < len(text) and not text[flag.end()].isspace()):
            break
        instruction.flags.append(Flag(flag.group(1).lower(), flag.group(2), flag.start(), flag.end()))
        flags_from = flag.end()
    instruction.args_start = _skip_space(text, flags_from)
    if keyword == "ONBUILD":
        trigger = _KEYWORD.match(text, instruction.args_start)
        if trigger and trigger.group(1).upper() in ("ONBUILD", "FROM", "MAINTAINER"):
            raise ParseError(f"ONBUILD {trigger.group(1).upper()} is not allowed", line)
        instruction.trigger = _build(text, segments, path, line, end_line, instruction.args_start)
    elif keyword in ("RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME", "HEALTHCHECK"):
        instruction.exec_form = _exec_form(instruction.args, keyword)
    return instruction


def _skip_space(text: str, offset: int) -> int:
    while offset < len(text) and text[offset].isspace():
        offset += 1
    return offset


def _exec_form(args: str, keyword: str) -> list[str] | None:
    """The JSON array form; anything that is not a JSON list of strings is shell form, as in Docker."""
    if keyword == "HEALTHCHECK":
        cmd = re.match(r"\s*CMD\s+", args, re.IGNORECASE)
        if not cmd:
            return None
        args = args[cmd.end():]
    candidate = args.strip()
    if not candidate.startswith("["):
        return None
    try:
        value = json.loads(candidate)
    except (ValueError, RecursionError):  # nested too deep to be a list of strings
        return None
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None


def _read_heredocs(instruction: Instruction, lines: list[str], index: int) -> int:
    """Append each heredoc's body (the physical lines after the instruction) to `text`."""
    for match in _HEREDOC.finditer(instruction.text, instruction.args_start):
        strip_tabs, quoted, name = match.group(1) == "-", bool(match.group(2)), match.group(3)
        opened = index
        body: list[str] = []
        size = len(instruction.text) + 1
        body_start = size
        while True:
            if index >= len(lines):
                raise ParseError(f"heredoc <<{name} is never closed", opened)
            line = lines[index]
            index += 1
            lead = len(line) - len(line.lstrip("\t")) if strip_tabs else 0
            if line[lead:] == name:
                break
            instruction.segments.append((size, index, lead + 1))
            body.append(line[lead:])
            size += len(line) - lead + 1
        if not body:
            instruction.segments.append((size, index, 1))
        instruction.text = instruction.text + "\n" + "\n".join(body)
        instruction.heredocs.append(Heredoc(name, body_start, len(instruction.text), strip_tabs, quoted))
        instruction.end_line = index
    return index
