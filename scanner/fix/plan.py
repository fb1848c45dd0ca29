"""Findings into edits: the API `hullscan fix`, SARIF `fixes` and editors' code actions share.

    plan_fixes(files, findings, rules, options=None, unsafe=True) -> Plan

`files` are the parsed files by reported path (`ParsedFile.rel`); each finding of a rule whose
catalog entry has a `fix` becomes `Edit`s of its file (offsets into the decoded text, plus 1-based
line and column), or a `Skipped` with the reason. Planning reads nothing and writes nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.catalog.rules import Rule
from scanner.fix.edits import Change, Edit
from scanner.fix.source import Source, Unfixable
from scanner.fix.target import Target
from scanner.inputs.parsed import ParsedFile
from scanner.results.findings import Finding

_YAML_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Skipped:
    finding: Finding
    reason: str


@dataclass
class Plan:
    edits: list[Edit] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unsafe_left: list[Finding] = field(default_factory=list)  # fixable with --unsafe


def plan_fixes(files: Mapping[str, ParsedFile] | Sequence[ParsedFile], findings: Iterable[Finding],
               rules: Sequence[Rule], options: Mapping[str, Mapping[str, Any]] | None = None,
               unsafe: bool = True) -> Plan:
    by_path = files if isinstance(files, Mapping) else {parsed.rel: parsed for parsed in files}
    by_id = {rule.id: rule for rule in rules}
    plan = Plan()
    targets: dict[str, tuple[str, Any, Source] | str] = {}
    for finding in findings:
        rule = by_id.get(finding.rule)
        if rule is None or rule.fix is None:
            continue
        if rule.fix.applicability == "unsafe" and not unsafe:
            plan.unsafe_left.append(finding)
            continue
        if finding.path not in targets:
            targets[finding.path] = _readable(by_path.get(finding.path))
        readable = targets[finding.path]
        if isinstance(readable, str):
            plan.skipped.append(Skipped(finding, readable))
            continue
        kind, tree, source = readable
        merged = {**rule.options, **dict((options or {}).get(rule.id, {}))}
        target = Target(finding, kind, tree, source, merged)
        try:
            changes = rule.fix.load()(target)
        except Unfixable as exc:
            plan.skipped.append(Skipped(finding, str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - one fix failing leaves the others planned
            plan.skipped.append(Skipped(finding, f"the fix stopped early ({type(exc).__name__})"))
            continue
        plan.edits.extend(_edit(change, finding, rule, source) for change in changes)
    return plan


def _edit(change: Change, finding: Finding, rule: Rule, source: Source) -> Edit:
    assert rule.fix is not None
    line, end_line = source.line_of(change.start), source.line_of(change.end)
    return Edit(path=finding.path, start=change.start, end=change.end, new_text=change.new,
                rule=rule.id, applicability=rule.fix.applicability, description=rule.fix.description,
                fingerprint=finding.fingerprint, line=line, column=change.start - source.starts[line - 1] + 1,
                end_line=end_line, end_column=change.end - source.starts[end_line - 1] + 1)


def _readable(parsed: ParsedFile | None) -> tuple[str, Any, Source] | str:
    """The file's kind, tree and text, or why it can't be edited. A file scanned as text that is
    YAML (a Helm values file, a kustomize base or patch) is read as plain YAML documents."""
    if parsed is None:
        return "the file was not read"
    if parsed.origin is not None:
        return "the finding is in rendered output; fix the template or values it comes from"
    if parsed.type != "text" and parsed.error is None:
        return parsed.type, parsed.tree, Source(parsed.text)
    if not parsed.rel.lower().endswith(_YAML_SUFFIXES):
        return "the file is not one hullscan edits"
    if "{{" in parsed.text:
        return "the finding is in a Helm template; add the setting to the template by hand"
    from scanner.parse.parsers import ParseError
    from scanner.parse.yaml import parse_documents

    try:
        return "yaml", parse_documents(parsed.text, parsed.rel), Source(parsed.text)
    except ParseError:
        return "the file is not valid YAML"
