"""Saved container images (`docker save` tar, OCI layout directory or tar), read without an engine.

`scan_archive` is the entry point of `hullscan image ARCHIVE`: it opens the archive, runs the
catalog's image rules on the model and returns the same `ScanResult` a file scan returns. Heavy
modules are imported only when an archive is actually scanned.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner.config import Config
    from scanner.engine import ScanResult


def scan_archive(path: Path, config: Config) -> ScanResult:
    """Findings of every selected image rule; an unreadable archive is one error, not a traceback."""
    from scanner.discover import relative_name
    from scanner.engine import ScanResult, scan_parsed
    from scanner.findings import ScanError
    from scanner.image.layers import ImageError
    from scanner.image.model import opened
    from scanner.inputs import ParsedFile

    display = relative_name(path, config.root.resolve())
    result = ScanResult()
    errors: list[str] = []
    notes: list[str] = []
    try:
        with opened(path, display, config.limits) as images:
            for image in images:
                image.allow_paths = config.secret_allow_paths
                image.allow_fingerprints = frozenset(config.secret_allow_fingerprints)
            scan_parsed([ParsedFile(rel=display, type="image", text="", tree=images, path=path)],
                        config, result)
            for image in images:
                errors.extend(image.errors)
                notes.extend(image.notes)
    except ImageError as exc:
        result.errors.append(ScanError(display, str(exc)))
        return result
    except OSError as exc:
        result.errors.append(ScanError(display, f"cannot read: {exc.strerror or exc}"))
        return result
    result.files = 1
    result.types = {"image": 1}
    # Images sharing a layer, and two rules reading the same damaged one, meet the same problem.
    result.errors.extend(ScanError(display, message) for message in dict.fromkeys(errors))
    result.notes.extend(f"{display}: {note}" for note in dict.fromkeys(notes))
    return result
