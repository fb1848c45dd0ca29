"""Hygiene across the object set: namespaces without resource bounds, and Secrets that pods refer
to by name but nothing in the scan defines (a typo, or a secret created by hand and never tracked).
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.model.cluster import Cluster
from scanner.model.kubernetes import KubeObject, KubernetesObjects
from scanner.nodes import Node, Sequence, dig, strings, text
from scanner.results.findings import Hit, hit_at


def namespace_without_quota(cluster: Cluster, ctx: RuleContext) -> Iterator[Hit]:
    for namespace in cluster.objects.of_kind("Namespace"):
        if namespace.name and namespace.name not in cluster.bounded_namespaces:
            yield hit_at(namespace.loc, namespace.label, "quota")


def _items(node: Node | None) -> list[Node]:
    return node.items if isinstance(node, Sequence) else []


def _creates_secrets(role: KubeObject) -> bool:
    for rule in _items(role.get("rules")):
        allowed = {field: {str(item.value) for item in strings(dig(rule, field))}
                   for field in ("apiGroups", "resources", "verbs")}
        if allowed["apiGroups"] & {"", "*"} and allowed["resources"] & {"secrets", "*"} \
                and allowed["verbs"] & {"create", "*"}:
            return True
    return False


def _runtime_secret_namespaces(objects: KubernetesObjects) -> set[str]:
    """Namespaces where a service account in the scan may create Secrets: names a pod refers to
    there may well be made at run time (an init job writing a generated password), so they are
    not judged. "*" when a ClusterRoleBinding allows it everywhere."""
    found: set[str] = set()
    for binding in objects.unique("RoleBinding", "ClusterRoleBinding"):
        role = objects.role_of(binding)
        subjects = _items(binding.get("subjects"))
        if role is not None and _creates_secrets(role) and any(
                text(dig(subject, "kind")) == "ServiceAccount" for subject in subjects):
            found.add(binding.namespace or "*")
    return found


def undefined_secret(cluster: Cluster, ctx: RuleContext) -> Iterator[Hit]:
    made_at_run_time = _runtime_secret_namespaces(cluster.objects)
    for workload in cluster.workloads:
        if made_at_run_time & {"*", workload.namespace}:
            continue
        seen: set[str] = set()
        for name in workload.secret_references:
            value = str(name.value)
            if (workload.namespace, value) not in cluster.secrets and value not in seen:
                seen.add(value)
                yield hit_at(name, workload.label, f"secret.{value}", secret=value,
                             namespace=workload.namespace)


