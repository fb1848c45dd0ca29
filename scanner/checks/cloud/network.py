"""Network exposure and visibility: security groups, firewall rules, NSGs and flow logs.

Every provider's ingress rule is first reduced to `Opening`s (who, which protocol, which ports);
the two exposure rules then judge openings only, so AWS, CloudFormation, GCP and Azure rules
share one notion of "port 22 open to the world".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scanner.catalog.rules import RuleContext
from scanner.checks.cloud.common import is_world, refers_to, report
from scanner.model.cloud import CloudModel, CloudResource
from scanner.model.cloud_values import blocks, flag, items, lookup, setting
from scanner.nodes import Location, Mapping, Node, text
from scanner.results.findings import Hit

ALL_PORTS = (0, 65535)
# AWS-style rules: (rule blocks, direction key, CIDR keys, from, to, protocol) per type.
_AWS = {
    "aws_security_group": ("ingress", "", ("cidr_blocks", "ipv6_cidr_blocks"), "from_port", "to_port",
                           "protocol"),
    "aws_security_group_rule": ("", "type", ("cidr_blocks", "ipv6_cidr_blocks"), "from_port", "to_port",
                                "protocol"),
    "aws_vpc_security_group_ingress_rule": ("", "", ("cidr_ipv4", "cidr_ipv6"), "from_port", "to_port",
                                            "ip_protocol"),
    "AWS::EC2::SecurityGroup": ("SecurityGroupIngress", "", ("CidrIp", "CidrIpv6"), "FromPort", "ToPort",
                                "IpProtocol"),
    "AWS::EC2::SecurityGroupIngress": ("", "", ("CidrIp", "CidrIpv6"), "FromPort", "ToPort", "IpProtocol"),
}
# Worst first: administration, container runtime and Kubernetes control ports, databases.
SENSITIVE_PORTS = {
    22: "SSH", 23: "Telnet", 3389: "RDP", 5985: "WinRM", 5986: "WinRM",
    2375: "Docker API", 2376: "Docker API", 6443: "Kubernetes API", 10250: "kubelet",
    10255: "kubelet read-only", 2379: "etcd", 2380: "etcd",
    1433: "SQL Server", 1521: "Oracle", 3306: "MySQL", 5432: "PostgreSQL", 6379: "Redis",
    9042: "Cassandra", 9200: "Elasticsearch", 11211: "Memcached", 27017: "MongoDB",
}
_PORTED = frozenset({"tcp", "udp", "6", "17", "sctp", "132"})
_ALL = frozenset({"-1", "all", "*", "any"})


@dataclass(frozen=True)
class Opening:
    """Traffic from `source` (a world range) to `ports`; `at` is where the source is written."""

    resource: Any
    source: str
    at: Node | Location
    ports: tuple[int, int]
    key: str


def openings(model: CloudModel) -> Iterator[Opening]:
    for res in model.of_type(*_AWS):
        yield from _aws(res, *_AWS[res.type])
    for res in model.of_type("google_compute_firewall"):
        yield from _gcp(res)
    for res in model.of_type(*_NSG):
        path, keys = _NSG[res.type]
        for rule in res.blocks(path) if path else [res.attrs]:
            yield from _azure(res, rule, keys)


def _aws(res: CloudResource, path: str, direction: str, cidr_keys: tuple[str, ...], low: str, high: str,
         protocol: str) -> Iterator[Opening]:
    for rule in res.blocks(path) if path else [res.attrs]:
        if direction and (text(rule.get(direction)) or "").lower() != "ingress":
            continue
        proto = (text(rule.get(protocol)) or "").lower()
        if proto in _ALL:
            ports: tuple[int, int] | None = ALL_PORTS
        elif proto in _PORTED:
            ports = _port_pair(rule.get(low), rule.get(high))
        else:
            continue
        if ports is None:
            continue
        for key in cidr_keys:
            for cidr in items(rule.get(key)):
                if is_world(cidr):
                    key = f"{path or 'ingress'}:{ports[0]}-{ports[1]}"
                    yield Opening(res, text(cidr) or "", cidr, ports, key)


def _port_pair(low: Node | None, high: Node | None) -> tuple[int, int] | None:
    try:
        first, last = int(text(low) or ""), int(text(high) or "")
    except ValueError:
        return None
    return ALL_PORTS if first < 0 or last < 0 else (first, last)


def _ranges(spec: str) -> tuple[int, int] | None:
    """`22`, `1000-2000` or `*`; None for what can't be read."""
    spec = spec.strip()
    if spec in _ALL:
        return ALL_PORTS
    first, _, last = spec.partition("-")
    try:
        return int(first), int(last or first)
    except ValueError:
        return None


def _gcp(res: CloudResource) -> Iterator[Opening]:
    attrs = res.attrs
    direction, _, known = setting(attrs, "direction")
    if not known or direction not in (None, "ingress") or flag(attrs, "disabled", False)[0] is not False:
        return
    sources = lookup(attrs, "source_ranges")
    if sources is None:
        # With no source ranges, tags or service accounts, GCP applies an ingress rule to 0.0.0.0/0.
        if lookup(attrs, "source_tags") is not None or lookup(attrs, "source_service_accounts") is not None:
            return
        worlds: list[tuple[str, Node | Location]] = [("0.0.0.0/0", res.loc)]
    else:
        worlds = [(text(s) or "", s) for s in items(sources) if is_world(s)]
    for allow in blocks(attrs, "allow"):
        proto = (text(allow.get("protocol")) or "").lower()
        if proto not in _ALL and proto not in _PORTED:
            continue
        specs = allow.get("ports")
        read = [ALL_PORTS] if specs is None or proto in _ALL else [_ranges(text(spec) or "") for spec in items(specs)]
        for ports in (known for known in read if known is not None):
            for source, at in worlds:
                yield Opening(res, source, at, ports, f"allow:{ports[0]}-{ports[1]}")


