"""The Kubernetes object set: keys, namespaces as `kubectl apply` and kustomize give them, selectors."""

from __future__ import annotations

from textwrap import dedent

import pytest

from scanner.catalog.rules import RuleContext, load_rules
from scanner.inputs.parsed import ParsedFile
from scanner.model.kubernetes import KubernetesObjects, build, pod_labels, pod_spec, selector_matches
from scanner.parse.yaml import parse_documents
from scanner.settings.config import Config


def _file(rel: str, text: str, kind: str = "kubernetes") -> ParsedFile:
    text = dedent(text)
    tree = parse_documents(text, rel) if kind == "kubernetes" else None
    return ParsedFile(rel=rel, type=kind, text=text, tree=tree)


def _model(*files: ParsedFile) -> KubernetesObjects:
    return build(list(files), Config())


DEPLOYMENT = """\
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
    spec:
      selector: {matchLabels: {app: api}}
      template:
        metadata:
          labels: {app: api}
        spec:
          containers:
            - name: api
              image: example/api:1.0
    """


def test_objects_are_keyed_with_default_and_cluster_namespaces() -> None:
    model = _model(_file("app.yaml", """\
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings, namespace: shop}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        """))
    assert [obj.key for obj in model] == [("Namespace", "", "shop"), ("ConfigMap", "shop", "settings"),
                                          ("Service", "default", "web")]
    assert [obj.explicit_namespace for obj in model] == [False, True, False]
    assert [obj.loc.line for obj in model] == [1, 5, 9]


def test_list_kinds_are_unpacked_with_item_locations() -> None:
    model = _model(_file("list.yaml", """\
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: ServiceAccount
            metadata: {name: one}
          - apiVersion: v1
            kind: ServiceAccount
            metadata: {name: two, namespace: ops}
        """))
    assert [(obj.label, obj.namespace, obj.loc.line) for obj in model] == [
        ("ServiceAccount/one", "default", 4), ("ServiceAccount/two", "ops", 7)]


def test_the_same_object_in_two_files_is_kept_twice_but_looked_up_once() -> None:
    model = _model(_file("base/api.yaml", DEPLOYMENT), _file("install.yaml", DEPLOYMENT))
    assert [obj.path for obj in model.of_kind("Deployment")] == ["base/api.yaml", "install.yaml"]
    assert [obj.path for obj in model.unique("Deployment")] == ["base/api.yaml"]
    found = model.find("Deployment", "api", "default")
    assert found is not None and found.path == "base/api.yaml"


def test_kustomization_namespace_applies_to_its_resources_and_nested_bases() -> None:
    model = _model(
        _file("overlay/kustomization.yaml", """\
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            namespace: shop
            resources: [../base, extra.yaml]
            """),
        # Without apiVersion/kind the file is not classified as Kubernetes; it is still read.
        _file("base/kustomization.yaml", "resources:\n  - api.yaml\n", kind="text"),
        _file("base/api.yaml", DEPLOYMENT),
        _file("overlay/extra.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: x}\n"),
        _file("elsewhere.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: other}\n"),
    )
    assert {obj.path: obj.namespace for obj in model} == {
        "base/api.yaml": "shop", "overlay/extra.yaml": "shop", "elsewhere.yaml": "default"}
    assert not model.of_kind("Kustomization")


def test_two_kustomizations_that_disagree_leave_the_namespace_as_written() -> None:
    kustomization = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: {}\n" \
                    "resources: [../base]\n"
    model = _model(_file("a/kustomization.yaml", kustomization.format("one")),
                   _file("b/kustomization.yaml", kustomization.format("two")),
                   _file("base/kustomization.yaml", "resources: [api.yaml]\n", kind="text"),
                   _file("base/api.yaml", DEPLOYMENT))
    assert [obj.namespace for obj in model] == ["default"]


def test_patch_files_are_not_objects_and_patched_objects_are_marked() -> None:
    model = _model(
        _file("kustomization.yaml", """\
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources: [api.yaml, web.yaml]
            patches:
              - path: api-patch.yaml
              - target: {kind: Service, name: web}
                path: web-patch.yaml
            """),
        _file("api.yaml", DEPLOYMENT),
        _file("web.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"),
        _file("api-patch.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n"
                                "  replicas: 3\n"),
        _file("web-patch.yaml", "- op: remove\n  path: /metadata/namespace\n", kind="text"),
    )
    assert [(obj.path, obj.patched) for obj in model] == [("api.yaml", True), ("web.yaml", True)]


def test_workloads_leave_out_fragments_without_selector() -> None:
    fragment = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  template:\n" \
               "    spec:\n      containers: [{name: db}]\n"
    model = _model(_file("api.yaml", DEPLOYMENT), _file("db.yaml", fragment))
    assert [obj.label for obj in model.workloads()] == ["Deployment/api"]


def test_pod_templates_of_cronjobs_and_pods() -> None:
    model = _model(_file("jobs.yaml", """\
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: report}
        spec:
          jobTemplate:
            spec:
              template:
                metadata: {labels: {app: report}}
                spec: {containers: [{name: r}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: debug, labels: {app: debug}}
        spec: {containers: [{name: d}]}
        """))
    cronjob, pod = model.workloads()
    assert pod_labels(cronjob) == {"app": "report"} and pod_labels(pod) == {"app": "debug"}
    spec = pod_spec(pod)
    assert spec is not None and spec.loc.line == 14


