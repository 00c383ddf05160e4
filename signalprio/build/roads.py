"""A city network of main roads authored from named places, for studies of station layouts.

The author names places (with coordinates) and main roads (chains of places). Every road
segment gets signalised junctions at about the road's signal spacing, each with a short side
street to the left and right: the cross traffic the engines meet and the places incidents lie.
Places where three or more road arms meet are signalised; ends of roads are where traffic
enters and leaves the city. Fire stations sit on a short exit road beside a place. netconvert
then guesses the signal programs (traffic-actuated, 90 s cycle, 3 s yellow, 2 s all-red, a
left-turn lane before every signal on a main road), as it would for a network imported from OpenStreetMap.
"""

from __future__ import annotations

import itertools
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

from signalprio.build.plainxml import attrs, document
from signalprio.sumo.binaries import run_tool

SIDE_STREET_M = 200.0
STATION_EXIT_M = 80.0
LEFT_POCKET_M = 60.0  # an extra lane for left turners before every signal on a main road


@dataclass(frozen=True)
class Place:
    """A named point of the road network; x east and y north in metres."""

    id: str
    x: float
    y: float
    label: str = ""


@dataclass(frozen=True)
class Road:
    """A main road through `places` in order; both directions, `lanes` each."""

    name: str
    places: tuple[str, ...]
    lanes: int = 2
    speed_kmh: float = 50.0
    signal_spacing_m: float = 500.0  # 0: no junction between the places (bridges, expressway)


@dataclass(frozen=True)
class StationSite:
    """A fire station's exit road, joining the network at `place` from the direction (dx, dy)."""

    id: str
    place: str
    dx: float
    dy: float


@dataclass(frozen=True)
class RoadNetworkSpec:
    name: str
    places: tuple[Place, ...]
    roads: tuple[Road, ...]
    stations: tuple[StationSite, ...] = ()
    districts: tuple[Place, ...] = ()  # district centres: each side street belongs to the nearest


@dataclass(frozen=True)
class BuiltRoadNetwork:
    net_file: Path
    side_streets: dict[str, list[str]]  # district -> edges leading into side streets (incident locations)
    station_edges: dict[str, str]  # station id -> its exit edge
    signals: int


def _unit(dx: float, dy: float) -> tuple[float, float]:
    length = math.hypot(dx, dy)
    return dx / length, dy / length


