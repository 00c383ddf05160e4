"""Which units are free to go: incidents in time order, each type's nearest free unit sent, units busy from the
alarm until they are back at their station.

A unit is busy from the alarm until alarm + its arrival after the alarm (simulated when the incident was simulated
with this very dispatch, else turnout plus the free-flow time) + the time on scene + the return trip (free-flow
time times the return factor). So the simulated travel times of each strategy change who is free for the next
incident. A vehicle type with no free unit in the layout (or none that can reach the incident) is missing from
that incident's dispatch (a unit from outside, a volunteer brigade, would come; not modelled: the incident's stage
counts as missed). Pure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from signalprio.year.stream import YearIncident

Travel = Callable[[str, str], float]  # station edge, incident edge -> free-flow seconds


@dataclass(frozen=True)
class Unit:
    """One vehicle of a station of the layout, with its crew."""

    id: str
    station: str
    station_edge: str
    vehicle_type: str
    crew: int
    turnout_s: float


@dataclass(frozen=True)
class Sent:
    unit: Unit
    farther: bool  # not from the station nearest the incident for its type: that unit was busy
    busy_s: float  # alarm until back at the station


@dataclass(frozen=True)
class Assignment:
    incident: YearIncident
    sent: tuple[Sent, ...]
    missing: tuple[str, ...]  # vehicle types no unit of the layout was free for

    @property
    def signature(self) -> str:
        """Names the run that simulates this dispatch: the incident and the units sent, in order."""
        units = ",".join(s.unit.id for s in self.sent)
        return f"{self.incident.id}-{hashlib.sha256(units.encode()).hexdigest()[:8]}"


def assign(incidents: list[YearIncident], units: list[Unit], vehicle_types: Callable[[str], list[str]],
           travel: Travel, arrivals: dict[str, dict[str, float]], return_factor: float) -> list[Assignment]:
    """Dispatch every incident in time order. `vehicle_types(type)`: the types an incident type alarms;
    `arrivals[signature][unit id]`: simulated seconds from the alarm to arrival for dispatches already simulated."""
    free_at: dict[str, float] = {unit.id: float("-inf") for unit in units}
    out = []
    for incident in incidents:
        alarm = incident.time_h * 3600
        sent: list[Unit] = []
        farther: list[bool] = []
        missing: list[str] = []
        for vehicle_type in vehicle_types(incident.type):
            # a station that cannot reach the incident (a one-way island of an OSM network) sends nothing
            of_type = [u for u in units if u.vehicle_type == vehicle_type and u not in sent
                       and travel(u.station_edge, incident.edge) < float("inf")]
            if not of_type:
                missing.append(vehicle_type)
                continue
            nearest = min(travel(u.station_edge, incident.edge) for u in of_type)
            free = [u for u in of_type if free_at[u.id] <= alarm]
            if not free:
                missing.append(vehicle_type)
                continue
            chosen = min(free, key=lambda u: (travel(u.station_edge, incident.edge), u.id))
            sent.append(chosen)
            farther.append(travel(chosen.station_edge, incident.edge) > nearest)
        provisional = Assignment(incident, tuple(Sent(u, f, 0.0) for u, f in zip(sent, farther, strict=True)),
                                 tuple(missing))
        simulated = arrivals.get(provisional.signature, {})
        done = []
        for unit, far in zip(sent, farther, strict=True):
            there = travel(unit.station_edge, incident.edge)
            arrival = simulated.get(unit.id, unit.turnout_s + there)
            busy = arrival + incident.on_scene_s + return_factor * there
            free_at[unit.id] = alarm + busy
            done.append(Sent(unit, far, busy))
        out.append(Assignment(incident, tuple(done), tuple(missing)))
    return out
