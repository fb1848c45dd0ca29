"""The container model: what each dialect adapter reads, where each value came from, and the
promise that hardened rule fixtures are clean at medium severity and above."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.adapters.containers import build
from scanner.inputs.discover import walk
from scanner.inputs.parsed import ParsedFile
from scanner.model.container import ContainerSpec
from scanner.nodes import Unknown, known
from scanner.parse.yaml import parse_documents
from scanner.results.findings import severity_rank
from scanner.run.engine import scan
from scanner.settings.config import Config

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
HARDENED = sorted(path for path in FIXTURES.glob("CTR*/*good*") if path.is_file())


def containers(text: str, kind: str = "kubernetes", config: Config | None = None) -> list[ContainerSpec]:
    config = config or Config()
    parsed = ParsedFile(rel="in.yaml", type=kind, text=text, tree=parse_documents(text, "in.yaml"))
    return list(build([parsed], config))


POD = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  template:
    metadata:
      annotations:
        container.seccomp.security.alpha.kubernetes.io/web: unconfined
    spec:
      hostNetwork: true
      serviceAccountName: api
      securityContext:
        runAsUser: 1000
        seccompProfile: {type: RuntimeDefault}
      volumes:
        - name: logs
          hostPath: {path: /var/log}
      initContainers:
        - name: setup
          image: busybox:1.36
          securityContext:
            runAsUser: 0
      containers:
        - name: web
          image: nginx:1.27
          securityContext:
            capabilities:
              drop: [ALL]
              add: [NET_BIND_SERVICE]
          volumeMounts:
            - name: logs
              mountPath: /logs
              readOnly: true
          env:
            - name: A
              value: plain
            - name: B
              valueFrom: {secretKeyRef: {name: s, key: k}}
            - name: C
              valueFrom: {configMapKeyRef: {name: c, key: k}}
            - name: D
              valueFrom: {fieldRef: {fieldPath: metadata.name}}
            - name: E
              value: "{{ .Values.e }}"
      ephemeralContainers:
        - name: debug
          image: busybox:1.36
"""


def test_kubernetes_pod_spec_merges_pod_and_container_settings() -> None:
    by_name = {container.name: container for container in containers(POD)}
    init, web, debug = by_name["setup"], by_name["web"], by_name["debug"]
    assert (init.kind, web.kind, debug.kind) == ("init", "regular", "ephemeral")
    assert web.resource == 'Deployment/api container "web"'
    assert init.resource == 'Deployment/api init container "setup"'
    assert web.namespace == "shop" and web.pod_resource == "Deployment/api"
    # container value overrides the pod's; the pod's applies where the container is silent
    assert (known(init.run_as_user), init.run_as_user.loc.line) == (0, 24)
    assert (known(web.run_as_user), web.run_as_user.loc.line) == (1000, 15)
    # legacy annotation for this container beats the pod-level field
    assert (known(web.seccomp), web.seccomp.loc.line) == ("Unconfined", 10)
    assert known(init.seccomp) == "RuntimeDefault"
    assert (known(web.host_network), web.host_network.loc.line) == (True, 12)
    assert [known(c) for c in web.cap_drop] == ["ALL"] and web.cap_drop_node.loc.line == 30
    assert [known(c) for c in web.cap_add] == ["NET_BIND_SERVICE"]
    [mount] = web.host_mounts
    assert (known(mount.path), mount.path.loc.line, known(mount.read_only)) == ("/var/log", 19, True)
    assert init.host_mounts == [] and known(web.service_account) == "api"
    assert [(v.name, v.source) for v in web.env] == [
        ("A", "literal"), ("B", "secret"), ("C", "configmap"), ("D", "field"), ("E", "unknown")]
    assert isinstance(web.env[4].value, Unknown)


@pytest.mark.parametrize("kind", ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
                                  "ReplicationController", "Job", "CronJob"])
def test_every_workload_kind_yields_its_containers(kind: str) -> None:
    body = "  containers:\n    - name: c\n      image: x:1\n"
    if kind == "Pod":
        spec = "spec:\n" + body
    elif kind == "CronJob":
        spec = "spec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n" + "".join(
            "        " + line + "\n" for line in body.splitlines())
    else:
        spec = "spec:\n  template:\n    spec:\n" + "".join("    " + line + "\n" for line in body.splitlines())
    [container] = containers(f"apiVersion: v1\nkind: {kind}\nmetadata:\n  name: w\n{spec}")
    assert (container.workload, container.resource) == (kind, f'{kind}/w container "c"')


