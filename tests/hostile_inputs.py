"""Hostile inputs for the robustness tests, and a guard that turns a hang into a failure.

Each case is small enough to parse in well under a second when the code is linear, and large
enough to expose recursion, quadratic loops and unbounded expansion: 10k nesting levels, 1 MB
lines and scalars, alias bombs, continuations and heredocs that never end.
"""

from __future__ import annotations

import faulthandler
import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from scanner.parse.parsers import PARSERS

ROOT = Path(__file__).resolve().parent.parent
DEEP = 10_000
MEGABYTE = 1_000_000
K8S_HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  key: "

# Which parser kinds read which syntax, and the file name each is scanned under.
SYNTAX_KINDS = {
    "yaml": ("kubernetes", "compose", "cloudformation"),
    "json": ("kubernetes", "compose", "cloudformation", "terraform", "arm"),
    "dockerfile": ("dockerfile",),
    "hcl": ("terraform",),
}
FILE_NAMES = {
    "kubernetes": "deploy.yaml", "compose": "compose.yaml", "cloudformation": "template.yaml",
    "dockerfile": "Dockerfile", "terraform": "main.tf", "arm": "azuredeploy.json",
}


def available_kinds() -> list[str]:
    """Parser kinds whose module exists: a parser is tested as soon as it lands."""
    return sorted(kind for kind, target in PARSERS.items()
                  if importlib.util.find_spec(target.partition(":")[0]) is not None)


def file_name(kind: str, syntax: str) -> str:
    """Terraform's parser reads `.tf.json` as JSON and anything else as HCL."""
    return "main.tf.json" if kind == "terraform" and syntax == "json" else FILE_NAMES[kind]


# Fragments that, joined at random, come close to each syntax and so reach deeper than random text.
TOKENS = {
    "yaml": ["apiVersion: v1\n", "kind: Pod\n", "metadata:\n", "  name: x\n", "spec:\n", "- ", ": ", "\n",
             "  ", "    ", "&a ", "*a", "<<: *a\n", "!Ref ", "!GetAtt a.b", "!Sub ", "!!binary ", "!!str ",
             "{", "}", "[", "]", ",", "'", '"', "#", "---\n", "...\n", "? ", "|\n", ">-\n", "\t", "%YAML 1.2\n",
             "%TAG ! tag:x,2000:\n", "0x1F", "1e3", "~", "null", "yes", "=", "\\", "\\u00", "\ufeff", "\r\n",
             "privileged: true\n", "image: nginx:latest\n", "services:\n", "Resources:\n", "Type: AWS::S3::Bucket\n"],
    "dockerfile": ["FROM ", "alpine", " AS b", "RUN ", "CMD ", "ENTRYPOINT ", "COPY ", "ADD ", "USER ", "ENV ",
                   "ARG ", "ONBUILD ", "HEALTHCHECK ", "SHELL ", "EXPOSE ", "\\\n", "`\n", "<<EOF", "<<-'EOF'",
                   "EOF\n", "\tEOF\n", "# escape=`\n", "# syntax=docker/dockerfile:1\n", '["', '", "', '"]', "[",
                   "]", "--mount=type=secret,id=x ", "--chown=1:1 ", "--from=b ", "${A:-b}", "$A", "=", " ",
                   "\n", "\t", "\r\n", "#", "curl http://x | sh", "&&", "sudo ", "root"],
    "hcl": ['resource "aws_s3_bucket" "b" ', 'variable "v" ', "locals ", "module \"m\" ", "{", "}", "[", "]",
            "(", ")", " = ", "\n", "<<EOT\n", "<<-EOT\n", "EOT\n", '"', "${", "%{ if x }", "%{ endif }", "}",
            "var.v", "local.x", "for k, v in ", " : ", " => ", " ? ", ",", "#", "//", "/*", "*/", "1.5e3",
            "true", "null", "...", "[*]", ".id", "aws_iam_policy_document", "count", "dynamic \"d\" ",
            "content ", "jsonencode(", "\\", "\t", "\r\n"],
    "json": ["{", "}", "[", "]", ",", ":", '"', '"a"', '"resource"', '"AWSTemplateFormatVersion"', '"kind"',
             '"Pod"', "1", "-1.5e10", "true", "null", "\\u0000", "\\", " ", "\n", "\t"],
}


def tokens_for(kind: str) -> list[str]:
    if kind == "dockerfile":
        return TOKENS["dockerfile"]
    return TOKENS["hcl"] + TOKENS["json"] if kind == "terraform" else TOKENS["yaml"] + TOKENS["json"]


