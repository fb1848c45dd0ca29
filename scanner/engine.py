"""Run a scan: read and parse each file once, build the models its input needs, run the rules.

Rules are pure (model in, hits out). Everything else that shapes a finding — catalog metadata,
severity overrides, fingerprints, suppressions — happens here, once, so rules stay small.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scanner.catalog import Rule, RuleContext, load_rules
from scanner.config import Config
from scanner.discover import RENDER_ROOTS, SourceFile, classify_content, classify_name, file_type
from scanner.findings import Finding, Hit, ScanError, fingerprint
from scanner.inputs import ParsedFile

MODEL_BUILDERS = {
    "dockerfile": "scanner.model.dockerfile:build",
    "container": "scanner.adapters:build",
    "kubernetes": "scanner.model.kubernetes:build",
    "cluster": "scanner.model.cluster:build",
    "cloud": "scanner.model.cloud:build",
    "text": "scanner.secrets.model:build",
    "image": "scanner.image.model:build",
}
# Models built from other models receive them (when the scan has their file types), so that each
# model is built once per scan.
MODEL_INPUTS = {"container": {"kubernetes": {"kubernetes"}, "cloud": {"terraform", "cloudformation"}},
                "cluster": {"kubernetes": {"kubernetes"}, "container": {"kubernetes", "terraform"}}}


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


def _claimed(name: str, head: bytes, forced: str) -> bool:
    """Whether a structured type claims the file, so that failing to read it is an error rather
    than a text file quietly skipped (a 20 MB lock file is not worth failing a build over)."""
    by_name = classify_name(name)
    if forced or by_name in ("dockerfile", "terraform"):
        return True
    return by_name == "yaml" and bool(classify_content(name, head.decode("utf-8", "replace")))


def read_source(source: SourceFile, config: Config, stdin_data: bytes | None = None
                ) -> ParsedFile | ScanError | str | None:
    """Read, classify and parse one file. An unreadable file no structured type claims is skipped:
    None for binary or non-UTF-8 text, a note (str) when it is over the size limit. A claimed
    file that can't be read is an error with the reason."""
    if source.problem:
        return ScanError(source.rel, source.problem)
    forced = source.forced_type or config.forced_type
    name = source.path.name
    try:
        if stdin_data is not None:
            data = stdin_data
        elif source.path.stat().st_size > config.limits.max_file_bytes:
            with source.path.open("rb") as handle:
                head = handle.read(65536)
            if not _claimed(name, head, forced):
                return f"skipped {source.rel}: larger than the size limit (--max-file-size)"
            return ScanError(source.rel, f"skipped: larger than the {config.limits.max_file_bytes}-byte "
                                         "limit (--max-file-size)")
        else:
            data = source.path.read_bytes()
    except OSError as exc:
        return ScanError(source.rel, f"cannot read: {exc.strerror or exc}")
    if b"\x00" in data[:8192]:
        return ScanError(source.rel, "binary file, not text") if _claimed(name, data[:65536], forced) else None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if not _claimed(name, data[:65536], forced):
            return None
        line = data[: exc.start].count(b"\n") + 1
        return ScanError(source.rel, f"not valid UTF-8 (byte {exc.start})", line)
    kind = file_type(name, text, forced)
    outcome = parse_text(source, kind, text, budget=config.limits.file_timeout, use_cache=config.use_cache)
    if isinstance(outcome, ScanError) and kind != "text":  # still read for secrets
        return ParsedFile(rel=source.rel, type="text", text=text, path=source.path, error=outcome)
    return outcome


def parse_text(source: SourceFile, kind: str, text: str, origin: Any = None,
               budget: float = 0, use_cache: bool = False) -> ParsedFile | ScanError:
    from scanner import cache
    from scanner.budget import OverBudget, time_budget
    from scanner.parse import ParseError, parser_for

    parse = parser_for(kind)
    cache_key = source.rel + "\0" + text  # the tree's locations name the file
    tree = cache.load(kind, cache_key) if use_cache and parse is not None else None
    if parse is not None and tree is None:
        try:
            with time_budget(budget):
                tree = parse(text, source.rel)
            if use_cache:
                cache.store(kind, cache_key, tree)
        except OverBudget:
            return ScanError(source.rel, f"took longer than {budget:g} s to parse (--file-timeout)")
        except ParseError as exc:
            return ScanError(source.rel, exc.message, exc.line)
        except RecursionError:
            return ScanError(source.rel, "nesting is too deep to read")
        except Exception as exc:  # noqa: BLE001 - one unreadable file must not end the scan
            return ScanError(source.rel, f"cannot be parsed ({type(exc).__name__})")
    return ParsedFile(rel=source.rel, type=kind, text=text, tree=tree, path=source.path, origin=origin)


def rule_matches(rule: Rule, token: str) -> bool:
    """`select`/`ignore` entries name rules by id (or id prefix), name, severity, item or file type."""
    return (rule.id == token or rule.name == token or rule.severity == token
            or token in rule.checklist or token in rule.kinds
            or (token.isupper() and rule.id.startswith(token) and rule.id[len(token):].isdigit()))


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
        self.errors: list[ScanError] = []

    def get(self, name: str) -> Any:
        if name not in self.built:
            types = {parsed.type for parsed in self.files}
            inputs = {dependency: self.get(dependency)
                      for dependency, kinds in MODEL_INPUTS.get(name, {}).items() if types & kinds}
            self.built[name] = _import(MODEL_BUILDERS[name])(self.files, self.config, **inputs)
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


