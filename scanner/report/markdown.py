"""Markdown for pull-request and merge-request comments: a summary table, then findings by severity.

Rows are the entries of `scanner.report.grouping`: a container's hygiene findings are one row
naming each rule, and a row found the same in several files is one row naming the others; the
summary table still counts every finding.

Everything that comes from a scanned file (paths, resource names, messages) is escaped, so a file
name cannot inject links, mentions or HTML into the comment. GitHub refuses comments over 65,536
characters: rows beyond the budget are cut and the comment says how many were left out.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from scanner.report.formats import ReportOptions, pluralize, rule_index, severity_counts, shown
from scanner.report.grouping import Entry, group
from scanner.results.findings import SEVERITIES, Finding

if TYPE_CHECKING:
    from scanner.results.result import ScanResult

MAX_CHARS = 60_000
_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x9f]")  # the rest are whitespace, joined below


def escape(text: str) -> str:
    """Plain text safe inside a table cell: no Markdown, no HTML, no line breaks, no @mentions,
    and no link: a word a renderer would link by itself is shown as code, which is never linked."""
    words = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text).split()
    return " ".join(_code(word) if _linkable(word) else _plain(word) for word in words)


def _linkable(word: str) -> bool:
    """What GitHub and GitLab link by themselves: a URL, a `www.` name, an e-mail address."""
    lowered = word.lower()
    return "://" in word or "www." in lowered or ("@" in word and "." in word.rpartition("@")[2])


def _code(word: str) -> str:
    """The link part of a word as code, the rest (`[x](` before a URL, `),` after) escaped."""
    start = word.find("://")
    if start >= 0:
        while start > 0 and (word[start - 1].isalnum() or word[start - 1] in "+.-"):
            start -= 1
    else:
        start = max(word.lower().find("www."), 0)  # an e-mail address is code as a whole
    link = word[start:].rstrip(").,;:!?'\"]")
    code = "`" + link.replace("`", "'").replace("|", "\\|") + "`"
    return _plain(word[:start]) + code + _plain(word[start + len(link):])


def _plain(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text).replace("@", "&#64;")


def _rule_cell(finding: Finding, options: ReportOptions) -> str:
    url = options.rule_url(finding.rule)
    label = escape(f"{finding.rule} {finding.name}")
    return f"[{label}]({url})" if url else label


def _row(finding: Finding, options: ReportOptions, note: str = "") -> str:
    cells = [_rule_cell(finding, options), f"{escape(finding.path)}:{finding.line}",
             escape(finding.message)]
    if note:
        cells.append(escape(note))
    return "| " + " | ".join(cells) + " |"


def _entry_row(entry: Entry, options: ReportOptions) -> str:
    """A row for an entry: a single finding's row, or one naming a container's settings, with the
    other files the same entry is in."""
    lead = entry.lead
    if entry.hygiene:
        rules = ", ".join(_rule_cell(finding, options) for finding in entry.findings)
        message = f"{lead.resource}: {pluralize(len(entry.findings), 'hardening setting')} to add or fix"
    else:
        rules, message = _rule_cell(lead, options), lead.message
    if entry.elsewhere:
        message += f" (the same in {pluralize(len(entry.elsewhere), 'other file')}: " + \
            ", ".join(f"{other.path}:{other.line}" for other in entry.elsewhere[:5]) + \
            (" and more" if len(entry.elsewhere) > 5 else "") + ")"
    return "| " + " | ".join([rules, f"{escape(lead.path)}:{lead.line}", escape(message)]) + " |"


def _by_severity(entries: list[Entry]) -> list[tuple[str, list[Entry]]]:
    """Entries grouped worst first, each group in path and line order; empty groups skipped."""
    return [(severity, [e for e in entries if e.severity == severity]) for severity in SEVERITIES
            if any(e.severity == severity for e in entries)]


def summary(result: ScanResult) -> list[str]:
    counts = severity_counts(result.findings)
    lines = ["| Severity | Findings |", "|---|---:|"]
    lines += [f"| {severity} | {counts[severity]} |" for severity in SEVERITIES]
    facts = [pluralize(result.files, "file") + " scanned"]
    if result.suppressed:
        facts.append(f"{len(result.suppressed)} suppressed")
    if result.errors:
        facts.append(pluralize(len(result.errors), "error"))
    return [*lines, "", ", ".join(facts) + "."]


def _fit(header: list[str], rows: list[str], used: int) -> tuple[list[str], int, int]:
    """The header and as many rows as fit in the comment; returns (lines, used, left out)."""
    taken: list[str] = []
    cost = sum(len(line) + 1 for line in header)
    for row in rows:
        if used + cost + len(row) + 1 > MAX_CHARS:
            break
        taken.append(row)
        used += len(row) + 1 + cost
        cost = 0
    return (header + taken if taken else []), used, len(rows) - len(taken)


def render(result: ScanResult, options: ReportOptions) -> str:
    title = (f"## hullscan: {pluralize(len(result.findings), 'finding')}" if result.findings
             else "## hullscan: no findings")
    out = [title, "", *summary(result)]
    used = sum(len(line) + 1 for line in out)
    left_out = 0
    sections: list[tuple[list[str], list[str]]] = [
        (["", f"### {severity.capitalize()} ({len(entries)})", "",
          "| Rule | Location | Message |", "|---|---|---|"], [_entry_row(entry, options) for entry in entries])
        for severity, entries in _by_severity(group(result.findings, rule_index(result)))]
    suppressed = sorted(shown(result, options), key=lambda f: f.sort_key)
    if suppressed:
        sections.append((["", "### Suppressed", "", "| Rule | Location | Message | Reason |",
                          "|---|---|---|---|"],
                         [_row(f, options, f.suppression.reason if f.suppression else "")
                          for f in suppressed]))
    if result.errors:
        sections.append((["", "### Errors", ""], [
            f"- {escape(e.path)}{f':{e.line}' if e.line else ''}: {escape(e.message)}"
            for e in result.errors]))
    for header, rows in sections:
        lines, used, dropped = _fit(header, rows, used)
        out += lines
        left_out += dropped
    if left_out:
        out += ["", f"_{left_out} more not shown; see the full report._"]
    return "\n".join(out) + "\n"
