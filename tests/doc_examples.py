"""A rule's documented examples as files: the first fenced block of a docs section, written into
an empty project under the name its language and the rule's file types call for, with synthetic
secrets where the docs show placeholders and the companion files its comments name, then scanned
through `scanner.app.run_scan` with only that rule selected (tests/test_rule_examples.py says why).
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scanner.app import ScanOptions, run_scan
from scanner.catalog.rule_docs import example_language
from scanner.catalog.rules import Rule

FENCE = re.compile(r"^[ \t]*(`{3,})([\w-]*)[ \t]*\n(.*?)^[ \t]*\1[ \t]*$", re.MULTILINE | re.DOTALL)

# A block whose rule needs configuration or a file beside it says so in comments, as a reader
# would write it: `# .hullscan.yaml: {trusted-registries: [registry.example.com]}` in the first
# line, or `# .dockerignore next to this file:` followed by its lines, each after `#   `.
CONFIG_COMMENT = re.compile(r"#\s*(\.hullscan\.yaml):\s*(.+)\n")
COMPANION = re.compile(r"^#\s*(\S+) next to this file:\n((?:#   .*\n)+)", re.MULTILINE)

ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"


def _chars(rng: random.Random, alphabet: str, count: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(count))


def _password(rng: random.Random) -> str:
    return "Qz" + _chars(rng, ALNUM, 10) + "7#x"


def _pem_body(rng: random.Random) -> list[str]:
    body = _chars(rng, B64, 640)
    return [body[i:i + 64] for i in range(0, len(body), 64)]


def _jwt(rng: random.Random) -> str:
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    payload = base64.urlsafe_b64encode(b'{"sub":"' + _chars(rng, ALNUM, 12).encode() + b'"}').decode().rstrip("=")
    return f"{header}.{payload}.{_chars(rng, ALNUM, 43)}"


# Each placeholder the docs use, and how to make a synthetic value of its shape. A placeholder in
# a block's own line (a PEM body) gets that line's indentation on every line it becomes.
PLACEHOLDERS: dict[str, Callable[[random.Random], str]] = {
    "<AKIA...access-key-id>": lambda rng: "AKIA" + _chars(rng, string.ascii_uppercase + "234567", 16),
    "<secret-access-key>": lambda rng: _chars(rng, string.ascii_lowercase, 10) + _chars(rng, B64, 30),
    "<88 characters>": lambda rng: _chars(rng, B64, 86) + "==",
    "T.../B.../<24 characters>": lambda rng: (f"T{_chars(rng, string.ascii_uppercase, 8)}/"
                                              f"B{_chars(rng, string.ascii_uppercase, 8)}/{_chars(rng, ALNUM, 24)}"),
    "<ghp_...github-token>": lambda rng: "ghp_" + _chars(rng, ALNUM, 36),
    "<glpat-...gitlab-token>": lambda rng: "glpat-" + _chars(rng, ALNUM, 20),
    "<gitlab-token>": lambda rng: "glpat-" + _chars(rng, ALNUM, 20),
    "<sk_live_...stripe-key>": lambda rng: "sk_live_" + _chars(rng, ALNUM, 32),
    "<SK...twilio-key>": lambda rng: "SK" + _chars(rng, "0123456789abcdef", 32),
    "<SG....sendgrid-key>": lambda rng: f"SG.{_chars(rng, ALNUM, 22)}.{_chars(rng, ALNUM, 43)}",
    "<36 characters>": lambda rng: _chars(rng, ALNUM, 36),
    "<pypi-AgE...pypi-token>": lambda rng: "pypi-AgEIcHlwaS5vcmc" + _chars(rng, ALNUM, 70),
    "<base64 of user:password>": lambda rng: base64.b64encode(f"ci:{_password(rng)}".encode()).decode(),
    "<base64-of-the-password>": lambda rng: base64.b64encode(_password(rng).encode()).decode(),
    "\\n...\\n": lambda rng: "\\n" + "\\n".join(_pem_body(rng)) + "\\n",
    "MIIEow...": lambda rng: "\n".join(_pem_body(rng)),
    "eyJhbGciOi...<header>.<payload>.<signature>": _jwt,
    "<password>": _password,
    "<the real password>": _password,
    "<the-database-password>": _password,
    "<the-npm-token>": lambda rng: "npm_" + _chars(rng, ALNUM, 36),
}


def first_block(text: str) -> tuple[str, str]:
    """The first fenced block of a docs section and its fence language; the whole text, without
    a language, when the section is one literal block."""
    match = FENCE.search(text)
    if match is None:
        return text.strip("\n") + "\n", ""
    lines = match.group(3).splitlines()
    indent = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    return "\n".join(line[indent:] for line in lines) + "\n", match.group(2)


def with_synthetic_secrets(block: str, seed: str) -> str:
    rng = random.Random(seed)
    for placeholder, make in PLACEHOLDERS.items():
        while placeholder in block:
            start = block.index(placeholder)
            indent = start - (block.rfind("\n", 0, start) + 1)
            value = make(rng).replace("\n", "\n" + " " * indent)
            block = block[:start] + value + block[start + len(placeholder):]
    return block


def companion_files(block: str) -> dict[str, str]:
    """The files a block's comments say lie beside it, by name."""
    files = {match.group(1): match.group(2).replace("#   ", "") for match in COMPANION.finditer(block)}
    config = CONFIG_COMMENT.match(block)
    if config:
        files[config.group(1)] = config.group(2) + "\n"
    return files


