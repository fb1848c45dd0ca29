"""The Kubernetes object set: every object of a scan, across files and documents, keyed like the API.

Relations (a binding and the role it grants, a namespace and the policies that select its pods)
cross files, so rules read this set rather than single documents. A kustomize base and the
rendered output of the same tree hold the same objects: each is kept at its own file (findings
belong there), while lookups by key return one of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from os.path import commonprefix

from scanner.inputs.parsed import ParsedFile
from scanner.model.kustomize import Kustomizations
from scanner.model.kustomize import build as read_kustomizations
from scanner.nodes import Location, Mapping, Node, dig, strings, text
from scanner.nodes import Sequence as NodeSequence
from scanner.settings.config import Config

CLUSTER_SCOPED = frozenset({
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "StorageClass",
    "CustomResourceDefinition", "PodSecurityPolicy", "PriorityClass", "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration", "APIService", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "RuntimeClass", "IngressClass", "CSIDriver",
    "GlobalNetworkPolicy", "CiliumClusterwideNetworkPolicy", "AdminNetworkPolicy",
    "BaselineAdminNetworkPolicy", "ClusterIssuer",
})
SELECTOR_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Rollout"})
# Where each kind keeps its pod template (metadata and spec); () is the object itself. This is the
# one table of the concept: the container adapter, Terraform's Kubernetes adapter and the cluster
# rules all read it through `template_path`.
POD_TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": (),
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "PodTemplate": ("template",),
    "DeploymentConfig": ("spec", "template"),  # OpenShift, apps.openshift.io
    "Rollout": ("spec", "template"),  # Argo Rollouts, argoproj.io
}
# Where any other kind (an operator's custom resource, known to the cluster or not) usually keeps a
# pod template; it counts only when that template really lists containers.
USUAL_TEMPLATE_PATHS = (("spec", "template"), ("spec", "jobTemplate", "spec", "template"))
# Kinds whose template describes pods that something else creates: they run nothing themselves.
TEMPLATE_ONLY_KINDS = frozenset({"PodTemplate"})


@dataclass(frozen=True)
class KubeObject:
    """One object. `namespace` is defaulted as `kubectl apply` would ("default", or the namespace a
    kustomization in the scan gives the file), "" when cluster scoped; `explicit_namespace` tells
    whether the manifest wrote one itself; `patched` that a kustomize patch in the scan changes it
    before it is applied (its labels, for one, may not be the ones written here); `rendered` names
    the Helm/Kustomize rendering it comes from (its path is then not a file the user has);
    `address` the Terraform resource that creates it, which findings name instead."""

    kind: str
    api_version: str
    name: str
    namespace: str
    node: Mapping
    path: str
    explicit_namespace: bool = False
    patched: bool = False
    rendered: str = ""
    address: str = ""

    @property
    def loc(self) -> Location:
        return self.node.loc

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.namespace, self.name)

    @property
    def label(self) -> str:
        """How findings name the object: `Deployment/api`, or `kubernetes_role_v1.reader`."""
        return self.address or f"{self.kind}/{self.name or '<unnamed>'}"

    def get(self, *keys: str | int) -> Node | None:
        return dig(self.node, *keys)

    @property
    def metadata(self) -> Mapping | None:
        meta = self.node.get("metadata")
        return meta if isinstance(meta, Mapping) else None

    def labels(self) -> dict[str, str]:
        return string_map(self.get("metadata", "labels"))

    def annotations(self) -> dict[str, str]:
        return string_map(self.get("metadata", "annotations"))


@dataclass
class KubernetesObjects:
    objects: list[KubeObject] = field(default_factory=list)
    _index: dict[tuple[str, str, str], list[KubeObject]] = field(default_factory=dict, repr=False)

    def __iter__(self) -> Iterator[KubeObject]:
        return iter(self.objects)

    def add(self, obj: KubeObject) -> None:
        self.objects.append(obj)
        self._index.setdefault(obj.key, []).append(obj)

    def of_kind(self, *kinds: str) -> list[KubeObject]:
        return [obj for obj in self.objects if obj.kind in kinds]

    def unique(self, *kinds: str) -> list[KubeObject]:
        """One object per key (the first seen): for judging relations, where the same object
        rendered twice (base and install.yaml) must not count twice."""
        return [same[0] for same in self._index.values() if same[0].kind in kinds]

    def find(self, kind: str, name: str, namespace: str = "", near: str = "") -> KubeObject | None:
        """The object with this key; of several copies (a base and a rendered install), the one
        whose path shares most with `near`: the same file, else the nearest folder."""
        same = self._index.get((kind, namespace, name), [])
        return max(same, key=lambda obj: len(commonprefix([obj.path, near])), default=None)

    def namespaces(self) -> set[str]:
        return {obj.namespace for obj in self.objects if obj.namespace}

    def workloads(self) -> list[KubeObject]:
        """Objects that run pods. A Deployment-like object without `spec.selector` is a fragment
        (an overlay's partial copy, a patch kustomize was not told about) and is left out."""
        return [obj for obj in self.objects if obj.kind not in TEMPLATE_ONLY_KINDS and pod_spec(obj) is not None
                and (obj.kind not in SELECTOR_KINDS or obj.get("spec", "selector") is not None)]

    def role_of(self, binding: KubeObject) -> KubeObject | None:
        """The Role or ClusterRole a binding grants, when it is in the scan."""
        kind = text(binding.get("roleRef", "kind"))
        name = text(binding.get("roleRef", "name"))
        if kind not in ("Role", "ClusterRole") or not name:
            return None
        return self.find(kind, name, binding.namespace if kind == "Role" else "", binding.path)


def string_map(node: Node | None) -> dict[str, str]:
    """A mapping of known strings (labels, annotations, data keys); unknown values are left out."""
    if not isinstance(node, Mapping):
        return {}
    return {key: value for key, child in node.items() if (value := text(child)) is not None}


def template_path(kind: str, node: Node | None) -> tuple[str, ...] | None:
    """The path from an object to its pod template: the table's for a kind it lists, else the usual
    place when a template there has a `containers` list (a custom resource's `spec.template` may be
    anything else), else None."""
    known = POD_TEMPLATE_PATHS.get(kind)
    if known is not None:
        return known
    return next((path for path in USUAL_TEMPLATE_PATHS
                 if isinstance(dig(node, *path, "spec", "containers"), NodeSequence)), None)


def pod_template(obj: KubeObject) -> Mapping | None:
    """The pod template of a workload (the Pod itself for kind Pod)."""
    path = template_path(obj.kind, obj.node)
    if path is None:
        return None
    found = dig(obj.node, *path) if path else obj.node
    return found if isinstance(found, Mapping) else None


def pod_spec(obj: KubeObject) -> Mapping | None:
    spec = dig(pod_template(obj), "spec")
    return spec if isinstance(spec, Mapping) else None


def pod_labels(obj: KubeObject) -> dict[str, str]:
    return string_map(dig(pod_template(obj), "metadata", "labels"))


def containers(spec: Node | None) -> Iterator[Mapping]:
    """Every container of a pod spec: init, regular and ephemeral."""
    for key in ("initContainers", "containers", "ephemeralContainers"):
        group = dig(spec, key)
        if isinstance(group, NodeSequence):
            yield from (item for item in group if isinstance(item, Mapping))


@dataclass(frozen=True)
class Selector:
    """A label selector read once: `matchLabels` pairs and `matchExpressions` as (key, operator,
    values); `readable` is False when some part of it can't be known."""

    labels: tuple[tuple[str, str], ...] = ()
    expressions: tuple[tuple[str, str, frozenset[str]], ...] = ()
    readable: bool = True

    @classmethod
    def read(cls, node: Node | None) -> Selector:
        """An absent selector selects everything, like an empty one."""
        if node is None:
            return cls()
        match_labels = dig(node, "matchLabels")
        if not isinstance(node, Mapping) or not isinstance(match_labels, (Mapping, type(None))):
            return cls(readable=False)
        expressions = []
        found = node.get("matchExpressions")
        for expression in found if isinstance(found, NodeSequence) else ():
            key, operator = text(dig(expression, "key")), text(dig(expression, "operator"))
            if key is None or operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
                return cls(readable=False)
            values = frozenset(str(item.value) for item in strings(dig(expression, "values")))
            expressions.append((key, str(operator), values))
        return cls(tuple(string_map(match_labels).items()), tuple(expressions))

    def matches(self, labels: dict[str, str]) -> bool | None:
        """Whether the selector selects `labels`; None when it can't be read."""
        if not self.readable:
            return None
        if any(labels.get(key) != value for key, value in self.labels):
            return False
        for key, operator, values in self.expressions:
            present = key in labels
            outcome = {"In": present and labels.get(key) in values,
                       "NotIn": not present or labels.get(key) not in values,
                       "Exists": present, "DoesNotExist": not present}[operator]
            if not outcome:
                return False
        return True


def selector_matches(selector: Node | None, labels: dict[str, str]) -> bool | None:
    """Whether a label selector (matchLabels / matchExpressions) selects `labels`; an empty
    selector selects everything; None when the selector cannot be read."""
    return Selector.read(selector).matches(labels)


def release_namespace(parsed: ParsedFile) -> str:
    """The namespace the scan's own Helm rendering wrote for `.Release.Namespace`, "" for other
    files: in such output that value stands for "chosen at install time", not for a choice."""
    if not str(getattr(parsed.origin, "rendering", "")).startswith("chart "):
        return ""
    from scanner.render.helm import NAMESPACE

    return NAMESPACE


def objects_in(document: Node, path: str, namespace_hint: str = "",
               placeholder: str = "") -> Iterator[KubeObject]:
    """The objects of one document; `kind: List` (and `*List` kinds) are unpacked. A namespace
    equal to `placeholder` counts as not written."""
    if not isinstance(document, Mapping):
        return
    kind = text(document.get("kind"))
    api_version = text(document.get("apiVersion"))
    if not kind or not api_version:
        return
    items = document.get("items")
    if kind.endswith("List") and isinstance(items, NodeSequence):
        for item in items:
            yield from objects_in(item, path, namespace_hint, placeholder)
        return
    name = text(dig(document, "metadata", "name")) or text(dig(document, "metadata", "generateName")) or ""
    written = text(dig(document, "metadata", "namespace"))
    written = None if placeholder and written == placeholder else written
    namespace = "" if kind in CLUSTER_SCOPED else (namespace_hint or written or "default")
    yield KubeObject(kind, api_version, name, namespace, document, path, bool(written))


def build(files: Sequence[ParsedFile], config: Config, kustomize: Kustomizations | None = None
          ) -> KubernetesObjects:
    """Every object of these files. Kustomize patch files are left out (they are fragments, not
    objects), and a namespace set by the one kustomization that includes a file applies to it.
    `kustomize` holds the scan's kustomizations (the engine reads them before any file's unit);
    when not given, they are read from `files`."""
    kube_files = [parsed for parsed in files if parsed.type == "kubernetes"]
    if kustomize is None:
        kustomize = read_kustomizations(files, config)
    result = KubernetesObjects()
    for parsed in kube_files:
        if parsed.rel in kustomize.patches:
            continue
        hint, placeholder = kustomize.namespace_of(parsed.rel), release_namespace(parsed)
        rendering = str(getattr(parsed.origin, "rendering", ""))
        found = [obj for document in parsed.tree or ()
                 for obj in objects_in(document, parsed.rel, hint, placeholder)
                 if not obj.api_version.startswith("kustomize.config.k8s.io")]
        for obj in applied(found):
            result.add(replace(obj, patched=kustomize.patched(parsed.rel, obj.kind, obj.name), rendered=rendering))
    return result


def applied(objects: list[KubeObject]) -> list[KubeObject]:
    """The objects of one file (or stream) that `kubectl apply` leaves in the cluster: of several
    with the same kind, namespace and name, the last, since each one applied replaces the one
    before. Objects named by `generateName` are all created, so all are kept."""
    last = {obj.key: index for index, obj in enumerate(objects) if text(dig(obj.node, "metadata", "name"))}
    return [obj for index, obj in enumerate(objects) if last.get(obj.key, index) == index]