def run_rules(rules: Iterable[Rule], models: Models) -> tuple[list[Finding], set[str]]:
    """Findings of the rules whose kinds are present, and the ids of the rules that ran."""
    present = {f.type for f in models.files}
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


def _check_rule_options(catalog: Sequence[Rule], config: Config) -> None:
    """Options in the configuration must name a rule and options it has: a misspelt option that is
    silently ignored would leave a gate at its default."""
    from scanner.catalog import CatalogError

    by_id = {rule.id: rule for rule in catalog}
    for rule_id, options in config.rule_options.items():
        rule = by_id.get(rule_id)
        if rule is None:
            raise CatalogError(f"configuration: rules.{rule_id}: no such rule")
        unknown = sorted(set(options) - set(rule.options))
        if unknown:
            known = ", ".join(sorted(rule.options)) or "none"
            raise CatalogError(f"configuration: rules.{rule_id}: unknown option(s) {', '.join(unknown)} "
                               f"(options: {known})")


def _checkov_equivalents(rules: Iterable[Rule]) -> dict[str, tuple[str, ...]]:
    mapping: dict[str, list[str]] = {}
    for rule in rules:
        for checkov_id in rule.equivalents.get("checkov", ()):
            mapping.setdefault(checkov_id, []).append(rule.id)
    return {key: tuple(value) for key, value in mapping.items()}


def scan_parsed(parsed: Sequence[ParsedFile], config: Config, result: ScanResult) -> None:
    """Rules, then inline suppressions, then the rules that judge the suppressions themselves."""
    from scanner import suppress

    catalog = load_rules(config.rules_dirs)
    _check_rule_options(catalog, config)
    result.rules = selected_rules(catalog, config)
    models = Models(parsed, config)
    findings, ran = run_rules((r for r in result.rules if r.model != "suppressions"), models)
    origins = {p.rel: (p.origin, p.text.splitlines()) for p in parsed if p.origin is not None}
    if origins:
        from scanner.render.sourcemap import remap

        findings = _dedupe(remap(findings, origins))
    if not config.inline_suppressions:
        result.findings = findings
        result.errors.extend(models.errors)
        return
    inline = suppress.collect((p for p in parsed if p.origin is None), _checkov_equivalents(catalog),
                              config.checkov_skips)
    active, result.suppressed = suppress.apply(findings, inline)
    models.built["suppressions"] = suppress.Suppressions(
        inline, frozenset(r.id for r in catalog), frozenset(ran))
    meta, _ = run_rules((r for r in result.rules if r.model == "suppressions"), models)
    result.findings = sorted(active + meta, key=lambda f: f.sort_key)
    result.errors.extend(models.errors)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and place: overlays sharing a base map to the same source line."""
    unique: dict[tuple[str, str, int, int], Finding] = {}
    for finding in findings:
        unique.setdefault((finding.rule, finding.path, finding.line, finding.column), finding)
    return sorted(unique.values(), key=lambda f: f.sort_key)


PARALLEL_MIN_FILES = 64


def _workers(config: Config, count: int) -> int:
    """--jobs, or by default every core for a large tree and one process for a handful of files
    (starting workers costs more than a pre-commit hook's few files take to parse)."""
    if config.jobs:
        return config.jobs
    return (os.cpu_count() or 1) if count >= PARALLEL_MIN_FILES else 1


def _read_one(item: tuple[SourceFile, Config]) -> ParsedFile | ScanError | str | None:
    return read_source(*item)


def _read_all(sources: Sequence[SourceFile], config: Config, stdin_data: bytes | None,
              result: ScanResult) -> list[ParsedFile]:
    """Read and parse every file, in worker processes for large trees; the order of the results
    is the order of `sources` whatever the number of workers, so output never depends on it."""
    workers = 1 if stdin_data is not None else _workers(config, len(sources))
    if workers > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)) as pool:
            outcomes = list(pool.map(_read_one, ((s, config) for s in sources), chunksize=8))
    else:
        outcomes = [read_source(source, config, stdin_data) for source in sources]
    parsed: list[ParsedFile] = []
    charts: dict[str, Path] | None = None  # walked once, and only if a rendered stream shows up
    for outcome in outcomes:
        if isinstance(outcome, ScanError):
            result.errors.append(outcome)
        elif isinstance(outcome, str):
            result.notes.append(outcome)
        elif outcome is not None:
            if outcome.error is not None:
                result.errors.append(outcome.error)
            if outcome.type == "kubernetes" and "# Source: " in outcome.text:
                from scanner.render import charts_under, stream_origin

                charts = charts_under(config.root) if charts is None else charts
                outcome = replace(outcome, origin=stream_origin(outcome.rel, outcome.text, config.root, charts))
            parsed.append(outcome)
    return parsed


def scan(sources: Iterable[SourceFile], config: Config, stdin_data: bytes | None = None) -> ScanResult:
    result = ScanResult()
    sources = list(sources)
    rendered: list[ParsedFile] = []
    if stdin_data is None and any(s.path.name in RENDER_ROOTS for s in sources):
        from scanner import render

        prepared = render.prepare(sources, config)
        sources = prepared.sources
        result.notes.extend(prepared.notes)
        result.errors.extend(prepared.errors)
        for stream in prepared.rendered:
            outcome = parse_text(SourceFile(Path(stream.rel), stream.rel), "kubernetes", stream.text, stream.origin)
            (result.errors if isinstance(outcome, ScanError) else rendered).append(outcome)
    parsed = _read_all(sources, config, stdin_data, result) + rendered
    for item in parsed:
        result.types[item.type] = result.types.get(item.type, 0) + 1
    result.files = len(parsed)
    scan_parsed(parsed, config, result)
    return result
