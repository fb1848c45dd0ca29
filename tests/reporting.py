"""Sample scan results for the reporter tests: two small rules and findings built directly."""

from __future__ import annotations

import hashlib
from pathlib import Path

from scanner.catalog.rules import load_checklist, parse_rule
from scanner.nodes import Location
from scanner.report.formats import ReportOptions
from scanner.results.findings import Finding, ScanError, Suppression
from scanner.results.result import ScanResult

DOCKERFILE = "FROM python:3.12\nUSER root\nRUN pip install flask\n"
MANIFEST = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n"
    "    - name: app\n      image: nginx:1.25\n      securityContext:\n"
    "        privileged: true\n"
)

RULES = {
    "DKR901": {
        "id": "DKR901", "name": "root-user", "severity": "high",
        "checklist": ["runtime.non-root"], "kinds": ["dockerfile"], "model": "dockerfile",
        "message": "{resource} runs as root", "check": "scanner.checks.dockerfile.user:root_user",
        "references": ["CIS Docker Benchmark 4.1", "https://docs.docker.com/engine/security/"],
        "equivalents": {"hadolint": ["DL3002"], "checkov": ["CKV_DOCKER_8"]},
        "options": {"allow": []},
        "docs": {"what": "Checks that the final stage does not run as `root`.",
                 "why": "A process running as root inside a container is root on the host\n"
                        "if it breaks out; <script> & | stay literal.",
                 "example": "FROM python:3.12\nUSER root\n",
                 "use_instead": "FROM python:3.12\nUSER 10001\n"},
    },
    "CTR902": {
        "id": "CTR902", "name": "privileged-container", "severity": "critical",
        "checklist": ["runtime.privileged"], "kinds": ["kubernetes", "compose"], "model": "container",
        "message": "{resource} runs privileged", "check": "scanner.checks.container.hardening:runs_as_root",
        "docs": {"what": "Flags containers with `privileged: true`.",
                 "why": "A privileged container has every capability and all host devices.",
                 "example": "securityContext:\n  privileged: true\n",
                 "use_instead": "securityContext:\n  privileged: false\n"},
    },
}


def sample_rules() -> list:
    ids = frozenset(item["id"] for item in load_checklist())
    return [parse_rule(data, Path(f"rules/{rid}-{data['name']}.yaml"), ids)
            for rid, data in sorted(RULES.items())]


def finding(rule: str, path: str, line: int, column: int, end_column: int, resource: str,
            suppression: Suppression | None = None, severity: str = "", **extra) -> Finding:
    data = RULES[rule]
    return Finding(
        rule=rule, name=data["name"], severity=severity or data["severity"],
        checklist=tuple(data["checklist"]), path=path, line=line, column=column, end_line=line,
        end_column=end_column, message=data["message"].format(resource=resource),
        resource=resource, fingerprint=hashlib.sha256(f"{rule}{path}{line}".encode()).hexdigest()[:32],
        suppression=suppression, **extra)


def full_result() -> ScanResult:
    """Findings in two files, one parse error, one suppressed finding."""
    findings = [
        finding("CTR902", "k8s/pod.yaml", 10, 9, 25, 'Pod/web container "app"',
                related=(Location("k8s/pod.yaml", 7, 7, 7, 16),)),
        finding("DKR901", "Dockerfile", 2, 1, 10, 'stage "python:3.12"'),
    ]
    suppressed = [finding("DKR901", "Dockerfile", 3, 1, 4, 'stage "old"',
                          suppression=Suppression("inline", "legacy image, tracked in #12",
                                                  Location("Dockerfile", 3, 1)))]
    return ScanResult(findings=findings, suppressed=suppressed,
                      errors=[ScanError("broken.yaml", "mapping values are not allowed here", 4),
                              ScanError("big.tf", "skipped: too large")],
                      rules=sample_rules(), files=3, types={"dockerfile": 1, "kubernetes": 1})


def write_sources(root: Path) -> Path:
    (root / "k8s").mkdir()
    (root / "Dockerfile").write_text(DOCKERFILE)
    (root / "k8s" / "pod.yaml").write_text(MANIFEST)
    return root


def options(root: Path, **changes) -> ReportOptions:
    return ReportOptions(root=root, tool_version="9.9.9", **changes)
