"""Expand an experiment into runs and execute them on a process pool (one SUMO per process).

libsumo holds one simulation per process, so parallel runs need processes (spawned, so no
SUMO state is ever forked). A run that fails is recorded with its message while the
others go on; an input error stops the experiment, since every run would repeat it.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from signalprio.errors import UserError
from signalprio.experiment import LoadedExperiment
from signalprio.run import RunResult, RunSpec, execute_run, plan_incidents, validate_edges


@dataclass(frozen=True)
class RunFailure:
    key: dict[str, object]
    message: str


def expand(loaded: LoadedExperiment) -> list[RunSpec]:
    """All runs: incidents x seeds x strategies, strategies adjacent so pairs finish together."""
    validate_edges(loaded)
    exp = loaded.experiment
    return [RunSpec(loaded, incident, seed, strategy)
            for incident in plan_incidents(loaded) for seed in exp.seeds for strategy in exp.strategies]


def _guarded(spec: RunSpec) -> RunResult | RunFailure:
    try:
        return execute_run(spec)
    except UserError:
        raise
    except Exception as error:  # a crashed or failing SUMO must not take the other runs with it
        return RunFailure(spec.key, f"{type(error).__name__}: {error}")


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def execute(specs: list[RunSpec], jobs: int,
            on_done: Callable[[RunResult | RunFailure], None] = lambda _: None) -> tuple[list[RunResult], list[RunFailure]]:
    done: list[RunResult] = []
    failed: list[RunFailure] = []

    def collect(outcome: RunResult | RunFailure) -> None:
        (failed if isinstance(outcome, RunFailure) else done).append(outcome)  # type: ignore[arg-type]
        on_done(outcome)

    if jobs <= 1:
        for spec in specs:
            collect(_guarded(spec))
        return done, failed
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(_guarded, spec) for spec in specs]
        try:
            for future in as_completed(futures):
                collect(future.result())
        except UserError:
            for future in futures:
                future.cancel()
            raise
    return done, failed
