"""AKS settings with no twin on other clouds: add-ons, node public IPs, encryption at host and
the system pool's isolation. Each reads `cloud_azure`'s per-type rows, so Terraform and ARM
templates are judged by the same lines."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.checks.cloud.azure import CLUSTERS, POOLS, cluster_flag, path_of, pool_path, pools
from scanner.checks.cloud.common import report
from scanner.model.cloud import CloudModel
from scanner.model.cloud_values import flag, items, lookup, unknown_in
from scanner.nodes import Node, text
from scanner.results.findings import Hit

SYSTEM_TAINT = "criticaladdonsonly"
# Defender for Containers turned on for a whole subscription: (type, plan name key, tier key).
_PLANS = {"azurerm_security_center_subscription_pricing": ("resource_type", "tier"),
          "Microsoft.Security/pricings": ("name", "properties.pricingTier")}


def policy_addon_off(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Clusters without the Azure Policy add-on, so no admission policy is enforced by Azure."""
    for res in model.of_type(*CLUSTERS):
        enabled, node, _ = cluster_flag(res, "policy_addon", False)
        if enabled is False:
            yield report(res, node, "azure_policy")


def http_routing_on(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """The HTTP application routing add-on: a public DNS zone and an ingress meant for trials."""
    for res in model.of_type(*CLUSTERS):
        enabled, node, _ = cluster_flag(res, "http_routing", False)
        if enabled:
            yield report(res, node, "http_application_routing")


def _pool_flags(res, concern: str) -> Iterator[tuple[str, str, bool | None, Node | None]]:
    """(key, pool name, value, node) of a boolean pool setting, None when absent."""
    for prefix, pool, spelling, _ in pools(res):
        path = pool_path(pool, spelling, concern)
        value, node = flag(pool, path, None)
        yield prefix + path, text(lookup(pool, "name")) or res.name, value, node


def node_public_ip(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    for res in model.of_type(*POOLS):
        for key, name, enabled, node in _pool_flags(res, "public_ip"):
            if enabled:
                yield report(res, node, key, pool=name)


def host_encryption_off(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    for res in model.of_type(*POOLS):
        for key, name, enabled, node in _pool_flags(res, "host_encryption"):
            if enabled is None and node is None:
                yield report(res, None, key, pool=name)
            elif enabled is False:
                yield report(res, node, key, pool=name)


def system_pool_shared(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """System pools that also schedule application pods (no `CriticalAddonsOnly` taint)."""
    for res in model.of_type(*POOLS):
        for prefix, pool, spelling, system in pools(res):
            if not system:
                continue
            critical_key = pool_path(pool, spelling, "critical_only")
            critical, node = flag(pool, critical_key, False) if critical_key else (False, None)
            taints = lookup(pool, pool_path(pool, spelling, "taints"))
            if critical is not False or unknown_in(taints):
                continue
            if any((text(taint) or "").lower().startswith(SYSTEM_TAINT) for taint in items(taints)):
                continue
            name = text(lookup(pool, "name")) or res.name
            yield report(res, node, f"{prefix}{critical_key or 'nodeTaints'}", pool=name)


def defender_off(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Clusters without Defender for Containers' runtime monitoring. A subscription plan in the
    scan turns it on for every cluster (or may: its tier unknown), so then nothing is reported."""
    for plan in model.of_type(*_PLANS):
        kind_key, tier_key = _PLANS[plan.type]
        kind, tier = (text(plan.lookup(key)) for key in (kind_key, tier_key))
        if kind is None or (kind.lower() in ("containers", "kubernetesservice") and (tier or "").lower() != "free"):
            return
    for res in model.of_type(*CLUSTERS):
        path = path_of(res, "defender")
        value = res.lookup(path)
        if res.format == "arm":
            enabled, node = res.flag(path, False)
            if enabled is False:
                yield report(res, node, "defender")
        elif value is None:
            yield report(res, None, "defender")
