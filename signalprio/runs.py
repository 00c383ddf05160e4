"""What a run is and what it returns: the unit of work the runner schedules and the store keeps.

A run is one incident, one seed, one station layout and one strategy in one SUMO; its result
is the rows it adds to each table (`signalprio.schema` defines their columns).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from signalprio.dispatch import Dispatch
from signalprio.experiment import Incident, LoadedExperiment
from signalprio.names import ALL_STATIONS


@dataclass(frozen=True)
class WarmStart:
    """Where a run starts, from the warm-up of its seed and load: SUMO's state at the alarm (gzip XML) and, for a run
    simulated around its engines' routes, the background's passages after the alarm (`signalprio.zone.encode`)."""

    state: bytes
    passages: bytes = b""


@dataclass(frozen=True)
class RunSpec:
    """One run to execute; `key` names it in every table and in the store."""

    experiment: LoadedExperiment
    incident: Incident
    seed: int
    strategy: str
    layout: str = ALL_STATIONS  # which of the scenario's stations exist
    warm_state: WarmStart | None = None  # None: simulate from the scenario's begin
    dispatches: tuple[Dispatch, ...] = ()  # empty: the experiment's unit from the scenario's station

    @property
    def key(self) -> dict[str, object]:
        return {"layout": self.layout, "strategy": self.strategy, "seed": self.seed, "incident": self.incident.id}


@dataclass
class RunResult:
    """The rows one run adds to each run table."""

    key: dict[str, object]
    trips: list[dict[str, object]] = field(default_factory=list)
    signals: list[dict[str, object]] = field(default_factory=list)
    preemptions: list[dict[str, object]] = field(default_factory=list)
    requests: list[dict[str, object]] = field(default_factory=list)
    signal_states: list[dict[str, object]] = field(default_factory=list)
    delay_by_entry: list[dict[str, object]] = field(default_factory=list)
    violations: list[dict[str, object]] = field(default_factory=list)
    trajectories: list[dict[str, object]] = field(default_factory=list)
    other_traffic: dict[str, object] = field(default_factory=dict)
