"""Bicep files judged as the ARM templates they build to, when a `bicep` executable is on PATH.

`bicep build FILE --stdout` runs through the boundary's `run_offline`: in a private copy of the
file's folder (so a `module '../../x.bicep'` can't read outside what was copied), with no network
credentials or home of the user's, bounded in time and output. The template it prints is read
like any ARM template, its locations moved to the `.bicep` lines (`bicep_map`), and judged under
the `.bicep` file's name; the file's own text stays its text, so `// hullscan:ignore` comments in
it apply, and its secrets are found where they are written. Without a `bicep` executable, the
files are read for secrets only and one note says how to judge them:

    bicep build main.bicep --stdout | hullscan scan - --stdin-name main.json
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from scanner.inputs.discover import SKIPPED_DIRS, SourceFile
from scanner.inputs.parsed import ParsedFile
from scanner.results.findings import ScanError
from scanner.settings.config import Config

SUFFIX = ".bicep"
TIMEOUT = 60.0
PIPE = "bicep build main.bicep --stdout | hullscan scan - --stdin-name main.json"


def bicep_sources(sources: Sequence[SourceFile]) -> list[SourceFile]:
    return [source for source in sources if source.path.name.lower().endswith(SUFFIX) and not source.problem]


def executable() -> str | None:
    return shutil.which("bicep")


def missing_note(count: int) -> str:
    return (f"{count} Bicep file(s) read for secrets only: no `bicep` executable on PATH to build them to "
            f"ARM templates (install the Bicep CLI, or pipe one: `{PIPE}`)")


def build(source: SourceFile, config: Config, command: str) -> ParsedFile | ScanError:
    """The Bicep file as an `arm` file: its own text, the built template's tree at its lines."""
    from scanner.boundary import Boundary, OverLimit, Refused, private_folder, run_offline
    from scanner.model.arm.bicep_map import relocate
    from scanner.parse.jsonc import parse
    from scanner.parse.parsers import ParseError

    boundary = Boundary(config.root, config.limits.max_file_bytes)
    try:
        text = boundary.read_text(source.path)
        with private_folder("hullscan-bicep-") as folder:
            copy, home = folder / "src", folder / "home"
            home.mkdir()
            boundary.copy_tree(source.path.parent, copy, skip=SKIPPED_DIRS)
            done = run_offline([command, "build", source.path.name, "--stdout"], cwd=copy, home=home,
                               timeout=TIMEOUT, max_output=4 * config.limits.max_file_bytes)
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["bicep build failed"])[-1]
            return ScanError(source.rel, f"bicep build failed: {reason[:300]}")
        tree = parse(done.stdout, source.rel)
    except (Refused, OverLimit, OSError) as exc:
        return ScanError(source.rel, f"not built with bicep: {exc}")
    except ParseError as exc:
        return ScanError(source.rel, f"bicep printed a template that can't be read: {exc.message}")
    for document in tree:
        relocate(document, text, source.rel)
    return ParsedFile(rel=source.rel, type="arm", text=text, tree=tree, path=Path(source.path))


def prepare(sources: Sequence[SourceFile], config: Config) -> tuple[list[ParsedFile], list[ScanError], list[str]]:
    """The scan's Bicep files built (read already, so not read again as text), the errors of
    those that failed to build, and the note when there is nothing to build them with."""
    found = bicep_sources(sources)
    if not found:
        return [], [], []
    command = executable()
    if command is None:
        return [], [], [missing_note(len(found))]
    built: list[ParsedFile] = []
    errors: list[ScanError] = []
    for source in found:
        outcome = build(source, config, command)
        (built if isinstance(outcome, ParsedFile) else errors).append(outcome)  # type: ignore[arg-type]
    return built, errors, []
