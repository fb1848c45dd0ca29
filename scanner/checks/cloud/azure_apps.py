"""Azure container services exposed to the Internet: Container Instances groups on a public IP
address, Container Apps whose external ingress still accepts plain HTTP. One row per format."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.checks.cloud.common import report
from scanner.model.cloud import CloudModel
from scanner.model.cloud_values import flag, items, lookup
from scanner.nodes import text
from scanner.results.findings import Hit

# Container groups: (IP address type, its default when absent, the ports it exposes).
_GROUPS = {
    "Microsoft.ContainerInstance/containerGroups": ("properties.ipAddress.type", None,
                                                    "properties.ipAddress.ports"),
    "azurerm_container_group": ("ip_address_type", "public", "exposed_port"),
}
# Container Apps: (ingress block, external switch, plain HTTP allowed).
_APPS = {
    "Microsoft.App/containerApps": ("properties.configuration.ingress", "external", "allowInsecure"),
    "azurerm_container_app": ("ingress", "external_enabled", "allow_insecure_connections"),
}


def group_public_ip(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    for res in model.of_type(*_GROUPS):
        path, default, ports_path = _GROUPS[res.type]
        kind, node, known = res.setting(path)
        if known and (kind or default) == "public":
            ports = [text(lookup(entry, "port")) or "?" for entry in items(res.lookup(ports_path))]
            yield report(res, node, "ip_address_type", ports=", ".join(ports) or "its containers' ports")


def app_insecure_ingress(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    for res in model.of_type(*_APPS):
        block, external_key, insecure_key = _APPS[res.type]
        ingress = res.lookup(block)
        external = flag(ingress, external_key, False)[0]
        insecure, node = flag(ingress, insecure_key, False)
        if external and insecure:
            yield report(res, node, "ingress.allow_insecure")
