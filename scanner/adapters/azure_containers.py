"""Azure's container services into `ContainerSpec`s: Container Instances, Container Apps and
App Service web apps running a container image, from ARM templates and Terraform's azurerm.

Each service is one table row per format (`SPELLINGS[type]`) naming where the shared settings are
written, and one reader turns a row into the container model, so the same CTR rules judge them
as they judge pods, Compose services and ECS tasks. What a service can't set, or sets itself when
left out, is named in the container's `absent_by_platform`: a rule then judges a value that is
written there but never reports it missing. Container Instances: the security context is
optional and rarely written, and there is no read-only root filesystem; a container's CPU and
memory are capped at its request when no limit is given. Container Apps: no security context at
all, CPU and memory always allocated (0.5 CPU and 1 GiB when left out), and TCP probes on the
target port added when ingress is on and no probe is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from scanner.adapters.common import first_line, pick, settled, synthetic
from scanner.model.cloud import CloudResource
from scanner.model.container import ContainerSpec, EnvVar
from scanner.nodes import Location, Mapping, Node, Scalar, Sequence, Unknown, strings, text

_SECURITY = frozenset({"user", "allow_privilege_escalation", "cap_drop", "read_only_root_fs"})
_BATCH = frozenset({"never", "onfailure"})
_KEY_VAULT_REFERENCE = "@Microsoft.KeyVault("


@dataclass(frozen=True)
class Spelling:
    """Where one format writes a service's settings; "" where it has no such setting."""

    dialect: str
    containers: str
    init_containers: str
    settings: str  # the container's own settings, below its entry ("properties" in ARM ACI)
    image: str
    memory: tuple[str, ...]  # limit first, then the request that caps it
    cpu: tuple[str, ...]
    liveness: str
    readiness: str
    privileged: str = ""
    escalation: str = ""
    user: str = ""
    cap_add: str = ""
    cap_drop: str = ""
    restart: str = ""
    ingress: str = ""
    probes: str = ""


SPELLINGS = {
    "Microsoft.ContainerInstance/containerGroups": Spelling(
        "aci", "properties.containers", "properties.initContainers", "properties", "image",
        ("resources.limits.memoryInGB", "resources.requests.memoryInGB"),
        ("resources.limits.cpu", "resources.requests.cpu"), "livenessProbe", "readinessProbe",
        "securityContext.privileged", "securityContext.allowPrivilegeEscalation", "securityContext.runAsUser",
        "securityContext.capabilities.add", "securityContext.capabilities.drop", "properties.restartPolicy"),
    "azurerm_container_group": Spelling(
        "aci", "container", "init_container", "", "image", ("memory_limit", "memory"), ("cpu_limit", "cpu"),
        "liveness_probe", "readiness_probe", "security.privilege_enabled", restart="restart_policy"),
    "Microsoft.App/containerApps": Spelling(
        "containerapp", "properties.template.containers", "properties.template.initContainers", "", "image",
        ("resources.memory",), ("resources.cpu",), "", "", ingress="properties.configuration.ingress",
        probes="probes"),
    "azurerm_container_app": Spelling(
        "containerapp", "template.container", "template.init_container", "", "image", ("memory",), ("cpu",),
        "liveness_probe", "readiness_probe", ingress="ingress"),
}
WEB_APPS = ("Microsoft.Web/sites", "azurerm_linux_web_app", "azurerm_linux_web_app_slot")
TYPES = (*SPELLINGS, *WEB_APPS)


def from_resource(resource: CloudResource) -> Iterator[ContainerSpec]:
    if resource.type in WEB_APPS:
        yield from _web_app(resource)
        return
    spelling = SPELLINGS[resource.type]
    batch = (text(at(resource.attrs, spelling.restart)) or "").lower() in _BATCH if spelling.restart else False
    ingress = at(resource.attrs, spelling.ingress) if spelling.ingress else None
    for kind, path in (("regular", spelling.containers), ("init", spelling.init_containers)):
        for entry in _entries(at(resource.attrs, path)):
            yield _container(resource, spelling, kind, entry, batch, ingress)


def _container(resource: CloudResource, spelling: Spelling, kind: str, entry: Mapping, batch: bool,
               ingress: Node | None) -> ContainerSpec:
    name = text(entry.get("name")) or "<unnamed>"
    settings = at(entry, spelling.settings) if spelling.settings else entry
    settings = settings if isinstance(settings, Mapping) else Mapping(entry.loc)
    item = ContainerSpec(dialect=spelling.dialect, kind=kind, name=name, workload=resource.type,
                         resource=f'{resource.label} container "{name}"', pod_resource=resource.label,
                         loc=_first_line(entry, resource.format), node=entry, runs_to_completion=batch,
                         image=settled(at(settings, spelling.image)))
    item.absent_by_platform = _SECURITY | ({"memory_limit", "cpu_limit"} if spelling.dialect == "containerapp"
                                           else frozenset())
    item.privileged = _field(settings, spelling.privileged)
    item.allow_privilege_escalation = _field(settings, spelling.escalation)
    item.user = _field(settings, spelling.user)
    item.cap_add = strings(_field(settings, spelling.cap_add))
    item.cap_drop_node = _field(settings, spelling.cap_drop)
    item.cap_drop = strings(item.cap_drop_node)
    item.memory_limit = pick(*(at(settings, path) for path in spelling.memory))
    item.cpu_limit = pick(*(at(settings, path) for path in spelling.cpu))
    item.liveness, item.readiness = _probes(settings, spelling, ingress)
    item.env = list(_env(settings))
    return item


