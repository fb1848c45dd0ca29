"""Secret material committed with the manifests: Secret objects with data, and ConfigMaps that
carry what looks like a credential.

Values are never printed: findings name the object and the key. The secrets detector reads the
decoded values separately, so a provider key inside a Secret is also reported as what it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.model.kubernetes import KubernetesObjects
from scanner.nodes import Mapping, key_loc, text
from scanner.results.findings import Hit, hit_at
from scanner.secrets.assign import secret_name
from scanner.secrets.filters import fired

# Last words of a key that holds a credential file's content rather than a short secret.
CONTENT_WORDS = ("keycontent", "keycontents", "credentials", "credentialsjson", "privatekey", "keyjson")
# The secret filters that say a value is not written out; the detectors' stricter ones (entropy,
# demo words, length) are theirs: a weak password in a ConfigMap is still a password in a ConfigMap.
NOT_A_VALUE = ("template", "placeholder", "well-known-example", "reference", "file-path",
               "boolean-or-number")
PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")


def _committed(data: Mapping) -> list[str]:
    """Keys of a data map whose values are written out (not empty, not a template left unrendered)."""
    return [key for key, node in data.items() if (value := text(node)) and not value.startswith("{{")]


def secret_with_data(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    for secret in model.of_kind("Secret"):
        if text(secret.get("type")) == "kubernetes.io/service-account-token":
            continue
        for field in ("data", "stringData"):
            data = secret.get(field)
            keys = _committed(data) if isinstance(data, Mapping) else []
            if keys:
                shown = ", ".join(sorted(keys)[:5]) + (", ..." if len(keys) > 5 else "")
                yield hit_at(key_loc(secret.node, field) or secret.loc, secret.label, field,
                             field=field, keys=shown)


def _content_name(key: str) -> bool:
    """Keys that hold a whole credential file: `GCP_KEY_CONTENT`, `GOOGLE_APPLICATION_CREDENTIALS`
    (the JSON itself, not its path), `SSH_PRIVATE_KEY`."""
    flat = re.sub(r"[^a-z0-9]", "", key.lower())
    return flat.endswith(CONTENT_WORDS)


def credential_name(key: str) -> bool:
    """The key names a credential: the secret detectors' own judgment of a name (`DB_PASSWORD`,
    `AWS_SECRET_ACCESS_KEY`, `AZURE_CLIENT_SECRET`, `stripe.apiKey`; not `secretName` or
    `password_file`), plus names of credential content (`*_KEY_CONTENT`)."""
    return secret_name(key) or _content_name(key)


def real_looking(key: str, value: str) -> bool:
    """A value written out as itself: not a placeholder, a reference or template, a file path, a
    boolean or number. One-line values with spaces are prose; a credential file's content (a JSON
    key file) counts only under a content key."""
    stripped = value.strip()
    if not stripped or fired(stripped, key, NOT_A_VALUE):
        return False
    if _content_name(key) and stripped.startswith("{"):
        return True
    return not re.search(r"\s", stripped)


def secret_looking(key: str, value: str) -> bool:
    if PRIVATE_KEY.search(value):
        return True
    return credential_name(key) and real_looking(key, value)


def configmap_secret_key(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    """At the key; the value's place is related, so a secret detector that reports the value itself
    (a private key block, a provider token) supersedes this finding (see `scanner/overlap.py`)."""
    for config_map in model.of_kind("ConfigMap"):
        data = config_map.get("data")
        for key, node in data.items() if isinstance(data, Mapping) else ():
            value = text(node)
            if value and secret_looking(key, value):
                yield Hit(loc=key_loc(data, key) or node.loc, resource=config_map.label, key=f"data.{key}",
                          args={"entry": key}, related=(node.loc,))
