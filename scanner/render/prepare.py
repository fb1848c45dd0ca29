"""Rendering: turn Helm charts and Kustomize overlays into the Kubernetes objects they deploy.

Runs between discovery and parsing. Raw chart templates are not YAML (`{{ }}`), so they and the
chart's values are read for secrets only; what gets judged is the rendered output, mapped back to
the template or overlay that produced each line (`scanner.render.sourcemap`). Without a renderer
the run says so once, and never reports the unrendered templates as broken files.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scanner.boundary import Boundary, Refused, printable, private_folder
from scanner.inputs.discover import KUSTOMIZATION_NAMES, SourceFile, relative_name, walk
from scanner.render import helm, kustomize, kustomize_map
from scanner.render.kustomize_copy import private_copies
from scanner.render.kustomize_map import Member
from scanner.render.sourcemap import Origin, source_comments, stream_segments
from scanner.render.sourcemap import Segment as MappedSegment
from scanner.render.sourcemap import SourceFile as MappedSource
from scanner.results.findings import ScanError
from scanner.settings.config import Config

CHART_FILE = "Chart.yaml"
Wanted = Callable[[Path], bool]  # which chart or overlay folders (resolved) to render
# Without a renderer what the chart or overlay deploys is unknown; the scan says so as an error,
# which fails it, unless rendering was turned off on purpose (then it is a note).
NO_HELM = ("chart not rendered, so what it deploys was not judged: no Helm renderer (install `hullscan[helm]` "
           "or put `helm` on PATH; --no-render scans its templates for secrets only)")
NO_KUSTOMIZE = ("overlay not rendered, so what it deploys was not judged: no kustomize (install `kustomize` or "
                "`kubectl`; --no-render scans its files as they are)")


@dataclass(frozen=True)
class RenderedStream:
    """Rendered YAML to scan as Kubernetes, as if it were the file `rel`."""

    rel: str
    text: str
    origin: Origin


@dataclass
class Prepared:
    sources: list[SourceFile]
    rendered: list[RenderedStream] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)


def _real(path: Path) -> Path:
    """The path with links resolved; a link loop is left as it is (reading it fails later, with
    an error line), where `Path.resolve` would raise."""
    return Path(os.path.realpath(path))


def top_charts(sources: list[SourceFile]) -> list[Path]:
    """The folders of the charts among `sources` that are not another chart's subchart."""
    charts = sorted({_real(s.path.parent) for s in sources if s.path.name == CHART_FILE})
    return [c for c in charts if not any(other != c and other in c.parents and "charts" in
                                         c.relative_to(other).parts for other in charts)]


def _in_chart(path: Path, charts: list[Path]) -> bool:
    """Templates, subcharts, values and Chart.yaml: read for secrets, never as manifests."""
    resolved = _real(path)
    for chart in charts:
        if chart in resolved.parents:
            parts = resolved.relative_to(chart).parts
            if parts[0] in ("templates", "charts") or (len(parts) == 1 and (
                    parts[0] == CHART_FILE or parts[0].startswith("values"))):
                return True
    return False


