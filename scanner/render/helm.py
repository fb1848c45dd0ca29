"""Render Helm charts found in the scanned tree, offline, with no cluster and no network.

A chart is rendered from a private copy of its vetted files (`scanner.render.chartcopy`), never
from the tree, in a process of its own with `offline_environment`, a time limit and an output
limit: with the `helm` extra (helm-python-sdk, Helm's Go SDK behind a C ABI) by `helm_child`,
else by a `helm` binary on PATH. Each chart is rendered with its defaults, then once more per
`values*.yaml` beside it and per `--helm-values` file, each rendering named after its values; and
each of those again under a second release name, since a template can branch on `.Release.Name`.
Dependencies that are not vendored under `charts/` are skipped, never fetched.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from scanner.boundary import Boundary, OverLimit, Refused, printable, run_offline
from scanner.nodes import to_plain
from scanner.render.chartcopy import ChartCopy, copy_chart
from scanner.render.helm_values import ValuesFile, read_values
from scanner.render.sourcemap import Origin, Segment, SourceFile, stream_segments
from scanner.settings.config import Config

RELEASE = "release"
SECOND_RELEASE = "production"
NAMESPACE = "default"
START_SECONDS = 10.0  # an interpreter and Helm's 85 MB library starting on a loaded runner
MEMORY_ALLOWANCE = 1024 * 1024 * 1024
# Runs `helm_child` with the scan's own module path: the process starts in the private folder,
# and no module is imported from it.
_BOOTSTRAP = ("import json, sys; job = json.load(open(sys.argv[1])); sys.path[:] = job['path']; "
              "from scanner.render.helm_child import main; main(job)")
_LOOKUP_TOKENS = re.compile(r"\{\{|\}\}|\blookup\b")


class RenderError(Exception):
    """The renderer refused the chart; the message is the renderer's own."""


@dataclass(frozen=True)
class Rendering:
    """One rendered chart: the YAML stream to scan (as if written to `rel`) and its source map;
    `first` is false for the rendering under the second release name."""

    rel: str
    text: str
    origin: Origin
    first: bool = True


@dataclass
class ChartOutcome:
    renderings: list[Rendering] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Job:
    values: Path | None  # a file in the private folder
    label: str  # "default values", "values-debug.yaml"
    release: str
    tree: Path | None = None  # the values file in the scanned tree

    @property
    def suffix(self) -> str:
        return self.label if self.release == RELEASE else f"{self.label}, release name {self.release}"


def renderer() -> str:
    """"sdk", "binary" or "" (none available). The library is only looked for here: it is
    loaded by the rendering process alone, never by the scan."""
    if importlib.util.find_spec("helm_python") is not None:
        return "sdk"
    return "binary" if shutil.which("helm") else ""


def missing_dependencies(chart: Path, metadata: dict, boundary: Boundary) -> list[str]:
    """Declared dependencies (Chart.yaml, or requirements.yaml of Helm 2 charts) not under charts/."""
    vendored = {p.name for p in (chart / "charts").glob("*")} if (chart / "charts").is_dir() else set()
    declared = list(metadata.get("dependencies") or []) + list(
        _read_yaml(chart / "requirements.yaml", boundary).get("dependencies") or [])
    return [dep.get("name", "?") for dep in declared if isinstance(dep, dict)
            and not any(name == dep.get("name") or name.startswith(f"{dep.get('name')}-") for name in vendored)]


def chart_name(chart: Path, metadata: dict) -> str:
    """The name Helm gives the chart's templates (`NAME/templates/x.yaml`): Chart.yaml's, not the folder's."""
    name = metadata.get("name")
    return name if isinstance(name, str) and name else chart.name


def chart_metadata(chart: Path, boundary: Boundary) -> dict:
    return _read_yaml(chart / "Chart.yaml", boundary)


def _read_yaml(path: Path, boundary: Boundary) -> dict:
    from scanner.parse.yaml import parse_documents

    try:
        documents = parse_documents(boundary.read_text(path), path.name)
    except Exception:  # noqa: BLE001 - absent, refused or broken: the renderer reports it in its own words
        return {}
    data = to_plain(documents[0]) if documents else {}
    return data if isinstance(data, dict) else {}


