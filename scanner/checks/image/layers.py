"""Checks on saved images: secrets and sensitive files in any layer, secrets and runtime defaults
in the image config.

A file deleted or replaced by a later layer is still in the image (anyone who pulls it can read
the older layer), so these checks look at every layer and say when a file is no longer visible.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace

from scanner.catalog.rules import RuleContext
from scanner.image.detect import find_secrets
from scanner.image.model import ImageFile, ImageModel, matcher, texts
from scanner.nodes import Location, Mapping, Node, Scalar, dig, known
from scanner.nodes import Sequence as NodeSequence
from scanner.results.findings import Hit, fingerprint

STATE = {
    "present": "",
    "deleted": " (deleted in a later layer but still in the image)",
    "replaced": " (replaced in a later layer but still in the image)",
}
_BUILD_ARGS = re.compile(r"^(?:RUN\s+)?\|(\d+)\s+(.*)$", re.DOTALL)


def _file_hit(model: ImageModel, file: ImageFile, loc: Location, key: str, **args: str) -> Hit:
    return Hit(loc=loc, resource=model.layer_resource(file), key=key,
               args={"file": "/" + file.path, "state": STATE[file.fate], **args})


def _allowed(model: ImageModel, ctx: RuleContext, hit: Hit, digest: str) -> bool:
    """The secret allow-list names secrets by digest, or findings by fingerprint."""
    return bool(model.allow_fingerprints) and (
        digest in model.allow_fingerprints
        or fingerprint(ctx.rule.id, hit.loc.path, hit.resource, hit.key) in model.allow_fingerprints)


def secrets_in_layers(models: Sequence[ImageModel], ctx: RuleContext) -> Iterator[Hit]:
    skip = tuple(ctx.option("skip_paths") or ())
    third_party = matcher(tuple(ctx.option("generic_skip_paths") or ()))
    for model in models:
        files = [file for file in model.files if not model.allows(file)]
        for file, text in texts(model, files, skip):
            library = third_party(file.path)
            for match in find_secrets(text, file.path):
                if match.generic and library:
                    continue
                loc = Location(model.file_path(file), match.line, match.column, match.line,
                               match.end_column)
                hit = _file_hit(model, file, loc, match.key, what=match.kind, secret=match.redacted)
                if not _allowed(model, ctx, hit, match.digest):
                    yield hit


# (how the file is recognised, what it is, and a pattern its content must match to count, if any).
_HISTORY = (".bash_history", ".zsh_history", ".sh_history", ".ash_history", ".history",
            ".python_history", ".mysql_history", ".psql_history", ".node_repl_history")
_SENSITIVE: tuple[tuple[re.Pattern[str], str, re.Pattern[str] | None], ...] = (
    (re.compile(r"(?:^|/)id_(?:rsa|dsa|ecdsa|ed25519)$"), "SSH private key", None),
    (re.compile(r"(?:^|/)\.env(?:\.(?!example$|sample$|template$|dist$|defaults?$)[\w.-]+)?$"),
     "dotenv file", None),
    (re.compile(r"(?:^|/)\.aws/credentials$"), "AWS credentials file", None),
    (re.compile(r"(?:^|/)\.docker/config\.json$"), "Docker registry credentials",
     re.compile(r'"auth"\s*:\s*"[^"]+"')),
    (re.compile(r"(?:^|/)\.npmrc$"), "npm token file",
     re.compile(r"(?:_authToken|_auth|_password)\s*=\s*(?![\"']?\$\{)\S")),
    (re.compile(r"(?:^|/)\.pypirc$"), "PyPI credentials file",
     re.compile(r"^[ \t]*password[ \t]*[=:][ \t]*(?!\$\{)\S", re.MULTILINE)),
    (re.compile(r"(?:^|/)\.netrc$"), "netrc credentials file", re.compile(r"\bpassword\s+\S")),
    (re.compile(r"(?:^|/)\.git-credentials$"), "Git credentials file", None),
    (re.compile("(?:^|/)(?:" + "|".join(re.escape(name) for name in _HISTORY) + ")$"),
     "shell history", None),
)


def _sensitive_kind(file: ImageFile) -> tuple[str, re.Pattern[str] | None] | None:
    if file.type not in ("file", "hardlink") or (file.type == "file" and file.size == 0):
        return None
    for pattern, what, content in _SENSITIVE:
        if pattern.search(file.path):
            return what, content
    return None


def _git_dirs(model: ImageModel) -> Iterator[ImageFile]:
    """One entry per `.git` directory: its own entry, or the first file inside it, lowest layer first."""
    seen: set[str] = set()
    for file in model.files:
        parts = file.path.split("/")
        if ".git" not in parts or (file.type == "dir" and file.fate == "replaced"):
            continue
        root = "/".join(parts[: parts.index(".git") + 1])
        if root not in seen:
            seen.add(root)
            yield replace(file, path=root, type="dir")


def sensitive_files(models: Sequence[ImageModel], ctx: RuleContext) -> Iterator[Hit]:
    for model in models:
        to_read: dict[tuple[int, int], tuple[str, re.Pattern[str]]] = {}
        for file in model.files:
            kind = _sensitive_kind(file)
            if kind is None:
                continue
            what, content = kind
            if content is None or file.type == "hardlink":
                yield _hit_file(model, file, what)
            else:
                to_read[(file.layer, file.ordinal)] = (what, content)
        for git in _git_dirs(model):
            yield _hit_file(model, git, "Git repository metadata (.git)")
        readable = [f for f in model.files if (f.layer, f.ordinal) in to_read]
        for file, text in texts(model, readable):
            what, content = to_read[(file.layer, file.ordinal)]
            if content.search(text):
                yield _hit_file(model, file, what)


def _hit_file(model: ImageModel, file: ImageFile, what: str) -> Hit:
    return _file_hit(model, file, Location(model.file_path(file), 1), what, what=what)


def _config_texts(config: Node) -> Iterator[tuple[Node, str, str]]:
    """(node, text to scan, where it is) for Env entries, labels and history steps."""
    settings = dig(config, "config")
    env = dig(settings, "Env")
    for item in env.items if isinstance(env, NodeSequence) else ():
        value = known(item)
        if isinstance(value, str):
            yield item, value, f"Env {value.partition('=')[0]}"
    labels = dig(settings, "Labels")
    for key, node in labels.items() if isinstance(labels, Mapping) else ():
        if isinstance(known(node), str):
            yield node, f"{key}={known(node)}", f"label {key}"
    history = dig(config, "history")
    for step, entry in enumerate(history.items if isinstance(history, NodeSequence) else ()):
        created_by = dig(entry, "created_by")
        command = known(created_by)
        if not isinstance(created_by, Scalar) or not isinstance(command, str):
            continue
        arguments = _BUILD_ARGS.match(command)
        if arguments:
            count, rest = int(arguments.group(1)), arguments.group(2).split(" ")
            for assignment in rest[:count]:
                yield created_by, assignment, f"history step {step} (build argument {assignment.partition('=')[0]})"
        yield created_by, command, f"history step {step}"


def secrets_in_config(models: Sequence[ImageModel], ctx: RuleContext) -> Iterator[Hit]:
    for model in models:
        for node, text, where in _config_texts(model.config):
            for match in find_secrets(text, "config"):
                hit = Hit(loc=node.loc, resource=f'image "{model.name}" config', key=match.key,
                          args={"what": match.kind, "secret": match.redacted, "where": where})
                if not _allowed(model, ctx, hit, match.digest):
                    yield hit


def _config_hit(model: ImageModel, node: Node, key: str, **args: str) -> Hit:
    return Hit(loc=node.loc, resource=f'image "{model.name}" config', key=key, args=args)


def runs_as_root(models: Sequence[ImageModel], ctx: RuleContext) -> Iterator[Hit]:
    for model in models:
        settings = dig(model.config, "config")
        user = dig(settings, "User")
        value = known(user)
        if user is None or value is None or str(value).strip() == "":
            yield _config_hit(model, settings or model.config, "config.User", user="no User")
        elif str(value).strip().partition(":")[0] in ("root", "0"):
            yield _config_hit(model, user, "config.User", user=f"User `{value}`")


def no_healthcheck(models: Sequence[ImageModel], ctx: RuleContext) -> Iterator[Hit]:
    for model in models:
        settings = dig(model.config, "config")
        check = dig(settings, "Healthcheck")
        test = dig(check, "Test")
        if check is None:
            yield _config_hit(model, settings or model.config, "config.Healthcheck", state="no Healthcheck")
        elif known(dig(test, 0)) == "NONE":
            yield _config_hit(model, test or check, "config.Healthcheck",
                              state="its Healthcheck turned off (NONE)")
