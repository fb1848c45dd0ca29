"""Findings in a Kustomize rendering land inside the object and the container they name.

The base holds two Deployments in one file; the first has an init container written before its
container, the second two containers. Kustomize prefixes the names, sorts the keys (so
`containers` comes out before `initContainers`) and merges the overlay's patch into the second
container, and an inline JSON patch replaces the init container's image: matching by position or
by text would send findings to the init container, or to the first container, or to the other
Deployment.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scanner.inputs.discover import walk
from scanner.nodes import Mapping, Sequence, dig, text
from scanner.parse.yaml import parse_documents
from scanner.render import kustomize
from scanner.results.result import ScanResult
from scanner.run.engine import scan
from scanner.settings.config import Config

BASE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      initContainers:
      - name: migrate
        image: registry.example.com/migrate:1.0
        securityContext:
          runAsNonRoot: true
      containers:
      - name: api
        image: registry.example.com/api:latest
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  template:
    spec:
      containers:
      - name: fetch
        image: registry.example.com/fetch:2.1
      - image: registry.example.com/worker:2.1
        name: worker
        securityContext:
          privileged: false
"""

PATCH = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  template:
    spec:
      containers:
      - name: worker
        securityContext:
          privileged: true
"""

OVERLAY = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namePrefix: prod-
namespace: shop
resources:
- ../../base
patches:
- path: worker-patch.yaml
- target:
    kind: Deployment
    name: api
  patch: |-
    - op: replace
      path: /spec/template/spec/initContainers/0/image
      value: registry.example.com/migrate:latest
"""

_CONTAINER = re.compile(r'container "([^"]+)"')


def _project(tmp_path: Path) -> Path:
    for rel, body in {"base/app.yaml": BASE, "base/kustomization.yaml": "resources:\n- app.yaml\n",
                      "overlays/prod/kustomization.yaml": OVERLAY,
                      "overlays/prod/worker-patch.yaml": PATCH}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(body)
    return tmp_path


def _spans(body: str) -> dict[str, tuple[int, int, dict[str, tuple[int, int]]]]:
    """Deployment name -> (first line, last line, {container name: (first, last)})."""
    spans = {}
    for document in parse_documents(body, "base/app.yaml"):
        containers: dict[str, tuple[int, int]] = {}
        for key in ("initContainers", "containers"):
            items = dig(document, "spec", "template", "spec", key)
            for item in items.items if isinstance(items, Sequence) else ():
                if isinstance(item, Mapping):
                    containers[str(text(item.get("name")))] = (item.loc.line, item.loc.end_line)
        spans[str(text(dig(document, "metadata", "name")))] = (document.loc.line, document.loc.end_line, containers)
    return spans


@pytest.fixture
def result(tmp_path: Path) -> ScanResult:
    if kustomize.tool() is None:
        pytest.skip("neither kustomize nor kubectl is installed")
    root = _project(tmp_path)
    return scan(walk([str(root)], root), Config(root=root, profiles=("strict",)))


def test_every_finding_is_inside_the_object_and_container_it_names(result: ScanResult) -> None:
    spans = _spans(BASE)
    in_base = [f for f in result.findings if f.path == "base/app.yaml"]
    assert result.errors == [] and len(in_base) > 5
    for finding in in_base:
        name = finding.resource.split(" ", 1)[0].removeprefix("Deployment/prod-")
        first, last, containers = spans[name]
        assert first <= finding.line <= last, (finding.rule, finding.resource, finding.line)
        container = _CONTAINER.search(finding.resource)
        if container:
            start, end = containers[container.group(1)]
            assert start <= finding.line <= end, (finding.rule, finding.resource, finding.line)


def test_a_setting_the_patch_sets_points_at_the_patch_with_the_base_beside_it(result: ScanResult) -> None:
    (privileged,) = [f for f in result.findings if f.rule == "CTR002"]
    assert privileged.resource == 'Deployment/prod-worker container "worker"'
    assert (privileged.path, privileged.line) == ("overlays/prod/worker-patch.yaml", 11)
    assert ("base/app.yaml", 30) in [(loc.path, loc.line) for loc in privileged.related]


def test_a_setting_only_the_base_writes_points_at_the_base(result: ScanResult) -> None:
    latest = [(f.path, f.line) for f in result.findings if f.rule in ("CTR022", "CTR023")]
    assert ("base/app.yaml", 15) in latest  # api's `image: ...:latest`, not the init container's


def test_a_value_an_inline_json_patch_sets_points_at_the_kustomization(result: ScanResult) -> None:
    (mutable,) = [f for f in result.findings if f.rule == "CTR023" and "migrate" in f.resource]
    assert (mutable.path, mutable.line) == ("overlays/prod/kustomization.yaml", 15)
    assert ("base/app.yaml", 10) in [(loc.path, loc.line) for loc in mutable.related]


def test_an_object_a_generator_makes_points_at_the_generator(tmp_path: Path) -> None:
    if kustomize.tool() is None:
        pytest.skip("neither kustomize nor kubectl is installed")
    (tmp_path / "kustomization.yaml").write_text(
        "namePrefix: prod-\nsecretGenerator:\n- name: db\n  literals:\n  - user=admin\n")
    result = scan(walk([str(tmp_path)], tmp_path), Config(root=tmp_path, select=("K8S040",)))
    (committed,) = result.findings
    assert committed.resource.startswith("Secret/prod-db-")
    assert (committed.path, committed.line) == ("kustomization.yaml", 3)  # `- name: db`
