"""Service accounts: who gets the API permissions that bindings hand out, and where their tokens go.

Whether a single pod mounts a token is the container model's business; what needs the whole
object set is which service account a binding empowers, and which Secret holds a token forever.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.checks.kubernetes.rbac import BINDING_KINDS, is_cluster_admin, powerful_grant, subjects
from scanner.model.cluster import Cluster
from scanner.model.kubernetes import KubeObject, KubernetesObjects
from scanner.nodes import text, truth
from scanner.results.findings import Hit, hit_at


def default_account_binding(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    """A binding to `default` gives its permissions to every pod of the namespace that does not
    name another service account."""
    for binding in model.of_kind(*BINDING_KINDS):
        for kind, namespace, name in subjects(binding):
            if kind == "ServiceAccount" and name.value == "default" and namespace:
                yield hit_at(name, binding.label, f"subjects.{namespace}.default", namespace=namespace)


# Grants that amount to control of the cluster (or namespace), not only access to part of it.
CONTROL = frozenset({"wildcard", "escalation"})


def _power(objects: KubernetesObjects, binding: KubeObject) -> str | None:
    """What makes a binding powerful, in words, or None."""
    if is_cluster_admin(binding):
        return "cluster-admin"
    found = powerful_grant(objects, binding, CONTROL)
    return f"{found[0].label} ({found[1].what})" if found else None


def powerful_account_automount(cluster: Cluster, ctx: RuleContext) -> Iterator[Hit]:
    """A powerful service account that mounts its token by default hands that power to every pod
    that uses it, including ones added later for other purposes."""
    powers: dict[tuple[str, str], tuple[str, KubeObject]] = {}
    for binding in cluster.objects.unique(*BINDING_KINDS):
        power = _power(cluster.objects, binding)
        if power is None:
            continue
        for kind, namespace, name in subjects(binding):
            if kind == "ServiceAccount":
                powers.setdefault((namespace, str(name.value)), (power, binding))
    for account in cluster.objects.of_kind("ServiceAccount"):
        found = powers.get((account.namespace, account.name))
        mount = account.get("automountServiceAccountToken")
        if found is None or truth(mount) is False or (mount is not None and truth(mount) is None):
            continue
        power, binding = found
        loc = mount.loc if mount is not None else account.loc
        yield Hit(loc=loc, resource=account.label, key="automountServiceAccountToken",
                  args={"power": power, "binding": binding.label}, related=(binding.loc,))


def legacy_token_secret(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    for secret in model.of_kind("Secret"):
        kind = secret.get("type")
        if text(kind) == "kubernetes.io/service-account-token":
            account = text(secret.get("metadata", "annotations", "kubernetes.io/service-account.name"))
            yield hit_at(kind or secret.loc, secret.label, "type", account=account or "?")



# Groups that every service account (of the cluster, or of one namespace) belongs to.
ALL_ACCOUNTS = "system:serviceaccounts"


def _bound_accounts(objects: KubernetesObjects) -> tuple[set[tuple[str, str]], set[str]]:
    """(namespace, name) of the service accounts some binding in the scan names, and the
    namespaces whose every account is bound through a group ("*" for the whole cluster)."""
    accounts: set[tuple[str, str]] = set()
    namespaces: set[str] = set()
    for binding in objects.unique(*BINDING_KINDS):
        for kind, namespace, name in subjects(binding):
            if kind == "ServiceAccount":
                accounts.add((namespace, str(name.value)))
            elif kind == "Group" and name.value == ALL_ACCOUNTS:
                namespaces.add("*")
            elif kind == "Group" and str(name.value).startswith(ALL_ACCOUNTS + ":"):
                namespaces.add(str(name.value).removeprefix(ALL_ACCOUNTS + ":"))
    return accounts, namespaces


def unbound_account_automount(cluster: Cluster, ctx: RuleContext) -> Iterator[Hit]:
    """A service account that no binding in the scan grants anything still has its token mounted
    into every pod that uses it: the pods show no need for the API, so the token only serves an
    intruder. The `default` account is CTR026's concern, at the pods that run as it. Accounts whose
    every pod in the scan opts out itself are left alone: the pods say what they need."""
    accounts, namespaces = _bound_accounts(cluster.objects)
    mounting: dict[tuple[str, str], bool] = {}
    for pod in cluster.pods:
        key = (pod.namespace, text(pod.account) or "default")
        mounting[key] = mounting.get(key, False) or truth(pod.automount) is not False
    for account in cluster.objects.unique("ServiceAccount"):
        mount = account.get("automountServiceAccountToken")
        if account.name in ("", "default") or truth(mount) is False or (mount is not None and truth(mount) is None):
            continue
        key = (account.namespace, account.name)
        if key in accounts or namespaces & {"*", account.namespace} or mounting.get(key) is False:
            continue
        yield hit_at(mount if mount is not None else account.loc, account.label, "automountServiceAccountToken")