class _Writer:
    """Collects nodes and edges; node degree decides which places are signalised."""

    def __init__(self, spec: RoadNetworkSpec) -> None:
        self.spec = spec
        self.place = {p.id: p for p in spec.places}
        self.nodes: dict[str, tuple[float, float, str]] = {}
        self.edges: list[tuple[str, str, str, int, float, str, str]] = []  # id, from, to, lanes, km/h, name, allow
        self.side_streets: dict[str, list[str]] = {d.id: [] for d in spec.districts}
        self.degree: dict[str, int] = {}

    def link(self, a: str, b: str, lanes: int, speed_kmh: float, name: str, allow: str = "") -> None:
        for src, dst in ((a, b), (b, a)):
            self.edges.append((f"{src}-{dst}", src, dst, lanes, speed_kmh, name, allow))
        self.degree[a] = self.degree.get(a, 0) + 1
        self.degree[b] = self.degree.get(b, 0) + 1

    def junction(self, node: str, x: float, y: float, heading: tuple[float, float], road: Road) -> None:
        """A signalised junction on `road` with a side street to each side."""
        self.nodes[node] = (x, y, "traffic_light")
        hx, hy = heading
        for side, (dx, dy) in (("r", (hy, -hx)), ("l", (-hy, hx))):
            end = f"{node}_{side}"
            self.nodes[end] = (x + dx * SIDE_STREET_M, y + dy * SIDE_STREET_M, "priority")
            self.link(node, end, 1, 50.0, f"side street of {road.name}")
            if self.spec.districts:
                district = min(self.spec.districts, key=lambda d: math.hypot(d.x - x, d.y - y))
                self.side_streets[district.id].append(f"{node}-{end}")

    def road(self, road: Road) -> None:
        for a, b in itertools.pairwise(road.places):
            pa, pb = self.place[a], self.place[b]
            length = math.hypot(pb.x - pa.x, pb.y - pa.y)
            count = max(0, round(length / road.signal_spacing_m) - 1) if road.signal_spacing_m else 0
            chain = [a]
            for k in range(1, count + 1):
                node = f"{a}_{b}_{k}"
                share = k / (count + 1)
                self.junction(node, pa.x + share * (pb.x - pa.x), pa.y + share * (pb.y - pa.y),
                              _unit(pb.x - pa.x, pb.y - pa.y), road)
                chain.append(node)
            chain.append(b)
            for u, v in itertools.pairwise(chain):
                self.link(u, v, road.lanes, road.speed_kmh, road.name)

    def station(self, site: StationSite) -> str:
        place = self.place[site.place]
        dx, dy = _unit(site.dx, site.dy)
        node = f"station_{site.id}"
        self.nodes[node] = (place.x + dx * STATION_EXIT_M, place.y + dy * STATION_EXIT_M, "priority")
        # engines only: background traffic must not start, end or queue on a station's exit
        self.link(node, site.place, 1, 30.0, f"exit of station {site.id}", allow="emergency")
        return f"{node}-{site.place}"

    def write(self, folder: Path) -> dict[str, Path]:
        for place in self.spec.places:
            kind = "traffic_light" if self.degree.get(place.id, 0) >= 3 else "priority"
            self.nodes[place.id] = (place.x, place.y, kind)
        nodes = [f"<node {attrs(id=node, x=f'{x:.1f}', y=f'{y:.1f}', type=kind)}/>"
                 for node, (x, y, kind) in self.nodes.items()]
        paths = {"nodes": folder / f"{self.spec.name}.nod.xml", "edges": folder / f"{self.spec.name}.edg.xml"}
        paths["nodes"].write_text(document("nodes", nodes))
        paths["edges"].write_text(document("edges", [self._edge(*edge) for edge in self.edges]))
        return paths

    def _edge(self, edge_id: str, src: str, dst: str, lanes: int, speed_kmh: float, name: str, allow: str) -> str:
        (x0, y0, _), (x1, y1, kind) = self.nodes[src], self.nodes[dst]
        text = attrs(id=edge_id, **{"from": src}, to=dst, numLanes=lanes, speed=f"{speed_kmh / 3.6:.2f}", name=name,
                     **({"allow": allow} if allow else {}))
        length = math.hypot(x1 - x0, y1 - y0)
        if kind != "traffic_light" or lanes < 2 or length < 3 * LEFT_POCKET_M:
            return f"<edge {text}/>"
        split = attrs(pos=f"{length - LEFT_POCKET_M:.1f}", lanes=" ".join(map(str, range(lanes + 1))),
                      idBefore=edge_id, idAfter=f"{edge_id}.pocket")
        return f"<edge {text}><split {split}/></edge>"


NETCONVERT_CITY = [
    "--no-turnarounds", "true", "--offset.disable-normalization", "true", "--junctions.corner-detail", "0",
    "--tls.default-type", "actuated", "--tls.cycle.time", "90", "--tls.yellow.time", "3", "--tls.allred.time", "2",
    "--output.street-names", "true", "--no-warnings", "true",
]


def build_road_network(spec: RoadNetworkSpec, folder: Path) -> BuiltRoadNetwork:
    """The network <name>.net.xml.gz in `folder` (the spec is its source; plain files are transient)."""
    writer = _Writer(spec)
    for road in spec.roads:
        writer.road(road)
    station_edges = {site.id: writer.station(site) for site in spec.stations}
    net = folder / f"{spec.name}.net.xml.gz"
    with tempfile.TemporaryDirectory(prefix="signalprio-roads-") as plain:
        paths = writer.write(Path(plain))
        run_tool("netconvert", "--node-files", str(paths["nodes"]), "--edge-files", str(paths["edges"]),
                 "--output-file", str(net), *NETCONVERT_CITY)
    signals = sum(1 for _, _, kind in writer.nodes.values() if kind == "traffic_light")
    return BuiltRoadNetwork(net, writer.side_streets, station_edges, signals)
