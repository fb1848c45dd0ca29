"""The commands a `RUN` executes, split into words that remember where they were written.

This is a small shell reader, not a shell: it splits on `&&`, `||`, `;`, `|`, newlines and
parentheses, removes quotes, drops redirection targets, skips comments, and treats a heredoc body
as commands only when the shell runs it (`RUN <<EOF`, `RUN bash <<EOF`). That is enough to tell
`apt-get install gcc` from `echo apt-get install gcc`, and to report the word's own line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from scanner.parse.dockerfile import Instruction

SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "busybox"})
WRAPPERS = frozenset({"sudo", "env", "time", "nohup", "exec", "command", "nice", "stdbuf", "doas"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")


@dataclass(frozen=True)
class Word:
    value: str
    start: int
    end: int


@dataclass
class Command:
    """One simple command: `words` as written, `op` the operator that ends it (`|`, `&&`, ...)."""

    words: list[Word] = field(default_factory=list)
    op: str = ""

    @property
    def argv(self) -> list[Word]:
        """Words after leading `VAR=value` assignments and wrappers such as `sudo` or `env`."""
        words = self.words
        index = 0
        while index < len(words):
            value = words[index].value
            if _ASSIGNMENT.match(value):
                index += 1
            elif value.rsplit("/", 1)[-1] in WRAPPERS:
                index += 1
                while index < len(words) and words[index].value.startswith("-"):
                    index += 1
            else:
                break
        return words[index:]

    @property
    def name(self) -> str:
        argv = self.argv
        return argv[0].value.rsplit("/", 1)[-1] if argv else ""


def commands(instruction: Instruction) -> list[Command]:
    """The shell commands of a RUN (shell form, exec form with `sh -c`, heredoc scripts).

    A dozen rules read the same RUN; splitting it is the costliest step of a Dockerfile scan, so
    the result is kept on the instruction for the rest of the scan."""
    cached = instruction.__dict__.get("_shell_commands")
    if cached is None:
        cached = instruction.__dict__["_shell_commands"] = _commands(instruction)
    return list(cached)


def _commands(instruction: Instruction) -> list[Command]:
    if instruction.exec_form is not None:
        return _exec_commands(instruction)
    text = instruction.text
    found = _split(text, instruction.args_start, instruction.args_end)
    line_words = [w for c in found for w in c.words]
    runs_script = not line_words or (line_words[0].value.rsplit("/", 1)[-1] in SHELLS)
    for heredoc in instruction.heredocs:
        body = instruction.heredoc_body(heredoc)
        shebang = body.split("\n", 1)[0]
        if runs_script and (not shebang.startswith("#!") or shebang.rsplit("/", 1)[-1].split()[-1] in SHELLS):
            found.extend(_split(text, heredoc.start, heredoc.end))
    return [c for c in found if c.words]


def _exec_commands(instruction: Instruction) -> list[Command]:
    argv = instruction.exec_form or []
    text, position, words = instruction.text, instruction.args_start, []
    for item in argv:
        encoded = json.dumps(item)[1:-1]
        start = text.find(encoded, position)
        start = start if start >= 0 else position
        words.append(Word(item, start, start + len(encoded)))
        position = start + len(encoded)
    if len(argv) >= 3 and argv[0].rsplit("/", 1)[-1] in SHELLS and argv[1].startswith("-") and "c" in argv[1]:
        script = words[2]
        if text[script.start:script.end] == argv[2]:
            return [c for c in _split(text, script.start, script.end) if c.words]
    return [Command(words)]


def _split(text: str, start: int, end: int) -> list[Command]:
    """Commands in `text[start:end]`, each word with offsets into `text`."""
    result = [Command()]
    chars: list[str] = []
    word_start = -1
    quote = ""
    skip_next = False
    index = start

    def finish_word(at: int) -> None:
        nonlocal chars, word_start, skip_next
        if word_start >= 0:
            if not skip_next:
                result[-1].words.append(Word("".join(chars), word_start, at))
            skip_next = False
        chars, word_start = [], -1

    def finish_command(op: str) -> None:
        finish_word(index)
        result[-1].op = op
        result.append(Command())

    while index < end:
        char = text[index]
        if quote:
            if char == quote:
                quote = ""
            elif char == "\\" and quote == '"' and index + 1 < end and text[index + 1] in '"\\$`':
                index += 1
                chars.append(text[index])
            else:
                chars.append(char)
        elif char in "\"'":
            quote = char
            word_start = index if word_start < 0 else word_start
        elif char == "\\" and index + 1 < end:
            index += 1
            if text[index] != "\n":
                word_start = index - 1 if word_start < 0 else word_start
                chars.append(text[index])
        elif char == "#" and word_start < 0:
            newline = text.find("\n", index, end)
            index = end if newline < 0 else newline
            continue
        elif char in " \t\r":
            finish_word(index)
        elif char in "\n;()`":
            finish_command(";")
        elif char in "&|":
            double = text[index:index + 2] in ("&&", "||")
            finish_command(text[index:index + 2] if double else char)
            index += 1 if double else 0
        elif char in "<>":
            if word_start >= 0 and chars and all(c.isdigit() for c in chars):
                chars, word_start = [], -1
            finish_word(index)
            while index + 1 < end and text[index + 1] in "<>&-":
                index += 1
            skip_next = True
        else:
            word_start = index if word_start < 0 else word_start
            chars.append(char)
        index += 1
    finish_word(end)
    return result


def options_and_operands(argv: list[Word], takes_value: frozenset[str] = frozenset()) -> tuple[list[Word], list[Word]]:
    """Split argv (after the subcommand) into options and operands; `takes_value` options eat the
    next word (`-o Dpkg::Options=...`, `--virtual .build-deps`)."""
    options: list[Word] = []
    operands: list[Word] = []
    index = 0
    while index < len(argv):
        word = argv[index]
        if word.value.startswith("-") and len(word.value) > 1:
            options.append(word)
            if word.value in takes_value and "=" not in word.value:
                index += 1
        else:
            operands.append(word)
        index += 1
    return options, operands
