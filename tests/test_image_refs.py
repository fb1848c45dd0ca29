"""One image reference, one verdict: Dockerfile (DKR) and container (CTR) rules read the same parse.

Each row is written once as `FROM <ref>` and once as a Compose `image: <ref>`; the pairs of rules
that judge the same thing must agree: mutable tag (DKR002 / CTR023), no digest (DKR002 or DKR003
/ CTR022), registry outside the allow-list (DKR005 / CTR024). Placeholders are not images.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.inputs.discover import walk
from scanner.model.image_ref import parse
from scanner.run.engine import scan
from scanner.settings.config import Config

TRUSTED = ("registry.example.com", "docker.io/library", "ghcr.io/example-org")
REFERENCES = [  # reference, mutable, digest-less, untrusted
    ("nginx", True, True, False),
    ("nginx:LATEST", True, True, False),
    ("nginx:1.27", False, True, False),
    ("nginx:1.27@sha256:" + "a" * 64, False, False, False),
    ("docker.io/nginx:1.27", False, True, False),
    ("index.docker.io/library/nginx:1.27", False, True, False),
    ("Registry.Example.com/team/app:1.0", False, True, False),
    ("registry.example.com:5000/team/app:1.0", False, True, True),
    ("randomuser/nginx:1.27", False, True, True),
    ("ghcr.io/example-org/tool:1", False, True, False),
    ("ghcr.io/example-org-evil/tool:1", False, True, True),
    ("localhost:5000/app", True, True, True),
]
PLACEHOLDERS = ["<image_url>", "REPLACE_ME", "${IMAGE}", "{{ .Values.image }}", "MyApp:1.0", "your-image"]


def _rules(tmp_path: Path, name: str, text: str) -> set[str]:
    (tmp_path / name).write_text(text)
    config = Config(select=("DKR002", "DKR003", "DKR005", "CTR022", "CTR023", "CTR024"), root=tmp_path,
                    trusted_registries=TRUSTED)
    result = scan(list(walk([str(tmp_path / name)], tmp_path)), config)
    assert not result.errors
    return {finding.rule for finding in result.findings}


@pytest.mark.parametrize(("reference", "mutable", "digestless", "untrusted"), REFERENCES)
def test_dockerfile_and_container_rules_agree(tmp_path: Path, reference: str, mutable: bool,
                                              digestless: bool, untrusted: bool) -> None:
    dockerfile = _rules(tmp_path, "Dockerfile", f"FROM {reference}\nUSER 1000\n")
    compose = _rules(tmp_path, "compose.yaml", f"services:\n  web:\n    image: \"{reference}\"\n")
    assert ("DKR002" in dockerfile, "CTR023" in compose) == (mutable, mutable)
    assert (bool(dockerfile & {"DKR002", "DKR003"}), "CTR022" in compose) == (digestless, digestless)
    assert ("DKR005" in dockerfile, "CTR024" in compose) == (untrusted, untrusted)


@pytest.mark.parametrize("written", PLACEHOLDERS)
def test_a_placeholder_is_no_image(tmp_path: Path, written: str) -> None:
    assert parse(written) is None
    assert _rules(tmp_path, "compose.yaml", f"services:\n  web:\n    image: \"{written}\"\n") == set()
