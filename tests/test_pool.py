"""The worker pool: a task whose process dies fails alone, with its cause, and the pool goes on."""

from __future__ import annotations

import logging
import os
import signal

import pytest

from signalprio.pool import WorkerDied, WorkerPool


def _square_or_crash(x: int) -> int:
    logging.getLogger("signalprio.sumo.session").debug("t=%d setRedYellowGreenState(J%d, rrGG)", x, x)
    if x == 3:
        os.kill(os.getpid(), signal.SIGSEGV)  # what a crashing libsumo does to its process
    if x == 4:
        raise ValueError("four")
    return x * x


def test_a_crashing_worker_fails_only_its_task_and_names_the_signal_and_last_command() -> None:
    pool = WorkerPool(2)
    try:
        futures = {x: pool.submit(_square_or_crash, x) for x in range(1, 8)}
        with pytest.raises(WorkerDied, match=r"SIGSEGV.*setRedYellowGreenState\(J3, rrGG\)"):
            futures[3].result(timeout=60)
        with pytest.raises(ValueError, match="four"):
            futures[4].result(timeout=60)
        assert [futures[x].result(timeout=60) for x in (1, 2, 5, 6, 7)] == [1, 4, 25, 36, 49]
    finally:
        pool.close()


def test_one_worker_survives_a_crash_too() -> None:
    pool = WorkerPool(1)
    try:
        crashed, after = pool.submit(_square_or_crash, 3), pool.submit(_square_or_crash, 5)
        with pytest.raises(WorkerDied):
            crashed.result(timeout=60)
        assert after.result(timeout=60) == 25
    finally:
        pool.close()


def test_a_worker_killed_while_idle_fails_only_the_task_it_was_given() -> None:
    pool = WorkerPool(1)
    try:
        assert pool.submit(_square_or_crash, 2).result(timeout=60) == 4
        worker = pool._workers[0]
        worker.process.kill()  # from outside, between two tasks
        worker.process.join()
        outcomes = []
        for x in (5, 6):
            try:
                outcomes.append(pool.submit(_square_or_crash, x).result(timeout=60))
            except WorkerDied:
                outcomes.append(None)
        assert outcomes[-1] == 36  # a fresh worker runs the next task
    finally:
        pool.close()
