"""Small readers the dialect adapters share: templated values, values a dialect spells differently,
and Docker's option strings, which Compose and ECS both use."""

from __future__ import annotations

import re

from scanner.model.container import ContainerSpec
from scanner.nodes import Location, Mapping, Node, Scalar, Sequence, Unknown, strings, text

_OPTION = re.compile(r"^\s*([a-z-]+)\s*[:=]\s*(.*?)\s*$")
# `${VAR}` (Compose, Terraform), `{{ .Values.x }}` (Helm), `$(VAR)` (Kubernetes env expansion).
# No brace inside a placeholder: otherwise each `${` or `{{` of an unclosed run scans to the end.
_TEMPLATE = re.compile(r"\$\{[^{}]*\}|\{\{[^{\n]*?\}\}|\$\([A-Za-z_][A-Za-z0-9_]*\)|^\$[A-Za-z_]\w*$")


def templated(value: object) -> bool:
    return isinstance(value, str) and bool(_TEMPLATE.search(value))


def settled(node: Node | None) -> Node | None:
    """The node as a rule should see it: a templated string becomes Unknown (it is decided at
    deploy time, so it is never reported as insecure)."""
    if isinstance(node, Scalar) and templated(node.value):
        return Unknown(str(node.value), node.loc, "templated value")
    return node


def settled_list(node: Node | None) -> Node | None:
    """A list as a rule should see it: Unknown as a whole when any item is (a templated or
    rendered-away entry may be the one that matters, like `ALL` in `capabilities.drop`)."""
    if isinstance(node, Sequence) and any(isinstance(settled(item), Unknown) for item in node.items):
        return Unknown("[...]", node.loc, "list with templated items")
    return node


def known_strings(node: Node | None) -> list[Scalar]:
    """The list's string items that are known: templated ones are decided at deploy time."""
    return [item for item in strings(node) if not templated(item.value)]


def synthetic(value: object, loc: Location) -> Scalar:
    """The model's value for a setting the dialect spells differently, at the original location."""
    return Scalar(value, loc)  # type: ignore[arg-type]


def mapping(node: Node | None) -> Mapping | None:
    return node if isinstance(node, Mapping) else None


def items(node: Node | None) -> list[Node]:
    return list(node.items) if isinstance(node, Sequence) else []


def first_line(node: Mapping) -> Location:
    """Where a finding about a missing setting points: the object's first key (YAML) or its header
    line (an HCL block, a JSON object), not its whole span."""
    start = next(iter(node.keys.values()), None)
    if start is not None and start.line == node.loc.line:
        return start
    return node.loc._replace(end_line=node.loc.line, end_column=node.loc.column + 1)


def pick(*nodes: Node | None) -> Node | None:
    """The first setting that is present: container level before pod level."""
    for node in nodes:
        if node is not None:
            return node
    return None


def keyed(parent: Node | None, key: str) -> Node | None:
    """The value under `key`, located at the key when it is a block list (whose own span
    starts on the next line), so a finding about the whole value points at the line naming it."""
    if not isinstance(parent, Mapping):
        return None
    value, where = parent.get(key), parent.keys.get(key)
    if isinstance(value, Sequence) and where is not None and where.line != value.loc.line:
        return Sequence(where._replace(end_line=value.loc.end_line, end_column=value.loc.end_column),
                        value.items)
    return value


def host_mode(node: Node | None) -> Node | None:
    """Docker's namespace modes (`pid: host`, `network_mode: host`, ECS `networkMode: host`) as
    "shares the host's namespace": True for `host`, False for anything else that is known."""
    node = settled(node)
    value = text(node)
    if node is None or value is None:
        return node
    return synthetic(value.strip().lower() == "host", node.loc)


def docker_security_options(item: ContainerSpec, options: Node | None) -> None:
    """Docker's `--security-opt` strings (Compose `security_opt`, ECS `dockerSecurityOptions`)
    into the model: no-new-privileges, seccomp, AppArmor and SELinux label settings."""
    for option in strings(options):
        if isinstance(settled(option), Unknown):
            continue
        match = _OPTION.match(str(option.value))
        word, value = (match.group(1), match.group(2).lower()) if match else (str(option.value).strip(), "")
        if word == "no-new-privileges" and value in ("", "true", "false"):
            item.allow_privilege_escalation = synthetic(value == "false", option.loc)
        elif word == "seccomp":
            item.seccomp = synthetic("Unconfined" if value == "unconfined" else "Localhost", option.loc)
        elif word == "apparmor":
            item.apparmor = synthetic("Unconfined" if value == "unconfined" else "Localhost", option.loc)
        elif word == "label" and value == "disable":
            item.selinux_disabled = synthetic(True, option.loc)
        elif word == "label" and value.startswith("type:"):
            item.selinux_type = synthetic(value[len("type:"):], option.loc)
