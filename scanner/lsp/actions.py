"""Code actions on a flagged range: the rule's fixes, a suppression, its documentation.

Fixes come from a `FixProvider`, a small interface so that rule fixes plug in without the server
knowing how they are made; the server runs with none until one is given. A fix a provider marks
safe is the preferred action (what an editor applies on "fix all"); suppressions never are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from scanner.lsp.diagnostics import Flagged
from scanner.lsp.ignore_edits import Edit, annotation_edit, comment_edit
from scanner.results.findings import Finding

SHOW_DOCUMENTATION = "hullscan.showDocumentation"


@dataclass(frozen=True)
class Fix:
    """Edits that make a finding go away; `safe` when they cannot change what the file means
    beyond the finding (a safe fix is applied without review by "fix all")."""

    title: str
    edits: tuple[Edit, ...]
    safe: bool = False


class FixProvider(Protocol):
    def fixes(self, finding: Finding, text: str, file_type: str) -> Sequence[Fix]:
        """The fixes for one finding of the file whose current text is `text`."""


def _overlaps(span: tuple[int, int, int, int], wanted: types.Range) -> bool:
    return (span[0], span[1]) <= (wanted.end.line, wanted.end.character) and \
        (wanted.start.line, wanted.start.character) <= (span[2], span[3])


def _workspace_edit(uri: str, edits: Iterable[Edit], text: str, codec: PositionCodec) -> types.WorkspaceEdit:
    lines = text.splitlines()
    changes = []
    for edit in edits:
        plain = types.Range(types.Position(edit.line, edit.character), types.Position(edit.end_line, edit.end_character))
        changes.append(types.TextEdit(codec.range_to_client_units(lines, plain), edit.new_text))
    return types.WorkspaceEdit(changes={uri: changes})


def code_actions(uri: str, text: str, rel: str, file_type: str, flagged: Sequence[Flagged], wanted: types.Range,
                 codec: PositionCodec, fixer: FixProvider | None = None) -> list[types.CodeAction]:
    """The actions for the findings whose range meets `wanted` (positions in characters)."""
    actions: list[types.CodeAction] = []
    documented: set[str] = set()
    name = rel.rsplit("/", 1)[-1]
    for item in flagged:
        finding = item.finding
        if finding is None or not _overlaps(item.span, wanted):
            continue
        diagnostic = [item.diagnostic]
        for fix in fixer.fixes(finding, text, file_type) if fixer is not None else ():
            actions.append(types.CodeAction(fix.title, kind=types.CodeActionKind.QuickFix, diagnostics=diagnostic,
                                            is_preferred=fix.safe or None,
                                            edit=_workspace_edit(uri, fix.edits, text, codec)))
        comment = comment_edit(text, finding.line, finding.rule, name)
        if comment is not None:
            actions.append(types.CodeAction(f"Suppress {finding.rule} on this line (hullscan:ignore comment)",
                                            kind=types.CodeActionKind.QuickFix, diagnostics=diagnostic,
                                            edit=_workspace_edit(uri, [comment], text, codec)))
        annotation = annotation_edit(text, rel, finding.line, finding.rule) if file_type == "kubernetes" else None
        if annotation is not None:
            actions.append(types.CodeAction(f"Suppress {finding.rule} for this object (hullscan.dev/ignore annotation)",
                                            kind=types.CodeActionKind.QuickFix, diagnostics=diagnostic,
                                            edit=_workspace_edit(uri, [annotation], text, codec)))
        if finding.rule not in documented:
            documented.add(finding.rule)
            actions.append(types.CodeAction(f"Show documentation for {finding.rule}", kind=types.CodeActionKind.QuickFix,
                                            diagnostics=diagnostic, command=types.Command(
                                                title=f"Show documentation for {finding.rule}",
                                                command=SHOW_DOCUMENTATION, arguments=[finding.rule])))
    return actions
