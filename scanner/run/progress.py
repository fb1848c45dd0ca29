"""Progress on standard error while a long scan runs: only when standard error is a terminal (a
log or a pipe never gets carriage returns), and only once the scan has taken a second (a
pre-commit run on a few files says nothing). One line, rewritten in place and cleared at the end,
so the report that follows starts on a clean line. The clock here decides what is shown, never
what is found.
"""

from __future__ import annotations

import time
from typing import TextIO

DELAY = 1.0  # seconds before the first progress line
INTERVAL = 0.1  # seconds between rewrites of the line


class Progress:
    """`step(done, total)` after each unit of the scan; `close()` when it is over."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.written = 0.0
        self.shown = False

    def step(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.started < DELAY or now - self.written < INTERVAL:
            return
        self.written = now
        self.shown = True
        self.stream.write(f"\rhullscan: {done}/{total} scanned ({100 * done // max(total, 1)}%)\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def progress_on(stream: TextIO) -> Progress | None:
    """A progress line for `stream` when it is a terminal, else None."""
    try:
        return Progress(stream) if stream.isatty() else None
    except (AttributeError, ValueError):  # a closed or replaced stream
        return None
