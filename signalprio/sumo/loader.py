"""Reads a SUMO network file with sumolib into the simulator-free model (`signalprio.model`).

Read once per run, before the simulation starts; nothing here talks to a running SUMO.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import sumolib

from signalprio.errors import UserError
from signalprio.model.network import LinkPath, Network, Signal, SignalLink
from signalprio.model.program import Phase, SignalProgram


def _program(tls: sumolib.net.TLS, tls_id: str) -> SignalProgram:
    program_id, program = next(iter(tls.getPrograms().items()))
    actuated = program.getType() != "static"
    phases = tuple(
        Phase(state=p.state, duration=float(p.duration), name=p.name or "",
              # sumolib reports -1 (or the duration) where the network gives no minDur
              min_duration=float(p.minDur) if actuated and p.minDur is not None and float(p.minDur) > 0 else None)
        for p in program.getPhases()
    )
    return SignalProgram(
        signal_id=tls_id,
        program_id=program_id,
        kind=program.getType(),
        offset=float(program.getOffset()),
        phases=phases,
    )


def _signal(net: sumolib.net.Net, tls: sumolib.net.TLS, path: Path) -> Signal:
    tls_id = tls.getID()
    by_index: dict[int, SignalLink] = {}
    junction_index: dict[int, list[tuple[sumolib.net.node.Node, int]]] = {}
    for from_lane, to_lane, index in tls.getConnections():
        by_index.setdefault(index, SignalLink(index, from_lane.getID(), to_lane.getID()))
        for connection in from_lane.getOutgoing():
            if connection.getToLane() is to_lane and connection.getTLLinkIndex() == index:
                node = from_lane.getEdge().getToNode()
                junction_index.setdefault(index, []).append((node, connection.getJunctionIndex()))
    links = tuple(by_index[i] for i in sorted(by_index))
    foes: set[tuple[int, int]] = set()
    for i, members_i in junction_index.items():
        for j, members_j in junction_index.items():
            if i < j and any(
                node_a is node_b and node_a.areFoes(a, b)
                for node_a, a in members_i
                for node_b, b in members_j
            ):
                foes.update({(i, j), (j, i)})
    paths = {}
    for link in links:
        way = _path(net, net.getLane(link.from_lane), net.getLane(link.to_lane), link.index)
        if way is not None:
            paths[link.index] = way
    upstream = {lane: _upstream(net.getLane(lane)) for lane in sorted({link.from_lane for link in links})}
    return Signal(tls_id, _program(tls, tls_id), links, frozenset(foes), paths,
                  {lane: lanes for lane, lanes in upstream.items() if lanes})


UPSTREAM_M = 300.0  # how far before a stop line cross traffic is looked for (reaction distances are shorter)


def _upstream(lane: sumolib.net.lane.Lane) -> tuple[tuple[str, float], ...]:
    """The lanes leading into `lane` within UPSTREAM_M of its end, nearest first, each with the distance from its
    own end to that end (the stop line)."""
    found: dict[str, float] = {}
    frontier = [(lane, 0.0)]
    while frontier:
        current, offset = frontier.pop(0)
        start = offset + current.getLength()  # from current's start to the stop line
        if start > UPSTREAM_M:
            continue
        for before in current.getIncoming():
            if before.getID() not in found and before is not lane:
                found[before.getID()] = start
                frontier.append((before, start))
    return tuple(sorted(found.items(), key=lambda item: item[1]))


def _path(net: sumolib.net.Net, from_lane: sumolib.net.lane.Lane, to_lane: sumolib.net.lane.Lane,
          link_index: int) -> LinkPath | None:
    """A link's way through the junction: a pedestrian crossing's own lane, or a connection's internal lanes (an
    internal junction chains several). None where the network has no internal lanes."""
    if to_lane.getEdge().getFunction() == "crossing":
        return LinkPath("pedestrian", tuple(to_lane.getShape()), 0.0)
    points: list[tuple[float, float]] = []
    lane = from_lane
    while True:
        via = next((c.getViaLaneID() for c in lane.getOutgoing()
                    if c.getToLane() is to_lane and c.getViaLaneID()
                    and (lane is not from_lane or c.getTLLinkIndex() == link_index)), "")
        if not via:
            break
        lane = net.getLane(via)
        points += [p for p in lane.getShape() if not points or p != points[-1]]
    return LinkPath("vehicle", tuple(points), from_lane.getSpeed()) if len(points) > 1 else None


def load_network(path: Path) -> Network:
    """Parse a .net.xml; a network without signals is an input error.

    Traffic-light ids that carry no program (sumolib lists ids named by connections, e.g.
    of joined or rail-crossing junctions, that have no tlLogic) are not signals to preempt.
    """
    if not path.is_file():
        raise UserError(f"network file not found: {path}")
    try:
        # internal lanes: pedestrian crossings are signal links too, and the junction's geometry gives intergreens
        net = sumolib.net.readNet(str(path), withPrograms=True, withInternal=True)
    except Exception as error:  # sumolib raises parser errors of several kinds
        raise UserError(f"{path}: not a readable SUMO network ({error})") from None
    signals = {tls.getID(): _signal(net, tls, path) for tls in net.getTrafficLights() if tls.getPrograms()}
    if not signals:
        raise UserError(f"{path}: the network has no traffic signals to preempt")
    edges = [edge for edge in net.getEdges() if not edge.getFunction()]  # roads, not junction interiors
    lane_speeds = {lane.getID(): lane.getSpeed() for edge in edges for lane in edge.getLanes()}
    return Network(path, signals, lane_speeds, {e.getID(): e.getLength() for e in edges},
                   {e.getID(): e.getLaneNumber() for e in edges}, {e.getID(): e.getSpeed() for e in edges},
                   {e.getID(): frozenset(out.getID() for out in e.getOutgoing() if not out.getFunction())
                    for e in edges})


def street_names(path: Path) -> dict[str, str]:
    """Readable labels for a network's edges and signals, where it names its streets (OpenStreetMap networks do):
    an edge's street name, and a signal's crossing streets ('Kaiserring / Tattersallstraße'). Unnamed ones are
    left out, so their ids show."""
    if not path.is_file():
        return {}
    net = sumolib.net.readNet(str(path), withPrograms=True, withInternal=False)
    labels = {edge.getID(): edge.getName() for edge in net.getEdges() if edge.getName()}
    for tls in net.getTrafficLights():
        streets: list[str] = []
        for from_lane, _, _ in tls.getConnections():
            name = from_lane.getEdge().getName()
            if name and name not in streets:
                streets.append(name)
        if streets:
            labels[tls.getID()] = " / ".join(streets[:2])
    return labels


def edge_geometry(path: Path) -> tuple[dict[str, list[tuple[float, float]]], dict[str, list[tuple[float, float]]]]:
    """Each edge's shape in network coordinates (metres), and in WGS84 longitude and latitude where the network
    has a geo-projection (every OpenStreetMap network; an authored one has none, and the second dict is empty)."""
    net = sumolib.net.readNet(str(path), withInternal=False)
    shapes = {edge.getID(): [(float(x), float(y)) for x, y in edge.getShape()] for edge in net.getEdges()}
    if not net.hasGeoProj():
        return shapes, {}
    if importlib.util.find_spec("pyproj") is None:
        raise UserError(f"{path}: its coordinates convert to WGS84 with pyproj: pip install 'signalprio[report]'")
    lonlat = {edge: [_lonlat(net, x, y) for x, y in shape] for edge, shape in shapes.items()}
    return shapes, lonlat


def _lonlat(net: sumolib.net.Net, x: float, y: float) -> tuple[float, float]:
    lon, lat = net.convertXY2LonLat(x, y)
    return float(lon), float(lat)
