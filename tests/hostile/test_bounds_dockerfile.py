"""Dockerfiles that cost what they weigh: nested `ARG` expansion is capped (past the cap the value
is unknown), and a `.dockerignore` that is not a small regular file inside the root is not read.

DKR044 judges what the `.dockerignore` excludes; an ignore file that exists but was not read is
unknown, not absent, so DKR044 stays silent and the file is an error line instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from attacks import write_tree
from bounds_run import scan

COPY_ALL = "FROM alpine:3.19\nUSER 1000\nCOPY . .\n"


def nested_args(levels: int = 20, fan_out: int = 8) -> str:
    """`ARG A=xxxxxxxx`, then each ARG repeats the one before `fan_out` times: 8**20 characters."""
    lines = ["FROM alpine:3.19", "ARG V0=xxxxxxxx"]
    lines += [f"ARG V{level}=" + f"$V{level - 1}" * fan_out for level in range(1, levels)]
    return "\n".join(lines + [f"RUN echo $V{levels - 1}", "USER root", ""])


def test_nested_arg_expansion_is_capped_and_the_file_still_judged(tmp_path: Path) -> None:
    write_tree(tmp_path, {"Dockerfile": nested_args()})
    result = scan(tmp_path)
    assert result.errors == {}
    assert ("DKR001", "Dockerfile") in result.rules  # judged: `USER root` is still seen
    assert result.names("Dockerfile")


def test_expansion_of_a_short_variable_is_still_known(tmp_path: Path) -> None:
    write_tree(tmp_path, {"Dockerfile": "ARG BASE=alpine:latest\nARG IMAGE=$BASE\nFROM $IMAGE\nUSER 1000\n"})
    assert ("DKR002", "Dockerfile") in scan(tmp_path).rules  # `:latest`, known through two ARGs


def _refused(tmp_path: Path, make_ignore_file: object, *args: str) -> None:
    write_tree(tmp_path, {"Dockerfile": COPY_ALL})
    make_ignore_file(tmp_path / ".dockerignore")  # type: ignore[operator]
    result = scan(tmp_path, *args)
    assert ".dockerignore" in result.errors, result.errors
    assert "unknown" in result.errors[".dockerignore"]
    assert not any(rule == "DKR044" for rule, _ in result.rules)
    assert result.process.returncode == 1
    assert result.names(".dockerignore")


def test_dockerignore_linked_to_dev_zero_is_not_read(tmp_path: Path) -> None:
    _refused(tmp_path, lambda path: path.symlink_to("/dev/zero"))


def test_dockerignore_that_is_a_pipe_is_not_read(tmp_path: Path) -> None:
    _refused(tmp_path, os.mkfifo)  # opening a FIFO for reading would wait for a writer forever


def test_dockerignore_outside_the_root_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.write_text("*\n", encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    _refused(project, lambda path: path.symlink_to(outside))


def test_dockerignore_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    _refused(tmp_path, lambda path: path.write_text(".git\n.env\n" + "#\n" * 2000, encoding="utf-8"),
             "--max-file-size", "1000")


@pytest.mark.parametrize(("ignore", "reported"), [(".git\n.env\n", False), (None, True), ("node_modules\n", True)])
def test_a_readable_dockerignore_is_still_judged(tmp_path: Path, ignore: str | None, reported: bool) -> None:
    write_tree(tmp_path, {"Dockerfile": COPY_ALL, **({".dockerignore": ignore} if ignore is not None else {})})
    result = scan(tmp_path)
    assert result.errors == {}
    assert (("DKR044", "Dockerfile") in result.rules) is reported
