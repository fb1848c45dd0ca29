"""Profiles: the default rule set a reviewer reads to the end, and the named sets beside it
(scanner.catalog.profiles, `--profile`, `profile:`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.catalog.errors import CatalogError
from scanner.catalog.profiles import implied, members, profiles_of
from scanner.catalog.rules import load_checklist, load_profiles, load_rules, parse_rule
from scanner.cli import main
from scanner.inputs.discover import walk
from scanner.run.engine import scan, selected_rules
from scanner.settings.config import Config

# A Deployment that nobody hardened, and one privileged container: the privileged one blocks a
# merge; limits, probes and digests are hygiene.
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      automountServiceAccountToken: false
      containers:
        - name: app
          image: registry.example.com/web:1.4.2
          securityContext:
            privileged: true
"""


def _rules(tmp_path: Path, config: Config) -> set[str]:
    (tmp_path / "deploy.yaml").write_text(DEPLOYMENT)
    result = scan(list(walk([str(tmp_path / "deploy.yaml")], tmp_path)), config)
    return {finding.rule for finding in result.findings}


def test_the_default_profile_reports_what_blocks_a_merge(tmp_path: Path) -> None:
    assert _rules(tmp_path, Config(root=tmp_path)) == {"CTR002"}


def test_strict_runs_every_rule(tmp_path: Path) -> None:
    found = _rules(tmp_path, Config(root=tmp_path, profiles=("strict",)))
    assert {"CTR002", "CTR017", "CTR020", "CTR022"} <= found
    assert len(selected_rules(load_rules(), Config(profiles=("strict",)))) == len(load_rules())


def test_select_beats_the_profile(tmp_path: Path) -> None:
    assert _rules(tmp_path, Config(root=tmp_path, select=("CTR017",))) == {"CTR017"}


def test_profiles_make_their_union() -> None:
    rules, profiles = load_rules(), load_profiles()
    union = {r.id for r in members(rules, ["default", "pss-restricted"], profiles)}
    assert union == {r.id for r in members(rules, ["default"], profiles)} | {
        r.id for r in members(rules, ["pss-restricted"], profiles)}


def test_pss_restricted_includes_baseline() -> None:
    rules, profiles = load_rules(), load_profiles()
    baseline = {r.id for r in members(rules, ["pss-baseline"], profiles)}
    restricted = {r.id for r in members(rules, ["pss-restricted"], profiles)}
    assert {"CTR002", "CTR004", "CTR029"} <= baseline < restricted
    assert {"CTR001", "CTR003", "CTR007", "CTR014"} <= restricted - baseline


def test_every_secret_detector_and_suppression_rule_is_in_default() -> None:
    default = {r.id for r in members(load_rules(), ["default"], load_profiles())}
    assert all(r.id in default for r in load_rules() if r.id.startswith(("SEC", "HUL")))
    assert not {"CTR017", "CTR018", "CTR019", "CTR020", "CTR021", "CTR022"} & default


def _entry(**extra: object) -> dict:
    data = {"id": "CTR990", "name": "new-rule", "severity": "medium", "checklist": ["runtime.privileged"],
            "kinds": ["kubernetes"], "model": "container", "message": "{resource}",
            "check": "scanner.checks.container.hardening:runs_as_root",
            "docs": {"what": "w", "why": "y", "example": "e", "use_instead": "u"}}
    return {**data, **extra}


@pytest.mark.parametrize(("severity", "builtin", "expected"), [
    ("critical", True, ("default",)), ("high", True, ("default",)), ("medium", True, ()),
    ("low", True, ()), ("low", False, ("default",))])
def test_a_rule_without_profiles_gets_them_from_its_severity(severity: str, builtin: bool,
                                                              expected: tuple[str, ...]) -> None:
    ids = frozenset(item["id"] for item in load_checklist())
    rule = parse_rule(_entry(severity=severity), Path("rules/CTR990.yaml"), ids, builtin)
    assert rule.profiles == expected == implied(severity, builtin)
    assert "strict" in profiles_of(rule, load_profiles())


def test_a_rule_naming_an_unknown_profile_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    entry = _entry(profiles=["defualt"])
    (folder / "CTR990.yaml").write_text(json.dumps(entry))
    with pytest.raises(CatalogError, match="defualt"):
        load_rules([folder])


def test_unknown_profile_flag_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "deploy.yaml").write_text(DEPLOYMENT)
    assert main(["scan", str(tmp_path), "--root", str(tmp_path), "--profile", "strcit"]) == 2
    assert "strcit" in capsys.readouterr().err


def test_profile_key_in_the_file_and_the_flag_over_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "deploy.yaml").write_text(DEPLOYMENT)
    (tmp_path / ".hullscan.yaml").write_text("profile: strict\n")
    main(["scan", str(tmp_path), "--root", str(tmp_path), "--format", "json"])
    assert "CTR017" in {f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]}
    main(["scan", str(tmp_path), "--root", str(tmp_path), "--format", "json", "--profile", "default"])
    assert {f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]} == {"CTR002"}


def test_a_file_profile_that_runs_less_than_default_lowers_the_gate(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "deploy.yaml").write_text(DEPLOYMENT)
    (tmp_path / ".hullscan.yaml").write_text("profile: pss-baseline\n")
    main(["scan", str(tmp_path), "--root", str(tmp_path)])
    assert "lowers the gate: runs profile pss-baseline" in capsys.readouterr().err
    (tmp_path / ".hullscan.yaml").write_text("profile: [default, cis]\n")
    main(["scan", str(tmp_path), "--root", str(tmp_path)])
    assert "lowers the gate" not in capsys.readouterr().err


def test_rules_command_lists_profiles(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--profile", "list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in ("default", "strict", "pss-baseline", "pss-restricted", "cis"))
    assert main(["rules", "--profile", "pss-baseline", "--format", "json"]) == 0
    rules = json.loads(capsys.readouterr().out)
    assert "CTR002" in {r["id"] for r in rules} and all("pss-baseline" in r["profiles"] for r in rules)
    assert main(["explain", "CTR017"]) == 0
    assert "Profiles: strict" in capsys.readouterr().out
