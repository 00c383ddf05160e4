"""Experiment files: what to run (scenario, load, strategies, incidents, seeds) as validated data.

An experiment expands into runs: one SUMO simulation per (incident, seed, strategy).
All strategies of one (incident, seed) share the same background traffic up to the alarm,
so their difference is the effect of the strategy (common random numbers).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from signalprio import __version__
from signalprio.compliance.plans import DEFAULT_PLAN, RequirementPlan, load_plan
from signalprio.config import load_toml
from signalprio.control.parameters import TRIGGERS, PreemptionParameters, PreemptionSettings, Recovery, StrategyTrigger
from signalprio.errors import UserError
from signalprio.fleet import VehicleType, VehicleTypeFields, fleet_with
from signalprio.installation import sumo_version
from signalprio.model.network import Network
from signalprio.names import ALL_STATIONS
from signalprio.scenario.scenario import Scenario, load_scenario
from signalprio.year.settings import YearSettings

NAME_PATTERN = r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*$"  # a folder and file name: no path, no leading dot ("..")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Band(_Strict):
    """A time band (e.g. weekday 6-18 h): its share of incidents and the traffic load it runs under."""

    share: float = Field(gt=0)
    load: str


class IncidentSampling(_Strict):
    count: int = Field(20, ge=1, le=100_000)
    seed: int = 1
    alarm_from_s: float = Field(900.0, ge=0, description="alarms fall in this window of simulated time")
    alarm_to_s: float = Field(2700.0, ge=0)
    edges: list[str] | None = Field(None, description="sample on these edges (default: the scenario's incident edges)")
    districts: list[str] | dict[str, float] | None = Field(
        None, description="sample in these scenario districts: a list (uniform over their edges) or weights")
    bands: dict[str, Band] | None = Field(None, description="time bands; default one band at the experiment's load")
    csv: str | None = Field(None, description="read incidents from this CSV file instead of sampling")

    @model_validator(mode="after")
    def _window(self) -> IncidentSampling:
        if self.alarm_to_s < self.alarm_from_s:
            raise ValueError("alarm_to_s must not be before alarm_from_s")
        return self


class DispatchSettings(_Strict):
    """Alarm and dispatch order (AAO): vehicle types sent per stage, from the nearest station that has them."""

    stages: list[list[str]] = Field(default_factory=lambda: [["ELW", "HLF", "DLK"]], min_length=1)
    departure_gap_s: float = Field(4.0, ge=0, description="between vehicles leaving the same station")
    turnout_sd_s: float = Field(0.0, ge=0, description="spread of the turnout time (normal, cut at zero)")


class EngineSettings(_Strict):
    """How engines drive."""

    red_crossing_kmh: float = Field(10.0, gt=0, le=60,
                                    description="speed at which an engine crosses red without priority")
    reaction_distance_m: float = Field(100.0, gt=0, description="from this distance to a red stop line, cross "
                                                                "traffic that can still stop does so for the engine")
    speed_factor: float | None = Field(None, gt=0, le=2, description="free speed over the limit for every vehicle "
                                                                    "type (default: the types' own, 1.2)")
    rescue_lane: bool = Field(False, description="traffic ahead forms a rescue lane (SUMO's bluelight device on "
                                                 "the sublane model; it costs simulation time, docs/vehicles.md)")
    importance: int = Field(10, ge=1, le=14, description="SAE J2735 importance level used in arbitration")
    route: list[str] | None = Field(None, min_length=1,
                                    description="explicit route from the first station; "
                                                "incidents then lie on its last edge")


class SimulationSettings(_Strict):
    backend: Literal["libsumo", "traci"] = "libsumo"
    step_s: float = Field(1.0, gt=0, le=2)
    horizon_s: float = Field(900.0, gt=0, description="simulated time after the alarm, equal for all strategies")
    end: Literal["horizon", "engines-arrived"] = Field(
        "horizon", description="'engines-arrived': a run ends once every engine has arrived and every signal is back "
                               "on its plan (engine times as with 'horizon', other traffic's delay not measured)")
    area: Literal["network", "around-routes"] = Field(
        "network", description="'around-routes': only the engines' routes, the roads at their junctions and their "
                               "signals' approaches are simulated; other traffic enters that area when it did in the "
                               "warm-up (signalprio.zone; needs end = 'engines-arrived'; error in docs/performance.md)")
    sumo_args: list[str] = Field(default_factory=list, description="extra SUMO options, passed unchanged")
    invalid_runs: Literal["fail", "keep"] = Field(
        "fail", description="a run in which an engine collides, teleports or does not arrive, or the conflict monitor "
                            "finds a violation: 'fail' records it as a failed run with the reasons; 'keep' keeps its "
                            "rows (research on unsafe controllers; such results are not for a headline)")

    @model_validator(mode="after")
    def _area_needs_early_end(self) -> SimulationSettings:
        """Around the routes, other traffic is cut at the area's edge: its delay to the horizon would not be the
        city's, so such runs end once the engines have arrived."""
        if self.area == "around-routes" and self.end != "engines-arrived":
            raise ValueError("area = 'around-routes' needs end = 'engines-arrived'")
        return self


