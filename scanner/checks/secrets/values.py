"""Every SEC rule: report the secrets its detectors found, with the value redacted.

The `text` model holds all matches; a rule takes those of its own id, drops the ones an enabled
false-positive filter rejected (option `disable_filters` turns filters off by name), and reports
each secret once. The finding's key is the secret's digest, so its fingerprint survives edits
around it and names the secret without containing it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from scanner.catalog.rules import RuleContext
from scanner.results.findings import Hit, fingerprint
from scanner.secrets.model import SecretsModel


def hardcoded_secret(model: SecretsModel, ctx: RuleContext) -> Iterator[Hit]:
    disabled = set(ctx.option("disable_filters") or ())
    seen: Counter[tuple[str, str, str]] = Counter()
    for match in model.for_rule(ctx.rule.id):
        if any(name not in disabled for name in match.filtered_by):
            continue
        resource = match.resource or (f'key "{match.name}"' if match.name else match.loc.path.rsplit("/", 1)[-1])
        occurrence = (match.loc.path, resource, match.digest)
        seen[occurrence] += 1
        key = match.digest if seen[occurrence] == 1 else f"{match.digest}#{seen[occurrence]}"
        if fingerprint(ctx.rule.id, match.loc.path, resource, key) in model.allowed_fingerprints:
            continue
        yield Hit(loc=match.loc, resource=resource, key=key, related=match.related,
                  args={"what": match.description, "redacted": match.redacted})
