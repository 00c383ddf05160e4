"""Execute runs on local processes or a Dask cluster.

libsumo holds one simulation per process, so parallel runs need processes (spawned, so no
SUMO state is ever forked). The background traffic of each seed and load is simulated once
and saved as SUMO state at every alarm time; runs start from those states. A run that fails
is recorded with its message while the others go on; an input error stops the experiment,
since every run would repeat it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from typing import Any, Protocol

from signalprio.errors import UserError
from signalprio.experiment import LoadedExperiment
from signalprio.run import execute_run, save_warm_states
from signalprio.runs import RunResult, RunSpec


@dataclass(frozen=True)
class RunFailure:
    key: dict[str, object]
    message: str


def run_guarded(spec: RunSpec) -> RunResult | RunFailure:
    try:
        return execute_run(spec)
    except UserError:
        raise
    except Exception as error:  # a crashed or failing SUMO must not take the other runs with it
        return RunFailure(spec.key, f"{type(error).__name__}: {error}")


def _warm_up(job: tuple[LoadedExperiment, int, str, list[float]]) -> tuple[tuple[int, str], dict[float, bytes]]:
    loaded, seed, load, alarms = job
    return (seed, load), save_warm_states(loaded, seed, load, alarms)


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def execute(
    specs: list[RunSpec], pool: Executor, on_done: Callable[[RunResult | RunFailure], None] = lambda _: None
) -> tuple[list[RunResult], list[RunFailure]]:
    """Warm up each seed and load once (state at every alarm), then run every spec from its state on `pool`."""
    done: list[RunResult] = []
    failed: list[RunFailure] = []
    if not specs:
        return done, failed
    alarms: dict[tuple[int, str], list[float]] = {}
    for spec in specs:
        alarms.setdefault((spec.seed, spec.incident.load), []).append(spec.incident.alarm_s)
    warm_ups = [pool.submit(_warm_up, (specs[0].experiment, seed, load, times))
                for (seed, load), times in alarms.items()]
    states = dict(future.result() for future in warm_ups)
    futures = [pool.submit(run_guarded,
                           replace(spec, warm_state=states[(spec.seed, spec.incident.load)][spec.incident.alarm_s]))
               for spec in specs]
    try:
        for future in pool.as_completed(futures):
            outcome = future.result()
            if isinstance(outcome, RunFailure):
                failed.append(outcome)
            else:
                done.append(outcome)
            on_done(outcome)
    except UserError:
        for future in futures:
            future.cancel()
        raise
    return done, failed


class Executor(Protocol):
    """Where runs execute: `submit` a function and its one argument, collect results as they complete."""

    def submit(self, fn: Callable[..., Any], arg: Any) -> Any: ...

    def as_completed(self, futures: list[Any]) -> Iterator[Any]: ...

    def close(self) -> None: ...


class _Local:
    """Spawned worker processes (no SUMO state is ever forked), or this process for one job."""

    def __init__(self, jobs: int) -> None:
        self._pool = (ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))
                      if jobs > 1 else None)

    def submit(self, fn: Callable[..., Any], arg: Any) -> Future[Any]:
        if self._pool is not None:
            return self._pool.submit(fn, arg)
        future: Future[Any] = Future()
        try:
            future.set_result(fn(arg))
        except BaseException as error:  # delivered through the future, as a pool would
            future.set_exception(error)
        return future

    def as_completed(self, futures: list[Future[Any]]) -> Iterator[Future[Any]]:
        return as_completed(futures)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


class _Dask:
    """A Dask cluster (optional extra `signalprio[dask]`); each worker process runs one SUMO at a time."""

    def __init__(self, scheduler: str) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise UserError("--executor dask needs the optional extra: pip install 'signalprio[dask]'") from None
        try:
            self._client = Client(scheduler, timeout="10s")
        except OSError as error:
            raise UserError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({error})") from None

    def submit(self, fn: Callable[..., Any], arg: Any) -> Any:
        return self._client.submit(fn, arg, pure=False)

    def as_completed(self, futures: list[Any]) -> Iterator[Any]:
        from distributed import as_completed as dask_completed

        return iter(dask_completed(futures))

    def close(self) -> None:
        self._client.close()


@contextlib.contextmanager
def executor_for(jobs: int | None = None, scheduler: str | None = None) -> Iterator[Executor]:
    """Local processes (`jobs`, default one per core), or the Dask cluster at `scheduler`."""
    executor: Executor = _Dask(scheduler) if scheduler else _Local(jobs or default_jobs())
    try:
        yield executor
    finally:
        executor.close()
