"""A dozen of the worst inputs known, in one tree: each used to cost seconds to minutes, gigabytes,
or the whole report; together they must finish within the hostile-test limits (4 GiB, 60 s) with
every report written and each file judged or named in an error line."""

from __future__ import annotations

import os
from pathlib import Path

from attacks import write_tree
from bounds_run import scan
from hostile_inputs import CASES
from test_bounds_dockerfile import COPY_ALL, nested_args

WORST = {"dockerfile-many-stages": "stages/Dockerfile", "dockerfile-endless-continuation": "continued/Dockerfile",
         "yaml-many-documents": "k8s/many.yaml", "hcl-deep-objects": "tf-deep/main.tf",
         "hcl-unterminated-string": "tf-string/main.tf", "hcl-many-blocks": "tf-blocks/main.tf"}
HEADER = "-----BEGIN RSA PRIVATE KEY-----!\n"


def hostile_tree(root: Path, scale: float = 0.5) -> list[str]:
    """Write the dozen under `root`; the paths each must be named by (a finding or an error). The
    generated cases are written at `scale` of their parser-test size (the rest at full size), so
    that the test keeps a margin on a loaded machine; at 1.0 this is the tree the README measures."""
    by_name = {case.name: case for case in CASES}
    files = {path: by_name[name].make(scale) for name, path in WORST.items()}
    files |= {"args/Dockerfile": nested_args(),
              "env/Dockerfile": "FROM alpine:3.19\nENV API_TOKEN x" + " " * 60_000 + "y\n",
              "keys/keys.txt": HEADER * 300_000,
              "zero/Dockerfile": COPY_ALL, "pipe/Dockerfile": COPY_ALL,
              "pyproject.toml": "\n" * 300_000 + '[tool.hullscan]\nfail-on = "high"\n'}
    write_tree(root, files)
    (root / "zero" / ".dockerignore").symlink_to("/dev/zero")
    os.mkfifo(root / "pipe" / ".dockerignore")
    (root / "k8s" / "loop").symlink_to("loop")
    return [path for path in WORST.values() if path not in JUDGED_CLEAN] + [
        "args/Dockerfile", "env/Dockerfile", "zero/.dockerignore", "pipe/.dockerignore", "k8s/loop"]


# Files with nothing to report: judged in full, not cut by their budget.
JUDGED_CLEAN = ("k8s/many.yaml", "tf-blocks/main.tf", "keys/keys.txt")


def test_a_dozen_hostile_files(tmp_path: Path) -> None:
    named = hostile_tree(tmp_path)
    result = scan(tmp_path)
    missing = [path for path in named if not result.names(path)]
    assert not missing, (missing, result.errors)
    assert not [path for path in JUDGED_CLEAN if path in result.errors], result.errors
    assert result.process.returncode == 1
