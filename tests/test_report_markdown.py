"""Markdown for pull-request comments: summary, findings worst first, escaped, within size."""

from __future__ import annotations

from reporting import finding, full_result, options

from scanner.report.formats import render
from scanner.report.markdown import MAX_CHARS, escape
from scanner.results.result import ScanResult


def test_summary_and_sections_worst_first(tmp_path):
    text = render("markdown", full_result(), options(tmp_path))
    assert text.startswith("## hullscan: 2 findings\n")
    assert "| critical | 1 |" in text and "| medium | 0 |" in text
    assert text.index("### Critical (1)") < text.index("### High (1)")
    assert "| CTR902 privileged-container | k8s/pod.yaml:10 | " in text
    assert "- broken.yaml:4: mapping values are not allowed here" in text


def test_escapes_text_from_files(tmp_path):
    hit = finding("DKR901", "a|b/<img src=x>.Dockerfile", 1, 1, 2, "stage [x](http://evil) @team")
    text = render("markdown", ScanResult(findings=[hit]), options(tmp_path))
    row = next(line for line in text.splitlines() if "Dockerfile" in line)
    assert row.count(" | ") == 2
    assert "<img" not in text and "[x](http" not in text and "@team" not in text
    assert r"\[x\](`http://evil`)" in text  # a bare URL is code, never a link


def test_escape():
    assert escape("a|b\n`c` *d*") == r"a\|b \`c\` \*d\*"


def test_long_reports_are_cut_with_a_note(tmp_path):
    # distinct stages: the same finding in several files would be one row
    hits = [finding("DKR901", f"dir/{i}/Dockerfile", 1, 1, 2, f"stage {i} " + "x" * 200)
            for i in range(600)]
    text = render("markdown", ScanResult(findings=hits), options(tmp_path))
    assert len(text) <= MAX_CHARS + 200
    assert "more not shown; see the full report._" in text


def test_links_to_rule_pages(tmp_path):
    text = render("markdown", full_result(), options(tmp_path, docs_url="https://example.org/{id}.md"))
    assert "[CTR902 privileged-container](https://example.org/CTR902.md)" in text


def test_empty(tmp_path):
    text = render("markdown", ScanResult(), options(tmp_path))
    assert text.startswith("## hullscan: no findings\n")