COMPOSE = """\
x-base: &base
  read_only: true
  cap_drop: [ALL]
services:
  web:
    <<: *base
    image: nginx:1.27
    user: ${UID}
    pid: host
    network_mode: bridge
    security_opt: ["no-new-privileges:true", "apparmor:unconfined", "label:disable"]
    volumes:
      - ./src:/app
      - /var/run/docker.sock:/var/run/docker.sock:ro
      - data:/data
    mem_limit: 512m
    deploy:
      resources:
        limits: {cpus: "0.5"}
    healthcheck:
      disable: true
    environment:
      - A=1
      - B
volumes:
  data: {}
"""


def test_compose_service_reads_strings_into_model_values() -> None:
    [web] = containers(COMPOSE, "compose")
    assert (web.resource, web.loc.line) == ('service "web"', 5)
    assert known(web.read_only_root_fs) is True and web.read_only_root_fs.loc.line == 2
    assert isinstance(web.user, Unknown)
    assert (known(web.host_pid), known(web.host_network)) == (True, False)
    assert known(web.allow_privilege_escalation) is False
    assert (known(web.apparmor), known(web.selinux_disabled)) == ("Unconfined", True)
    assert [(known(m.path), known(m.read_only)) for m in web.host_mounts] == [
        ("./src", None), ("/var/run/docker.sock", True)]
    assert (known(web.memory_limit), known(web.cpu_limit)) == ("512m", "0.5")
    assert known(web.healthcheck_disabled) is True
    assert [(v.name, v.source, known(v.value)) for v in web.env] == [
        ("A", "literal", "1"), ("B", "unknown", None)]


def _scan(path: Path, config: Config) -> list[tuple[str, int]]:
    result = scan(walk([str(path)], path.parent), config)
    assert not result.errors
    return sorted((f.rule, f.line) for f in result.findings)


@pytest.mark.parametrize("path", HARDENED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_hardened_fixtures_have_no_finding_at_medium_or_above(path: Path) -> None:
    result = scan(walk([str(path)], path.parent), Config(select=("CTR",), root=path.parent))
    serious = [(f.rule, f.line) for f in result.findings if severity_rank(f.severity) <= 2]
    assert serious == []


@pytest.mark.parametrize(("image", "flagged"), [
    ("registry.example.com/web:1.4.2", False),
    ("registry.example.com:5000/web:1", True),
    ("docker.io/library/nginx:1.27", False),
    ("nginx:1.27", False),
    ("library/nginx", False),
    ("randomuser/nginx:1.27", True),
    ("ghcr.io/example-org/tool:1", False),
    ("ghcr.io/other-org/tool:1", True),
    ("${IMAGE}", False),
])
def test_untrusted_registry_uses_the_configured_allow_list(tmp_path: Path, image: str, flagged: bool) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text(f"services:\n  web:\n    image: {image}\n")
    config = Config(select=("CTR024",), root=tmp_path,
                    trusted_registries=("registry.example.com", "docker.io/library", "ghcr.io/example-org"))
    assert _scan(compose, config) == ([("CTR024", 3)] if flagged else [])


def test_privileged_container_is_left_to_the_privileged_rule_for_seccomp(tmp_path: Path) -> None:
    pod = tmp_path / "pod.yaml"
    pod.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
                   "    - name: a\n      image: a:1\n      securityContext: {privileged: true}\n"
                   "    - name: b\n      image: b:1\n")
    assert _scan(pod, Config(select=("CTR014", "CTR002"), root=tmp_path)) == [("CTR002", 9), ("CTR014", 10)]


def test_socket_mount_is_not_reported_again_as_a_sensitive_path(tmp_path: Path) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  ci:\n    image: ci:1\n    volumes:\n"
                       "      - /var/run/docker.sock:/var/run/docker.sock\n")
    config = Config(select=("CTR010", "CTR011", "CTR012"), root=tmp_path)
    assert _scan(compose, config) == [("CTR010", 5)]


TERRAFORM_ECS = '''\
variable "image" {
  type = string
}

variable "user" {
  default = "root"
}

resource "aws_ecs_task_definition" "partly_known" {
  family = "app"
  container_definitions = jsonencode([
    {
      name       = "app"
      image      = var.image
      privileged = true
      user       = var.user
    }
  ])
}

resource "aws_ecs_task_definition" "heredoc" {
  family                = "web"
  container_definitions = <<DEFS
[
  {
    "name": "web",
    "image": "nginx:1.27",
    "privileged": true
  }
]
DEFS
}
'''


