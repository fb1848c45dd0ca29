"""Terraform's Kubernetes provider resources (`kubernetes_deployment`, `kubernetes_pod_v1`, ...)
into `ContainerSpec`s, and into the `KubeObject`s that the relation rules read (roles, bindings,
namespaces, network policies, service accounts), so manifests and Terraform meet the same rules.

The provider spells a pod spec in HCL: snake_case names, one-item blocks for objects
(`security_context { ... }`) and repeated blocks for lists (`container { ... }` twice). The
evaluated resource is renamed into the manifest's shape, keeping every node and location, and read
by the same code as a YAML manifest, so both dialects give the same answer for the same pod.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from scanner.adapters.common import mapping
from scanner.adapters.kubernetes import from_pod_spec
from scanner.model.cloud import CloudResource
from scanner.model.container import ContainerSpec
from scanner.model.kubernetes import CLUSTER_SCOPED, POD_TEMPLATE_PATHS, KubeObject, objects_in
from scanner.nodes import Mapping, Node, Sequence, Unknown, dig, key_loc, text

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
# Resource type (without `_v1`) -> the kind and apiVersion of the object it creates, for the objects
# other than workloads that rules read. `kubernetes_default_service_account` manages the
# ServiceAccount every namespace already has, named "default".
OBJECTS: dict[str, tuple[str, str]] = {
    "kubernetes_namespace": ("Namespace", "v1"),
    "kubernetes_service_account": ("ServiceAccount", "v1"),
    "kubernetes_default_service_account": ("ServiceAccount", "v1"),
    "kubernetes_secret": ("Secret", "v1"),
    "kubernetes_resource_quota": ("ResourceQuota", "v1"),
    "kubernetes_limit_range": ("LimitRange", "v1"),
    "kubernetes_role": ("Role", "rbac.authorization.k8s.io/v1"),
    "kubernetes_cluster_role": ("ClusterRole", "rbac.authorization.k8s.io/v1"),
    "kubernetes_role_binding": ("RoleBinding", "rbac.authorization.k8s.io/v1"),
    "kubernetes_cluster_role_binding": ("ClusterRoleBinding", "rbac.authorization.k8s.io/v1"),
    "kubernetes_network_policy": ("NetworkPolicy", "networking.k8s.io/v1"),
}
# `kubernetes_manifest` holds any manifest as an HCL object, already in the manifest's shape.
MANIFEST = "kubernetes_manifest"
OBJECT_TYPES = (*(name for base in (*OBJECTS, *WORKLOADS) for name in (base, base + "_v1")), MANIFEST)
# Kinds that Terraform adds to the object set, for the rules on roles, bindings, namespaces and
# policies. Its workloads reach the rules through the container model and the cluster facts
# instead, so that no container is judged twice.
RELATION_KINDS = frozenset({"Namespace", "ServiceAccount", "Role", "ClusterRole", "RoleBinding",
                            "ClusterRoleBinding", "NetworkPolicy"})
# The lists of those objects, which the provider writes as repeated blocks, and their manifest names.
OBJECT_REPEATED = REPEATED | {"rule", "subject", "ingress", "egress", "from", "to", "ports",
                              "match_expressions", "cluster_role_selectors", "secret", "image_pull_secret"}
OBJECT_RENAMES = {**RENAMES, "rule": "rules", "subject": "subjects", "non_resource_urls": "nonResourceURLs",
                  "secret": "secrets", "image_pull_secret": "imagePullSecrets"}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def as_manifest(block: Mapping, repeated: frozenset[str] = REPEATED,
                renames: dict[str, str] = RENAMES) -> Mapping:
    """A block body in the manifest's shape. Attribute maps (labels, annotations, limits) keep
    their keys: only block and argument names are renamed."""
    result = Mapping(block.loc)
    for key, value in block.items():
        name = renames.get(key) or camel(key)
        where = block.keys.get(key, value.loc)
        bodies = [item for item in value.items if isinstance(item, Mapping)] \
            if isinstance(value, Sequence) else []
        if isinstance(value, Sequence) and bodies and len(bodies) == len(value.items):
            converted: Node = Sequence(value.loc, [as_manifest(body, repeated, renames) for body in bodies]) \
                if key in repeated else as_manifest(bodies[0], repeated, renames)
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


def objects(resources: Iterable[CloudResource]) -> Iterator[KubeObject]:
    """The Kubernetes object each resource of `OBJECT_TYPES` creates, named by its Terraform address.
    A namespace the template computes from something unknown (`var.namespace`) is named by that
    expression, so objects that share it share a namespace, and it matches no namespace written out."""
    for resource in resources:
        if resource.type == MANIFEST:
            manifest = resource.attrs.get("manifest")
            for obj in objects_in(manifest, resource.loc.path) if manifest is not None else ():
                yield replace(obj, address=resource.label)
            continue
        base = resource.type.removesuffix("_v1")
        kind, api_version = OBJECTS.get(base) or (WORKLOADS[base], "")
        node = as_manifest(resource.attrs, OBJECT_REPEATED, OBJECT_RENAMES) if base in OBJECTS \
            else as_manifest(resource.attrs)
        node.loc = resource.loc
        name = "default" if base == "kubernetes_default_service_account" else \
            text(dig(node, "metadata", "name")) or text(dig(node, "metadata", "generateName")) or ""
        written = dig(node, "metadata", "namespace")
        namespace = "" if kind in CLUSTER_SCOPED else (
            f"${{{written.source}}}" if isinstance(written, Unknown) else text(written) or "default")
        yield KubeObject(kind, api_version, name, namespace, node, resource.loc.path,
                         explicit_namespace=written is not None, address=resource.label)
