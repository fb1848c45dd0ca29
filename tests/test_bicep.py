"""Bicep: a note when no `bicep` executable is on PATH, the built template judged at the `.bicep`
lines when one is (a stand-in `bicep` that prints a template `bicep build` would print), and the
documented pipe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.inputs.discover import walk
from scanner.model.arm.bicep import PIPE
from scanner.model.arm.bicep_map import declarations
from scanner.run.engine import scan
from scanner.settings.config import Config

BICEP = """\
param adminEnabled bool = true

resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' existing = {
  name: 'shared'
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosoacr'
  location: 'westeurope'
  sku: {
    name: 'Premium'
  }
  properties: {
    adminUserEnabled: adminEnabled
    anonymousPullEnabled: true
  }
}
"""
# What `bicep build main.bicep --stdout` prints for it (trimmed to what matters here).
BUILT = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"adminEnabled": {"type": "bool", "defaultValue": True}},
    "resources": [{
        "type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01", "name": "contosoacr",
        "location": "westeurope", "sku": {"name": "Premium"},
        "properties": {"adminUserEnabled": "[parameters('adminEnabled')]", "anonymousPullEnabled": True},
    }],
}


def _scan(root: Path) -> object:
    return scan(walk([str(root)], root), Config(select=("CLD015", "CLD016"), root=root))


def test_without_bicep_one_note_says_how_to_judge_the_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.bicep").write_text(BICEP)
    (tmp_path / "other.bicep").write_text(BICEP)
    monkeypatch.setenv("PATH", str(tmp_path / "no-such-folder"))
    result = _scan(tmp_path)
    notes = [note for note in result.notes if "Bicep" in note]  # type: ignore[attr-defined]
    assert len(notes) == 1 and "2 Bicep file(s)" in notes[0] and PIPE in notes[0]
    assert result.findings == [] and result.errors == []  # type: ignore[attr-defined]


def test_a_built_template_is_judged_at_the_bicep_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tools, project = tmp_path / "tools", tmp_path / "project"
    tools.mkdir()
    project.mkdir()
    (tools / "built.json").write_text(json.dumps(BUILT, indent=2))
    fake = tools / "bicep"
    fake.write_text(f"#!/bin/sh\ncat '{tools / 'built.json'}'\n")
    fake.chmod(0o755)
    (project / "main.bicep").write_text(BICEP)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ.get('PATH', '')}")
    result = _scan(project)
    assert result.errors == []  # type: ignore[attr-defined]
    found = {(f.rule, f.path, f.line) for f in result.findings}  # type: ignore[attr-defined]
    # the admin user is on through the parameter's default: reported where the default is written
    assert found == {("CLD015", "main.bicep", 1), ("CLD016", "main.bicep", 15)}


def test_declarations_skip_existing_resources_and_follow_nesting() -> None:
    (registry,) = declarations(BICEP)
    assert registry.kind == "microsoft.containerregistry/registries" and registry.line == 7
    assert registry.paths[("properties", "anonymouspullenabled")] == 15
    assert registry.paths[("sku", "name")] == 11


def test_the_documented_pipe_reads_a_template_from_standard_input(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "scanner", "scan", "-", "--stdin-name", "main.json",
                           "--select", "CLD016", "--format", "json"], input=json.dumps(BUILT), cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert [f["rule"] for f in json.loads(done.stdout)["findings"]] == ["CLD016"], done.stderr
