"""CloudFormation (and SAM) templates evaluated into cloud resources.

Properties are resolved through Parameters (their defaults), Conditions, Mappings and the
intrinsic functions, so `!If [IsProd, true, false]` or `!FindInMap [Env, prod, Public]` reach the
rules as values. Pseudo parameters, `!GetAtt`, imports and parameters without a default are
Unknown. A value taken from a default or a Mapping keeps the location where it is written.
"""

from __future__ import annotations

from collections.abc import Sequence

from scanner.inputs.parsed import ParsedFile
from scanner.model.cloud import CloudModel, CloudResource, CloudVariable
from scanner.model.cloudformation.intrinsics import TemplateEvaluator
from scanner.nodes import Mapping, Node, text, truth
from scanner.settings.config import Config

# SAM's Globals section: defaults for every resource of the matching type
SAM_GLOBALS = {
    "Function": "AWS::Serverless::Function", "Api": "AWS::Serverless::Api",
    "HttpApi": "AWS::Serverless::HttpApi", "SimpleTable": "AWS::Serverless::SimpleTable",
    "StateMachine": "AWS::Serverless::StateMachine", "LayerVersion": "AWS::Serverless::LayerVersion",
}


def build(files: Sequence[ParsedFile], config: Config) -> CloudModel:
    model = CloudModel()
    for parsed in files:
        if parsed.type != "cloudformation":
            continue
        for document in parsed.tree or ():
            resources = document.get("Resources") if isinstance(document, Mapping) else None
            if isinstance(resources, Mapping):
                _template(document, resources, model)
    return model


def _template(document: Mapping, resources: Mapping, model: CloudModel) -> None:
    evaluator = TemplateEvaluator(document)
    defaults = _globals(document.get("Globals"))
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping):
            continue
        resource_type = text(resource.get("Type")) or ""
        condition = text(resource.get("Condition"))
        if condition and evaluator.condition(condition) is False:
            continue  # never created
        properties = resource.get("Properties")
        if not isinstance(properties, Mapping):
            properties = Mapping(resource.loc)
        attrs = evaluator.evaluate(_with_defaults(properties, defaults.get(resource_type)))
        if not isinstance(attrs, Mapping):
            continue  # `Properties: !If [...]` left unknown: every setting would look absent
        model.resources.append(CloudResource("cloudformation", resource_type, logical_id, attrs,
                                             resources.keys[logical_id]))
    parameters = document.get("Parameters")
    if isinstance(parameters, Mapping):
        for name, declaration in parameters.items():
            default = declaration.get("Default") if isinstance(declaration, Mapping) else None
            no_echo = truth(declaration.get("NoEcho")) if isinstance(declaration, Mapping) else None
            model.variables.append(CloudVariable("cloudformation", name, default, bool(no_echo),
                                                 parameters.keys[name]))


def _globals(section: Node | None) -> dict[str, Mapping]:
    if not isinstance(section, Mapping):
        return {}
    return {SAM_GLOBALS[key]: value for key, value in section.items()
            if key in SAM_GLOBALS and isinstance(value, Mapping)}


def _with_defaults(properties: Mapping, defaults: Mapping | None) -> Mapping:
    """SAM merges Globals under a resource's own Properties (the resource's values win)."""
    if defaults is None:
        return properties
    merged = Mapping(properties.loc)
    for key, value in properties.items():
        merged.set(key, properties.keys[key], value)
    for key, value in defaults.items():
        if key not in merged:
            merged.set(key, defaults.keys[key], value)
    return merged

