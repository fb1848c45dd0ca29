"""`.gitignore` patterns against git's documented semantics (gitignore(5)), one case a line:
(patterns, path, is a folder, ignored)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.inputs.discover import Skipped, walk
from scanner.inputs.gitignore import MAX_IN_EFFECT, Ignores, parse, parse_line


def ignored(patterns: str, path: str, folder: bool = False) -> bool:
    return Ignores().add((), patterns).ignored(tuple(path.split("/")), folder)


@pytest.mark.parametrize(("patterns", "path", "folder", "expected"), [
    ("*.log", "debug.log", False, True),
    ("*.log", "deep/down/debug.log", False, True),  # no slash: matches a name at any depth
    ("*.log", "debug.log.txt", False, False),
    ("*.log\n!keep.log", "keep.log", False, False),  # negation: the last match wins
    ("!keep.log\n*.log", "keep.log", False, True),
    ("build/", "build", True, True),  # trailing slash: folders only
    ("build/", "build", False, False),
    ("build/", "src/build", True, True),
    ("/build", "build", False, True),  # leading slash: anchored to the .gitignore's folder
    ("/build", "src/build", False, False),
    ("doc/frotz", "doc/frotz", False, True),  # a middle slash anchors too
    ("doc/frotz", "a/doc/frotz", False, False),
    ("**/foo", "foo", False, True),
    ("**/foo", "a/b/foo", False, True),
    ("**/foo/bar", "x/foo/bar", False, True),
    ("abc/**", "abc/x/y", False, True),
    ("abc/**", "abc", True, False),  # `/**` matches what is inside, not the folder itself
    ("a/**/b", "a/b", False, True),
    ("a/**/b", "a/x/y/b", False, True),
    ("a/**/b", "a/x/y/c", False, False),
    ("a/*/b", "a/x/y/b", False, False),  # one star stays within one name
    ("?.txt", "a.txt", False, True),
    ("?.txt", "ab.txt", False, False),
    ("[ab].txt", "b.txt", False, True),
    ("[!ab].txt", "b.txt", False, False),
    ("[^ab].txt", "c.txt", False, True),
    ("# comment", "# comment", False, False),
    ("\\#file", "#file", False, True),  # an escaped `#` starts a name
    ("\\!important", "!important", False, True),
    ("\\*.txt", "*.txt", False, True),
    ("\\*.txt", "a.txt", False, False),
    ("name   ", "name", False, True),  # trailing blanks dropped
    ("name\\ ", "name ", False, True),  # unless escaped
    ("", "anything", False, False),
    ("**", "a/b.txt", False, True),
    ("/**", "a/b.txt", False, True),
])
def test_git_semantics(patterns: str, path: str, folder: bool, expected: bool) -> None:
    assert ignored(patterns, path, folder) is expected


def test_blank_lines_and_comments_are_not_patterns() -> None:
    assert parse("\n# one\n   \n*.log\r\n") == (parse_line("*.log"),)


def test_a_deeper_file_overrides_its_parent() -> None:
    ignores = Ignores().add((), "*.yaml\n").add(("keep",), "!*.yaml\n")
    assert ignores.ignored(("a.yaml",), False)
    assert not ignores.ignored(("keep", "a.yaml"), False)


def test_a_nested_file_applies_only_below_its_folder() -> None:
    ignores = Ignores().add(("sub",), "/x.yaml\n")
    assert ignores.ignored(("sub", "x.yaml"), False)
    assert not ignores.ignored(("x.yaml",), False)


def test_many_stars_do_not_backtrack_catastrophically() -> None:
    # `*a*a*...b` against a long run of `a`: a backtracking translation takes exponential steps.
    assert not ignored("*a" * 40 + "*b", "a" * 250)


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def _walked(root: Path, *targets: str, gitignore: bool = True) -> tuple[list[str], Skipped]:
    skipped = Skipped()
    found = [s.rel for s in walk([str(root / t) for t in targets or (".",)], root, gitignore=gitignore,
                                 skipped=skipped)]
    return sorted(found), skipped


def test_walk_skips_ignored_files_and_folders_and_counts_them(tmp_path: Path) -> None:
    _tree(tmp_path, {".gitignore": "out/\n*.log\n", "a.yaml": "", "x.log": "", "out/b.yaml": "",
                     "sub/.gitignore": "!x.log\n", "sub/x.log": ""})
    found, skipped = _walked(tmp_path)
    assert found == [".gitignore", "a.yaml", "sub/.gitignore", "sub/x.log"]
    assert skipped.gitignored == 2
    assert skipped.notes() == ["2 file(s) or folder(s) skipped by .gitignore (--no-gitignore to scan them)"]


def test_walk_reads_the_gitignore_files_above_a_target_inside_the_root(tmp_path: Path) -> None:
    _tree(tmp_path, {".gitignore": "secret.env\n", "app/secret.env": "", "app/ok.env": ""})
    assert _walked(tmp_path, "app")[0] == ["app/ok.env"]


def test_files_named_as_targets_are_never_skipped(tmp_path: Path) -> None:
    _tree(tmp_path, {".gitignore": "*.log\n", "x.log": ""})
    assert _walked(tmp_path, "x.log") == (["x.log"], Skipped())


def test_no_gitignore_walks_everything(tmp_path: Path) -> None:
    _tree(tmp_path, {".gitignore": "*\n", "x.log": ""})
    assert _walked(tmp_path, gitignore=False) == ([".gitignore", "x.log"], Skipped())


def test_patterns_in_effect_are_capped_over_nested_files() -> None:
    ignores = Ignores()
    for depth in range(10):
        ignores = ignores.add(("d",) * depth, "".join(f"p{i}\n" for i in range(1000)))
    assert sum(len(patterns) for _, patterns in ignores.layers) == MAX_IN_EFFECT