class Strategy(_Strict):
    """A named strategy: a trigger and any parameters that differ from [preemption]."""

    name: str = Field(pattern=NAME_PATTERN)
    trigger: StrategyTrigger
    recovery: Recovery | None = None
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
    name: str = Field(pattern=NAME_PATTERN)
    description: str = ""
    scenario: str = Field(description="scenario folder, relative to the experiment file")
    load: str = "peak"
    strategies: list[Strategy] = Field(min_length=1, description="names of known strategies, or tables")
    seeds: list[int] = Field(min_length=1)
    plans: list[str] = Field(default_factory=lambda: [DEFAULT_PLAN], min_length=1,
                             description="requirement plans: preset names or plan files; the first sets turnout times")
    layouts: list[str] | None = Field(None, min_length=1,
                                      description="station layouts of the scenario to compare; default: all stations")
    envelope: list[Literal["cautious", "typical", "assertive"]] | None = Field(
        None, min_length=1, description="rerun under these no-priority behaviours (signalprio.envelope) and report "
                                        "the benefit of priority under each")
    incidents: IncidentSampling = IncidentSampling()
    dispatch: DispatchSettings = DispatchSettings()
    engine: EngineSettings = EngineSettings()
    simulation: SimulationSettings = SimulationSettings()
    preemption: PreemptionSettings = PreemptionSettings()
    vehicle_types: dict[str, VehicleTypeFields] = Field(
        default_factory=dict, description="changes to the scenario's fire vehicle types, or new ones (every field)")
    year: YearSettings | None = Field(None, description="a year of incidents for signalprio year (signalprio.year)")

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

    @field_validator("seeds")
    @classmethod
    def _distinct_seeds(cls, value: list[int]) -> list[int]:
        """A repeated seed would repeat runs and count their incidents twice."""
        repeated = sorted({seed for seed in value if value.count(seed) > 1})
        if repeated:
            raise ValueError(f"seed {repeated[0]} is listed more than once")
        return value

    @field_validator("layouts", "plans", "envelope")
    @classmethod
    def _listed_once(cls, value: list[str] | None) -> list[str] | None:
        """A layout or plan listed twice would run or count everything twice."""
        repeated = sorted({item for item in value or [] if (value or []).count(item) > 1})
        if repeated:
            raise ValueError(f"'{repeated[0]}' is listed more than once")
        return value

    @field_validator("strategies")
    @classmethod
    def _unique(cls, value: list[Strategy]) -> list[Strategy]:
        names = [s.name for s in value]
        if len(set(names)) != len(names):
            raise ValueError("two strategies share a name")
        return value

    def strategy(self, name: str) -> Strategy:
        return next(s for s in self.strategies if s.name == name)



@dataclass(frozen=True)
class Incident:
    id: str
    alarm_s: float
    edge: str
    position_m: float
    band: str = "all"
    load: str = "peak"
    district: str = "-"
    type: str = "fire"
    route: tuple[str, ...] = ()  # explicit route from a station's edge to the incident's (incidents file)


