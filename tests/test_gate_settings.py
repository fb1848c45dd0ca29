"""How flags, the configuration file and the catalog combine into the gate (scanner.settings.gate and
build_config), checked on the values themselves."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scanner.app import ScanOptions, UsageError, build_config
from scanner.catalog.rules import load_rules
from scanner.settings.config import Config, Limits
from scanner.settings.gate import canonical, lowered_note, vocabulary, weakenings


@pytest.fixture(scope="module")
def catalog() -> list:
    return load_rules()


def _config(tmp_path: Path, text: str, **flags: object) -> Config:
    (tmp_path / ".hullscan.yaml").write_text(text)
    return build_config(ScanOptions(root=tmp_path, **flags))  # type: ignore[arg-type]


def test_the_defaults_weaken_nothing(catalog: list) -> None:
    assert weakenings(Config(), catalog) == []


@pytest.mark.parametrize(("config", "expected"), [
    (Config(fail_on="medium"), [("fail-on", "medium")]),
    (Config(fail_on="info"), []),  # stricter than the default
    (Config(severity_overrides={"CTR002": "low", "CTR020": "critical"}), [("downgrades", "CTR002 to low")]),
    (Config(render_kustomize=False), [("turns off rendering of", "kustomize")]),
    (Config(limits=Limits(max_file_bytes=1)), []),  # a lower limit skips files, which is an error
    (Config(limits=Limits(archive_members=10**9)), [("raises limits", "archive-members to 1000000000")]),
    (Config(inline_suppressions=False, checkov_skips=False), []),
])
def test_each_weakening_is_named(catalog: list, config: Config, expected: list) -> None:
    assert weakenings(config, catalog) == expected


def test_the_note_leaves_out_what_the_flags_chose(catalog: list) -> None:
    flags_only = Config(fail_on="high", ignore=("CTR001",))
    effective = Config(fail_on="high", ignore=("CTR001", "CTR002", "CTR003"), exclude=("**",))
    assert lowered_note(".hullscan.yaml", effective, flags_only, catalog) == \
        ".hullscan.yaml lowers the gate: ignores CTR002 CTR003, excludes **"
    assert lowered_note(".hullscan.yaml", flags_only, flags_only, catalog) == ""


@pytest.mark.parametrize(("token", "expected"), [
    ("ctr002", "CTR002"), ("HIGH", "high"), ("ctr", "CTR"), ("Secrets.Hardcoded", "secrets.hardcoded"),
    ("KUBERNETES", "kubernetes"), ("PRIVILEGED-CONTAINER", "privileged-container"),
])
def test_selectors_are_case_insensitive(catalog: list, token: str, expected: str) -> None:
    assert canonical(token, catalog, vocabulary(catalog), "--select") == expected


def test_flags_beat_every_key_of_the_file(tmp_path: Path) -> None:
    lowering = ("fail-on: never\nselect: [DKR]\nignore: [CTR002]\njobs: 100000\n"
                "limits: {max-file-size: 5, file-timeout: 0.5}\n")
    config = _config(tmp_path, lowering, fail_on="HIGH", select=("ctr002",), jobs=100000,
                     max_file_size=1000, file_timeout=3.0, no_render=True, no_inline_suppressions=True)
    assert (config.fail_on, config.select, config.ignore) == ("high", ("CTR002",), ())
    assert config.jobs == os.cpu_count()
    assert (config.limits.max_file_bytes, config.limits.file_timeout) == (1000, 3.0)
    assert not config.render_helm and not config.render_kustomize and not config.inline_suppressions
    assert config.notes == ()  # nothing the file says survives the flags


def test_jobs_from_the_file_are_capped(tmp_path: Path) -> None:
    assert _config(tmp_path, "jobs: 100000\n").jobs == os.cpu_count()


def test_an_unknown_selector_names_the_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"\.hullscan\.yaml:2: ignore: 'DKR9999' matches no rule"):
        _config(tmp_path, "fail-on: high\nignore: [DKR001, DKR9999]\n")
