"""Generic detection: a literal value assigned to a secret-named key.

One keyword pattern (part of the combined scan) finds `<secret word> <operator>` in any syntax —
`password: x` (YAML), `"token": "x"` (JSON), `api_key = "x"` (HCL, ini, properties),
`DB_PASSWORD=x` (.env, shell, Dockerfile ENV/ARG, Compose lists), `--password=x` (arguments).
The key is then read backwards from the keyword and judged as a whole (`secretName` and
`password_file` are not secret-named even though they contain the words), and the value is read
forwards with the quoting rules those syntaxes share. Whether the value looks real is left to the
filters.
"""

from __future__ import annotations

import re
from functools import lru_cache

from scanner.secrets import literals
from scanner.secrets.detectors import GENERIC_FILTERS, Detector

# A key's last word names the secret; each alternative starts with a literal (see detectors.py).
_LAST_WORDS = {"p": r"ass(?:word|wd|phrase)?|wd", "s": "ecret", "t": "oken", "c": "redentials?", "k": "ey"}
_KEYWORD = "|".join(
    f"{first}(?i:{rest})(?i:[_-]?(?:base|value|b64|base64))?[\"']?\\]?[ \t]*(?::=|=>|[:=])"
    for letter, rest in _LAST_WORDS.items() for first in (letter, letter.upper()))

GENERIC = Detector("secret-assignment", "SEC017", "secret", _KEYWORD,
                   "https://cwe.mitre.org/data/definitions/798.html", anchor=_KEYWORD, filters=GENERIC_FILTERS)

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_SECRET_WORDS = frozenset({"password", "passwd", "pwd", "passphrase", "pass", "secret", "token",
                           "credential", "credentials", "apikey", "privatekey", "secretkey", "accesskey"})
_SECRET_SUFFIXES = ("password", "passwd", "secret", "token", "apikey")
_KEY_QUALIFIERS = frozenset({"api", "access", "private", "secret", "auth", "client", "encryption", "signing",
                             "master", "account", "storage", "app", "service", "license", "webhook", "shared"})
_TRAILING = frozenset({"base", "value", "b64", "base64"})
_KEY_CHARS = re.compile(r"[\w.-]")
# An unquoted value ends at whitespace, or at a `\n` written as two characters: inside a JSON
# string (a SARIF report's help, a manifest embedded in JSON) that is where its line ends.
_UNQUOTED = re.compile(r"(?:[^\s\\]|\\(?![nrt]))*")
_AWS_SECRET_NAME = re.compile(r"aws.?secret|secret.?access.?key", re.IGNORECASE)
_AWS_SECRET_VALUE = re.compile(r"[A-Za-z0-9/+]{40}")
_AZURE_KEY_NAME = re.compile(r"azure|storage|account.?key", re.IGNORECASE)
_AZURE_KEY_VALUE = re.compile(r"[A-Za-z0-9+/]{86}==")


@lru_cache(maxsize=4096)  # the same few keys come back on every line of a big manifest
def secret_name(key: str) -> bool:
    """Does the key's last word name a secret? (`DB_PASSWORD`, `apiKey`, `client-secret`: yes;
    `secretName`, `password_file`, `tokenUrl`, `key`: no.)"""
    words = [word.lower() for word in _WORDS.findall(key)]
    while len(words) > 1 and words[-1] in _TRAILING:
        words.pop()
    if not words or words[0] == "existing":  # `existingSecret: name` names a Secret object
        return False
    last = words[-1]
    if last in _SECRET_WORDS or (last == "key" and len(words) > 1 and words[-2] in _KEY_QUALIFIERS):
        return True
    return last.endswith(_SECRET_SUFFIXES) and len(words) == 1 and len(last) > 6


MAX_KEY = 200  # characters: a longer "key" is not a name anyone assigns a secret to
MAX_VALUE = 1024  # nor is a longer one-line value a password