def _sources(copy: ChartCopy, rel_chart: str, name: str) -> dict[str, SourceFile]:
    """Template files by the path Helm gives them (`NAME/templates/x.yaml`), read from the copy
    (the very files rendered), named as they are in the tree."""
    found = {}
    for path in sorted(copy.folder.rglob("*")):
        if path.is_file() and "templates" in path.relative_to(copy.folder).parts:
            inside = path.relative_to(copy.folder).as_posix()
            shown = copy.name_in_tree(inside)
            rel = f"{rel_chart}/{shown}" if rel_chart not in ("", ".") else shown
            found[f"{name}/{inside}"] = SourceFile(rel, tuple(path.read_text(errors="replace").splitlines()))
    return found


def calls_lookup(template: Iterable[str]) -> bool:
    """Whether a template calls `lookup` inside an action (`{{ ... }}`), not merely says the word."""
    depth = 0
    for token in _LOOKUP_TOKENS.finditer("\n".join(template)):
        if token.group() == "{{":
            depth = 1
        elif token.group() == "}}":
            depth = 0
        elif depth:
            return True
    return False


def _join(manifests: dict[str, str], chart_name: str, sources: dict[str, SourceFile]) -> tuple[str, list[Segment]]:
    """The templates' outputs as one stream, in Helm's order, with a segment per template."""
    parts, segments, line = [], [], 1
    for key in sorted(manifests):
        body = manifests[key].strip("\n")
        if not key.endswith((".yaml", ".yml", ".json")) or not body.strip():
            continue
        key_in_chart = key if key.split("/", 1)[0] == chart_name else f"{chart_name}/{key.split('/', 1)[-1]}"
        chunk = f"---\n# Source: {key_in_chart}\n{body}\n"
        length = chunk.count("\n")
        source = sources.get(key_in_chart)
        if source is not None:
            segments.append(Segment(line + 2, line + length - 1, (source,)))
        parts.append(chunk)
        line += length
    return "".join(parts), segments


def _jobs(chart: Path, copy: Path, private: Path, extra: tuple[Path, ...], boundary: Boundary, outcome: ChartOutcome,
          where: str) -> list[_Job]:
    """The chart's defaults, each values file beside it (in the copy: left-out ones are not
    there), then each extra values file read through the boundary; each under both release names."""
    values: list[tuple[Path | None, str, Path | None]] = [(None, "default values", None)]
    values += [(p, p.name, chart / p.name) for p in sorted(copy.glob("values*.y*ml"))
               if p.name not in ("values.yaml", "values.yml")]
    for number, path in enumerate(extra):
        try:
            data = boundary.read_bytes(path)
        except Refused as exc:
            outcome.errors.append(f"{where}: values file {printable(str(path))}: {exc}")
            continue
        target = private / "values" / f"{number}-{path.name}"
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(data)
        values.append((target, path.name, path))
    return [_Job(path, label, release, tree) for path, label, tree in values for release in (RELEASE, SECOND_RELEASE)]


def render_sdk(copy: Path, private: Path, jobs: list[_Job], timeout: float, max_output: int) -> list[str | dict]:
    """Each job's manifests, or its error message, from one `helm_child` process."""
    job_file = private / "job.json"
    job_file.write_text(json.dumps({
        "path": sys.path, "chart": str(copy), "namespace": NAMESPACE, "memory": MEMORY_ALLOWANCE,
        "max_output": max_output, "renderings": [
            {"values": str(job.values) if job.values else None, "release": job.release} for job in jobs]}))
    done = run_offline([sys.executable, "-E", "-c", _BOOTSTRAP, str(job_file)], cwd=private,
                       home=private / "home", timeout=timeout, max_output=(max_output + 4096) * 2 * len(jobs))
    results: list[str | dict] = []
    for line in done.stdout.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            break
        results.append(item["manifests"] if "manifests" in item else str(item.get("error")))
    if len(results) < len(jobs):
        reason = (f"used more than {MEMORY_ALLOWANCE // 2 ** 20} MB of memory" if "out of memory" in done.stderr
                  else (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1])
        raise OverLimit(f"the renderer stopped: {reason}")
    return results


