"""Reading one file: size and encoding checks, classification, and parsing under a time budget.

A file that a structured type claims (by name, or by content for YAML and JSON) and that can't be
read is an error; a `.yaml`/`.yml`/`.json` file that can't be read is a note; anything else
unreadable is text nobody asked for, and is skipped quietly. hullscan's own reports are never
judged (a note names them): the rule documentation SARIF embeds holds example tokens.
"""

from __future__ import annotations

from typing import Any

from scanner.inputs.decoding import NotText, decode
from scanner.inputs.discover import SourceFile, classify_content, classify_name, file_type, own_report
from scanner.inputs.parsed import ParsedFile
from scanner.results.findings import ScanError
from scanner.settings.config import Config


def _claimed(name: str, head: bytes, forced: str) -> bool:
    """Whether a structured type claims the file, so that failing to read it is an error rather
    than a text file quietly skipped (a 20 MB lock file is not worth failing a build over)."""
    by_name = classify_name(name)
    if forced or by_name in ("dockerfile", "terraform"):
        return True
    return by_name == "yaml" and bool(classify_content(name, head.decode("utf-8", "replace")))


def _unread(source: SourceFile, data: bytes, forced: str, problem: NotText) -> ScanError | str | None:
    """What to say about a file that is not text: an error when a structured type claims it, a
    note for a YAML or JSON name (never dropped silently), nothing for other files."""
    reason = "binary file, not text" if problem.offset is None else f"not valid UTF-8 (byte {problem.offset})"
    if _claimed(source.path.name, data[:65536], forced):
        line = data[:problem.offset].count(b"\n") + 1 if problem.offset is not None else 0
        return ScanError(source.rel, reason, line)
    if classify_name(source.path.name) == "yaml":
        return f"skipped {source.rel}: {reason}"
    return None


def scan_type(name: str, text: str, forced: str, from_stdin: bool) -> str:
    """The type to scan a file as. Standard input is classified by content like a file: its name
    (`stdin`, or a `--stdin-name` without a YAML suffix) says nothing about what was piped in."""
    if from_stdin and not forced and classify_name(name) == "text":
        return classify_content(name, text) or "text"
    return file_type(name, text, forced)


def _oversize(source: SourceFile, head: bytes, forced: str, limit: int) -> ScanError | str:
    if not _claimed(source.path.name, head, forced):
        return f"skipped {source.rel}: larger than the size limit (--max-file-size)"
    return ScanError(source.rel, f"skipped: larger than the {limit}-byte limit (--max-file-size)")


def read_source(source: SourceFile, config: Config, stdin_data: bytes | None = None, by_name: bool = False
                ) -> ParsedFile | ScanError | str | None:
    """Read, classify and parse one file. An unreadable file no structured type claims is skipped:
    None for binary or undecodable text (a note for a YAML or JSON name), a note (str) when it is
    over the size limit or is a report hullscan wrote. A claimed file that can't be read is an
    error with the reason. `stdin_data` is the file's content when it comes from elsewhere: standard
    input, classified by content, or (`by_name`) an editor's buffer of the named file, classified
    and bounded as the file on disk would be."""
    if source.problem:
        return ScanError(source.rel, source.problem)
    forced = source.forced_type or config.forced_type
    name = source.path.name
    limit = config.limits.max_file_bytes
    try:
        if stdin_data is not None:
            data = stdin_data
            if by_name and len(data) > limit:
                return _oversize(source, data[:65536], forced, limit)
        elif source.path.stat().st_size > limit:
            with source.path.open("rb") as handle:
                return _oversize(source, handle.read(65536), forced, limit)
        else:
            data = source.path.read_bytes()
    except OSError as exc:
        return ScanError(source.rel, f"cannot read: {exc.strerror or exc}")
    try:
        text = decode(data)
    except NotText as problem:
        return _unread(source, data, forced, problem)
    report = own_report(text)
    if report and not forced:
        return f"skipped {source.rel}: a {report} report written by hullscan, not judged"
    kind = scan_type(name, text, forced, stdin_data is not None and not by_name)
    outcome = parse_text(source, kind, text, budget=config.limits.file_timeout, use_cache=config.use_cache)
    if isinstance(outcome, ScanError) and kind != "text":  # still read for secrets
        return ParsedFile(rel=source.rel, type="text", text=text, path=source.path, error=outcome)
    return outcome


def parse_text(source: SourceFile, kind: str, text: str, origin: Any = None,
               budget: float = 0, use_cache: bool = False) -> ParsedFile | ScanError:
    from scanner.parse.parsers import ParseError, parser_for
    from scanner.run import cache
    from scanner.run.budget import OverBudget, time_budget

    parse = parser_for(kind)
    tree = cache.load_tree(source, kind, text) if use_cache and parse is not None else None
    if parse is not None and tree is None:
        try:
            with time_budget(budget):
                tree = parse(text, source.rel)
            if use_cache:
                cache.store_tree(source, kind, text, tree)
        except OverBudget:
            return ScanError(source.rel, f"took longer than {budget:g} s to parse (--file-timeout)")
        except ParseError as exc:
            return ScanError(source.rel, exc.message, exc.line)
        except RecursionError:
            return ScanError(source.rel, "nesting is too deep to read")
        except Exception as exc:  # noqa: BLE001 - one unreadable file must not end the scan
            return ScanError(source.rel, f"cannot be parsed ({type(exc).__name__})")
    return ParsedFile(rel=source.rel, type=kind, text=text, tree=tree, path=source.path, origin=origin)
