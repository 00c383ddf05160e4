"""Dispatch: which station sends which vehicle, and when it leaves.

Each stage of the alarm and dispatch order names vehicle types; each vehicle comes from the
station with the shortest expected (free-flow) travel time to the incident that still has
one of that type. Vehicles leave after the station's turnout time (Ausrueckzeit), one after
another; the turnout time may vary around the plan's value (normal, cut at zero).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from signalprio.compliance.plans import RequirementPlan
from signalprio.errors import UserError
from signalprio.model.network import Network
from signalprio.scenario.scenario import Station


@dataclass(frozen=True)
class Dispatch:
    """One vehicle sent to an incident."""

    unit: str
    vehicle_type: str
    origin_edge: str
    destination_edge: str
    depart_s: float
    depart_pos_m: float
    arrival_pos_m: float
    importance: int = 10
    route: tuple[str, ...] = ()  # explicit route; empty: the fastest route at dispatch
    station: str = ""
    crew: int = 0
    stage: int = 0
    turnout_s: float = 0.0


class TravelTimes:
    """Free-flow travel times between edges (Dijkstra over the network's connections), memoised."""

    def __init__(self, network: Network) -> None:
        self._network = network
        self._from: dict[str, dict[str, float]] = {}

    def seconds(self, origin: str, destination: str) -> float:
        if origin not in self._from:
            self._from[origin] = self._dijkstra(origin)
        return self._from[origin].get(destination, float("inf"))

    def _dijkstra(self, origin: str) -> dict[str, float]:
        net = self._network
        best = {origin: 0.0}
        queue = [(0.0, origin)]
        while queue:
            cost, edge = heapq.heappop(queue)
            if cost > best.get(edge, float("inf")):
                continue
            for following in net.successors.get(edge, ()):
                step = net.edge_lengths[following] / max(net.edge_speeds.get(following, 13.9), 0.1)
                if cost + step < best.get(following, float("inf")):
                    best[following] = cost + step
                    heapq.heappush(queue, (cost + step, following))
        return best


def plan_dispatch(unit: str, destination: str, arrival_pos_m: float, alarm_s: float, stages: list[list[str]],
                  stations: list[Station], plan: RequirementPlan, travel: TravelTimes, rng: np.random.Generator,
                  departure_gap_s: float, turnout_sd_s: float, importance: int,
                  route: tuple[str, ...] = ()) -> tuple[Dispatch, ...]:
    used: set[tuple[int, int]] = set()
    turnout: dict[int, float] = {}
    leaving: dict[int, int] = {}
    out = []
    for stage, types in enumerate(stages):
        for vehicle_type in types:
            options = [(travel.seconds(station.edge, destination), s, v)
                       for s, station in enumerate(stations) for v, vehicle in enumerate(station.vehicles)
                       if vehicle.type == vehicle_type and (s, v) not in used]
            if not options:
                raise UserError(f"no station has a free {vehicle_type} for stage {stage + 1} of the dispatch order")
            seconds, s, v = min(options)
            if seconds == float("inf") and not route:
                raise UserError(f"incident edge '{destination}' cannot be reached "
                                f"from any station with a {vehicle_type}")
            used.add((s, v))
            station = stations[s]
            if s not in turnout:
                nominal = station.turnout_s if station.turnout_s is not None else plan.turnout_s[station.type]
                turnout[s] = max(0.0, float(rng.normal(nominal, turnout_sd_s))) if turnout_sd_s else nominal
            order = leaving.get(s, 0)
            leaving[s] = order + 1
            out.append(Dispatch(unit, vehicle_type, station.edge, destination,
                                alarm_s + turnout[s] + order * departure_gap_s, station.position_m, arrival_pos_m,
                                importance, route, station.name, station.vehicles[v].crew, stage + 1, turnout[s]))
    return tuple(out)
