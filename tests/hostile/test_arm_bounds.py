"""Hostile ARM templates: work the interpreter would multiply (copy loops inside copy loops,
variables that double each other, deployments nested without end), text the comment reader could
make quadratic, and a linked template that would make a scan reach for the network. Each scan
ends within the hostile-test limits with both reports written, and says what it did not read."""

from __future__ import annotations

import json
from pathlib import Path

from attacks import listener, write_tree
from bounds_run import scan

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def _template(resources: object, variables: object = None) -> str:
    return json.dumps({"$schema": SCHEMA, "variables": variables or {}, "resources": resources})


def test_copy_loops_inside_copy_loops_stay_bounded(tmp_path: Path) -> None:
    rule = {"copy": [{"name": f"p{level}", "count": 800, "input": {"n": f"[copyIndex('p{level}')]"}}
                     for level in range(3)]}
    resource = {"type": "Microsoft.Web/sites", "name": "[concat('s', copyIndex())]",
                "copy": {"name": "sites", "count": 800}, "properties": rule}
    write_tree(tmp_path, {"main.json": _template([resource])})
    result = scan(tmp_path)
    assert result.process.returncode in (0, 1), result.process.stderr
    assert result.report["errors"] == [] or result.names("main.json")


def test_variables_that_double_each_other_end_unknown(tmp_path: Path) -> None:
    variables = {"v0": "[createArray('x', 'x')]"}
    variables.update({f"v{i}": f"[concat(variables('v{i - 1}'), variables('v{i - 1}'))]" for i in range(1, 60)})
    resource = {"type": "Microsoft.ContainerRegistry/registries", "name": "r",
                "properties": {"adminUserEnabled": True, "tags": "[variables('v59')]"}}
    write_tree(tmp_path, {"main.json": _template([resource], variables)})
    result = scan(tmp_path, "--select", "CLD015")
    assert ("CLD015", "main.json") in result.rules  # the rest of the template is still judged


def test_deployments_nested_without_end_are_cut_with_a_note(tmp_path: Path) -> None:
    inner: dict = {"$schema": SCHEMA, "resources": [{"type": "Microsoft.ContainerRegistry/registries",
                                                       "name": "deep", "properties": {"adminUserEnabled": True}}]}
    for _ in range(40):
        inner = {"$schema": SCHEMA, "resources": [{"type": "Microsoft.Resources/deployments", "name": "d",
                                                    "properties": {"template": inner}}]}
    write_tree(tmp_path, {"main.json": json.dumps(inner)})
    result = scan(tmp_path)
    assert "nested more than" in result.process.stderr


def test_comment_markers_without_end_are_read_in_one_pass(tmp_path: Path) -> None:
    body = '{"$schema": "' + SCHEMA + '", "resources": [], "x": "' + "/*" * 200_000 + '"}\n' + "/*" * 200_000
    write_tree(tmp_path, {"main.json": body, "strings.jsonc": '{"$schema": "' + SCHEMA + '"}' + ' "//' * 100_000})
    result = scan(tmp_path)
    assert "unclosed /* comment" in result.errors.get("main.json", "")


def test_linked_templates_are_never_fetched(tmp_path: Path) -> None:
    with listener() as (url, received):
        link = {"type": "Microsoft.Resources/deployments", "name": "linked",
                "properties": {"templateLink": {"uri": f"{url}/t.json"}}}
        write_tree(tmp_path, {"main.json": _template([link])})
        result = scan(tmp_path)
        assert received == []
    assert "not fetched" in result.process.stderr