def _helm(charts: list[Path], config: Config, prepared: Prepared) -> None:
    tool = helm.renderer() if config.render_helm else ""
    boundary = Boundary(config.root, config.limits.max_file_bytes)
    if not tool and not config.secrets_only:
        if config.render_helm:  # asked to judge the charts and could not: never a clean pass
            # a library chart deploys nothing of its own, rendered or not
            prepared.errors.extend(ScanError(f"{relative_name(chart, config.root)}/{CHART_FILE}", NO_HELM)
                                   for chart in charts
                                   if helm.chart_metadata(chart, boundary).get("type") != "library")
        else:
            prepared.notes.append(f"{len(charts)} Helm chart(s) not rendered, their templates read for secrets "
                                  "only: rendering is turned off")
    if not tool:
        return
    for chart in charts:
        rel = relative_name(chart, config.root)
        metadata = helm.chart_metadata(chart, boundary)
        missing = helm.missing_dependencies(chart, metadata, boundary)
        for name in missing:
            prepared.notes.append(f"chart {rel}: dependency {printable(str(name))!r} is not vendored under charts/, "
                                  "skipped (hullscan never fetches charts)")
        try:
            with private_folder() as private:
                outcome = helm.render_chart(chart, rel, helm.chart_name(chart, metadata), tool, config, private)
        except OSError as exc:  # the private copy could not be written: this chart fails, not the scan
            prepared.errors.append(ScanError(f"{rel}/{CHART_FILE}", f"not rendered: {exc.strerror or exc}"))
            continue
        prepared.notes.extend(outcome.notes)
        prepared.errors.extend(ScanError(f"{rel}/{CHART_FILE}", message) for message in outcome.errors)
        for rendering in outcome.renderings:
            if "kind:" in rendering.text:
                prepared.rendered.append(RenderedStream(rendering.rel, rendering.text, rendering.origin))
            elif rendering.first and metadata.get("type") != "library" and not missing:
                # Nothing rendered and nothing to explain it: never let that pass as a clean scan.
                prepared.errors.append(ScanError(f"{rel}/{CHART_FILE}", f"{rendering.origin.rendering}: "
                                                 "rendered no Kubernetes objects"))


def _kustomize(files: list[Path], config: Config, prepared: Prepared, wanted: Wanted | None = None) -> set[Path]:
    """Render top-level kustomizations (those `wanted`, when given); the files they consume (to be
    read as text only)."""
    boundary = Boundary(config.root, config.limits.max_file_bytes)
    found = [k for k in (kustomize.read(p, boundary) for p in files) if k is not None]
    consumed: set[Path] = {patch for k in found for patch in k.patches}
    command = kustomize.tool() if config.render_kustomize else None
    tops = [top for top in kustomize.tops(found) if wanted is None or wanted(top.directory)]
    if command is None and not config.secrets_only:
        if config.render_kustomize:  # asked to judge the overlays and could not: never a clean pass
            prepared.errors.extend(ScanError(f"{relative_name(top.directory, config.root)}/{top.file}",
                                             NO_KUSTOMIZE) for top in tops)
        else:
            prepared.notes.append(f"{len(found)} kustomization(s) not rendered, their files scanned as they "
                                  "are: rendering is turned off")
    if command is None:
        return consumed
    index = {k.directory: k for k in found}
    with private_folder() as private:
        sandbox = kustomize.Sandbox(private / "home", kustomize.START_SECONDS + config.limits.file_timeout,
                                    config.limits.max_file_bytes)
        copies = private_copies(tops, index, boundary, private / "tree", sandbox)
        prepared.notes.extend(dict.fromkeys(copies.notes))
        built = [copy for copy in copies.tops if not isinstance(copy, str)]
        texts = iter(kustomize.render_all(built, copies.index, command, config.use_cache))
        results = [Refused(copy) if isinstance(copy, str) else next(texts) for copy in copies.tops]
    memo: dict[tuple[object, ...], Any] = {}  # source files parsed for one rendering's map, for the next
    for top, text in zip(tops, results):
        rel = relative_name(top.directory, config.root)
        if isinstance(text, Refused):
            prepared.errors.append(ScanError(f"{rel}/{top.file}", str(text)))
            continue
        if isinstance(text, RuntimeError):
            message = str(text).replace(f"{private / 'tree'}/", "").replace(str(private), "<private copy>")
            prepared.errors.append(ScanError(f"{rel}/{top.file}", f"kustomize build failed: {message}"))
            continue
        files_used, _ = kustomize.consumed(top, index)
        consumed |= files_used
        origin = Origin(f"kustomize {rel}", tuple(_segments(text, top, index, files_used, config.root, boundary, memo)),
                        home=f"{rel}/{top.file}")
        prepared.rendered.append(RenderedStream(f"{rel}/<kustomize build>", text, origin))
    return consumed