def test_terraform_container_definitions_keep_the_lines_they_were_written_on(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM_ECS)
    findings = _scan(tmp_path / "main.tf", Config(select=("CTR002", "CTR022"), root=tmp_path))
    # var.image is unknown, so not judged; the literal privileged flags are, at their own lines
    assert findings == [("CTR002", 15), ("CTR002", 28), ("CTR022", 27)]


def test_a_variable_default_is_judged_where_the_default_is_written(tmp_path: Path) -> None:
    known_image = TERRAFORM_ECS.replace("  type = string\n", '  default = "nginx:1.27"\n')
    (tmp_path / "main.tf").write_text(known_image)
    assert _scan(tmp_path / "main.tf", Config(select=("CTR001",), root=tmp_path)) == [
        ("CTR001", 6), ("CTR001", 25)]


CLOUDFORMATION_ECS = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Image:
    Type: String
  User:
    Type: String
    Default: root
Resources:
  App:
    Type: AWS::ECS::TaskDefinition
    Properties:
      NetworkMode: host
      Memory: "512"
      Volumes:
        - Name: sock
          Host:
            SourcePath: /var/run/docker.sock
      ContainerDefinitions:
        - Name: app
          Image: !Ref Image
          User: !Ref User
          MountPoints:
            - SourceVolume: sock
              ContainerPath: /var/run/docker.sock
              ReadOnly: true
          Secrets:
            - Name: DB_PASSWORD
              ValueFrom: arn:aws:ssm:eu-west-1:123456789012:parameter/db
"""


def test_cloudformation_task_definition_reads_task_and_container_settings() -> None:
    parsed = ParsedFile(rel="t.yaml", type="cloudformation", text=CLOUDFORMATION_ECS,
                        tree=parse_documents(CLOUDFORMATION_ECS, "t.yaml"))
    [app] = build([parsed], Config())
    assert (app.dialect, app.resource, app.loc.line) == ("ecs", 'TaskDefinition/App container "app"', 19)
    assert isinstance(app.image, Unknown)
    assert (known(app.user), app.user.loc.line) == ("root", 7)  # the parameter's default
    assert (known(app.host_network), known(app.memory_limit)) == (True, "512")
    [mount] = app.host_mounts
    assert (known(mount.path), known(mount.read_only)) == ("/var/run/docker.sock", True)
    assert [(v.name, v.source) for v in app.env] == [("DB_PASSWORD", "secret")]


def test_a_value_written_outside_the_container_points_back_at_it(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(CLOUDFORMATION_ECS)
    result = scan(walk([str(tmp_path / "t.yaml")], tmp_path), Config(select=("CTR001",), root=tmp_path))
    [finding] = result.findings
    assert finding.line == 7 and [loc.line for loc in finding.related] == [19]


POD_YAML = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      hostNetwork: true
      securityContext:
        runAsUser: 0
      volumes:
        - name: logs
          hostPath:
            path: /etc
      containers:
        - name: web
          image: nginx:latest
          securityContext:
            privileged: true
            capabilities:
              add: [NET_ADMIN]
          volumeMounts:
            - name: logs
              mountPath: /logs
          env:
            - name: API_TOKEN
              value: abc123def456
"""

POD_TERRAFORM = """\
resource "kubernetes_deployment" "api" {
  metadata {
    name = "api"
  }
  spec {
    template {
      metadata {}
      spec {
        host_network = true
        security_context {
          run_as_user = 0
        }
        volume {
          name = "logs"
          host_path {
            path = "/etc"
          }
        }
        container {
          name  = "web"
          image = "nginx:latest"
          security_context {
            privileged = true
            capabilities {
              add = ["NET_ADMIN"]
            }
          }
          volume_mount {
            name       = "logs"
            mount_path = "/logs"
          }
          env {
            name  = "API_TOKEN"
            value = "abc123def456"
          }
        }
      }
    }
  }
}
"""


def test_a_terraform_kubernetes_resource_gets_the_findings_of_its_yaml_twin(tmp_path: Path) -> None:
    (tmp_path / "deployment.yaml").write_text(POD_YAML)
    (tmp_path / "main.tf").write_text(POD_TERRAFORM)
    result = scan(walk([str(tmp_path)], tmp_path), Config(select=("CTR",), root=tmp_path))
    by_file: dict[str, set[str]] = {}
    for finding in result.findings:
        by_file.setdefault(finding.path, set()).add(finding.rule)
    assert by_file["main.tf"] == by_file["deployment.yaml"]
    assert {"CTR001", "CTR002", "CTR006", "CTR008", "CTR011", "CTR025"} <= by_file["main.tf"]


