"""Simulating a year: dispatch with availability, simulate every dispatch not simulated yet, and again, until
each incident's dispatch is one that was simulated (availability has settled, usually in two or three rounds).

Each incident is one run, on the executor every experiment uses (worker processes or Dask), kept in the run store
(resumable) under its dispatch's signature. Its background traffic is its band's, from one warm-up per seed and
band shared by all its incidents (alarms on a grid of the experiment's alarm window). Incidents at the same time
do not meet on the road: each run simulates one incident's vehicles (a stated limit).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from signalprio.dispatch import Dispatch, TravelTimes
from signalprio.errors import UserError
from signalprio.experiment import Incident, LoadedExperiment, edge_districts
from signalprio.pipeline import Progress, keeper, network
from signalprio.runner import Executor, execute
from signalprio.runs import RunResult, RunSpec
from signalprio.store import RunStore, key_of
from signalprio.year.availability import Assignment, Unit, assign
from signalprio.year.settings import YearSettings
from signalprio.year.stream import YearIncident, year_stream


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
    rounds: int = 0
    settled: bool = False


def settings_of(loaded: LoadedExperiment) -> YearSettings:
    if loaded.experiment.year is None:
        raise UserError(f"{loaded.path}: no [year] section: signalprio year needs the year's incident count, time "
                        "bands and incident types (see experiments/mannheim-year.toml)")
    return loaded.experiment.year


def units_of(loaded: LoadedExperiment, layout: str) -> list[Unit]:
    """Every vehicle of the layout's stations, with the station's turnout time."""
    out = []
    for station in loaded.scenario.layout_stations(layout):
        turnout = station.turnout_s if station.turnout_s is not None else loaded.plan.turnout_s[station.type]
        for number, vehicle in enumerate(station.vehicles, start=1):
            out.append(Unit(f"{station.name}/{vehicle.name or vehicle.type}#{number}", station.name, station.edge,
                            vehicle.type, vehicle.crew, turnout))
    return out


def plan_stream(loaded: LoadedExperiment) -> list[YearIncident]:
    """The year's incidents (or the slice the file asks for), on the experiment's districts and alarm window."""
    settings = settings_of(loaded)
    net = network(loaded)
    for name in settings.bands.values():
        loaded.scenario.demand_for(name.load)  # an unknown load stops here, naming it
    districts, weights = edge_districts(loaded)
    sampling = loaded.experiment.incidents
    return year_stream(settings, districts, weights, net.edge_lengths, (sampling.alarm_from_s, sampling.alarm_to_s))


def spec_for(loaded: LoadedExperiment, arm: Arm, assignment: Assignment) -> RunSpec:
    """The run of one dispatch: the units sent leave their stations after their turnout, one after another."""
    exp, incident = loaded.experiment, assignment.incident
    band = settings_of(loaded).bands[incident.band]
    alarm = incident.alarm_s + loaded.scenario.begin
    run_incident = Incident(assignment.signature, alarm, incident.edge, incident.position_m, incident.band, band.load,
                            incident.district, incident.type)
    station_of = {s.name: s for s in loaded.scenario.stations}
    leaving: dict[str, int] = {}
    dispatches = []
    for sent in assignment.sent:
        unit, station = sent.unit, station_of[sent.unit.station]
        order = leaving.get(unit.station, 0)
        leaving[unit.station] = order + 1
        dispatches.append(Dispatch(assignment.signature, unit.vehicle_type, unit.station_edge, incident.edge,
                                   alarm + unit.turnout_s + order * exp.dispatch.departure_gap_s, station.position_m,
                                   incident.position_m, exp.engine.importance, (), unit.station, unit.crew, 1,
                                   unit.turnout_s))
    return RunSpec(loaded, run_incident, arm.seed, arm.strategy, arm.layout, dispatches=tuple(dispatches))


def arrivals_of(assignment: Assignment, result: RunResult) -> dict[str, float]:
    """Seconds from the alarm to arrival of each unit that arrived (vehicles are numbered in dispatch order)."""
    by_vehicle = {str(trip["vehicle"]): trip for trip in result.trips}
    out = {}
    for number, sent in enumerate(assignment.sent, start=1):
        trip = by_vehicle.get(f"{assignment.signature}_{number}_{sent.unit.vehicle_type}")
        if trip is not None and trip["arrived"]:
            out[sent.unit.id] = float(str(trip["arrival_after_alarm_s"]))
    return out


def simulate_year(loaded: LoadedExperiment, executor: Executor, store: RunStore,
                  progress: Progress | None = None) -> YearRun:
    """Rounds of dispatch and simulation for every layout, strategy and seed, until availability settles."""
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

    for year.rounds in range(1, settings.max_rounds + 1):
        year.assignments = {arm: assign(year.stream, units[arm.layout], vehicle_types, travel, arrivals[arm],
                                        settings.return_factor) for arm in arms}
        todo = {(arm, a.signature): (arm, a) for arm in arms for a in year.assignments[arm]
                if a.sent and (arm, a.signature) not in year.results and (arm, a.signature) not in year.failed}
        if not todo:
            year.settled = True
            break
        specs = {name: spec_for(loaded, arm, a) for name, (arm, a) in todo.items()}
        fresh = []
        for name, spec in specs.items():
            key = key_of(spec.key)
            if store.done(key):
                year.results[name] = store.load(key)
            elif (message := store.failure(key)) is not None:
                year.failed[name] = message
            else:
                fresh.append(spec)
        if progress is not None:
            progress.started(len(specs), len(fresh))
        done, failures = execute(fresh, executor, keeper(store, progress), store)
        for result in done:
            year.results[(Arm(str(result.key["layout"]), str(result.key["strategy"]), int(str(result.key["seed"]))),
                          str(result.key["incident"]))] = result
        for failure in failures:
            year.failed[(Arm(str(failure.key["layout"]), str(failure.key["strategy"]), int(str(failure.key["seed"]))),
                         str(failure.key["incident"]))] = failure.message
        for name, (arm, a) in todo.items():
            if name in year.results:
                arrivals[arm][a.signature] = arrivals_of(a, year.results[name])
    return year
