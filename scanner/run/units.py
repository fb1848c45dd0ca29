"""Scan units: the smallest groups of files that can be judged without the rest of the scan.

A unit is read, parsed and checked on its own (in a worker process, for large trees), and what it
hands back is small: findings, inline suppressions, errors, and its facts for the cluster model.
Parsed trees never outlive their unit, so memory follows the largest unit, not the tree.

Most files are a unit of their own. A Terraform module is evaluated with the local modules it
calls and the JSON files beside them (container definitions read with `file()`), so each
connected group of Terraform folders is one unit.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.boundary import Boundary, Refused
from scanner.catalog.rules import Rule
from scanner.inputs.discover import KUSTOMIZATION_NAMES, SourceFile, classify_name
from scanner.inputs.parsed import ParsedFile
from scanner.model.terraform.dirs import calls_in_text
from scanner.results.findings import Finding, ScanError
from scanner.run.judge import Models, run_rules
from scanner.settings.config import Config

if TYPE_CHECKING:
    from scanner.model.builds import Builds
    from scanner.model.cluster import Cluster
    from scanner.model.kustomize import Kustomizations
    from scanner.render.prepare import RenderedStream
    from scanner.render.sourcemap import Origin
    from scanner.results.suppress import InlineSuppression
    from scanner.secrets.exposure import Exposure

# A module call's literal local source, in HCL (`source = "../x"`) or JSON (`"source": "./x"`).
_PARAMETERS_NAME = re.compile(r"(?:^|\.)parameters(?:\.[\w-]+)?\.jsonc?$", re.IGNORECASE)
# Models whose facts are merged across units and judged once, over the whole scan.
MERGED_MODELS = frozenset({"cluster"})


@dataclass(frozen=True)
class Unit:
    """Files judged together: `sources` are read by the unit, `parsed` were read already, and
    `rendered` are Helm or Kustomize output (a `RenderedStream`), parsed by the unit."""

    sources: tuple[SourceFile, ...] = ()
    parsed: tuple[ParsedFile, ...] = ()
    rendered: tuple[RenderedStream, ...] = ()
    data: bytes | None = None  # the content of its one source, read from stdin
    # (rel, content) of sources held in an editor's buffers, read from there instead of the disk
    buffers: tuple[tuple[str, bytes], ...] = ()
    context: bool = False  # read for the cluster model's facts only (`--hook`): no rule judges it


@dataclass(frozen=True)
class ScanPlan:
    """What every unit of one scan shares; sent once to each worker process. Frozen: a worker
    must judge with exactly the plan the main process made."""

    config: Config
    rules: tuple[Rule, ...]  # the rules judged within units
    merged: tuple[Rule, ...] = ()  # judged once afterwards, on merged models
    meta: tuple[Rule, ...] = ()  # judged last, on the suppressions themselves
    known_rules: frozenset[str] = frozenset()  # every rule of the catalog, selected or not
    kustomize: Kustomizations | None = None
    builds: Builds | None = None  # what the scan's skaffold and Compose files build
    equivalents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    supersedes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # rule id -> the rules it supersedes
    stop_at: float = 0.0  # `time.monotonic()` after which no unit starts (--deadline); 0: none
    parses_hcl: bool = False  # whether some unit parses HCL, so workers build its grammar first

    @property
    def wants_cluster(self) -> bool:
        """Whether units leave their cluster facts: only when a relation rule will read them."""
        return any(rule.model == "cluster" for rule in self.merged)


@dataclass
class UnitResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    ran: set[str] = field(default_factory=set)
    suppressions: list[InlineSuppression] = field(default_factory=list)
    origins: dict[str, tuple[Origin, list[str]]] = field(default_factory=dict)
    remapped: bool = False
    cluster: Cluster | None = None
    unfinished: list[str] = field(default_factory=list)  # files not scanned: the deadline passed
    exposure: Exposure | None = None  # where the unit's files hold secrets
    probed_images: set[str] = field(default_factory=set)  # images its Kubernetes containers probe


def plan_units(sources: Sequence[SourceFile], boundary: Boundary, read_already: Sequence[ParsedFile] = (),
               rendered: Sequence[RenderedStream] = ()) -> list[Unit]:
    """One unit per file, but one per connected group of Terraform folders. Units come in the
    order of their first file, so results never depend on how they are scheduled."""
    done = {parsed.rel for parsed in read_already}
    folders: dict[str, list[SourceFile]] = {}
    for source in sources:
        if source.rel not in done and _terraform(source):
            folders.setdefault(posixpath.dirname(source.rel), []).append(source)
    group_of = _terraform_groups(folders, boundary)
    group_of.update({folder: f"arm:{folder}" for folder in _parameter_folders(sources, done)
                     if folder not in group_of})
    grouped: dict[str, list[SourceFile]] = {}
    units: list[Unit | str] = [Unit(parsed=(parsed,)) for parsed in read_already]
    for source in sources:
        if source.rel in done:
            continue
        folder = posixpath.dirname(source.rel)
        group = group_of.get(folder) if _terraform(source) or source.rel.lower().endswith((".json", ".jsonc")) \
            else None
        if group is None:
            units.append(Unit(sources=(source,)))
            continue
        if group not in grouped:
            grouped[group] = []
            units.append(group)
        grouped[group].append(source)
    return [Unit(sources=tuple(grouped[item])) if isinstance(item, str) else item for item in units] + \
        [Unit(rendered=(stream,)) for stream in rendered]


def _parameter_folders(sources: Sequence[SourceFile], done: set[str]) -> set[str]:
    """Folders holding an ARM parameters file (`*.parameters.json`, `parameters.json`): their
    JSON files are one unit, so a template is evaluated with the parameters beside it."""
    return {posixpath.dirname(source.rel) for source in sources if source.rel not in done
            and _PARAMETERS_NAME.search(source.path.name)}


def _terraform(source: SourceFile) -> bool:
    return (source.forced_type or classify_name(source.path.name)) == "terraform"


def _terraform_groups(folders: dict[str, list[SourceFile]], boundary: Boundary) -> dict[str, str]:
    """Each Terraform folder's group (named by one of its folders): a folder and the local modules
    it calls are evaluated together. Calls are found in the text, before parsing (so with several
    folders, each file is read once more); a `source` argument of a resource that looks like a
    path only joins two folders that needed not be."""
    parent = {folder: folder for folder in folders}
    if len(folders) < 2:
        return parent

    def find(folder: str) -> str:
        while parent[folder] != folder:
            parent[folder] = parent[parent[folder]]
            folder = parent[folder]
        return folder

    for folder, sources in folders.items():
        for target in _local_calls(folder, sources, boundary):
            if target in parent:
                parent[find(target)] = find(folder)
    return {folder: find(folder) for folder in folders}


def _local_calls(folder: str, sources: Sequence[SourceFile], boundary: Boundary) -> Iterator[str]:
    """Folders this one's files call with a literal local `source`, read through the boundary; a
    file it refuses (over the size limit, swapped for a link) is skipped here as by the scan."""
    for source in sources:
        try:
            text = boundary.read_text(source.path)
        except Refused:
            continue
        yield from calls_in_text(folder, text)


def kustomize_context(sources: Sequence[SourceFile], config: Config) -> tuple[Kustomizations | None, list[ParsedFile]]:
    """The scan's kustomizations, read before any unit (each unit needs the namespaces they give
    its files, and which files are patches), with the files read for them: those are units
    already read, not read again."""
    from scanner.inputs.reading import read_source

    by_rel = {source.rel: source for source in sources}
    kustomizations = [by_rel[rel] for rel in by_rel if posixpath.basename(rel) in KUSTOMIZATION_NAMES]
    if not kustomizations:
        return None, []
    from scanner.model.kustomize import Kustomizations

    read = [outcome for source in kustomizations
            if isinstance(outcome := read_source(source, config), ParsedFile)]
    patches = Kustomizations.read(read, by_rel).patches
    read += [outcome for rel in sorted(patches) if rel in by_rel
             if isinstance(outcome := read_source(by_rel[rel], config), ParsedFile)]
    return Kustomizations.read(read, by_rel), read


def builds_context(sources: Sequence[SourceFile], config: Config, read_already: Sequence[ParsedFile]
                   ) -> tuple[Builds | None, list[ParsedFile]]:
    """What the scan's skaffold and Compose files build, read before any unit (image names in
    every manifest depend on it), with the files read for it, which are units already read."""
    from scanner.inputs.reading import read_source
    from scanner.model.builds import build, states_builds

    done = {parsed.rel: parsed for parsed in read_already}
    read = [outcome for source in sources if states_builds(source.path.name) and source.rel not in done
            if isinstance(outcome := read_source(source, config), ParsedFile)]
    stated = build([*read, *(p for p in done.values() if states_builds(posixpath.basename(p.rel)))])
    return (stated if stated.builds else None), read


def unit_files(unit: Unit) -> list[str]:
    """The names of a unit's files, as reports show them."""
    return [s.rel for s in unit.sources] + [p.rel for p in unit.parsed] + [r.rel for r in unit.rendered]


