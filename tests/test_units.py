"""Scan units: which files are judged together, and relations that still cross them.

A unit lets go of its files once judged, so anything that needs two files at once must either be
in one unit (a Terraform module and the local modules it calls) or go through the cluster model
(a NetworkPolicy and the pods it covers). Worker processes (`--jobs 2`) are used on purpose.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from scanner.boundary import Boundary
from scanner.inputs.discover import walk
from scanner.run.engine import scan
from scanner.run.units import kustomize_context, plan_units
from scanner.settings.config import Config

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: shop}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers: [{{name: main, image: "registry.example.com/{name}:1.0"}}]
"""
POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
"""
TOKENLESS_DEFAULT = """\
apiVersion: v1
kind: ServiceAccount
metadata: {name: default, namespace: shop}
automountServiceAccountToken: false
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)


def units_of(root: Path) -> list[list[str]]:
    sources = sorted(walk([str(root)], root), key=lambda source: source.rel)
    return [[source.rel for source in unit.sources] for unit in plan_units(sources, Boundary(root))]


def test_terraform_folders_that_call_each_other_are_one_unit(tmp_path: Path) -> None:
    write(tmp_path, {
        "live/main.tf": 'module "net" {\n  source = "../modules/net"\n}\n',
        "live/terraform.tfvars": 'region = "eu"\n',
        "live/task.json": "[]\n",
        "modules/net/main.tf": 'resource "aws_vpc" "v" {}\n',
        "other/main.tf": 'resource "aws_s3_bucket" "b" {}\n',
        "Dockerfile": "FROM alpine:3.20\n",
        "notes.txt": "hello\n",
    })
    assert units_of(tmp_path) == [
        ["Dockerfile"],
        ["live/main.tf", "live/task.json", "live/terraform.tfvars", "modules/net/main.tf"],
        ["notes.txt"],
        ["other/main.tf"],
    ]


def test_kustomizations_and_their_patches_are_read_once_before_the_units(tmp_path: Path) -> None:
    write(tmp_path, {
        "base/kustomization.yaml": "resources: [app.yaml]\n",
        "base/app.yaml": DEPLOYMENT.format(name="api"),
        "prod/kustomization.yaml": "resources: [../base]\nnamespace: prod\npatches:\n  - path: replicas.yaml\n",
        "prod/replicas.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec: {replicas: 3}\n",
    })
    sources = sorted(walk([str(tmp_path)], tmp_path), key=lambda source: source.rel)
    kustomize, read = kustomize_context(sources, Config(root=tmp_path))
    assert sorted(parsed.rel for parsed in read) == [
        "base/kustomization.yaml", "prod/kustomization.yaml", "prod/replicas.yaml"]
    assert kustomize.patches == {"prod/replicas.yaml"}
    assert kustomize.namespace_of("base/app.yaml") == "prod"
    planned = plan_units(sources, Boundary(tmp_path), read)
    assert [unit.sources[0].rel for unit in planned if unit.sources] == ["base/app.yaml"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_relations_cross_files_and_units(tmp_path: Path, jobs: int) -> None:
    """The policy covers `api` from another file; `web` is left uncovered. The tokenless default
    account in a third file means no pod of the namespace mounts a token by default."""
    write(tmp_path, {"api.yaml": DEPLOYMENT.format(name="api"), "web.yaml": DEPLOYMENT.format(name="web"),
                     "policy.yaml": POLICY, "account.yaml": TOKENLESS_DEFAULT})
    config = replace(Config(root=tmp_path, use_cache=False), jobs=jobs, select=("K8S020", "CTR026"))
    result = scan(walk([str(tmp_path)], tmp_path), config)
    assert [(f.rule, f.path, f.line) for f in result.findings] == [("K8S020", "web.yaml", 1)]
    assert not result.errors
    (tmp_path / "account.yaml").unlink()
    result = scan(walk([str(tmp_path)], tmp_path), config)
    assert [(f.rule, f.path, f.line) for f in result.findings] == [
        ("CTR026", "api.yaml", 8), ("K8S020", "web.yaml", 1), ("CTR026", "web.yaml", 8)]


def test_no_unit_keeps_its_parsed_files_alive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory follows the largest unit, not the tree: when a unit starts, no file parsed by an
    earlier one is still alive (only findings and small facts were kept)."""
    import gc

    import scanner.run.units
    from scanner.inputs.parsed import ParsedFile

    write(tmp_path, {f"app-{n}.yaml": DEPLOYMENT.format(name=f"app-{n}") for n in range(5)}
          | {"policy.yaml": POLICY, "Dockerfile": "FROM alpine:3.20\n", "main.tf": 'resource "aws_s3_bucket" "b" {}\n'})
    alive_at_start: list[int] = []
    real = scanner.run.units.scan_unit

    def counting(unit: object, plan: object) -> object:
        gc.collect()
        alive_at_start.append(sum(isinstance(item, ParsedFile) for item in gc.get_objects()))
        return real(unit, plan)

    monkeypatch.setattr(scanner.run.units, "scan_unit", counting)
    result = scan(walk([str(tmp_path)], tmp_path),
                  replace(Config(root=tmp_path, use_cache=False, profiles=("strict",)), jobs=1))
    assert len(alive_at_start) == 8 and set(alive_at_start) == {0}
    assert {f.rule for f in result.findings} >= {"K8S020", "DKR001"}


def test_a_failing_relation_rule_is_one_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Judged once on the merged model, its failure is reported once, suppressions pass or not."""
    from scanner.catalog.rules import Rule

    real = Rule.load_check

    def broken(model: object, ctx: object) -> object:
        raise ValueError("bug")

    monkeypatch.setattr(Rule, "load_check", lambda rule: broken if rule.id == "K8S020" else real(rule))
    write(tmp_path, {"api.yaml": DEPLOYMENT.format(name="api"), "web.yaml": DEPLOYMENT.format(name="web")})
    result = scan(walk([str(tmp_path)], tmp_path), Config(root=tmp_path, use_cache=False, profiles=("strict",)))
    assert [e.message for e in result.errors] == ["rule K8S020 stopped early (ValueError)"]
