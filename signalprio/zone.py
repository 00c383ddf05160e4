"""A run simulated only around its engines' routes (`[simulation] area = "around-routes"`): a year of incidents
cannot afford the whole city for every run (issue 19), and an engine meets only the traffic on its way and at the
junctions it crosses.

The area: the engines' route edges, the roads joining or leaving the route at each junction on it, and every approach
and exit of each signal the route passes (the cross traffic that waits while the engine has green). The warm-up
simulated the whole network without engines and recorded when each background vehicle entered each edge; a run keeps
the vehicles inside the area at the alarm, on the part of their route inside it, and lets every other vehicle enter
the area at the time it entered it in the warm-up. A queue that reaches back beyond the area's edge waits in SUMO's
insertion queue (a vertical queue); a queue beyond an exit that would back into the area is not simulated. The
error this makes is measured against runs of the whole network (docs/performance.md). Simulator-free: the session
applies it.
"""

from __future__ import annotations

import gzip
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import astuple, dataclass
from itertools import pairwise
from pathlib import Path

from signalprio.model.network import Network


@dataclass(frozen=True)
class Passage:
    """A background vehicle's way in the warm-up: its edges and when it entered each (the first: its departure)."""

    vehicle: str
    vehicle_type: str
    speed_factor: float
    edges: tuple[str, ...]
    entered_s: tuple[float, ...]


@dataclass(frozen=True)
class Entering:
    """A background vehicle that enters the area during the run: inserted at `depart_s` on the first of `edges`,
    leaving the simulation at the end of the last."""

    vehicle: str
    vehicle_type: str
    speed_factor: float
    edges: tuple[str, ...]
    depart_s: float


# Traffic entering the area is inserted this far before the junctions that matter, so it reaches them in platoons
# and queues as in the whole network. Measured on the city network (docs/performance.md): inserting at the junctions
# themselves left a longer tail of differences in engine times; 300 m and 800 m were at the floor that re-inserting
# the same traffic into the whole network gives.
UPSTREAM_M = 300.0


def area_edges(network: Network, routes: Iterable[Sequence[str]], upstream_m: float = UPSTREAM_M) -> frozenset[str]:
    """The edges simulated for engines on these routes: the route, the roads joining and leaving it, the approaches
    and exits of its signals, and the roads leading into those within `upstream_m`, where traffic entering the area
    forms its platoons and queues as it would in the whole network."""
    predecessors: dict[str, set[str]] = {}
    for edge, leaving in network.successors.items():
        for after in leaving:
            predecessors.setdefault(after, set()).add(edge)
    core: set[str] = set()
    for route in routes:
        core.update(route)
        for edge in route:
            core |= predecessors.get(edge, set())  # roads joining at the junction before the edge
            core |= network.successors.get(edge, frozenset())  # roads leaving at the junction after it
        for edge, following in pairwise(route):
            link = network.signal_link(edge, following)
            if link is not None:
                signal = network.signals[link[0]]
                core.update(lane.rsplit("_", 1)[0] for item in signal.links for lane in (item.from_lane, item.to_lane))
    reach = dict.fromkeys(core, 0.0)  # edge -> distance from its end to the core
    frontier = list(core)
    while frontier:
        edge = frontier.pop()
        start = reach[edge] + (network.edge_lengths.get(edge, 0.0) if edge not in core else 0.0)
        for before in predecessors.get(edge, ()):
            if start < upstream_m and start < reach.get(before, float("inf")):
                reach[before] = start
                frontier.append(before)
    return frozenset(reach)


def inside_part(route: Sequence[str], index: int, area: frozenset[str], in_junction: bool) -> tuple[str, ...]:
    """What a vehicle on `route[index]` at the alarm keeps of its route: up to where it leaves the area, or nothing
    when it is outside now. A vehicle already in the junction after its edge keeps the edge it is entering."""
    if route[index] not in area:
        return ()
    end = index + 1
    while end < len(route) and route[end] in area:
        end += 1
    if in_junction:
        end = max(end, min(index + 2, len(route)))
    return tuple(route[index:end])


def entering(passages: Iterable[Passage], area: frozenset[str], after_s: float, until_s: float) -> list[Entering]:
    """Every stretch of a background vehicle's way inside the area that it entered after `after_s` (the alarm: who
    was inside then is in the saved state) and by `until_s`, in order of entry."""
    found = []
    for passage in passages:
        for start, stop in _stretches(passage.edges, area):
            entered = passage.entered_s[start]
            if after_s < entered <= until_s:
                found.append(Entering(f"{passage.vehicle}~{start}", passage.vehicle_type, passage.speed_factor,
                                      passage.edges[start:stop], entered))
    return sorted(found, key=lambda item: (item.depart_s, item.vehicle))


def _stretches(edges: Sequence[str], area: frozenset[str]) -> Iterator[tuple[int, int]]:
    start = None
    for index, edge in enumerate([*edges, None]):
        if edge is not None and edge in area:
            start = index if start is None else start
        elif start is not None:
            yield start, index
            start = None


def read_passages(path: Path) -> list[Passage]:
    """The passages in SUMO's vehroute output written with exit times (`--vehroute-output.exit-times`); a vehicle
    still on the road at the end has the edges it has left and the one it is on."""
    passages = []
    for _, element in ET.iterparse(path):
        if element.tag != "vehicle":
            continue
        route = element.find("route")
        if route is not None:
            edges = tuple(route.get("edges", "").split())
            exits = [float(t) for t in route.get("exitTimes", "").split()]
            entered = (float(element.get("depart", "0")), *exits)[:len(edges)]
            passages.append(Passage(element.get("id", ""), element.get("type", "DEFAULT_VEHTYPE"),
                                    float(element.get("speedFactor", "1")), edges[:len(entered)], entered))
        element.clear()
    return passages


def during(passages: Iterable[Passage], after_s: float, until_s: float) -> list[Passage]:
    """The passages that enter some edge in the run's window: all a run after the alarm `after_s` can need."""
    return [p for p in passages if any(after_s < t <= until_s for t in p.entered_s)]


_FLOW_STATE = re.compile(rb"<flowState\b[^>]*?(/>|>.*?</flowState>)", re.DOTALL)


def without_flows(state: bytes) -> bytes:
    """A saved state (gzip XML) as plain XML without its flows: they would go on inserting vehicles that the area's
    entries already bring (the passages record every vehicle the flows inserted in the warm-up). Not compressed
    again: SUMO reads plain XML, and compressing a city's state costs more than the run's first minutes."""
    xml = gzip.decompress(state)
    return _FLOW_STATE.sub(b"", xml) if b"<flowState" in xml else xml


def encode(passages: Iterable[Passage]) -> bytes:
    """Passages as bytes (gzip JSON): they travel with the warm state to any worker of a cluster."""
    return gzip.compress(json.dumps([astuple(p) for p in passages]).encode(), mtime=0)


def decode(data: bytes) -> list[Passage]:
    return [Passage(v, t, f, tuple(e), tuple(s)) for v, t, f, e, s in json.loads(gzip.decompress(data))]
