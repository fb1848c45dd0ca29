"""ARM template evaluation: the expression language, parameters, variables, copy loops,
conditions, nested deployments, parameters files, and what stays Unknown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.inputs.discover import classify_content, walk
from scanner.inputs.parsed import ParsedFile
from scanner.model.arm import expressions as ex
from scanner.model.arm.model import build
from scanner.model.arm.template import Budget, Evaluator
from scanner.model.cloud import CloudModel, Reference
from scanner.nodes import Location, Mapping, Scalar, Unknown, known, to_plain
from scanner.parse.jsonc import blank_comments, parse
from scanner.parse.parsers import ParseError
from scanner.run.engine import scan
from scanner.settings.config import Config

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
PARAMETERS = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"


def template(resources: list, parameters: dict | None = None, variables: dict | None = None) -> str:
    return json.dumps({"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": parameters or {},
                       "variables": variables or {}, "resources": resources}, indent=2)


def model_of(*files: tuple[str, str], config: Config | None = None) -> CloudModel:
    parsed = [ParsedFile(rel, "arm", text, parse(text, rel)) for rel, text in files]
    return build(parsed, config or Config())


def evaluate(expression: str, parameters: dict | None = None, variables: dict | None = None) -> object:
    """The plain value of one expression in a template with these declarations."""
    text = template([], parameters, variables)
    evaluator = Evaluator(parse(text, "t.json")[0], {}, Budget())  # type: ignore[arg-type]
    value = evaluator.evaluate(Scalar(expression, Location("t.json", 1)))
    return "<unknown>" if isinstance(value, Unknown) else to_plain(value)


@pytest.mark.parametrize(("expression", "expected"), [
    ("[concat('a', 'b', string(3))]", "ab3"),
    ("[concat(createArray(1, 2), createArray(3))]", [1, 2, 3]),
    ("[format('{0}-{1}', 'web', 2)]", "web-2"),
    ("[format('{{literal}} {0}', 'x')]", "{literal} x"),
    ("[toLower('ABC')]", "abc"),
    ("[equals('Public', 'public')]", True),  # strings compare without regard to case
    ("[if(equals(1, 2), 'yes', 'no')]", "no"),
    ("[not(empty(''))]", False),
    ("[and(true(), false())]", False),
    ("[or(equals(reference('x').a, 1), true())]", True),  # one true decides `or`, unknowns aside
    ("[and(equals(reference('x').a, 1), true())]", "<unknown>"),
    ("[contains(createArray('a', 'b'), 'B')]", True),
    ("[union(createObject('a', 1), createObject('b', 2))]", {"a": 1, "b": 2}),
    ("[json('{\"enabled\": true}').enabled]", True),
    ("[createArray('x', 'y')[1]]", "y"),
    ("[length(range(0, 5))]", 5),
    ("[split('a,b', ',')[0]]", "a"),
    ("[coalesce(null(), 'second')]", "second"),
    ("[parameters('Name')]", "web"),  # parameter names ignore case
    ("[variables('prefix')]", "web-app"),
    ("[resourceGroup().location]", "<unknown>"),
    ("[uniqueString(resourceGroup().id)]", "<unknown>"),
    ("[newGuid()]", "<unknown>"),
    ("[utcNow()]", "<unknown>"),
    ("[listKeys('acct', '2023-01-01').keys[0].value]", "<unknown>"),
    ("[concat('a', parameters('missing'))]", "<unknown>"),
    ("[concat('a']", "<unknown>"),  # not an expression that reads
    ("[concat('a'", "[concat('a'"),  # no closing bracket: a literal string
    ("[[literal]", "[literal]"),  # `[[` escapes a literal bracket
    ("[range(0, 100000000)]", "<unknown>"),  # bounded
    ("[variables('loop')]", "<unknown>"),  # defined by itself
])
def test_expressions(expression: str, expected: object) -> None:
    parameters = {"name": {"type": "string", "defaultValue": "web"}}
    variables = {"prefix": "[concat(parameters('name'), '-app')]", "loop": "[variables('loop')]"}
    assert evaluate(expression, parameters, variables) == expected


def test_parser_bounds_nesting_instead_of_recursing_without_end() -> None:
    with pytest.raises(ex.ExpressionError):
        ex.parse("[" + "concat(" * 200 + "'x'" + ")" * 200 + "]")


def test_comments_are_blanked_in_place() -> None:
    text = '{\n  // note\n  "a": "https://x//y", /* c\n */ "b": 1\n}'
    blanked = blank_comments(text)
    assert blanked.count("\n") == text.count("\n") and len(blanked) == len(text)
    document = parse(text, "t.jsonc")[0]
    assert isinstance(document, Mapping)
    assert known(document.get("a")) == "https://x//y" and document.get("b").loc.line == 4  # type: ignore[union-attr]
    with pytest.raises(ParseError):
        parse('{"a": 1 /* never closed', "t.json")


def test_copy_loops_on_resources_and_properties() -> None:
    text = template([{
        "type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01",
        "name": "[format('reg{0}', copyIndex(1))]", "copy": {"name": "regs", "count": "[parameters('count')]"},
        "properties": {"copy": [{"name": "rules", "count": 2,
                                 "input": {"port": "[add(8000, copyIndex('rules'))]"}}]},
    }], {"count": {"type": "int", "defaultValue": 3}})
    model = model_of(("main.json", text))
    assert [r.name for r in model.resources] == ["reg1", "reg2", "reg3"]
    assert to_plain(model.resources[0].get("properties", "rules")) == [{"port": 8000}, {"port": 8001}]


def test_a_copy_count_that_is_unknown_or_too_large_gives_one_instance() -> None:
    for count in ("[parameters('count')]", 100000):
        text = template([{"type": "Microsoft.Web/sites", "name": "[concat('s', copyIndex())]",
                          "copy": {"name": "sites", "count": count}}], {"count": {"type": "int"}})
        model = model_of(("main.json", text))
        assert len(model.resources) == 1 and model.resources[0].name == "[concat('s', copyIndex())]"


def test_conditions_drop_only_what_is_known_false() -> None:
    text = template([
        {"condition": "[equals(parameters('env'), 'prod')]", "type": "Microsoft.Web/sites", "name": "prod"},
        {"condition": "[equals(parameters('env'), 'dev')]", "type": "Microsoft.Web/sites", "name": "dev"},
        {"condition": "[parameters('unknown')]", "type": "Microsoft.Web/sites", "name": "maybe"},
    ], {"env": {"type": "string", "defaultValue": "prod"}, "unknown": {"type": "bool"}})
    assert [r.name for r in model_of(("main.json", text)).resources] == ["prod", "maybe"]


def test_child_resources_get_full_type_and_name() -> None:
    text = template([{"type": "Microsoft.Network/networkSecurityGroups", "name": "nsg",
                      "resources": [{"type": "securityRules", "name": "ssh", "properties": {}}]}])
    child = model_of(("main.json", text)).resources[1]
    assert (child.type, child.name, child.label) == (
        "Microsoft.Network/networkSecurityGroups/securityRules", "nsg/ssh", "securityRules/nsg/ssh")


def test_types_and_properties_ignore_case() -> None:
    text = template([{"type": "microsoft.containerregistry/REGISTRIES", "name": "r",
                      "properties": {"AdminUserEnabled": True}}])
    registry = model_of(("main.json", text)).resources[0]
    assert registry.type == "Microsoft.ContainerRegistry/registries"
    assert known(registry.get("properties", "adminUserEnabled")) is True


def test_nested_deployments_inner_and_outer_scope_and_linked_templates() -> None:
    inner = {"$schema": SCHEMA, "parameters": {"admin": {"type": "bool", "defaultValue": False}},
             "resources": [{"type": "Microsoft.ContainerRegistry/registries", "name": "inner",
                            "properties": {"adminUserEnabled": "[parameters('admin')]"}}]}
    outer = {"$schema": SCHEMA, "resources": [{"type": "Microsoft.ContainerRegistry/registries",
                                               "name": "outer",
                                               "properties": {"adminUserEnabled": "[parameters('admin')]"}}]}
    text = template([
        {"type": "Microsoft.Resources/deployments", "name": "a",
         "properties": {"expressionEvaluationOptions": {"scope": "inner"},
                        "parameters": {"admin": {"value": "[parameters('admin')]"}}, "template": inner}},
        {"type": "Microsoft.Resources/deployments", "name": "b", "properties": {"template": outer}},
        {"type": "Microsoft.Resources/deployments", "name": "c",
         "properties": {"templateLink": {"uri": "https://example.invalid/t.json"}}},
    ], {"admin": {"type": "bool", "defaultValue": True}})
    model = model_of(("main.json", text))
    registries = {r.name: known(r.get("properties", "adminUserEnabled"))
                  for r in model.of_type("Microsoft.ContainerRegistry/registries")}
    assert registries == {"inner": True, "outer": True}  # both read the parent's `admin`
    assert len(model.notes) == 1 and "linked template of deployment c not fetched" in model.notes[0]
    assert model.find("inner") is not None and model.find("outer") is not None


def test_parameters_files_are_environments_and_locate_their_values() -> None:
    text = template([{"type": "Microsoft.ContainerRegistry/registries", "name": "[parameters('name')]",
                      "properties": {"adminUserEnabled": "[parameters('admin')]"}}],
                    {"name": {"type": "string"}, "admin": {"type": "bool", "defaultValue": False}})
    prod = json.dumps({"$schema": PARAMETERS, "parameters": {"name": {"value": "prod"},
                                                             "admin": {"value": True}}}, indent=2)
    dev = json.dumps({"$schema": PARAMETERS, "parameters": {"name": {"value": "dev"},
                                                            "password": {"reference": {"secretName": "x"}}}})
    model = model_of(("main.json", text), ("main.prod.parameters.json", prod), ("main.dev.parameters.json", dev))
    admin = {r.name: r.get("properties", "adminUserEnabled") for r in model.resources}
    assert {name: known(value) for name, value in admin.items()} == {"prod": True, "dev": False}
    assert admin["prod"].loc.path == "main.prod.parameters.json"  # type: ignore[union-attr]


def test_resource_ids_are_references_to_the_named_resource() -> None:
    text = template([{"type": "Microsoft.Insights/diagnosticSettings", "name": "d",
                      "scope": "[resourceId('Microsoft.ContainerService/managedClusters', 'aks')]"}])
    scope = model_of(("main.json", text)).resources[0].get("scope")
    assert isinstance(scope, Reference) and scope.target == "aks"


def test_parameters_become_declarations_with_their_value() -> None:
    text = template([], {"adminPassword": {"type": "secureString"}, "token": {"type": "string",
                                                                             "defaultValue": "[newGuid()]"}})
    declared = {v.name: v for v in model_of(("main.json", text)).variables}
    assert declared["adminPassword"].sensitive and declared["adminPassword"].default is None
    assert isinstance(declared["token"].default, Unknown) and not declared["token"].sensitive


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("main.json", f'{{"$schema": "{SCHEMA}", "resources": []}}', "arm"),
    ("main.jsonc", f'// c\n{{"$schema": "{SCHEMA}"}}', "arm"),
    ("x.json", f'{{"$schema": "{PARAMETERS}", "parameters": {{}}}}', "arm"),
    ("sub.json", '{"$schema": "https://schema.management.azure.com/schemas/2018-05-01/'
                 'subscriptionDeploymentTemplate.json#"}', "arm"),
    ("pod.json", '{"$schema": "x", "apiVersion": "v1", "kind": "Pod"}', "kubernetes"),
    ("other.jsonc", '{"a": 1}', ""),
])
def test_classified_by_schema(name: str, text: str, expected: str) -> None:
    assert classify_content(name, text) == expected


def test_suppressions_through_metadata_and_comments(tmp_path: Path) -> None:
    (tmp_path / "main.json").write_text(f"""{{
  "$schema": "{SCHEMA}",
  "resources": [
    {{ "type": "Microsoft.ContainerRegistry/registries", "name": "a",
      "metadata": {{ "hullscan": {{ "ignore": ["CLD015: tokens replace it in OPS-12"] }} }},
      "properties": {{ "adminUserEnabled": true }} }},
    // hullscan:ignore CLD015 the legacy pipeline logs in as admin
    {{ "type": "Microsoft.ContainerRegistry/registries", "name": "b",
      "properties": {{ "adminUserEnabled": true }} }},
    {{ "type": "Microsoft.ContainerRegistry/registries", "name": "c",
      "properties": {{ "adminUserEnabled": true }} }}  // hullscan:ignore CLD015 until the migration
  ]
}}""")
    result = scan(walk([str(tmp_path)], tmp_path), Config(select=("CLD015",), root=tmp_path))
    assert result.findings == [] and len(result.suppressed) == 3


def test_var_files_apply_to_every_template_and_replace_the_environments(tmp_path: Path) -> None:
    text = template([{"type": "Microsoft.ContainerRegistry/registries", "name": "r",
                      "properties": {"adminUserEnabled": "[parameters('admin')]"}}],
                    {"admin": {"type": "bool", "defaultValue": False}})
    given = tmp_path / "ci.parameters.json"
    given.write_text(json.dumps({"$schema": PARAMETERS, "parameters": {"admin": {"value": True}}}))
    beside = json.dumps({"$schema": PARAMETERS, "parameters": {"admin": {"value": False}}})
    model = model_of(("main.json", text), ("main.parameters.json", beside),
                     config=Config(var_files=(given,), root=tmp_path))
    (registry,) = model.resources
    assert known(registry.get("properties", "adminUserEnabled")) is True
