"""How the shipped image behaves when it runs: exposed SSH, health checks, the Docker daemon."""

from __future__ import annotations

import re
from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.checks.dockerfile.common import inherited, key, shipped
from scanner.model.dockerfile import DockerfileModel, Stage
from scanner.model.dockerfile_vars import words
from scanner.model.image_ref import parse
from scanner.results.findings import Hit, hit_at

SERVERS = re.compile(
    r"(?:^|/)(?:nginx|httpd|apache2(?:ctl)?|caddy|traefik|haproxy|envoy|gunicorn|uvicorn|daphne|"
    r"hypercorn|waitress-serve|puma|unicorn|php-fpm\d*|redis-server|postgres|mysqld|mongod|"
    r"catalina\.sh|java|node|nodemon|deno|bun|dotnet|npm|yarn|pnpm|flask|rails|php)$")
DAEMON_TCP = re.compile(r"(?:-H|--host)[\"',\s=]*(tcp://[^\s\"',\]]+)")
# One way to read each separator (`\s*[= ]\s*` had many for a run of spaces: quadratic).
_DOCKER_HOST_TCP = re.compile(r"\bDOCKER_HOST(?:\s*=\s*|\s+)[\"']?(tcp://[^\s\"']+)")


def ssh_port(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for stage, instruction in shipped(model, "EXPOSE"):
        for value, start, end in words(instruction.args):
            port = stage.expand(instruction, value)
            if port is not None and port.split("/")[0] == "22":
                offset = instruction.args_start
                yield Hit(instruction.locate(offset + start, offset + end), stage.label, key(instruction, "22"), {})


# Official images whose own command starts a server: an image built on one and keeping its
# command is a service, though its Dockerfile says nothing about listening.
SERVER_IMAGES = frozenset({"nginx", "httpd", "redis", "postgres", "mysql", "mariadb", "mongo", "registry",
                           "traefik", "haproxy", "caddy", "rabbitmq", "memcached", "elasticsearch",
                           "tomcat", "jetty", "nginx-unprivileged", "keycloak", "grafana", "minio"})


def _service_like(stage: Stage) -> bool:
    """An image that listens (EXPOSE), whose effective ENTRYPOINT, else CMD, starts a server, or
    that keeps the command of a server base image (`FROM nginx`, `FROM redis`)."""
    ancestry = stage.ancestry
    if any(True for s in ancestry for _ in s.of("EXPOSE")):
        return True
    for keyword in ("ENTRYPOINT", "CMD"):
        found = next((i for s in ancestry for i in reversed(list(s.of(keyword)))), None)
        if found is not None:
            argv = found.exec_form if found.exec_form is not None else found.args.split()
            return bool(argv) and SERVERS.search(argv[0]) is not None
    base = parse(ancestry[-1].image) if ancestry[-1].image else None
    return base is not None and base.repository.rsplit("/", 1)[-1] in SERVER_IMAGES


def missing_healthcheck(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for info in model.files:
        final = info.final
        if final is None or final.is_scratch and not final.instructions:
            continue
        if any(True for s in final.ancestry for _ in s.of("HEALTHCHECK")):
            continue
        if _service_like(final):
            yield hit_at(final.from_.loc, final.label, "healthcheck")


def healthcheck_none(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    """`HEALTHCHECK NONE` when it is the health check the final image ends up with."""
    for info in model.files:
        final = info.final
        ancestry = final.ancestry if final is not None else []
        found = next(((s, i) for s in ancestry for i in reversed(list(s.of("HEALTHCHECK")))), None)
        if found is not None and found[1].args.strip().upper() == "NONE":
            owner, instruction = found
            yield Hit(instruction.locate(instruction.args_start, instruction.args_end), owner.label,
                      key(instruction, "none"), {})


def daemon_tcp(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    tls = inherited(model, lambda s: any("DOCKER_TLS_VERIFY" in i.text for i in s.of("ENV")))
    for stage, instruction in shipped(model, "RUN", "CMD", "ENTRYPOINT", "ENV"):
        text = instruction.text
        if instruction.keyword == "ENV":
            matches = [] if id(stage) in tls else list(_DOCKER_HOST_TCP.finditer(text))
        else:
            matches = [m for m in DAEMON_TCP.finditer(text)
                       if "dockerd" in text and "--tlsverify" not in text]
            matches += [m for m in _DOCKER_HOST_TCP.finditer(text) if "DOCKER_TLS_VERIFY" not in text]
        for match in matches:
            if ":2376" in match.group(1):
                continue
            yield Hit(instruction.locate(match.start(1), match.end(1)), stage.label,
                      key(instruction, match.group(1)), {"endpoint": match.group(1)})
