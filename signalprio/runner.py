"""Expand an experiment into runs and execute them on a process pool (one SUMO per process).

libsumo holds one simulation per process, so parallel runs need processes (spawned, so no
SUMO state is ever forked). The background traffic of each seed is simulated once and
saved as SUMO state at every alarm time; runs start from those states. A run that fails is recorded with its message while the
others go on; an input error stops the experiment, since every run would repeat it.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path

from signalprio.errors import UserError
from signalprio.experiment import LoadedExperiment
from signalprio.run import RunResult, RunSpec, execute_run, plan_incidents, save_warm_states, validate_edges


@dataclass(frozen=True)
class RunFailure:
    key: dict[str, object]
    message: str


def expand(loaded: LoadedExperiment) -> list[RunSpec]:
    """All runs: incidents x seeds x strategies, strategies adjacent so pairs finish together."""
    validate_edges(loaded)
    exp = loaded.experiment
    return [RunSpec(loaded, incident, seed, strategy.name)
            for incident in plan_incidents(loaded) for seed in exp.seeds for strategy in exp.strategies]


def _guarded(spec: RunSpec) -> RunResult | RunFailure:
    try:
        return execute_run(spec)
    except UserError:
        raise
    except Exception as error:  # a crashed or failing SUMO must not take the other runs with it
        return RunFailure(spec.key, f"{type(error).__name__}: {error}")


def _warm_up(job: tuple[LoadedExperiment, int, str, list[float], Path]) -> tuple[tuple[int, str], dict[float, Path]]:
    loaded, seed, load, alarms, folder = job
    return (seed, load), save_warm_states(loaded, seed, load, alarms, folder)


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def execute(specs: list[RunSpec], jobs: int,
            on_done: Callable[[RunResult | RunFailure], None] = lambda _: None) -> tuple[list[RunResult], list[RunFailure]]:
    """Warm up each seed and load once (saving state at every alarm), then run every spec from its state."""
    done: list[RunResult] = []
    failed: list[RunFailure] = []

    def collect(outcome: RunResult | RunFailure) -> None:
        (failed if isinstance(outcome, RunFailure) else done).append(outcome)  # type: ignore[arg-type]
        on_done(outcome)

    with tempfile.TemporaryDirectory(prefix="signalprio-states-") as tmp, _pool(jobs) as pool:
        alarms: dict[tuple[int, str], list[float]] = {}
        for spec in specs:
            alarms.setdefault((spec.seed, spec.incident.load), []).append(spec.incident.alarm_s)
        jobs_list = [(specs[0].experiment, seed, load, times, Path(tmp)) for (seed, load), times in alarms.items()]
        states = dict(pool.map(_warm_up, jobs_list))
        warm = [replace(spec, warm_state=states[(spec.seed, spec.incident.load)][spec.incident.alarm_s]) for spec in specs]
        futures = [pool.submit(_guarded, spec) for spec in warm]
        try:
            for future in as_completed(futures):
                collect(future.result())
        except UserError:
            for future in futures:
                future.cancel()
            raise
    return done, failed


def _pool(jobs: int) -> Executor:
    """Processes for parallel runs (spawned, so no SUMO state is ever forked); inline for one job."""
    if jobs <= 1:
        return _InlineExecutor()
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))


class _InlineExecutor(Executor):
    """Runs tasks in this process, in order: the same code path as the pool, for one job or debugging."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # delivered through the future, as a pool would
            future.set_exception(error)
        return future
