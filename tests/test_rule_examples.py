"""Every rule's documented example triggers the rule, and its `use_instead` does not.

A rule's page (docs/rules/<ID>.md, `hullscan explain`, SARIF help) shows what the rule catches and
what to write instead; an example the rule does not catch teaches the wrong thing. The first fenced
block of each (the whole text when it has no fence) is written into an empty project under a file
name that fits its language and the rule's file types, and scanned through `scanner.app.run_scan`
with only that rule selected, exactly as `hullscan scan --select ID --format json` would. A block
whose rule needs configuration or a second file says so in a comment (`# .hullscan.yaml: {...}`,
`# .dockerignore next to this file:`), and the project gets that file too.

A block that is only a fragment (a `use_instead` showing the one key to change, the Dockerfile an
image rule's archive was built from) is marked in the catalog, `docs: {example_fragment: true}` or
`use_instead_fragment: true`; the mark must be deserved: scanned alone, the fragment is no file the
rule judges (none of its file types is recognised, or it does not parse).

Secrets appear in the docs only as placeholders (`<ghp_...github-token>`, kept so by
test_rule_docs_secrets.py); each placeholder is replaced here by a synthetic value of its shape,
built at run time, so that the scanned example holds a secret and the docs still hold none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from doc_examples import scan_block

from scanner.catalog.rules import Rule, load_rules

RULES = load_rules(())


def judged(rule: Rule, report: dict[str, Any]) -> bool:
    """Whether the scan read the block as a file of one of the rule's types."""
    return not report["errors"] and bool(set(report["summary"]["types"]) & set(rule.kinds))


def fires(rule: Rule, report: dict[str, Any]) -> bool:
    return any(finding["rule"] == rule.id for finding in report["findings"])


def _fragment(rule: Rule, section: str) -> bool:
    return section in rule.fragments


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_example_triggers_its_rule(rule: Rule, tmp_path: Path) -> None:
    report = scan_block(rule, "example", tmp_path)
    if _fragment(rule, "example"):
        assert not judged(rule, report), f"{rule.id}'s example is marked a fragment but is a whole file"
        return
    assert report["errors"] == []
    assert fires(rule, report), f"{rule.id}'s example does not trigger {rule.id}"


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_use_instead_does_not_trigger_its_rule(rule: Rule, tmp_path: Path) -> None:
    report = scan_block(rule, "use_instead", tmp_path)
    if _fragment(rule, "use_instead"):
        assert not judged(rule, report), f"{rule.id}'s use_instead is marked a fragment but is a whole file"
        return
    assert judged(rule, report), (f"{rule.id}'s use_instead is not a file {rule.id} judges: make it one, "
                                  "or mark it `use_instead_fragment: true`")
    assert not fires(rule, report), f"{rule.id}'s use_instead triggers {rule.id}"
