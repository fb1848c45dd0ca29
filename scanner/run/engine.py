"""Run a scan: plan its units (`scanner.run.units`), judge each with the rules of its own models,
then judge relations across files once on the merged cluster model, then suppressions.

Rules are pure (model in, hits out). Everything else that shapes a finding — catalog metadata,
severity overrides, fingerprints, suppressions — happens here, once, so rules stay small.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from scanner.boundary import Boundary
from scanner.catalog.errors import CatalogError
from scanner.catalog.rules import Rule, load_rules
from scanner.inputs.discover import RENDER_ROOTS, SourceFile
from scanner.inputs.parsed import ParsedFile
from scanner.results.findings import Finding, ScanError
from scanner.results.result import ScanResult
from scanner.run import units
from scanner.run.judge import Models, run_rules
from scanner.run.units import MERGED_MODELS, ScanPlan, UnitResult
from scanner.settings.config import Config

if TYPE_CHECKING:
    from scanner.render.prepare import RenderedStream
    from scanner.render.sourcemap import Origin
    from scanner.run.hook import Focus
    from scanner.run.progress import Progress


def rule_matches(rule: Rule, token: str) -> bool:
    """`select`/`ignore` entries name rules by id (or id prefix), name, severity, item or file type."""
    return (rule.id == token or rule.name == token or rule.severity == token
            or token in rule.checklist or token in rule.kinds
            or (token.isupper() and rule.id.startswith(token) and rule.id[len(token):].isdigit()))


def selected_rules(rules: Sequence[Rule], config: Config) -> list[Rule]:
    """`select` chooses from the whole catalog, whatever the profiles; without it, the profiles
    choose. `ignore` and `--secrets-only` then narrow either."""
    from scanner.catalog.profiles import members
    from scanner.catalog.rules import load_profiles

    if config.select:
        chosen = [r for r in rules if any(rule_matches(r, t) for t in config.select)]
    else:
        chosen = members(rules, config.profiles, load_profiles())
    chosen = [r for r in chosen if not any(rule_matches(r, t) for t in config.ignore)]
    if config.secrets_only:
        chosen = [r for r in chosen if r.model == "text" or "secrets.hardcoded" in r.checklist]
    return [replace(r, severity=config.severity_overrides.get(r.id, r.severity)) for r in chosen]


def _check_rule_options(catalog: Sequence[Rule], config: Config) -> None:
    """Options in the configuration must name a rule and options it has: a misspelt option that is
    silently ignored would leave a gate at its default."""
    by_id = {rule.id: rule for rule in catalog}
    for rule_id, options in config.rule_options.items():
        where = f"{config.rule_options_at.get(rule_id, 'configuration')}: rules.{rule_id}"
        rule = by_id.get(rule_id)
        if rule is None:
            raise CatalogError(f"{where}: no such rule")
        unknown = sorted(set(options) - set(rule.options))
        if unknown:
            known = ", ".join(sorted(rule.options)) or "none"
            raise CatalogError(f"{where}: unknown option(s) {', '.join(unknown)} (options: {known})")


def _checkov_equivalents(rules: Iterable[Rule]) -> dict[str, tuple[str, ...]]:
    mapping: dict[str, list[str]] = {}
    for rule in rules:
        for checkov_id in rule.equivalents.get("checkov", ()):
            mapping.setdefault(checkov_id, []).append(rule.id)
    return {key: tuple(value) for key, value in mapping.items()}


def _plan(config: Config, result: ScanResult, stop_at: float = 0.0) -> ScanPlan:
    """The plan every unit shares, with the rules judged in the main process afterwards: those on
    merged models, and those on the suppressions themselves."""
    catalog = load_rules(config.rules_dirs)
    _check_rule_options(catalog, config)
    result.rules = selected_rules(catalog, config)
    merged = tuple(rule for rule in result.rules if rule.model in MERGED_MODELS)
    meta = tuple(rule for rule in result.rules if rule.model == "suppressions")
    per_unit = tuple(rule for rule in result.rules if rule not in merged and rule not in meta)
    return ScanPlan(config, per_unit, merged, meta, frozenset(rule.id for rule in catalog),
                    equivalents=_checkov_equivalents(catalog),
                    supersedes={rule.id: rule.supersedes for rule in catalog if rule.supersedes},
                    stop_at=stop_at)


def _gather(results: Iterable[UnitResult], plan: ScanPlan, result: ScanResult) -> None:
    """Fold unit results into the scan's (leaving them as they were); judge the merged models; then
    inline suppressions, then the rules that judge the suppressions themselves."""
    from scanner.results import suppress
    from scanner.results.overlap import supersede

    findings: dict[str, Finding] = {}
    ran: set[str] = set()
    inline: list[suppress.InlineSuppression] = []
    origins: dict[str, tuple[Origin, list[str]]] = {}
    cluster, remapped = None, False
    probed: set[str] = set()
    for unit in results:
        probed |= unit.probed_images
        result.errors.extend(unit.errors)
        result.notes.extend(unit.notes)
        result.unfinished.extend(unit.unfinished)
        if unit.exposure is not None:
            result.exposure.merge(unit.exposure)
        for kind in unit.types:
            result.types[kind] = result.types.get(kind, 0) + 1
        result.files += len(unit.types)
        for finding in unit.findings:
            findings.setdefault(finding.fingerprint, finding)
        ran |= unit.ran
        # copies: a unit's result is never changed here, so a caller may keep it (`judge_texts`)
        inline.extend(replace(item, used=False) for item in unit.suppressions)
        origins.update(unit.origins)
        remapped = remapped or unit.remapped
        if unit.cluster is not None:
            if cluster is None:
                cluster = type(unit.cluster)()
            cluster.merge(unit.cluster)
    models = Models([], plan.config, {"cluster": cluster})
    present = set(result.types)
    if cluster is not None:
        found, merged_ran = run_rules(plan.merged, models, present)
        ran |= merged_ran
        if origins:
            from scanner.render.sourcemap import remap

            found = remap(found, origins)
        for finding in found:
            findings.setdefault(finding.fingerprint, finding)
    # of findings that rendering maps to one place, the first found is kept (its own file's order)
    ordered = _dedupe(list(findings.values())) if remapped else sorted(findings.values(), key=lambda f: f.sort_key)
    ordered = supersede(ordered, plan.supersedes)
    if plan.builds is not None:
        from scanner.model.builds import without_checked_healthchecks

        ordered = without_checked_healthchecks(ordered, plan.builds, probed)
    if plan.config.inline_suppressions:
        today = datetime.date.today()  # one day for applying suppressions and judging their expiry
        active, result.suppressed = suppress.apply(ordered, inline, today)
        models.built["suppressions"] = suppress.Suppressions(inline, plan.known_rules, frozenset(ran), today)
        judged, _ = run_rules(plan.meta, models, present)
        ordered = sorted(active + judged, key=lambda f: f.sort_key)
    result.findings = ordered
    late = [ScanError(rel, f"not scanned: the scan's deadline ({plan.config.limits.deadline:g} s, --deadline) "
                           "passed first") for rel in result.unfinished]
    result.errors = list(dict.fromkeys(result.errors + models.errors + late))  # a rule fails alike in every unit


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and place: overlays sharing a base map to the same source line."""
    unique: dict[tuple[str, str, int, int], Finding] = {}
    for finding in findings:
        unique.setdefault((finding.rule, finding.path, finding.line, finding.column), finding)
    return sorted(unique.values(), key=lambda f: f.sort_key)


