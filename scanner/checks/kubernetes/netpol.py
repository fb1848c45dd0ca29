"""Network policy coverage, judged across the object set.

Coverage is only judged for namespaces whose workloads are in the scan, and only against the
NetworkPolicies in the scan: a repository may hold part of a cluster, so messages say so and
the rules can be turned off. Policies of other engines (Calico, Cilium, Antrea) can't be evaluated
here; where they exist, coverage is not judged.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.checks.cidr import everywhere
from scanner.model.cluster import Cluster, is_core_policy
from scanner.model.kubernetes import KubeObject, KubernetesObjects, Selector
from scanner.nodes import Mapping, Node, Sequence, dig, strings, text
from scanner.results.findings import Hit, hit_at


def policy_types(policy: KubeObject) -> frozenset[str] | None:
    """The directions a policy isolates, as the API server defaults them: without `policyTypes`
    (or with an empty list) Ingress always, and Egress only when the policy has an `egress`
    section. None when the list can't be known (a template value, an item that isn't text)."""
    spec = policy.get("spec")
    if not isinstance(spec, Mapping):
        return None
    found = spec.get("policyTypes")
    if found is None or (isinstance(found, Sequence) and not found.items):
        return frozenset({"Ingress", "Egress"} if spec.get("egress") is not None else {"Ingress"})
    if not isinstance(found, Sequence):
        return None
    named = strings(found)
    if len(named) != len(found.items):
        return None
    return frozenset(str(node.value) for node in named)


def isolates_ingress(policy: KubeObject) -> bool:
    """Unknown policy types count as isolating: unknown is not insecure."""
    types = policy_types(policy)
    return types is None or "Ingress" in types


def _policies(objects: KubernetesObjects, namespace: str) -> list[KubeObject]:
    return [policy for policy in objects.unique("NetworkPolicy")
            if is_core_policy(policy) and policy.namespace == namespace]


def workload_without_policy(cluster: Cluster, ctx: RuleContext) -> Iterator[Hit]:
    # Policies of another engine ("" for cluster-wide ones) can't be evaluated here.
    elsewhere = cluster.other_engine_namespaces
    selectors: dict[str, list[tuple[Selector, bool]]] = {}
    for workload in cluster.workloads:
        # NetworkPolicy does not apply to pods on the host network, so it can't be asked of them.
        if workload.patched or workload.host_network or elsewhere & {"", workload.namespace}:
            continue
        if workload.namespace not in selectors:
            selectors[workload.namespace] = [
                (Selector.read(policy.get("spec", "podSelector")), isolates_ingress(policy))
                for policy in _policies(cluster.objects, workload.namespace)]
        labels = workload.pod_labels
        selecting = [ingress for selector, ingress in selectors[workload.namespace]
                     if selector.matches(labels) is not False]
        if any(selecting):
            continue
        coverage = ("is selected only by Egress NetworkPolicies in the scanned files, so its ingress "
                    "is open" if selecting else "is selected by no NetworkPolicy in the scanned files")
        yield hit_at(workload.loc, workload.label, "networkpolicy", namespace=workload.namespace,
                     coverage=coverage)


def _empty_selector(node: Node | None) -> bool:
    return node is None or (isinstance(node, Mapping) and not any(
        isinstance(value, (Mapping, Sequence)) and len(value) for _, value in node.items()))


def is_default_deny_ingress(policy: KubeObject) -> bool:
    spec = policy.get("spec")
    if not isinstance(spec, Mapping) or not _empty_selector(spec.get("podSelector")):
        return False
    ingress = spec.get("ingress")
    return isolates_ingress(policy) and (ingress is None or (isinstance(ingress, Sequence)
                                                             and not ingress.items))


def namespace_without_default_deny(cluster: Cluster, ctx: RuleContext) -> Iterator[Hit]:
    """Reported at the Namespace object when the scan has it, else at the namespace's first policy."""
    namespace_objects = cluster.objects.of_kind("Namespace")
    for namespace in sorted({workload.namespace for workload in cluster.workloads}):
        policies = _policies(cluster.objects, namespace)
        if not policies or any(is_default_deny_ingress(policy) for policy in policies):
            continue
        places = [obj for obj in namespace_objects if obj.name == namespace] or policies[:1]
        for place in places:
            yield hit_at(place.loc, f'namespace "{namespace}"', "default-deny-ingress",
                         namespace=namespace)


def _open_peer(peer: Node) -> bool:
    """A `from` entry that admits any source: `{}`, every namespace, or 0.0.0.0/0 without except."""
    if not isinstance(peer, Mapping):
        return False
    if not len(peer):
        return True
    if "namespaceSelector" in peer:
        return _empty_selector(peer.get("namespaceSelector")) and _empty_selector(peer.get("podSelector"))
    cidr = text(dig(peer, "ipBlock", "cidr"))
    return cidr is not None and everywhere(cidr) and not strings(dig(peer, "ipBlock", "except"))


def allow_all_ingress(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    """An ingress rule that admits every source on every port (no `ports` limit)."""
    for policy in filter(is_core_policy, model.of_kind("NetworkPolicy")):
        # Ingress rules of a policy whose types leave Ingress out are never applied.
        if not isolates_ingress(policy):
            continue
        rules = policy.get("spec", "ingress")
        for index, rule in enumerate(rules.items if isinstance(rules, Sequence) else ()):
            ports = dig(rule, "ports")
            if not isinstance(rule, Mapping) or not (ports is None or isinstance(ports, Sequence)
                                                     and not ports.items):
                continue
            peers = rule.get("from")
            if peers is None:
                yield hit_at(rule, policy.label, f"ingress[{index}]", source="any source")
                continue
            for peer in peers.items if isinstance(peers, Sequence) else ():
                if _open_peer(peer):
                    yield hit_at(peer, policy.label, f"ingress[{index}].from", source="any source")
                    break
