"""Hygiene across the object set: namespaces without resource bounds, and Secrets that pods refer
to by name but nothing in the scan defines (a typo, or a secret created by hand and never tracked).
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.catalog import RuleContext
from scanner.findings import Hit, hit_at
from scanner.model.kubernetes import KubeObject, KubernetesObjects, containers, pod_spec
from scanner.nodes import Mapping, Node, Scalar, Sequence, dig, strings, text, truth

# Objects that make a Secret of a given name: (kind, path to the name, or None for metadata.name).
SECRET_MAKERS = (("Secret", None), ("SealedSecret", None), ("ExternalSecret", ("spec", "target", "name")),
                 ("ExternalSecret", None), ("Certificate", ("spec", "secretName")))


def namespace_without_quota(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    bounded = {obj.namespace for obj in model.of_kind("ResourceQuota", "LimitRange")}
    for namespace in model.of_kind("Namespace"):
        if namespace.name and namespace.name not in bounded:
            yield hit_at(namespace.loc, namespace.label, "quota")


def _defined_secrets(model: KubernetesObjects) -> set[tuple[str, str]]:
    defined = set()
    for kind, path in SECRET_MAKERS:
        for obj in model.of_kind(kind):
            name = text(obj.get(*path)) if path else obj.name
            if name:
                defined.add((obj.namespace, name))
    return defined


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


def _runtime_secret_namespaces(model: KubernetesObjects) -> set[str]:
    """Namespaces where a service account in the scan may create Secrets: names a pod refers to
    there may well be made at run time (an init job writing a generated password), so they are
    not judged. "*" when a ClusterRoleBinding allows it everywhere."""
    found: set[str] = set()
    for binding in model.unique("RoleBinding", "ClusterRoleBinding"):
        role = model.role_of(binding)
        subjects = _items(binding.get("subjects"))
        if role is not None and _creates_secrets(role) and any(
                text(dig(subject, "kind")) == "ServiceAccount" for subject in subjects):
            found.add(binding.namespace or "*")
    return found


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


def undefined_secret(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    defined = _defined_secrets(model)
    made_at_run_time = _runtime_secret_namespaces(model)
    for workload in model.workloads():
        if made_at_run_time & {"*", workload.namespace}:
            continue
        spec = pod_spec(workload)
        seen: set[str] = set()
        for name in secret_references(spec) if spec is not None else ():
            value = str(name.value)
            if (workload.namespace, value) not in defined and value not in seen:
                seen.add(value)
                yield hit_at(name, workload.label, f"secret.{value}", secret=value,
                             namespace=workload.namespace)


