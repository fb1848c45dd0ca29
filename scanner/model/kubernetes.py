"""The Kubernetes object set: every object of a scan, across files and documents, keyed like the API.

Relations (a binding and the role it grants, a namespace and the policies that select its pods)
cross files, so rules read this set rather than single documents.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from scanner.config import Config
from scanner.inputs import ParsedFile
from scanner.nodes import Location, Mapping, Node, Sequence as NodeSequence, dig, text

CLUSTER_SCOPED = frozenset({
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "StorageClass",
    "CustomResourceDefinition", "PodSecurityPolicy", "PriorityClass", "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration", "APIService", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "RuntimeClass", "IngressClass", "CSIDriver",
})


@dataclass(frozen=True)
class KubeObject:
    """One object. `namespace` is defaulted as `kubectl apply` would ("default"), "" when cluster
    scoped; `explicit_namespace` tells whether the manifest wrote one."""

    kind: str
    api_version: str
    name: str
    namespace: str
    node: Mapping
    path: str
    explicit_namespace: bool = False

    @property
    def loc(self) -> Location:
        return self.node.loc

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.namespace, self.name)

    @property
    def label(self) -> str:
        """How findings name the object: `Deployment/api`."""
        return f"{self.kind}/{self.name or '<unnamed>'}"

    def get(self, *keys: str | int) -> Node | None:
        return dig(self.node, *keys)

    @property
    def metadata(self) -> Mapping | None:
        meta = self.node.get("metadata")
        return meta if isinstance(meta, Mapping) else None


@dataclass
class KubernetesObjects:
    objects: list[KubeObject] = field(default_factory=list)

    def __iter__(self) -> Iterator[KubeObject]:
        return iter(self.objects)

    def of_kind(self, *kinds: str) -> list[KubeObject]:
        return [obj for obj in self.objects if obj.kind in kinds]

    def find(self, kind: str, name: str, namespace: str = "") -> KubeObject | None:
        for obj in self.objects:
            if obj.kind == kind and obj.name == name and (not namespace or obj.namespace == namespace):
                return obj
        return None

    def namespaces(self) -> set[str]:
        return {obj.namespace for obj in self.objects if obj.namespace}


def objects_in(document: Node, path: str) -> Iterator[KubeObject]:
    """The objects of one document; `kind: List` (and `*List` kinds) are unpacked."""
    if not isinstance(document, Mapping):
        return
    kind = text(document.get("kind"))
    api_version = text(document.get("apiVersion"))
    if not kind or not api_version:
        return
    items = document.get("items")
    if kind.endswith("List") and isinstance(items, NodeSequence):
        for item in items:
            yield from objects_in(item, path)
        return
    name = text(dig(document, "metadata", "name")) or text(dig(document, "metadata", "generateName")) or ""
    written = text(dig(document, "metadata", "namespace"))
    namespace = "" if kind in CLUSTER_SCOPED else (written or "default")
    yield KubeObject(kind, api_version, name, namespace, document, path, bool(written))


def build(files: Sequence[ParsedFile], config: Config) -> KubernetesObjects:
    result = KubernetesObjects()
    for parsed in files:
        if parsed.type == "kubernetes":
            for document in parsed.tree or ():
                result.objects.extend(objects_in(document, parsed.rel))
    return result