def scan_parsed(parsed: Sequence[ParsedFile], config: Config, result: ScanResult) -> None:
    """Judge files read already (a saved image's model) as one unit."""
    plan = _plan(config, result)
    _gather([units.scan_unit(units.Unit(parsed=tuple(parsed)), plan)], plan, result)


def _render(sources: list[SourceFile], config: Config, result: ScanResult, focus: Focus | None = None
            ) -> tuple[list[SourceFile], list[RenderedStream]]:
    """Charts and overlays rendered, and the sources with what they consumed marked as text. Files
    the walk could not read (a link loop, an unreadable folder) are errors already and stay out of
    it; a rendering that fails in a way nobody foresaw is an error, and the files are scanned as
    they are."""
    from scanner.render import prepare as render

    readable = [source for source in sources if not source.problem]
    try:
        prepared = render.prepare(readable, config, focus.wants if focus is not None else None)
    except Exception as exc:  # noqa: BLE001 - the rest of the scan and its reports go on
        result.errors.append(_failed("charts and overlays", "could not be rendered", readable, exc))
        return sources, []
    result.notes.extend(prepared.notes)
    result.errors.extend(prepared.errors)
    return prepared.sources + [source for source in sources if source.problem], prepared.rendered


def _failed(what: str, how: str, sources: Sequence[SourceFile], exc: Exception) -> ScanError:
    """An error at the first render root: the place a reader would look."""
    roots = [source.rel for source in sources if source.path.name in RENDER_ROOTS] or ["."]
    return ScanError(roots[0], f"{what} {how} ({type(exc).__name__})")


