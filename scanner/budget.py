"""A time budget for work on one file, so that one runaway input cannot hang a whole scan.

Uses a real-time interval timer, which only the main thread of a process can own; elsewhere (a
thread) the work simply runs unbounded, which is what it did before.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class OverBudget(BaseException):
    """The work took longer than its budget. Not an `Exception`, so that code which keeps going
    after one failure (a rule that breaks, the others still run) does not keep going past it."""


def _expire(signum: int, frame: object) -> None:
    raise OverBudget


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):
        yield
        return
    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