def scan_unit(unit: Unit, plan: ScanPlan) -> UnitResult:
    """Read, parse and judge one unit; past the deadline, only name its files. A failure nobody
    foresaw is an error naming the unit's files: the rest of the scan, and its reports, go on."""
    import time

    if plan.stop_at and time.monotonic() > plan.stop_at:
        return UnitResult(unfinished=unit_files(unit))
    try:
        return _scan_unit(unit, plan)
    except Exception as exc:  # noqa: BLE001 - one unit must not end the scan without a report
        files = unit_files(unit)
        where = files[0] if len(files) == 1 else f"{files[0]} (and {len(files) - 1} more files)"
        return UnitResult(errors=[ScanError(where, f"could not be scanned ({type(exc).__name__})")])


def _scan_unit(unit: Unit, plan: ScanPlan) -> UnitResult:
    from scanner.inputs.reading import parse_text, read_source

    if unit.context:
        return _context_facts(unit, plan)
    result = UnitResult()
    parsed = list(unit.parsed)
    held = dict(unit.buffers)
    outcomes = [read_source(source, plan.config, held[source.rel], by_name=True) if source.rel in held
                else read_source(source, plan.config, unit.data) for source in unit.sources]
    outcomes += [_at_home(parse_text(SourceFile(Path(stream.rel), stream.rel), "kubernetes", stream.text,
                                     stream.origin), stream) for stream in unit.rendered]
    for outcome in outcomes:
        if isinstance(outcome, ScanError):
            result.errors.append(outcome)
        elif isinstance(outcome, str):
            result.notes.append(outcome)
        elif outcome is not None:
            if outcome.error is not None:
                result.errors.append(outcome.error)
            parsed.append(_with_stream_origin(outcome, plan))
    result.types = [item.type for item in parsed]
    if not parsed:
        return result
    from scanner.secrets.exposure import of_files

    result.exposure = of_files(parsed)
    seed: dict[str, object] = {"kustomize": plan.kustomize} if plan.kustomize is not None else {}
    if plan.builds is not None:
        seed["builds"] = plan.builds
    models = Models(parsed, plan.config, seed)
    result.findings, result.ran = _judge(parsed, plan, models, result)
    result.probed_images = _probed_images(models, plan, result.types)
    result.errors.extend(models.errors)
    result.notes.extend(note for note in models.notes if isinstance(note, str))
    origins = {p.rel: (p.origin, p.text.splitlines()) for p in parsed if p.origin is not None}
    if origins:
        from scanner.render.sourcemap import remap

        result.findings, result.remapped = remap(result.findings, origins), True
        # relation findings about these files are made later, in the main process
        result.origins = origins if result.cluster is not None else {}
    if plan.config.inline_suppressions:
        from scanner.results import suppress

        result.suppressions = suppress.collect((p for p in parsed if p.origin is None), plan.equivalents,
                                               plan.config.checkov_skips)
    return result


