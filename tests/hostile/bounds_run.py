"""One hostile scan as the bounds tests run it: both machine reports requested, both checked.

A denial of service that ends the run without a report is what these tests guard against, so
every run asks for JSON and SARIF files and fails unless both are written and parse.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from attacks import run_hullscan

# Every rule runs (`--profile strict`): a bound must hold for the rules outside the default set too.
REPORTS = ("--format", "json", "--output", "a.json", "--format", "sarif", "--output", "a.sarif",
           "--profile", "strict")


@dataclass
class Scan:
    process: subprocess.CompletedProcess[str]
    report: dict[str, Any]  # the JSON report
    sarif: dict[str, Any]

    @property
    def errors(self) -> dict[str, str]:
        """Error messages by path."""
        return {error["path"]: error["message"] for error in self.report["errors"]}

    @property
    def rules(self) -> set[tuple[str, str]]:
        """(rule, path) of every finding."""
        return {(finding["rule"], finding["path"]) for finding in self.report["findings"]}

    def names(self, path: str) -> bool:
        """Whether both reports name `path` (a finding or an error on it)."""
        in_json = path in self.errors or any(rule_path == path for _, rule_path in self.rules)
        return in_json and path in json.dumps(self.sarif)


def scan(tree: Path, *args: str) -> Scan:
    """`hullscan scan . ARGS` in `tree` under the hostile-test limits (4 GiB, 60 s)."""
    process = run_hullscan("scan", ".", *REPORTS, *args, cwd=tree)
    assert "internal error" not in process.stderr, process.stderr
    assert "Traceback" not in process.stderr, process.stderr
    for name in ("a.json", "a.sarif"):
        assert (tree / name).is_file(), f"{name} not written: {process.stderr}"
    return Scan(process, json.loads((tree / "a.json").read_text(encoding="utf-8")),
                json.loads((tree / "a.sarif").read_text(encoding="utf-8")))