@pytest.mark.parametrize("condition", [
    {"field": "privileged"},                                   # no test
    {"field": "privileged", "is": True, "missing": True},      # two tests
    {"field": "no_such_field", "is": True},
    {"field": "privileged", "is": True, "when": {"colour": ["red"]}},
    {"field": "privileged", "equals": True},
])
def test_a_malformed_condition_is_refused_when_the_rule_loads(condition: dict) -> None:
    from scanner.catalog.declarative import compile_condition
    from scanner.catalog.errors import CatalogError

    with pytest.raises(CatalogError):
        compile_condition("container", condition)


def test_conditions_never_report_unknown_values() -> None:
    from scanner.catalog.declarative import compile_condition

    check = compile_condition("container", {"field": "read_only_root_fs", "is_not": True})
    pod = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
           "    - name: templated\n      securityContext: {readOnlyRootFilesystem: \"{{ .Values.ro }}\"}\n"
           "    - name: missing\n")
    model = build([ParsedFile("in.yaml", "kubernetes", pod, parse_documents(pod, "in.yaml"))], Config())
    hits = list(check(model, None))
    assert [(hit.resource, hit.loc.line) for hit in hits] == [('Pod/p container "missing"', 8)]


def test_definitions_read_from_a_json_file_point_into_that_file(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_ecs_task_definition" "app" {\n'
                                      '  family                = "app"\n'
                                      '  container_definitions = file("${path.module}/defs.json")\n}\n')
    (tmp_path / "defs.json").write_text('[\n  {\n    "name": "app",\n    "privileged": true\n  }\n]\n')
    result = scan(walk([str(tmp_path)], tmp_path), Config(select=("CTR002",), root=tmp_path))
    assert [(f.path, f.line) for f in result.findings] == [("defs.json", 4)]


def _yaml_values():
    from hypothesis import strategies as st

    leaves = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.sampled_from(
        ["host", "ALL", "root", "0", "/var/run/docker.sock", "${X}", "{{ .Values.x }}", "a:b:ro", "x=y"]))
    keys = st.sampled_from(["containers", "securityContext", "capabilities", "drop", "add", "volumes",
                            "hostPath", "path", "volumeMounts", "name", "env", "valueFrom", "image",
                            "security_opt", "environment", "healthcheck", "deploy", "resources",
                            "limits", "privileged", "user", "readOnly", "test", "disable"])
    return st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(keys, inner, max_size=4)),
                        max_leaves=20)


def test_adapters_never_fail_on_odd_shapes() -> None:
    import json

    from hypothesis import given, settings

    from scanner.catalog.rules import RuleContext, load_rules

    rules = [rule for rule in load_rules() if rule.model == "container"]
    checks = [(rule.load_check(), RuleContext(rule, {})) for rule in rules]

    @settings(max_examples=100, deadline=None)
    @given(_yaml_values())
    def check(value: object) -> None:
        text = json.dumps(value)
        pod = f'{{"apiVersion": "v1", "kind": "Pod", "metadata": {{"name": "p"}}, "spec": {text}}}'
        compose = f'{{"services": {{"s": {text}}}}}'
        for kind, source in (("kubernetes", pod), ("compose", compose)):
            model = build([ParsedFile("in.yaml", kind, source, parse_documents(source, "in.yaml"))], Config())
            for function, context in checks:
                list(function(model, context))

    check()


def test_every_offending_host_mount_is_named_in_one_finding(tmp_path: Path) -> None:
    pod = tmp_path / "pod.yaml"
    pod.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                   "    - name: app\n      image: app:1\n      volumeMounts:\n"
                   "        - {name: config, mountPath: /config}\n        - {name: root, mountPath: /host}\n"
                   "  volumes:\n    - name: config\n      hostPath: {path: /etc}\n"
                   "    - name: root\n      hostPath: {path: /}\n")
    result = scan(walk([str(pod)], tmp_path), Config(select=("CTR011",), root=tmp_path))
    (finding,) = result.findings
    assert finding.message == 'Pod/p container "app" mounts sensitive host paths: /etc, /'
    assert finding.line == 13
    assert [loc.line for loc in finding.related] == [6, 15]  # the container, then the second mount
