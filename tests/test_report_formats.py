"""Every format renders an empty scan and a full one (findings, errors, suppressed findings)."""

from __future__ import annotations

import json
import subprocess
import sys
from xml.etree import ElementTree as ET

import pytest
from reporting import full_result, options, write_sources

from scanner.report.formats import FORMATS, get_renderer, render
from scanner.results.result import ScanResult

PARSERS = {"json": json.loads, "sarif": json.loads, "gitlab-sast": json.loads,
           "codeclimate": json.loads, "junit": ET.fromstring}
# GitLab's formats have no way to mark a finding as accepted, so they leave suppressed ones out.
LIST_SUPPRESSED = {"text", "json", "sarif", "junit", "markdown"}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_renders_an_empty_scan(name, tmp_path):
    text = render(name, ScanResult(), options(tmp_path))
    assert text.endswith("\n")
    if name in PARSERS:
        PARSERS[name](text)


@pytest.mark.parametrize("name", sorted(FORMATS))
@pytest.mark.parametrize("show_suppressed", [False, True])
def test_every_format_renders_findings_errors_and_suppressed(name, show_suppressed, tmp_path):
    result = full_result()
    text = render(name, result, options(write_sources(tmp_path), show_suppressed=show_suppressed))
    if name in PARSERS:
        PARSERS[name](text)
    assert "k8s/pod.yaml" in text
    assert ("legacy image" in text) == (show_suppressed and name in LIST_SUPPRESSED)
    assert result.notes == []


def test_formats_name_functions_that_exist():
    for name in FORMATS:
        assert callable(get_renderer(name))


def test_reporters_are_imported_only_when_used():
    """A text run loads the text reporter only: not SARIF's object model, not the other formats."""
    code = ("import json, sys; from scanner.report.formats import FORMATS, get_renderer; get_renderer('text'); "
            "json.dump(sorted(m for m in {*(t.partition(':')[0] for t in FORMATS.values()), 'sarif_om'} "
            "if m in sys.modules), sys.stdout)")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, timeout=120).stdout
    assert json.loads(loaded) == ["scanner.report.text"]
