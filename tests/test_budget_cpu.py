"""The per-file budget counts CPU time: waiting does not use it up, working does, and an inner
budget never outlasts the outer one. No wall-clock assertion: the waits are what is ignored, and
the work is measured in the process's own CPU time."""

from __future__ import annotations

import time

import pytest

from scanner.run.budget import OverBudget, time_budget


def _work(cpu_seconds: float) -> None:
    until = time.process_time() + cpu_seconds
    while time.process_time() < until:
        pass


def test_waiting_does_not_use_the_budget() -> None:
    with time_budget(0.05):
        time.sleep(0.3)  # a loaded machine, a slow disk: no CPU used, nothing to cut


def test_working_past_the_budget_is_cut() -> None:
    with pytest.raises(OverBudget), time_budget(0.05):
        _work(5)


def test_an_inner_budget_keeps_to_the_outer_one() -> None:
    with pytest.raises(OverBudget), time_budget(0.1), time_budget(30):
        _work(5)


def test_the_outer_budget_still_runs_after_an_inner_one() -> None:
    with pytest.raises(OverBudget), time_budget(0.2):
        with time_budget(0.05):
            pass
        _work(5)
