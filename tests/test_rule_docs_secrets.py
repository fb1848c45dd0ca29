"""Rule documentation shows secrets only as obvious placeholders (`<ghp_...github-token>`): an
example that looks live would be flagged by hullscan, or by another scanner, wherever the docs or a
SARIF report (which embeds them as rule help) are committed or uploaded."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scanner.catalog.rule_docs import sections_markdown, sections_text
from scanner.catalog.rules import load_rules
from scanner.secrets.scan import scan_text
from tests.attacks import run_hullscan

RULES = load_rules(())
# The shapes other scanners look for, as gitleaks and trufflehog write them: a token's marker with
# a token's length of token characters after it.
OTHER_SCANNERS = re.compile(r"(?:gh[pousr]_|glpat-|xox[abposr]-|sk_live_|npm_)[A-Za-z0-9_-]{16,}|AKIA[A-Z0-9]{16}"
                            r"|SG\.[\w-]{16,}|pypi-AgE[\w-]{16,}|AIza[\w-]{30,}")


def live_looking(text: str) -> list[str]:
    """What a reviewer would have to rule out by hand: matches no filter explains away."""
    found = [f"{m.detector} at line {m.loc.line}" for m in scan_text(text, "docs") if not m.filtered_by]
    return found + OTHER_SCANNERS.findall(text)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_no_rule_documents_a_live_looking_secret(rule) -> None:
    texts = [value for value in rule.docs.values() if isinstance(value, str)]
    assert [found for text in [*texts, sections_text(rule), sections_markdown(rule)]
            for found in live_looking(text)] == []


def test_a_sarif_report_of_every_rule_holds_no_secret(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\nUSER app\n")
    run = run_hullscan("scan", ".", "--format", "sarif", "--fail-on", "never", "--profile", "strict", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    rules = json.loads(run.stdout)["runs"][0]["tool"]["driver"]["rules"]
    assert {rule["id"] for rule in rules} == {rule.id for rule in RULES}
    assert all(rule["help"]["markdown"] for rule in rules)
    assert live_looking(run.stdout) == []
    assert live_looking(json.dumps(rules, indent=1).replace("\\n", "\n")) == []  # as the help reads
