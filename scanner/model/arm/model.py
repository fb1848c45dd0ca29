"""Azure Resource Manager templates evaluated into the cloud model, as CloudFormation's are.

A template is a JSON file whose `$schema` is a deployment template (resource group,
subscription, management group or tenant scope); a parameters file's `$schema` is
`deploymentParameters`. A template is evaluated once per parameters file beside it (in a folder
with one template, every parameters file there; otherwise those named after it:
`main.parameters.json`, `main.prod.parameters.json`), or once with its defaults when there is
none, like Terraform's tfvars; `--var-file` parameters files apply to every template. A value a
parameters file gives is located in that file, where the insecure value is written.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from pathlib import Path

from scanner.inputs.parsed import ParsedFile
from scanner.model.arm.resources import emit
from scanner.model.arm.template import Budget, Evaluator
from scanner.model.arm.values import member
from scanner.model.cloud import CloudModel
from scanner.nodes import Mapping, Node, Unknown, text
from scanner.settings.config import Config


def build(files: Sequence[ParsedFile], config: Config) -> CloudModel:
    model = CloudModel()
    budget = Budget()
    templates = [(parsed.rel, doc) for parsed, doc in _documents(files) if _schema(doc) == "template"]
    parameter_files = [(parsed.rel, doc) for parsed, doc in _documents(files) if _schema(doc) == "parameters"]
    explicit = _explicit(files, config)
    folders = [posixpath.dirname(rel) for rel, _ in templates]
    for rel, template in templates:
        beside = [values for other, values in parameter_files
                  if _applies(rel, other, folders.count(posixpath.dirname(rel)))]
        for inputs in [_inputs([*explicit])] if explicit else [_inputs([v]) for v in beside] or [{}]:
            evaluator = Evaluator(template, inputs, budget)
            emit(evaluator, member(template, "resources"), model)
            model.variables.extend(evaluator.declarations())
    model.notes.extend(dict.fromkeys(budget.notes))
    if budget.steps < 0:
        model.notes.append("ARM template evaluation reached its bound: later values are unknown")
    return model


def _documents(files: Sequence[ParsedFile]) -> list[tuple[ParsedFile, Mapping]]:
    return [(parsed, document) for parsed in files if parsed.type == "arm"
            for document in parsed.tree or () if isinstance(document, Mapping)]


def _schema(document: Mapping) -> str:
    schema = (text(member(document, "$schema")) or "").lower()
    if "deploymentparameters" in schema:
        return "parameters"
    return "template" if "deploymenttemplate" in schema else ""


def _applies(template: str, parameters: str, templates_in_folder: int) -> bool:
    """Whether a parameters file beside a template is one of its environments."""
    if posixpath.dirname(template) != posixpath.dirname(parameters):
        return False
    if templates_in_folder == 1:
        return True
    stem = posixpath.basename(template).rsplit(".", 1)[0].lower()
    return posixpath.basename(parameters).lower().startswith(stem + ".")


def _inputs(documents: list[Mapping]) -> dict[str, Node]:
    """Parameter values by name; a Key Vault `reference` is known only at deploy time."""
    values: dict[str, Node] = {}
    for document in documents:
        given = member(document, "parameters")
        for name, entry in given.items() if isinstance(given, Mapping) else ():
            value = member(entry, "value")
            if value is None and member(entry, "reference") is not None:
                value = Unknown(name, entry.loc, "read from Key Vault at deploy time")
            if value is not None:
                values[name] = value
    return values


def _explicit(files: Sequence[ParsedFile], config: Config) -> list[Mapping]:
    """`--var-file` parameters files: taken from the scan when they are part of it, read here
    (within the size limit) otherwise. Terraform's tfvars given the same way are left out."""
    from scanner.parse.jsonc import parse
    from scanner.parse.parsers import ParseError

    by_path = {str(f.path.resolve()): f for f in files if f.path is not None and f.type == "arm"}
    found: list[Mapping] = []
    for var_file in config.var_files:
        path = Path(var_file)
        parsed = by_path.get(str(path.resolve()))
        try:
            if parsed is not None:
                documents = list(parsed.tree or ())
            elif path.suffix.lower() in (".json", ".jsonc") and path.stat().st_size <= config.limits.max_file_bytes:
                documents = parse(path.read_text(encoding="utf-8"), path.as_posix())
            else:
                continue
        except (OSError, UnicodeDecodeError, ParseError):
            continue
        found.extend(doc for doc in documents if isinstance(doc, Mapping) and _schema(doc) == "parameters")
    return found
