"""Credentials a container is handed: secret-looking environment literals and the pod's
service account token. Values are never put in messages; only variable names are."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from scanner.catalog.rules import RuleContext
from scanner.model.cluster import Cluster
from scanner.model.container import Containers, EnvVar
from scanner.nodes import Unknown, text, truth
from scanner.results.findings import Hit, hit_at

_SECRET_WORDS = re.compile(r"PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|APIKEY|API_KEY|PRIVATE_?KEY|"
                           r"ACCESS_?KEY|CREDENTIAL|AUTH_?KEY|(?:^|_)(?:PASS|PWD)(?:$|_)")
# Names that carry a secret's metadata (where it is, how long it lives), not the secret itself.
_METADATA_SUFFIXES = frozenset({"FILE", "PATH", "DIR", "NAME", "ID", "URL", "URI", "HOST", "PORT",
                                "ENABLED", "ENABLE", "LENGTH", "TTL", "EXPIRY", "EXPIRES", "EXPIRATION",
                                "TIMEOUT", "HEADER", "TYPE", "REF", "ARN", "ENDPOINT", "SIZE", "MODE",
                                "PREFIX", "FORMAT", "VERSION", "ALGORITHM", "PROVIDER", "SOURCE",
                                "LOCATION", "KEY_NAME", "REQUIRED", "POLICY", "ISSUER", "AUDIENCE"})
_FILL_IN = re.compile(r"^(?:insert|replace|your|enter|put|set|fill)[_-]|[_-](?:here|val|value)$",
                      re.IGNORECASE)
_PLACEHOLDERS = frozenset({"changeme", "change_me", "change-me", "changeit", "replaceme", "replace_me",
                           "todo", "tbd", "none", "null", "nil", "redacted", "example", "placeholder",
                           "dummy", "true", "false", "yes", "no", "required", "optional"})


def secret_like_name(name: str) -> bool:
    upper = name.upper().replace("-", "_").replace(".", "_")
    if not _SECRET_WORDS.search(upper) or upper == "PWD":
        return False
    return upper.rsplit("_", 1)[-1] not in _METADATA_SUFFIXES


def is_placeholder(value: str, name: str = "") -> bool:
    """Values that stand for a secret still to be filled in (`INSERT_TOKEN`, `GOOGLE_API_KEY_VAL`,
    `<password>`, `${VAR}`) or point at one (`/run/secrets/db`, an ARN), rather than being one."""
    stripped = value.strip()
    lowered = stripped.lower()
    return (not stripped or lowered in _PLACEHOLDERS
            or len(set(stripped)) == 1 or (stripped.startswith("<") and stripped.endswith(">"))
            or stripped.startswith("/") or lowered.startswith(("arn:aws:", "vault:", "ssm:"))
            or bool(_FILL_IN.search(stripped)) or (len(name) > 3 and name.upper() in stripped.upper()))


def _hardcoded(var: EnvVar) -> bool:
    value = text(var.value)
    return var.source == "literal" and value is not None and secret_like_name(var.name) \
        and not is_placeholder(value, var.name)


def secret_env_literal(containers: Containers, ctx: RuleContext) -> Iterator[Hit]:
    for container in containers:
        names = [var for var in container.env if _hardcoded(var)]
        if names:
            hit = container.hit(names[0].loc, "env", names=", ".join(var.name for var in names))
            yield replace(hit, related=(*hit.related, *(var.loc for var in names[1:])))


def default_service_account_token(cluster: Cluster, ctx: RuleContext) -> Iterator[Hit]:
    """A pod on the `default` service account was given no identity of its own, so it shows no need
    for the API; mounting that account's token only helps an intruder. Judged over the whole scan,
    since the ServiceAccount that turns mounting off is often in another file than the pod."""
    tokenless = cluster.tokenless_accounts()
    for pod in cluster.pods:
        account, automount = pod.account, pod.automount
        if isinstance(account, Unknown) or isinstance(automount, Unknown) or truth(automount) is False:
            continue
        name = text(account) or "default"
        if name != "default" or (pod.namespace, "default") in tokenless:
            continue
        where = automount if automount is not None else account if account is not None else pod.loc
        yield hit_at(where, pod.resource, "automountServiceAccountToken")
