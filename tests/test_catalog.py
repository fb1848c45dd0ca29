"""The catalog is the single source of truth, so it must be complete and consistent."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from doc_examples import scan_block
from expectations import expected_findings, expected_in_tree
from imagebuild import E, docker_save, github_token, layer
from imagebuild import config as image_config
from ruamel.yaml import YAML

from scanner.app import scan_archive
from scanner.catalog.errors import CatalogError
from scanner.catalog.rules import Rule, builtin_dir, load_checklist, load_rules, parse_rule, template_fields
from scanner.inputs.discover import walk
from scanner.results.findings import Finding, Hit
from scanner.run import judge
from scanner.run.engine import scan
from scanner.settings.config import Config
from scanner.settings.load import find_config, load_settings

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
RULES = load_rules()
_CHECKLIST_IDS = frozenset(item["id"] for item in load_checklist())
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


def _hits(rule: Rule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    """The message arguments of every hit `rule` yields on its fixtures and its documented example
    (which tests/test_rule_examples.py requires to trigger it), recorded where the engine turns hits
    into findings. Image rules, which have no fixtures folder, run on one archive that breaks all of
    them."""
    recorded: list[dict[str, str]] = []
    to_finding = judge.to_finding

    def recording(judged: Rule, hit: Hit) -> Finding:
        if judged.id == rule.id:
            recorded.append(dict(hit.args))
        return to_finding(judged, hit)

    monkeypatch.setattr(judge, "to_finding", recording)
    config = Config(select=(rule.id,), root=tmp_path, jobs=1)
    if rule.model == "image":
        token = github_token()
        archive = docker_save(tmp_path / "image.tar", [layer(E("app/.env", f"GH_TOKEN={token}\n".encode())),
                                                       layer(E("app/.wh..env"))],
                              image_config(user="root", env=(f"GH_TOKEN={token}",), healthcheck=False))
        scan_archive(archive, Config(select=(rule.id,), root=tmp_path, jobs=1))
    elif (FIXTURES / rule.id).is_dir():
        for item in sorted((FIXTURES / rule.id).iterdir()):
            if item.name.endswith(".expect") or (item.is_dir() and not item.name.endswith(".case")):
                continue
            root = item if item.is_dir() else item.parent
            settings = load_settings(find_config(item), replace(config, root=root)) if item.is_dir() else \
                replace(config, root=root)
            scan(walk([str(item)], root), settings)
    if "example" not in rule.fragments:
        scan_block(rule, "example", tmp_path)
    return recorded


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_message_templates_only_use_known_fields(rule: Rule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every field of a rule's message is one its check passes: each hit the rule yields on its
    fixtures supplies all of them (a missing one would read `{field}` in the report)."""
    fields = template_fields(rule.message)
    assert "resource" in fields
    hits = _hits(rule, tmp_path, monkeypatch)
    assert hits, f"{rule.id} yields no hit to fill its message with"
    assert sorted({field for args in hits for field in fields - {"resource"} - set(args)}) == []


def test_a_field_a_hit_lacks_reads_as_its_placeholder() -> None:
    rule = next(r for r in RULES if r.id == "K8S020")
    assert rule.format_message("Deployment/api", {"coverage": "is selected by nothing"}).startswith(
        'Deployment/api in namespace "{namespace}" is selected by nothing: ')


@pytest.mark.parametrize(("message", "error"), [
    ("{resource} runs {what", "not a valid template"),
    ("{resource} runs {0}", "plain {name}"),
    ("{resource} runs {image.tag}", "plain {name}"),
    ("{resource} runs {image!r}", "plain {name}"),
    ("{resource} runs {image:>20}", "plain {name}"),
])
def test_malformed_message_templates_are_refused(message: str, error: str) -> None:
    entry = _load_builtin("DKR001")
    with pytest.raises(CatalogError, match=re.escape(error)):
        parse_rule({**entry, "message": message}, Path("custom/DKR001-x.yaml"), _CHECKLIST_IDS)


def test_a_condition_rule_names_only_the_resource() -> None:
    entry = _load_builtin("CTR002")
    with pytest.raises(CatalogError, match="supplies only"):
        parse_rule({**entry, "message": "{resource} runs {image}"}, Path("custom/CTR002-x.yaml"), _CHECKLIST_IDS)


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


def _load_builtin(rule_id: str) -> dict:
    path = next(builtin_dir().glob(f"{rule_id}-*.yaml"))
    return dict(YAML(typ="safe").load(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize(("docs_extra", "error"), [
    ({"example_fragmnet": True}, "unknown docs key"),
    ({"use_instead_fragment": "yes"}, "true or false"),
])
def test_docs_keys_are_the_sections_and_the_fragment_flags(docs_extra: dict, error: str) -> None:
    entry = _load_builtin("CTR012")
    entry["docs"] = {**entry["docs"], **docs_extra}
    with pytest.raises(CatalogError, match=error):
        parse_rule(entry, Path("custom/CTR012-x.yaml"), frozenset(item["id"] for item in load_checklist()))


def test_fragment_flags_mark_their_sections() -> None:
    rule = next(rule for rule in RULES if rule.id == "CTR012")
    assert rule.fragments == {"use_instead"}
    assert set(rule.docs) == {"what", "why", "example", "use_instead"}
