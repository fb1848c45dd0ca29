"""Managed Kubernetes control planes: EKS, GKE and AKS.

Each rule reads one concern through a small table of per-type attribute paths, so the Terraform
and CloudFormation spellings of the same setting are judged by the same code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from scanner.catalog.rules import RuleContext
from scanner.checks.cloud.azure import CLUSTERS, cluster_flag, path_of
from scanner.checks.cloud.common import is_world, refers_to, report
from scanner.model.cloud import CloudModel, CloudResource
from scanner.model.cloud_values import blocks, flag, items, lookup, scalar_strings, unknown_in
from scanner.nodes import Node, Unknown, text
from scanner.results.findings import Hit

EKS = ("aws_eks_cluster", "AWS::EKS::Cluster")
GKE = "google_container_cluster"
AKS = "azurerm_kubernetes_cluster"

# EKS: (block, public switch, allowed CIDRs, encryption list, its resources key, log types, type key)
class EksSpelling(NamedTuple):
    """Where an EKS cluster's settings sit in one format."""

    network: str  # the VPC block
    public_switch: str  # within it: whether the endpoint is public
    public_cidrs: str  # within it: who may reach a public endpoint
    encryption: str  # the secrets-encryption block
    encrypted_resources: str  # within it: what is encrypted
    log_types: str  # the list of enabled control-plane log types
    log_type_key: str  # a list item's type, when items are objects ("" when they are strings)


_EKS = {
    "aws_eks_cluster": EksSpelling("vpc_config", "endpoint_public_access", "public_access_cidrs",
                                   "encryption_config", "resources", "enabled_cluster_log_types", ""),
    "AWS::EKS::Cluster": EksSpelling("ResourcesVpcConfig", "EndpointPublicAccess", "PublicAccessCidrs",
                                     "EncryptionConfig", "Resources", "Logging.ClusterLogging.EnabledTypes", "Type"),
}


def autopilot(res: CloudResource) -> bool:
    return res.flag("enable_autopilot", False)[0] is not False