@dataclass(frozen=True)
class LoadedExperiment:
    path: Path
    experiment: Experiment
    scenario: Scenario
    plans: tuple[RequirementPlan, ...]
    given_incidents: tuple[Incident, ...] | None = None  # set by code (benchmarks), never by a file

    @property
    def plan(self) -> RequirementPlan:
        """The plan whose assumptions (turnout) the simulation uses."""
        return self.plans[0]

    def digest(self) -> str:
        """Hash of everything a result depends on: the experiment, scenario, plans and vehicle types as read, the
        bytes of the network, demand and incident files, and the signalprio and SUMO versions. Runs and baselines
        of another hash are never mixed with these."""
        content = {
            # the envelope adds runs elsewhere; a year's slice and rounds change which runs, not what a run gives
            "experiment": self.experiment.model_dump(mode="json", exclude={"envelope": True, "year": {
                "incidents": True, "max_rounds": True}}),
            "scenario": self.scenario.model_dump(mode="json", exclude={"folder"}),
            "plans": [plan.model_dump(mode="json") for plan in self.plans],
            "fleet": {name: vehicle.model_dump(mode="json") for name, vehicle in self.fleet().items()},
            "files": [_file_digest(path) for path in self.input_files()],
            "versions": [__version__, sumo_version()],
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]

    def fleet(self) -> dict[str, VehicleType]:
        """The vehicle types: shipped, changed or extended by the scenario, then by the experiment, with the
        experiment's speed factor where it sets one."""
        fleet = fleet_with(self.scenario.vehicle_types, self.experiment.vehicle_types)
        factor = self.experiment.engine.speed_factor
        if factor is None:
            return fleet
        return {name: vehicle.model_copy(update={"speed_factor": factor}) for name, vehicle in fleet.items()}

    def input_files(self) -> list[Path]:
        """The files the runs read besides the experiment and scenario TOML: network, demand of every load used,
        the scenario's additional files, incidents CSV."""
        loads = sorted({band.load for band in self.bands().values()}
                       | {band.load for band in (self.experiment.year.bands.values() if self.experiment.year else ())})
        demand = [self.scenario.demand_for(load) for load in loads]
        files = [self.scenario.network_path(), *(path for d in demand if isinstance(d, list) for path in d),
                 *self.scenario.additional_paths()]
        if self.scenario.sumocfg:
            files.append(self.scenario.folder / self.scenario.sumocfg)
        if self.experiment.incidents.csv:
            files.append(self.path.parent / self.experiment.incidents.csv)
        return files

    def layouts(self) -> list[str]:
        """Station layouts to run; every incident runs in each, so layouts compare pairwise."""
        return self.experiment.layouts or [ALL_STATIONS]

    def bands(self) -> dict[str, Band]:
        return self.experiment.incidents.bands or {"all": Band(share=1.0, load=self.experiment.load)}

    def incidents(self, edge_lengths: dict[str, float]) -> list[Incident]:
        """Alarm times count from the scenario's begin; the incidents carry simulation times."""
        sampling = self.experiment.incidents
        if self.given_incidents is not None:
            return list(self.given_incidents)
        if sampling.csv:
            found = read_incidents(self.path.parent / sampling.csv, self, edge_lengths)
        else:
            found = sample_incidents(self, edge_lengths)
        begin = self.scenario.begin
        return [dataclasses.replace(i, alarm_s=i.alarm_s + begin) for i in found] if begin else found


