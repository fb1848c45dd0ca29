"""Rule docs are generated from the catalog: pages are complete, deterministic and up to date."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from reporting import sample_rules

from scanner.catalog import docs, rule_docs
from scanner.catalog.rules import load_checklist, load_rules

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules"


def test_generated_docs_are_up_to_date(tmp_path):
    expected = docs.pages(load_rules(), load_checklist())
    docs.write_pages(tmp_path, expected)
    assert docs.stale(tmp_path, expected) == []
    assert docs.stale(DOCS, expected) == [], "docs/rules is stale: run `python -m scanner.catalog.docs`"


def test_rule_page_has_every_section():
    page = docs.pages(sample_rules(), load_checklist())["DKR901.md"]
    assert page.startswith("# DKR901 root-user\n")
    for part in ("- Severity: **high**", "- File types: dockerfile",
                 "  - `runtime.non-root`: Run containers as a non-root user",
                 "## What it does", "## Why is this bad?", "## Example\n\n```dockerfile\nFROM",
                 "## Use instead\n\n```dockerfile\nFROM python:3.12\nUSER 10001\n```",
                 "## Options\n\n- `allow` (default: `[]`)",
                 "## References\n\n- CIS Docker Benchmark 4.1\n- <https://docs.docker.com/engine/security/>",
                 "## Equivalents in other scanners\n\n- checkov: CKV_DOCKER_8\n- hadolint: DL3002",
                 "Source: rules/DKR901-root-user.yaml"):
        assert part in page


def test_examples_get_a_language():
    page = docs.pages(sample_rules(), load_checklist())["CTR902.md"]
    assert "```yaml\nsecurityContext:\n  privileged: true\n```" in page
    assert rule_docs.example_language('resource "aws_s3_bucket" "b" {}') == "hcl"
    assert rule_docs.example_language('{"a": 1}') == "json"
    assert rule_docs.example_language("services:\n  web:\n    user: root\n") == "yaml"
    assert rule_docs.example_language("USER root\n", ["compose"]) == "yaml"
    assert rule_docs.example_language("# syntax=docker/dockerfile:1\nFROM alpine:3.20\n") == "dockerfile"


def test_index_links_every_rule():
    index = docs.pages(sample_rules(), load_checklist())["README.md"]
    assert "| [CTR902](CTR902.md) | privileged-container | critical |" in index
    assert "2 rules." in index


def test_pages_do_not_depend_on_the_hash_seed(tmp_path):
    """The committed pages were written by another interpreter: two with different hash seeds (so
    sets of strings iterate in different orders) and a cold catalog cache each must write exactly
    the pages this one does."""
    code = ("import json, sys; from scanner.catalog import docs; "
            "from scanner.catalog.rules import load_checklist, load_rules; "
            "json.dump(docs.pages(load_rules(), load_checklist()), sys.stdout)")
    written = [json.loads(subprocess.run(
        [sys.executable, "-c", code], capture_output=True, check=True, timeout=300,
        env={**os.environ, "PYTHONHASHSEED": seed, "HULLSCAN_CACHE_DIR": str(tmp_path / seed)}).stdout)
        for seed in ("1", "2")]
    assert written[0] == written[1] == docs.pages(load_rules(), load_checklist())


def test_write_removes_pages_of_deleted_rules(tmp_path):
    (tmp_path / "OLD001.md").write_text("gone")
    changed = docs.write_pages(tmp_path, docs.pages(sample_rules(), load_checklist()))
    assert "OLD001.md" in changed and not (tmp_path / "OLD001.md").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["CTR902.md", "DKR901.md", "README.md"]


def test_explain_is_plain_text():
    text = docs.explain("dkr901", sample_rules(), load_checklist())
    assert text is not None and text.startswith("DKR901 root-user\n\nSeverity: high\n")
    assert "What it does\n  Checks that" in text
    assert "Use instead\n    FROM python:3.12\n    USER 10001" in text
    assert "```" not in text and "##" not in text
    assert docs.explain("NOPE001", sample_rules(), load_checklist()) is None


def test_explain_drops_fences_of_examples_written_with_prose():
    rule = replace(sample_rules()[0], docs={**sample_rules()[0].docs,
                                           "example": "In Kubernetes:\n```yaml\nprivileged: true\n```"})
    text = docs.rule_text(rule, load_checklist())
    assert "Example\n  In Kubernetes:\n    privileged: true\n" in text


def test_lookup_by_id_or_name():
    rules = sample_rules()
    assert docs.lookup(rules, "dkr901") is rules[1]
    assert docs.lookup(rules, "privileged-container") is rules[0]
    assert docs.lookup(rules, "NOPE") is None


def test_rules_listing_table_and_json():
    table = docs.rules_listing("table", sample_rules()).splitlines()
    assert table[0].split() == ["ID", "SEVERITY", "NAME"]
    assert table[3].split() == ["CTR902", "critical", "privileged-container"]
    assert table[4].strip() == "kubernetes, compose; runtime.privileged; profiles: default"
    listed = json.loads(docs.rules_listing("json", sample_rules()))
    assert [r["id"] for r in listed] == ["CTR902", "DKR901"]


@pytest.mark.parametrize("output_format", ["table", "markdown"])
def test_checklist_covers_every_item(output_format):
    checklist = load_checklist()
    table = docs.checklist_table(output_format, sample_rules(), checklist)
    for item in checklist:
        assert item["id"] in table
    assert "kubernetes: CTR902" in table and "dockerfile: DKR901" in table
    assert "not checkable statically: depends on the live cluster" in table


def test_checklist_json():
    rows = json.loads(docs.checklist_table("json", sample_rules(), load_checklist()))
    assert {row["id"] for row in rows} == {item["id"] for item in load_checklist()}


def test_catalog_is_loaded_when_not_given():
    assert docs.rules_listing().startswith("ID")
    assert "runtime.non-root" in docs.checklist_table()


def test_coverage_rows():
    rows = {row["id"]: row for row in docs.coverage(sample_rules(), load_checklist())}
    assert rows["runtime.privileged"]["rules"] == {"kubernetes": ["CTR902"], "compose": ["CTR902"]}
    assert rows["runtime.multi-runtime"]["why_not"] == "depends on the live cluster"
    assert rows["image.pinned"]["rules"] == {} and rows["image.pinned"]["why_not"] == ""


def test_check_mode_reports_stale_docs(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(docs, "DOCS_DIR", tmp_path)
    assert docs.main(["--check"]) == 1
    assert docs.main([]) == 0
    assert docs.main(["--check"]) == 0
    assert "README.md" in capsys.readouterr().err
    assert docs.main(["--checklist"]) == 0
    assert capsys.readouterr().out.startswith("| Item | Static | Rules by file type |")


def test_readme_carries_the_current_checklist_table():
    readme = docs.README.read_text(encoding="utf-8")
    table = docs.checklist_table("markdown")
    assert docs.readme_with_table(readme, table) == readme, "README's table is stale: run `python -m scanner.catalog.docs`"
