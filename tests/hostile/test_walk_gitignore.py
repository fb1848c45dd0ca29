"""A scanned tree's own `.gitignore` and folders decide what the walk skips, so they can be used to
hide files from the gate: every skip is said in a note, `--no-gitignore` scans everything, a file
named on the command line is always scanned, and git (which would run commands `.git/config`
names) is never run."""

from __future__ import annotations

import json
from pathlib import Path

from attacks import run_hullscan, write_tree

SECRET = 'DB_PASSWORD = "Qz7kLm29xPw!"\n'
NOTE = "skipped by .gitignore (--no-gitignore to scan them)"


def _paths(process_stdout: str) -> set[str]:
    return {finding["path"] for finding in json.loads(process_stdout)["findings"]}


def _scan(tree: Path, *args: str) -> tuple[set[str], str]:
    process = run_hullscan("scan", *args, "--select", "SEC", "--format", "json", "--no-cache", cwd=tree)
    assert process.returncode in (0, 1), process.stderr
    assert "Traceback" not in process.stderr
    return _paths(process.stdout), process.stderr


def test_gitignored_secret_is_skipped_with_a_note_and_found_with_no_gitignore(tmp_path: Path) -> None:
    write_tree(tmp_path, {".gitignore": "hidden/\n*.secret\n", "hidden/app.env": SECRET, "x.secret": SECRET,
                          "seen.env": SECRET})
    found, stderr = _scan(tmp_path, ".")
    assert found == {"seen.env"}
    assert stderr.count(NOTE) == 1 and "2 file(s) or folder(s)" in stderr
    found, stderr = _scan(tmp_path, ".", "--no-gitignore")
    assert found == {"hidden/app.env", "x.secret", "seen.env"}
    assert NOTE not in stderr


def test_a_file_named_on_the_command_line_is_scanned_even_if_ignored(tmp_path: Path) -> None:
    write_tree(tmp_path, {".gitignore": "*\n", "app.env": SECRET})
    assert _scan(tmp_path, "app.env")[0] == {"app.env"}


def test_negation_in_a_nested_gitignore_re_includes(tmp_path: Path) -> None:
    write_tree(tmp_path, {".gitignore": "*.env\n", "keep/.gitignore": "!*.env\n", "keep/app.env": SECRET,
                          "drop.env": SECRET})
    assert _scan(tmp_path, ".")[0] == {"keep/app.env"}


def test_git_is_never_run_on_the_tree(tmp_path: Path) -> None:
    # An fsmonitor or hook command in .git/config runs whenever git reads the work tree.
    marker = tmp_path / "ran"
    write_tree(tmp_path, {".git/config": f"[core]\n\tfsmonitor = touch {marker}\n\thooksPath = .\n",
                          ".git/HEAD": "ref: refs/heads/main\n", ".gitignore": "ignored.env\n",
                          "ignored.env": SECRET, "app.env": SECRET})
    assert _scan(tmp_path, ".")[0] == {"app.env"}
    assert not marker.exists()


def test_a_gitignore_linked_from_outside_the_root_is_not_read(tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "outside", {"ignore": "*.env\n"})
    tree = write_tree(tmp_path / "tree", {"app.env": SECRET})
    (tree / ".gitignore").symlink_to(outside / "ignore")
    assert _scan(tree, ".")[0] == {"app.env"}


def test_a_huge_gitignore_of_wildcards_is_bounded(tmp_path: Path) -> None:
    # Many backtracking-prone patterns against many long names: bounded by the pattern cap and a
    # non-backtracking segment match, so the run ends well inside the 60 s limit the runner enforces.
    patterns = "".join(f"{'*a' * 30}*b{i}\n" for i in range(50_000))
    files = {f"{'a' * 200}{i}.env": "x=1\n" for i in range(200)}
    write_tree(tmp_path, {".gitignore": patterns, **files, "app.env": SECRET})
    assert _scan(tmp_path, ".")[0] == {"app.env"}


def test_virtual_environments_are_skipped_by_evidence_and_named(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "venv/pyvenv.cfg": "home = /usr/bin\n", "venv/lib/settings.env": SECRET,
        "conda/conda-meta/history": "", "conda/app.env": SECRET,
        "cache/CACHEDIR.TAG": "Signature: 8a477f597d28d172789f06886806bc55\n", "cache/app.env": SECRET,
        "env/app.env": SECRET, "build/app.env": SECRET, ".venv/app.env": SECRET,  # names prove nothing
        "fake/CACHEDIR.TAG": "not the signature\n", "fake/app.env": SECRET,
    })
    found, stderr = _scan(tmp_path, ".")
    assert found == {"env/app.env", "build/app.env", ".venv/app.env", "fake/app.env"}
    assert "3 virtual environment or cache folder(s) not scanned: cache, conda, venv" in stderr


def test_a_virtual_environment_named_as_the_target_is_scanned(tmp_path: Path) -> None:
    write_tree(tmp_path, {"venv/pyvenv.cfg": "home = /usr/bin\n", "venv/app.env": SECRET})
    assert _scan(tmp_path, "venv")[0] == {"venv/app.env"}
