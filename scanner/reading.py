"""Reading one file: size and encoding checks, classification, and parsing under a time budget.

A file that a structured type claims (by name, or by content for YAML and JSON) and that can't be
read is an error; anything else unreadable is text nobody asked for, and is skipped quietly.
"""

from __future__ import annotations

from typing import Any

from scanner.config import Config
from scanner.discover import SourceFile, classify_content, classify_name, file_type
from scanner.findings import ScanError
from scanner.inputs import ParsedFile


def _claimed(name: str, head: bytes, forced: str) -> bool:
    """Whether a structured type claims the file, so that failing to read it is an error rather
    than a text file quietly skipped (a 20 MB lock file is not worth failing a build over)."""
    by_name = classify_name(name)
    if forced or by_name in ("dockerfile", "terraform"):
        return True
    return by_name == "yaml" and bool(classify_content(name, head.decode("utf-8", "replace")))


def read_source(source: SourceFile, config: Config, stdin_data: bytes | None = None
                ) -> ParsedFile | ScanError | str | None:
    """Read, classify and parse one file. An unreadable file no structured type claims is skipped:
    None for binary or non-UTF-8 text, a note (str) when it is over the size limit. A claimed
    file that can't be read is an error with the reason."""
    if source.problem:
        return ScanError(source.rel, source.problem)
    forced = source.forced_type or config.forced_type
    name = source.path.name
    try:
        if stdin_data is not None:
            data = stdin_data
        elif source.path.stat().st_size > config.limits.max_file_bytes:
            with source.path.open("rb") as handle:
                head = handle.read(65536)
            if not _claimed(name, head, forced):
                return f"skipped {source.rel}: larger than the size limit (--max-file-size)"
            return ScanError(source.rel, f"skipped: larger than the {config.limits.max_file_bytes}-byte "
                                         "limit (--max-file-size)")
        else:
            data = source.path.read_bytes()
    except OSError as exc:
        return ScanError(source.rel, f"cannot read: {exc.strerror or exc}")
    if b"\x00" in data[:8192]:
        return ScanError(source.rel, "binary file, not text") if _claimed(name, data[:65536], forced) else None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if not _claimed(name, data[:65536], forced):
            return None
        line = data[: exc.start].count(b"\n") + 1
        return ScanError(source.rel, f"not valid UTF-8 (byte {exc.start})", line)
    kind = file_type(name, text, forced)
    outcome = parse_text(source, kind, text, budget=config.limits.file_timeout, use_cache=config.use_cache)
    if isinstance(outcome, ScanError) and kind != "text":  # still read for secrets
        return ParsedFile(rel=source.rel, type="text", text=text, path=source.path, error=outcome)
    return outcome


def parse_text(source: SourceFile, kind: str, text: str, origin: Any = None,
               budget: float = 0, use_cache: bool = False) -> ParsedFile | ScanError:
    from scanner import cache
    from scanner.budget import OverBudget, time_budget
    from scanner.parse import ParseError, parser_for

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
