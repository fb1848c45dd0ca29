"""The `text` model: every secret in every scanned file, found once per scan.

Each file's text is scanned in one pass (`scanner.secrets.scan`); YAML files are also walked as
parsed trees (`scanner.secrets.structured`), reusing the tree the engine already built. Rendered
Helm/Kustomize output is skipped: every value in it comes from a chart, values or kustomization
file that is itself scanned, where the finding belongs (and is reported once). Files under
`secret_allow_paths` are not scanned at all; secrets listed in `secret_allow_fingerprints` (by
their digest) are dropped here, and by finding fingerprint in the check.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass

from scanner.inputs.parsed import ParsedFile
from scanner.secrets.match import SecretMatch
from scanner.settings.config import Config

YAML_TYPES = frozenset({"kubernetes", "compose", "cloudformation", "arm"})


@dataclass(frozen=True)
class SecretsModel:
    matches: tuple[SecretMatch, ...]
    allowed_fingerprints: frozenset[str] = frozenset()

    def for_rule(self, rule: str) -> list[SecretMatch]:
        return [match for match in self.matches if match.rule == rule]


def scan_file(file: ParsedFile) -> list[SecretMatch]:
    """The secrets of one parsed file, each reported once."""
    from scanner.secrets.scan import TextScan, dedupe

    scan = TextScan(file.text, file.rel)
    found = scan.run(file.type)
    if file.type in YAML_TYPES and isinstance(file.tree, list):
        from scanner.secrets.structured import scan_tree

        found = dedupe(scan_tree(file.tree, scan) + found)
    return found


def allowed_path(rel: str, patterns: Sequence[str]) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(name, p)
               or fnmatch.fnmatchcase(rel, p.rstrip("/") + "/*") for p in patterns)


def build(files: Sequence[ParsedFile], config: Config) -> SecretsModel:
    allowed = frozenset(config.secret_allow_fingerprints)
    scanned = [f for f in files if f.origin is None and not allowed_path(f.rel, config.secret_allow_paths)]
    matches = [match for file in scanned for match in scan_file(file)
               if not allowed or match.digest not in allowed]  # a digest is slow: none without an allow-list
    return SecretsModel(tuple(matches), allowed)
