"""Secrets written into a Dockerfile or copied into an image. Values are never echoed back.

Whether a name looks secret is decided as everywhere else in hullscan (`scanner.secrets.assign`:
its last word is PASSWORD, SECRET, TOKEN, API KEY ...; `*_FILE`, `*_URL` are not); values that
are empty, boolean, paths or built from variables are left alone.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.checks.dockerfile.common import every, key
from scanner.checks.dockerfile.fetch import sources
from scanner.model.dockerfile import DockerfileModel
from scanner.model.dockerfile_vars import Assignment, parse_assignments
from scanner.parse.dockerfile import Instruction
from scanner.results.findings import Hit
from scanner.secrets.assign import secret_name

HARMLESS_VALUES = frozenset({"", "true", "false", "yes", "no", "on", "off", "0", "1", "none", "null"})
# A bounded scheme: unbounded, every word start in a long `a-a-a-...` run scanned to its end.
_URL_CREDENTIALS = re.compile(r"\b[a-z][a-z0-9+.-]{0,31}://([^/\s:@'\"]+):([^/\s@'\"]+)@[\w.-]", re.IGNORECASE)
CREDENTIAL_FILES = ("id_rsa", "id_rsa.*", "id_dsa*", "id_ecdsa*", "id_ed25519*", "*.key", "*.p12",
                    "*.pfx", "*.jks", "*.keystore", ".env", ".env.*", "*.env", ".npmrc", ".pypirc",
                    ".netrc", ".git-credentials", ".dockercfg", "*private*.pem", "*key*.pem",
                    ".htpasswd", "credentials.json", "service-account*.json")
CREDENTIAL_DIRS = (".aws", ".ssh", ".git", ".gnupg", ".docker", ".kube")
NOT_SECRET_FILES = re.compile(r"(?:\.pub|\.example|\.sample|\.template|\.dist|\.tpl)$", re.IGNORECASE)


def _literal(value: str | None) -> bool:
    """A value written out in the file: not empty, boolean, a variable or a path to a secret file."""
    return (value is not None and "$" not in value and not value.startswith("/")
            and value.strip().lower() not in HARMLESS_VALUES)


def _assignments(instruction: Instruction) -> list[Assignment]:
    return parse_assignments(instruction.args, legacy=instruction.keyword in ("ENV", "LABEL"))


def secret_literal(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for stage, instruction in _with_globals(model, "ENV", "ARG", "LABEL"):
        for item in _assignments(instruction):
            if secret_name(item.name) and _literal(item.value):
                start = instruction.args_start + item.start
                yield Hit(instruction.locate(start, instruction.args_start + item.end), stage,
                          key(instruction, item.name), {"keyword": instruction.keyword, "name": item.name})


def _with_globals(model: DockerfileModel, *keywords: str) -> Iterator[tuple[str, Instruction]]:
    for info in model.files:
        for instruction in info.tree.instructions:
            if instruction.keyword == "FROM":
                break
            if instruction.keyword in keywords:
                yield ("Dockerfile" if len(info.stages) <= 1 else "global ARG"), instruction
    for stage, instruction in every(model, *keywords):
        yield stage.label, instruction


def url_credentials(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for info in model.files:
        labels = {id(i): s.label for s in info.stages for i in s.instructions}
        for instruction in info.tree.instructions:
            for match in _URL_CREDENTIALS.finditer(instruction.text):
                user, password = match.group(1), match.group(2)
                if "$" in user + password or password.startswith(("<", "{", "%", "*")):
                    continue
                resource = labels.get(id(instruction), "Dockerfile" if len(info.stages) <= 1 else "global ARG")
                yield Hit(instruction.locate(match.start(2), match.end(2)), resource,
                          key(instruction, f"url:{user}"), {"keyword": instruction.keyword})


def credential_file(source: str) -> str | None:
    """The part of a COPY/ADD source that names a key or credential file, if any."""
    parts = [p for p in source.replace("\\", "/").split("/") if p not in ("", ".")]
    for part in parts[:-1]:
        if part in CREDENTIAL_DIRS:
            return part + "/"
    if not parts or NOT_SECRET_FILES.search(parts[-1]):
        return None
    name = parts[-1]
    if name in CREDENTIAL_DIRS:
        return name
    if any(fnmatch.fnmatchcase(name.lower(), pattern) for pattern in CREDENTIAL_FILES):
        return name
    if name == "config.json" and len(parts) > 1 and parts[-2] == ".docker":
        return ".docker/config.json"
    return None


def copied_credentials(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for stage, instruction in every(model, "COPY", "ADD"):
        for value, start, end in sources(instruction):
            found = credential_file(value)
            if found is not None and "://" not in value:
                yield Hit(instruction.locate(start, end), stage.label, key(instruction, value),
                          {"file": found, "keyword": instruction.keyword})


def secret_build_arg(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    """`ARG NPM_TOKEN` fed by `--build-arg`: the value is kept in the image history and cache.
    Only a stage's `ARG` lets the value reach a RUN, so global declarations are not reported."""
    for stage, instruction in every(model, "ARG"):
        resource = stage.label
        for item in _assignments(instruction):
            if secret_name(item.name) and (item.value is None or item.value == "" or "$" in item.value):
                start = instruction.args_start + item.start
                yield Hit(instruction.locate(start, start + len(item.name)), resource,
                          key(instruction, item.name), {"name": item.name})

