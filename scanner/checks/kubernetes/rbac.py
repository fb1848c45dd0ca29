"""RBAC: what Roles and ClusterRoles grant, and what bindings hand out.

Each dangerous grant is found once, by `grants`, and reported once: at the role's own key line (one
rule per kind of grant), or, when only the binding makes it dangerous (creating pods is harmless
until a ClusterRole is bound in kube-system), at that binding.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from scanner.catalog.rules import RuleContext
from scanner.model.cluster import Cluster
from scanner.model.kubernetes import KubeObject, KubernetesObjects
from scanner.nodes import Mapping, Node, Scalar, Sequence, dig, strings, text
from scanner.results.findings import Hit, hit_at

ROLE_KINDS = ("Role", "ClusterRole")
BINDING_KINDS = ("RoleBinding", "ClusterRoleBinding")
READ_VERBS = frozenset({"get", "list", "watch", "*"})
ESCALATION_VERBS = frozenset({"escalate", "bind", "impersonate"})
REMOTE_SHELL = frozenset({"pods/exec", "pods/attach", "nodes/proxy"})
WRITE_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection", "*"})
WEBHOOK_CONFIGURATIONS = frozenset({"validatingwebhookconfigurations", "mutatingwebhookconfigurations"})
# Signers whose certificates the API server trusts for client authentication (`*` and the
# `kubernetes.io/*` domain wildcard include them); approving CSRs for another signer grants nothing.
TRUSTED_SIGNERS = frozenset({"*", "kubernetes.io/*", "kubernetes.io/kube-apiserver-client",
                             "kubernetes.io/kube-apiserver-client-kubelet"})
WORKLOAD_RESOURCES = frozenset({"pods", "deployments", "daemonsets", "statefulsets", "replicasets",
                                "jobs", "cronjobs", "replicationcontrollers"})
# Aggregated APIs that only serve reads of metrics: a wildcard inside them grants nothing more.
METRICS_GROUPS = frozenset({"metrics.k8s.io", "custom.metrics.k8s.io", "external.metrics.k8s.io"})
BROAD_GROUPS = frozenset({"system:anonymous", "system:unauthenticated", "system:authenticated"})


@dataclass(frozen=True)
class Grant:
    """One dangerous permission: `kind` names the rule family, `node` the scalar to point at."""

    kind: str
    node: Scalar
    key: str
    what: str


def _values(rule: Mapping, field: str) -> list[Scalar]:
    return strings(rule.get(field))


def _in_group(groups: set[str], group: str) -> bool:
    """Whether a rule's apiGroups can reach `group`: a grant of `pods/exec` in `apps` names a
    resource that doesn't exist, and grants nothing."""
    return bool(groups & {group, "*"})


def _approves_trusted_signer(rules: list[Node]) -> bool:
    """Whether some rule allows `approve` on a signer the API server trusts for clients."""
    for rule in rules:
        if not isinstance(rule, Mapping):
            continue
        verbs = {str(node.value) for node in _values(rule, "verbs")}
        groups = {str(node.value) for node in _values(rule, "apiGroups")}
        resources = {str(node.value) for node in _values(rule, "resources")}
        if not (verbs & {"approve", "*"} and resources & {"signers", "*"}
                and _in_group(groups, "certificates.k8s.io")):
            continue
        names = {str(node.value) for node in _values(rule, "resourceNames")}
        if not names or names & TRUSTED_SIGNERS:
            return True
    return False


def _escalation_path(resource: str, verbs: set[str], groups: set[str],
                     approves: bool) -> str | None:
    """What an RBAC good-practices escalation path grants, for one resource of a rule."""
    if (resource == "certificatesigningrequests/approval" and verbs & {"update", "patch", "*"}
            and approves and _in_group(groups, "certificates.k8s.io")):
        return "approving certificate signing requests for a signer the API server trusts"
    if (resource in WEBHOOK_CONFIGURATIONS and verbs & WRITE_VERBS
            and _in_group(groups, "admissionregistration.k8s.io")):
        return f"write access to {resource}"
    if resource == "services/status" and verbs & {"update", "patch", "*"} and _in_group(groups, ""):
        return "updating services/status (CVE-2020-8554)"
    if resource == "serviceaccounts/token" and verbs & {"create", "*"} and _in_group(groups, ""):
        return "creating service account tokens"
    return None