@contextmanager
def bounded(seconds: float) -> Iterator[None]:
    """Fail when the block uses more than `seconds` of CPU time (this process and the workers it
    waited for), so a loaded machine never fails it; if it never returns at all, dump every
    thread's stack and end the run, so a hang is a loud failure in CI instead of a stuck job."""
    faulthandler.dump_traceback_later(max(seconds * 8, 120), exit=True, file=sys.stderr)
    start = _cpu()
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
    elapsed = _cpu() - start
    assert elapsed < seconds, f"used {elapsed:.1f} s of CPU (limit {seconds} s): a runaway input"


def _cpu() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


@dataclass(frozen=True)
class Case:
    name: str
    syntax: str
    make: Callable[[float], str]  # scale -> text: 1.0 for a parser alone, less for a whole scan


def _n(scale: float, full: int) -> int:
    return max(int(full * scale), 1)


def _alias_bomb(levels: int = 12, width: int = 10) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return K8S_HEAD.replace("data:\n  key: ", "") + "\n".join(lines) + "\n"


def _alias_chain(length: int) -> str:
    lines = ["x0: &x0 {k: v}"] + [f"x{i}: &x{i} {{<<: *x{i - 1}, k{i}: *x{i - 1}}}" for i in range(1, length)]
    return "\n".join(lines) + "\n"