def _segments(text: str, top: kustomize.Kustomization, index: dict[Path, kustomize.Kustomization],
              files: set[Path], root: Path, boundary: Boundary, memo: dict[tuple[object, ...], Any]
              ) -> list[MappedSegment]:
    """The line map of one rendering: the manifests it read, each with the ways the top
    kustomization reaches it, the patch files of every kustomization on those ways, and those
    kustomizations themselves (for the objects their generators make)."""
    reached = kustomize.chains(top, index)
    members = [Member(relative_name(p, root), _text(p, boundary), tuple(reached.get(p, ()))) for p in sorted(files)]
    folders = {folder for ways in reached.values() for chain in ways for folder in chain}
    patches = {folder: [Member(relative_name(p, root), _text(p, boundary)) for p in index[folder].patches
                        if p.is_file()] for folder in folders}
    for folder in folders:
        for patch in index[folder].targeted:
            whole = _text(patch.path, boundary)
            patches[folder].append(Member(relative_name(patch.path, root), whole, target=(patch.kind, patch.name),
                                          inline=patch.text, first_line=patch.first_line))
    generators = [Member(relative_name(index[folder].directory / index[folder].file, root),
                         _text(index[folder].directory / index[folder].file, boundary), tuple(reached[folder]))
                  for folder in sorted(folders)]
    return kustomize_map.segments(text, members, patches, index, generators, memo)


def _text(path: Path, boundary: Boundary) -> str:
    """A file read for a source map, through the boundary ("" when it may not be read)."""
    try:
        return boundary.read_text(path)
    except Refused:
        return ""


def prepare(sources: list[SourceFile], config: Config, wanted: Wanted | None = None) -> Prepared:
    """Render the charts and top kustomizations among `sources` (only the folders `wanted`
    accepts, when given: the ones a `--hook` run's files belong to), and mark what they consume
    as text, rendered or not: a template or a patch is never judged as a manifest."""
    prepared = Prepared(sources)
    charts = top_charts(sources)
    rendered = [chart for chart in charts if wanted is None or wanted(chart)]
    if rendered:
        _helm(rendered, config, prepared)
    kustomizations = [s.path for s in sources if s.path.name in KUSTOMIZATION_NAMES]
    consumed = _kustomize(kustomizations, config, prepared, wanted) if kustomizations else set()
    # A subchart archive is judged through the rendering; as a file it is only a binary blob.
    sources = [s for s in sources if not (s.path.name.endswith(".tgz") and _in_chart(s.path, charts))]
    prepared.sources = [
        replace(s, forced_type="text") if (_in_chart(s.path, charts) or _real(s.path) in consumed
                                           or s.path.name in KUSTOMIZATION_NAMES) else s
        for s in sources]
    return prepared


def charts_under(root: Path) -> dict[str, Path]:
    """Chart folders under the project root by chart name, for `stream_origin`."""
    boundary = Boundary(root)
    charts: dict[str, Path] = {}
    for source in walk([str(root)], root):
        if source.path.name == CHART_FILE:
            chart = source.path.parent
            charts.setdefault(helm.chart_name(chart, helm.chart_metadata(chart, boundary)), chart)
    return charts


def stream_origin(rel: str, text: str, root: Path, charts: dict[str, Path]) -> Origin | None:
    """For rendered Helm output (`helm template ... | hullscan scan -`): map `# Source:` comments
    to template files of `charts` (from `charts_under`), when they are there and may be read."""
    wanted = set(source_comments(text))
    if not wanted:
        return None
    boundary = Boundary(root)
    resolve = {}
    for path in wanted:
        chart_name, _, inside = path.partition("/")
        chart = charts.get(chart_name)
        if chart is None:
            continue
        try:
            lines = tuple(boundary.read_text(chart / inside).splitlines())
        except Refused:
            continue
        resolve[path] = MappedSource(relative_name(chart / inside, root), lines)
    segments = stream_segments(text, resolve)
    return Origin("rendered Helm output", tuple(segments), stream=rel) if segments else None