def _probes(settings: Mapping, spelling: Spelling, ingress: Node | None) -> tuple[Node | None, Node | None]:
    liveness: Node | None
    readiness: Node | None
    if spelling.probes:  # Container Apps: one list, each probe with its type
        found = {(text(probe.get("type")) or "").lower(): probe for probe in _entries(settings.get(spelling.probes))}
        liveness, readiness = found.get("liveness"), found.get("readiness")
    else:
        liveness, readiness = at(settings, spelling.liveness), at(settings, spelling.readiness)
    if spelling.dialect == "containerapp" and liveness is None and readiness is None and _enabled(ingress):
        default = synthetic("TCP probe on the ingress target port", ingress.loc)  # type: ignore[union-attr]
        return default, default
    return liveness, readiness


def _enabled(ingress: Node | None) -> bool:
    """Terraform writes `ingress {}` only to turn it on; ARM may write it and switch it off."""
    if isinstance(ingress, Sequence):
        return bool(ingress.items)
    return isinstance(ingress, Mapping)


def _env(settings: Mapping) -> Iterator[EnvVar]:
    """ARM: `environmentVariables` / `env` lists of {name, value | secureValue | secretRef};
    Terraform: `environment_variables` and `secure_environment_variables` maps, `env` blocks."""
    for entry in [*_entries(settings.get("environmentVariables")), *_entries(settings.get("env"))]:
        name = text(entry.get("name"))
        if not name:
            continue
        reference = entry.get("secretRef") or entry.get("secret_name")
        secure = entry.get("secureValue")
        if reference is not None:
            yield EnvVar(name, "secret", reference, entry.loc)
        else:
            yield _valued(name, secure if secure is not None else entry.get("value"), entry.loc, secure is None)
    for key, exposed in (("environment_variables", True), ("secure_environment_variables", False)):
        variables = settings.get(key)
        if isinstance(variables, Mapping):
            for name, value in variables.items():
                yield _valued(name, value, variables.keys[name], exposed)


def _valued(name: str, value: Node | None, loc: Location, exposed: bool) -> EnvVar:
    value = settled(value)
    if (text(value) or "").startswith(_KEY_VAULT_REFERENCE):
        return EnvVar(name, "secret", value, loc)  # App Service resolves it from Key Vault at start
    source = "literal" if text(value) is not None else "unknown" if exposed else "secret"
    return EnvVar(name, source, value if source == "literal" else None, loc, exposed=exposed)


def _web_app(resource: CloudResource) -> Iterator[ContainerSpec]:
    """A web app that runs a container: ARM `siteConfig.linuxFxVersion: "DOCKER|image"`,
    Terraform `application_stack { docker_image_name, docker_registry_url }`."""
    image = _web_app_image(resource)
    if image is None:
        return
    site = at(resource.attrs, "properties.siteConfig") if resource.format == "arm" else at(resource.attrs, "site_config")
    name = resource.name.rsplit(".", 1)[-1]
    item = ContainerSpec(dialect="webapp", kind="regular", name=name, workload=resource.type,
                         resource=f'{resource.label} container', pod_resource=resource.label,
                         loc=resource.loc, node=resource.attrs, image=image)
    item.absent_by_platform = _SECURITY | {"memory_limit", "cpu_limit", "cap_drop"}
    health = at(site, "healthCheckPath") if resource.format == "arm" else at(site, "health_check_path")
    item.liveness = health
    item.readiness = health
    settings = at(site, "appSettings") if resource.format == "arm" else None
    item.env = [_valued(text(entry.get("name")) or "", entry.get("value"), entry.loc, True)
                for entry in _entries(settings) if text(entry.get("name"))]
    app_settings = at(resource.attrs, "app_settings")
    if isinstance(app_settings, Mapping):
        item.env += [_valued(key, value, app_settings.keys[key], True) for key, value in app_settings.items()]
    yield item


def _web_app_image(resource: CloudResource) -> Node | None:
    if resource.format == "arm":
        stack = at(resource.attrs, "properties.siteConfig.linuxFxVersion")
        value = text(stack)
        if isinstance(stack, Unknown):
            return stack
        if value is None or not value.upper().startswith("DOCKER|"):
            return None
        return Scalar(value.split("|", 1)[1], stack.loc)  # type: ignore[union-attr]
    stack = at(resource.attrs, "site_config.application_stack")
    image = at(stack, "docker_image_name")
    if image is None:
        return None
    registry = at(stack, "docker_registry_url")
    if registry is None or text(image) is None:
        return settled(image)
    server = text(registry)
    if server is None:
        return Unknown(text(image) or "", image.loc, "registry known at deploy time")
    host = server.split("://", 1)[-1].rstrip("/")
    name = text(image) or ""
    return Scalar(name if host in ("", "index.docker.io", "docker.io") else f"{host}/{name}", image.loc)


def at(node: Node | None, path: str) -> Node | None:
    """The value at a dotted path; a Terraform block (a list of one body) stands for its body."""
    for step in path.split(".") if path else []:
        if isinstance(node, Sequence) and len(node.items) == 1 and isinstance(node.items[0], Mapping):
            node = node.items[0]
        node = node.get(step) if isinstance(node, Mapping) else None
    if isinstance(node, Scalar) and node.value is None:
        return None
    return node


def _field(settings: Mapping, path: str) -> Node | None:
    return settled(at(settings, path)) if path else None


def _entries(node: Node | None) -> list[Mapping]:
    if isinstance(node, Mapping):
        return [node]
    return [item for item in node.items if isinstance(item, Mapping)] if isinstance(node, Sequence) else []


def _first_line(entry: Mapping, written_as: str) -> Location:
    """A container is reported at its `name` (an ARM object's `{` line says nothing) or its
    block's first line (Terraform)."""
    where = entry.keys.get("name")
    if written_as == "arm" and where is not None:
        return where
    return first_line(entry)
