"""A wrong value is fixed where it is written, never in rendered output: a Helm values file,
a kustomize patch (and the base for a setting no source writes), a Terraform variable's
default (see the CTR001-terraform-variable fixture); templates are left alone with a reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from attacks import write_tree
from test_fix_fixtures import fix_folder

TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  template:
    spec:
      containers:
        - name: web
          image: {{ .Values.image }}
          securityContext:
            {{- toYaml .Values.securityContext | nindent 12 }}
"""
VALUES = """image: registry.example.com/web:1.4.2
# keep this on for the migration
securityContext:
  privileged: true
  readOnlyRootFilesystem: false
"""


def test_helm_values_are_fixed_and_templates_left_alone(tmp_path: Path) -> None:
    project = write_tree(tmp_path, {".git/HEAD": "ref: x\n", "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
                                    "chart/values.yaml": VALUES, "chart/templates/deploy.yaml": TEMPLATE})
    outcome = fix_folder(project, ("CTR002", "CTR009", "CTR003"))
    assert outcome.fixed == {"chart/values.yaml": VALUES.replace("privileged: true", "privileged: false")
                             .replace("readOnlyRootFilesystem: false", "readOnlyRootFilesystem: true").encode()}
    assert {(s.finding.rule, s.reason) for s in outcome.skipped} == {
        ("CTR003", "the finding is in a Helm template; add the setting to the template by hand")}


PATCH = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          securityContext:
            privileged: true   # debugging
"""
BASE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.4.2
"""


@pytest.mark.skipif(not (shutil.which("kubectl") or shutil.which("kustomize")), reason="no kustomize")
def test_kustomize_patch_is_fixed_where_it_sets_the_value(tmp_path: Path) -> None:
    project = write_tree(tmp_path, {
        ".git/HEAD": "ref: x\n", "base/deploy.yaml": BASE, "base/kustomization.yaml": "resources:\n  - deploy.yaml\n",
        "overlay/kustomization.yaml": "resources:\n  - ../base\npatches:\n  - path: privileged.yaml\n",
        "overlay/privileged.yaml": PATCH})
    outcome = fix_folder(project, ("CTR002", "CTR003"))
    assert outcome.fixed == {
        "overlay/privileged.yaml": PATCH.replace("privileged: true", "privileged: false").encode(),
        "base/deploy.yaml": (BASE + "          securityContext:\n            allowPrivilegeEscalation: false\n").encode()}
