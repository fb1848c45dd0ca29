"""How one rule's documentation reads: Markdown for pages and SARIF, plain text for a terminal.

A catalog entry's `docs` hold prose and literal example blocks; this turns them into sections (what,
why, example, use instead, options, references, equivalents) and renders those either way, so the
docs site, `hullscan explain` and code-scanning help all say the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from scanner.catalog.rules import Rule

HEADINGS = {"what": "What it does", "why": "Why is this bad?", "example": "Example",
            "use_instead": "Use instead"}
KIND_LANGUAGES = {"dockerfile": "dockerfile", "terraform": "hcl", "kubernetes": "yaml",
                  "compose": "yaml"}
# Instructions in capitals followed by a blank: `user: 1000` in a Compose example is not one.
_DOCKERFILE = re.compile(r"^\s*(FROM|RUN|USER|COPY|ADD|ENV|ARG|CMD|ENTRYPOINT|EXPOSE|WORKDIR)[ \t]",
                         re.MULTILINE)
_HCL = re.compile(r'^\s*(resource|data|module|variable|provider)\s+"', re.MULTILINE)


@dataclass(frozen=True)
class Section:
    """One part of a rule's page: prose (Markdown), a code example, or a list of short items."""

    title: str
    prose: str = ""
    code: str = ""
    language: str = ""
    items: tuple[str, ...] = ()


def example_language(code: str, kinds: Sequence[str] = ()) -> str:
    """The fence language of an example: the rule's one file type, else read from the code."""
    if len(kinds) == 1 and kinds[0] in KIND_LANGUAGES:
        return KIND_LANGUAGES[kinds[0]]
    if _DOCKERFILE.search(code):
        return "dockerfile"
    if _HCL.search(code):
        return "hcl"
    return "json" if code.lstrip().startswith("{") else "yaml"


def _example(title: str, text: str, kinds: Sequence[str]) -> Section:
    """Examples are literal blocks; one that already mixes prose and fences is kept as written."""
    if "```" in text:
        return Section(title, prose=text)
    return Section(title, code=text, language=example_language(text, kinds))


def sections(rule: Rule) -> list[Section]:
    parts = [Section(HEADINGS["what"], prose=rule.docs.get("what", "")),
             Section(HEADINGS["why"], prose=rule.docs.get("why", "")),
             _example(HEADINGS["example"], rule.docs.get("example", ""), rule.kinds),
             _example(HEADINGS["use_instead"], rule.docs.get("use_instead", ""), rule.kinds)]
    if rule.options:
        parts.append(Section("Options", items=tuple(
            f"`{name}` (default: `{value!r}`)" for name, value in sorted(rule.options.items()))))
    if rule.references:
        parts.append(Section("References", items=rule.references))
    if rule.equivalents:
        parts.append(Section("Equivalents in other scanners", items=tuple(
            f"{tool}: {', '.join(ids)}" for tool, ids in sorted(rule.equivalents.items()))))
    return parts


def _fence(code: str, language: str) -> str:
    ticks = "`" * max(3, max((len(m) for m in re.findall(r"`+", code)), default=0) + 1)
    return f"{ticks}{language}\n{code.rstrip()}\n{ticks}"


def _md_item(item: str) -> str:
    return f"<{item}>" if re.fullmatch(r"https?://\S+", item) else item


def sections_markdown(rule: Rule, level: int = 2) -> str:
    """The body of a rule's page; also SARIF's `help.markdown`."""
    out = []
    for part in sections(rule):
        body = (part.prose or (_fence(part.code, part.language) if part.code else "")
                or "\n".join(f"- {_md_item(item)}" for item in part.items))
        out.append(f"{'#' * level} {part.title}\n\n{body}")
    return "\n\n".join(out)


def sections_text(rule: Rule) -> str:
    """The same body as plain text, for a terminal and for SARIF's `help.text`."""
    out = []
    for part in sections(rule):
        if part.code:
            body = "\n".join(f"    {line}".rstrip() for line in part.code.splitlines())
        elif part.items:
            body = "\n".join(f"  - {item.replace('`', '')}" for item in part.items)
        else:
            body = _prose_text(part.prose)
        out.append(f"{part.title}\n{body}")
    return "\n\n".join(out)


def _prose_text(prose: str) -> str:
    """Markdown prose for a terminal: fences dropped, code inside them indented like examples."""
    lines, in_code = [], False
    for line in prose.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        lines.append(f"{'    ' if in_code else '  '}{line}".rstrip())
    return "\n".join(lines)
