"""From a year's dispatch to its run and back: the units of a layout, the run that simulates one incident's
dispatch, the arrivals a run gives each unit. Pure: runs are described here, executed elsewhere."""

from __future__ import annotations

from signalprio.dispatch import Dispatch
from signalprio.errors import UserError
from signalprio.experiment import Incident, LoadedExperiment
from signalprio.runs import RunResult, RunSpec
from signalprio.year.availability import Assignment, Unit
from signalprio.year.settings import YearSettings


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


def spec_for(loaded: LoadedExperiment, layout: str, strategy: str, seed: int, assignment: Assignment
             ) -> RunSpec:
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
    return RunSpec(loaded, run_incident, seed, strategy, layout, dispatches=tuple(dispatches))


def arrivals_of(assignment: Assignment, result: RunResult) -> dict[str, float]:
    """Seconds from the alarm to arrival of each unit that arrived (vehicles are numbered in dispatch order)."""
    by_vehicle = {str(trip["vehicle"]): trip for trip in result.trips}
    out = {}
    for number, sent in enumerate(assignment.sent, start=1):
        trip = by_vehicle.get(f"{assignment.signature}_{number}_{sent.unit.vehicle_type}")
        if trip is not None and trip["arrived"]:
            out[sent.unit.id] = float(str(trip["arrival_after_alarm_s"]))
    return out
