"""Judge one set of parsed files: build the models the rules ask for, run each rule's check, and
turn its hits into findings.

This is the bottom of the run stage: the engine plans and gathers, units read and parse, and both
call down to here; nothing here knows about units, workers or reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from scanner.catalog.rules import Rule, RuleContext
from scanner.inputs.parsed import ParsedFile
from scanner.lazy import load
from scanner.results.findings import Finding, Hit, ScanError, fingerprint
from scanner.settings.config import Config

MODEL_BUILDERS = {
    "dockerfile": "scanner.model.dockerfile:build",
    "container": "scanner.adapters.containers:build",
    "kustomize": "scanner.model.kustomize:build",
    "kubernetes": "scanner.adapters.objects:build",
    "cluster": "scanner.model.cluster:build",
    "cloud": "scanner.adapters.cloud:build",
    "text": "scanner.secrets.model:build",
    "image": "scanner.image.model:build",
    "builds": "scanner.model.builds:build",
}
# Models built from other models receive them (when the unit has their file types), so that each
# model is built once per unit.
MODEL_INPUTS = {"kubernetes": {"kustomize": {"kubernetes"}, "cloud": {"terraform"}},
                "container": {"kubernetes": {"kubernetes"}, "cloud": {"terraform", "cloudformation", "arm"},
                              "builds": {"kubernetes", "compose", "terraform", "cloudformation", "arm"}},
                "cluster": {"kubernetes": {"kubernetes", "terraform"}, "container": {"kubernetes", "terraform"},
                            "cloud": {"terraform"}}}


class Models:
    """Builds each model at most once per unit, and only when a rule asks for it. `given` holds
    models built beforehand for the whole scan (its kustomizations, the merged cluster facts)."""

    def __init__(self, files: Sequence[ParsedFile], config: Config, given: dict[str, Any] | None = None) -> None:
        self.files = files
        self.config = config
        self.built: dict[str, Any] = dict(given or {})
        self.errors: list[ScanError] = []
        self.notes: list[str] = []

    def get(self, name: str) -> Any:
        if name not in self.built:
            types = {parsed.type for parsed in self.files}
            inputs = {dependency: self.get(dependency)
                      for dependency, kinds in MODEL_INPUTS.get(name, {}).items() if types & kinds}
            self.built[name] = load(MODEL_BUILDERS[name])(self.files, self.config, **inputs)
            # a model that could not read an auxiliary file (a `.dockerignore`) names it
            self.errors.extend(getattr(self.built[name], "read_errors", ()))
            self.notes.extend(getattr(self.built[name], "notes", ()))  # e.g. a linked template not fetched
        return self.built[name]


def to_finding(rule: Rule, hit: Hit) -> Finding:
    loc = hit.loc.at_least_line_one()
    return Finding(
        rule=rule.id, name=rule.name, severity=rule.severity, checklist=rule.checklist,
        path=loc.path, line=loc.line, column=max(loc.column, 1),
        end_line=max(loc.end_line, loc.line), end_column=max(loc.end_column, 1),
        message=rule.format_message(hit.resource, hit.args), resource=hit.resource,
        fingerprint=fingerprint(rule.id, loc.path, hit.resource, hit.key or str(loc.line)),
        related=hit.related,
    )


def run_rules(rules: Iterable[Rule], models: Models, present: set[str] | None = None
              ) -> tuple[list[Finding], set[str]]:
    """Findings of the rules whose kinds are present (in the models' files unless given), and the
    ids of the rules that ran."""
    present = {f.type for f in models.files} if present is None else present
    findings: dict[str, Finding] = {}
    ran: set[str] = set()
    for rule in rules:
        if not present.intersection(rule.kinds):
            continue
        ran.add(rule.id)
        context = RuleContext(rule, models.config.rule_options.get(rule.id, {}))
        try:
            for hit in rule.load_check()(models.get(rule.model), context):
                finding = to_finding(rule, hit)
                findings.setdefault(finding.fingerprint, finding)
        except Exception as exc:  # noqa: BLE001 - a failing rule is reported, the others still run
            models.errors.append(ScanError(rule.source or rule.id,
                                           f"rule {rule.id} stopped early ({type(exc).__name__})"))
    return sorted(findings.values(), key=lambda f: f.sort_key), ran
