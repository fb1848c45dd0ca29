"""Poisoned cache entries: a pickle that would run code, a well-formed entry with a forged
signature, an edited catalog, a forged Kustomize render, another project's entry. Each is placed
exactly where hullscan looks (the old layout's path, computed as the old code did, and every path
the new layout really wrote for this scan); none may run, change a finding, or cross projects.

The forged parse trees and the edited catalog have controls: the same content signed with the
user's real key, written by hullscan's own cache functions, does change the findings — so the cache
is really consulted, and the signature is what keeps the forgery out.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest
from attacks import run_hullscan, write_tree
from cache_bait import DEPLOYMENT_TF, FILES, OpensMarker, old_layout

from scanner.inputs.discover import SourceFile
from scanner.nodes import Mapping, Scalar, Sequence
from scanner.parse.hcl.tree import Body, HclFile
from scanner.parse.parsers import parser_for
from scanner.run import cache


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A project, and a private cache and key outside it (also set here, for the controls)."""
    project = write_tree(tmp_path / "project", {name: text for name, (_, text) in FILES.items()})
    places = {"project": project, "cache": tmp_path / "cache", "config": tmp_path / "config"}
    monkeypatch.setenv("HULLSCAN_CACHE_DIR", str(places["cache"]))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(places["config"]))
    return places


def scan(project: Path, folders: dict[str, Path]) -> set[tuple[str, str, int]]:
    env = {"HULLSCAN_CACHE_DIR": str(folders["cache"]), "XDG_CONFIG_HOME": str(folders["config"])}
    done = run_hullscan("scan", ".", "--format", "json", "--fail-on", "never", cwd=project, env=env)
    assert done.returncode == 0, done.stderr
    assert "cache off" not in done.stderr
    return {(f["rule"], f["path"], f["line"]) for f in json.loads(done.stdout)["findings"]}


def entries(folders: dict[str, Path], kind: str) -> list[Path]:
    return sorted(path for path in (folders["cache"] / kind).rglob("*") if path.is_file())


def privileged(findings: set[tuple[str, str, int]]) -> set[str]:
    return {path for rule, path, _ in findings if rule == "CTR002"}


def defanged(kind: str, rel: str, text: str) -> Any:
    """The file's tree with `privileged` turned off: what a forger would want hullscan to read."""
    tree = parser_for(kind)(text, rel)  # type: ignore[misc]
    if isinstance(tree, HclFile):
        bodies = [tree.body]
        while bodies:
            body: Body = bodies.pop()
            if "privileged" in body.attributes:
                attribute = body.attributes["privileged"]
                attribute.value = Scalar(False, attribute.value.loc)
            bodies.extend(block.body for block in body.blocks)
        return tree
    nodes = list(tree)
    while nodes:
        node = nodes.pop()
        if isinstance(node, Mapping):
            if "privileged" in node:
                node.set("privileged", node.keys["privileged"], Scalar(False, node.values["privileged"].loc))
            nodes.extend(node.values.values())
        elif isinstance(node, Sequence):
            nodes.extend(node.items)
    return tree


def sign_as_hullscan(folders: dict[str, Path], project: Path, tree_of: Any = defanged) -> None:
    """The control: defanged trees written by hullscan's own cache code, with the real key."""
    for rel, (kind, text) in FILES.items():
        cache.store_tree(SourceFile(project / rel, rel), kind, text, tree_of(kind, rel, text))


def test_the_controls_bite(folders: dict[str, Path]) -> None:
    """Signed with the real key, a defanged entry does hide the finding: the cache is read."""
    assert privileged(scan(folders["project"], folders)) == {"pod.yaml", "main.tf"}
    sign_as_hullscan(folders, folders["project"])
    assert privileged(scan(folders["project"], folders)) == set()


def test_a_pickle_runs_nowhere(folders: dict[str, Path], tmp_path: Path) -> None:
    project, marker = folders["project"], tmp_path / "pickle-ran"
    bait = pickle.dumps(OpensMarker(marker))
    pickle.loads(bait)  # the bait works: loading it creates the marker
    assert marker.exists()
    marker.unlink()
    clean = scan(project, folders)
    planted = [old_layout(folders["cache"], kind, rel, text) for rel, (kind, text) in FILES.items()]
    planted += entries(folders, "trees-kubernetes") + entries(folders, "trees-terraform")
    planted += entries(folders, "catalog")
    assert len(planted) == 5
    for path in planted:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bait)
    assert scan(project, folders) == clean
    assert not marker.exists()
    assert all(not path.exists() or path.read_bytes() != bait for path in planted[2:])  # removed, rewritten


