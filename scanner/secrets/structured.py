"""The structure-aware pass over parsed YAML (Kubernetes, Compose, CloudFormation): secrets whose
name and value the text pass cannot connect.

- `{name: DB_PASSWORD, value: ...}` pairs (container `env`, ECS `Environment`): the key is `value`;
- a secret-named key whose value is a block scalar or spans lines;
- a CloudFormation parameter named like a secret with a `Default`;
- Kubernetes `Secret` objects: every `data` entry is base64-decoded first, then judged (and
  scanned for provider tokens) as the value it really is; `stringData` entries as written.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import replace

from scanner.nodes import Mapping, Node, Scalar, Sequence, dig
from scanner.secrets.assign import GENERIC, detector_for, secret_name
from scanner.secrets.detectors import GENERIC_FILTERS, Detector
from scanner.secrets.match import SecretMatch
from scanner.secrets.scan import TextScan, scan_text

SECRET_DATA = Detector("kubernetes-secret-data", "SEC016", "Kubernetes Secret value", "",
                       "https://kubernetes.io/docs/concepts/configuration/secret/#security-properties",
                       filters=GENERIC_FILTERS)
# Entries of a Secret that say where or who, not what the password is.
_PUBLIC = re.compile(r"(?:^|[._-])(?:user|username|login|host|hostname|port|url|uri|endpoint|server|database|db|"
                     r"dbname|namespace|email|region|project|address|cluster|crt|cert|certificate|ca|id|type)$|name$",
                     re.IGNORECASE)


def scan_tree(documents: list[Node], scan: TextScan) -> list[SecretMatch]:
    found: list[SecretMatch] = []
    for document in documents:
        skip: set[int] = set()
        if isinstance(document, Mapping) and _text(document.get("kind")) == "Secret":
            found.extend(_secret_object(document, scan))
            skip = {id(document.get("data")), id(document.get("stringData"))}
        stack: list[Node] = [document]
        while stack:
            node = stack.pop()
            if isinstance(node, Mapping) and id(node) not in skip:
                found.extend(_assignments(node, scan))
                stack.extend(node.values.values())
            elif isinstance(node, Sequence):
                stack.extend(node.items)
    return found


def _text(node: Node | None) -> str | None:
    return node.value if isinstance(node, Scalar) and isinstance(node.value, str) else None


def _assignments(node: Mapping, scan: TextScan) -> Iterator[SecretMatch]:
    name = _text(node.get("name") or node.get("Name"))
    value = node.get("value") or node.get("Value")
    if name and value is not None and _text(value) is not None and secret_name(name):
        yield scan.make(GENERIC, *scan.span(value.loc), name=name, value=_text(value), resource=f'env "{name}"')
    for key, child in node.items():
        if not secret_name(key):
            continue
        default = child.get("Default") if isinstance(child, Mapping) else None
        value = default if default is not None and _text(default) is not None else child  # a CloudFormation parameter
        if _text(value) is not None:
            yield scan.make(GENERIC, *scan.span(value.loc), name=key, value=_text(value))


def _secret_object(document: Mapping, scan: TextScan) -> Iterator[SecretMatch]:
    object_name = _text(dig(document, "metadata", "name")) or "?"
    for field, encoded in (("data", True), ("stringData", False)):
        entries = document.get(field)
        if not isinstance(entries, Mapping):
            continue
        for key, node in entries.items():
            value = _text(node)
            if value is None:
                continue
            resource = f'Secret/{object_name} key "{key}"'
            yield from _secret_value(scan, node, key, _decoded(value) if encoded else value, encoded, resource,
                                     whole=not _PUBLIC.search(key))


def _secret_value(scan: TextScan, node: Node, key: str, value: str, encoded: bool, resource: str, whole: bool
                  ) -> Iterator[SecretMatch]:
    """Tokens inside the value; then the value itself unless the entry is public (`username`)."""
    start, end = scan.span(node.loc)
    if encoded:  # what the text pass cannot see: tokens inside the decoded value, pointed at the entry
        for inner in scan_text(value, scan.path):
            yield replace(inner, loc=scan.index.location(scan.path, start, end), start=start, end=end,
                          resource=resource, name=inner.name or key)
    if whole and "\n" not in value.strip():  # a whole file (a config, a key) is judged by what is inside it
        detector = detector_for(key, value)
        yield scan.make(SECRET_DATA if detector is GENERIC else detector, start, end, name=key, value=value,
                        resource=resource)


def _decoded(value: str) -> str:
    """The value Kubernetes will hand the container; the base64 text itself when that is binary."""
    try:
        return base64.b64decode("".join(value.split()), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return value