def key_before(text: str, pos: int) -> int:
    """Where the key that ends at or after `pos` starts: back over name characters."""
    start, limit = pos, max(pos - MAX_KEY, 0)
    while start > limit and _KEY_CHARS.match(text[start - 1]):
        start -= 1
    return start


def _line_end(text: str, pos: int) -> tuple[int, bool]:
    """Where reading a value stops: the end of the line, or MAX_VALUE on (True) for a longer one."""
    end = text.find("\n", pos, pos + MAX_VALUE)
    if end >= 0 or len(text) <= pos + MAX_VALUE:
        return (len(text) if end < 0 else end), False
    return pos + MAX_VALUE, True


def read_value(text: str, pos: int, language: str = "") -> tuple[int, int] | None:
    """The span of a literal value starting at `pos` (after the operator), quotes excluded; None
    for anything that is not a one-line literal (a block, a list, a tag, a comparison), and, in
    source code and shell, for an expression (see `literals`)."""
    end_of_line, too_long = _line_end(text, pos)
    i = pos
    while i < end_of_line and text[i] in " \t":
        i += 1
    if i >= end_of_line or text[i] == "=":
        return None
    if language == literals.CODE:
        found = literals.literal_span(text, i, end_of_line)
        return found[:2] if found is not None and found[1] > found[0] else None
    for quote in ('\\"', "\\'", '"', "'", "`"):
        if text.startswith(quote, i):
            start = i + len(quote)
            close = _closing(text, quote, start, end_of_line)
            if language == literals.SHELL and literals.shell_expands(text, start, close, quote):
                return None
            return (start, close) if close > start else None
    if text[i] in "[{|>&*!#":  # YAML collections, block scalars, anchors, aliases, tags, comments
        return None
    end = _UNQUOTED.match(text, i, end_of_line).end()  # type: ignore[union-attr]
    while end > i and text[end - 1] in ",;":
        end -= 1
    if language == literals.SHELL and literals.shell_expands(text, i, end, ""):
        return None
    return (i, end) if end > i and not (too_long and end == end_of_line) else None


def _closing(text: str, quote: str, start: int, limit: int) -> int:
    i = start
    while True:
        i = text.find(quote, i, limit)
        if i < 0:
            return -1
        if len(quote) == 1 and text[i - 1] == "\\":
            i += 1
            continue
        return i


def detector_for(name: str, value: str) -> Detector:
    """An assignment names its provider sometimes: `aws_secret_access_key = <40 chars>`,
    `AZURE_STORAGE_KEY: <88 chars>`; those secrets have no prefix of their own to match."""
    from scanner.secrets.detectors import BY_ID

    if _AWS_SECRET_NAME.search(name) and _AWS_SECRET_VALUE.fullmatch(value):
        return BY_ID["aws-secret-access-key"]
    if _AZURE_KEY_NAME.search(name) and _AZURE_KEY_VALUE.fullmatch(value):
        return BY_ID["azure-storage-key"]
    return GENERIC


# The value runs to the end of the line; its trailing blanks are cut in Python, not by a lazy
# `[^\n]*?[ \t]*$`, which retries the blank run at every character (quadratic on a long line).
_LEGACY_ENV = re.compile(r"^[ \t]*ENV[ \t]+(?P<key>[A-Za-z_][\w.-]*)[ \t]+(?P<value>[^\s=][^\n]*)",
                         re.IGNORECASE | re.MULTILINE)


def legacy_env(text: str) -> list[tuple[str, int, int]]:
    """Dockerfile `ENV NAME value` (no `=`): the whole rest of the line is the value."""
    found = []
    for match in _LEGACY_ENV.finditer(text):
        if secret_name(match.group("key")):
            start = match.start("value")
            end = start + len(match.group("value").rstrip())
            if end - start >= 2 and text[start] in "\"'" and text[end - 1] == text[start]:
                start, end = start + 1, end - 1
            found.append((match.group("key"), start, end))
    return found
