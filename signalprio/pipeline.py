"""The one path from an experiment to its tables: plan the runs, execute them, collect the tables.

`signalprio run`, the regression check, the pytest plugin and the benchmarks all call
`run_experiment`; they differ only in where runs execute (the executor), whether finished runs
are kept on disk (the store) and what they do with the result.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd

from signalprio.envelope import envelope_table
from signalprio.errors import UserError
from signalprio.experiment import Incident, LoadedExperiment, edge_districts, validate_edges
from signalprio.model.network import Network
from signalprio.provenance import provenance
from signalprio.results import add_compliance, stamped, summarise, tables, write_summary, write_tables
from signalprio.run import network_of
from signalprio.runner import Executor, RunFailure, execute
from signalprio.runs import RunResult, RunSpec
from signalprio.store import RunStore, key_of
from signalprio.year.dispatching import settings_of
from signalprio.year.stream import YearIncident, year_stream


@dataclass(frozen=True)
class Results:
    """Every table of an experiment, its per-strategy summary, and the runs that failed."""

    loaded: LoadedExperiment
    stamp: dict[str, str]
    planned: int  # runs the experiment has
    done: int  # runs whose rows are in the tables
    failed: list[tuple[dict[str, object], str]] = field(default_factory=list)  # run key, message
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)


class Progress(Protocol):
    """Told how many runs there are and each time one finishes (a progress bar, a log line)."""

    def started(self, planned: int, todo: int) -> None: ...

    def finished(self, outcome: RunResult | RunFailure) -> None: ...


def network(loaded: LoadedExperiment) -> Network:
    """The scenario's network, checked against every edge the experiment and scenario name."""
    net = network_of(loaded.scenario.network_path())
    validate_edges(loaded, net)
    return net


def plan_incidents(loaded: LoadedExperiment) -> list[Incident]:
    """The experiment's incidents (sampled reproducibly, or read from its CSV file)."""
    return loaded.incidents(network(loaded).edge_lengths)


def plan_stream(loaded: LoadedExperiment, incidents: int | None = None) -> list[YearIncident]:
    """The year's incidents (its first `incidents`, else the slice the file asks for), on the experiment's districts
    and alarm window; a band's load or a type's vehicle the scenario cannot serve is an input error."""
    settings = settings_of(loaded)
    if incidents is not None:
        settings = settings.model_copy(update={"incidents": incidents})
    for name, band in settings.bands.items():
        if band.load not in loaded.scenario.demand:
            raise UserError(f"{loaded.path}: field 'year.bands.{name}.load': the scenario has no traffic load "
                            f"'{band.load}' (has: {', '.join(sorted(loaded.scenario.demand))})")
    fleet = loaded.fleet()
    for name, kind in settings.types.items():
        for vehicle in kind.vehicles:
            if vehicle not in fleet:
                raise UserError(f"{loaded.path}: field 'year.types.{name}.vehicles': unknown vehicle type "
                                f"'{vehicle}' (known: {', '.join(sorted(fleet))})")
    net = network(loaded)
    districts, weights = edge_districts(loaded)
    sampling = loaded.experiment.incidents
    return year_stream(settings, districts, weights, net.edge_lengths, (sampling.alarm_from_s, sampling.alarm_to_s))


def plan_runs(loaded: LoadedExperiment) -> list[RunSpec]:
    """All runs: incidents x seeds x station layouts x strategies, adjacent so pairs finish together."""
    exp = loaded.experiment
    return [RunSpec(loaded, incident, seed, strategy.name, layout)
            for incident in plan_incidents(loaded) for seed in exp.seeds for layout in loaded.layouts()
            for strategy in exp.strategies]


def run_experiment(loaded: LoadedExperiment, executor: Executor, store: RunStore | None = None, *,
                   retry_failed: bool = False, progress: Progress | None = None) -> Results:
    """Run what is not yet done (all of it without a store) and collect the tables of every finished run."""
    specs = plan_runs(loaded)
    todo = specs if store is None else [
        spec for spec in specs if not store.done(key_of(spec.key))
        and (retry_failed or store.failure(key_of(spec.key)) is None)]
    if progress is not None:
        progress.started(len(specs), len(todo))

    done, failures = execute(todo, executor, keeper(store, progress), store)
    failed = [(f.key, f.message) for f in failures]
    if store is not None:
        done = [store.load(key_of(spec.key)) for spec in specs if store.done(key_of(spec.key))]
        failed = [(spec.key, store.failure(key_of(spec.key)) or "not run (interrupted)")
                  for spec in specs if not store.done(key_of(spec.key))]
        if not failed:
            store.drop_warm_states()
    return collect(loaded, done, failed, len(specs))


def keeper(store: RunStore | None, progress: Progress | None) -> Callable[[RunResult | RunFailure], None]:
    """What happens to each finished run: kept in the store (a failure with its message), told to the progress."""
    def keep(outcome: RunResult | RunFailure) -> None:
        if store is not None:
            if isinstance(outcome, RunFailure):
                store.save_failure(key_of(outcome.key), outcome.message)
            else:
                store.save(outcome)
        if progress is not None:
            progress.finished(outcome)
    return keep


def collect(loaded: LoadedExperiment, done: list[RunResult], failed: list[tuple[dict[str, object], str]],
            planned: int) -> Results:
    """Tables, compliance under every plan of the experiment, and the per-strategy summary."""
    exp = loaded.experiment
    stamp = provenance(exp.name, loaded.digest())
    if not done:
        return Results(loaded, stamp, planned, 0, failed)
    order = [s.name for s in exp.strategies]
    frames = tables(done, stamp)
    add_compliance(frames, list(loaded.plans), order, stamp, loaded.layouts())
    return Results(loaded, stamp, planned, len(done), failed, frames, summarise(frames, order, loaded.layouts()))


def save(results: Results, folder: Path) -> None:
    """Write every table and summary.json into `folder` (the experiment's results folder)."""
    loaded, stamp = results.loaded, results.stamp
    exp = loaded.experiment
    write_tables(folder, results.frames, stamp, exp.model_dump(mode="json"))
    compliance = results.frames["compliance"].drop(columns=list(stamp))
    write_summary(folder, results.summary, stamp, {
        "parameters": exp.model_dump(mode="json"),
        "plans": [p.model_dump() for p in loaded.plans],
        "compliance": json.loads(compliance.to_json(orient="records")),
        "runs": results.planned, "failed": [{"run": key, "message": message} for key, message in results.failed],
        "network": str(loaded.scenario.network_path().resolve()),
    })


def save_envelope(folder: Path, arms: list[tuple[str, Results]]) -> pd.DataFrame:
    """The envelope table of an experiment and its behaviour variants, written beside the experiment's tables."""
    first = arms[0][1]
    envelope = envelope_table([(label, r.loaded, r.frames["compliance"]) for label, r in arms if r.done])
    if len(envelope):
        write_tables(folder, {"envelope": stamped("envelope", envelope, first.stamp)}, first.stamp,
                     first.loaded.experiment.model_dump(mode="json"))
    return envelope
