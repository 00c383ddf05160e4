"""A scenario from OpenStreetMap: cut the roads out of an extract, build a network with signals,
generate demand, and pick the signalised corridor for the engines.

netconvert reads OSM XML, not PBF: pyosmium cuts the bounding box and the road ways (with the
nodes they reference, tags kept, so signal nodes survive) into OSM XML first. Every signal the
map has is kept, mid-block and pedestrian signals too (an engine must pass them; many extracts
map only main roads, whose junction signals then look "simple"), signals within 20 m are one
group (dual carriageways), junction clusters are joined; fixed-time programs with a 90 s cycle,
3 s yellow and 2 s all-red. Disconnected pieces of road stay (random trips are validated, and a
route that cannot be driven is an input error naming the edges).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import sumolib

from signalprio.build.demand import random_trips
from signalprio.errors import UserError
from signalprio.sumo.binaries import run_tool

ROADS = frozenset({"motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
                   "living_street", "motorway_link", "trunk_link", "primary_link", "secondary_link", "tertiary_link"})
NETCONVERT_URBAN = [
    "--geometry.remove", "true", "--ramps.guess", "true", "--junctions.join", "true",
    "--tls.guess-signals", "true", "--tls.join", "true",
    "--tls.default-type", "static", "--tls.cycle.time", "90", "--tls.yellow.time", "3", "--tls.allred.time", "2",
    "--osm.turn-lanes", "true", "--output.street-names", "true", "--no-turnarounds", "true",
    "--keep-edges.by-vclass", "passenger", "--no-warnings", "true",
]
#: an engine (up to 12 m) must be able to stop on the station's and the incident's edge clear of the junctions
STOP_EDGE_M = 20.0


@dataclass(frozen=True)
class Corridor:
    """A chain of edges along one street, and the signals it passes."""

    name: str
    edges: tuple[str, ...]
    signals: tuple[str, ...]
    length_m: float


def cut_roads(source: Path, bbox: tuple[float, float, float, float] | None, out: Path) -> set[int]:
    """Write OSM XML with the road ways inside `bbox` (west, south, east, north) and every node they use; the ids of
    those ways."""
    import osmium  # the optional extra 'osm', checked by build_osm_scenario

    west, south, east, north = bbox or (-180.0, -90.0, 180.0, 90.0)
    try:  # read everything before writing, so bad input fails before a writer is open
        roads = {way.id for way in osmium.FileProcessor(str(source), osmium.osm.NODE | osmium.osm.WAY).with_locations()
                 if isinstance(way, osmium.osm.Way) and way.tags.get("highway") in ROADS
                 and any(node.location.valid() and west <= node.location.lon <= east
                         and south <= node.location.lat <= north for node in way.nodes)}
    except RuntimeError as error:  # libosmium reports unreadable input this way
        raise UserError(f"{source}: not a readable OpenStreetMap file ({error})") from None
    with osmium.BackReferenceWriter(str(out), ref_src=str(source), overwrite=True, remove_tags=False) as writer:
        for way in osmium.FileProcessor(str(source), osmium.osm.WAY):
            if way.id in roads:
                writer.add_way(way)
    return roads


def detect_corridors(net_file: Path, minimum_signals: int = 2, across_names: bool = True) -> list[Corridor]:
    """Signalised corridors: chains of straight continuations, most signals first. A street that changes its name
    at a junction (Bismarckstraße into Kaiserring) goes on where it is the only straight way of the same road class
    (a primary road does not run on into a residential street); where several go straight, the one keeping the
    name does."""
    net = sumolib.net.readNet(str(net_file), withPrograms=True)
    signal_of = {tls_node: tls.getID() for tls in net.getTrafficLights()
                 for tls_node in {conn[0].getEdge().getToNode().getID() for conn in tls.getConnections()}}

    def straight(edge: sumolib.net.edge.Edge) -> sumolib.net.edge.Edge | None:
        ahead = [following for following, connections in edge.getOutgoing().items()
                 if any(c.getDirection() == "s" for c in connections)
                 and following.getToNode() is not edge.getFromNode()]  # not back along the other carriageway
        same_name = [following for following in ahead if following.getName() == edge.getName()]
        if same_name:
            return same_name[0]
        unique = len(ahead) == 1 and ahead[0].getType() == edge.getType()
        return ahead[0] if unique and across_names else None

    has_predecessor = {f.getID() for e in net.getEdges() if (f := straight(e)) is not None}
    corridors = []
    for start in net.getEdges():
        if start.getID() in has_predecessor or not start.allows("emergency") or start.getFunction() == "internal":
            continue
        chain, seen = [start], {start.getID()}
        while (following := straight(chain[-1])) is not None and following.getID() not in seen:
            chain.append(following)
            seen.add(following.getID())
        signals = tuple(dict.fromkeys(signal_of[e.getToNode().getID()] for e in chain[:-1]
                                      if e.getToNode().getID() in signal_of))
        if len(signals) >= minimum_signals:
            names = list(dict.fromkeys(e.getName() for e in chain if e.getName()))
            name = " → ".join(names[:3]) + (" …" if len(names) > 3 else "") if names else start.getID()
            corridors.append(Corridor(name, tuple(e.getID() for e in chain), signals,
                                      sum(e.getLength() for e in chain)))
    return sorted(corridors, key=lambda c: (-len(c.signals), -c.length_m))


@dataclass(frozen=True)
class OsmScenario:
    """What from-osm built: the folder, the network's size, and its corridors (the chosen one first)."""

    folder: Path
    edges: int
    signals: int
    corridors: list[Corridor]


