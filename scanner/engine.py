"""Run a scan: read and parse each file once, build the models its input needs, run the rules.

Rules are pure (model in, hits out). Everything else that shapes a finding — catalog metadata,
severity overrides, fingerprints, suppressions — happens here, once, so rules stay small.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from scanner.catalog import Rule, RuleContext, load_rules
from scanner.config import Config
from scanner.discover import STRUCTURED_TYPES, SourceFile, file_type
from scanner.findings import Finding, Hit, ScanError, fingerprint
from scanner.inputs import ParsedFile

MODEL_BUILDERS = {
    "dockerfile": "scanner.model.dockerfile:build",
    "container": "scanner.adapters:build",
    "kubernetes": "scanner.model.kubernetes:build",
    "compose": "scanner.model.compose:build",
    "terraform": "scanner.model.terraform:build",
    "cloudformation": "scanner.model.cloudformation:build",
    "cloud": "scanner.model.cloud:build",
    "text": "scanner.secrets.model:build",
    "image": "scanner.image.model:build",
}


@dataclass
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    files: int = 0
    types: dict[str, int] = field(default_factory=dict)


def _import(target: str) -> Any:
    module_name, _, name = target.partition(":")
    return getattr(importlib.import_module(module_name), name)


def read_source(source: SourceFile, config: Config, stdin_text: str | None = None
                ) -> ParsedFile | ScanError | None:
    """Read, classify and parse one file. None: nothing to scan (binary or empty text file)."""
    if source.problem:
        return ScanError(source.rel, source.problem)
    if stdin_text is not None:
        data = stdin_text.encode("utf-8", "surrogateescape")
    else:
        try:
            size = source.path.stat().st_size
            if size > config.limits.max_file_bytes:
                return ScanError(source.rel, f"skipped: {size} bytes is over the "
                                             f"{config.limits.max_file_bytes}-byte limit (--max-file-size)")
            data = source.path.read_bytes()
        except OSError as exc:
            return ScanError(source.rel, f"cannot read: {exc.strerror or exc}")
    forced = source.forced_type or config.forced_type
    binary = b"\x00" in data[:8192]
    name = source.path.name
    if binary:
        if forced or (file_type(name, "", "") in STRUCTURED_TYPES):
            return ScanError(source.rel, "binary file, not text")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        if forced or file_type(name, "", "") in STRUCTURED_TYPES:
            return ScanError(source.rel, f"not valid UTF-8 (byte {exc.start})", line)
        text = data.decode("utf-8", "replace")
    kind = file_type(name, text, forced)
    return parse_text(source, kind, text)


def parse_text(source: SourceFile, kind: str, text: str) -> ParsedFile | ScanError:
    from scanner.parse import ParseError, parser_for

    parse = parser_for(kind)
    tree = None
    if parse is not None:
        try:
            tree = parse(text, source.rel)
        except ParseError as exc:
            return ScanError(source.rel, exc.message, exc.line)
        except RecursionError:
            return ScanError(source.rel, "nesting is too deep to read")
    return ParsedFile(rel=source.rel, type=kind, text=text, tree=tree, path=source.path)


def rule_matches(rule: Rule, token: str) -> bool:
    """`select`/`ignore` entries name rules by id (or id prefix), name, severity, item or file type."""
    return (rule.id == token or rule.name == token or rule.severity == token
            or token in rule.checklist or token in rule.kinds
            or (token.isalpha() and token.isupper() and rule.id.startswith(token)))


def selected_rules(rules: Sequence[Rule], config: Config) -> list[Rule]:
    chosen = [r for r in rules if not config.select or any(rule_matches(r, t) for t in config.select)]
    chosen = [r for r in chosen if not any(rule_matches(r, t) for t in config.ignore)]
    if config.secrets_only:
        chosen = [r for r in chosen if r.model == "text" or "secrets.hardcoded" in r.checklist]
    return [replace(r, severity=config.severity_overrides.get(r.id, r.severity)) for r in chosen]


class Models:
    """Builds each model at most once per scan, and only when a rule asks for it."""

    def __init__(self, files: Sequence[ParsedFile], config: Config) -> None:
        self.files = files
        self.config = config
        self.built: dict[str, Any] = {}

    def get(self, name: str) -> Any:
        if name not in self.built:
            self.built[name] = _import(MODEL_BUILDERS[name])(self.files, self.config)
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


def run_rules(rules: Iterable[Rule], files: Sequence[ParsedFile], config: Config) -> list[Finding]:
    present = {f.type for f in files}
    models = Models(files, config)
    findings: dict[str, Finding] = {}
    for rule in rules:
        if not present.intersection(rule.kinds):
            continue
        check = rule.load_check()
        context = RuleContext(rule, config.rule_options.get(rule.id, {}))
        for hit in check(models.get(rule.model), context):
            finding = to_finding(rule, hit)
            findings.setdefault(finding.fingerprint, finding)
    return sorted(findings.values(), key=lambda f: f.sort_key)


def scan(sources: Iterable[SourceFile], config: Config, stdin_text: str | None = None) -> ScanResult:
    result = ScanResult()
    parsed: list[ParsedFile] = []
    for source in sources:
        outcome = read_source(source, config, stdin_text)
        if isinstance(outcome, ScanError):
            result.errors.append(outcome)
        elif outcome is not None:
            parsed.append(outcome)
            result.types[outcome.type] = result.types.get(outcome.type, 0) + 1
    result.files = len(parsed)
    result.rules = selected_rules(load_rules(config.rules_dirs), config)
    result.findings = run_rules(result.rules, parsed, config)
    return result
