"""No regular expression in the scanner backtracks catastrophically on hostile input.

A pattern that is exponential (or badly polynomial) on some input turns one crafted file into a
hung CI job. `regex_probe.py` runs in a child process, finds every pattern the scanner's modules
use (new modules are picked up without being listed) and times each against near-miss inputs of
50k characters; this test fails on any pattern slower than a second, and on a pattern that never
returns, naming it either way.
"""

from __future__ import annotations

import ast
import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

PROBE = Path(__file__).with_name("regex_probe.py")
ROOT = PROBE.parent.parent
LIMIT = 1.0  # seconds for one pattern on one 50k-character input; linear patterns take milliseconds
QUIET = 20.0  # seconds without progress: the pattern in hand is stuck
# Patterns that are slow on some input the scanner never gives them, each with the reason.
REVIEWED = {
    r"([ugoa]*)([-+=])([rwxXst]*)": "dockerfile_perms: applied only to a mode `_SYMBOLIC` has validated",
    r"^\s*(FROM|RUN|USER|COPY|ADD|ENV|ARG|CMD|ENTRYPOINT|EXPOSE|WORKDIR)[ \t]": "rule_docs: the catalog's own examples",
    r'^\s*(resource|data|module|variable|provider)\s+"': "rule_docs: the catalog's own examples",
    r"([A-Za-z_][\w.-]{0,100})[\"']?[ \t]*(?::=|=>|[:=])[ \t]*[\"']?$":
        "secrets.scan.key_on_line: searched only in the 200 characters before a token",
}


def _run_probe() -> tuple[dict[str, object], list[dict[str, object]], dict[str, object] | None]:
    """The probe's header, each pattern's worst time, and the step it was stuck on (if any)."""
    child = subprocess.Popen([sys.executable, str(PROBE)], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    header: dict[str, object] = {}
    results: list[dict[str, object]] = []
    last: dict[str, object] | None = None
    try:
        while True:
            try:
                line = lines.get(timeout=QUIET)
            except queue.Empty:
                return header, results, last or {"start": "(collecting patterns)"}
            if line is None:
                break
            record = json.loads(line)
            if "patterns" in record:
                header = record
            elif "start" in record:
                last = record
            else:
                results.append(record)
                last = None
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
    assert child.returncode == 0, child.stderr.read() if child.stderr else child.returncode
    return header, results, None

# Patterns compiled from something other than a literal, so that no test can read them from the
# source; each is reviewed here, and a new one fails `test_every_compiled_pattern_is_probed`.
DYNAMIC = {
    "scanner.secrets.detectors:Detector.regex": "each detector row's `pattern`, probed as a registry field",
    "scanner.secrets.detectors:Detector.anchor_regex": "each detector row's `anchor`, probed as a registry field",
    "scanner.secrets.scan:combined": "the union of the anchors, probed through its cached builder",
    "scanner.parse.dockerfile:parse": "the escape character, escaped, then `[ \\t]*$`: linear",
    "scanner.secrets.scan:TextScan.provider": "a detector row's `requires`, probed as a registry field",
    "scanner.settings.load:_read_pyproject": "a known configuration key, escaped, between `^[ \\t]*` and `[ \\t]*=`",
    "scanner.secrets.exposure:Exposure._known": "the scan's secret values, escaped and joined by `|`: literal "
                                                "alternatives with no repeats, applied to one message at a time",
    "scanner.secrets.match:redact": "a detector row's `marker`, probed as a registry field",
    "scanner.image.model:matcher": "`fnmatch.translate` of the configured globs (it emits no nested repeats), "
                                   "applied to one image path at a time",
    "scanner.inputs.gitignore:_name_regex": "`fnmatch.translate` of one .gitignore pattern segment (no `/`, runs of `*` "
                                     "collapsed), applied to one file name of at most a few hundred characters",
}
RE_FUNCTIONS = frozenset({"compile", "search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split"})


def _compiled_in_source() -> tuple[set[str], set[str]]:
    """Every literal pattern passed to an `re` function anywhere in the package, and the places
    (`module:function`) that pass one computed at run time."""
    literal: set[str] = set()
    dynamic: set[str] = set()
    for path in sorted((ROOT / "scanner").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for scope in ast.walk(tree):
            body = scope.body if isinstance(scope, (ast.Module, ast.FunctionDef, ast.ClassDef)) else []
            for statement in body:
                for node in ast.walk(statement):
                    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                            and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
                            and node.func.attr in RE_FUNCTIONS and node.args):
                        continue
                    first = node.args[0]
                    if isinstance(first, ast.Constant) and isinstance(first.value, str):
                        literal.add(first.value)
                    elif isinstance(scope, ast.FunctionDef):
                        dynamic.add(f"{module}:{_qualified(tree, scope)}")
    return literal, dynamic


def _qualified(tree: ast.Module, function: ast.FunctionDef) -> str:
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and function in node.body:
            return f"{node.name}.{function.name}"
    return function.name


@pytest.fixture(scope="module")
def probe() -> tuple[dict[str, object], list[dict[str, object]], dict[str, object] | None]:
    return _run_probe()


def test_no_pattern_hangs(probe: tuple[dict[str, object], list[dict[str, object]], dict[str, object] | None]) -> None:
    _, _, stuck = probe
    assert stuck is None, f"pattern {stuck.get('start')} did not return within {QUIET:g} s on {stuck.get('input')}"


def test_every_pattern_is_linear_enough(
        probe: tuple[dict[str, object], list[dict[str, object]], dict[str, object] | None]) -> None:
    _, results, _ = probe
    slow = [f"{r['done']} ({r['pattern']!r}): {float(r['seconds']):.2f} s on {r['input']}"  # type: ignore[arg-type]
            for r in results if float(r["seconds"]) > LIMIT and r["pattern"] not in REVIEWED]  # type: ignore[arg-type]
    assert not slow, "\n".join(slow)


def test_the_probe_finds_the_patterns_it_should(
        probe: tuple[dict[str, object], list[dict[str, object]], dict[str, object] | None]) -> None:
    """Patterns in module globals, in class bodies and inline in function calls are all found."""
    header, results, _ = probe
    where = set(header["where"])  # type: ignore[call-overload]
    assert "scanner.inputs.discover._DOCKERFILE_NAME" in where
    assert any(w.startswith("scanner.parse.yaml.") for w in where)
    assert any(w.startswith("scanner.") and ":" in w for w in where), "no inline re.* call found"
    assert any(w.startswith("scanner.secrets.") for w in where), "no secret detector pattern found"
    assert len(results) == header["patterns"]


def test_every_compiled_pattern_is_probed(
        probe: tuple[dict[str, object], list[dict[str, object]], dict[str, object] | None]) -> None:
    """Every literal pattern in the package's source is one the probe timed, wherever it is
    compiled (a module global, a class body, a function); patterns built at run time are reviewed
    in DYNAMIC. So a new quadratic pattern can't hide where the probe does not look."""
    header, _, _ = probe
    literal, dynamic = _compiled_in_source()
    probed = set(header["texts"])  # type: ignore[call-overload]
    assert literal, "no pattern found in the source"
    assert not sorted(literal - probed), f"patterns the probe never timed: {sorted(literal - probed)}"
    assert dynamic <= set(DYNAMIC), f"patterns built at run time, not reviewed: {sorted(dynamic - set(DYNAMIC))}"
