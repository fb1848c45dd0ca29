"""Every format's whole output for one sample scan, compared with a reviewed copy in `snapshots/`.

A deliberate change to a format shows up as a diff of the snapshot in review. To accept it, run
`HULLSCAN_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_report_snapshots.py` and commit the files.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from reporting import full_result, options, write_sources

from scanner.report.formats import FORMATS, render

SNAPSHOTS = Path(__file__).parent / "snapshots"
FILES = {"text": "sample.txt", "json": "sample.json", "sarif": "sample.sarif", "junit": "sample.junit.xml",
         "gitlab-sast": "sample.gitlab-sast.json", "codeclimate": "sample.codeclimate.json",
         "markdown": "sample.md"}
MOMENT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_output_matches_snapshot(name, tmp_path):
    root = write_sources(tmp_path)
    text = render(name, full_result(), options(root, show_suppressed=True, started=MOMENT,
                                                finished=MOMENT, sarif_category="hullscan/sample",
                                                docs_url="https://example.org/rules/{id}.md", width=80,
                                                verdict="failed: 2 findings at or above low, 2 errors"))
    text = text.replace(root.resolve().as_uri(), "file:///ROOT")
    snapshot = SNAPSHOTS / FILES[name]
    if os.environ.get("HULLSCAN_UPDATE_SNAPSHOTS"):
        snapshot.parent.mkdir(exist_ok=True)
        snapshot.write_text(text, encoding="utf-8")
    assert text == snapshot.read_text(encoding="utf-8"), f"{snapshot.name} changed; see module docstring"
