"""The catalog is the single source of truth, so it must be complete and consistent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from expectations import expected_findings, expected_in_tree

from scanner.catalog.errors import CatalogError
from scanner.catalog.rules import builtin_dir, load_checklist, load_rules, parse_rule

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
RULES = load_rules()
ENGINE_RULES = {"HUL001", "HUL002", "HUL003", "HUL004", "HUL005"}  # judged on suppressions: tested in test_suppressions


def test_ids_and_names_are_unique_and_well_formed() -> None:
    ids = [rule.id for rule in RULES]
    names = [rule.name for rule in RULES]
    assert len(ids) == len(set(ids)) and len(names) == len(set(names))
    for rule in RULES:
        assert re.fullmatch(r"(DKR|CTR|K8S|CLD|SEC|IMG|HUL)\d{3}", rule.id), rule.id
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), rule.name
        assert Path(rule.source).name == f"{rule.id}-{rule.name}.yaml"


def test_every_checklist_id_is_known_and_every_static_item_is_covered() -> None:
    items = {item["id"]: item for item in load_checklist()}
    enforced = {item for rule in RULES for item in rule.checklist}
    assert enforced <= set(items)
    uncovered = sorted(i for i, item in items.items() if item["static"] != "none" and item.get("targets")
                       and i not in enforced and not item.get("covered_by"))
    assert uncovered == []


@pytest.mark.parametrize("rule", [r for r in RULES if r.id not in ENGINE_RULES and r.model != "image"],
                         ids=lambda r: r.id)
def test_every_rule_has_insecure_and_hardened_fixtures(rule) -> None:
    """At least one input that must yield the rule's finding and one that must yield none."""
    folder = FIXTURES / rule.id
    assert folder.is_dir(), f"no fixtures for {rule.id}"
    expected = []
    for item in folder.iterdir():
        if item.is_dir():
            expected.append(any(r == rule.id for _, r, _ in expected_in_tree(item)))
        elif not item.name.endswith(".expect"):
            expected.append(any(r == rule.id for r, _ in expected_findings(item)))
    assert any(expected) and not all(expected), f"{rule.id} needs an insecure and a hardened fixture"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_loads_its_check(rule) -> None:
    assert callable(rule.load_check())


def test_message_templates_only_use_known_fields() -> None:
    for rule in RULES:
        fields = set(re.findall(r"{(\w+)", rule.message))
        assert "resource" in fields, rule.id


@pytest.mark.parametrize(("entry", "error"), [
    ({"id": "X001"}, "missing"),
    ({"id": "X001", "name": "x", "severity": "urgent"}, "severity"),
    ({"id": "X001", "name": "x", "severity": "low", "checklist": ["no.such.item"]}, "checklist"),
    ({"id": "X001", "colour": "red"}, "unknown key"),
])
def test_malformed_entries_name_the_file(entry: dict, error: str) -> None:
    ids = frozenset(item["id"] for item in load_checklist())
    with pytest.raises(CatalogError, match=error) as raised:
        parse_rule(entry, Path("custom/X001-x.yaml"), ids)
    assert "custom/X001-x.yaml" in str(raised.value)


def test_user_rules_folder_is_loaded_and_reused_ids_refused(tmp_path: Path) -> None:
    source = (builtin_dir() / "HUL001-suppression-without-reason.yaml").read_text()
    (tmp_path / "ORG001-my-rule.yaml").write_text(source.replace("HUL001", "ORG001").replace(
        "suppression-without-reason", "my-rule"))
    assert "ORG001" in {r.id for r in load_rules([tmp_path])}
    (tmp_path / "HUL001-again.yaml").write_text(source.replace("suppression-without-reason", "again"))
    with pytest.raises(CatalogError, match="already used"):
        load_rules([tmp_path])