def public_endpoint(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Control-plane endpoints reachable from any address."""
    for res in model.of_type(*EKS):
        spelling = _EKS[res.type]
        public, node = res.flag(f"{spelling.network}.{spelling.public_switch}", True)
        if public:
            cidrs = res.lookup(f"{spelling.network}.{spelling.public_cidrs}")
            yield from _open_ranges(res, cidrs, node, spelling.public_cidrs)
    for res in model.of_type(GKE):
        private = res.flag("private_cluster_config.enable_private_endpoint", False)[0]
        ip_endpoint = res.flag("control_plane_endpoints_config.ip_endpoints_config.enabled", True)[0]
        if private is not False or ip_endpoint is not True:
            continue
        networks = res.lookup("master_authorized_networks_config")
        if isinstance(networks, Unknown):
            continue
        if networks is None or not items(networks):
            yield report(res, None, "master_authorized_networks_config", where="any address")
            continue
        for entry in blocks(networks, "cidr_blocks"):
            cidr = entry.get("cidr_block")
            if is_world(cidr):
                yield report(res, cidr, "master_authorized_networks_config", where=text(cidr) or "")
    for res in model.of_type(*CLUSTERS):
        if cluster_flag(res, "private", False)[0] is not False:
            continue
        yield from _open_ranges(res, res.lookup(path_of(res, "authorized_ranges")), None, "authorized_ip_ranges")


def _open_ranges(res: CloudResource, ranges: Node | None, switch: Node | None, key: str) -> Iterator[Hit]:
    """Allowed source ranges: absent or empty means everyone; a world range is reported at itself."""
    if ranges is None or (not items(ranges) and not isinstance(ranges, Unknown)):
        yield report(res, switch, key, where="any address")
        return
    for item in scalar_strings(ranges):
        if is_world(item):
            yield report(res, item, key, where=str(item.value))


def secrets_unencrypted(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Kubernetes Secrets stored without envelope encryption under a customer key."""
    for res in model.of_type(*EKS):
        block, resources_key = _EKS[res.type].encryption, _EKS[res.type].encrypted_resources
        configs = res.lookup(block)
        if unknown_in(configs) or any(unknown_in(b.get(resources_key)) for b in blocks(configs)):
            continue
        covered = {str(item.value).lower() for config in blocks(configs)
                   for item in scalar_strings(config.get(resources_key))}
        if "secrets" not in covered:
            yield report(res, None, block)
    for res in model.of_type(GKE):
        state, node, known = res.setting("database_encryption.state")
        if known and state != "encrypted":
            yield report(res, node, "database_encryption")
    for res in model.of_type(*CLUSTERS):
        kms = res.lookup(path_of(res, "kms"))
        if kms is None or (res.format == "arm" and res.flag(path_of(res, "kms"), False)[0] is False):
            yield report(res, kms, "key_management_service")


def audit_logs_off(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Control-plane API and audit logs not collected."""
    required = [str(kind).lower() for kind in ctx.option("eks_log_types")]
    for res in model.of_type(*EKS):
        path, type_key = _EKS[res.type].log_types, _EKS[res.type].log_type_key
        listed = res.lookup(path)
        entries = [lookup(item, type_key) if type_key else item for item in items(listed)]
        if isinstance(listed, Unknown) or any(isinstance(e, Unknown) or e is None for e in entries):
            continue
        enabled = {str(text(e)).lower() for e in entries}
        missing = [kind for kind in required if kind not in enabled]
        if missing:
            yield report(res, res.place(path), path, missing=", ".join(missing))
    for res in model.of_type(GKE):
        service, node, _ = res.setting("logging_service")
        if service == "none":
            yield report(res, node, "logging_service", missing="all")
    settings = model.of_type(*_DIAGNOSTICS)
    for res in model.of_type(*CLUSTERS):
        verdicts = [_audits(ds, res) for ds in settings]
        if True not in verdicts and None not in verdicts:
            yield report(res, None, "diagnostic_setting", missing="kube-audit")


_AUDIT_CATEGORIES = frozenset({"kube-audit", "kube-audit-admin", "alllogs", "audit"})


# Diagnostic settings: (the key naming the resource they watch, "" for a child of it; log lists).
_DIAGNOSTICS = {
    "azurerm_monitor_diagnostic_setting": ("target_resource_id", ("enabled_log", "log")),
    "Microsoft.Insights/diagnosticSettings": ("scope", ("properties.logs",)),
    "Microsoft.ContainerService/managedClusters/providers/diagnosticSettings": ("", ("properties.logs",)),
}


def _watches(setting_res: CloudResource, cluster: CloudResource) -> bool | None:
    """Whether a diagnostic setting is about the cluster: its target reference (Terraform, an
    ARM `scope` from `resourceId`), an ARM scope written as a path ending in the cluster's name,
    or an ARM child named under the cluster."""
    key = _DIAGNOSTICS[setting_res.type][0]
    if not key:
        return setting_res.name.lower().startswith(cluster.name.lower() + "/")
    target = setting_res.attrs.get(key)
    path = text(target)
    if setting_res.format == "arm" and path is not None:
        return path.rstrip("/").rsplit("/", 1)[-1].lower() == cluster.name.lower()
    return refers_to(target, cluster)


def _audits(setting_res, cluster) -> bool | None:
    """Whether a diagnostic setting sends the cluster's audit log somewhere; None: can't tell."""
    target = _watches(setting_res, cluster)
    if target is not True:
        return target
    for entry in [block for path in _DIAGNOSTICS[setting_res.type][1] for block in blocks(setting_res.attrs, path)]:
        category = entry.get("category") or entry.get("category_group") or entry.get("categoryGroup")
        if unknown_in(category):
            return None
        on = flag(entry, "enabled", True)[0]
        if (text(category) or "").lower() in _AUDIT_CATEGORIES and on is not False:
            return True
    return False


def legacy_auth(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Authorization or authentication paths that bypass Kubernetes RBAC."""
    for res in model.of_type(GKE):
        abac, node = res.flag("enable_legacy_abac", False)
        if abac:
            yield report(res, node, "enable_legacy_abac", problem="legacy ABAC authorization is on")
        user, node, _ = res.setting("master_auth.username")
        if user:
            yield report(res, node, "master_auth.username", problem="basic authentication is on")
        issue, node = res.flag("master_auth.client_certificate_config.issue_client_certificate", False)
        if issue:
            yield report(res, node, "master_auth.client_certificate",
                         problem="a client certificate is issued")
    for res in model.of_type(*CLUSTERS):
        rbac, node, _ = cluster_flag(res, "rbac", True)
        if rbac is False:
            yield report(res, node, "rbac", problem="Kubernetes RBAC is off")
        disabled, node, _ = cluster_flag(res, "local_accounts_off", False)
        if disabled is False:
            yield report(res, node, "local_accounts",
                         problem="local accounts are enabled (a static cluster-admin credential outside Entra ID)")


def network_policy_off(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Clusters that do not enforce NetworkPolicy objects."""
    for res in model.of_type(GKE):
        if autopilot(res):
            continue
        datapath, _, known = res.setting("datapath_provider")
        if not known or datapath == "advanced_datapath":
            continue
        enabled, node = res.flag("network_policy.enabled", False)
        if enabled is False:
            yield report(res, node, "network_policy")
    for res in model.of_type(*CLUSTERS):
        policy = res.lookup(path_of(res, "network_policy"))
        if policy is None or (text(policy) or "").lower() == "none":
            yield report(res, policy, "network_profile.network_policy")


_ENFORCING = frozenset({"project_singleton_policy_enforce", "policy_bindings",
                        "policy_bindings_and_project_singleton_policy_enforce"})


def binary_authorization_off(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """GKE clusters that admit any image."""
    for res in model.of_type(GKE):
        mode, node, known = res.setting("binary_authorization.evaluation_mode")
        legacy = [res.flag(path, False)[0] for path in
                  ("binary_authorization.enabled", "enable_binary_authorization")]
        if not known or mode in _ENFORCING or True in legacy or None in legacy:
            continue
        yield report(res, node, "binary_authorization")


# Where each managed cluster or node pool pins its Kubernetes version.
_VERSIONS = {
    "aws_eks_cluster": "version", "AWS::EKS::Cluster": "Version",
    "aws_eks_node_group": "version", "AWS::EKS::Nodegroup": "Version",
    GKE: "min_master_version", "google_container_node_pool": "version",
    AKS: "kubernetes_version", "azurerm_kubernetes_cluster_node_pool": "orchestrator_version",
    "Microsoft.ContainerService/managedClusters": "properties.kubernetesVersion",
    "Microsoft.ContainerService/managedClusters/agentPools": "properties.orchestratorVersion",
}


def version_unsupported(model: CloudModel, ctx: RuleContext) -> Iterator[Hit]:
    """Clusters and node pools pinned to a Kubernetes minor version below the supported floor."""
    floor = _minor(str(ctx.option("minimum_version")))
    for res in model.of_type(*_VERSIONS):
        key = _VERSIONS[res.type]
        node = res.lookup(key)
        pinned = _minor(text(node) or "")
        if floor and pinned and pinned < floor:
            yield report(res, node, key, version=text(node) or "", floor=str(ctx.option("minimum_version")))


def _minor(version: str) -> tuple[int, int] | None:
    """(1, 29) from `1.29`, `1.29.3` or `1.29.1-gke.1589018`; None for `latest` or an alias."""
    match = re.match(r"\s*v?(\d+)\.(\d+)", version)
    return (int(match.group(1)), int(match.group(2))) if match else None
