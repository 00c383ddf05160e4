"""Execute runs on local processes or a Dask cluster.

libsumo holds one simulation per process, so runs execute in worker processes (spawned, so no
SUMO state is ever forked; `signalprio.pool` says what happens when SUMO crashes). The background
traffic of each seed and load is simulated once and saved as SUMO state at every alarm time; runs
start from those states. A run that fails is recorded with its message while the others go on; an
input error stops the experiment, since every run would repeat it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, as_completed
from dataclasses import dataclass, replace
from typing import Any, Protocol

from signalprio.errors import UserError
from signalprio.experiment import LoadedExperiment
from signalprio.pool import WorkerDied, WorkerPool
from signalprio.run import execute_run, save_warm_states
from signalprio.runs import RunResult, RunSpec, WarmStart


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


def _warm_up(job: tuple[LoadedExperiment, int, str, list[float]]) -> tuple[tuple[int, str], dict[float, WarmStart]]:
    loaded, seed, load, alarms = job
    return (seed, load), save_warm_states(loaded, seed, load, alarms)


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class WarmStates(Protocol):
    """Where warm-up states are kept between invocations, so a resumed experiment does not simulate them again."""

    def warm_states(self, seed: int, load: str, alarms: list[float]) -> dict[float, WarmStart] | None: ...

    def save_warm_states(self, seed: int, load: str, states: dict[float, WarmStart]) -> None: ...


def _describe(error: BaseException) -> str:
    return str(error) if isinstance(error, WorkerDied) else f"{type(error).__name__}: {error}"


def execute(
    specs: list[RunSpec], pool: Executor, on_done: Callable[[RunResult | RunFailure], None] = lambda _: None,
    warm: WarmStates | None = None,
) -> tuple[list[RunResult], list[RunFailure]]:
    """Warm up each seed and load once (state at every alarm, kept in `warm` when given), then run every spec from
    its state on `pool`. A run whose warm-up or simulation fails, or whose worker dies, is a failed run with its
    cause; an input error stops everything, since every run would repeat it."""
    done: list[RunResult] = []
    failed: list[RunFailure] = []
    alarms: dict[tuple[int, str], list[float]] = {}
    for spec in specs:
        alarms.setdefault((spec.seed, spec.incident.load), []).append(spec.incident.alarm_s)
    states: dict[tuple[int, str], dict[float, WarmStart]] = {}
    warm_ups: dict[Any, tuple[int, str]] = {}
    for (seed, load), times in alarms.items():
        kept = warm.warm_states(seed, load, times) if warm is not None else None
        if kept is not None:
            states[(seed, load)] = kept
        else:
            warm_ups[pool.submit(_warm_up, (specs[0].experiment, seed, load, times))] = (seed, load)
    broken: dict[tuple[int, str], str] = {}
    for future in pool.as_completed(list(warm_ups)):
        group = warm_ups[future]
        try:
            states[group] = future.result()[1]
        except UserError:
            raise
        except Exception as error:
            broken[group] = f"warm-up of seed {group[0]}, load {group[1]} failed: {_describe(error)}"
        else:
            if warm is not None:
                warm.save_warm_states(*group, states[group])
    futures: dict[Any, RunSpec] = {}
    try:
        for spec in specs:
            group = (spec.seed, spec.incident.load)
            if group in broken:
                failed.append(RunFailure(spec.key, broken[group]))
                on_done(failed[-1])
                continue
            futures[pool.submit(run_guarded, replace(spec, warm_state=states[group][spec.incident.alarm_s]))] = spec
        for future in pool.as_completed(list(futures)):
            try:
                outcome = future.result()
            except UserError:
                raise
            except Exception as error:  # the worker died (SUMO crashed), or a cluster gave up on the task
                outcome = RunFailure(futures[future].key, _describe(error))
            if isinstance(outcome, RunFailure):
                failed.append(outcome)
            else:
                done.append(outcome)
            on_done(outcome)
    except BaseException:
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
    """Worker processes on this machine, even for one job: a SUMO that crashes takes only its own run with it."""

    def __init__(self, jobs: int) -> None:
        self._pool = WorkerPool(jobs)

    def submit(self, fn: Callable[..., Any], arg: Any) -> Future[Any]:
        return self._pool.submit(fn, arg)

    def as_completed(self, futures: list[Future[Any]]) -> Iterator[Future[Any]]:
        return as_completed(futures)

    def close(self) -> None:
        self._pool.close()


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
