"""Cache folders hullscan must refuse: inside the scanned project (where a merge request can ship
entries, as GitLab caches only workspace paths), writable by other users or their group, owned by
someone else, and a signing key that others can read or that lies in the project. A refused cache
is off for the run, with one note saying why; nothing is read from it or written to it.
"""

from __future__ import annotations

import json
import os
import pickle
import stat
from pathlib import Path

import pytest
from attacks import run_hullscan, write_tree
from cache_bait import FILES, OpensMarker, old_layout

NOBODY = 65534


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "project", {name: text for name, (_, text) in FILES.items()})


def files_under(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if path.is_file()} if folder.exists() else set()


def scan(project: Path, env: dict[str, str]) -> tuple[list[tuple[str, str, int]], str]:
    done = run_hullscan("scan", ".", "--format", "json", "--fail-on", "never", "--jobs", "2", cwd=project, env=env)
    assert done.returncode == 0, done.stderr
    findings = sorted((f["rule"], f["path"], f["line"]) for f in json.loads(done.stdout)["findings"])
    return findings, done.stderr


def uncached(project: Path) -> list[tuple[str, str, int]]:
    done = run_hullscan("scan", ".", "--format", "json", "--fail-on", "never", "--no-cache", cwd=project)
    return sorted((f["rule"], f["path"], f["line"]) for f in json.loads(done.stdout)["findings"])


def assert_refused(project: Path, env: dict[str, str], cache_root: Path, because: str) -> None:
    """Cache off with one note naming the reason; nothing written to the cache; a pickle planted
    where the previous release looked is never loaded; findings as without a cache."""
    marker = project.parent / "pickle-ran"
    for rel, (kind, text) in FILES.items():
        bait = old_layout(cache_root, kind, rel, text)
        bait.parent.mkdir(parents=True, exist_ok=True)
        bait.write_bytes(pickle.dumps(OpensMarker(marker)))
    before = files_under(cache_root)
    findings, stderr = scan(project, env)
    assert stderr.count("cache off") == 1, stderr
    assert because in stderr
    assert files_under(cache_root) == before
    assert not marker.exists()
    assert findings == uncached(project)


@pytest.mark.parametrize("variable", ["HULLSCAN_CACHE_DIR", "XDG_CACHE_HOME"])
def test_a_cache_inside_the_workspace_is_not_used(project: Path, tmp_path: Path, variable: str) -> None:
    inside = project / ".cache"
    env = {"HULLSCAN_CACHE_DIR": "", "XDG_CACHE_HOME": "", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    env[variable] = str(inside / "hullscan" if variable == "HULLSCAN_CACHE_DIR" else inside)
    assert_refused(project, env, inside / "hullscan", "inside the scanned project")


def test_a_key_inside_the_workspace_is_not_used(project: Path, tmp_path: Path) -> None:
    env = {"HULLSCAN_CACHE_DIR": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(project / ".config")}
    assert_refused(project, env, tmp_path / "cache", "the cache key")
    assert not (project / ".config").exists()


LOOSE = [(0o777, "root"), (0o757, "root"), (0o777, "parent"), (0o775, "root"), (0o770, "parent")]


@pytest.mark.parametrize(("mode", "where"), LOOSE, ids=[f"{mode:04o}-{where}" for mode, where in LOOSE])
def test_a_cache_others_can_write_is_refused(project: Path, tmp_path: Path, mode: int, where: str) -> None:
    parent, root = tmp_path / "shared", tmp_path / "shared" / "hullscan"
    root.mkdir(parents=True, mode=0o700)
    loose = root if where == "root" else parent
    if mode & stat.S_IWGRP and not mode & stat.S_IWOTH:
        _give_to_a_group_that_is_not_the_users(loose)
    loose.chmod(mode)
    env = {"HULLSCAN_CACHE_DIR": str(root), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    assert_refused(project, env, root, "writable by")


def _give_to_a_group_that_is_not_the_users(folder: Path) -> None:
    from scanner.run.cache_guard import _own_group

    if _own_group(folder.stat().st_gid):
        if os.geteuid() != 0:
            pytest.skip("only the user's private group is at hand; it may write the user's folders")
        os.chown(folder, -1, NOBODY)


def test_a_sticky_parent_like_tmp_is_fine(project: Path, tmp_path: Path) -> None:
    """Others may add names to a sticky folder but not replace ours: a private folder inside is used."""
    parent = tmp_path / "sticky"
    parent.mkdir()
    parent.chmod(0o1777)
    env = {"HULLSCAN_CACHE_DIR": str(parent / "hullscan"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    _, stderr = scan(project, env)
    assert "cache off" not in stderr
    assert files_under(parent / "hullscan")
    assert stat.S_IMODE((parent / "hullscan").stat().st_mode) == 0o700


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a folder away needs root")
def test_a_cache_owned_by_another_user_is_refused(project: Path, tmp_path: Path) -> None:
    root = tmp_path / "theirs"
    root.mkdir(mode=0o700)
    os.chown(root, NOBODY, NOBODY)
    env = {"HULLSCAN_CACHE_DIR": str(root), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    assert_refused(project, env, root, "owned by another user")


@pytest.mark.parametrize("spoil", ["readable", "symlink", "short"])
def test_a_key_that_is_not_private_is_refused(project: Path, tmp_path: Path, spoil: str) -> None:
    config, cache = tmp_path / "config", tmp_path / "cache"
    env = {"HULLSCAN_CACHE_DIR": str(cache), "XDG_CONFIG_HOME": str(config)}
    scan(project, env)  # makes the key
    key = config / "hullscan" / "cache.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    if spoil == "readable":
        key.chmod(0o644)
    elif spoil == "symlink":
        elsewhere = tmp_path / "elsewhere.key"
        elsewhere.write_bytes(key.read_bytes())
        elsewhere.chmod(0o600)
        key.unlink()
        key.symlink_to(elsewhere)
    else:
        key.write_bytes(b"short")
    before = files_under(cache)
    findings, stderr = scan(project, env)
    assert stderr.count("cache off") == 1 and "cache key" in stderr, stderr
    assert files_under(cache) == before
    assert findings == uncached(project)
