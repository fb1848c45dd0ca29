"""Rule documentation, generated from the catalog so that it cannot drift from the rules.

One source (a rule's catalog entry) feeds the Markdown pages under `docs/rules/`, `hullscan
explain`, `hullscan rules` and `hullscan checklist` (and, through `scanner.catalog.rule_docs`, the
help in SARIF). Output is deterministic (sorted, no dates), so a test can regenerate the pages and
compare. `python -m scanner.catalog.docs` rewrites
`docs/rules/`; `--check` only reports whether it is stale.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from scanner.catalog.profiles import Profile, listing, profiles_of
from scanner.catalog.rule_docs import sections_markdown, sections_text
from scanner.catalog.rules import FILE_TYPES, Rule, load_checklist, load_profiles, load_rules

DOCS_DIR = Path(__file__).resolve().parents[2] / "docs" / "rules"
README = DOCS_DIR.parent.parent / "README.md"
TABLE_START, TABLE_END = "<!-- checklist-table:start -->", "<!-- checklist-table:end -->"
PROFILES_START, PROFILES_END = "<!-- profiles-table:start -->", "<!-- profiles-table:end -->"
GENERATED = "Generated from the rule catalog by `python -m scanner.catalog.docs`; do not edit by hand."
LISTING_WIDTH = 80  # `hullscan rules` and `hullscan checklist` fit a standard terminal


def _item_titles(items: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    return {str(item["id"]): str(item.get("item", "")) for item in items}


def implementation(rule: Rule) -> str:
    """Where a reader finds the rule's logic: the check's module file and function, or the
    declarative condition in its catalog entry."""
    if not rule.check:
        return f"a declarative `condition` in `rules/{Path(rule.source).name}`"
    module, _, function = rule.check.partition(":")
    return f"`{module.replace('.', '/')}.py` (`{function}`)"


def rule_page(rule: Rule, items: Mapping[str, str], profiles: Sequence[Profile] = ()) -> str:
    checklist = "\n".join(f"- `{item}`: {items.get(item, '')}".rstrip(": ") for item in rule.checklist)
    head = (f"# {rule.id} {rule.name}\n\n<!-- {GENERATED} Source: rules/{Path(rule.source).name} -->"
            f"\n\n- Severity: **{rule.severity}**\n- Profiles: {', '.join(profiles_of(rule, profiles))}"
            f"\n- File types: {', '.join(rule.kinds)}\n"
            f"- Checklist items:\n{_indent(checklist, '  ')}\n"
            f"- Implementation: {implementation(rule)}\n"
            f"- Fixtures: `tests/fixtures/rules/{rule.id}/`")
    return f"{head}\n\n{sections_markdown(rule)}\n"


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def index_page(rules: Sequence[Rule], profiles: Sequence[Profile] = ()) -> str:
    rows = [f"| [{r.id}]({r.id}.md) | {r.name} | {r.severity} | {', '.join(_shown_profiles(r, profiles)) or 'strict only'} | "
            f"{', '.join(r.kinds)} | {', '.join(r.checklist)} |" for r in rules]
    table = ("| Id | Name | Severity | Profiles | File types | Checklist items |\n|---|---|---|---|---|---|\n"
             + "\n".join(rows)) if rows else "No rules yet."
    count = f"{len(rules)} rule" + ("" if len(rules) == 1 else "s")
    return f"# Rules\n\n<!-- {GENERATED} -->\n\n{count}.\n\n{table}\n"


def pages(rules: Sequence[Rule], checklist: Iterable[Mapping[str, Any]],
          profiles: Sequence[Profile] | None = None) -> dict[str, str]:
    """File name -> content for the whole `docs/rules/` folder."""
    titles = _item_titles(checklist)
    profiles = load_profiles() if profiles is None else profiles
    result = {f"{rule.id}.md": rule_page(rule, titles, profiles) for rule in rules}
    result["README.md"] = index_page(rules, profiles)
    return result


def _shown_profiles(rule: Rule, profiles: Sequence[Profile]) -> list[str]:
    """A rule's profiles without those holding every rule, which would fill every row."""
    every = {profile.name for profile in profiles if profile.every_rule}
    return [name for name in profiles_of(rule, profiles) if name not in every]


