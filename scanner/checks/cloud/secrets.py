"""Secrets written into Terraform and CloudFormation templates.

Three places hold them: resource arguments that are passwords or keys, provider credentials, and
defaults of variables or Parameters whose name says "secret" but which are not marked
`sensitive`/`NoEcho`. A finding points at the literal (a variable default included) and its
message never repeats the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.model.cloud import CloudModel, CloudResource
from scanner.nodes import Location, Mapping, Node, Scalar, text, walk
from scanner.results.findings import Hit, hit_at

# Argument names (lower case, without `_`) that hold a secret in resources and providers.
_SECRET_ARGUMENTS = frozenset({
    "password", "masterpassword", "masteruserpassword", "adminpassword", "administratorloginpassword",
    "rootpassword", "authtoken", "clientsecret", "secretkey", "accesskey", "secretaccesskey", "token",
    "apikey", "plaintextvalue",
})
_SECRET_WORD = re.compile(r"password|passwd|passphrase|pwd|secret|token|api_?key|access_?key|private_?key|"
                          r"credential", re.IGNORECASE)
# A name ending in one of these holds something about a secret (its id, name, length), not the secret.
_NOT_A_SECRET = frozenset({
    "arn", "id", "ids", "name", "names", "length", "len", "size", "count", "version", "path", "file",
    "enabled", "enable", "type", "ttl", "rotation", "policy", "url", "uri", "endpoint", "location",
    "prefix", "suffix", "days", "period", "expiry", "expiration", "duration", "header", "parameter",
    "ref", "store", "vault", "mode", "algorithm", "format", "kms", "backend", "provider", "engine",
    "region", "bucket", "description", "label", "tag", "tags", "audience", "role", "user", "username",
    "email", "group", "account", "source", "template", "schedule", "strategy", "method",
})
_PLACEHOLDER = re.compile(r"^(?:\{\{resolve:.*|\$\{.*\}|<[^>]*>|(.)\1*|true|false|null|none|"
                          r"/[\w/.-]*|arn:.*|\d+)$", re.IGNORECASE | re.DOTALL)


def _words(name: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return [word for word in re.split(r"[^a-zA-Z0-9]+", spaced.lower()) if word]


def secret_name(name: str) -> bool:
    words = _words(name)
    return bool(words) and bool(_SECRET_WORD.search("_".join(words))) and words[-1] not in _NOT_A_SECRET


def literal_secret(node: Node | None) -> bool:
    """A written-out string that isn't a reference, a placeholder or a flag."""
    if not isinstance(node, Scalar) or not isinstance(node.value, str):
        return False
    value = node.value.strip()
    return bool(value) and not _PLACEHOLDER.match(value)


def hardcoded_secret(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    reported: set[Location] = set()
    for variable in model.variables:
        if variable.sensitive or not secret_name(variable.name):
            continue
        kind, flag = _DECLARATIONS[variable.format]
        if variable.default is not None and literal_secret(variable.default):
            reported.add(variable.default.loc)
            yield hit_at(variable.default, variable.label, "default",
                         problem=f"has a literal default for a secret-looking {kind} without {flag}")
        elif variable.format == "arm" and variable.default is None and variable.loc not in reported:
            reported.add(variable.loc)  # an ARM template declared twice (parameters files) says it once
            yield hit_at(variable.loc, variable.label, "type",
                         problem=f"is a secret-looking {kind} without {flag}: Resource Manager shows "
                                 "its value in the deployment history")
    for res in [*model.resources, *model.providers]:
        for path, node in [*_secret_arguments(res.attrs), *_secret_stores(res)]:
            if node.loc in reported:
                continue
            reported.add(node.loc)
            yield hit_at(node, res.label, path, problem=f"sets {path.rsplit('.', 1)[-1]} to a literal value")


# How each format names a declaration and the setting that keeps its value out of logs.
_DECLARATIONS = {"terraform": ("variable", "sensitive = true"), "cloudformation": ("Parameter", "NoEcho: true"),
                 "arm": ("parameter", '"type": "securestring"')}
# Lists of named secrets a resource stores, and the key that holds each one's value.
_SECRET_LISTS = {"Microsoft.App/containerApps": ("properties.configuration.secrets", "value"),
                 "azurerm_container_app": ("secret", "value")}


def _secret_stores(res: CloudResource) -> Iterator[tuple[str, Node]]:
    """`secrets: [{name, value}]` (Azure Container Apps): every value is a secret, whatever its name."""
    path, key = _SECRET_LISTS.get(res.type, ("", ""))
    for index, entry in enumerate(res.blocks(path) if path else []):
        value = entry.get(key)
        if literal_secret(value):
            name = text(entry.get("name")) or str(index)
            yield f"{path}[{name}]", value  # type: ignore[misc]


def _secret_arguments(attrs: Node) -> Iterator[tuple[str, Node]]:
    for path, node in walk(attrs):
        if not isinstance(node, Mapping):
            continue
        for key, value in node.items():
            if key.replace("_", "").lower() in _SECRET_ARGUMENTS and literal_secret(value):
                yield (f"{path}.{key}" if path else key), value