def build_osm_scenario(source: Path, name: str, folder: Path, bbox: tuple[float, float, float, float] | None,
                       period_s: float = 1.5, corridor: str | None = None) -> OsmScenario:
    """Network, generated demand and scenario.toml; the engines run along the best corridor
    (or the best one whose street name contains `corridor`)."""
    if not source.is_file():
        raise UserError(f"{source}: file not found")
    if importlib.util.find_spec("osmium") is None:
        raise UserError("signalprio network from-osm needs the optional extra: pip install 'signalprio[osm]'")
    folder.mkdir(parents=True, exist_ok=True)
    osm = folder / f"{name}.osm.xml"
    net = folder / f"{name}.net.xml"
    try:
        ways = cut_roads(source, bbox, osm)
        if not ways:
            raise UserError(f"{source}: no roads in that area (no way tagged highway={'/'.join(sorted(ROADS))}); "
                            "check --bbox (west,south,east,north in degrees)")
        run_tool("netconvert", "--osm-files", str(osm), "--output-file", str(net), *NETCONVERT_URBAN)
        edges, signals = _check_built(source, net, len(ways))
        corridors = detect_corridors(net) or detect_corridors(net, minimum_signals=1)
        chosen = corridors
        if corridor:  # a named street: the corridor along that street alone, where it passes signals by itself
            alone = [c for c in detect_corridors(net, across_names=False) if corridor.lower() in c.name.lower()]
            chosen = alone or [c for c in corridors if corridor.lower() in c.name.lower()]
            corridors = chosen + [c for c in corridors if c not in chosen]
        if corridor and not chosen:
            raise UserError(f"{source}: --corridor: no signalised street named like {corridor!r} in that area "
                            f"(signalprio network corridors {net} lists them)")
    except UserError:
        net.unlink(missing_ok=True)  # never leave a network behind that is of no use
        raise
    finally:
        osm.unlink(missing_ok=True)
    best = chosen[0] if chosen else _any_signal(net)
    station_edge, incident_edge = scenario_ends(net, best)
    # background demand weighted towards fast roads (arterials): speed exponent 2, more lanes more trips
    peak = random_trips(net, period_s, 5.0, 7200.0, 42, ("--speed-exponent", "2", "--lanes"))
    offpeak = random_trips(net, period_s * 2, 5.0, 7200.0, 42, ("--speed-exponent", "2", "--lanes"))
    (folder / "scenario.toml").write_text(
        f'name = "{name}"\n'
        f'description = "built from OpenStreetMap ({source.name}); corridor: {best.name}, '
        f'{len(best.signals)} signals"\n'
        f'network = "{net.name}"\n'
        f'incident_edges = ["{incident_edge}"]\n\n'
        f'[demand]\npeak = ["{_copy(peak, folder, "peak.trips.xml")}"]\n'
        f'offpeak = ["{_copy(offpeak, folder, "offpeak.trips.xml")}"]\n\n'
        f'[[stations]]\nname = "start of the {best.name} corridor (edit me)"\nedge = "{station_edge}"\n'
        'position_m = 1.0\n'
    )
    return OsmScenario(folder, edges, signals, corridors)


def scenario_ends(net_file: Path, corridor: Corridor) -> tuple[str, str]:
    """The station's and the incident's edge: the first and the last edge of the corridor where an engine can stop,
    at least STOP_EDGE_M long and not part of a roundabout (a corridor that runs into a roundabout otherwise ends
    on a connector a few decimetres long inside it, where no incident lies and every jam of the roundabout blocks
    the engine's arrival). The corridor's own ends where no edge qualifies."""
    net = sumolib.net.readNet(str(net_file))
    in_roundabout = {edge for roundabout in net.getRoundabouts() for edge in roundabout.getEdges()}
    usable = [edge for edge in corridor.edges
              if edge not in in_roundabout and net.getEdge(edge).getLength() >= STOP_EDGE_M]
    if len(usable) < 2:
        return corridor.edges[0], corridor.edges[-1]
    return usable[0], usable[-1]


def _check_built(source: Path, net: Path, ways: int) -> tuple[int, int]:
    """The network's edges and signals; a network without roads or without signals is of no use here: say why,
    never write it."""
    built = sumolib.net.readNet(str(net), withPrograms=True)
    if not built.getEdges():
        raise UserError(f"{source}: netconvert kept none of the {ways} road ways in that area (none open to cars?)")
    signals = [tls for tls in built.getTrafficLights() if tls.getPrograms()]
    if not signals:
        raise UserError(f"{source}: no traffic signals in that area ({len(built.getEdges())} roads, but no node "
                        "tagged highway=traffic_signals); signalprio needs signals to preempt")
    return len(built.getEdges()), len(signals)


def _any_signal(net: Path) -> Corridor:
    """A placeholder when no street passes two signals: the approach to the first signal and the road after it."""
    built = sumolib.net.readNet(str(net), withPrograms=True)
    tls = next(t for t in built.getTrafficLights() if t.getPrograms())
    into, out, _ = tls.getConnections()[0]
    return Corridor(into.getEdge().getName() or tls.getID(), (into.getEdge().getID(), out.getEdge().getID()),
                    (tls.getID(),), into.getEdge().getLength() + out.getEdge().getLength())


def _copy(path: Path, folder: Path, name: str) -> str:
    (folder / name).write_bytes(path.read_bytes())
    return name