def scan(sources: Iterable[SourceFile], config: Config, stdin_data: bytes | None = None,
         focus: Focus | None = None, progress: Progress | None = None) -> ScanResult:
    """Plan units (after rendering charts and overlays, and reading the kustomizations every unit
    needs), judge them in order, in worker processes for large trees, then fold them together.
    A `focus` (`scanner.run.hook.Focus`) narrows the scan to what named files are answerable for;
    `progress` hears of each unit done."""
    result = ScanResult()
    sources = list(sources)
    if config.use_cache:  # decided once, here, so that the note is said once and workers agree
        from scanner.run.cache import refusal

        if note := refusal(config.root):
            result.notes.append(note)
            config = replace(config, use_cache=False)
    plan = _plan(config, result, time.monotonic() + config.limits.deadline if config.limits.deadline else 0.0)
    read_already: list[ParsedFile] = []
    rendered: list[RenderedStream] = []
    if stdin_data is not None:
        todo = [units.Unit(sources=tuple(sources), data=stdin_data)]
        _gather(units.run_units(todo, plan, 1), plan, result)
        return result
    if any(s.path.name in RENDER_ROOTS for s in sources):
        sources, rendered = _render(sources, config, result, focus)
        try:
            kustomize, read_already = units.kustomize_context(sources, config)
            plan = replace(plan, kustomize=kustomize)
        except Exception as exc:  # noqa: BLE001 - judged without their namespaces, and said so
            result.errors.append(_failed("kustomizations", "could not be read", sources, exc))
    try:
        builds, stated = units.builds_context(sources, config, read_already)
        plan = replace(plan, builds=builds)
        read_already = [*read_already, *stated]
        if builds is not None and (note := builds.note()):
            result.notes.append(note)
    except Exception as exc:  # noqa: BLE001 - judged without knowing what the project builds, and said so
        result.errors.append(_failed("skaffold and Compose builds", "could not be read", sources, exc))
    if any(s.path.name.lower().endswith(".bicep") for s in sources):
        from scanner.model.arm import bicep

        built, failed, notes = bicep.prepare(sources, config)
        read_already += built
        result.errors.extend(failed)
        result.notes.extend(notes)
    todo = units.plan_units(sources, Boundary(config.root, config.limits.max_file_bytes), read_already, rendered)
    if focus is not None:
        todo = focus.units(todo, plan.wants_cluster)
    workers = units.workers_for(config, len(todo))
    _gather(_counted(units.run_units(todo, plan, workers), len(todo), progress), plan, result)
    if focus is not None:
        focus.narrow(result)
    return result


@dataclass
class _Disk:
    """The files on disk as one `judge_texts` call found them, and their units' results so far."""

    signature: tuple[object, ...]
    plan: ScanPlan  # the catalog is read again only with the files (a rules folder may be among them)
    rules: list[Rule]
    sources: list[SourceFile]
    rendered: list[RenderedStream]
    read_already: list[ParsedFile]
    errors: list[ScanError]
    notes: list[str]
    results: dict[tuple[str, ...], UnitResult] = field(default_factory=dict)


