"""A repository's own rules folder runs no code: `check:` names only hullscan's check modules,
rule YAML goes through the alias-counting reader, and every complaint is one printable line."""

from __future__ import annotations

from pathlib import Path

import pytest
from attacks import POD, run_hullscan, write_tree

RULE = """\
id: EVIL001
name: evil-rule
severity: low
checklist: [runtime.privileged]
kinds: [kubernetes]
model: container
message: "{resource}"
check: "%s"
docs: {what: w, why: w, example: e, use_instead: u}
"""

# Importing this module leaves a marker file behind: the proof that repository code ran.
EVIL_MODULE = """\
from pathlib import Path
Path(__file__).with_name("MARKER").write_text("the pull request's code ran")
def run(models, ctx):
    return []
"""


def _repository(root: Path, check: str) -> Path:
    return write_tree(root, {
        ".hullscan.yaml": "rules-dir: [ci/rules]\n",
        "ci/rules/EVIL001-evil-rule.yaml": RULE % check,
        "evil.py": EVIL_MODULE,
        "scanner_checks_evil.py": EVIL_MODULE,
        "pod.yaml": POD,
    })


@pytest.mark.parametrize("check", ["evil:run", "this:s", "os:system", "scanner.checks.evil:run",
                                   "scanner.checks:__init__", "scanner.checks.container.hardening.os:path",
                                   "scanner.checks.nosuchmodule:run", "scanner.checks.container.hardening"])
def test_a_rules_folder_check_outside_the_package_is_refused_before_import(tmp_path: Path, check: str) -> None:
    root = _repository(tmp_path, check)
    done = run_hullscan("scan", "--format", "sarif", cwd=root, env={"PYTHONPATH": str(root)})
    assert done.returncode == 2, done.stdout + done.stderr
    assert "ci/rules/EVIL001-evil-rule.yaml" in done.stderr and "own check modules" in done.stderr
    assert not (root / "MARKER").exists()
    assert done.stdout == ""  # `this` would have printed the Zen of Python into the SARIF stream
    assert "Traceback" not in done.stderr


def test_a_check_must_be_a_function_the_module_defines(tmp_path: Path) -> None:
    """Names a check module imports (`Iterator`, a helper from elsewhere) are not checks."""
    root = _repository(tmp_path, "scanner.checks.container.hardening:Iterator")
    done = run_hullscan("scan", "--format", "json", cwd=root)
    assert done.returncode == 2 and "is not a function of scanner.checks.container.hardening" in done.stderr


def test_a_rules_folder_may_use_a_builtin_check_and_a_condition(tmp_path: Path) -> None:
    root = _repository(tmp_path, "scanner.checks.container.hardening:runs_as_root")
    (root / "ci/rules/EVIL002-own.yaml").write_text(
        (RULE % "x").replace("EVIL001", "EVIL002").replace("evil-rule", "own-rule")
        .replace('check: "x"', "condition: {field: privileged, is: true}"))
    done = run_hullscan("scan", "--format", "json", "--select", "EVIL001,evil002", cwd=root)
    assert done.returncode == 1, done.stderr
    assert '"rule": "EVIL002"' in done.stdout and '"rule": "EVIL001"' in done.stdout


def _bomb(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]" for i in range(levels)]
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_in_a_rules_folder_fails_fast_with_its_name(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {".hullscan.yaml": "rules-dir: [rules]\n", "rules/BOMB001-lol.yaml": _bomb(),
                                 "pod.yaml": POD})
    done = run_hullscan("scan", cwd=root)
    assert done.returncode == 2
    assert "rules/BOMB001-lol.yaml" in done.stderr and "alias" in done.stderr


def test_a_rule_file_that_is_a_link_out_of_its_folder_or_a_device_is_refused(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {".hullscan.yaml": "rules-dir: [rules]\n", "pod.yaml": POD})
    (root / "rules").mkdir()
    (root / "rules" / "ENV001-env.yaml").symlink_to("/proc/self/environ")
    done = run_hullscan("scan", cwd=root)
    assert done.returncode == 2 and "ENV001-env.yaml" in done.stderr and "not read" in done.stderr
    assert "canary" not in done.stderr


def test_names_in_a_bad_rule_file_cannot_start_a_line_of_their_own(tmp_path: Path) -> None:
    """A key holding a newline and a GitHub workflow command stays on the error's own line."""
    rule = RULE % "scanner.checks.container.hardening:runs_as_root" + '"x\\n::error file=README.md::owned": 1\n'
    root = write_tree(tmp_path, {".hullscan.yaml": "rules-dir: [rules]\n", "rules/EVIL001-x.yaml": rule})
    done = run_hullscan("scan", cwd=root)
    assert done.returncode == 2 and "unknown key" in done.stderr
    assert not any(line.startswith("::") for line in done.stderr.splitlines())


@pytest.mark.parametrize("condition", [
    "{field: image, matches: '(a+)+$'}",  # a condition holds no regular expression to backtrack on
    "{field: privileged, is: true, when: {kind: regular}}",  # `when` takes lists of values
    "{field: no_such_attribute, is: true}",
])
def test_a_malformed_condition_is_a_usage_error_naming_its_file(tmp_path: Path, condition: str) -> None:
    rule = (RULE % "x").replace('check: "x"', f"condition: {condition}")
    root = write_tree(tmp_path, {".hullscan.yaml": "rules-dir: [rules]\n", "rules/EVIL001-x.yaml": rule,
                                 "pod.yaml": POD})
    done = run_hullscan("scan", cwd=root)
    assert done.returncode == 2 and "rules/EVIL001-x.yaml" in done.stderr, done.stderr
