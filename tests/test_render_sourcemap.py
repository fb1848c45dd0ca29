"""Mapping rendered lines back to the template or overlay a person edits."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.boundary import Boundary
from scanner.render import kustomize, kustomize_map
from scanner.render.kustomize_map import Member
from scanner.render.sourcemap import Origin, Segment, SourceFile, locate, remap, stream_segments
from scanner.results.findings import Finding

FIXTURES = Path(__file__).parent / "fixtures"
CHART = FIXTURES / "helm" / "charts" / "shop"
TEMPLATE = SourceFile("charts/shop/templates/deployment.yaml",
                      tuple((CHART / "templates" / "deployment.yaml").read_text().splitlines()))


def _rendered_line(lines: list[str], text: str) -> int:
    return next(i for i, line in enumerate(lines, 1) if line.strip() == text)


@pytest.mark.parametrize(("rendered_text", "template_line", "exact"), [
    ("privileged: true", 25, True),           # value came from a template expression: found by key
    ("hostNetwork: true", 17, True),
    ("automountServiceAccountToken: false", 18, True),   # same text in both
    ("app.kubernetes.io/name: shop", 1, False),          # came from a helper: not in this file
])
def test_rendered_line_found_in_template(rendered_text: str, template_line: int, exact: bool) -> None:
    rendered = (FIXTURES / "rendered" / "helm-debug.yaml").read_text().splitlines()
    segment = Segment(3, 34, (TEMPLATE,))
    source, line, found = locate(rendered, segment, _rendered_line(rendered, rendered_text))
    assert (source.rel, line, found) == (TEMPLATE.rel, template_line, exact)


def test_repeated_lines_map_to_the_same_occurrence() -> None:
    source = SourceFile("t.yaml", ("a:", "  x: 1", "b:", "  x: 1"))
    rendered = ["a:", "  x: 1", "b:", "  x: 1"]
    assert locate(rendered, Segment(1, 4, (source,)), 4)[1] == 4
    assert locate(rendered, Segment(1, 4, (source,)), 2)[1] == 2


def test_stream_segments_follow_source_comments() -> None:
    text = (FIXTURES / "rendered" / "helm-debug.yaml").read_text()
    segments = stream_segments(text, {"shop/templates/deployment.yaml": TEMPLATE})
    assert [(s.start, s.end) for s in segments] == [(2, 36)]


def _finding(path: str, line: int) -> Finding:
    return Finding("CTR999", "x", "high", (), path, line, 1, line, 2, "Deployment/x is bad",
                   "Deployment/x", "f" * 32)


def test_remap_moves_finding_and_keeps_a_related_location_in_the_stream() -> None:
    rendered_lines = (FIXTURES / "rendered" / "helm-debug.yaml").read_text().splitlines()
    origin = Origin("rendered Helm output", (Segment(2, 35, (TEMPLATE,)),), stream="out.yaml")
    line = _rendered_line(rendered_lines, "privileged: true")
    (moved,) = remap([_finding("out.yaml", line)], {"out.yaml": (origin, rendered_lines)})
    assert (moved.path, moved.line) == (TEMPLATE.rel, 25)
    assert moved.related[0].path == "out.yaml" and moved.related[0].line == line
    assert "[rendered Helm output]" in moved.message
    assert moved.fingerprint != "f" * 32


def test_related_locations_inside_a_rendering_move_to_their_source() -> None:
    from dataclasses import replace

    from scanner.nodes import Location

    rendered_lines = (FIXTURES / "rendered" / "helm-debug.yaml").read_text().splitlines()
    origin = Origin("chart shop, default values", (Segment(2, 35, (TEMPLATE,)),))
    line = _rendered_line(rendered_lines, "hostNetwork: true")
    finding = replace(_finding("plain.yaml", 3), related=(Location("shop/<rendered>", line),))
    (moved,) = remap([finding], {"shop/<rendered>": (origin, rendered_lines)})
    assert [(loc.path, loc.line) for loc in moved.related] == [(TEMPLATE.rel, 17)]


def test_unmapped_findings_are_left_alone() -> None:
    finding = _finding("plain.yaml", 3)
    assert remap([finding], {}) == [finding]


def test_kustomize_objects_map_to_overlay_patch_first_then_base() -> None:
    root = FIXTURES / "kustomize"
    rendered = (FIXTURES / "rendered" / "kustomize-prod.yaml").read_text()
    boundary = Boundary(FIXTURES)
    overlay = kustomize.read(root / "overlays" / "prod" / "kustomization.yaml", boundary)
    base = kustomize.read(root / "base" / "kustomization.yaml", boundary)
    assert overlay is not None and base is not None
    index = {overlay.directory: overlay, base.directory: base}
    way = ((overlay.directory, base.directory),)
    members = [Member(f"base/{name}", (root / "base" / name).read_text(), way)
               for name in ("deployment.yaml", "service.yaml")]
    patch = Member("overlays/prod/debug-patch.yaml", (root / "overlays/prod/debug-patch.yaml").read_text())
    segments = kustomize_map.segments(rendered, members, {overlay.directory: [patch]}, index)
    lines = rendered.splitlines()
    by_start = {s.start: s for s in segments}
    deployment = next(s for s in segments if s.sources[-1].rel == "base/deployment.yaml")
    assert [src.rel for src in deployment.sources] == ["overlays/prod/debug-patch.yaml", "base/deployment.yaml"]
    assert by_start[1].sources[-1].rel == "base/service.yaml"
    privileged = _rendered_line(lines, "privileged: true")
    assert locate(lines, deployment, privileged)[:2] == (deployment.sources[0], 12)
    image = next(i for i, line in enumerate(lines, 1) if "image:" in line)
    value = lines[image - 1].index("registry") + 1
    assert locate(lines, deployment, image, value)[:2] == (deployment.sources[1], 16)  # the image
    assert locate(lines, deployment, image)[:2] == (deployment.sources[1], 15)  # the container


def test_kustomization_reading_finds_resources_and_patches() -> None:
    boundary = Boundary(FIXTURES)
    overlay = kustomize.read(FIXTURES / "kustomize" / "overlays" / "prod" / "kustomization.yaml", boundary)
    base = kustomize.read(FIXTURES / "kustomize" / "base" / "kustomization.yaml", boundary)
    assert overlay is not None and base is not None
    assert overlay.resources == [(FIXTURES / "kustomize" / "base").resolve()]
    assert [p.name for p in overlay.patches] == ["debug-patch.yaml"]
    assert kustomize.tops([overlay, base]) == [overlay]
    files, patches = kustomize.consumed(overlay, {base.directory.resolve(): base})
    assert {p.name for p in files} == {"deployment.yaml", "service.yaml"}
    assert [p.name for p in patches] == ["debug-patch.yaml"]
