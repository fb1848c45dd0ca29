"""Secret material committed with the manifests: Secret objects with data, and ConfigMaps that
carry what looks like a credential.

Values are never printed: findings name the object and the key. The secrets detector reads the
decoded values separately, so a provider key inside a Secret is also reported as what it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scanner.catalog import RuleContext
from scanner.findings import Hit, hit_at
from scanner.model.kubernetes import KubernetesObjects
from scanner.nodes import Mapping, key_loc, text

SECRET_WORDS = ("password", "passwd", "secret", "token", "apikey", "accesskey", "secretkey",
                "privatekey", "credentials", "clientsecret")
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


def secret_looking(key: str, value: str) -> bool:
    if PRIVATE_KEY.search(value):
        return True
    # The key must end in the secret word: `db.password` is one, `passwordFile` names a setting.
    if not re.sub(r"[^a-z0-9]", "", key.lower()).endswith(SECRET_WORDS):
        return False
    stripped = value.strip()
    return len(stripped) >= 6 and not stripped.startswith(("$", "{{")) and " " not in stripped \
        and stripped.lower() not in ("true", "false", "changeme", "none", "null")


def configmap_secret_key(model: KubernetesObjects, ctx: RuleContext) -> Iterator[Hit]:
    for config_map in model.of_kind("ConfigMap"):
        data = config_map.get("data")
        for key, node in data.items() if isinstance(data, Mapping) else ():
            value = text(node)
            if value and secret_looking(key, value):
                yield hit_at(key_loc(data, key) or node.loc, config_map.label, f"data.{key}", entry=key)
