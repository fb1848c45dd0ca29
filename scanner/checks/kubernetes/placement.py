"""Placement: where workloads run, and which ones reach into the node.

Node-level agents (CNI, CSI, log and monitoring DaemonSets, kube-system add-ons) often need to be
privileged or mount host paths; that is not a mistake to fix but access to keep an inventory of,
so those are reported as information. Pod-security settings themselves are the container rules'.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.model.kubernetes import KubernetesObjects, containers, pod_spec
from scanner.nodes import Location, Mapping, Sequence, dig, key_loc, text, truth
from scanner.results.findings import Hit, hit_at


def workload_in_default_namespace(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    """Explicit `namespace: default`; with option `unset_namespace`, also workloads that name no
    namespace (they land in whatever namespace the applier's context uses, often `default`)."""
    for workload in model.workloads():
        if workload.namespace != "default":
            continue
        written = workload.get("metadata", "namespace")
        if written is not None and workload.explicit_namespace:
            yield hit_at(written, workload.label, "metadata.namespace", how="is")
        elif ctx.option("unset_namespace"):
            yield hit_at(workload.loc, workload.label, "metadata.namespace",
                         how="names no namespace and lands by default")


def _host_access(spec: Mapping) -> tuple[Location, str] | None:
    """Where a pod spec first reaches into the node: a privileged container or a hostPath volume."""
    for container in containers(spec):
        flag = dig(container, "securityContext", "privileged")
        if flag is not None and truth(flag):
            return flag.loc, f'a privileged container "{text(container.get("name")) or "?"}"'
    volumes = spec.get("volumes")
    for volume in volumes.items if isinstance(volumes, Sequence) else ():
        path = text(dig(volume, "hostPath", "path"))
        where = key_loc(volume, "hostPath")
        if path is not None and where is not None:
            return where, f"host path {path} mounted"
    return None


def node_level_workload(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    for workload in model.workloads():
        if workload.kind != "DaemonSet" and workload.namespace != "kube-system":
            continue
        spec = pod_spec(workload)
        found = _host_access(spec) if spec is not None else None
        if found is not None:
            where = "on every node" if workload.kind == "DaemonSet" else "in kube-system"
            yield hit_at(found[0], workload.label, "host-access", what=found[1], where=where)