def profiles_table(rules: Sequence[Rule], profiles: Sequence[Profile]) -> str:
    """The README's table of profiles: what each is for and the rules it runs."""
    members = listing(rules, profiles)
    lines = ["| Profile | Rules | What it is for |", "|---|---|---|"]
    for profile in profiles:
        ids = ("every rule" if profile.every_rule
               else f"{len(members[profile.name])}: " + ", ".join(members[profile.name]))
        lines.append(f"| `{profile.name}` | {ids} | {profile.description.replace('|', '&#124;')} |")
    return "\n".join(lines)


def profiles_listing(output_format: str = "table", rules: Sequence[Rule] | None = None,
                     profiles: Sequence[Profile] | None = None) -> str:
    """`hullscan rules --profile list`: each profile, how many rules it runs, what it is for."""
    rules = load_rules() if rules is None else rules
    profiles = load_profiles() if profiles is None else profiles
    members = listing(rules, profiles)
    if output_format == "json":
        return json.dumps([{"name": p.name, "description": p.description, "rules": members[p.name]}
                           for p in profiles], indent=2)
    width = max(len(p.name) for p in profiles)
    return "\n".join(f"{p.name.ljust(width)}  {len(members[p.name]):>3} rules  {p.description}" for p in profiles)


def stale(directory: Path, expected: Mapping[str, str]) -> list[str]:
    """Names of pages that differ, are missing, or should no longer be there."""
    present = {p.name: p.read_text(encoding="utf-8") for p in directory.glob("*.md")} \
        if directory.is_dir() else {}
    return sorted(name for name in set(present) | set(expected) if present.get(name) != expected.get(name))


def write_pages(directory: Path, expected: Mapping[str, str]) -> list[str]:
    changed = stale(directory, expected)
    directory.mkdir(parents=True, exist_ok=True)
    for name in changed:
        target = directory / name
        if name in expected:
            target.write_text(expected[name], encoding="utf-8", newline="\n")
        else:
            target.unlink()
    return changed


def lookup(rules: Iterable[Rule], key: str) -> Rule | None:
    """The rule a user named for `hullscan explain`: by id (any case) or by name."""
    wanted = key.strip()
    return next((r for r in rules if r.id.lower() == wanted.lower() or r.name == wanted), None)


def rule_text(rule: Rule, checklist: Iterable[Mapping[str, Any]], profiles: Sequence[Profile] = ()) -> str:
    """A rule's page as plain text, for a terminal."""
    titles = _item_titles(checklist)
    items = "\n".join(f"  - {item}: {titles.get(item, '')}".rstrip(": ") for item in rule.checklist)
    return (f"{rule.id} {rule.name}\n\nSeverity: {rule.severity}\n"
            f"Profiles: {', '.join(profiles_of(rule, profiles))}\nFile types: {', '.join(rule.kinds)}\n"
            f"Checklist items:\n{items}\n\n{sections_text(rule)}")


def explain(key: str, rules: Sequence[Rule] | None = None,
            checklist: Iterable[Mapping[str, Any]] | None = None) -> str | None:
    """`hullscan explain RULE`: the page of the rule named by id or name; None if there is none."""
    rule = lookup(load_rules() if rules is None else rules, key)
    if rule is None:
        return None
    return rule_text(rule, load_checklist() if checklist is None else checklist, load_profiles())


def rules_listing(output_format: str = "table", rules: Sequence[Rule] | None = None,
                  profile: str = "", profiles: Sequence[Profile] | None = None) -> str:
    """`hullscan rules`: aligned columns, or the catalog's JSON listing with `json`; only the rules
    of `profile` when one is named."""
    rules = load_rules() if rules is None else rules
    profiles = load_profiles() if profiles is None else profiles
    if profile:
        rules = [rule for rule in rules if profile in profiles_of(rule, profiles)]
    if output_format == "json":
        return json.dumps(
            [{"id": r.id, "name": r.name, "severity": r.severity, "profiles": profiles_of(r, profiles),
              "checklist": list(r.checklist), "kinds": list(r.kinds),
              "equivalents": {k: list(v) for k, v in r.equivalents.items()}}
             for r in rules], indent=2)
    lines = ["ID      SEVERITY  NAME", "        file types; checklist items; profiles", ""]
    for rule in rules:
        lines.append(f"{rule.id:<7} {rule.severity:<9} {rule.name}")
        shown = ", ".join(_shown_profiles(rule, profiles)) or "strict only"
        lines += _fitted(f"{', '.join(rule.kinds)}; {', '.join(rule.checklist)}; profiles: {shown}", 8)
    return "\n".join(lines)


