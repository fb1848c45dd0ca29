"""An overlay can't make Kustomize read outside the project, hide behind a Component, or crash the
scan with a link loop or an unreadable file."""

from __future__ import annotations

from pathlib import Path

from attacks import CANARY, write_tree
from render_runs import assert_not_leaked, findings, pod, scan_every_format

SECRET_POD = pod(name="stolen", image=f"nginx:{CANARY}")
REPLACED_IMAGE = """resources: [pod.yaml]
configMapGenerator:
  - name: leak
    envs: [token.env]
replacements:
  - source: {kind: ConfigMap, name: leak, fieldPath: data.TAG}
    targets:
      - select: {kind: Pod}
        fieldPaths: [spec.containers.0.image]
"""


def _overlay(project: Path, kustomization: str, **files: str) -> Path:
    return write_tree(project, {"overlay/kustomization.yaml": kustomization, "overlay/pod.yaml": pod(), **files})


def test_base_outside_the_project_is_refused_and_named(tmp_path: Path) -> None:
    write_tree(tmp_path / "outside", {"kustomization.yaml": "resources: [pod.yaml]\n", "pod.yaml": SECRET_POD})
    project = _overlay(tmp_path / "project", "resources:\n  - pod.yaml\n  - ../../outside\n")
    assert_not_leaked(scan_every_format(project))
    found, report, _ = findings(project)
    assert ("CTR002", "overlay/pod.yaml") in found  # judged as a file of its own, since not rendered
    (error,) = [e for e in report["errors"] if e["path"] == "overlay/kustomization.yaml"]
    assert "outside the project root" in error["message"] and "not rendered" in error["message"]


def test_linked_base_folder_outside_the_project(tmp_path: Path) -> None:
    write_tree(tmp_path / "outside", {"kustomization.yaml": "resources: [pod.yaml]\n", "pod.yaml": SECRET_POD})
    project = _overlay(tmp_path / "project", "resources:\n  - pod.yaml\n  - base\n")
    (project / "overlay/base").symlink_to(tmp_path / "outside", target_is_directory=True)
    assert_not_leaked(scan_every_format(project))
    assert any(e["path"] == "overlay/kustomization.yaml" for e in findings(project)[1]["errors"])


def test_generator_file_linked_outside_is_not_read(tmp_path: Path) -> None:
    """The generated value would reach a finding's message through the pod's image."""
    secret = write_tree(tmp_path / "outside", {"token.env": f"TAG=nginx:{CANARY}\n"}) / "token.env"
    project = _overlay(tmp_path / "project", REPLACED_IMAGE)
    (project / "overlay/token.env").symlink_to(secret)
    assert_not_leaked(scan_every_format(project))
    assert any(e["path"] == "overlay/kustomization.yaml" for e in findings(project)[1]["errors"])


def test_generator_file_inside_is_read(tmp_path: Path) -> None:
    """The same overlay with the file in the project: its value does reach the report."""
    project = _overlay(tmp_path / "project", REPLACED_IMAGE, **{"overlay/token.env": "TAG=nginx:9.9.9\n"})
    _, report, _ = findings(project)
    assert report["errors"] == [] and any("nginx:9.9.9" in f["message"] for f in report["findings"])


def test_component_listing_the_overlay_does_not_hide_it(tmp_path: Path) -> None:
    project = write_tree(tmp_path / "project", {
        "base/kustomization.yaml": "resources: [pod.yaml]\n",
        "base/pod.yaml": pod().replace("privileged: true", "privileged: false"),
        "overlay/kustomization.yaml": "resources: [../base]\npatches:\n  - path: privileged.yaml\n",
        "overlay/privileged.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n"
                                   "    - name: app\n      securityContext:\n        privileged: true\n",
        "decoy/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                                    "resources: [../overlay]\n",
    })
    found, report, _ = findings(project)
    assert ("CTR002", "overlay/privileged.yaml") in found
    assert report["errors"] == []


def test_link_loop_and_unreadable_link_beside_a_kustomization(tmp_path: Path) -> None:
    project = _overlay(tmp_path / "project", "resources: [pod.yaml]\n")
    (project / "overlay/loop").symlink_to("loop")
    (project / "overlay/locked.txt").write_text("x")
    (project / "overlay/locked.txt").chmod(0)
    (project / "overlay/unreadable").symlink_to(project / "overlay/locked.txt")
    outputs = scan_every_format(project)
    assert all("overlay/loop" in output for output in outputs.values())
    found, _, _ = findings(project)
    assert ("CTR002", "overlay/pod.yaml") in found


def test_generator_folder_outside_the_project_is_dropped_from_the_copy(tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "outside", {"kustomization.yaml": "resources: [pod.yaml]\n", "pod.yaml": SECRET_POD})
    project = _overlay(tmp_path / "project", f"resources: [pod.yaml]\ngenerators: [{outside}]\n"
                                             "transformers: [../../outside]\n")
    assert_not_leaked(scan_every_format(project))
    found, report, notes = findings(project)
    assert ("CTR002", "overlay/pod.yaml") in found and report["errors"] == []
    assert str(outside) in notes and "../../outside" in notes
