"""Fixes of the container rules, once for every dialect: a Kubernetes container (YAML or JSON),
a Compose service, Terraform's `kubernetes_*` container blocks and ECS container definitions.

A wrong value is replaced where it is written — which is its origin: a pod-level setting, a
variable default, a values file or a kustomize patch, since findings point there. A missing
setting is inserted in the container the finding points at; in a values file or a rendered
template there is no container to insert into, and the fix says so."""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.fix import hcl_edit, yaml_edit
from scanner.fix.edits import Change, Value
from scanner.fix.source import Unfixable
from scanner.fix.target import Target
from scanner.nodes import Mapping, Node, Scalar, Sequence

# The user ID a fix sets where a non-root user is needed: high enough to clash with no system
# account of a common base image, and numeric so that the runtime can verify it is not root.
NON_ROOT_UID = 10001


@dataclass(frozen=True)
class Setting:
    """Where each dialect writes a setting (key paths; Terraform's as nested blocks ending with
    an attribute) and the value that satisfies the rule."""

    value: Value
    kubernetes: tuple[str, ...] = ()
    compose: tuple[str, ...] = ()
    terraform: tuple[str, ...] = ()
    ecs: tuple[str, ...] = ()
    compose_value: Value | None = None
    keep: tuple[Value, ...] = field(default_factory=tuple)
    missing_only: bool = False


def _yaml_kind(target: Target) -> str:
    if target.kind == "yaml":
        roots = [doc for doc in target.yaml.documents if isinstance(doc, Mapping)]
        if not any("kind" in doc and "apiVersion" in doc for doc in roots):
            raise Unfixable("the setting is missing, and this file holds values, not the object; "
                            "add it to the template that renders the container")
        return "kubernetes"
    return target.kind


def apply_setting(target: Target, setting: Setting) -> list[Change]:
    finding = target.finding
    if target.kind == "terraform":
        return _terraform(target, setting)
    tree = target.yaml
    scalar = tree.scalar_at(finding.line, finding.column)
    if scalar is None:  # a value traced to a Helm values file is reported at its key
        value = tree.value_at(finding.line, finding.column)
        above = tree.parent(value) if value is not None else None
        scalar = value if above is not None and above[1] in _names(setting) else None
    if scalar is not None:
        return [_replace_known(target, scalar, setting)]
    kind = _yaml_kind(target)
    path = {"kubernetes": setting.kubernetes, "compose": setting.compose, "cloudformation": setting.ecs}.get(kind)
    if not path:
        raise Unfixable(f"no fix for this setting in {kind}")
    mapping = tree.mapping_at(finding.line, finding.column, target.kind == "compose")
    if mapping is None:
        raise Unfixable("no container mapping where the finding points")
    value = setting.compose_value if kind == "compose" and setting.compose_value is not None else setting.value
    change = yaml_edit.set_path(tree, mapping, list(path), value, setting.keep, setting.missing_only)
    return [change] if change else []


def _replace_known(target: Target, scalar: Scalar, setting: Setting) -> Change:
    """A wrong value written at the finding: replaced when it is the setting's own key."""
    tree = target.yaml
    above = tree.parent(scalar)
    key = above[1] if above else None
    if key not in _names(setting):
        raise Unfixable(f"the value is written under `{key}`, which this fix does not rewrite")
    if tree.shared(scalar):
        raise Unfixable("the value is shared through a YAML alias; edit its anchor")
    value = setting.compose_value if target.kind == "compose" and setting.compose_value is not None else setting.value
    return yaml_edit.replace_scalar(tree, scalar, value)


def _names(setting: Setting) -> set[str]:
    """The keys under which each dialect writes the setting's value."""
    return {path[-1] for path in (setting.kubernetes, setting.compose, setting.ecs) if path}


def _terraform(target: Target, setting: Setting) -> list[Change]:
    finding, source = target.finding, target.source
    literal = hcl_edit.literal_at(source, target.tree, finding.line, finding.column)
    if literal is not None:
        return [hcl_edit.replace_literal(source, literal, setting.value)]
    block = hcl_edit.block_at(target.tree, finding.line, finding.column)
    if block is None:
        raise Unfixable("the value is not a literal in this file; fix it where it comes from")
    if not setting.terraform:
        raise Unfixable("no fix for this setting in Terraform")
    change = hcl_edit.set_in_block(source, block, list(setting.terraform), setting.value, setting.keep,
                                    setting.missing_only)
    return [change] if change else []


