"""What the build and the image trust: TLS certificates, package signatures, passwords.

A build that turns certificate or signature checks off takes whatever a network attacker or a
compromised mirror serves and bakes it into the image, with nothing in the image to show it.
These rules judge every stage (what a builder fetches is compiled into what ships), and an
`ENV` also persists into the running container.

Facts each check rests on:
- `NODE_TLS_REJECT_UNAUTHORIZED=0` (Node.js), `PYTHONHTTPSVERIFY=0` (PEP 493), any value of
  `GIT_SSL_NO_VERIFY` (git tests only that it is set), `npm_config_strict_ssl` false (npm reads
  its `npm_config_*` variables in any case), `YARN_ENABLE_STRICT_SSL` false, a `PIP_TRUSTED_HOST`,
  a `GOINSECURE` pattern, and an empty `CURL_CA_BUNDLE` (requests before 2.28 took the empty
  value as "verify nothing"; an empty `REQUESTS_CA_BUNDLE` never did, so it is not reported).
- `curl -k`/`--insecure`, `wget --no-check-certificate`, `pip --trusted-host`, `npm|yarn|pnpm
  config set strict-ssl false`, `git -c http.sslVerify=false`, `conda config --set ssl_verify
  false`, and `sslverify=0` in yum/dnf options or repository files.
- `apk --allow-untrusted`, `apt-get --allow-unauthenticated|--force-yes|
  --allow-insecure-repositories`, `[trusted=yes]` APT sources, `--nogpgcheck` (yum, dnf, tdnf,
  microdnf), `zypper --no-gpg-checks`, `rpm --nosignature|--nodigest|--noverify|--nofiledigest`,
  and `gpgcheck=0`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.checks.dockerfile.common import every, key, word_hit
from scanner.model.dockerfile import DockerfileModel
from scanner.model.dockerfile_vars import parse_assignments
from scanner.parse.dockerfile import Instruction
from scanner.parse.shell import Command, Word, commands
from scanner.results.findings import Hit

FALSE = frozenset({"false", "0", "no", "off"})
_SSLVERIFY_OFF = re.compile(r"sslverify[ \t]*=[ \t]*(?:0|false|no|off)\b", re.IGNORECASE)
_GPGCHECK_OFF = re.compile(r"gpgcheck[ \t]*=[ \t]*(?:0|false|no|off)\b", re.IGNORECASE)
_APT_TRUSTED = re.compile(r"\[[^\]\n]*\b(?:trusted|allow-insecure)=yes\b[^\]\n]*\]", re.IGNORECASE)
_APT_OPTIONS = re.compile(r"^(?:APT::Get::AllowUnauthenticated|Acquire::AllowInsecureRepositories)=(?:1|true|yes)$",
                          re.IGNORECASE)
_CURL_SHORT_INSECURE = re.compile(r"^-[a-zA-Z]*k[a-zA-Z]*$")
PACKAGE_SIGNATURE_FLAGS = {
    "apk": frozenset({"--allow-untrusted"}),
    "apt-get": frozenset({"--allow-unauthenticated", "--force-yes", "--allow-insecure-repositories"}),
    "apt": frozenset({"--allow-unauthenticated", "--force-yes", "--allow-insecure-repositories"}),
    "yum": frozenset({"--nogpgcheck"}), "dnf": frozenset({"--nogpgcheck"}),
    "tdnf": frozenset({"--nogpgcheck"}), "microdnf": frozenset({"--nogpgcheck"}),
    "zypper": frozenset({"--no-gpg-checks"}),
    "rpm": frozenset({"--nosignature", "--nodigest", "--noverify", "--nofiledigest", "--nogpgcheck"}),
}


def _tls_variable_off(name: str, value: str | None) -> bool:
    """Whether `name=value` in the environment turns certificate verification off."""
    value = (value or "").strip().strip("'\"")
    lowered = name.lower()
    if name in ("NODE_TLS_REJECT_UNAUTHORIZED", "PYTHONHTTPSVERIFY"):
        return value == "0"
    if name == "GIT_SSL_NO_VERIFY":
        return True
    if lowered in ("npm_config_strict_ssl", "yarn_enable_strict_ssl"):
        return value.lower() in FALSE
    if name in ("PIP_TRUSTED_HOST", "GOINSECURE"):
        return bool(value)
    return name == "CURL_CA_BUNDLE" and not value


def _run_assignments(command: Command) -> Iterator[tuple[Word, str, str]]:
    """(word, name, value) of `NAME=value cmd` prefixes and `export NAME=value` in a command."""
    argv = command.argv
    prefix = command.words[: len(command.words) - len(argv)]
    exported = argv[1:] if command.name == "export" else []
    for word in (*prefix, *exported):
        name, equals, value = word.value.partition("=")
        if equals:
            yield word, name, value


def tls_off_in_environment(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    """Variables that turn verification off, wherever the build sets them: `ENV` (kept in the
    image, so the application runs with it), `ARG` and `NAME=value` in a `RUN` (the build)."""
    for stage, instruction in every(model, "ENV", "ARG"):
        for assignment in parse_assignments(instruction.args, legacy=instruction.keyword == "ENV"):
            if _tls_variable_off(assignment.name, assignment.value):
                start = instruction.args_start + assignment.start
                end = instruction.args_start + assignment.end
                yield Hit(instruction.locate(start, end), stage.label, key(instruction, assignment.name),
                          {"how": f"{instruction.keyword} {assignment.name}"})
    for stage, instruction in every(model, "RUN"):
        for command in commands(instruction):
            for word, name, value in _run_assignments(command):
                if _tls_variable_off(name, value):
                    yield word_hit(stage, instruction, word, name, how=f"{name} in a RUN")


def _pip(command: Command) -> bool:
    argv = [word.value for word in command.argv]
    return command.name.startswith("pip") or (command.name.startswith("python") and argv[1:3] == ["-m", "pip"])


def _tls_off_word(command: Command) -> Word | None:
    """The word of one command that turns certificate verification off, if any."""
    argv = command.argv
    values = [word.value for word in argv]
    name = command.name
    for index, word in enumerate(argv[1:], start=1):
        value = word.value
        lowered = value.lower()
        if name == "curl" and (value in ("--insecure", "--proxy-insecure") or _CURL_SHORT_INSECURE.match(value)):
            return word
        if name == "wget" and value == "--no-check-certificate":
            return word
        if _pip(command) and (value == "--trusted-host" or value.startswith("--trusted-host=")):
            return word
        if name in ("npm", "yarn", "pnpm") and (lowered in ("--strict-ssl=false", "strict-ssl=false") or (
                lowered in ("strict-ssl", "--strict-ssl", "enablestrictssl")
                and index + 1 < len(values) and values[index + 1].lower() in FALSE)):
            return word
        if name == "git" and re.fullmatch(r"http\.(?:[^=\s]+\.)?sslverify(?:=(?:false|0|no|off))?", lowered) and (
                "=" in lowered or (index + 1 < len(values) and values[index + 1].lower() in FALSE)):
            return word
        if name == "conda" and (value == "--insecure" or (
                lowered == "ssl_verify" and index + 1 < len(values) and values[index + 1].lower() in FALSE)):
            return word
        if name == "go" and value == "-insecure":
            return word
    return None


def tls_off_at_build(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for stage, instruction in every(model, "RUN"):
        found = [word for command in commands(instruction) if (word := _tls_off_word(command)) is not None]
        for word in found:
            yield word_hit(stage, instruction, word, f"tls:{word.value}", how=word.value)
        if not found:
            for match in _SSLVERIFY_OFF.finditer(instruction.text):
                yield Hit(instruction.locate(match.start(), match.end()), stage.label,
                          key(instruction, "sslverify"), {"how": match.group()})
                break


def _signature_off_word(command: Command) -> Word | None:
    flags = PACKAGE_SIGNATURE_FLAGS.get(command.name, frozenset())
    argv = command.argv
    for index, word in enumerate(argv[1:], start=1):
        if word.value in flags:
            return word
        if command.name in ("apt-get", "apt") and (
                _APT_OPTIONS.match(word.value.removeprefix("-o"))
                or (word.value == "-o" and index + 1 < len(argv) and _APT_OPTIONS.match(argv[index + 1].value))):
            return word
    return None


def _text_hit(instruction: Instruction, pattern: re.Pattern[str]) -> tuple[int, int, str] | None:
    match = pattern.search(instruction.text)
    return (match.start(), match.end(), match.group()) if match else None


def signature_checks_off(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for stage, instruction in every(model, "RUN"):
        found = [word for command in commands(instruction) if (word := _signature_off_word(command)) is not None]
        for word in found:
            yield word_hit(stage, instruction, word, f"signature:{word.value}", how=word.value)
        if found:
            continue
        for pattern, detail in ((_GPGCHECK_OFF, "gpgcheck"), (_APT_TRUSTED, "trusted")):
            place = _text_hit(instruction, pattern)
            if place is not None:
                start, end, written = place
                yield Hit(instruction.locate(start, end), stage.label, key(instruction, detail), {"how": written})
                break


PASSWORD_SETTERS = {"chpasswd": None, "passwd": "--stdin", "usermod": ("-p", "--password"),
                    "useradd": ("-p", "--password"), "adduser": ("--password",)}


def _password_word(command: Command) -> Word | None:
    name = command.name
    if name not in PASSWORD_SETTERS:
        return None
    wanted = PASSWORD_SETTERS[name]
    argv = command.argv
    if wanted is None:
        return argv[0]
    flags = (wanted,) if isinstance(wanted, str) else wanted
    return next((word for word in argv[1:] if word.value in flags or any(
        word.value.startswith(flag + "=") for flag in flags if flag.startswith("--"))), None)


def password_set_in_build(model: DockerfileModel, ctx: RuleContext) -> Iterator[Hit]:
    for stage, instruction in every(model, "RUN"):
        for command in commands(instruction):
            word = _password_word(command)
            if word is not None:
                yield word_hit(stage, instruction, word, f"password:{command.name}", command=command.name)
                break