def _render_binary(copy: Path, private: Path, job: _Job, timeout: float, max_output: int) -> str | dict:
    command = ["helm", "template", job.release, str(copy), "--namespace", NAMESPACE]
    if job.values is not None:
        command += ["--values", str(job.values)]
    done = run_offline(command, cwd=private, home=private / "home", timeout=timeout, max_output=max_output)
    if done.returncode != 0:
        return (done.stderr.strip().splitlines() or ["helm template failed"])[-1]
    return {"": done.stdout}


def _values_files(chart: Path, rel_chart: str, job: _Job, boundary: Boundary) -> tuple[ValuesFile, ...]:
    """The values files of a rendering as Helm merges them: the chart's defaults, then the job's file."""
    found = []
    for path in [next((chart / n for n in ("values.yaml", "values.yml") if (chart / n).is_file()), None), job.tree]:
        if path is None:
            continue
        inside = path.name if path.parent == chart else _in_root(path, boundary.root)
        rel = f"{rel_chart}/{inside}" if path.parent == chart and rel_chart not in ("", ".") else inside
        values = read_values(boundary, path, rel)
        if values is not None:
            found.append(values)
    return tuple(found)


def _in_root(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return printable(str(path))


def _rendering(result: dict, job: _Job, rel_chart: str, name: str, sources: dict[str, SourceFile],
               values: tuple[ValuesFile, ...]) -> Rendering:
    label = f"chart {name}, {job.suffix}"
    if "" in result:  # the binary's one stream, with its `# Source:` comments
        text, segments = result[""], stream_segments(result[""], sources)
    else:
        text, segments = _join(result, name, sources)
    segments = [replace(segment, values=values) for segment in segments]
    # The second release's stream is named with the first's name as a prefix: where both renderings
    # yield the same finding, the engine keeps the one that sorts (and so comes) first.
    rel = f"{rel_chart}/<rendered: {job.label}>"
    if job.release != RELEASE:
        rel += f" under release name {job.release}"
    home = f"{rel_chart}/Chart.yaml" if rel_chart not in ("", ".") else "Chart.yaml"
    return Rendering(rel, text, Origin(label, tuple(segments), home=home), first=job.release == RELEASE)


def render_chart(chart: Path, rel_chart: str, name: str, tool: str, config: Config, private: Path) -> ChartOutcome:
    """Every rendering of `chart` (copied into `private` first), the chart's errors and notes."""
    boundary = Boundary(config.root, config.limits.max_file_bytes)
    outcome = ChartOutcome()
    where = f"chart {name}"
    try:
        copy = copy_chart(boundary, chart, private / "chart")
    except Refused as exc:
        outcome.errors.append(f"{where}: {exc}")
        return outcome
    if copy.left_out:
        outcome.notes.append(f"{where}: files that may not be read left out of rendering (links out of the project "
                             "or in a loop, hard links, devices, files over the size limit): "
                             f"{', '.join(printable(n) for n in copy.left_out)}")
    if copy.schema_refs:
        outcome.notes.append(f"{where}: values.schema.json not applied; hullscan never follows its references "
                             f"({', '.join(printable(r) for r in sorted(set(copy.schema_refs)))})")
    sources = _sources(copy, rel_chart, name)
    lookups = sorted(source.rel for source in sources.values() if calls_lookup(source.lines))
    if lookups:
        outcome.notes.append(f"{where}: {', '.join(lookups)} call `lookup`, which reads the live cluster: offline "
                             "it returns nothing, so what these templates render in a cluster is not judged")
    jobs = _jobs(chart, copy.folder, private, config.helm_values, boundary, outcome, where)
    limit, timeout = config.limits.max_file_bytes, START_SECONDS + config.limits.file_timeout * len(jobs)
    try:
        if tool == "sdk":
            results = render_sdk(copy.folder, private, jobs, timeout, limit)
        else:
            results = [_render_binary(copy.folder, private, job, timeout / len(jobs), limit) for job in jobs]
    except (OverLimit, OSError) as exc:
        outcome.errors.append(f"{where} failed to render: {exc}")
        return outcome
    for job, result in zip(jobs, results):
        if isinstance(result, dict):
            values = _values_files(chart, rel_chart, job, boundary)
            outcome.renderings.append(_rendering(result, job, rel_chart, name, sources, values))
            continue
        message = f"{where} ({job.suffix}) failed to render: {result.replace(str(copy.folder), rel_chart)}"
        (outcome.errors if job.release == RELEASE else outcome.notes).append(message)
    return outcome
