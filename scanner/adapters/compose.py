"""Docker Compose services into `ContainerSpec`s.

Compose writes several settings as strings (`pid: host`, `security_opt: [no-new-privileges:true]`,
`./data:/data:ro`); they are read here into the model's values, keeping the location of the string
they came from. Interpolation is applied first (`compose_vars`): a default such as
`${PRIV:-true}` is what runs where the variable is unset, so it is a known value; `${VAR}` stays
unknown.
`x-` extension fields merged in with `<<: *anchor` are already resolved by the YAML parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scanner.adapters.common import (
    docker_security_options,
    host_mode,
    items,
    keyed,
    known_strings,
    mapping,
    pick,
    settled,
    settled_list,
    synthetic,
    templated,
)
from scanner.adapters.compose_vars import resolved
from scanner.model.container import ContainerSpec, EnvVar, HostMount, PublishedPort
from scanner.nodes import Location, Mapping, Node, Scalar, Unknown, dig, strings, text, truth

_HOST_PATH = re.compile(r"^(?:/|\./|\.\./|~|\.$|[A-Za-z]:[\\/])")
# containerd shims that run WebAssembly modules (WasmEdge, Wasmtime, Spin, ...), not Linux processes.
_WASM_RUNTIME = re.compile(r"io\.containerd\.(?:wasmedge|wasmtime|wasmer|spin|slight|wws|lunatic)\b", re.I)
_NOT_LINUX = "a WebAssembly module has no Linux user, capabilities or root filesystem to set"


def from_document(document: Node, defined: frozenset[str] = frozenset()) -> Iterator[ContainerSpec]:
    """`defined`: the variables the project's `.env` sets (their references stay unknown)."""
    services = mapping(dig(document, "services"))
    if services is None:
        return
    for name, service in services.items():
        if isinstance(service, Mapping):
            interpolated = resolved(service, defined)
            assert isinstance(interpolated, Mapping)
            yield from_service(name, interpolated, services.keys[name])


def from_service(name: str, service: Mapping, loc: Location) -> ContainerSpec:
    """`loc` is the service's key: a finding about a missing setting points at the service name."""
    item = ContainerSpec(dialect="compose", kind="regular", name=name, resource=f'service "{name}"',
                         workload="service", pod_resource=f'service "{name}"', loc=loc,
                         node=service, image=settled(service.get("image")),
                         builds_image="build" in service)
    item.user = settled(service.get("user"))
    item.privileged = settled(service.get("privileged"))
    item.read_only_root_fs = settled(service.get("read_only"))
    item.cap_add = known_strings(service.get("cap_add"))
    item.cap_drop_node = keyed(service, "cap_drop")
    item.cap_drop = known_strings(item.cap_drop_node)
    item.cap_drop_node = settled_list(item.cap_drop_node)
    item.host_pid = host_mode(service.get("pid"))
    item.host_ipc = host_mode(service.get("ipc"))
    item.host_network = host_mode(service.get("network_mode"))
    docker_security_options(item, service.get("security_opt"))
    item.host_mounts = list(_binds(service.get("volumes")))
    _resources(item, service)
    _healthcheck(item, service.get("healthcheck"))
    item.env = list(_env(service.get("environment")))
    item.command = known_strings(service.get("entrypoint")) + known_strings(service.get("command"))
    item.published_ports = list(_ports(service.get("ports")))
    item.log_driver = settled(dig(service, "logging", "driver"))
    item.build_args = list(_env(dig(service, "build", "args")))
    wasm = _wasm(service)
    if wasm is not None:
        _without_linux_settings(item, wasm)
    return item


def _wasm(service: Mapping) -> Node | None:
    """The key that makes the service a WebAssembly module (`platform: wasi/wasm`, a Wasm
    `runtime:`), or None."""
    platform, runtime = settled(service.get("platform")), settled(service.get("runtime"))
    if (text(platform) or "").lower().startswith(("wasi/", "wasm")):
        return platform
    return runtime if _WASM_RUNTIME.match(text(runtime) or "") else None


def _without_linux_settings(item: ContainerSpec, wasm: Node) -> None:
    """Settings that only a Linux process has, and that the service leaves unset, are not
    missing but do not apply: they become unknown at the key that says so, and no rule reports them."""
    for field in ("user", "allow_privilege_escalation", "cap_drop_node", "read_only_root_fs"):
        if getattr(item, field) is None:
            setattr(item, field, Unknown(text(wasm) or "wasm", wasm.loc, _NOT_LINUX))


