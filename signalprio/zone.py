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
    speed_factor: float | None  # None: SUMO did not write it (the vehicle type's own distribution then draws one)
    edges: tuple[str, ...]
    entered_s: tuple[float, ...]


@dataclass(frozen=True)
class Entering:
    """A background vehicle that enters the area during the run: inserted at `depart_s` on the first of `edges`,
    leaving the simulation at the end of the last."""

    vehicle: str
    source: str  # the vehicle of the warm-up it is a stretch of
    vehicle_type: str
    speed_factor: float | None
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
    predecessors = network.predecessors
    core: set[str] = set()
    for route in routes:
        core.update(route)
        for edge in route:
            core |= predecessors.get(edge, frozenset())  # roads joining at the junction before the edge
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
    """Every stretch of a background vehicle's way inside the area that it entered at or after `after_s` and by
    `until_s`, in order of entry. At the alarm `after_s`: SUMO stamps what happens in a step with the step's start, so
    a vehicle entering at the alarm time entered after the saved state."""
    found = []
    for passage in passages:
        for start, stop in _stretches(passage.edges, area):
            entered = passage.entered_s[start]
            if after_s <= entered <= until_s:
                found.append(Entering(f"{passage.vehicle}~{start}", passage.vehicle, passage.vehicle_type,
                                      passage.speed_factor, passage.edges[start:stop], entered))
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
    still on the road at the end has the edges it has left and the one it is on. Demand this cut cannot re-insert
    faithfully is a ValueError: persons (not in a saved state), vehicles with stops (buses, deliveries)."""
    passages = []
    for _, element in ET.iterparse(path):
        if element.tag in ("person", "container"):
            raise ValueError(f"the demand has {element.tag}s ('{element.get('id')}'), which a run around the routes "
                             "does not simulate")
        if element.tag != "vehicle":
            continue
        if element.find("stop") is not None:
            raise ValueError(f"the demand has vehicles with stops ('{element.get('id')}'), whose stops a run around "
                             "the routes would drive through")
        route, depart = element.find("route"), _seconds(element.get("depart", ""))
        if route is not None and depart is not None:  # 'triggered' and the like: a person's car, not in our demand
            edges = tuple(route.get("edges", "").split())
            exits = [time for time in map(_seconds, route.get("exitTimes", "").split()) if time is not None]
            entered = (depart, *(time for time in exits if time >= 0))[:len(edges)]  # -1: not left yet
            factor = element.get("speedFactor")
            passages.append(Passage(element.get("id", ""), element.get("type", "DEFAULT_VEHTYPE"),
                                    float(factor) if factor else None, edges[:len(entered)], entered))
        element.clear()
    return passages


def _seconds(text: str) -> float | None:
    """A time of SUMO's output: seconds, or H:MM:SS / D:HH:MM:SS (--human-readable-time); None for 'triggered'."""
    try:
        parts = [float(part) for part in text.split(":")]
    except ValueError:
        return None
    scales = (86400.0, 3600.0, 60.0, 1.0)[-len(parts):] if 0 < len(parts) <= 4 else ()
    return sum(part * scale for part, scale in zip(parts, scales, strict=True)) if scales else None


def during(passages: Iterable[Passage], after_s: float, until_s: float) -> list[Passage]:
    """The passages that enter some edge in the run's window: all a run after the alarm `after_s` can need."""
    return [p for p in passages if any(after_s <= t <= until_s for t in p.entered_s)]


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
