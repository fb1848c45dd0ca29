"""The terminal report: grouping, source excerpts, colour only on request, never a secret."""

from __future__ import annotations

import re
from dataclasses import replace

from reporting import finding, full_result, options, write_sources

from scanner.report.formats import render
from scanner.results.result import ScanResult

ANSI = re.compile(r"\x1b\[")


def test_groups_by_file_with_source_line_and_underline(tmp_path):
    text = render("text", full_result(), options(write_sources(tmp_path)))
    lines = text.splitlines()
    assert lines[0] == "Dockerfile"
    assert lines[1] == '  2:1  high      DKR901 root-user  stage "python:3.12" runs as root'
    assert lines[2] == "    2 | USER root"
    assert lines[3] == "      | ^^^^^^^^^"
    start = lines.index("k8s/pod.yaml")
    assert lines[start + 2] == "    10 |         privileged: true"
    assert lines[start + 3] == "       |         " + "^" * 16


def test_no_colour_unless_asked(tmp_path):
    root = write_sources(tmp_path)
    assert not ANSI.search(render("text", full_result(), options(root, color=False)))
    assert ANSI.search(render("text", full_result(), options(root, color=True)))


def test_errors_and_summary(tmp_path):
    text = render("text", full_result(), options(tmp_path))
    assert "  broken.yaml:4: mapping values are not allowed here" in text
    assert "  big.tf: skipped: too large" in text
    assert text.rstrip().splitlines()[-1] == (
        "2 findings (1 critical, 1 high) in 3 files scanned, 2 errors, "
        "1 suppressed (--show-suppressed lists them).")


def test_suppressed_listed_with_reason_on_request(tmp_path):
    hidden = render("text", full_result(), options(tmp_path))
    listed = render("text", full_result(), options(tmp_path, show_suppressed=True))
    assert "legacy image" not in hidden
    assert "[inline: legacy image, tracked in #12]" in listed


def test_unreadable_source_is_skipped(tmp_path):
    text = render("text", full_result(), options(tmp_path / "missing"))
    assert " | " not in text
    assert '  10:9  critical  CTR902 privileged-container  Pod/web' in text


def test_empty_scan(tmp_path):
    assert render("text", ScanResult(files=4), options(tmp_path)) == "No findings in 4 files scanned.\n"


def test_secret_lines_are_never_echoed(tmp_path):
    (tmp_path / "app.env").write_text("TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789\n")
    secret = finding("DKR901", "app.env", 1, 7, 47, "key TOKEN")
    secret = replace(secret, checklist=("secrets.hardcoded",))
    text = render("text", ScanResult(findings=[secret], files=1), options(tmp_path))
    assert "ghp_" not in text


def test_control_characters_from_files_are_neutralised(tmp_path):
    (tmp_path / "Dockerfile").write_text("USER \x1b[31mroot\n")
    hit = finding("DKR901", "Dockerfile", 1, 1, 5, 'stage "\x1b]0;x\x07"')
    text = render("text", ScanResult(findings=[hit], files=1), options(tmp_path))
    assert "\x1b" not in text and "\x07" not in text


def test_findings_at_the_same_span_share_one_excerpt(tmp_path):
    write_sources(tmp_path)
    first = finding("DKR901", "Dockerfile", 2, 1, 10, "stage a")
    second = finding("CTR902", "Dockerfile", 2, 1, 10, "stage b")
    text = render("text", ScanResult(findings=[first, second], files=1), options(tmp_path))
    assert text.count("USER root") == 1
    lines = text.splitlines()
    assert lines[1].startswith("  2:1  critical") and lines[2].startswith("  2:1  high")


def test_sources_outside_the_root_are_not_read(tmp_path):
    (tmp_path / "outside").write_text("USER root\n")
    (tmp_path / "root").mkdir()
    hit = finding("DKR901", "../outside", 1, 1, 5, "stage")
    text = render("text", ScanResult(findings=[hit], files=1), options(tmp_path / "root"))
    assert "USER root" not in text
