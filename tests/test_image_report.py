"""How reports show image findings: SARIF points at the archive, the member goes in a logical location."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from imagebuild import E, config, docker_save, github_token, layer

from scanner.app import scan_archive
from scanner.report.formats import ReportOptions, render
from scanner.settings.config import Config

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text())


def test_sarif_points_at_the_archive(tmp_path: Path) -> None:
    token = github_token()
    layers = [layer(E("app/.env", f"\nGH_TOKEN={token}\n".encode())), layer(E("app/.wh..env"))]
    path = docker_save(tmp_path / "image.tar", layers, config(user="root"))
    result = scan_archive(path, Config(root=tmp_path, select=("IMG001", "IMG004")))
    log = json.loads(render("sarif", result, ReportOptions(root=tmp_path)))
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    locations = {r["ruleId"]: r["locations"][0] for r in log["runs"][0]["results"]}
    assert {rule: loc["physicalLocation"]["artifactLocation"]["uri"] for rule, loc in locations.items()} \
        == {"IMG001": "image.tar", "IMG004": "image.tar"}
    member = locations["IMG001"]["logicalLocations"][0]["fullyQualifiedName"]
    assert member.startswith("layer-0-") and member.endswith("/app/.env")
    assert locations["IMG001"]["message"]["text"] == f"{member}, line 2"
    assert locations["IMG004"]["logicalLocations"][0]["fullyQualifiedName"] == "config"
    assert token not in json.dumps(log)
