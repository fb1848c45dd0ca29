"""False-positive filters: small named predicates, each answering "is this value not a secret?".

Every candidate is run through the filters its detector lists, and the match records the names
of those that fired; a rule drops a match when any of its enabled filters fired. A user turns a
filter off by name (rule option `disable_filters`), so a team whose real tokens happen to look
like placeholders can still see them. Each predicate gets the value and the key it was assigned
to (empty when there is none).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable

Predicate = Callable[[str, str], bool]

_PLACEHOLDER_WORDS = frozenset({
    "changeme", "change_me", "change-me", "changeit", "replace_me", "replaceme", "replace-me",
    "todo", "tbd", "none", "null", "nil", "undefined", "redacted", "placeholder", "password",
    "passwd", "secret", "token", "apikey", "api_key", "pass", "empty", "default", "foo", "bar",
    "foobar", "unset", "notset", "not_set", "required",
})
_PLACEHOLDER = re.compile(
    r"^<[^<>]*>$|^\[[^\[\]]*\]$|x{4,}|\*{3,}|\.{3,}|\u2026|(.)\1{5,}|^your[_-]|[_-]here$|^(?:insert|enter|put)[_-]"
    r"|(?:change|replace|fill)[-_. ]?(?:me|it)",
    re.IGNORECASE)
_TEMPLATE = re.compile(r"\$\{|\{\{|\$\(|^\$[A-Za-z_]|%[A-Za-z_][A-Za-z0-9_]*%|#\{|@[A-Za-z_]+@|^__[A-Z0-9_]+__$"
                       r"|<%|\{%")
_REFERENCE = re.compile(
    r"^(?:var|local|module|data|each|self|count|path|terraform)\.[\w.\[\]\"-]+$|aws_secretsmanager_|"
    r"aws_ssm_parameter|random_password\.|secretKeyRef|^!(?:Ref|Sub|GetAtt|ImportValue)\b|^(?:Ref|Fn::)|"
    r"arn:aws[\w-]*:(?:secretsmanager|ssm|kms):|^projects/[^/]+/secrets/|^(?:vault|ref\+|sm|gcp|awssm|"
    r"azkv|op|file|env|secret|k8s|keyvault)://|^(?:vault|env|file|secret):|^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$"
    r"|^[A-Za-z_][\w.]*(?:\(.*\)|\[.+\])$")
_FILE_PATH = re.compile(r"^(?:~?/|\.{1,2}/|[A-Za-z]:\\)[^\s]*$|^[\w.-]+/[\w./-]+$|\.(?:txt|pem|key|json|crt|p12|"
                        r"pfx|jks|keystore|yaml|yml|env|conf|cfg|ini|properties)$", re.IGNORECASE)
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_DIGEST = re.compile(r"^(?:sha(?:1|224|256|384|512)|md5|blake2b?|crc32):[0-9a-f]+$|@sha256:|"
                     r"^(?:\$2[aby]?\$\d\d\$|\$[156]\$|\$argon2)",
                     re.IGNORECASE)
_HASH_NAME = re.compile(r"sha\d*|md5|checksum|digest|hash|fingerprint", re.IGNORECASE)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_PUBLIC = re.compile(r"-----BEGIN (?:CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY|PGP PUBLIC KEY BLOCK|"
                     r"CERTIFICATE REQUEST|X509 CRL)-----|^(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-\S+) AAAA")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://[^@\s]*$", re.IGNORECASE)
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_DEMO = re.compile(r"example|sample|dummy|fake|placeholder|changeme|password|passwd|secret|redacted|"
                   r"insecure|notreal|not-real|not_real|testing", re.IGNORECASE)
_SEQUENCE = re.compile(r"0123|1234|2345|3456|4567|5678|6789|abcd|bcde|qwerty|asdf", re.IGNORECASE)
# Values published as documentation examples: anyone may have copied them, none grants access.
_WELL_KNOWN = re.compile(r"EXAMPLE(?:KEY)?$|^Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZ"
                         r"FPTOtr/KBHBeksoGMGw==$|^eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9\.eyJzdWIiOiIxMjM0NTY3ODkwIiwi"
                         r"bmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ\.")

MIN_LENGTH = 8


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values()) if total else 0.0


def char_classes(value: str) -> int:
    return (any(c.islower() for c in value) + any(c.isupper() for c in value)
            + any(c.isdigit() for c in value) + any(not c.isalnum() for c in value))


def low_entropy(value: str, name: str = "") -> bool:
    """Real credentials mix character classes or are long and random; `wordpress` is neither."""
    bits = entropy(value)
    mixed = char_classes(value) >= 2 and bits >= 2.5
    random_long = len(value) >= 16 and bits >= 3.5
    return not (mixed or random_long)


def digest_value(value: str, name: str = "") -> bool:
    """Image digests, password hashes, and hex checksums under a key that says it is one."""
    if _DIGEST.search(value):
        return True
    return bool(re.fullmatch(r"[0-9a-fA-F]{32,128}", value) and _HASH_NAME.search(name))


FILTERS: dict[str, Predicate] = {
    "template": lambda value, name: bool(_TEMPLATE.search(value)),
    "placeholder": lambda value, name: value.strip().lower() in _PLACEHOLDER_WORDS or bool(_PLACEHOLDER.search(value)),
    "well-known-example": lambda value, name: bool(_WELL_KNOWN.search(value)),
    "reference": lambda value, name: bool(_REFERENCE.search(value)),
    "file-path": lambda value, name: bool(_FILE_PATH.search(value)) and " " not in value,
    "env-var-name": lambda value, name: bool(_ENV_NAME.match(value)),
    "digest": digest_value,
    "uuid": lambda value, name: bool(_UUID.match(value)),
    "public-certificate": lambda value, name: bool(_PUBLIC.search(value)),
    "prose": lambda value, name: bool(re.search(r"\s", value.strip())),
    "url": lambda value, name: bool(_URL.match(value)),
    "boolean-or-number": lambda value, name: value.lower() in ("true", "false", "yes", "no", "on", "off")
    or bool(_NUMBER.match(value)),
    "demo-word": lambda value, name: bool(_DEMO.search(value)),
    "sequence": lambda value, name: bool(_SEQUENCE.search(value)),
    "too-short": lambda value, name: len(value) < MIN_LENGTH,
    "low-entropy": low_entropy,
}


def fired(value: str, name: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """The filters among `names` that say `value` is not a real secret."""
    return tuple(filter_name for filter_name in names if FILTERS[filter_name](value, name))