def grants(role: KubeObject, namespace: str) -> Iterator[Grant]:
    """The dangerous permissions of a role, as used in `namespace` (kube-system matters)."""
    found = role.get("rules")
    rules = found.items if isinstance(found, Sequence) else []
    approves = _approves_trusted_signer(rules)
    for index, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            continue
        where = f"rules[{index}]"
        verbs = {str(node.value) for node in _values(rule, "verbs")}
        groups = {str(node.value) for node in _values(rule, "apiGroups")}
        if groups and groups <= METRICS_GROUPS:
            continue
        for field in ("verbs", "resources", "apiGroups"):
            for node in _values(rule, field):
                if node.value == "*":
                    yield Grant("wildcard", node, f"{where}.{field}", f'"*" in {field}')
        for node in _values(rule, "verbs"):
            if node.value in ESCALATION_VERBS:
                yield Grant("escalation", node, f"{where}.verbs.{node.value}", f'the "{node.value}" verb')
        named = bool(_values(rule, "resourceNames"))
        core = groups & {"", "*"}
        for node in _values(rule, "resources"):
            resource = str(node.value)
            if resource == "secrets" and verbs & READ_VERBS and core and not named:
                yield Grant("secrets", node, f"{where}.resources.secrets", "reading secrets")
            elif resource in REMOTE_SHELL and verbs & {"create", "get", "*"} and core:
                yield Grant("shell", node, f"{where}.resources.{resource}", resource)
            elif (path := _escalation_path(resource, verbs, groups, approves)) is not None:
                yield Grant("path", node, f"{where}.resources.{resource}", path)
            elif (namespace == "kube-system" and resource in WORKLOAD_RESOURCES
                  and verbs & {"create", "*"}):
                yield Grant("kube-system", node, f"{where}.resources.{resource}",
                            f"creating {resource} in kube-system")


def _role_hits(model: KubernetesObjects, kind: str) -> Iterator[Hit]:
    for role in model.of_kind(*ROLE_KINDS):
        for grant in grants(role, role.namespace):
            if grant.kind == kind:
                yield hit_at(grant.node, role.label, grant.key, what=grant.what)


def wildcard_permission(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    yield from _role_hits(model, "wildcard")


def escalation_verb(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    yield from _role_hits(model, "escalation")


def secrets_read(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    yield from _role_hits(model, "secrets")


def remote_shell(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    yield from _role_hits(model, "shell")


def escalation_path(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    yield from _role_hits(model, "path")


def kube_system_workload_create(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    yield from _role_hits(model, "kube-system")


def is_cluster_admin(binding: KubeObject) -> bool:
    return (text(binding.get("roleRef", "kind")) == "ClusterRole"
            and text(binding.get("roleRef", "name")) == "cluster-admin")


def cluster_admin_binding(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    for binding in model.of_kind(*BINDING_KINDS):
        if is_cluster_admin(binding):
            target = binding.get("roleRef", "name")
            yield hit_at(target if target is not None else binding.loc, binding.label, "roleRef")


def subjects(binding: KubeObject) -> Iterator[tuple[str, str, Scalar]]:
    """(kind, namespace, name node) of each subject; a ServiceAccount's namespace defaults to the
    binding's, as the API server does."""
    found = binding.get("subjects")
    for subject in found.items if isinstance(found, Sequence) else ():
        name = dig(subject, "name")
        kind = text(dig(subject, "kind"))
        if isinstance(name, Scalar) and name.value is not None and kind:
            namespace = text(dig(subject, "namespace")) or binding.namespace
            yield kind, namespace, name


def broad_group_binding(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    for binding in model.of_kind(*BINDING_KINDS):
        for kind, _, name in subjects(binding):
            if kind in ("Group", "User") and name.value in BROAD_GROUPS:
                yield hit_at(name, binding.label, f"subjects.{name.value}", subject=str(name.value))


def powerful_grant(objects: KubernetesObjects, binding: KubeObject,
                   kinds: frozenset[str] | None = None) -> tuple[KubeObject, Grant] | None:
    """The role a binding hands out and its first dangerous permission (of `kinds`), if any."""
    role = objects.role_of(binding)
    if role is None:
        return None
    grant = next((g for g in grants(role, binding.namespace) if kinds is None or g.kind in kinds), None)
    return (role, grant) if grant is not None else None


def binding_only_grants(role: KubeObject, binding: KubeObject) -> list[Grant]:
    """The dangerous permissions a role has only where this binding puts it: a ClusterRole that
    creates pods is harmless until bound in kube-system. Whatever the role grants wherever it is
    bound is reported once, at the role (K8S001 to K8S005), not again at each binding."""
    own = {grant.key for grant in grants(role, role.namespace)}
    return [grant for grant in grants(role, binding.namespace) if grant.key not in own]


def dangerous_role_binding(cluster: Cluster, ctx: RuleContext) -> Iterator[Hit]:
    """Judged over the whole scan: the role is often defined in another file than its binding."""
    for binding in cluster.objects.of_kind(*BINDING_KINDS):
        role = None if is_cluster_admin(binding) else cluster.objects.role_of(binding)
        found = binding_only_grants(role, binding) if role is not None else []
        if role is None or not found:
            continue
        grant = found[0]
        target = binding.get("roleRef", "name")
        where = grant.node.loc
        # A rendered file's path means nothing to the user; the related location is mapped back.
        shown = "" if role.rendered else f" (defined at {where.path}:{where.line})"
        yield Hit(loc=target.loc if target is not None else binding.loc, resource=binding.label,
                  key="roleRef", args={"role": role.label, "what": grant.what, "where": shown},
                  related=(where,))
