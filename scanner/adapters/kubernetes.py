"""Kubernetes pod specs (in every workload kind, and any object with a pod template where
workloads keep one; `scanner.model.kubernetes.POD_TEMPLATE_PATHS`) into `ContainerSpec`s.

Pod-level settings are merged into each container, the container's own value winning, as the
kubelet does. Legacy annotations (seccomp, AppArmor) count where no field overrides them.
The same reader serves Terraform's `kubernetes_*` resources, whose attributes the Terraform
adapter first renames to these keys.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.adapters.common import first_line, items, keyed, known_strings, mapping, pick, settled, settled_list, synthetic
from scanner.model.container import ContainerSpec, EnvVar, HostMount
from scanner.model.kubernetes import KubeObject, pod_template
from scanner.nodes import Location, Mapping, Node, Scalar, dig, key_loc, text

CONTAINER_LISTS = (("containers", "regular"), ("initContainers", "init"),
                   ("ephemeralContainers", "ephemeral"))
_ENV_REFS = (("secretKeyRef", "secret"), ("configMapKeyRef", "configmap"), ("fieldRef", "field"),
             ("resourceFieldRef", "resource"))
_PROFILE_WORDS = {"runtime/default": "RuntimeDefault", "docker/default": "RuntimeDefault",
                  "unconfined": "Unconfined"}


def from_object(obj: KubeObject) -> Iterator[ContainerSpec]:
    template = pod_template(obj)
    spec = mapping(dig(template, "spec"))
    if template is None or spec is None or _placeholder(obj, spec):
        return
    annotations = mapping(dig(template, "metadata", "annotations"))
    pod_loc = key_loc(template, "spec") or spec.loc
    for item in from_pod_spec(spec, annotations, obj.label, obj.kind, pod_loc):
        item.namespace = obj.namespace
        yield item


def _placeholder(obj: KubeObject, spec: Mapping) -> bool:
    """A workload scaled to zero whose containers name no image: a slot that an operator or a
    later patch fills in, never a pod that runs, so nothing in it is there to harden."""
    if text(dig(obj.node, "spec", "replicas")) != "0":
        return False
    containers = [c for key, _ in CONTAINER_LISTS for c in items(spec.get(key)) if isinstance(c, Mapping)]
    return all(c.get("image") is None for c in containers)


def from_pod_spec(spec: Mapping, annotations: Mapping | None, label: str, workload: str,
                  pod_loc: Location) -> Iterator[ContainerSpec]:
    pod_context = mapping(spec.get("securityContext"))
    batch = workload in ("Job", "CronJob") or text(spec.get("restartPolicy")) in ("Never", "OnFailure")
    host_paths = _host_path_volumes(spec)
    for list_key, kind in CONTAINER_LISTS:
        for container in items(spec.get(list_key)):
            if not isinstance(container, Mapping):
                continue
            name = text(container.get("name")) or "<unnamed>"
            prefix = "" if kind == "regular" else f"{kind} "
            item = ContainerSpec(
                dialect="kubernetes", kind=kind, name=name, workload=workload,
                resource=f'{label} {prefix}container "{name}"', pod_resource=label,
                loc=first_line(container), node=container, pod_loc=pod_loc, runs_to_completion=batch,
                image=settled(container.get("image")))
            _security(item, mapping(container.get("securityContext")), pod_context, annotations)
            _pod_level(item, spec)
            item.host_mounts = list(_mounts(container, host_paths))
            _resources(item, mapping(container.get("resources")))
            item.liveness = container.get("livenessProbe")
            item.readiness = container.get("readinessProbe")
            item.env = list(_env(container))
            item.command = known_strings(container.get("command")) + known_strings(container.get("args"))
            _pod_security_standards(item, container, spec)
            yield item


def _security(item: ContainerSpec, own: Mapping | None, pod: Mapping | None,
              annotations: Mapping | None) -> None:
    def either(key: str) -> Node | None:
        return settled(pick(dig(own, key), dig(pod, key)))

    item.run_as_user = either("runAsUser")
    item.run_as_non_root = either("runAsNonRoot")
    item.privileged = settled(dig(own, "privileged"))
    item.allow_privilege_escalation = settled(dig(own, "allowPrivilegeEscalation"))
    item.read_only_root_fs = settled(dig(own, "readOnlyRootFilesystem"))
    item.cap_add = known_strings(dig(own, "capabilities", "add"))
    item.cap_drop_node = keyed(dig(own, "capabilities"), "drop")
    item.cap_drop = known_strings(item.cap_drop_node)
    item.cap_drop_node = settled_list(item.cap_drop_node)
    item.selinux_type = settled(pick(dig(own, "seLinuxOptions", "type"), dig(pod, "seLinuxOptions", "type")))
    item.seccomp = pick(
        settled(dig(own, "seccompProfile", "type")),
        _annotation(annotations, f"container.seccomp.security.alpha.kubernetes.io/{item.name}"),
        settled(dig(pod, "seccompProfile", "type")),
        _annotation(annotations, "seccomp.security.alpha.kubernetes.io/pod"))
    item.apparmor = pick(
        settled(dig(own, "appArmorProfile", "type")),
        _annotation(annotations, f"container.apparmor.security.beta.kubernetes.io/{item.name}"),
        settled(dig(pod, "appArmorProfile", "type")))


def _annotation(annotations: Mapping | None, key: str) -> Node | None:
    """A legacy profile annotation (`runtime/default`, `unconfined`, `localhost/x`) as the field's
    value (`RuntimeDefault`, `Unconfined`, `Localhost`)."""
    node = settled(dig(annotations, key))
    value = text(node)
    if node is None or value is None:
        return node
    lowered = value.strip().lower()
    word = _PROFILE_WORDS.get(lowered) or ("Localhost" if lowered.startswith("localhost/") else value)
    return synthetic(word, node.loc)


def _pod_level(item: ContainerSpec, spec: Mapping) -> None:
    item.host_pid = settled(spec.get("hostPID"))
    item.host_ipc = settled(spec.get("hostIPC"))
    item.host_network = settled(spec.get("hostNetwork"))
    item.service_account = settled(pick(spec.get("serviceAccountName"), spec.get("serviceAccount")))
    item.automount_token = settled(spec.get("automountServiceAccountToken"))


def _pod_security_standards(item: ContainerSpec, container: Mapping, spec: Mapping) -> None:
    """The settings the Pod Security Standards judge that no other rule reads."""
    own, pod = mapping(container.get("securityContext")), mapping(spec.get("securityContext"))
    item.host_process = settled(pick(dig(own, "windowsOptions", "hostProcess"),
                                     dig(pod, "windowsOptions", "hostProcess")))
    item.host_ports = [port for entry in items(container.get("ports"))
                       if (port := settled(dig(entry, "hostPort"))) is not None]
    item.proc_mount = settled(dig(own, "procMount"))
    item.sysctls = [(name, node) for entry in items(dig(pod, "sysctls"))
                    if (node := dig(entry, "name")) is not None and (name := text(node))]
    for context in (own, pod):
        options = mapping(dig(context, "seLinuxOptions"))
        for field_name in ("user", "role"):
            value = settled(dig(options, field_name))
            if value is not None and not any(name == field_name for name, _ in item.selinux_user_role):
                item.selinux_user_role.append((field_name, value))
    item.volume_types = [(kind, volume) for volume in items(spec.get("volumes")) if isinstance(volume, Mapping)
                         for kind in volume.values if kind != "name"]


def _host_path_volumes(spec: Mapping) -> dict[str, Node]:
    volumes: dict[str, Node] = {}
    for volume in items(spec.get("volumes")):
        path = dig(volume, "hostPath", "path")
        name = text(dig(volume, "name"))
        if name and path is not None:
            volumes[name] = settled(path) or path
    return volumes


def _mounts(container: Mapping, host_paths: dict[str, Node]) -> Iterator[HostMount]:
    for mount in items(container.get("volumeMounts")):
        name = text(dig(mount, "name"))
        if name in host_paths:
            yield HostMount(path=host_paths[name], mount=mount,
                            read_only=settled(dig(mount, "readOnly")),
                            target=text(dig(mount, "mountPath")) or "")


def _resources(item: ContainerSpec, resources: Mapping | None) -> None:
    item.memory_limit = settled(dig(resources, "limits", "memory"))
    item.cpu_limit = settled(dig(resources, "limits", "cpu"))
    item.memory_request = settled(dig(resources, "requests", "memory"))
    item.cpu_request = settled(dig(resources, "requests", "cpu"))


def _env(container: Mapping) -> Iterator[EnvVar]:
    for entry in items(container.get("env")):
        name = text(dig(entry, "name"))
        if not name:
            continue
        value_from = mapping(dig(entry, "valueFrom"))
        if value_from is not None:
            source = next((word for key, word in _ENV_REFS if key in value_from), "unknown")
            yield EnvVar(name, source, value_from, entry.loc)
            continue
        value = settled(dig(entry, "value"))
        source = "literal" if isinstance(value, Scalar) or value is None else "unknown"
        yield EnvVar(name, source, value, entry.loc)
