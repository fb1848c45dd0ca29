"""What counts as a literal value, by the language of the file being read.

In data formats (YAML, JSON, .env, ini, properties, HCL) an unquoted value is a literal: `password:
hunter2` sets the password. In a programming language it is an expression: `password =
getpass.getpass(...)`, `user, password = credentials`, `password = config["password"]` assign no
secret written in the file. So in source code only a string literal that is the whole value counts
(`password = "Summer2024!"`, `apiKey: "..."`, `connect(password="...")`, after a type annotation,
or as the fallback of an environment lookup),
and not one that is part of an expression (`"%s" % x`, `"a".join(...)`, an f-string with
placeholders). In shell, quoting decides: a single-quoted value is literal, while `$` or a
backtick in any other value expands to something the file doesn't hold.
"""

from __future__ import annotations

import re

CODE = "code"
SHELL = "shell"

_CODE_SUFFIXES = frozenset({
    "py", "pyi", "pyw", "js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx", "go", "rb", "java", "kt", "kts",
    "scala", "groovy", "cs", "php", "rs", "swift", "c", "h", "cc", "cpp", "cxx", "hpp", "dart", "lua", "ex",
    "exs", "vue", "svelte"})
_SHELL_SUFFIXES = frozenset({"sh", "bash", "zsh", "ksh", "bats"})
_SHEBANG = re.compile(r"#![ \t]*\S*?(?:/env[ \t]+)?(?:(?P<shell>(?:ba|z|k|da)?sh)|(?P<code>python[\d.]*|node|ruby|"
                      r"php|deno|bun))\b")
# A Python string prefix (`r`, `b`, `f`, `rb`...), then the quote.
_PREFIX = re.compile(r"(?i:[rbuf]{1,2})(?=[\"'])")
# A type annotation before the value: `password: str = "..."`, `apiKey: string = "..."`.
_ANNOTATION = re.compile(r"[A-Za-z_][\w.]*(?:\[[\w., |\[\]]*\])?(?:[ \t]*\|[ \t]*[A-Za-z_][\w.]*)*[ \t]*=(?!=)[ \t]*")
# What may follow a literal that is the whole value: the end of the statement, of an argument or
# element, or a comment.
_STATEMENT_END = re.compile(r"[ \t]*(?:$|[,;)\]}]|#|//|/\*)", re.MULTILINE)
_PLACEHOLDER = re.compile(r"(?<!\{)\{(?!\{)")
# A literal fallback for a missing environment variable is still written in the file:
# `os.getenv("DB_PASSWORD", "...")`, `os.environ.get(...)`, `process.env.DB_PASSWORD || "..."`.
_ENV_DEFAULT = re.compile(r"(?:os\.)?(?:getenv|environ\.get)\([ \t]*([\"'])[\w.-]{1,100}\1[ \t]*,[ \t]*"
                          r"|process\.env\.\w{1,100}[ \t]*(?:\|\||\?\?)[ \t]*")


def language(path: str, text: str) -> str:
    """CODE, SHELL, or "" (a data format: unquoted values are literals), by the file's suffix,
    else by a `#!` line naming an interpreter."""
    name = path.rsplit("/", 1)[-1]
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in _CODE_SUFFIXES:
        return CODE
    if suffix in _SHELL_SUFFIXES:
        return SHELL
    if text.startswith("#!"):
        found = _SHEBANG.match(text, 0, text.find("\n") if "\n" in text else len(text))
        if found:
            return SHELL if found.group("shell") else CODE
    return ""


def literal_span(text: str, pos: int, end_of_line: int) -> tuple[int, int, str] | None:
    """In source code: where the string literal that is the whole value starts and ends (quotes
    excluded) and its quote, or None when the value is an expression or not on this line."""
    annotated = _ANNOTATION.match(text, pos, end_of_line)
    if annotated:
        pos = annotated.end()
    fallback = _ENV_DEFAULT.match(text, pos, end_of_line)
    if fallback:
        pos = fallback.end()
    prefix = _PREFIX.match(text, pos, end_of_line)
    start = prefix.end() if prefix else pos
    quote = text[start:start + 3] if text.startswith(('"""', "'''"), start) else text[start:start + 1]
    if quote not in ('"', "'", "`", '"""', "'''"):
        return None
    close = _close(text, quote, start + len(quote), end_of_line)
    if close < 0 or not _STATEMENT_END.match(text, close + len(quote), end_of_line):
        return None
    if prefix and "f" in prefix.group().lower() and _PLACEHOLDER.search(text, start, close):
        return None  # an f-string with placeholders is an expression
    return start + len(quote), close, quote


def _close(text: str, quote: str, start: int, limit: int) -> int:
    i = start
    while True:
        i = text.find(quote, i, limit)
        if i < 0:
            return -1
        backslashes = 0
        while i - 1 - backslashes >= start and text[i - 1 - backslashes] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            return i
        i += 1


def shell_expands(text: str, start: int, end: int, quote: str) -> bool:
    """Whether a shell value is expanded when the script runs (so the file doesn't hold it)."""
    if quote == "'":
        return False
    return "$" in text[start:end] or "`" in text[start:end]
