"""Simulating a year: dispatch with availability, simulate every dispatch not simulated yet, and again, until
each incident's dispatch is one that was simulated (availability has settled, usually in two or three rounds).

Each incident is one run, on the executor every experiment uses (worker processes or Dask), kept in the run store
(resumable) under its dispatch's signature. Its background traffic is its band's, from one warm-up per seed and
band shared by all its incidents (alarms on a grid of the experiment's alarm window). Incidents at the same time
do not meet on the road: each run simulates one incident's vehicles (a stated limit).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from signalprio.dispatch import TravelTimes
from signalprio.experiment import LoadedExperiment
from signalprio.pipeline import Progress, keeper, network, plan_stream
from signalprio.runner import Executor, execute
from signalprio.runs import RunResult
from signalprio.store import RunStore, key_of
from signalprio.year.availability import Assignment, assign
from signalprio.year.dispatching import arrivals_of, settings_of, spec_for, units_of
from signalprio.year.stream import YearIncident


@dataclass(frozen=True)
class Arm:
    layout: str
    strategy: str
    seed: int


@dataclass
class YearRun:
    """The year's incidents, each arm's final dispatch of every incident, and the runs that simulated them."""

    loaded: LoadedExperiment
    stream: list[YearIncident]
    assignments: dict[Arm, list[Assignment]] = field(default_factory=dict)
    results: dict[tuple[Arm, str], RunResult] = field(default_factory=dict)
    failed: dict[tuple[Arm, str], str] = field(default_factory=dict)
    rounds: int = 0  # simulation passes
    settled: bool = False


def simulate_year(loaded: LoadedExperiment, executor: Executor, store: RunStore,
                  progress: Progress | None = None, retry_failed: bool = False) -> YearRun:
    """Rounds of dispatch and simulation for every layout, strategy and seed, until availability settles: every
    incident's dispatch, given the simulated arrivals of those before it, is one that was simulated. `rounds` counts
    the simulation passes."""
    settings = settings_of(loaded)
    exp = loaded.experiment
    year = YearRun(loaded, plan_stream(loaded))
    travel = TravelTimes(network(loaded)).seconds
    units = {layout: units_of(loaded, layout) for layout in loaded.layouts()}
    arms = [Arm(layout, strategy.name, seed) for layout in loaded.layouts() for strategy in exp.strategies
            for seed in exp.seeds]
    arrivals: dict[Arm, dict[str, dict[str, float]]] = {arm: {} for arm in arms}

    def vehicle_types(kind: str) -> list[str]:
        return settings.types[kind].vehicles

    def arm_of(key: dict[str, object]) -> tuple[Arm, str]:
        return Arm(str(key["layout"]), str(key["strategy"]), int(str(key["seed"]))), str(key["incident"])

    while True:  # dispatch; stop when every dispatch was simulated, or after max_rounds simulation passes
        year.assignments = {arm: assign(year.stream, units[arm.layout], vehicle_types, travel, arrivals[arm],
                                        settings.return_factor) for arm in arms}
        todo = {(arm, a.signature): (arm, a) for arm in arms for a in year.assignments[arm]
                if a.sent and (arm, a.signature) not in year.results and (arm, a.signature) not in year.failed}
        if not todo:
            year.settled = True
            store.drop_warm_states()  # every dispatch is simulated: the states are only disk space now
            break
        if year.rounds == settings.max_rounds:
            break
        year.rounds += 1
        specs = {name: spec_for(loaded, arm.layout, arm.strategy, arm.seed, a) for name, (arm, a) in todo.items()}
        fresh = []
        for name, spec in specs.items():
            key = key_of(spec.key)
            if store.done(key):
                year.results[name] = store.load(key)
            elif not retry_failed and (message := store.failure(key)) is not None:
                year.failed[name] = message
            else:
                fresh.append(spec)
        if progress is not None:
            progress.started(len(specs), len(fresh))
        done, failures = execute(fresh, executor, keeper(store, progress), store)
        year.results.update({arm_of(result.key): result for result in done})
        year.failed.update({arm_of(failure.key): failure.message for failure in failures})
        for name, (arm, a) in todo.items():
            if name in year.results:
                arrivals[arm][a.signature] = arrivals_of(a, year.results[name])
    return year