def _at_home(outcome: ParsedFile | ScanError, stream: RenderedStream) -> ParsedFile | ScanError:
    """A rendering that can't be read is an error at the file that made it (its Chart.yaml or
    kustomization), never at the rendering's made-up name."""
    def moved(error: ScanError) -> ScanError:
        at = f" (line {error.line} of the rendered output)" if error.line else ""
        return replace(error, path=stream.origin.home, line=0,
                       message=f"{stream.origin.rendering}: {error.message}{at}")

    if not stream.origin.home:
        return outcome
    if isinstance(outcome, ScanError):
        return moved(outcome)
    return replace(outcome, error=moved(outcome.error)) if outcome.error is not None else outcome


def _context_facts(unit: Unit, plan: ScanPlan) -> UnitResult:
    """The cluster facts of Kubernetes files a `--hook` run was not asked about: a policy or a
    binding there still covers or grants what the named files hold. No rule judges these files and
    nothing they hold is reported; one that can't be read is an error the hook turns into a note."""
    from scanner.inputs.reading import read_source
    from scanner.run.budget import OverBudget, time_budget

    result = UnitResult()
    parsed = []
    for outcome in (read_source(source, plan.config) for source in unit.sources):
        if isinstance(outcome, ScanError):
            result.errors.append(outcome)
        elif isinstance(outcome, ParsedFile) and outcome.type == "kubernetes":
            if outcome.error is not None:
                result.errors.append(outcome.error)
            parsed.append(_with_stream_origin(outcome, plan))
    if not parsed:
        return result
    seed = {"kustomize": plan.kustomize} if plan.kustomize is not None else {}
    try:
        with time_budget(plan.config.limits.file_timeout * len(parsed)):
            result.cluster = Models(parsed, plan.config, seed).get("cluster")
    except OverBudget:
        result.errors.append(ScanError(parsed[0].rel, "took too long to read for context (--file-timeout)"))
    return result