def test_workloads_include_any_kind_whose_template_lists_containers() -> None:
    model = _model(_file("kinds.yaml", """\
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata: {name: web}
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: web}]}
        ---
        apiVersion: workers.example.com/v1
        kind: WorkerPool
        metadata: {name: pool}
        spec:
          template:
            spec: {containers: [{name: w}]}
        ---
        apiVersion: templates.example.com/v1
        kind: ReportTemplate
        metadata: {name: weekly}
        spec:
          template:
            spec: {sections: [summary]}
        ---
        apiVersion: v1
        kind: PodTemplate
        metadata: {name: spare}
        template:
          spec: {containers: [{name: s}]}
        """))
    assert [obj.label for obj in model.workloads()] == ["Rollout/web", "WorkerPool/pool"]
    assert pod_labels(model.workloads()[0]) == {"app": "web"}


@pytest.mark.parametrize(("selector", "labels", "expected"), [
    ("{}", {"app": "a"}, True),
    ("{matchLabels: {app: a}}", {"app": "a", "tier": "x"}, True),
    ("{matchLabels: {app: a}}", {"app": "b"}, False),
    ("{matchExpressions: [{key: tier, operator: In, values: [web, api]}]}", {"tier": "api"}, True),
    ("{matchExpressions: [{key: tier, operator: NotIn, values: [web]}]}", {}, True),
    ("{matchExpressions: [{key: tier, operator: Exists}]}", {"app": "a"}, False),
    ("{matchExpressions: [{key: tier, operator: DoesNotExist}]}", {"app": "a"}, True),
    ("{matchExpressions: [{key: tier, operator: Sometimes}]}", {"app": "a"}, None),
])
def test_selector_matches(selector: str, labels: dict[str, str], expected: bool | None) -> None:
    node = parse_documents(selector, "s.yaml")[0]
    assert selector_matches(node, labels) is expected


def test_role_of_a_binding_follows_role_kind_and_namespace() -> None:
    model = _model(_file("rbac.yaml", """\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: reader, namespace: shop}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: here, namespace: shop}
        roleRef: {kind: Role, name: reader}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: there, namespace: web}
        roleRef: {kind: Role, name: reader}
        """))
    here, there = model.of_kind("RoleBinding")
    role = model.role_of(here)
    assert role is not None and role.loc.line == 1
    assert model.role_of(there) is None


def test_default_namespace_option_reports_unnamespaced_workloads() -> None:
    from scanner.checks.kubernetes.placement import workload_in_default_namespace

    rule = next(rule for rule in load_rules() if rule.id == "K8S070")
    model = _model(_file("api.yaml", DEPLOYMENT))
    assert list(workload_in_default_namespace(model, RuleContext(rule, {}))) == []
    hits = list(workload_in_default_namespace(model, RuleContext(rule, {"unset_namespace": True})))
    assert [(hit.resource, hit.loc.line) for hit in hits] == [("Deployment/api", 1)]


def test_binding_finding_names_the_role_location_in_another_file() -> None:
    from scanner.checks.kubernetes.rbac import dangerous_role_binding
    from scanner.model import cluster

    rule = next(rule for rule in load_rules() if rule.id == "K8S008")
    model = _model(
        _file("role.yaml", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
                           "metadata: {name: r}\nrules:\n  - apiGroups: ['']\n"
                           "    resources: [pods]\n    verbs: [create]\n"),
        _file("binding.yaml", "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"
                              "metadata: {name: b, namespace: kube-system}\nroleRef:\n  kind: ClusterRole\n"
                              "  name: r\n"))
    (hit,) = dangerous_role_binding(cluster.build([], Config(), kubernetes=model), RuleContext(rule, {}))
    assert (hit.loc.path, hit.loc.line) == ("binding.yaml", 6)
    assert [(loc.path, loc.line) for loc in hit.related] == [("role.yaml", 6)]
    assert hit.args["where"] == " (defined at role.yaml:6)"


def test_a_grant_the_role_makes_anywhere_is_reported_at_the_role_only() -> None:
    from scanner.checks.kubernetes.rbac import dangerous_role_binding
    from scanner.model import cluster

    rule = next(rule for rule in load_rules() if rule.id == "K8S008")
    model = _model(
        _file("role.yaml", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
                           "metadata: {name: r}\nrules:\n  - apiGroups: ['']\n"
                           "    resources: [secrets]\n    verbs: [list]\n"),
        _file("binding.yaml", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n"
                              "metadata: {name: b}\nroleRef:\n  kind: ClusterRole\n  name: r\n"))
    assert list(dangerous_role_binding(cluster.build([], Config(), kubernetes=model), RuleContext(rule, {}))) == []


def test_the_helm_release_namespace_placeholder_is_not_a_written_namespace() -> None:
    from scanner.render.helm import NAMESPACE
    from scanner.render.sourcemap import Origin

    text = f"apiVersion: v1\nkind: Service\nmetadata: {{name: web, namespace: {NAMESPACE}}}\n"
    rendered = ParsedFile(rel="chart/<rendered: default values>", type="kubernetes", text=text,
                          tree=parse_documents(text, "x"), origin=Origin("chart shop, default values", ()))
    piped = _file("helm-output.yaml", text)
    assert [(obj.namespace, obj.explicit_namespace) for obj in _model(rendered, piped)] == [
        ("default", False), ("default", True)]
