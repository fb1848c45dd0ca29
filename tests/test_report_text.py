"""The terminal report: grouping, source excerpts, colour only on request, never a secret."""

from __future__ import annotations

import re
from dataclasses import replace

from reporting import finding, full_result, options, write_sources

from scanner.report.formats import render
from scanner.results.result import ScanResult

ANSI = re.compile(r"\x1b\[")


def test_each_finding_line_starts_with_its_location_and_shows_its_source_line(tmp_path):
    text = render("text", full_result(), options(write_sources(tmp_path)))
    lines = text.splitlines()
    assert lines[0] == 'Dockerfile:2:1: high     DKR901 stage "python:3.12" runs as root'
    assert lines[1] == "    2 | USER root"
    assert lines[2] == "      | ^^^^^^^^^"
    start = lines.index('k8s/pod.yaml:10:9: critical CTR902 Pod/web container "app" runs privileged')
    assert lines[start + 1] == "    10 |         privileged: true"
    assert lines[start + 2] == "       |         " + "^" * 16


def test_no_colour_unless_asked(tmp_path):
    root = write_sources(tmp_path)
    assert not ANSI.search(render("text", full_result(), options(root, color=False)))
    assert ANSI.search(render("text", full_result(), options(root, color=True)))


def test_errors_and_summary(tmp_path):
    text = render("text", full_result(), options(tmp_path))
    assert "broken.yaml:4: mapping values are not allowed here" in text.splitlines()
    assert "big.tf: skipped: too large" in text.splitlines()
    assert "2 findings (1 critical, 1 high) in 3 files scanned, 2 errors, " \
           "1 suppressed (--show-suppressed lists them)." in text.splitlines()


def test_suppressed_listed_with_reason_on_request(tmp_path):
    hidden = render("text", full_result(), options(tmp_path))
    listed = render("text", full_result(), options(tmp_path, show_suppressed=True))
    assert "legacy image" not in hidden
    assert "[inline: legacy image, tracked in #12]" in listed


def test_unreadable_source_is_skipped(tmp_path):
    text = render("text", full_result(), options(tmp_path / "missing"))
    assert " | " not in text
    assert 'k8s/pod.yaml:10:9: critical CTR902 Pod/web container "app" runs privileged\n\n' in text


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
    assert lines[0].startswith("Dockerfile:2:1: critical") and lines[1].startswith("Dockerfile:2:1: high")


def test_sources_outside_the_root_are_not_read(tmp_path):
    (tmp_path / "outside").write_text("USER root\n")
    (tmp_path / "root").mkdir()
    hit = finding("DKR901", "../outside", 1, 1, 5, "stage")
    text = render("text", ScanResult(findings=[hit], files=1), options(tmp_path / "root"))
    assert "USER root" not in text


def test_within_a_file_findings_come_worst_first_then_by_line(tmp_path):
    hits = [finding("DKR901", "Dockerfile", 1, 1, 5, "a", severity="low"),
            finding("DKR901", "Dockerfile", 3, 1, 5, "b", severity="critical"),
            finding("DKR901", "Dockerfile", 2, 1, 5, "c", severity="critical")]
    text = render("text", ScanResult(findings=hits, files=1), options(tmp_path))
    order = [line.split(" runs")[0].rsplit(" ", 1)[1] for line in text.splitlines() if line.startswith("Dockerfile:")]
    assert order == ['c', 'b', 'a']


LONG = ('Pod/web container "app" is given every capability of the host kernel and all of its devices, '
        'so a breakout is one step away')


def test_messages_wrap_at_the_width_at_word_boundaries(tmp_path):
    hit = finding("CTR902", "k8s/pod.yaml", 10, 9, 25, LONG)
    lines = render("text", ScanResult(findings=[hit], files=1), options(tmp_path, width=60)).splitlines()
    message = [line for line in lines[:lines.index("")]]
    assert len(message) > 1 and all(len(line) <= 60 for line in message)
    assert " ".join(part.strip() for part in message).endswith(LONG + " runs privileged")
    # continuation lines start under the message, so the location stays alone in its column
    assert all(line.startswith(" " * 4) for line in message[1:])


def test_without_a_width_each_finding_is_one_line(tmp_path):
    hit = finding("CTR902", "k8s/pod.yaml", 10, 9, 25, LONG)
    lines = render("text", ScanResult(findings=[hit], files=1), options(tmp_path)).splitlines()
    assert lines[0] == f"k8s/pod.yaml:10:9: critical CTR902 {LONG} runs privileged"


def test_a_qualifier_every_finding_of_a_file_repeats_is_said_once(tmp_path):
    hits = [replace(finding("CTR902", "chart/values.yaml", line, 1, 5, f"Deployment/{name}"),
                    message=f"Deployment/{name} runs privileged [chart shop, default values]")
            for line, name in ((1, "a"), (2, "b"))]
    text = render("text", ScanResult(findings=hits, files=1), options(tmp_path))
    assert text.count("chart shop, default values") == 1
    assert "  note: chart shop, default values (every finding above)" in text.splitlines()
    alone = render("text", ScanResult(findings=hits[:1], files=1), options(tmp_path))
    assert "runs privileged [chart shop, default values]" in alone


def test_a_long_line_is_windowed_around_the_column(tmp_path):
    fields = [f'"k{n}":{n}' for n in range(400)]
    document = "{" + ",".join(fields[:200] + ['"privileged":true'] + fields[200:]) + "}"  # minified JSON
    (tmp_path / "pod.json").write_text(document + "\n")
    column = document.index('"privileged"') + 1
    hit = finding("CTR902", "pod.json", 1, column, column + 17, "Pod/web")
    lines = render("text", ScanResult(findings=[hit], files=1), options(tmp_path, width=80)).splitlines()
    excerpt, caret = lines[1], lines[2]
    assert len(excerpt) <= 80 and excerpt.startswith("    1 | ...") and excerpt.endswith("...")
    assert excerpt[caret.index("^"):].startswith('"privileged":true')


def test_an_excerpt_is_hidden_only_where_a_secret_is_on_the_line(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM python:3.12\nCOPY . /app\nENV TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789\n")
    copy = replace(finding("DKR901", "Dockerfile", 2, 1, 12, "stage"), checklist=("image.sensitive-data",))
    env = replace(finding("DKR901", "Dockerfile", 3, 5, 10, "stage"), checklist=("secrets.hardcoded",))
    text = render("text", ScanResult(findings=[copy, env], files=1), options(tmp_path))
    assert "COPY . /app" in text and "ghp_" not in text


def test_the_summary_names_the_dominant_rules_and_ends_with_the_verdict(tmp_path):
    verdict = "failed: 3 findings at or above high"
    result = full_result()
    result.findings.append(finding("DKR901", "Dockerfile", 3, 1, 4, 'stage "old"'))
    lines = render("text", result, options(tmp_path, verdict=verdict)).splitlines()
    assert lines[-1] == verdict
    assert "Most found: DKR901 root-user (2), CTR902 privileged-container (1)." in lines
    assert any("hullscan explain DKR901" in line and "hullscan:ignore DKR901" in line for line in lines)
    once_each = render("text", full_result(), options(tmp_path)).splitlines()
    assert not any(line.startswith("Most found") for line in once_each)
    assert any("hullscan explain CTR902" in line for line in once_each)  # the worst one
