"""The no-priority envelope: how much of a result is assumption about how an engine drives without priority.

Without priority an engine's time rests on assumptions no field data pins down: the speed at which it crosses a
red, how early cross traffic notices it and stops, how far above the limit it drives. An experiment's `envelope`
reruns it under named parameter sets and reports the benefit of priority under each, so a reader sees how much of
the result is assumption (docs/vehicles.md gives the sets and their sources).
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import pandas as pd

from signalprio.errors import UserError
from signalprio.experiment import EngineSettings, LoadedExperiment

Behaviour = Literal["cautious", "typical", "assertive"]

# red-crossing speed (km/h), reaction distance of cross traffic (m), speed factor over the limit (None: the vehicle
# types' own, 1.2); "typical" is the default of every experiment
BEHAVIOURS: dict[str, dict[str, float | None]] = {
    "cautious": {"red_crossing_kmh": 7.0, "reaction_distance_m": 50.0, "speed_factor": 1.1},
    "typical": {"red_crossing_kmh": 10.0, "reaction_distance_m": 100.0, "speed_factor": None},
    "assertive": {"red_crossing_kmh": 20.0, "reaction_distance_m": 150.0, "speed_factor": 1.3},
}
AS_CONFIGURED = "as configured"
_FIELDS = ("red_crossing_kmh", "reaction_distance_m", "speed_factor")


def behaviour_of(engine: EngineSettings) -> str:
    """The name of the parameter set an experiment's engine settings are, or 'as configured'."""
    own = {field: getattr(engine, field) for field in _FIELDS}
    return next((name for name, values in BEHAVIOURS.items() if values == own), AS_CONFIGURED)


def describe_behaviour(engine: EngineSettings) -> str:
    """'typical: 10 km/h through red, cross traffic held from 100 m, speed factor of the vehicle types'."""
    factor = "of the vehicle types" if engine.speed_factor is None else f"{engine.speed_factor:g}"
    return (f"{behaviour_of(engine)}: {engine.red_crossing_kmh:g} km/h through red, cross traffic held from "
            f"{engine.reaction_distance_m:g} m, speed factor {factor}")


def with_envelope(loaded: LoadedExperiment, names: str) -> LoadedExperiment:
    """The experiment with the envelope given on the command line ('cautious,typical,assertive')."""
    chosen = [name.strip() for name in names.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in BEHAVIOURS]
    if unknown or not chosen or len(set(chosen)) != len(chosen):
        raise UserError(f"--envelope: '{names}' is not a list of distinct behaviours from {', '.join(BEHAVIOURS)}")
    changed = loaded.experiment.model_copy(update={"envelope": chosen})
    return dataclasses.replace(loaded, experiment=changed)


def variants(loaded: LoadedExperiment) -> list[tuple[str, LoadedExperiment]]:
    """The experiment under each behaviour of its envelope other than its own (which is the experiment itself)."""
    exp = loaded.experiment
    own = behaviour_of(exp.engine)
    out: list[tuple[str, LoadedExperiment]] = []
    for name in exp.envelope or []:
        if name != own:
            engine = exp.engine.model_copy(update=BEHAVIOURS[name])
            changed = exp.model_copy(update={"engine": engine, "envelope": None})
            out.append((name, dataclasses.replace(loaded, experiment=changed)))
    return out


def envelope_table(arms: list[tuple[str, LoadedExperiment, pd.DataFrame]]) -> pd.DataFrame:
    """Per behaviour and strategy: the first stage of the first plan (rate and change against 'none') with the
    behaviour's parameters. `arms`: label, experiment and compliance table of each behaviour."""
    rows = []
    for label, loaded, compliance in arms:
        plan = loaded.plan.name
        engine = loaded.experiment.engine
        first = compliance[(compliance["plan"] == plan) & (compliance["stage_index"] == 0)]
        for row in first.to_dict("records"):
            rows.append({"behaviour": label, **{f: getattr(engine, f) for f in _FIELDS},
                         **{k: row[k] for k in ("plan", "stage", "layout", "strategy", "n", "rate", "rate_low",
                                                "rate_high", "rate_change", "rate_change_low", "rate_change_high",
                                                "rate_change_p", "arrival_median_s", "arrival_change_median_s")}})
    frame = pd.DataFrame(rows)
    if len(frame):
        frame["speed_factor"] = frame["speed_factor"].astype(float)
        rank = {name: i for i, name in enumerate([*BEHAVIOURS, AS_CONFIGURED])}
        frame = frame.sort_values("behaviour", key=lambda names: names.map(rank), kind="stable", ignore_index=True)
    return frame