def _top_level_key(block: str, key: str) -> bool:
    return re.search(rf"^{key}:", block, re.MULTILINE) is not None


def file_name(rule: Rule, block: str, language: str) -> str:
    """Where a project would keep this block: the name hullscan recognises for its file type."""
    language = language or example_language(block, rule.kinds if "text" not in rule.kinds else ())
    if language == "dockerfile":
        return "Dockerfile"
    if language == "hcl":
        return "main.tf"
    if language == "json":
        if '"Resources"' in block or '"AWSTemplateFormatVersion"' in block:
            return "template.json"
        return "main.tf.json" if '"resource"' in block else "config.json"
    if _top_level_key(block, "services"):
        return "compose.yaml"
    if _top_level_key(block, "Resources") or _top_level_key(block, "AWSTemplateFormatVersion"):
        return "template.yaml"
    if "text" in rule.kinds and not _top_level_key(block, "apiVersion"):
        return _text_file_name(block)
    return "deploy.yaml"


def _text_file_name(block: str) -> str:
    """Secrets are read from any text file; the block goes where such lines are usually kept."""
    code = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    if all(re.fullmatch(r"[A-Z][A-Z0-9_]*=.*", line) for line in code):
        return ".env"
    if code[0].startswith("//"):
        return ".npmrc"
    if code[0] == "[pypi]":
        return ".pypirc"
    return "settings.ini" if code[0].startswith("[") else "settings.yaml"


def scan_block(rule: Rule, section: str, tmp_path: Path) -> dict[str, Any]:
    """The JSON report of `hullscan scan --select <rule>` over a project holding only the block."""
    block, language = first_block(rule.docs[section])
    project = tmp_path / section
    project.mkdir()
    for name, text in companion_files(block).items():
        (project / name).write_text(text, encoding="utf-8")
    (project / file_name(rule, block, language)).write_text(
        with_synthetic_secrets(block, f"{rule.id}/{section}"), encoding="utf-8")
    report = tmp_path / f"{section}.json"
    # A suppression is judged only for rules that ran (HUL003), so those it names run too.
    named = re.findall(r"hullscan:ignore ([A-Z]+[0-9]+)", block) if rule.model == "suppressions" else []
    options = ScanOptions(paths=(str(project),), root=project, select=(rule.id, *named), fail_on="never",
                          targets=(("json", str(report)),), no_cache=True, jobs=1)
    assert run_scan(options) in (0, 1)  # 1: the block did not parse, which the report says
    return json.loads(report.read_text(encoding="utf-8"))