def _host_mode(target: Target, kubernetes: str, terraform: str) -> list[Change]:
    """A host namespace turned off: `hostPID: false`, or Compose's `pid: host` removed."""
    if target.kind == "compose":
        tree = target.yaml
        scalar = tree.scalar_at(target.finding.line, target.finding.column)
        above = tree.parent(scalar) if scalar is not None else None
        if above is None or not isinstance(above[0], Mapping):
            raise Unfixable("no `host` mode where the finding points")
        return [yaml_edit.delete_key(tree, above[0], str(above[1]))]
    return apply_setting(target, Setting(False, (kubernetes,), (), (terraform,)))


def run_as_non_root(target: Target) -> list[Change]:
    if target.kind in ("kubernetes", "yaml"):
        scalar = target.yaml.scalar_at(target.finding.line, target.finding.column)
        above = target.yaml.parent(scalar) if scalar is not None else None
        if above is not None and above[1] == "runAsUser":
            raise Unfixable("runAsUser is 0: choose the image's non-root user ID")
    return apply_setting(target, Setting(True, ("securityContext", "runAsNonRoot"), ("user",),
                                         ("security_context", "run_as_non_root"), ("User",),
                                         compose_value=f"{NON_ROOT_UID}:{NON_ROOT_UID}"))


def not_privileged(target: Target) -> list[Change]:
    return apply_setting(target, Setting(False, ("securityContext", "privileged"), ("privileged",),
                                         ("security_context", "privileged"), ("Privileged",)))


def no_privilege_escalation(target: Target) -> list[Change]:
    if target.kind == "compose":
        return _no_new_privileges(target)
    if target.kind == "kubernetes":
        mapping = target.yaml.mapping_at(target.finding.line, target.finding.column, target.kind == "compose")
        context = mapping.get("securityContext") if mapping is not None else None
        privileged = context.get("privileged") if isinstance(context, Mapping) else None
        if isinstance(privileged, Scalar) and privileged.value is True:
            raise Unfixable("the container is privileged, and the API server refuses "
                            "allowPrivilegeEscalation: false beside privileged: true")
    return apply_setting(target, Setting(False, ("securityContext", "allowPrivilegeEscalation"), (),
                                         ("security_context", "allow_privilege_escalation")))


def _no_new_privileges(target: Target) -> list[Change]:
    tree = target.yaml
    scalar = tree.scalar_at(target.finding.line, target.finding.column)
    if scalar is not None:
        if not str(scalar.value).startswith("no-new-privileges"):
            raise Unfixable("the option at the finding is not no-new-privileges")
        return [yaml_edit.replace_scalar(tree, scalar, "no-new-privileges:true")]
    service = tree.mapping_at(target.finding.line, target.finding.column, target.kind == "compose")
    if service is None:
        raise Unfixable("no service where the finding points")
    options = service.get("security_opt")
    if isinstance(options, Sequence) and tree.written_in(service, "security_opt"):
        return [yaml_edit.append_item(tree, options, "no-new-privileges:true")]
    change = yaml_edit.set_path(tree, service, ["security_opt"], ["no-new-privileges:true"])
    return [change] if change else []


def no_host_pid(target: Target) -> list[Change]:
    return _host_mode(target, "hostPID", "host_pid")


def no_host_ipc(target: Target) -> list[Change]:
    return _host_mode(target, "hostIPC", "host_ipc")


def no_host_network(target: Target) -> list[Change]:
    return _host_mode(target, "hostNetwork", "host_network")


def drop_all_capabilities(target: Target) -> list[Change]:
    finding = target.finding
    if target.kind == "terraform":
        block = hcl_edit.block_at(target.tree, finding.line, finding.column)
        if block is None:
            raise Unfixable("the capabilities are not a literal list in this file")
        change = hcl_edit.set_in_block(target.source, block, ["security_context", "capabilities", "drop"], ["ALL"])
        return [change] if change else []
    tree = target.yaml
    owner = tree.owner_of_key(finding.line, finding.column)  # a block list is reported at its key
    drop = owner[0].values[owner[1]] if owner is not None else next(
        (node for node in tree.nodes() if isinstance(node, Sequence)
         and (node.loc.line, node.loc.column) == (finding.line, finding.column)), None)
    if isinstance(drop, Sequence):
        return [yaml_edit.append_item(tree, drop, "ALL")]
    return apply_setting(target, Setting(["ALL"], ("securityContext", "capabilities", "drop"), ("cap_drop",),
                                         (), ("LinuxParameters", "Capabilities", "Drop")))


