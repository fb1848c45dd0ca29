"""Hover on a flagged range: what the rule checks, why it matters and what to write instead,
from the catalog (the same sections as `hullscan explain` and the rule's page)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from lsprotocol import types

from scanner.catalog.rule_docs import HEADINGS, sections
from scanner.catalog.rules import Rule
from scanner.lsp.diagnostics import Flagged

SHOWN = (HEADINGS["what"], HEADINGS["why"], HEADINGS["use_instead"])


def rule_markdown(rule: Rule, page: str) -> str:
    parts = [f"**{rule.id}** `{rule.name}` ({rule.severity})"]
    for section in sections(rule):
        if section.title not in SHOWN:
            continue
        if section.code:
            ticks = "````" if "```" in section.code else "```"
            parts.append(f"**{section.title}**\n\n{ticks}{section.language}\n{section.code.rstrip()}\n{ticks}")
        elif section.prose:
            parts.append(section.prose if section.title == HEADINGS["what"] else f"**{section.title}** {section.prose}")
    if page:
        parts.append(f"[Documentation]({page})")
    return "\n\n".join(parts)


def hover(flagged: Sequence[Flagged], line: int, character: int, rules: Mapping[str, Rule],
          page: Callable[[str], str]) -> types.Hover | None:
    """The documentation of every rule flagged at a position (in characters), or None."""
    shown: list[str] = []
    for item in flagged:
        finding = item.finding
        start, end = (item.span[0], item.span[1]), (item.span[2], item.span[3])
        if finding is None or not start <= (line, character) <= end or finding.rule in shown:
            continue
        if finding.rule in rules:
            shown.append(finding.rule)
    if not shown:
        return None
    text = "\n\n---\n\n".join(rule_markdown(rules[rule_id], page(rule_id)) for rule_id in shown)
    return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text))
