"""Where a rule's documentation page is, as a URI an editor can open.

A source checkout has the generated pages (`docs/rules/<ID>.md`); an installed copy has none, so
the page is written from the catalog, on first need, into a folder private to the server (a user's
own rules get pages this way too). `docsUrl` in the client's initialization options, a template such
as `https://example.org/rules/{id}.md`, links to a published copy instead.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from scanner.catalog.rules import Rule


class RulePages:
    """Page URIs by rule id, for the lifetime of one server."""

    def __init__(self, rules: Mapping[str, Rule], docs_url: str = "", shipped: Path | None = None) -> None:
        from scanner.catalog.docs import DOCS_DIR

        self.rules = rules
        self.docs_url = docs_url
        self.shipped = DOCS_DIR if shipped is None else shipped
        self._written: Path | None = None

    def uri(self, rule_id: str) -> str:
        """The page of a rule ("" for an id the catalog does not have)."""
        rule = self.rules.get(rule_id)
        if rule is None:
            return ""
        if self.docs_url:
            return self.docs_url.format(id=rule_id)
        page = self.shipped / f"{rule_id}.md"  # a user's rule never has a shipped page: ids are unique
        if page.is_file():
            return page.resolve().as_uri()
        return self._write(rule).as_uri()

    def _write(self, rule: Rule) -> Path:
        from scanner.catalog.docs import rule_page
        from scanner.catalog.rules import load_checklist

        if self._written is None:
            self._written = Path(tempfile.mkdtemp(prefix="hullscan-rules-"))  # mode 0700
        page = self._written / f"{rule.id}.md"
        if not page.exists():
            titles = {str(item["id"]): str(item.get("item", "")) for item in load_checklist()}
            page.write_text(rule_page(rule, titles), encoding="utf-8")
            os.chmod(page, 0o600)
        return page

    def close(self) -> None:
        if self._written is not None:
            shutil.rmtree(self._written, ignore_errors=True)
            self._written = None