CASES = [
    # YAML
    Case("yaml-flow-sequences", "yaml", lambda s: K8S_HEAD + "[" * _n(s, DEEP) + "]" * _n(s, DEEP)),
    Case("yaml-flow-mappings", "yaml", lambda s: K8S_HEAD + "{a: " * _n(s, DEEP) + "1" + "}" * _n(s, DEEP)),
    Case("yaml-block-sequences", "yaml", lambda s: "- " * _n(s, DEEP) + "x\n"),
    Case("yaml-unclosed-flow", "yaml", lambda s: K8S_HEAD + "[" * (_n(s, DEEP) * 10)),
    Case("yaml-long-line", "yaml", lambda s: K8S_HEAD + "x" * _n(s, MEGABYTE) + "\n"),
    Case("yaml-long-key", "yaml", lambda s: "k" * _n(s, MEGABYTE) + ": v\n"),
    Case("yaml-huge-literal", "yaml", lambda s: K8S_HEAD + "|\n" + ("    " + "y" * 99 + "\n") * _n(s, 10_000)),
    Case("yaml-huge-escapes", "yaml", lambda s: K8S_HEAD + '"' + "\\n\\u00e9" * _n(s, 100_000) + '"\n'),
    Case("yaml-unterminated-quote", "yaml", lambda s: K8S_HEAD + '"' + "z" * _n(s, MEGABYTE)),
    Case("yaml-alias-bomb", "yaml", lambda s: _alias_bomb()),
    Case("yaml-alias-chain", "yaml", lambda s: _alias_chain(_n(s, 5_000))),
    Case("yaml-many-documents", "yaml", lambda s: (K8S_HEAD + "v\n---\n") * _n(s, 5_000)),
    Case("yaml-many-anchors", "yaml", lambda s: "".join(f"k{i}: &a{i} v\n" for i in range(_n(s, 20_000)))),
    Case("yaml-cfn-tags-deep", "yaml", lambda s: "Resources: " + "!If [" * _n(s, 2_000) + "x" + "]" * _n(s, 2_000) + "\n"),
    Case("yaml-whitespace-run", "yaml", lambda s: K8S_HEAD + " " * _n(s, MEGABYTE) + "\n"),
    Case("yaml-tabs-and-colons", "yaml", lambda s: "a:\t" * _n(s, 100_000) + "\n"),
    # JSON
    Case("json-deep-objects", "json", lambda s: '{"a":' * _n(s, DEEP) + "1" + "}" * _n(s, DEEP)),
    Case("json-deep-arrays", "json", lambda s: "[" * _n(s, DEEP) + "]" * _n(s, DEEP)),
    Case("json-k8s-deep", "json", lambda s: '{"apiVersion": "v1", "kind": "Pod", "spec": '
         + '{"a":' * _n(s, DEEP) + "1" + "}" * _n(s, DEEP) + "}"),
    Case("json-long-string", "json", lambda s: '{"resource": "' + "s" * _n(s, MEGABYTE) + '"}'),
    Case("json-unbalanced", "json", lambda s: '{"resource": {"aws_s3_bucket": {"b": ' + "{" * _n(s, 1_000)),
    Case("json-many-keys", "json", lambda s: "{" + ",".join(f'"k{i}": {i}' for i in range(_n(s, 20_000))) + "}"),
    # Dockerfile
    Case("dockerfile-endless-continuation", "dockerfile", lambda s: "FROM alpine\nRUN a \\\n" + "b \\\n" * _n(s, 100_000)),
    Case("dockerfile-backtick-continuation", "dockerfile",
         lambda s: "# escape=`\nFROM alpine\nRUN a `\n" + "b `\n" * _n(s, 100_000)),
    Case("dockerfile-only-continuations", "dockerfile", lambda s: "\\\n" * _n(s, 100_000)),
    Case("dockerfile-unterminated-heredoc", "dockerfile", lambda s: "FROM alpine\nRUN <<EOF\n" + "echo x\n" * _n(s, 100_000)),
    Case("dockerfile-many-heredocs", "dockerfile",
         lambda s: "FROM alpine\nRUN " + " ".join(f"<<E{i}" for i in range(_n(s, 5_000))) + "\n"
         + "".join(f"x\nE{i}\n" for i in range(_n(s, 5_000)))),
    Case("dockerfile-long-line", "dockerfile", lambda s: "FROM alpine\nRUN " + "x" * _n(s, MEGABYTE) + "\n"),
    Case("dockerfile-deep-exec-form", "dockerfile", lambda s: "FROM alpine\nCMD " + "[" * _n(s, DEEP) + "]" * _n(s, DEEP) + "\n"),
    Case("dockerfile-unclosed-exec-form", "dockerfile", lambda s: "FROM alpine\nCMD " + '["a", ' * _n(s, 50_000) + "\n"),
    Case("dockerfile-many-flags", "dockerfile", lambda s: "FROM alpine\nRUN " + "--mount=type=cache " * _n(s, 50_000) + "x\n"),
    Case("dockerfile-onbuild-chain", "dockerfile", lambda s: "FROM alpine\n" + "ONBUILD " * _n(s, 10_000) + "RUN x\n"),
    Case("dockerfile-many-stages", "dockerfile", lambda s: "".join(f"FROM s{i - 1} AS s{i}\n" for i in range(1, _n(s, 10_000)))),
    Case("dockerfile-nested-variables", "dockerfile",
         lambda s: "FROM alpine\nARG A=" + "${B:-" * _n(s, 5_000) + "x" + "}" * _n(s, 5_000) + "\nRUN echo $A\n"),
    Case("dockerfile-directives", "dockerfile", lambda s: "# escape=\\\n" * _n(s, 10_000) + "FROM alpine\n"),
    # HCL
    Case("hcl-unbalanced-open", "hcl", lambda s: 'resource "a" "b" {\n' * _n(s, 2_000)),
    Case("hcl-unbalanced-close", "hcl", lambda s: "}\n" * _n(s, 10_000)),
    Case("hcl-deep-blocks", "hcl", lambda s: "b {\n" * _n(s, DEEP) + "}\n" * _n(s, DEEP)),
    Case("hcl-deep-lists", "hcl", lambda s: "a = " + "[" * _n(s, DEEP) + "]" * _n(s, DEEP) + "\n"),
    Case("hcl-deep-objects", "hcl", lambda s: "a = " + "{x = " * _n(s, DEEP) + "1" + "}" * _n(s, DEEP) + "\n"),
    Case("hcl-deep-parentheses", "hcl", lambda s: "a = " + "(" * _n(s, DEEP) + "1" + ")" * _n(s, DEEP) + "\n"),
    Case("hcl-deep-interpolation", "hcl", lambda s: 'a = "' + "${" * _n(s, 2_000) + "x" + "}" * _n(s, 2_000) + '"\n'),
    Case("hcl-unterminated-heredoc", "hcl", lambda s: "a = <<EOT\n" + "line\n" * _n(s, 50_000)),
    Case("hcl-unterminated-string", "hcl", lambda s: 'a = "' + "s" * _n(s, MEGABYTE)),
    Case("hcl-long-string", "hcl", lambda s: 'locals {\n  a = "' + "s" * _n(s, MEGABYTE) + '"\n}\n'),
    Case("hcl-long-operator-chain", "hcl", lambda s: "a = " + " + ".join(["1"] * _n(s, 20_000)) + "\n"),
    Case("hcl-many-blocks", "hcl", lambda s: "".join(f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "x"\n}}\n'
                                                    for i in range(_n(s, 2_000)))),
]


def cases_for(kind: str) -> list[Case]:
    return [case for case in CASES if kind in SYNTAX_KINDS[case.syntax]]


def fixture_files() -> list[Path]:
    """Real inputs to cut up: every fixture and example a parser reads."""
    found = []
    for base in (ROOT / "tests" / "fixtures", ROOT / "examples"):
        for path in sorted(base.rglob("*")):
            if path.is_file() and path.suffix.lower() in (".yaml", ".yml", ".json", ".jsonc", ".tf", ".dockerfile", "") \
                    and path.stat().st_size < 200_000:
                found.append(path)
    return found
