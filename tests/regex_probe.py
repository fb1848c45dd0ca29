"""Find every regular expression the scanner uses and time each against adversarial input.

Run as a child process by `test_regex_safety.py`: a pattern with catastrophic backtracking never
returns and cannot be interrupted from inside the process, so the parent watches the progress
lines printed here and names the pattern that went quiet.

Patterns are found three ways, so new modules are covered without being listed anywhere:
compiled patterns anywhere in a module's globals (inside tuples, dicts, dataclass rows and class
attributes too, and what a module's zero-argument cached builders return), regex-valued
fields of registry rows (`pattern`, `anchor`, `requires`, `marker` and their
compiled `cached_property` forms), and string literals passed to `re.*` calls in the source.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib
import inspect
import json
import pkgutil
import re
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZE = 50_000
CUTOFF = 3.0  # CPU seconds: a run this long is reported as slow and abandoned (SIGPROF interrupts re)
RE_CALLS = frozenset({"compile", "search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split"})
REGEX_FIELDS = re.compile(r"(?:^|_)(?:pattern|regex|re|anchor|requires|marker)$")


def modules() -> Iterator[Any]:
    import scanner

    yield scanner
    for info in pkgutil.walk_packages(scanner.__path__, "scanner."):
        if not info.name.endswith("__main__"):
            yield importlib.import_module(info.name)


Found = tuple[str, re.Pattern[Any]]


def _walk(value: Any, where: str, depth: int, seen: set[int]) -> Iterator[Found]:
    if id(value) in seen or depth > 4:
        return
    seen.add(id(value))
    if isinstance(value, re.Pattern):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{where}[{key!r}]", depth + 1, seen)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for index, item in enumerate(value):
            yield from _walk(item, f"{where}[{index}]", depth + 1, seen)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield from _row(value, where, depth, seen)
    elif isinstance(value, type) and value.__module__.startswith("scanner"):
        for name, item in vars(value).items():
            if not name.startswith("__"):
                yield from _walk(item, f"{where}.{name}", depth + 1, seen)


def _row(row: Any, where: str, depth: int, seen: set[int]) -> Iterator[Found]:
    """A registry row (a detector, a rule table entry): its regex fields, compiled or not."""
    for item in dataclasses.fields(row):
        value = getattr(row, item.name)
        if isinstance(value, str) and value and REGEX_FIELDS.search(item.name):
            yield f"{where}.{item.name}", re.compile(value)
        else:
            yield from _walk(value, f"{where}.{item.name}", depth + 1, seen)
    for name, attribute in vars(type(row)).items():
        if isinstance(attribute, functools.cached_property):
            value = getattr(row, name)
            if isinstance(value, re.Pattern):
                yield f"{where}.{name}", value


def _literal_calls(module: Any) -> Iterator[tuple[str, re.Pattern[Any], str]]:
    """`re.search(r"...", text, re.I)` inside a function: compiled on use, so not in any global."""
    source = getattr(module, "__file__", None)
    if not source:
        return
    tree = ast.parse(Path(source).read_text(encoding="utf-8"))
    # Module-level `NAME = re.compile(...)` is a global, timed the way the module applies it.
    assigned = {id(node.value) for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))}
    for node in ast.walk(tree):
        if id(node) in assigned or not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
                and node.func.attr in RE_CALLS and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            continue
        flags = next((kw.value for kw in node.keywords if kw.arg == "flags"), None)
        position = 1 if node.func.attr == "compile" else 2
        if flags is None and node.func.attr not in ("sub", "subn", "split") and len(node.args) > position:
            flags = node.args[position]
        value = _flags(flags) if flags is not None else 0
        how = node.func.attr if node.func.attr in ("match", "fullmatch") else "search"
        yield f"{module.__name__}:{node.lineno}", re.compile(node.args[0].value, value), how


def _flags(node: ast.AST) -> int:
    """`re.I | re.M` as written; flags computed some other way are left out."""
    value = 0
    for part in ast.walk(node):
        if isinstance(part, ast.Attribute) and isinstance(part.value, ast.Name) and part.value.id == "re":
            value |= int(getattr(re, part.attr, 0))
    return value


def _cached_builder(value: Any, module: str) -> bool:
    """A module's own zero-argument `functools.cache`/`lru_cache` function: how a pattern that
    must not be compiled at import time is usually built."""
    wrapped = getattr(value, "__wrapped__", None)
    return (hasattr(value, "cache_info") and callable(wrapped) and getattr(wrapped, "__module__", "") == module
            and not inspect.signature(wrapped).parameters)


def _usage(source: str, name: str) -> str:
    """How a module-level pattern is applied: a pattern only ever anchored with `.match` or
    `.fullmatch` is timed that way (searching it would try every start and measure a cost the
    scanner never pays); anything else is timed as a search over the whole input."""
    methods = set(re.findall(rf"\b{re.escape(name)}\.(\w+)\(", source))
    if methods and methods <= {"match", "fullmatch"}:
        return "fullmatch" if methods == {"fullmatch"} else "match"
    return "search"


def collect() -> list[tuple[str, re.Pattern[Any], str]]:
    """Every distinct (pattern, flags, way of applying it) with the first place it was found."""
    found: dict[tuple[Any, int, str], str] = {}
    for module in modules():
        source = Path(module.__file__).read_text(encoding="utf-8") if getattr(module, "__file__", None) else ""
        seen: set[int] = set()
        for name, value in vars(module).items():
            if _cached_builder(value, module.__name__):
                value = value()  # a pattern built on first use, e.g. all secret anchors in one
            if not name.startswith("__") and not isinstance(value, type(sys)):
                how = _usage(source, name) if isinstance(value, re.Pattern) else "search"
                for where, pattern in _walk(value, f"{module.__name__}.{name}", 0, seen):
                    found.setdefault((pattern.pattern, pattern.flags, how), where)
        for where, pattern, how in _literal_calls(module):
            found.setdefault((pattern.pattern, pattern.flags, how), where)
    return sorted(((where, re.compile(p, f), how) for (p, f, how), where in found.items()), key=lambda i: i[0])


GENERIC = {
    "A*n!": "A" * SIZE + "!", "a*n": "a" * SIZE, "0*n": "0" * SIZE, "spaces": " " * SIZE, "tabs": "\t" * SIZE,
    "newlines": "\n" * SIZE, "space-newline": " \n" * (SIZE // 2), "a=*n": "a=" * (SIZE // 2),
    "a: *n": "a: " * (SIZE // 3), "ab*n": "ab" * (SIZE // 2), "a *n": "a " * (SIZE // 2),
    "aA0*n": "aA0" * (SIZE // 3), "a-*n": "a-" * (SIZE // 2), "a.*n": "a." * (SIZE // 2), "a/*n": "a/" * (SIZE // 2),
    "quote-run": '"' * SIZE, "backslash-run": "\\" * SIZE, "${*n": "${" * (SIZE // 2), "{{*n": "{{" * (SIZE // 2),
    "word-space-equals": "password " * (SIZE // 9) + "=", "base64-ish": "aB3+/x9Z" * (SIZE // 8) + "!",
    "hex-run": "0123456789abcdef" * (SIZE // 16) + "g", "dashes": "-" * SIZE, "dots": "." * SIZE,
    "url-ish": "http://" + "a." * (SIZE // 2), "key-quote": 'key="' + "x" * SIZE,
}


def inputs_for(pattern: re.Pattern[Any]) -> Iterator[tuple[str, Any]]:
    """Generic hostile strings, then strings built from the pattern's own words and punctuation:
    a near miss that repeats what the pattern looks for is what makes a backtracking engine work."""
    texts = GENERIC if isinstance(pattern.pattern, str) else {}
    yield from texts.items()
    if not isinstance(pattern.pattern, str):
        yield "bytes A*n!", b"A" * SIZE + b"!"
        return
    plain = re.sub(r"\\[a-zA-Z]|\\.|\(\?[^)]*\)|\[[^\]]*\]|\{\d*,?\d*\}", " ", pattern.pattern)
    for word in sorted(set(re.findall(r"[A-Za-z0-9_]{2,}", plain)))[:12]:
        yield f"{word}*n", word * (SIZE // len(word))
        yield f"{word}+spaces", word + " " * SIZE + "!"
        yield f"{word}=x*n!", word + "=" + "x" * SIZE + "\x00"
        # the word, a key and a value, then a long run: what a lazy `.*?` followed by an optional
        # run (`[ \t]*$`) retries at every character (`ENV NAME value` and 50k blanks)
        yield f"{word} a b+spaces!", f"{word} a b" + " " * SIZE + "!"
        yield f"{word} a b+tabs!", f"{word} a b" + "\t" * SIZE + "!"
        yield f"{word}=a+spaces!", f"{word}=a" + " " * SIZE + "!"
        yield f"{word} (a )*n!", f"{word} " + "a " * (SIZE // 2) + "!"
    for char in sorted(set(plain) - set("()|?*+^$ \\")):
        if not char.isalnum():
            yield f"{char!r}*n", char * SIZE
            yield f"a{char!r}*n", ("a" + char) * (SIZE // 2)


class _Cutoff(Exception):
    pass


def _expire(signum: int, frame: object) -> None:
    raise _Cutoff


def _time(pattern: re.Pattern[Any], how: str, text: Any) -> float:
    # CPU time, not the clock: a loaded machine slows every pattern alike, and only work counts.
    signal.setitimer(signal.ITIMER_PROF, CUTOFF)
    start = time.process_time()
    try:
        if how == "search":
            for _ in pattern.finditer(text):
                pass
        else:
            getattr(pattern, how)(text)
    except _Cutoff:
        return CUTOFF
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
    return time.process_time() - start


def main() -> None:
    signal.signal(signal.SIGPROF, _expire)
    patterns = collect()
    print(json.dumps({"patterns": len(patterns), "where": [w for w, _, _ in patterns],
                      "texts": sorted({p.pattern for _, p, _ in patterns if isinstance(p.pattern, str)})}),
          flush=True)
    for where, pattern, how in patterns:
        worst, worst_input = 0.0, ""
        for label, text in inputs_for(pattern):
            print(json.dumps({"start": where, "input": label}), flush=True)
            elapsed = _time(pattern, how, text)
            if elapsed > worst:
                worst, worst_input = elapsed, label
        print(json.dumps({"done": where, "pattern": pattern.pattern[:200], "how": how, "seconds": worst,
                          "input": worst_input}), flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
