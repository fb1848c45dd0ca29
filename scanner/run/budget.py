"""A time budget for work on one file, so that one runaway input cannot hang a whole scan.

The budget counts the CPU time of this process (`ITIMER_PROF`), not the wall clock: whether a file
is judged or reported as "took too long" must not depend on how loaded the machine is, and a
loaded CI runner gives a process less CPU per second, not more work to do. Waiting (for a disk,
for a renderer's child process) is not counted; those waits have bounds of their own.

An interval timer belongs to the main thread of a process; elsewhere (a thread) the work simply
runs unbounded. Budgets nest: an inner one never outlasts the outer one it runs within.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class OverBudget(BaseException):
    """The work took longer than its budget. Not an `Exception`, so that code which keeps going
    after one failure (a rule that breaks, the others still run) does not keep going past it."""


def _expire(signum: int, frame: object) -> None:
    raise OverBudget


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise OverBudget inside the block once it has used `seconds` of CPU time."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):
        yield
        return
    outer, _ = signal.getitimer(signal.ITIMER_PROF)
    previous = signal.signal(signal.SIGPROF, _expire)
    started = time.process_time()
    signal.setitimer(signal.ITIMER_PROF, min(seconds, outer) if outer else seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        if outer:
            # what is left of the outer budget; at least a moment, so that it still expires
            signal.setitimer(signal.ITIMER_PROF, max(outer - (time.process_time() - started), 1e-3))
