"""The cluster model: what rules about relations between Kubernetes objects need, kept small.

Most rules judge one object, and the engine gives them one file's objects at a time, then lets
them go. Relations cross files (a NetworkPolicy in one file covers pods in another; a binding
hands out a role defined elsewhere), so each file also leaves behind its facts: the objects that
relations are made of (namespaces, policies, roles, bindings, service accounts), which are few
and small, and for every pod-running object only what relation rules read of it. The engine
merges the facts of every file and judges the relations once, so memory grows with the number
of objects, not with the size of their manifests.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.inputs.parsed import ParsedFile
from scanner.model.kubernetes import KubeObject, KubernetesObjects, containers, pod_labels, pod_spec
from scanner.nodes import Location, Mapping, Node, Scalar, dig, text, truth
from scanner.nodes import Sequence as NodeSequence
from scanner.settings.config import Config

# Kinds kept whole: relation rules read their contents (a role's rules, a policy's selectors).
KEPT_KINDS = frozenset({
    "Namespace", "NetworkPolicy", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding",
    "ServiceAccount",
})
OTHER_POLICY_ENGINES = frozenset({
    "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "GlobalNetworkPolicy", "AdminNetworkPolicy",
    "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy",
})
# Objects that make a Secret of a given name: (kind, path to the name, or None for metadata.name).
SECRET_MAKERS = (("Secret", None), ("SealedSecret", None), ("ExternalSecret", ("spec", "target", "name")),
                 ("ExternalSecret", None), ("Certificate", ("spec", "secretName")))


@dataclass(frozen=True)
class Workload:
    """What relation rules read of an object that runs pods."""

    kind: str
    namespace: str
    label: str
    loc: Location
    patched: bool
    host_network: bool
    pod_labels: dict[str, str]
    secret_references: tuple[Scalar, ...]


@dataclass(frozen=True)
class Pod:
    """A pod template of any dialect (manifest or Terraform), as far as its identity goes: the
    service account it runs as and whether that account's token is mounted."""

    resource: str
    namespace: str
    loc: Location
    account: Node | None
    automount: Node | None


@dataclass
class Cluster:
    """The facts of every file of a scan, merged."""

    objects: KubernetesObjects = field(default_factory=KubernetesObjects)
    workloads: list[Workload] = field(default_factory=list)
    pods: list[Pod] = field(default_factory=list)
    secrets: set[tuple[str, str]] = field(default_factory=set)
    bounded_namespaces: set[str] = field(default_factory=set)
    other_engine_namespaces: set[str] = field(default_factory=set)

    def merge(self, other: Cluster) -> None:
        for obj in other.objects:
            self.objects.add(obj)
        self.workloads.extend(other.workloads)
        self.pods.extend(other.pods)
        self.secrets |= other.secrets
        self.bounded_namespaces |= other.bounded_namespaces
        self.other_engine_namespaces |= other.other_engine_namespaces

    def tokenless_accounts(self) -> set[tuple[str, str]]:
        """(namespace, name) of the ServiceAccounts that turn token automounting off."""
        return {(account.namespace, account.name) for account in self.objects.of_kind("ServiceAccount")
                if truth(account.get("automountServiceAccountToken")) is False}


def build(files: Sequence[ParsedFile], config: Config, kubernetes: KubernetesObjects | None = None,
          container: Any = None, cloud: Any = None) -> Cluster:
    """The facts of these files, from the scan's own object set and container model, and from the
    Terraform Kubernetes resources of the cloud model that the object set leaves out (workloads,
    Secrets, quotas)."""
    facts = Cluster()
    for obj in kubernetes or ():
        _add_object(facts, obj)
    if kubernetes is not None:
        facts.workloads.extend(_workload(obj) for obj in kubernetes.workloads())
    if cloud is not None:
        from scanner.adapters.terraform_k8s import OBJECT_TYPES, RELATION_KINDS, objects

        for obj in objects(cloud.of_type(*OBJECT_TYPES)):
            if obj.kind in RELATION_KINDS:
                continue
            _add_object(facts, obj)
            if pod_spec(obj) is not None:
                facts.workloads.append(_workload(obj))
    facts.pods.extend(_pods(container))
    return facts


def _add_object(facts: Cluster, obj: KubeObject) -> None:
    if obj.kind in KEPT_KINDS:
        facts.objects.add(obj)
    if obj.kind in OTHER_POLICY_ENGINES or (obj.kind == "NetworkPolicy" and not is_core_policy(obj)):
        facts.other_engine_namespaces.add(obj.namespace)
    if obj.kind in ("ResourceQuota", "LimitRange"):
        facts.bounded_namespaces.add(obj.namespace)
    for kind, path in SECRET_MAKERS:
        name = (text(obj.get(*path)) if path else obj.name) if obj.kind == kind else None
        if name:
            facts.secrets.add((obj.namespace, name))


def is_core_policy(obj: KubeObject) -> bool:
    """A Kubernetes NetworkPolicy (Calico writes its own `kind: NetworkPolicy` too)."""
    return obj.kind == "NetworkPolicy" and obj.api_version.startswith("networking.k8s.io/")


def _workload(obj: KubeObject) -> Workload:
    spec = pod_spec(obj)
    return Workload(
        kind=obj.kind, namespace=obj.namespace, label=obj.label, loc=obj.loc, patched=obj.patched,
        host_network=truth(dig(spec, "hostNetwork")) is True, pod_labels=pod_labels(obj),
        secret_references=tuple(secret_references(spec)) if spec is not None else ())


def _items(node: Node | None) -> list[Node]:
    return node.items if isinstance(node, NodeSequence) else []


def secret_references(spec: Mapping) -> Iterator[Scalar]:
    """Names of Secrets a pod spec needs (references marked `optional: true` are left out)."""
    candidates: list[tuple[Node | None, Node | None]] = []
    for volume in _items(spec.get("volumes")):
        secret = dig(volume, "secret")
        candidates.append((dig(secret, "secretName"), dig(secret, "optional")))
        for source in _items(dig(volume, "projected", "sources")):
            candidates.append((dig(source, "secret", "name"), dig(source, "secret", "optional")))
    candidates += [(dig(item, "name"), None) for item in _items(spec.get("imagePullSecrets"))]
    for container in containers(spec):
        for env in _items(container.get("env")):
            ref = dig(env, "valueFrom", "secretKeyRef")
            candidates.append((dig(ref, "name"), dig(ref, "optional")))
        for source in _items(container.get("envFrom")):
            candidates.append((dig(source, "secretRef", "name"), dig(source, "secretRef", "optional")))
    for name, optional in candidates:
        if isinstance(name, Scalar) and text(name) and truth(optional) is not True:
            yield name


def _pods(container: Any) -> Iterator[Pod]:
    """One entry per Kubernetes pod of the container model (its containers share these)."""
    seen: set[tuple[str, int, int]] = set()
    for item in container or ():
        if item.dialect != "kubernetes" or item.pod_loc is None:
            continue
        where = (item.pod_loc.path, item.pod_loc.line, item.pod_loc.column)
        if where not in seen:
            seen.add(where)
            yield Pod(item.pod_resource, item.namespace, item.pod_loc, item.service_account,
                      item.automount_token)
