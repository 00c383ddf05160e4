"""Experiment files: what to run (scenario, load, strategies, incidents, seeds) as validated data.

An experiment expands into runs: one SUMO simulation per (incident, seed, strategy).
All strategies of one (incident, seed) share the same background traffic up to the alarm,
so their difference is the effect of the strategy (common random numbers).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from signalprio.config import load_toml
from signalprio.control.preemption import PreemptionParameters
from signalprio.control.strategies import TRIGGERS
from signalprio.fleet import load_fleet
from signalprio.scenario.scenario import Scenario, load_scenario


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IncidentSampling(_Strict):
    count: int = Field(20, ge=1, le=100_000)
    seed: int = 1
    alarm_from_s: float = Field(900.0, ge=0)
    alarm_to_s: float = Field(2700.0, ge=0)
    edges: list[str] | None = Field(None, description="default: the scenario's incident edges")

    @model_validator(mode="after")
    def _window(self) -> IncidentSampling:
        if self.alarm_to_s < self.alarm_from_s:
            raise ValueError("alarm_to_s must not be before alarm_from_s")
        return self


class EngineSettings(_Strict):
    """The unit sent to each incident and how it drives."""

    vehicles: list[str] = Field(default_factory=lambda: ["HLF"], min_length=1,
                                description="vehicle types of the unit, in the order they leave the station")
    departure_gap_s: float = Field(4.0, ge=0, description="seconds between the unit's vehicles leaving")
    turnout_s: float = Field(60.0, ge=0, description="Ausrückzeit: alarm to leaving the station")
    red_crossing_kmh: float = Field(10.0, gt=0, le=60, description="speed at which an engine crosses red without priority")
    importance: int = Field(10, ge=1, le=14, description="SAE J2735 importance level used in arbitration")
    route: list[str] | None = Field(None, min_length=1,
                                    description="explicit route from the station; incidents then lie on its last edge")

    @field_validator("vehicles")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        fleet = load_fleet()
        for vehicle in value:
            if vehicle not in fleet:
                raise ValueError(f"unknown vehicle '{vehicle}' (known: {', '.join(fleet)})")
        return value


class SimulationSettings(_Strict):
    backend: Literal["libsumo", "traci"] = "libsumo"
    step_s: float = Field(1.0, gt=0, le=2)
    horizon_s: float = Field(900.0, gt=0, description="simulated time after the alarm, equal for all strategies")
    sumo_args: list[str] = Field(default_factory=list, description="extra SUMO options, passed unchanged")


class Target(_Strict):
    """The requirement the printed table checks (default: Mannheim 2024 plan, stage 1, Eintreffzeit)."""

    label: str = "Mannheim 2024, stage 1: 8 min after alarm"
    time_limit_s: float = Field(480.0, gt=0)
    rate: float = Field(0.9, gt=0, le=1)


class PreemptionSettings(_Strict):
    """Controller parameters shared by every preempting strategy (docs/strategies.md)."""

    min_green_s: float = Field(5.0, ge=0)
    max_presence_s: float = Field(90.0, gt=0)
    saturation_flow_veh_h: float = Field(1800.0, gt=0)
    start_up_lost_s: float = Field(2.0, ge=0)
    margin_s: float = Field(2.0, ge=0)
    look_ahead_s: float = Field(150.0, gt=0)
    trigger_distance_m: float = Field(250.0, gt=0)
    recovery: Literal["dwell", "short-way", "smooth"] = "short-way"
    smooth_share: float = Field(0.2, gt=0, le=0.5)
    unit_gap_s: float = Field(30.0, ge=0)
    lockout_s: float = Field(10.0, ge=0)
    eta_update_s: float = Field(2.0, gt=0)


class Strategy(_Strict):
    """A named strategy: a trigger and any parameters that differ from [preemption]."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    trigger: Literal["none", "local", "eta", "green-wave"]
    recovery: Literal["dwell", "short-way", "smooth"] | None = None
    trigger_distance_m: float | None = Field(None, gt=0)
    max_presence_s: float | None = Field(None, gt=0)
    look_ahead_s: float | None = Field(None, gt=0)

    def parameters(self, shared: PreemptionSettings) -> PreemptionParameters | None:
        """Controller parameters, or None for the baseline."""
        if self.trigger == "none":
            return None
        overrides = {k: v for k, v in self.model_dump(exclude={"name"}).items() if v is not None}
        return PreemptionParameters(**{**shared.model_dump(), **overrides})


class Experiment(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    scenario: str = Field(description="scenario folder, relative to the experiment file")
    load: str = "peak"
    strategies: list[Strategy] = Field(min_length=1, description="names of known strategies, or tables")
    seeds: list[int] = Field(min_length=1)
    incidents: IncidentSampling = IncidentSampling()
    engine: EngineSettings = EngineSettings()
    simulation: SimulationSettings = SimulationSettings()
    target: Target = Target()
    preemption: PreemptionSettings = PreemptionSettings()

    @field_validator("strategies", mode="before")
    @classmethod
    def _named(cls, value: object) -> object:
        """A bare name is a strategy whose trigger has that name."""
        if not isinstance(value, list):
            return value
        out = []
        for item in value:
            if isinstance(item, str):
                if item not in TRIGGERS:
                    raise ValueError(f"unknown strategy '{item}' (known: {', '.join(TRIGGERS)}, or a table)")
                item = {"name": item, "trigger": item}
            out.append(item)
        return out

    @field_validator("strategies")
    @classmethod
    def _unique(cls, value: list[Strategy]) -> list[Strategy]:
        names = [s.name for s in value]
        if len(set(names)) != len(names):
            raise ValueError("two strategies share a name")
        return value

    def strategy(self, name: str) -> Strategy:
        return next(s for s in self.strategies if s.name == name)

    def digest(self) -> str:
        """Hash of the experiment's content: results from another hash are not comparable."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Incident:
    id: str
    alarm_s: float
    edge: str
    position_m: float  # fraction of the edge is resolved to metres by the caller


@dataclass(frozen=True)
class LoadedExperiment:
    path: Path
    experiment: Experiment
    scenario: Scenario

    def incidents(self, edge_lengths: dict[str, float]) -> list[Incident]:
        """Incidents drawn reproducibly from the sampling seed."""
        sampling = self.experiment.incidents
        route = self.experiment.engine.route
        edges = sampling.edges or ([route[-1]] if route else self.scenario.incident_edges)
        rng = np.random.default_rng(sampling.seed)
        out = []
        for number in range(1, sampling.count + 1):
            edge = edges[int(rng.integers(len(edges)))]
            length = edge_lengths[edge]
            alarm = float(np.round(rng.uniform(sampling.alarm_from_s, sampling.alarm_to_s)))
            position = float(np.round(rng.uniform(0.2, 0.8) * length, 1))
            out.append(Incident(f"i{number:03d}", alarm, edge, position))
        return out


def load_experiment(path: Path) -> LoadedExperiment:
    experiment = load_toml(path, Experiment)
    scenario = load_scenario((path.parent / experiment.scenario).resolve())
    return LoadedExperiment(path, experiment, scenario)
