"""Terraform's Kubernetes provider resources (`kubernetes_deployment`, `kubernetes_pod_v1`, ...)
into `ContainerSpec`s.

The provider spells a pod spec in HCL: snake_case names, one-item blocks for objects
(`security_context { ... }`) and repeated blocks for lists (`container { ... }` twice). The
evaluated resource is renamed into the manifest's shape, keeping every node and location, and read
by the same code as a YAML manifest, so both dialects give the same answer for the same pod.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.adapters.common import mapping
from scanner.adapters.kubernetes import from_pod_spec
from scanner.model.cloud import CloudResource
from scanner.model.container import ContainerSpec
from scanner.model.kubernetes import POD_TEMPLATE_PATHS
from scanner.nodes import Mapping, Node, Sequence, dig, key_loc, text

# resource type (without the `_v1` suffix) -> the kind it creates; where that kind keeps its pod
# template is the manifests' own table, read after renaming.
WORKLOADS: dict[str, str] = {
    "kubernetes_pod": "Pod",
    "kubernetes_deployment": "Deployment",
    "kubernetes_stateful_set": "StatefulSet",
    "kubernetes_daemonset": "DaemonSet",
    "kubernetes_daemon_set": "DaemonSet",
    "kubernetes_replication_controller": "ReplicationController",
    "kubernetes_job": "Job",
    "kubernetes_cron_job": "CronJob",
}
TYPES = tuple(name for base in WORKLOADS for name in (base, base + "_v1"))
# Blocks the provider repeats for a list; every other block is one object.
REPEATED = frozenset({"container", "init_container", "volume", "volume_mount", "env", "env_from", "port",
                      "toleration", "image_pull_secrets", "host_aliases", "volume_device", "sysctl"})
RENAMES = {"container": "containers", "init_container": "initContainers", "volume": "volumes",
           "volume_mount": "volumeMounts", "host_pid": "hostPID", "host_ipc": "hostIPC",
           "image_pull_secrets": "imagePullSecrets", "host_aliases": "hostAliases",
           "volume_device": "volumeDevices", "port": "ports", "toleration": "tolerations", "sysctl": "sysctls"}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def as_manifest(block: Mapping) -> Mapping:
    """A block body in the manifest's shape. Attribute maps (labels, annotations, limits) keep
    their keys: only block and argument names are renamed."""
    result = Mapping(block.loc)
    for key, value in block.items():
        name = RENAMES.get(key) or camel(key)
        where = block.keys.get(key, value.loc)
        bodies = [item for item in value.items if isinstance(item, Mapping)] \
            if isinstance(value, Sequence) else []
        if isinstance(value, Sequence) and bodies and len(bodies) == len(value.items):
            converted: Node = Sequence(value.loc, [as_manifest(body) for body in bodies]) \
                if key in REPEATED else as_manifest(bodies[0])
            result.set(name, where, converted)
        else:
            result.set(name, where, value)
    return result


def from_resource(resource: CloudResource) -> Iterator[ContainerSpec]:
    kind = WORKLOADS[resource.type.removesuffix("_v1")]
    path = POD_TEMPLATE_PATHS[kind]
    root = as_manifest(resource.attrs)
    template = mapping(dig(root, *path)) if path else root
    spec = mapping(dig(template, "spec"))
    if spec is None:
        return
    annotations = mapping(dig(template, "metadata", "annotations"))
    pod_loc = key_loc(template, "spec") or spec.loc
    namespace = text(dig(root, "metadata", "namespace")) or "default"
    for item in from_pod_spec(spec, annotations, resource.label, kind, pod_loc):
        item.namespace = namespace
        yield item
