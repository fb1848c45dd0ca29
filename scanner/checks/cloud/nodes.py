"""Managed Kubernetes nodes and workload identity: what the cluster's machines run and as whom.

GKE node settings live on the cluster (default pool), on inline `node_pool` blocks or on
`google_container_node_pool`; `gke_pools` hides that, so each rule reads one node configuration.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.checks.cloud import azure
from scanner.checks.cloud.clusters import GKE, autopilot
from scanner.checks.cloud.common import report
from scanner.model.cloud import CloudModel, CloudResource
from scanner.model.cloud_values import flag, lookup, setting, unknown_in
from scanner.nodes import Mapping, Node, text, walk
from scanner.results.findings import Hit

GKE_POOLS = (GKE, "google_container_node_pool")
AKS_POOLS = azure.POOLS
# EKS managed node groups: where the AMI type and a launch template (possibly a custom AMI) are set.
_EKS_GROUPS = {"aws_eks_node_group": ("ami_type", "launch_template"),
               "AWS::EKS::Nodegroup": ("AmiType", "LaunchTemplate")}
_AZURE_LINUX = ("azurelinux", "cblmariner", "mariner")


def gke_pools(res: CloudResource) -> Iterator[tuple[str, Node]]:
    """(key prefix, pool) for every node pool a GKE resource defines: the node pool itself, the
    cluster's inline pools, or the default pool unless it is removed (Autopilot has none)."""
    if res.type == "google_container_node_pool":
        yield "", res.attrs
        return
    if autopilot(res) or res.flag("remove_default_node_pool", False)[0] is not False:
        return
    inline = list(res.blocks("node_pool"))
    if inline:
        for index, pool in enumerate(inline):
            yield f"node_pool[{text(pool.get('name')) or index}].", pool
        return
    yield "", res.attrs


def node_image(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Node pools on a general-purpose OS image instead of a container-optimized one."""
    for res in model.of_type(*GKE_POOLS):
        for prefix, pool in gke_pools(res):
            image, node, _ = setting(pool, "node_config.image_type")
            if image and not image.startswith("cos"):
                yield report(res, node, f"{prefix}node_config.image_type", image=text(node) or "")
    for res in model.of_type(*_EKS_GROUPS):
        ami_key, template_key = _EKS_GROUPS[res.type]
        ami, node, known = res.setting(ami_key)
        if ami is None and known and res.lookup(template_key) is None:
            yield report(res, None, ami_key, image="the default Amazon Linux AMI")
        elif ami and not ami.startswith(("bottlerocket", "custom")):
            yield report(res, node, ami_key, image=text(node) or "")
    for res in model.of_type(*AKS_POOLS):
        for prefix, pool, spelling, _ in azure.pools(res):
            sku_key = azure.pool_path(pool, spelling, "os_sku")
            sku, node, known = setting(pool, sku_key)
            os_type, _, os_known = setting(pool, azure.pool_path(pool, spelling, "os_type"))
            windows = (os_type or "linux") != "linux" or (sku or "").startswith("windows")
            if not known or not os_known or windows:
                continue
            if sku is None or not sku.startswith(_AZURE_LINUX):
                yield report(res, node, f"{prefix}{sku_key}", image=text(node) or "Ubuntu (the default)")


def auto_upgrade_off(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Nodes that do not receive security patches automatically."""
    for res in model.of_type(*GKE_POOLS):
        for prefix, pool in gke_pools(res):
            upgrade, node = flag(pool, "management.auto_upgrade", True)
            if upgrade is False:
                yield report(res, node, f"{prefix}management.auto_upgrade", what="its nodes automatically")
    for res in model.of_type(*azure.CLUSTERS):
        channel, node, known, _ = azure.cluster_setting(res, "upgrade_channel")
        if known and channel in (None, "none"):
            yield report(res, node, "automatic_upgrade_channel",
                         what="its Kubernetes version automatically: no upgrade channel is set")
        channel, node, _, _ = azure.cluster_setting(res, "node_os_channel")
        if channel in ("none", "unmanaged"):
            yield report(res, node, "node_os_upgrade_channel", what="the node OS image automatically")


def sandbox_off(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """GKE node pools meant for untrusted workloads that do not run them in gVisor."""
    markers = tuple(str(m).lower() for m in ctx.option("untrusted_markers"))
    for res in model.of_type(*GKE_POOLS):
        for prefix, pool in gke_pools(res):
            if not _marked_untrusted(res, pool, markers):
                continue
            sandbox, node, known = setting(pool, "node_config.sandbox_config.sandbox_type")
            if known and sandbox != "gvisor":
                yield report(res, node, f"{prefix}node_config.sandbox_config")


def _marked_untrusted(res: CloudResource, pool, markers: tuple[str, ...]) -> bool:
    """Names, labels and taints are where teams say a pool is for untrusted code."""
    words = [res.name.rsplit(".", 1)[-1], text(lookup(pool, "name")) or ""]
    for _, node in walk(lookup(pool, "node_config")):
        if isinstance(node, Mapping):
            words.extend(node.values.keys())
        value = text(node)
        if value:
            words.append(value)
    return any(marker in word.lower() for word in words for marker in markers)


def workload_identity_off(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Pods that reach cloud APIs with the node's identity instead of their own."""
    for res in model.of_type(GKE):
        if autopilot(res):
            continue
        pool = res.lookup("workload_identity_config")
        if pool is None:
            yield report(res, None, "workload_identity_config")
    for res in model.of_type(*GKE_POOLS):
        for prefix, pool in gke_pools(res):
            mode, node, _ = setting(pool, "node_config.workload_metadata_config.mode")
            if mode in ("gce_metadata", "expose"):
                yield report(res, node, f"{prefix}node_config.workload_metadata_config")
    for res in model.of_type(*azure.CLUSTERS):
        enabled, node, _ = azure.cluster_flag(res, "workload_identity", False)
        if enabled is False:
            yield report(res, node, "workload_identity_enabled")


def default_node_service_account(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """GKE nodes running as the Compute Engine default service account (Editor on the project)."""
    for res in model.of_type(*GKE_POOLS):
        for prefix, pool in gke_pools(res):
            account = lookup(pool, "node_config.service_account")
            if unknown_in(account):
                continue
            if account is None or (text(account) or "").lower() == "default":
                yield report(res, account, f"{prefix}node_config.service_account")