def read_only_root_filesystem(target: Target) -> list[Change]:
    return apply_setting(target, Setting(True, ("securityContext", "readOnlyRootFilesystem"), ("read_only",),
                                         ("security_context", "read_only_root_filesystem"),
                                         ("ReadonlyRootFilesystem",)))


def seccomp_runtime_default(target: Target) -> list[Change]:
    if target.kind == "compose":
        raise Unfixable("Compose applies Docker's default seccomp profile once the option is removed; "
                        "remove `seccomp:unconfined` from security_opt")
    return apply_setting(target, Setting("RuntimeDefault", ("securityContext", "seccompProfile", "type"), (),
                                         ("security_context", "seccomp_profile", "type")))


def apparmor_runtime_default(target: Target) -> list[Change]:
    if target.kind == "compose":
        raise Unfixable("remove `apparmor:unconfined` from security_opt")
    return apply_setting(target, Setting("RuntimeDefault", ("securityContext", "appArmorProfile", "type"), (),
                                         ("security_context", "app_armor_profile", "type")))


def memory_limit(target: Target) -> list[Change]:
    value = str(target.option("fix_memory_limit", "512Mi"))
    compose = value.lower().removesuffix("i")
    return apply_setting(target, Setting(value, ("resources", "limits", "memory"), ("mem_limit",),
                                         (), ("Memory",), compose_value=compose, missing_only=True))


def cpu_limit(target: Target) -> list[Change]:
    value = str(target.option("fix_cpu_limit", "1"))
    return apply_setting(target, Setting(value, ("resources", "limits", "cpu"), ("cpus",),
                                         (), ("Cpu",), missing_only=True))


def resource_requests(target: Target) -> list[Change]:
    """The requests that are missing, in one edit (they share the `requests` key)."""
    wanted = {"cpu": str(target.option("fix_cpu_request", "100m")),
              "memory": str(target.option("fix_memory_request", "128Mi"))}
    if target.kind not in ("kubernetes", "yaml"):
        raise Unfixable("requests are fixed in Kubernetes manifests only")
    _yaml_kind(target)
    tree = target.yaml
    container = tree.mapping_at(target.finding.line, target.finding.column, target.kind == "compose")
    if container is None:
        raise Unfixable("no container mapping where the finding points")
    resources = container.get("resources")
    requests = resources.get("requests") if isinstance(resources, Mapping) else None
    if isinstance(requests, Mapping):
        missing = [key for key in wanted if key not in requests]
        if len(missing) != 1:
            return []
        change = yaml_edit.set_path(tree, requests, missing, wanted[missing[0]], missing_only=True)
    else:
        change = yaml_edit.set_path(tree, container, ["resources", "requests"], wanted, missing_only=True)
    return [change] if change else []


def no_host_process(target: Target) -> list[Change]:
    return apply_setting(target, Setting(False, ("securityContext", "windowsOptions", "hostProcess"), (),
                                         ("security_context", "windows_options", "host_process")))


def default_proc_mount(target: Target) -> list[Change]:
    return apply_setting(target, Setting("Default", ("securityContext", "procMount"), (),
                                         ("security_context", "proc_mount")))


def no_service_account_token(target: Target) -> list[Change]:
    """`automountServiceAccountToken: false` on the pod: replaced where it is `true`, else
    added to the pod spec (the finding points at `serviceAccountName`, or the template's `spec`)."""
    finding = target.finding
    if target.kind == "terraform":
        return apply_setting(target, Setting(False, (), (), ("automount_service_account_token",)))
    tree = target.yaml
    scalar = tree.scalar_at(finding.line, finding.column)
    above = tree.parent(scalar) if scalar is not None else None
    if scalar is not None and above is not None and above[1] == "automountServiceAccountToken":
        return [yaml_edit.replace_scalar(tree, scalar, False)]
    pod: Node | None
    if above is not None and above[1] in ("serviceAccountName", "serviceAccount") and isinstance(above[0], Mapping):
        pod = above[0]
    else:
        owner = tree.owner_of_key(finding.line, finding.column)
        pod = owner[0].values[owner[1]] if owner is not None else None
    if not isinstance(pod, Mapping):
        raise Unfixable("no pod spec where the finding points")
    _yaml_kind(target)
    change = yaml_edit.set_path(tree, pod, ["automountServiceAccountToken"], False)
    return [change] if change else []
