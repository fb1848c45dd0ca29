"""The Dockerfile parser: instructions, flags, heredocs, and the physical position of every word."""

from __future__ import annotations

import re

import pytest

from scanner.parse.dockerfile import Instruction, parse
from scanner.parse.parsers import ParseError

TRICKY = """\
# syntax=docker/dockerfile:1.7
# check=skip=JSONArgsRecommended

ARG BASE=python:3.12-slim
from --platform=$BUILDPLATFORM ${BASE} as build
RUN apt-get update \\
    # a comment line inside the continuation, dropped by BuildKit
    && apt-get install -y --no-install-recommends \\

       gcc make \\
    && rm -rf /var/lib/apt/lists/*
RUN --mount=type=cache,target=/root/.cache \\
    --mount=type=secret,id=token <<EOF cat > /etc/motd && <<-'EOT' bash
hello from line 14
EOF
\tset -e
\techo line 17
\tEOT
COPY --chmod=755 --link <<EOF /usr/local/bin/run
#!/bin/sh
exec "$@"
EOF
CMD ["python", "-m", "app"]
ENTRYPOINT [not json
ONBUILD COPY --from=build /src /src
HEALTHCHECK --interval=30s CMD ["curl", "-f", "http://localhost/"]
"""


def _find(instruction: Instruction, pattern: str) -> tuple[int, int, int]:
    match = re.search(pattern, instruction.text)
    assert match, pattern
    loc = instruction.locate(match)
    return loc.line, loc.column, loc.end_column


@pytest.fixture(scope="module")
def tricky() -> list[Instruction]:
    return parse(TRICKY, "Dockerfile").instructions


def test_directives_and_keywords(tricky: list[Instruction]) -> None:
    tree = parse(TRICKY, "Dockerfile")
    assert tree.directives == {"syntax": "docker/dockerfile:1.7", "check": "skip=JSONArgsRecommended"}
    assert [i.keyword for i in tricky] == ["ARG", "FROM", "RUN", "RUN", "COPY", "CMD", "ENTRYPOINT",
                                           "ONBUILD", "HEALTHCHECK"]
    assert [(i.line, i.end_line) for i in tricky] == [(4, 4), (5, 5), (6, 11), (12, 18), (19, 22),
                                                      (23, 23), (24, 24), (25, 25), (26, 26)]


@pytest.mark.parametrize(("index", "pattern", "expected"), [
    (1, r"\$\{BASE\}", (5, 32, 39)),
    (2, r"gcc", (10, 8, 11)),
    (2, r"make", (10, 12, 16)),
    (2, r"rm -rf", (11, 8, 14)),
    (2, r"--no-install-recommends", (8, 27, 50)),
    (3, r"line 14", (14, 12, 19)),
    (3, r"echo", (17, 2, 6)),
    (3, r"id=token", (13, 25, 33)),
    (4, r"exec", (21, 1, 5)),
    (5, r"-m", (23, 17, 19)),
])
def test_word_positions(tricky: list[Instruction], index: int, pattern: str,
                        expected: tuple[int, int, int]) -> None:
    assert _find(tricky[index], pattern) == expected


def test_continuation_drops_comments_and_blank_lines(tricky: list[Instruction]) -> None:
    run = tricky[2]
    assert "comment" not in run.text
    assert run.args.split() == ["apt-get", "update", "&&", "apt-get", "install", "-y",
                                "--no-install-recommends", "gcc", "make", "&&", "rm", "-rf",
                                "/var/lib/apt/lists/*"]


def test_flags(tricky: list[Instruction]) -> None:
    from_, run, copy = tricky[1], tricky[3], tricky[4]
    assert [(f.name, f.value) for f in from_.flags] == [("platform", "$BUILDPLATFORM")]
    assert from_.args == "${BASE} as build"
    assert run.flag_values("mount") == ["type=cache,target=/root/.cache", "type=secret,id=token"]
    assert [(f.name, f.value) for f in copy.flags] == [("chmod", "755"), ("link", None)]


