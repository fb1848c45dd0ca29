"""Kubernetes manifests are read as kubectl reads them: each case is decoded by hullscan and by
`kubectl label --local -o json` (which decodes a manifest without a cluster) and must agree.

The rules are written down in `scanner/parse/yaml.py`; these cases are the ones where YAML 1.2
(what most Python readers follow) and kubectl's go-yaml v2 part ways: 1.1 booleans, octal and
binary integers, merges placed after an explicit key, merges of several mappings, duplicate keys.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scanner.nodes import to_plain
from scanner.parse.yaml import parse_manifests

KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")

HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\n"
CASES = {
    "booleans-1.1": "data:\n  a: y\n  b: Y\n  c: yes\n  d: on\n  e: n\n  f: OFF\n  g: yES\n  h: 'y'\n",
    "numbers": "data:\n  a: 017\n  b: 0o17\n  c: 0x1F\n  d: 0b101\n  e: 1_000\n  f: 08\n  g: 1e3\n  h: .5\n  i: 1:30\n",
    "nulls": "data:\n  a: ~\n  b: Null\n  c:\n  d: NULL\n",
    "merge-after-explicit": "data:\n  a: explicit\n  <<: {a: merged, b: merged}\n",
    "merge-before-explicit": "data:\n  <<: {a: merged, b: merged}\n  a: explicit\n",
    "merge-sequence": "data:\n  <<: [{a: first, b: first}, {a: second, c: second}]\n",
    "merge-anchor": "x: &base {a: base, b: base}\ndata:\n  b: explicit\n  <<: *base\n",
    "duplicate-key": "data:\n  a: first\n  a: last\n",
    "boolean-keys": "data:\n  y: key\n  on: other\n",
    "tagged": "data:\n  a: !!str yes\n  b: &anchor yes\n  c: &tagged !!str on\n",
}


def _kubectl(path: Path) -> Any:
    done = subprocess.run([KUBECTL or "kubectl", "label", "--local", "-o", "json", "-f", str(path), "probe-"],
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def _as_json(value: Any) -> Any:
    """What kubectl's JSON holds for a value: keys are strings, numbers are plain numbers."""
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    if isinstance(value, float) and value.is_integer() and not math.isinf(value):
        return int(value)
    return value


@pytest.mark.parametrize("name", sorted(CASES))
def test_decoded_like_kubectl(name: str, tmp_path: Path) -> None:
    manifest = tmp_path / "probe.yaml"
    manifest.write_text(HEAD + CASES[name], encoding="utf-8")
    ours = _as_json(to_plain(parse_manifests(manifest.read_text(encoding="utf-8"), "probe.yaml")[0]))
    theirs = _as_json(_kubectl(manifest))
    ours.pop("x", None)
    theirs.pop("x", None)
    theirs["metadata"].pop("labels", None)
    assert ours == theirs


def test_the_last_kind_is_the_one_kubectl_reads(tmp_path: Path) -> None:
    """The document is a ConfigMap for kubectl, so it is not skipped as a CustomResourceDefinition."""
    manifest = tmp_path / "probe.yaml"
    manifest.write_text("kind: CustomResourceDefinition\napiVersion: v1\nkind: ConfigMap\n"
                        "metadata:\n  name: probe\ndata: {a: b}\n", encoding="utf-8")
    (ours,) = parse_manifests(manifest.read_text(encoding="utf-8"), "probe.yaml")
    assert to_plain(ours)["kind"] == _kubectl(manifest)["kind"] == "ConfigMap"