def _file_digest(path: Path) -> str:
    """A file's hash; one that is missing hashes as missing (reading it later gives the input error)."""
    if not path.is_file():
        return "missing"
    stat = path.stat()
    return _hash_file(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _hash_file(path: Path, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def edge_districts(loaded: LoadedExperiment) -> tuple[dict[str, list[str]], dict[str, float]]:
    """Edges per district to sample from, and each district's weight."""
    sampling, scenario = loaded.experiment.incidents, loaded.scenario
    route = loaded.experiment.engine.route
    if sampling.edges:
        return {"-": list(sampling.edges)}, {"-": 1.0}
    if route:
        return {"-": [route[-1]]}, {"-": 1.0}
    known = scenario.district_edges()
    if sampling.districts is None:
        lookup = {edge: name for name, edges in known.items() for edge in edges}
        chosen: dict[str, list[str]] = {}
        for edge in scenario.incident_edges:
            chosen.setdefault(lookup.get(edge, "-"), []).append(edge)
        return chosen, {name: float(len(edges)) for name, edges in chosen.items()}
    names = list(sampling.districts)
    for name in names:
        if name not in known:
            raise UserError(f"{loaded.path}: field 'incidents.districts': unknown district '{name}' "
                            f"(scenario has: {', '.join(known)})")
    if isinstance(sampling.districts, dict):
        return {n: known[n] for n in names}, dict(sampling.districts)
    return {n: known[n] for n in names}, {n: float(len(known[n])) for n in names}


def sample_incidents(loaded: LoadedExperiment, edge_lengths: dict[str, float]) -> list[Incident]:
    """Incidents drawn reproducibly from the sampling seed: band, then district, edge, position and alarm."""
    sampling = loaded.experiment.incidents
    districts, weights = edge_districts(loaded)
    bands = loaded.bands()
    rng = np.random.default_rng(sampling.seed)
    band_names, district_names = list(bands), list(districts)
    band_p = np.array([bands[b].share for b in band_names]) / sum(bands[b].share for b in band_names)
    district_p = np.array([weights[d] for d in district_names]) / sum(weights[d] for d in district_names)
    out = []
    for number in range(1, sampling.count + 1):
        band = band_names[int(rng.choice(len(band_names), p=band_p))]
        district = district_names[int(rng.choice(len(district_names), p=district_p))]
        edges = districts[district]
        edge = edges[int(rng.integers(len(edges)))]
        alarm = float(np.round(rng.uniform(sampling.alarm_from_s, sampling.alarm_to_s)))
        position = float(np.round(rng.uniform(0.2, 0.8) * edge_lengths[edge], 1))
        out.append(Incident(f"i{number:03d}", alarm, edge, position, band, bands[band].load, district))
    return out


def read_incidents(path: Path, loaded: LoadedExperiment, edge_lengths: dict[str, float]) -> list[Incident]:
    """Incidents from CSV: id, edge, position_m, alarm_s, and optionally band, district, type."""
    import pandas as pd  # only here: worker processes start faster without it
    if not path.is_file():
        raise UserError(f"{loaded.path}: field 'incidents.csv': file not found: {path}")
    try:
        frame = pd.read_csv(path, dtype={"id": str, "edge": str})
    except (ValueError, pd.errors.ParserError) as error:
        raise UserError(f"{path}: not a readable CSV file ({error})") from None
    missing = [c for c in ("id", "edge", "position_m", "alarm_s") if c not in frame.columns]
    if missing:
        raise UserError(f"{path}: column '{missing[0]}' is missing (need id, edge, position_m, alarm_s)")
    if frame.empty:
        raise UserError(f"{path}: no incidents (a header and no rows); add one row per incident")
    bands = loaded.bands()
    default_band = next(iter(bands))
    out = []
    seen: dict[str, int] = {}
    for line, row in enumerate(frame.itertuples(index=False), start=2):
        if str(row.id) in seen:
            raise UserError(f"{path}: line {line}: field 'id': incident '{row.id}' is already on line "
                            f"{seen[str(row.id)]}")
        seen[str(row.id)] = line
        if row.edge not in edge_lengths:
            raise UserError(f"{path}: line {line}: field 'edge': unknown edge '{row.edge}'")
        band = str(getattr(row, "band", default_band))
        if band not in bands:
            raise UserError(f"{path}: line {line}: field 'band': unknown time band '{band}' (have: {', '.join(bands)})")
        position = float(row.position_m)
        if not 0 <= position <= edge_lengths[row.edge]:
            raise UserError(f"{path}: line {line}: field 'position_m': {position} is not on edge '{row.edge}'")
        route = _incident_route(str(getattr(row, "route", "") or "") if "route" in frame.columns else "",
                                row.edge, loaded, f"{path}: line {line}: field 'route'")
        out.append(Incident(str(row.id), float(row.alarm_s), row.edge, position, band, bands[band].load,
                            str(getattr(row, "district", "-")), str(getattr(row, "type", "fire")), route))
    return out


def _incident_route(text: str, edge: str, loaded: LoadedExperiment, where: str) -> tuple[str, ...]:
    """An incident's own route (edges separated by spaces), from a station's edge to the incident's edge; its edges
    must connect (checked with the network by `validate_edges`)."""
    route = tuple(text.split()) if text.strip() and text != "nan" else ()
    if not route:
        return ()
    if route[0] not in {station.edge for station in loaded.scenario.stations}:
        raise UserError(f"{where}: must start at a station's edge (the route starts at '{route[0]}')")
    if route[-1] != edge:
        raise UserError(f"{where}: must end at the incident's edge '{edge}' (it ends at '{route[-1]}')")
    return route


def validate_edges(loaded: LoadedExperiment, network: Network) -> None:
    """Every edge the experiment and scenario name must exist in `network`, and an explicit route must connect."""
    scenario_file = loaded.scenario.folder / "scenario.toml"
    engine = loaded.experiment.engine
    checks = [(scenario_file, "stations.edge", station.edge) for station in loaded.scenario.stations]
    checks += [(scenario_file, "incident_edges", e) for e in loaded.scenario.incident_edges]
    checks += [(loaded.path, "incidents.edges", e) for e in loaded.experiment.incidents.edges or []]
    checks += [(scenario_file, f"districts.{name}", e)
               for name, edges in loaded.scenario.districts.items() for e in edges]
    checks += [(loaded.path, "engine.route", e) for e in engine.route or []]
    for file, field_name, edge in checks:
        if edge not in network.edge_lengths:
            raise UserError(f"{file}: field '{field_name}': unknown edge '{edge}' in {network.path.name}")
    if engine.route and engine.route[0] not in {station.edge for station in loaded.scenario.stations}:
        raise UserError(f"{loaded.path}: field 'engine.route': must start at a station's edge")
    routes = [(f"{loaded.path}: field 'engine.route'", tuple(engine.route or ()))]
    if loaded.experiment.incidents.csv:
        csv = loaded.path.parent / loaded.experiment.incidents.csv
        routes += [(f"{csv}: incident '{i.id}': field 'route'", i.route)
                   for i in loaded.incidents(network.edge_lengths)]
    for where, route in routes:
        for layout in loaded.layouts() if route else []:
            if route[0] not in {station.edge for station in loaded.scenario.layout_stations(layout)}:
                raise UserError(f"{where}: starts at edge '{route[0]}', where station layout '{layout}' has no "
                                "station")
        for edge in route:
            if edge not in network.edge_lengths:
                raise UserError(f"{where}: unknown edge '{edge}' in {network.path.name}")
        for a, b in pairwise(route):
            if b not in network.successors.get(a, ()):
                raise UserError(f"{where}: edge '{b}' does not follow '{a}'")


def load_experiment(path: Path) -> LoadedExperiment:
    experiment = load_toml(path, Experiment)
    scenario = load_scenario((path.parent / experiment.scenario).resolve())
    plans = tuple(load_plan(reference, path.parent) for reference in experiment.plans)
    for layout in experiment.layouts or []:
        if layout not in scenario.station_layouts:
            raise UserError(f"{path}: field 'layouts': unknown station layout '{layout}' "
                            f"(scenario has: {', '.join(scenario.station_layouts) or 'none'})")
    _check_horizon(path, experiment, plans)
    loaded = LoadedExperiment(path, experiment, scenario, plans)
    _check_vehicle_types(loaded)
    return loaded


def _check_vehicle_types(loaded: LoadedExperiment) -> None:
    """Every type the dispatch order sends or a station keeps must be known (shipped, the scenario's or the
    experiment's own), and a new type must be complete."""
    scenario_file = loaded.scenario.folder / "scenario.toml"
    try:
        fleet_with(loaded.scenario.vehicle_types)
    except ValueError as error:
        raise UserError(f"{scenario_file}: field {error}") from None
    try:
        fleet = loaded.fleet()
    except ValueError as error:
        raise UserError(f"{loaded.path}: field {error}") from None
    for stage in loaded.experiment.dispatch.stages:
        for vehicle in stage:
            if vehicle not in fleet:
                raise UserError(f"{loaded.path}: field 'dispatch.stages': unknown vehicle '{vehicle}' "
                                f"(known: {', '.join(fleet)})")
    for station in loaded.scenario.stations:
        for kept in station.vehicles:
            if kept.type not in fleet:
                raise UserError(f"{scenario_file}: field 'stations.vehicles.type': station '{station.name}' keeps "
                                f"an unknown vehicle '{kept.type}' (known: {', '.join(fleet)})")


def _check_horizon(path: Path, experiment: Experiment, plans: tuple[RequirementPlan, ...]) -> None:
    """Every dispatched stage must be decidable within the horizon: an engine still driving when the simulation
    ends would otherwise count as late without anyone knowing."""
    horizon = experiment.simulation.horizon_s
    for plan in plans:
        for stage in plan.stages[:len(experiment.dispatch.stages)]:
            limit = stage.time_limit_s - plan.clock_offset_s
            if horizon < limit:
                raise UserError(f"{path}: field 'simulation.horizon_s': {horizon:g} s is shorter than the time "
                                f"limit of {plan.name} {stage.name} ({limit:g} s after the alarm); make it at least "
                                "that long")