def test_heredocs(tricky: list[Instruction]) -> None:
    run, copy = tricky[3], tricky[4]
    assert [(h.name, h.strip_tabs, h.quoted) for h in run.heredocs] == [("EOF", False, False),
                                                                         ("EOT", True, True)]
    assert [run.heredoc_body(h) for h in run.heredocs] == ["hello from line 14", "set -e\necho line 17"]
    assert copy.heredoc_body(copy.heredocs[0]) == '#!/bin/sh\nexec "$@"'
    assert copy.args == "<<EOF /usr/local/bin/run"


def test_exec_form(tricky: list[Instruction]) -> None:
    cmd, entrypoint, healthcheck = tricky[5], tricky[6], tricky[8]
    assert cmd.exec_form == ["python", "-m", "app"]
    assert entrypoint.exec_form is None
    assert healthcheck.exec_form == ["curl", "-f", "http://localhost/"]
    assert healthcheck.flag("interval") is not None


def test_onbuild_trigger(tricky: list[Instruction]) -> None:
    trigger = tricky[7].trigger
    assert trigger is not None and trigger.keyword == "COPY"
    assert trigger.flag_values("from") == ["build"]
    assert trigger.args == "/src /src"


def test_backtick_escape() -> None:
    text = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN Write-Host `\n    C:\\path\\here\n"
    tree = parse(text, "Dockerfile")
    assert tree.escape == "`"
    run = tree.instructions[1]
    assert (run.line, run.end_line) == (3, 4)
    assert _find(run, r"C:\\path") == (4, 5, 12)


def test_directive_after_comment_is_a_comment() -> None:
    tree = parse("# hello\n# escape=`\nFROM alpine:3.19\nRUN echo \\\n  hi\n", "Dockerfile")
    assert tree.escape == "\\" and tree.directives == {}
    assert tree.instructions[1].end_line == 5


@pytest.mark.parametrize("run", [
    "RUN sed -i 's/a<<b/c/' /etc/x",
    "RUN echo $((1<<2))",
    "RUN cat <<< here-string",
    'RUN ["sh", "-c", "cat <<EOF"]',
])
def test_not_heredocs(run: str) -> None:
    tree = parse(f"FROM alpine\n{run}\nUSER app\n", "Dockerfile")
    assert tree.instructions[1].heredocs == [] and tree.instructions[2].line == 3


def test_empty_heredoc_and_crlf() -> None:
    tree = parse("FROM alpine\r\nRUN <<EOF\r\nEOF\r\nUSER app\r\n", "Dockerfile")
    run = tree.instructions[1]
    assert run.heredoc_body(run.heredocs[0]) == ""
    assert tree.instructions[2].line == 4 and tree.instructions[2].args == "app"


@pytest.mark.parametrize(("text", "line", "message"), [
    ("FROM alpine\nRUN <<EOF\necho never closed\n", 2, "never closed"),
    ("FROM alpine\nHello there\n", 2, "unknown instruction"),
    ("\x01\x02\x03 junk", 1, "unknown instruction"),
    ("# escape=x\nFROM alpine\n", 1, "escape"),
    ('{"not": "a dockerfile"}\n', 1, "unknown instruction"),
])
def test_bad_input(text: str, line: int, message: str) -> None:
    with pytest.raises(ParseError) as error:
        parse(text, "Dockerfile")
    assert error.value.line == line and message in error.value.message


def test_endless_continuation_is_one_instruction() -> None:
    tree = parse("RUN echo \\\n" * 50_000 + "\n", "Dockerfile")
    assert len(tree.instructions) == 1
    assert tree.instructions[0].locate(len(tree.instructions[0].text) - 1).line == 50_000


def test_empty_and_comment_only_files() -> None:
    assert parse("", "Dockerfile").instructions == []
    assert parse("# just a comment\n\n", "Dockerfile").instructions == []
