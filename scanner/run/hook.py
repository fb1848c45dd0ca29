"""The pre-commit mode (`hullscan scan --hook FILE...`): judge the files pre-commit names as part
of the project they belong to, so that the verdict is the same however pre-commit splits them.

- A file of a Helm chart (a template, a helper, values, Chart.yaml) is judged by rendering its
  chart, and a file an overlay reads (a kustomization, a patch, a resource, a base) by building
  every top overlay that reads it. What those renderings find is reported wherever it maps inside
  the chart or overlay: a change to a helper or a values file shows at the templates it affects.
- Relation rules (policy coverage, bindings, undefined secrets) read the facts of every
  Kubernetes file of the project, named or not. The files not named are read for those facts
  only (`units.Unit.context`): no rule judges them and nothing in them is reported.
- The configuration's `exclude:` applies to named files too (as ruff's `--force-exclude`):
  pre-commit names every staged file, and an excluded vendor folder must stay excluded.

A finding depends only on the project, and is reported when its file was named or belongs to a
chart or overlay that a named file belongs to; so a run on any split of the files reports, in
all, what one run on all of them reports.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.boundary import Boundary, contains
from scanner.inputs.discover import KUSTOMIZATION_NAMES, Skipped, SourceFile, classify_name, excluded, relative_name, walk
from scanner.settings.config import Config

if TYPE_CHECKING:
    from scanner.render.kustomize import Kustomization
    from scanner.results.result import ScanResult
    from scanner.run.units import Unit


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


@dataclass
class Focus:
    """What a `--hook` run was asked about: the named files, the charts and top overlays they
    belong to (`renders`, resolved folders), and the files whose findings are reported."""

    named: frozenset[str]
    renders: frozenset[Path] = frozenset()
    owned: frozenset[str] = frozenset()
    charts: tuple[str, ...] = ()  # the rendered charts' folders, relative: all their files are reported
    excluded: int = 0  # named files the configuration excludes
    outside: tuple[str, ...] = ()  # named files that are, or lead through, links out of the root
    context: set[str] = field(default_factory=set)  # files read for relation facts only

    def wants(self, folder: Path) -> bool:
        return _real(folder) in self.renders

    def reported(self, path: str) -> bool:
        return path in self.owned or any(chart in ("", ".") or path.startswith(f"{chart}/") for chart in self.charts)

    def units(self, planned: Sequence[Unit], relations: bool) -> list[Unit]:
        """The units that judge named files (a Terraform group holding one is judged whole, and
        reported for the named files only), the renderings, and, when relation rules run, the
        project's other YAML and JSON files as context units; the rest is not read at all."""
        kept: list[Unit] = []
        for unit in planned:
            files = [source.rel for source in unit.sources] + [parsed.rel for parsed in unit.parsed]
            if unit.rendered or any(rel in self.named for rel in files):
                kept.append(unit)
            elif relations and unit.sources and all(_may_hold_objects(source) for source in unit.sources):
                kept.append(replace(unit, context=True))
                self.context.update(files)
        return kept

    def narrow(self, result: ScanResult) -> None:
        """Keep what the named files are answerable for; an unreadable context file becomes a
        note (its objects' relations went unjudged), not an error that fails a commit not about it."""
        result.findings = [finding for finding in result.findings if self.reported(finding.path)]
        result.suppressed = [finding for finding in result.suppressed if self.reported(finding.path)]
        unread = sorted({error.path for error in result.errors if error.path in self.context})
        result.errors = [error for error in result.errors if error.path not in self.context]
        if unread:
            shown = ", ".join(unread[:3]) + (", ..." if len(unread) > 3 else "")
            result.notes.append(f"{len(unread)} file(s) not named could not be read, so relations to the objects "
                                f"they hold were not judged: {shown}")
        if self.outside:
            shown = ", ".join(self.outside[:3]) + (", ..." if len(self.outside) > 3 else "")
            result.notes.append(f"{len(self.outside)} named file(s) not read: they lead out of the project "
                                f"root through a symbolic link: {shown}")
        if self.excluded:
            result.notes.append(f"{self.excluded} named file(s) skipped: the configuration's `exclude:` matches them")


def _may_hold_objects(source: SourceFile) -> bool:
    """Whether a file not named may hold Kubernetes objects for relation facts: YAML or JSON not
    consumed by a chart or an overlay (those reach the cluster model through their rendering)."""
    return not source.forced_type and (bool(source.problem) or classify_name(source.path.name) == "yaml")


def hook_sources(paths: Iterable[str], config: Config, gitignore: bool, skipped: Skipped
                 ) -> tuple[list[SourceFile], Focus]:
    """Every file of the project (as a scan of the root walks it), the named files among them
    (added when the walk leaves them out, as a tracked file that .gitignore matches), and the focus."""
    root = config.root
    sources = list(walk([str(root)], root, config.exclude, gitignore, skipped))
    by_rel = {source.rel: source for source in sources}
    named: list[SourceFile] = []
    excluded_count, outside = 0, []
    for target in paths:
        start = Path(target)
        found = [SourceFile(start, relative_name(start, root))] if start.is_file() else list(
            walk([target], root, config.exclude, gitignore))
        for source in found:
            if not contains(root, source.path):
                # the names come from the tree (pre-commit lists what git tracks): a link out of
                # the repository is never followed, as a walk of the repository would not
                outside.append(source.rel)
            elif excluded(source.rel, source.path.name, config.exclude):
                excluded_count += 1
            elif source.rel not in by_rel:
                by_rel[source.rel] = source
                sources.append(source)
                named.append(source)
            else:
                named.append(by_rel[source.rel])
    focus = _focus(named, sources, config)
    focus.excluded, focus.outside = excluded_count, tuple(outside)
    return sources, focus


def _focus(named: list[SourceFile], sources: list[SourceFile], config: Config) -> Focus:
    from scanner.render.prepare import top_charts

    root = config.root
    named_real = {_real(source.path) for source in named}
    owned = {source.rel for source in named}
    charts = [chart for chart in top_charts(sources) if any(chart in path.parents for path in named_real)]
    renders = set(charts)
    for top, files, folders in _overlays(sources, config):
        if named_real & files or any(path.parent in folders for path in named_real):
            renders.add(top.directory)
            owned |= {relative_name(path, root) for path in files}
    return Focus(frozenset(source.rel for source in named), frozenset(renders), frozenset(owned),
                 tuple(relative_name(chart, root) for chart in charts))


def _overlays(sources: list[SourceFile], config: Config) -> Iterable[tuple[Kustomization, set[Path], set[Path]]]:
    """Each top kustomization with the files its build reads (manifests, patches, the
    kustomizations on the way) and the folders it passes through (generators read files there)."""
    from scanner.render import kustomize

    boundary = Boundary(config.root, config.limits.max_file_bytes)
    found = [k for k in (kustomize.read(source.path, boundary) for source in sources
                         if source.path.name in KUSTOMIZATION_NAMES and not source.problem) if k is not None]
    index = {k.directory: k for k in found}
    for top in kustomize.tops(found):
        reached = kustomize.chains(top, index)
        folders = {path for path in reached if path in index}
        files = {path for path in reached if path not in index}
        for folder in folders:
            files.add(folder / index[folder].file)
            files.update(index[folder].patches)
            files.update(patch.path for patch in index[folder].targeted)
        yield top, files, folders
