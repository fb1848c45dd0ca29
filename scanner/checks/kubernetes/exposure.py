"""Exposure: Services and Ingresses that open workloads beyond the cluster network.

Cloud load balancers are public unless told otherwise; each cloud's "internal" annotation, or
`loadBalancerSourceRanges`, is what keeps one off the Internet.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.checks.cidr import everywhere
from scanner.model.kubernetes import KubeObject, KubernetesObjects
from scanner.nodes import Sequence, key_loc, strings, text, truth
from scanner.results.findings import Hit, hit_at

INTERNAL_ANNOTATIONS = {
    "networking.gke.io/load-balancer-type": "internal",
    "cloud.google.com/load-balancer-type": "internal",
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type": "private",
    "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type": "intranet",
}
INTERNAL_FLAGS = ("service.beta.kubernetes.io/aws-load-balancer-internal",
                  "service.beta.kubernetes.io/azure-load-balancer-internal",
                  "service.beta.kubernetes.io/oci-load-balancer-internal",
                  "service.beta.kubernetes.io/openstack-internal-load-balancer")
SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"
# Ingress controllers that terminate TLS at the cloud load balancer, configured by annotation.
EDGE_TLS_ANNOTATIONS = ("alb.ingress.kubernetes.io/certificate-arn",
                        "ingress.gcp.kubernetes.io/pre-shared-cert",
                        "networking.gke.io/managed-certificates", "kubernetes.io/tls-acme",
                        "cert-manager.io/cluster-issuer", "cert-manager.io/issuer")


def _internal(service: KubeObject) -> bool:
    annotations = {key: value.lower() for key, value in service.annotations().items()}
    if any(annotations.get(key) == value for key, value in INTERNAL_ANNOTATIONS.items()):
        return True
    # The AWS flag historically took a CIDR as its value; any value but "false" makes it internal.
    return any(key in annotations and annotations[key] != "false" for key in INTERNAL_FLAGS)


def load_balancer_open(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    for service in model.of_kind("Service"):
        kind = service.get("spec", "type")
        if text(kind) != "LoadBalancer" or _internal(service):
            continue
        ranges = service.get("spec", "loadBalancerSourceRanges")
        if ranges is not None and not isinstance(ranges, Sequence):
            continue  # an unknown value: can't tell
        entries = strings(ranges)
        wide = next((node for node in entries if everywhere(str(node.value))), None)
        if wide is not None:
            yield hit_at(wide, service.label, "loadBalancerSourceRanges", why=f"allows {wide.value}")
        elif not entries and SOURCE_RANGES_ANNOTATION not in service.annotations():
            yield hit_at(kind or service.loc, service.label, "type", why="has no loadBalancerSourceRanges")


def node_port(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    for service in model.of_kind("Service"):
        kind = service.get("spec", "type")
        if kind is not None and text(kind) == "NodePort":
            yield hit_at(kind, service.label, "type")


def external_ips(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    for service in model.of_kind("Service"):
        spec = service.get("spec")
        if strings(service.get("spec", "externalIPs")):
            yield hit_at(key_loc(spec, "externalIPs") or service.loc, service.label, "externalIPs")


def ingress_without_tls(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    for ingress in model.of_kind("Ingress"):
        tls = ingress.get("spec", "tls")
        annotations = ingress.annotations()
        if tls is not None and not (isinstance(tls, Sequence) and not tls.items):
            continue
        if any(key in annotations for key in EDGE_TLS_ANNOTATIONS) or \
                truth(ingress.get("metadata", "annotations", "kubernetes.io/ingress.allow-http")) is False:
            continue
        yield hit_at(ingress.loc, ingress.label, "spec.tls")