def _signature(sources: Sequence[SourceFile], config: Config) -> tuple[object, ...]:
    """What the files on disk are, to within a size and a modification time."""
    stats = []
    for source in sources:
        try:
            info = source.path.stat()
            stats.append((source.rel, source.forced_type, info.st_size, info.st_mtime_ns))
        except OSError:
            stats.append((source.rel, source.forced_type, -1, -1))
    return (repr(config), tuple(stats))


def _on_disk(sources: Sequence[SourceFile], config: Config, memo: dict[str, object]) -> _Disk:
    """The project's files as `scan` prepares them (charts and overlays rendered, kustomizations
    read), reused while no file and not the configuration changed."""
    signature = _signature(sources, config)
    disk = memo.get("disk")
    if isinstance(disk, _Disk) and disk.signature == signature:
        return disk
    found, prepared = ScanResult(), list(sources)
    rendered: list[RenderedStream] = []
    read_already: list[ParsedFile] = []
    plan = _plan(config, found)
    if any(s.path.name in RENDER_ROOTS for s in sources):
        prepared, rendered = _render(prepared, config, found)
        try:
            kustomize, read_already = units.kustomize_context(prepared, config)
            plan = replace(plan, kustomize=kustomize)
        except Exception as exc:  # noqa: BLE001 - judged without their namespaces, and said so
            found.errors.append(_failed("kustomizations", "could not be read", prepared, exc))
    disk = _Disk(signature, plan, found.rules, prepared, rendered, read_already, found.errors, found.notes)
    memo["disk"] = disk
    return disk


def judge_texts(texts: Sequence[tuple[SourceFile, str]], sources: Sequence[SourceFile], config: Config,
                memo: dict[str, object] | None = None) -> ScanResult:
    """Judge texts held in memory (an editor's unsaved buffers), each as the file its source names,
    with the rest of the project read from disk (`sources`, as `walk` lists them), as `scan` would:
    relation rules see every file, findings in rendered charts and overlays land on their templates
    and patches, suppressions apply. Charts and overlays are rendered from the files on disk.

    `memo`, a dict the caller keeps between calls, lets the next call judge only what changed: the
    files on disk again when one of them (by size and modification time) or the configuration
    changed, a text when it changed. All in this process, so that per-file budgets hold."""
    memo = {} if memo is None else memo
    disk = _on_disk(sources, config, memo)
    plan, result = disk.plan, ScanResult(rules=list(disk.rules))
    held = {source.rel: text.encode("utf-8", "surrogatepass") for source, text in texts}
    on_disk = {s.rel for s in disk.sources}
    listed = disk.sources + [source for source, _ in texts if source.rel not in on_disk]
    boundary = Boundary(config.root, config.limits.max_file_bytes)
    # a text joins the unit its file would be in (a Terraform module's folder), or is one of its own
    todo = [replace(unit, buffers=tuple((s.rel, held[s.rel]) for s in unit.sources if s.rel in held))
            for unit in units.plan_units(listed, boundary, [p for p in disk.read_already if p.rel not in held],
                                         disk.rendered)]
    keys = [_unit_key(unit) for unit in todo]
    missing = [(key, unit) for key, unit in zip(keys, todo) if key not in disk.results]
    for (key, _), outcome in zip(missing, units.run_units([unit for _, unit in missing], plan, 1)):
        disk.results[key] = outcome
    disk.results = {key: disk.results[key] for key in keys}  # older versions of the texts go
    _gather([disk.results[key] for key in keys], plan, result)
    result.errors[:0] = disk.errors
    result.notes[:0] = disk.notes
    return result


def _unit_key(unit: units.Unit) -> tuple[str, ...]:
    """A unit by its files' names (the contents of those on disk are the `_Disk` signature's), and
    the content of those held in memory."""
    import hashlib

    return (*units.unit_files(unit), *(hashlib.sha256(data).hexdigest() for _, data in unit.buffers))


def _counted(results: Iterable[UnitResult], total: int, progress: Progress | None) -> Iterator[UnitResult]:
    for done, unit in enumerate(results, 1):
        if progress is not None:
            progress.step(done, total)
        yield unit
