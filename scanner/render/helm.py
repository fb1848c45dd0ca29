"""Render Helm charts found in the scanned tree, offline, with no cluster.

The `helm` extra (helm-python-sdk, Helm's Go SDK behind a C ABI) renders in-process in about a
millisecond; without it a `helm` binary on PATH is used. Each chart is rendered with its defaults,
then once more per `values*.yaml` beside it and per `--helm-values` file, each rendering named
after its values. Dependencies that are not vendored under `charts/` are skipped, never fetched.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scanner.nodes import to_plain
from scanner.render.sourcemap import Origin, Segment, SourceFile, stream_segments

RELEASE = "release"
NAMESPACE = "default"


class RenderError(Exception):
    """The renderer refused the chart; the message is the renderer's own."""


@dataclass(frozen=True)
class Rendering:
    """One rendered chart: the YAML stream to scan (as if written to `rel`) and its source map."""

    rel: str
    text: str
    origin: Origin


def renderer() -> str:
    """"sdk", "binary" or "" (none available)."""
    try:
        import helm_python  # noqa: F401
    except (ImportError, OSError):
        return "binary" if shutil.which("helm") else ""
    return "sdk"


def values_files(chart: Path, extra: tuple[Path, ...]) -> list[Path | None]:
    """None (the chart's defaults) first, then each values file beside the chart, then `extra`."""
    beside = sorted(p for p in chart.glob("values*.y*ml") if p.name not in ("values.yaml", "values.yml"))
    return [None, *beside, *extra]


def missing_dependencies(chart: Path, metadata: dict) -> list[str]:
    """Declared dependencies (Chart.yaml, or requirements.yaml of Helm 2 charts) not under charts/."""
    vendored = {p.name for p in (chart / "charts").glob("*")} if (chart / "charts").is_dir() else set()
    declared = list(metadata.get("dependencies") or []) + list(
        _read_yaml(chart / "requirements.yaml").get("dependencies") or [])
    return [dep.get("name", "?") for dep in declared if isinstance(dep, dict)
            and not any(name == dep.get("name") or name.startswith(f"{dep.get('name')}-") for name in vendored)]


def chart_name(chart: Path, metadata: dict) -> str:
    """The name Helm gives the chart's templates (`NAME/templates/x.yaml`): Chart.yaml's, not the folder's."""
    name = metadata.get("name")
    return name if isinstance(name, str) and name else chart.name


def _sources(chart: Path, rel_chart: str, name: str) -> dict[str, SourceFile]:
    """Template files by the path Helm gives them (`NAME/templates/x.yaml`)."""
    found = {}
    for path in chart.rglob("*"):
        if path.is_file() and "templates" in path.relative_to(chart).parts:
            inside = path.relative_to(chart).as_posix()
            rel = f"{rel_chart}/{inside}" if rel_chart not in ("", ".") else inside
            found[f"{name}/{inside}"] = SourceFile(rel, tuple(path.read_text(errors="replace").splitlines()))
    return found


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


def _values(path: Path | None) -> dict:
    if path is None:
        return {}
    from helm_python import values_from_yaml

    return values_from_yaml(path.read_text(encoding="utf-8"))


def _render_sdk(chart: Path, values: Path | None) -> dict[str, str]:
    import helm_python

    try:
        with helm_python.Chart.load(str(chart)) as loaded:
            return loaded.render(values=_values(values), name=RELEASE, namespace=NAMESPACE)
    except helm_python.HelmError as exc:
        raise RenderError(str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__) \
            from None


def _render_binary(chart: Path, values: Path | None) -> str:
    command = ["helm", "template", RELEASE, str(chart), "--namespace", NAMESPACE]
    if values is not None:
        command += ["--values", str(values)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RenderError((done.stderr.strip().splitlines() or ["helm template failed"])[-1])
    return done.stdout


def render_chart(chart: Path, rel_chart: str, values: Path | None, tool: str, name: str) -> Rendering:
    values_name = values.name if values is not None else "default values"
    label = f"chart {name}, {values_name}"
    sources = _sources(chart, rel_chart, name)
    virtual = f"{rel_chart}/<rendered: {values_name}>"
    if tool == "sdk":
        text, segments = _join(_render_sdk(chart, values), name, sources)
    else:
        text = _render_binary(chart, values)
        segments = stream_segments(text, sources)
    return Rendering(virtual, text, Origin(label, tuple(segments)))


def _read_yaml(path: Path) -> dict:
    from scanner.parse.yaml import parse_documents

    try:
        documents = parse_documents(path.read_text(encoding="utf-8"), path.name)
    except Exception:  # noqa: BLE001 - absent or broken: the renderer reports it in its own words
        return {}
    data = to_plain(documents[0]) if documents else {}
    return data if isinstance(data, dict) else {}


def chart_metadata(chart: Path) -> dict:
    return _read_yaml(chart / "Chart.yaml")


def renderings(chart: Path, rel_chart: str, extra_values: tuple[Path, ...], tool: str, name: str
               ) -> Iterator[Rendering | RenderError]:
    for values in values_files(chart, extra_values):
        try:
            yield render_chart(chart, rel_chart, values, tool, name)
        except (RenderError, OSError, ValueError, subprocess.SubprocessError) as exc:
            label = values.name if values is not None else "default values"
            yield RenderError(f"chart {name} ({label}) failed to render: {exc}")
