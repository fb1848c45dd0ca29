"""Azure's managed Kubernetes (AKS) in two spellings: Terraform's azurerm and ARM templates.

`azurerm_kubernetes_cluster` and `Microsoft.ContainerService/managedClusters` describe the same
cluster, one in snake_case arguments and blocks, the other in the REST API's camelCase under
`properties`. Each concern is one row per type here (`CLUSTER[type]["local_accounts_off"]`), and
every rule that judges AKS reads the row for the resource's type, so a setting is judged by one
piece of code whichever way it is written. A row holds one path, or several where the provider
renamed an argument (the first one present is read).
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model.cloud import CloudResource
from scanner.model.cloud_values import lookup, setting
from scanner.nodes import Mapping, Node, text

TF_CLUSTER = "azurerm_kubernetes_cluster"
ARM_CLUSTER = "Microsoft.ContainerService/managedClusters"
TF_POOL = "azurerm_kubernetes_cluster_node_pool"
ARM_POOL = "Microsoft.ContainerService/managedClusters/agentPools"
CLUSTERS = (TF_CLUSTER, ARM_CLUSTER)
POOLS = (*CLUSTERS, TF_POOL, ARM_POOL)

_P = "properties."
CLUSTER: dict[str, dict[str, tuple[str, ...]]] = {
    TF_CLUSTER: {
        "private": ("private_cluster_enabled",),
        "authorized_ranges": ("api_server_access_profile.authorized_ip_ranges", "api_server_authorized_ip_ranges"),
        "rbac": ("role_based_access_control_enabled", "role_based_access_control.enabled"),
        "local_accounts_off": ("local_account_disabled",),
        "network_policy": ("network_profile.network_policy",),
        "policy_addon": ("azure_policy_enabled", "addon_profile.azure_policy.enabled"),
        "http_routing": ("http_application_routing_enabled", "addon_profile.http_application_routing.enabled"),
        "kms": ("key_management_service",),
        "upgrade_channel": ("automatic_upgrade_channel", "automatic_channel_upgrade"),
        "node_os_channel": ("node_os_upgrade_channel", "node_os_channel_upgrade"),
        "workload_identity": ("workload_identity_enabled",),
        "version": ("kubernetes_version",),
        "defender": ("microsoft_defender",),
    },
    ARM_CLUSTER: {
        "private": (_P + "apiServerAccessProfile.enablePrivateCluster",),
        "authorized_ranges": (_P + "apiServerAccessProfile.authorizedIPRanges",),
        "rbac": (_P + "enableRBAC",),
        "local_accounts_off": (_P + "disableLocalAccounts",),
        "network_policy": (_P + "networkProfile.networkPolicy",),
        "policy_addon": (_P + "addonProfiles.azurepolicy.enabled", _P + "addonProfiles.azurePolicy.enabled"),
        "http_routing": (_P + "addonProfiles.httpApplicationRouting.enabled",),
        "kms": (_P + "securityProfile.azureKeyVaultKms.enabled",),
        "upgrade_channel": (_P + "autoUpgradeProfile.upgradeChannel",),
        "node_os_channel": (_P + "autoUpgradeProfile.nodeOSUpgradeChannel",),
        "workload_identity": (_P + "securityProfile.workloadIdentity.enabled",),
        "version": (_P + "kubernetesVersion",),
        "defender": (_P + "securityProfile.defender.securityMonitoring.enabled",),
    },
}
# Node pools: the cluster's own pools, or separate pool resources.
POOL: dict[str, dict[str, tuple[str, ...]]] = {
    "azurerm": {
        "public_ip": ("node_public_ip_enabled", "enable_node_public_ip"),
        "host_encryption": ("host_encryption_enabled", "enable_host_encryption"),
        "mode": ("mode",), "taints": ("node_taints",), "critical_only": ("only_critical_addons_enabled",),
        "os_sku": ("os_sku",), "os_type": ("os_type",), "version": ("orchestrator_version",),
    },
    "arm": {
        "public_ip": ("enableNodePublicIP",), "host_encryption": ("enableEncryptionAtHost",),
        "mode": ("mode",), "taints": ("nodeTaints",), "critical_only": (),
        "os_sku": ("osSKU",), "os_type": ("osType",), "version": ("orchestratorVersion",),
    },
}


def path_of(res: CloudResource, concern: str, table: dict[str, dict[str, tuple[str, ...]]] = CLUSTER) -> str:
    """The path a resource's type writes a concern at (the first spelling that is present)."""
    paths = table[res.type][concern]
    return next((path for path in paths if res.lookup(path) is not None), paths[0] if paths else "")


def cluster_flag(res: CloudResource, concern: str, default: bool | None) -> tuple[bool | None, Node | None, str]:
    """(value, node, path) of a boolean cluster setting, the default when it is absent."""
    path = path_of(res, concern)
    value, node = res.flag(path, default)
    return value, node, path


def cluster_setting(res: CloudResource, concern: str) -> tuple[str | None, Node | None, bool, str]:
    path = path_of(res, concern)
    return (*res.setting(path), path)


def pools(res: CloudResource) -> Iterator[tuple[str, Node, dict[str, tuple[str, ...]], bool]]:
    """(key prefix, pool, its spelling, is a system pool) for every node pool a resource defines:
    Terraform's default pool (always the system pool) or a separate pool, an ARM cluster's
    `agentPoolProfiles` or a separate agent pool."""
    if res.type == TF_CLUSTER:
        for pool in _blocks(res.lookup("default_node_pool")):
            yield "default_node_pool.", pool, POOL["azurerm"], True
    elif res.type == TF_POOL:
        yield "", res.attrs, POOL["azurerm"], _system(res.attrs, POOL["azurerm"])
    elif res.type == ARM_CLUSTER:
        profiles = _blocks(res.lookup("properties.agentPoolProfiles"))
        marked = any(_system(pool, POOL["arm"]) for pool in profiles)
        for index, pool in enumerate(profiles):
            name = text(pool.get("name")) or str(index)
            # without a pool marked System, the first pool created with the cluster is the system pool
            system = _system(pool, POOL["arm"]) or (not marked and index == 0)
            yield f"agentPoolProfiles[{name}].", pool, POOL["arm"], system
    elif res.type == ARM_POOL:
        properties = res.lookup("properties")
        if isinstance(properties, Mapping):
            yield "", properties, POOL["arm"], _system(properties, POOL["arm"])


def pool_path(pool: Node, spelling: dict[str, tuple[str, ...]], concern: str) -> str:
    paths = spelling[concern]
    return next((path for path in paths if lookup(pool, path) is not None), paths[0] if paths else "")


def _system(pool: Node, spelling: dict[str, tuple[str, ...]]) -> bool:
    mode, _, _ = setting(pool, pool_path(pool, spelling, "mode"))
    return mode == "system"


def _blocks(node: Node | None) -> list[Mapping]:
    if isinstance(node, Mapping):
        return [node]
    return [item for item in getattr(node, "items", []) if isinstance(item, Mapping)]
