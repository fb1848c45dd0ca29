"""The language server's pieces without the wire: spans, suppression edits, the fix interface,
the engine's in-memory entry point, and the command without its extra."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")

from attacks import POD  # noqa: E402
from lsprotocol import types  # noqa: E402
from pygls.workspace.position_codec import PositionCodec  # noqa: E402

from scanner.inputs.discover import SourceFile, walk  # noqa: E402
from scanner.lsp.actions import Fix, code_actions  # noqa: E402
from scanner.lsp.diagnostics import finding_span, for_file  # noqa: E402
from scanner.lsp.ignore_edits import Edit, annotation_edit, comment_edit  # noqa: E402
from scanner.results.findings import Finding  # noqa: E402
from scanner.run.engine import judge_texts  # noqa: E402
from scanner.settings.config import Config  # noqa: E402

CODEC = PositionCodec()


@pytest.mark.parametrize(("line", "column", "end_line", "end_column", "expected"), [
    (2, 3, 2, 7, (1, 2, 1, 6)),  # a token
    (1, 1, 3, 1, (0, 0, 0, 9)),  # an object over three lines: its first line, without trailing blanks
    (2, 3, 2, 3, (1, 2, 1, 6)),  # no end: the word it starts
    (9, 1, 9, 1, (2, 0, 2, 4)),  # past the end of the text: the last line
])
def test_spans(line: int, column: int, end_line: int, end_column: int, expected: tuple[int, ...]) -> None:
    assert finding_span(["kind: Pod  ", "  name web", "spec"], line, column, end_line, end_column) == expected


def test_positions_go_out_in_utf16() -> None:
    text = "a: \U0001F600 x\n"
    finding = Finding("CTR002", "n", "high", (), "f.yaml", 1, 6, 1, 7, "m", "r", "fp")
    [flagged] = for_file([finding], [], "f.yaml", text, CODEC, lambda rule: "", Path("/w"))
    assert flagged.diagnostic.range.start.character == 6  # the emoji is two UTF-16 units


def _judge(root: Path, rel: str, text: str) -> list[str]:
    result = judge_texts([(SourceFile(root / rel, rel), text)], list(walk([str(root)], root)), Config(root=root))
    return [finding.rule for finding in result.findings if finding.path == rel]


def _insert(text: str, edit: Edit) -> str:
    lines = text.splitlines(keepends=True)
    return "".join(lines[:edit.line]) + edit.new_text + "".join(lines[edit.line:])


DOCKERFILE = "FROM alpine:3.20\nRUN apk add curl && \\\n    curl https://example.org/x.sh | sh\nUSER 10001\n"


def test_a_comment_inside_a_run_continuation_suppresses(tmp_path: Path) -> None:
    assert "DKR030" in _judge(tmp_path, "Dockerfile", DOCKERFILE)
    edit = comment_edit(DOCKERFILE, 3, "DKR030", "Dockerfile")
    assert edit is not None and edit.new_text.startswith("    # hullscan:ignore DKR030 ")
    assert "DKR030" not in _judge(tmp_path, "Dockerfile", _insert(DOCKERFILE, edit))


def test_the_annotation_suppresses_the_whole_object(tmp_path: Path) -> None:
    edit = annotation_edit(POD, "pod.yaml", 10, "CTR002")
    assert edit is not None
    annotated = _insert(POD, edit)
    assert "CTR002" in _judge(tmp_path, "pod.yaml", POD) and "CTR002" not in _judge(tmp_path, "pod.yaml", annotated)
    assert annotation_edit(annotated, "pod.yaml", 10, "CTR002") is None  # extended by hand, not twice


def test_json_gets_no_comment() -> None:
    assert comment_edit('{"kind": "Pod"}\n', 1, "CTR002", "pod.json") is None


class _Privileged:
    """A fix provider as the fix engine would plug in: one safe fix for CTR002."""

    def fixes(self, finding: Finding, text: str, file_type: str) -> list[Fix]:
        if finding.rule != "CTR002":
            return []
        line = finding.line - 1
        return [Fix("Set privileged: false", (Edit(line, 20, line, 24, "false"),), safe=True)]


def test_a_fix_provider_plugs_in(tmp_path: Path) -> None:
    result = judge_texts([(SourceFile(tmp_path / "pod.yaml", "pod.yaml"), POD)], [], Config(root=tmp_path))
    flagged = for_file(result.findings, result.errors, "pod.yaml", POD, CODEC, lambda rule: "", tmp_path)
    line = POD.splitlines().index("        privileged: true")
    wanted = types.Range(types.Position(line, 21), types.Position(line, 21))
    actions = code_actions("file:///pod.yaml", POD, "pod.yaml", "kubernetes", flagged, wanted, CODEC, _Privileged())
    preferred = [action for action in actions if action.is_preferred]
    assert [action.title for action in preferred] == ["Set privileged: false"]
    assert not any(action.is_preferred for action in actions if "Suppress" in action.title)


def test_kept_results_do_not_change_between_judgements(tmp_path: Path) -> None:
    """A suppression on disk that suppresses nothing is reported (HUL003) on every judgement, not
    only the first: kept unit results are never marked as used."""
    (tmp_path / "Dockerfile").write_text("# hullscan:ignore DKR030 not needed\nFROM alpine:3.20\nUSER 10001\n")
    sources, memo, config = list(walk([str(tmp_path)], tmp_path)), {}, Config(root=tmp_path)
    for text in (POD, POD + "\n"):
        result = judge_texts([(SourceFile(tmp_path / "pod.yaml", "pod.yaml"), text)], sources, config, memo)
        assert "HUL003" in {finding.rule for finding in result.findings if finding.path == "Dockerfile"}
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\nUSER 10001\n")
    os.utime(tmp_path / "Dockerfile", ns=(1, 1))  # a change on disk, whatever the clock's resolution
    result = judge_texts([(SourceFile(tmp_path / "pod.yaml", "pod.yaml"), POD)], sources, config, memo)
    assert "HUL003" not in {finding.rule for finding in result.findings}


def test_the_command_without_its_extra_says_how_to_install_it() -> None:
    code = "import sys; sys.modules['pygls'] = None; from scanner.cli import main; sys.exit(main(['lsp']))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert "hullscan[lsp]" in done.stderr and "Traceback" not in done.stderr


SECURITY_GROUP = """\
resource "aws_security_group" "ssh" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
}
"""


def test_a_terraform_buffer_is_judged_with_its_module(tmp_path: Path) -> None:
    """The variable's default lives in another file of the folder: judged alone, the buffer's
    CIDR would be unknown; with its module, the open world is found (at the default, where it is set)."""
    (tmp_path / "variables.tf").write_text('variable "cidr" {\n  default = "0.0.0.0/0"\n}\n')
    result = judge_texts([(SourceFile(tmp_path / "main.tf", "main.tf"), SECURITY_GROUP)],
                         list(walk([str(tmp_path)], tmp_path)), Config(root=tmp_path))
    assert [(f.rule, f.path) for f in result.findings] == [("CLD021", "variables.tf")]
    fixed = SECURITY_GROUP.replace("[var.cidr]", '["10.0.0.0/8"]')
    result = judge_texts([(SourceFile(tmp_path / "main.tf", "main.tf"), fixed)],
                         list(walk([str(tmp_path)], tmp_path)), Config(root=tmp_path))
    assert not result.findings


def test_a_rule_page_is_written_when_none_is_shipped(tmp_path: Path) -> None:
    from scanner.catalog.rules import load_rules
    from scanner.lsp.rule_pages import RulePages

    pages = RulePages({rule.id: rule for rule in load_rules()}, shipped=tmp_path / "no-docs")
    page = Path(pages.uri("CTR002").removeprefix("file://"))
    assert page.read_text().startswith("# CTR002 ") and oct(page.stat().st_mode & 0o777) == "0o600"
    assert pages.uri("NOPE001") == ""
    assert RulePages({}, "https://example.org/rules/{id}.md").uri("CTR002") == ""  # only rules it knows
    pages.close()
    assert not page.exists()
