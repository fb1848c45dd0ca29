"""GKE hardening the other cluster rules leave out: the nodes' verified boot, where the nodes are
reachable from, what the cluster records, and who chooses its versions.

Defaults differ by setting: Shielded GKE Nodes and integrity monitoring are on unless turned off,
so only an explicit `false` is reported; Secure Boot, private nodes and intranode visibility (on
Standard clusters) are off unless turned on, so a missing setting is reported too. Autopilot manages
its nodes itself, so node settings are not judged there.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.checks.cloud.clusters import GKE, autopilot
from scanner.checks.cloud.common import refers_to, report
from scanner.checks.cloud.nodes import GKE_POOLS, gke_pools
from scanner.model.cloud import CloudModel
from scanner.model.cloud_values import flag
from scanner.results.findings import Hit

SHIELDED = "node_config.shielded_instance_config"


def shielded_nodes_off(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    for res in model.of_type(GKE):
        enabled, node = res.flag("enable_shielded_nodes", True)
        if enabled is False and not autopilot(res):
            yield report(res, node, "enable_shielded_nodes")


def secure_boot_off(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    yield from _shielded_off(model, "enable_secure_boot", default=False)


def integrity_monitoring_off(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    yield from _shielded_off(model, "enable_integrity_monitoring", default=True)


def _shielded_off(model: CloudModel, setting: str, default: bool) -> Iterator[Hit]:
    """Node pools whose shielded instance setting is off (`default` when the block omits it)."""
    for res in model.of_type(*GKE_POOLS):
        for prefix, pool in gke_pools(res):
            enabled, node = flag(pool, f"{SHIELDED}.{setting}", default)
            if enabled is False:
                yield report(res, node, f"{prefix}{SHIELDED}.{setting}")


def private_nodes_off(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """A node pool of the scan may make its own nodes private (`network_config`); a cluster that
    has such a pool is left alone."""
    pools = [res for res in model.of_type("google_container_node_pool")
             if res.flag("network_config.enable_private_nodes", False)[0] is not False]
    for res in model.of_type(GKE):
        enabled, node = res.flag("private_cluster_config.enable_private_nodes", False)
        if enabled is False and not any(refers_to(pool.attrs.get("cluster"), res) is not False for pool in pools):
            yield report(res, node, "private_cluster_config.enable_private_nodes")


def intranode_visibility_off(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Off by default on Standard clusters, on by default on Autopilot."""
    for res in model.of_type(GKE):
        enabled, node = res.flag("enable_intranode_visibility", autopilot(res))
        if enabled is False:
            yield report(res, node, "enable_intranode_visibility")


def release_channel_unspecified(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Only the explicit opt-out: a cluster created without the block is enrolled in a channel."""
    for res in model.of_type(GKE):
        channel, node, _ = res.setting("release_channel.channel")
        if channel == "unspecified":
            yield report(res, node, "release_channel.channel")


def monitoring_off(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """`monitoring_service = "none"` (logging_service is CLD003's)."""
    for res in model.of_type(GKE):
        service, node, _ = res.setting("monitoring_service")
        if service == "none":
            yield report(res, node, "monitoring_service")
