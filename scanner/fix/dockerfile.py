"""Fixes of the Dockerfile rules, as text edits at the positions the parser keeps: a flag after a
package manager's verb, a cleanup appended to the same `RUN`, a keyword swapped, a `USER` or
`HEALTHCHECK` line inserted before the stage's last `CMD`/`ENTRYPOINT`. Continuation lines,
tabs, heredocs and comments stay as written."""

from __future__ import annotations

from scanner.fix.container import NON_ROOT_UID
from scanner.fix.edits import Change
from scanner.fix.source import Source, Unfixable
from scanner.fix.target import Target
from scanner.parse.dockerfile import Instruction


def _verb_flag(target: Target, verb: str, flag: str) -> list[Change]:
    """` --flag` right after the verb the finding points at (`install`, `add`)."""
    if target.written != verb:
        raise Unfixable(f"the finding does not point at `{verb}`")
    return [Change(target.end, target.end, " " + flag)]


def pip_no_cache_dir(target: Target) -> list[Change]:
    return _verb_flag(target, "install", "--no-cache-dir")


def apt_no_install_recommends(target: Target) -> list[Change]:
    return _verb_flag(target, "install", "--no-install-recommends")


def apk_no_cache(target: Target) -> list[Change]:
    return _verb_flag(target, "add", "--no-cache")


def _insert(source: Source, where: tuple[int, list[str]]) -> Change:
    at, text = source.insert_lines(*where)
    return Change(at, at, text)


def _instruction(target: Target) -> Instruction:
    line = target.finding.line
    for instruction in getattr(target.tree, "instructions", []):
        if instruction.line <= line <= instruction.end_line:
            return instruction
    raise Unfixable("no instruction where the finding points")


def _append_to_run(target: Target, command: str) -> list[Change]:
    """`&& command` at the end of the RUN the finding is in, or a last line of its heredoc."""
    instruction = _instruction(target)
    if instruction.keyword != "RUN" or instruction.exec_form is not None:
        raise Unfixable("not a shell-form RUN")
    source = target.source
    if instruction.heredocs:
        heredoc = instruction.heredocs[-1]
        if heredoc.end <= heredoc.start or len(instruction.heredocs) > 1:
            raise Unfixable("a RUN with several or empty heredocs")
        last_line, _ = instruction.position(heredoc.end - 1)
        at = source.starts[last_line]  # the line after the body's last: the delimiter
        indent = source.indent_at(source.starts[last_line - 1])
        return [_insert(source, (at, [indent + command]))]
    if "#" in instruction.args:
        raise Unfixable("the RUN holds a `#`, which may start a shell comment")
    line, column = instruction.position(instruction.args_end - 1)
    at = source.offset(line, column + 1)
    return [Change(at, at, " && " + command)]


def apt_lists_removed(target: Target) -> list[Change]:
    return _append_to_run(target, "rm -rf /var/lib/apt/lists/*")


def rpm_cache_cleaned(target: Target) -> list[Change]:
    manager = target.finding.message.split("`")[1] if target.finding.message.count("`") >= 2 else ""
    if manager not in ("yum", "dnf", "microdnf", "tdnf", "zypper"):
        written = _instruction(target).text
        manager = next((m for m in ("microdnf", "tdnf", "dnf", "yum", "zypper") if m in written), "")
    if not manager:
        raise Unfixable("cannot tell which package manager to clean")
    return _append_to_run(target, f"{manager} clean all")


def copy_instead_of_add(target: Target) -> list[Change]:
    if target.written.upper() != "ADD":
        raise Unfixable("the finding does not point at ADD")
    return [Change(target.start, target.end, "COPY" if target.written == "ADD" else "copy")]


def _final_stage_end(target: Target) -> tuple[int, str]:
    """Where a runtime setting goes in the stage the finding is in: before its last CMD or
    ENTRYPOINT, else after its last instruction (after every RUN, which still runs as before);
    and the indent of that line."""
    instructions = list(getattr(target.tree, "instructions", []))
    stage_start = max((i for i, ins in enumerate(instructions)
                       if ins.keyword == "FROM" and ins.line <= target.finding.line), default=-1)
    if stage_start < 0:
        raise Unfixable("no stage where the finding points")
    stage = instructions[stage_start:]
    stage = stage[:next((i for i, ins in enumerate(stage[1:], 1) if ins.keyword == "FROM"), len(stage))]
    runs = [ins for ins in stage if ins.keyword in ("CMD", "ENTRYPOINT")]
    source = target.source
    if runs:
        at = source.starts[runs[-1].line - 1]
        return at, source.indent_at(at)
    last = stage[-1]
    at = source.starts[last.end_line] if last.end_line < len(source.starts) else len(source.text)
    return at, source.indent_at(source.starts[last.line - 1])


def numeric_user(target: Target) -> list[Change]:
    """`USER 10001` where the stage runs as root: replacing `USER root`, or before the last
    CMD/ENTRYPOINT (the image's own files stay owned by root, which is what it should run)."""
    if target.written.strip().lower() in ("root", "0", "root:root", "0:0"):
        return [Change(target.start, target.end, str(NON_ROOT_UID))]
    at, indent = _final_stage_end(target)
    return [_insert(target.source, (at, [f"{indent}USER {NON_ROOT_UID}"]))]


def healthcheck_stub(target: Target) -> list[Change]:
    """A HEALTHCHECK that always passes, marked for the reader to replace: it declares the check
    and its timings; only the command knows whether the service is up."""
    at, indent = _final_stage_end(target)
    return [_insert(target.source, (at, [
        f"{indent}# a placeholder: replace `true` with a command that checks the service",
        f'{indent}HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["true"]']))]