# Network security groups: (where the rules are, and each rule's keys: the block holding its
# settings, direction, access, protocol, source prefix(es), destination port range(s)) per type.
_TF_RULE = ("", "direction", "access", "protocol", "source_address_prefix", "source_address_prefixes",
            "destination_port_range", "destination_port_ranges")
_ARM_RULE = ("properties", "direction", "access", "protocol", "sourceAddressPrefix", "sourceAddressPrefixes",
             "destinationPortRange", "destinationPortRanges")
_NSG = {
    "azurerm_network_security_group": ("security_rule", _TF_RULE),
    "azurerm_network_security_rule": ("", _TF_RULE),
    "Microsoft.Network/networkSecurityGroups": ("properties.securityRules", _ARM_RULE),
    "Microsoft.Network/networkSecurityGroups/securityRules": ("", _ARM_RULE),
}


def _azure(res: CloudResource, rule: Mapping, keys: tuple[str, ...]) -> Iterator[Opening]:
    settings, direction_key, access_key, protocol_key, source_key, sources_key, port, ports_key = keys
    name = text(rule.get("name")) or ""
    found = lookup(rule, settings) if settings else rule
    if not isinstance(found, Mapping):
        return
    rule = found
    direction, access = ((text(rule.get(key)) or "").lower() for key in (direction_key, access_key))
    if direction != "inbound" or access != "allow":
        return
    proto = (text(rule.get(protocol_key)) or "").lower()
    if proto not in _ALL and proto not in _PORTED:
        return
    sources = [s for key in (source_key, sources_key) for s in items(rule.get(key)) if is_world(s)]
    specs = [s for key in (port, ports_key) for s in items(rule.get(key))]
    for ports in (_ranges(text(spec) or "") for spec in specs):
        if ports is None:
            continue
        for source in sources:
            key = f"security_rule[{name}]:{ports[0]}-{ports[1]}"
            yield Opening(res, text(source) or "", source, ports, key)


def _inside(ports: tuple[int, int], wanted: dict[int, str]) -> list[str]:
    return [f"{port} ({label})" for port, label in wanted.items() if ports[0] <= port <= ports[1]]


def _describe(ports: tuple[int, int]) -> str:
    if ports == ALL_PORTS or (ports[0] <= 1 and ports[1] == 65535):
        return "all ports"
    return f"port {ports[0]}" if ports[0] == ports[1] else f"ports {ports[0]}-{ports[1]}"


def sensitive_port_open(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Administration, container-runtime, Kubernetes and database ports reachable from anywhere."""
    for opening in openings(model):
        hits = _inside(opening.ports, SENSITIVE_PORTS)
        if hits:
            shown = ", ".join(hits[:4]) + (", ..." if len(hits) > 4 else "")
            ports = f"port {shown}" if opening.ports[0] == opening.ports[1] else \
                f"{_describe(opening.ports)}, including {shown}"
            yield report(opening.resource, opening.at, f"{opening.key}:{opening.source}",
                         source=opening.source, ports=ports)


def port_open(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Other ports reachable from anywhere, except the ones meant to be public (web by default)."""
    public = {int(port) for port in ctx.option("public_ports") or ()}
    for opening in openings(model):
        low, high = opening.ports
        only_public = high - low < len(public) and set(range(low, high + 1)) <= public
        if only_public or _inside(opening.ports, SENSITIVE_PORTS):
            continue
        yield report(opening.resource, opening.at, f"{opening.key}:{opening.source}",
                     source=opening.source, ports=_describe(opening.ports))


# Flow logs: (network types, flow log types, the flow log's keys that name what it records).
_FLOWS = (
    (("aws_vpc",), ("aws_flow_log",), ("vpc_id",)),
    (("AWS::EC2::VPC",), ("AWS::EC2::FlowLog",), ("ResourceId",)),
    (("azurerm_virtual_network",), ("azurerm_network_watcher_flow_log",),
     ("target_resource_id", "network_security_group_id")),
)
_PROXY_SUBNETS = frozenset({"regional_managed_proxy", "global_managed_proxy", "internal_https_load_balancer",
                            "private_service_connect"})


def flow_logs_off(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Networks whose accepted and rejected connections are not recorded."""
    for networks, log_types, keys in _FLOWS:
        logs = model.of_type(*log_types)
        for res in model.of_type(*networks):
            verdicts = {refers_to(lookup(log.attrs, key), res) for log in logs
                        for key in keys if lookup(log.attrs, key) is not None}
            if not verdicts.intersection({True, None}):
                yield report(res, None, "flow_log", problem="no flow log points at it")
        for log in logs:
            enabled, node = flag(log.attrs, "enabled", True)
            if enabled is False:
                yield report(log, node, "enabled", problem="the flow log is disabled")
    for res in model.of_type("google_compute_subnetwork"):
        purpose, _, known = res.setting("purpose")
        if known and purpose not in _PROXY_SUBNETS and res.lookup("log_config") is None:
            yield report(res, None, "log_config", problem="the subnetwork has no log_config")
    for res in model.of_type("google_compute_firewall"):
        # Rules that refuse traffic, or admit it from anywhere, are where connection attempts show.
        if res.lookup("log_config") is not None or res.flag("disabled", False)[0] is not False:
            continue
        if any(True for _ in res.blocks("deny")) or any(True for _ in _gcp(res)):
            yield report(res, None, "log_config", problem="the firewall rule has no log_config")