def _fitted(text: str, indent: int) -> list[str]:
    """`text` wrapped at word boundaries into LISTING_WIDTH columns, every line indented."""
    import textwrap

    return textwrap.wrap(text, LISTING_WIDTH, initial_indent=" " * indent, subsequent_indent=" " * (indent + 2),
                         break_long_words=False, break_on_hyphens=False)


def coverage(rules: Sequence[Rule], checklist: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per checklist item: the rules enforcing it per file type, or why it can't be checked."""
    rows = []
    for item in checklist:
        enforcing = [rule for rule in rules if item["id"] in rule.checklist]
        by_type = {kind: [r.id for r in enforcing if kind in r.kinds] for kind in FILE_TYPES}
        rows.append({"id": str(item["id"]), "item": str(item.get("item", "")),
                     "static": str(item.get("static", "")),
                     "rules": {kind: ids for kind, ids in by_type.items() if ids},
                     "covered_by": str(item.get("covered_by", "")),
                     "why_not": str(item.get("check", "")) if item.get("static") == "none" else ""})
    return rows


def _coverage_cell(row: Mapping[str, Any], separator: str) -> str:
    parts = [f"{kind}: {', '.join(ids)}" for kind, ids in row["rules"].items()]
    if row["covered_by"]:
        parts.append(f"by hullscan itself: {row['covered_by']}")
    if row["why_not"]:
        parts.append(f"not checkable statically: {row['why_not']}")
    return separator.join(parts) or "no rule yet"


def checklist_table(output_format: str = "table", rules: Sequence[Rule] | None = None,
                    checklist: Iterable[Mapping[str, Any]] | None = None) -> str:
    """`hullscan checklist` as `table`, `markdown` (the README's table) or `json`."""
    rows = coverage(load_rules() if rules is None else rules,
                    load_checklist() if checklist is None else checklist)
    if output_format == "json":
        return json.dumps(rows, indent=2)
    covered = sum(1 for row in rows if row["rules"] or row["covered_by"])
    checkable = sum(1 for row in rows if not row["why_not"])
    total = f"{covered} of {checkable} statically checkable items are covered."
    if output_format == "markdown":
        lines = ["| Item | Static | Rules by file type |", "|---|---|---|"]
        lines += ["| " + " | ".join(cell.replace("|", "&#124;") for cell in (
            f"`{row['id']}` {row['item']}", row["static"], _coverage_cell(row, "<br>"))) + " |"
            for row in rows]
        return "\n".join([*lines, "", total])
    width = max((len(row["id"]) for row in rows), default=0)
    lines = []
    for row in rows:
        lines.append(f"{row['id'].ljust(width)}  {row['static']}")
        for part in _coverage_cell(row, "\n").splitlines():
            lines += _fitted(part, 4)
    return "\n".join([*lines, "", total])


def readme_with_table(readme: str, table: str, start: str = TABLE_START, end: str = TABLE_END) -> str:
    """The README with a generated table (between the two markers) replaced by `table`; a README
    without the markers is returned as it is."""
    head, found, rest = readme.partition(start)
    if not found:
        return readme
    _, _, tail = rest.partition(end)
    return f"{head}{start}\n{table}\n{end}{tail}"


def fresh_readme(readme: str, rules: Sequence[Rule], checklist: Iterable[Mapping[str, Any]],
                 profiles: Sequence[Profile]) -> str:
    """The README with both generated tables up to date."""
    readme = readme_with_table(readme, checklist_table("markdown", rules, checklist))
    return readme_with_table(readme, profiles_table(rules, profiles), PROFILES_START, PROFILES_END)


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate `docs/rules/`; `--check`: exit 1 when it is stale; `--checklist`: print the
    README's coverage table."""
    args = list(sys.argv[1:] if argv is None else argv)
    rules, checklist, profiles = load_rules(), load_checklist(), load_profiles()
    if "--checklist" in args:
        print(checklist_table("markdown", rules, checklist))
        return 0
    expected = pages(rules, checklist, profiles)
    readme = README.read_text(encoding="utf-8")
    fresh = fresh_readme(readme, rules, checklist, profiles)
    if "--check" in args:
        changed = stale(DOCS_DIR, expected) + (["README.md (generated tables)"] if fresh != readme else [])
        for name in changed:
            print(f"docs/rules/{name} is stale; run `python -m scanner.catalog.docs`", file=sys.stderr)
        return 1 if changed else 0
    for name in write_pages(DOCS_DIR, expected):
        print(f"updated docs/rules/{name}", file=sys.stderr)
    if fresh != readme:
        README.write_text(fresh, encoding="utf-8")
        print("updated the generated tables in README.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