def _judge(parsed: list[ParsedFile], plan: ScanPlan, models: Models, result: UnitResult
           ) -> tuple[list[Finding], set[str]]:
    """The unit's findings, and its cluster facts when relation rules will want them; a unit that
    runs past its time budget (--file-timeout per file) is one error instead."""
    from scanner.run.budget import OverBudget, time_budget

    budget = plan.config.limits.file_timeout * len(parsed)
    try:
        with time_budget(budget):
            findings, ran = run_rules(plan.rules, models)
            if plan.wants_cluster and {"kubernetes", "terraform"} & set(result.types):
                result.cluster = models.get("cluster")
    except OverBudget:
        where = parsed[0].rel if len(parsed) == 1 else f"{parsed[0].rel} (and {len(parsed) - 1} more files)"
        result.errors.append(ScanError(where, f"took longer than {budget:g} s to check (--file-timeout)"))
        return [], set()
    return findings, ran


def _probed_images(models: Models, plan: ScanPlan, types: Sequence[str]) -> set[str]:
    """The images this unit's Kubernetes containers run with a liveness or readiness probe, when
    the scan builds images whose Dockerfile's HEALTHCHECK that would stand in for."""
    from scanner.model.builds import DKR_HEALTHCHECK_RULE
    from scanner.model.image_ref import parse

    if plan.builds is None or "kubernetes" not in types or all(r.id != DKR_HEALTHCHECK_RULE for r in plan.rules):
        return set()
    probed = set()
    for container in models.get("container"):
        ref = parse(str(getattr(container.image, "value", "")))
        if container.dialect == "kubernetes" and ref is not None and (container.liveness or container.readiness):
            probed.add(ref.full_name)
    return probed


def _parses_hcl(units: Sequence[Unit], config: Config) -> bool:
    """Whether some unit will parse Terraform's native syntax (not its JSON forms)."""
    return any((source.forced_type or config.forced_type or classify_name(source.path.name)) == "terraform"
               and not source.rel.lower().endswith(".json")
               for unit in units for source in unit.sources)


def _with_stream_origin(parsed: ParsedFile, plan: ScanPlan) -> ParsedFile:
    """Rendered Helm output saved in the tree: its `# Source:` comments map lines back to the
    chart's templates, when the chart is in the project."""
    if parsed.type != "kubernetes" or parsed.origin is not None or "# Source: " not in parsed.text:
        return parsed
    from scanner.render.prepare import stream_origin

    return replace(parsed, origin=stream_origin(parsed.rel, parsed.text, plan.config.root, _charts(plan.config.root)))


@functools.cache
def _charts(root: Path) -> dict[str, Path]:
    """The project's chart folders, walked once a process, when saved rendered output first needs
    them."""
    from scanner.render.prepare import charts_under

    return charts_under(root)


PARALLEL_MIN_FILES = 64
_worker_plan: list[ScanPlan] = []  # set in each worker process by `_start_worker`, never at import


def _start_worker(plan: ScanPlan) -> None:
    import signal

    # Ctrl-C reaches the whole process group: the main process stops the scan and says so in one
    # line; a worker must not print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if plan.parses_hcl:  # built already when the worker was forked; built here when spawned
        from scanner.parse.hcl.grammar import warm

        warm()
    _worker_plan.append(plan)


def _scan_in_worker(unit: Unit) -> UnitResult:
    return scan_unit(unit, _worker_plan[0])


def workers_for(config: Config, files: int) -> int:
    """--jobs, or by default every core for a large tree and one process for a handful of files
    (starting workers costs more than a pre-commit hook's few files take to check)."""
    import os

    if config.jobs:
        return config.jobs
    return (os.cpu_count() or 1) if files >= PARALLEL_MIN_FILES else 1


def run_units(units: Sequence[Unit], plan: ScanPlan, workers: int) -> Iterator[UnitResult]:
    """Each unit's result, in the order of `units` whatever the number of workers."""
    plan = replace(plan, parses_hcl=_parses_hcl(units, plan.config))
    if plan.parses_hcl:
        from scanner.parse.hcl.grammar import warm

        warm()  # before any file's budget starts, and before workers fork
    if workers <= 1 or len(units) < 2:
        yield from (scan_unit(unit, plan) for unit in units)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method),
                               initializer=_start_worker, initargs=(plan,))
    try:
        yield from pool.map(_scan_in_worker, units, chunksize=16)
    except BaseException:  # Ctrl-C or a failure: drop the queued units instead of waiting for them
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