def _port_range(value: str) -> tuple[int, int] | None:
    low, _, high = value.strip().partition("-")
    if not low.isdigit() or not (high or low).isdigit():
        return None
    return int(low), int(high or low)


def _ports(ports: Node | None) -> Iterator[PublishedPort]:
    """Published ports, short (`[IP:][HOST:]CONTAINER[/PROTO]`, `[::1]:80:80`) or long syntax. A
    short entry with only the container port is published on a random host port, still on every
    interface. Templated parts stay unknown, and are left out."""
    for entry in items(ports):
        if isinstance(entry, Mapping):
            host_ip, target = settled(entry.get("host_ip")), settled(entry.get("target"))
            published = text(settled(entry.get("published"))) or ""
            if isinstance(host_ip, Unknown) or text(target) is None:
                continue
            ip, container = text(host_ip) or "", text(target) or ""
        elif isinstance(entry, Scalar) and entry.value is not None and not templated(entry.value):
            spec = str(entry.value).rsplit("/", 1)[0].strip()
            ip = ""
            if spec.startswith("["):
                ip, _, spec = spec[1:].partition("]")
                spec = spec.lstrip(":")
            parts = spec.split(":")
            if len(parts) > 2:
                ip, parts = ":".join(parts[:-2]), parts[-2:]
            container, published = parts[-1], parts[0] if len(parts) == 2 else ""
        else:
            continue
        found = _port_range(container)
        if found is not None:
            yield PublishedPort(ip.strip("[]"), found, published, entry)


def _binds(volumes: Node | None) -> Iterator[HostMount]:
    for entry in items(volumes):
        if isinstance(entry, Scalar) and isinstance(entry.value, str):
            parts = entry.value.split(":")
            if len(parts) >= 2 and len(parts[0]) == 1 and parts[0].isalpha():  # C:\path on Windows
                parts = [parts[0] + ":" + parts[1], *parts[2:]]
            if len(parts) < 2 or not _HOST_PATH.match(parts[0]):
                continue
            source = settled(synthetic(parts[0], entry.loc)) or entry
            modes = parts[2].split(",") if len(parts) > 2 else []
            read_only = synthetic("ro" in modes, entry.loc) if modes else None
            yield HostMount(path=source, mount=entry, read_only=read_only, target=parts[1])
        elif isinstance(entry, Mapping) and text(entry.get("type")) == "bind":
            bound = entry.get("source")
            if bound is not None:
                yield HostMount(path=settled(bound) or bound, mount=entry,
                                read_only=settled(entry.get("read_only")),
                                target=text(entry.get("target")) or "")


def _resources(item: ContainerSpec, service: Mapping) -> None:
    resources = mapping(dig(service, "deploy", "resources"))
    item.memory_limit = settled(pick(dig(resources, "limits", "memory"), service.get("mem_limit")))
    item.cpu_limit = settled(pick(dig(resources, "limits", "cpus"), service.get("cpus"),
                                  service.get("cpu_quota")))
    item.memory_request = settled(pick(dig(resources, "reservations", "memory"),
                                       service.get("mem_reservation")))
    item.cpu_request = settled(dig(resources, "reservations", "cpus"))


def _healthcheck(item: ContainerSpec, healthcheck: Node | None) -> None:
    item.liveness = healthcheck
    disable = settled(dig(healthcheck, "disable"))
    test = dig(healthcheck, "test")
    first = strings(test)[:1]
    if truth(disable) is True:
        item.healthcheck_disabled = disable
    elif first and str(first[0].value).upper() == "NONE" and test is not None:
        item.healthcheck_disabled = synthetic(True, test.loc)


def _env(environment: Node | None) -> Iterator[EnvVar]:
    if isinstance(environment, Mapping):
        for name, written in environment.items():
            value = settled(written)
            known = isinstance(value, Scalar) and value.value is not None
            yield EnvVar(name, "literal" if known else "unknown", value if known else None,
                         environment.keys[name])
        return
    for entry in strings(environment):
        name, equals, assigned = str(entry.value).partition("=")
        node = settled(synthetic(assigned, entry.loc)) if equals else None
        yield EnvVar(name.strip(), "literal" if isinstance(node, Scalar) else "unknown", node, entry.loc)