def test_a_forged_signature_is_a_miss(folders: dict[str, Path]) -> None:
    project = folders["project"]
    clean = scan(project, folders)
    sign_as_hullscan(folders, project)
    forged = entries(folders, "trees-kubernetes") + entries(folders, "trees-terraform")
    for path in forged:  # same content, signed with a key that is not the user's
        data = bytearray(path.read_bytes())
        start = data.index(b"\n") + 1
        data[start:start + 32] = hashlib.sha256(b"the forger's key" + bytes(data[start + 32:])).digest()
        path.write_bytes(bytes(data))
    assert scan(project, folders) == clean
    for path in forged:
        assert not path.exists() or b"the forger" not in path.read_bytes()


def test_an_entry_moved_to_another_files_name_is_a_miss(folders: dict[str, Path]) -> None:
    """The signature covers what an entry stands for: a genuine entry copied over another file's
    entry is refused for that file."""
    project = folders["project"]
    (project / "other.tf").write_text(DEPLOYMENT_TF.replace('"api"', '"other"'))
    scan(project, folders)
    before = {path: path.read_bytes() for path in entries(folders, "trees-terraform")}
    assert len(before) == 2
    sign_as_hullscan(folders, project)  # main.tf's entry is now a defanged one, correctly signed
    (main_entry,) = [path for path, data in before.items() if path.read_bytes() != data]
    (other_entry,) = [path for path in before if path != main_entry]
    shutil.copyfile(main_entry, other_entry)
    assert privileged(scan(project, folders)) == {"other.tf"}


def test_an_edited_catalog_is_ignored(folders: dict[str, Path]) -> None:
    project = folders["project"]
    assert privileged(scan(project, folders)) == {"pod.yaml", "main.tf"}
    for path in entries(folders, "catalog"):  # CTR002 taken out, the signature kept
        data = path.read_bytes()
        header = data.index(b"\n") + 1 + 32
        catalog = json.loads(data[header:])
        catalog.pop("CTR002-privileged-container.yaml", None)
        path.write_bytes(data[:header] + json.dumps(catalog).encode())
    assert privileged(scan(project, folders)) == {"pod.yaml", "main.tf"}


def test_a_catalog_signed_with_the_real_key_is_what_the_cache_serves(folders: dict[str, Path]) -> None:
    """The control for the edited catalog: through hullscan's own store, the edit does apply."""
    from scanner.catalog.rules import _load_yaml, builtin_dir

    project = folders["project"]
    scan(project, folders)
    paths = sorted(builtin_dir().glob("*.yaml"))
    catalog = {path.name: _load_yaml(path) for path in paths if not path.name.startswith("CTR002")}
    cache.store_catalog(builtin_dir(), cache.folder_digest(paths) or "", catalog)
    assert privileged(scan(project, folders)) == set()


def test_two_projects_with_the_same_files_share_no_entry(folders: dict[str, Path], tmp_path: Path) -> None:
    first = folders["project"]
    second = write_tree(tmp_path / "second", {name: text for name, (_, text) in FILES.items()})
    scan(first, folders)
    after_first = entries(folders, "trees-kubernetes") + entries(folders, "trees-terraform")
    scan(second, folders)
    after_both = entries(folders, "trees-kubernetes") + entries(folders, "trees-terraform")
    assert len(after_both) == 2 * len(after_first) == 4
    sign_as_hullscan(folders, first)  # the first project's entries now hide its findings
    assert privileged(scan(first, folders)) == set()
    assert privileged(scan(second, folders)) == {"pod.yaml", "main.tf"}


KUSTOMIZE = {
    "base/kustomization.yaml": "resources: [deployment.yaml]\n",
    "base/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0.0
          securityContext:
            privileged: true
""",
    "overlay/kustomization.yaml": "resources: [../base]\nnamePrefix: prod-\n",
}


@pytest.mark.skipif(shutil.which("kubectl") is None and shutil.which("kustomize") is None,
                    reason="needs kustomize or kubectl")
def test_a_forged_render_is_a_miss(folders: dict[str, Path], tmp_path: Path) -> None:
    project = write_tree(tmp_path / "overlays", KUSTOMIZE)
    clean = scan(project, folders)
    assert privileged(clean) == {"base/deployment.yaml"}
    renders = entries(folders, "renders")
    assert len(renders) == 1
    data = renders[0].read_bytes()
    header = data.index(b"\n") + 1 + 32
    renders[0].write_bytes(data[:header] + data[header:].replace(b"privileged: true", b"privileged: false"))
    assert scan(project, folders) == clean


def test_no_entry_is_a_pickle(folders: dict[str, Path]) -> None:
    """What the store holds is JSON after its signature, for every kind of entry."""
    scan(folders["project"], folders)
    written = [path for path in folders["cache"].rglob("*") if path.is_file()]
    assert written
    for path in written:
        data = path.read_bytes()
        json.loads(data[data.index(b"\n") + 1 + 32:])
        assert os.stat(path).st_mode & 0o077 == 0
