"""python-hcl2's grammar takes over a second of CPU to build. It used to be built inside the first
`.tf` file's budget (so with a short `--file-timeout`, or on a loaded runner, that file failed on
every run); it is built once per process before any budget starts, in workers too."""

from __future__ import annotations

from pathlib import Path

import pytest
from attacks import write_tree
from bounds_run import scan

BUCKET = 'resource "aws_s3_bucket" "b%d" {\n  bucket = "logs-%d"\n}\n'


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_terraform_parses_within_a_short_budget(tmp_path: Path, jobs: str) -> None:
    write_tree(tmp_path, {f"m{index}/main.tf": BUCKET % (index, index) for index in range(12)})
    result = scan(tmp_path, "--file-timeout", "0.5", "--jobs", jobs)
    assert result.errors == {}
    assert all(result.names(f"m{index}/main.tf") for index in range(12))
