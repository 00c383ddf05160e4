"""Plain SUMO files (nodes, edges, connections, signal plans) for a signalised corridor.

A corridor is an arterial with two carriageways and side streets crossing it at
signalised junctions. Everything a network needs is written as SUMO's plain XML
so that a traffic engineer can read and edit the signal plans directly; netconvert
turns the plain files into a network. Link indices are set explicitly in the
connection file, so the signal plans are authored, not guessed by netconvert.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from signalprio.build.plainxml import attrs as _attrs
from signalprio.build.plainxml import document as _xml
from signalprio.sumo.binaries import run_tool


@dataclass(frozen=True)
class CorridorJunction:
    """A junction on the arterial, in the order the inbound (forward) direction meets it."""

    id: str
    x: float
    y: float
    label: str = ""
    signalised: bool = True
    side_length_m: float = 250.0


@dataclass(frozen=True)
class SignalTiming:
    """Two-phase fixed-time plan in German practice (RiLSA-like intergreens)."""

    cycle_s: float = 90.0
    main_green_share: float = 0.62
    yellow_s: float = 3.0
    all_red_s: float = 2.0
    red_yellow_s: float = 1.0
    progression_kmh: float = 50.0

    def greens(self) -> tuple[float, float]:
        """Main and side green times that fill the cycle after the intergreens."""
        available = self.cycle_s - 2 * (self.yellow_s + self.all_red_s + self.red_yellow_s)
        if available < 10:
            raise ValueError(f"cycle {self.cycle_s} s leaves no room for green")
        main = round(available * self.main_green_share)
        return float(main), float(available - main)


@dataclass(frozen=True)
class CorridorSpec:
    """Geometry, lanes and timing of a corridor; `start`/`end` are the arterial's end nodes."""

    name: str
    start: tuple[float, float]
    end: tuple[float, float]
    junctions: tuple[CorridorJunction, ...]
    lanes: int = 2
    speed_kmh: float = 50.0
    side_speed_kmh: float = 50.0
    timing: SignalTiming = field(default_factory=SignalTiming)
    left_pocket_m: float = 60.0  # left-turn lane before each signal; 0: left turns share the inner lane

    def node_points(self) -> list[tuple[str, float, float]]:
        """Arterial nodes from start to end."""
        inner = [(j.id, j.x, j.y) for j in self.junctions]
        return [("start", *self.start), *inner, ("end", *self.end)]

    def forward_edge(self, segment: int) -> str:
        return f"fwd_{segment}"

    def backward_edge(self, segment: int) -> str:
        return f"bwd_{segment}"

    def approach_edge(self, junction: int, forward: bool) -> str:
        """Edge that enters junction `junction` (1-based): the left-turn pocket where there is one."""
        edge = self.forward_edge(junction - 1) if forward else self.backward_edge(junction)
        return f"{edge}_pocket" if self.left_pocket_m > 0 else edge

    @property
    def segments(self) -> int:
        return len(self.junctions) + 1

    def chainage(self) -> dict[str, float]:
        """Distance of each arterial node from the start node along the arterial."""
        dist, out = 0.0, {}
        points = self.node_points()
        for i, (node, x, y) in enumerate(points):
            if i:
                _, px, py = points[i - 1]
                dist += math.hypot(x - px, y - py)
            out[node] = dist
        return out


@dataclass(frozen=True)
class _Link:
    """One signalised movement: incoming edge/lane to outgoing edge/lane."""

    from_edge: str
    from_lane: int
    to_edge: str
    to_lane: int
    group: str  # main, main_left, side, side_left


def _heading(spec: CorridorSpec, index: int) -> tuple[float, float]:
    """Unit vector of the forward direction at arterial node `index` (average of both segments)."""
    pts = spec.node_points()
    _, x0, y0 = pts[index - 1]
    _, x1, y1 = pts[index + 1]
    length = math.hypot(x1 - x0, y1 - y0)
    return (x1 - x0) / length, (y1 - y0) / length


def _junction_links(spec: CorridorSpec, k: int) -> list[_Link]:
    """Movements at junction k (1-based arterial node index), in link-index order.

    Order: forward approach, side street from the right, backward approach, side street
    from the left; within each approach right turn, through, left turn.
    """
    j = spec.junctions[k - 1].id
    fwd_in, fwd_out = spec.approach_edge(k, forward=True), spec.forward_edge(k)
    bwd_in, bwd_out = spec.approach_edge(k, forward=False), spec.backward_edge(k - 1)
    right_in, right_out, left_in, left_out = f"{j}_r_in", f"{j}_r_out", f"{j}_l_in", f"{j}_l_out"
    left_lane = spec.lanes if spec.left_pocket_m > 0 else spec.lanes - 1
    links: list[_Link] = []
    for src, right, through, left in ((fwd_in, right_out, fwd_out, left_out),
                                      (bwd_in, left_out, bwd_out, right_out)):
        links.append(_Link(src, 0, right, 0, "main"))
        links.extend(_Link(src, lane, through, lane, "main") for lane in range(spec.lanes))
        links.append(_Link(src, left_lane, left, 0, "main_left"))
    for src, right, through, left in ((right_in, fwd_out, left_out, bwd_out),
                                      (left_in, bwd_out, right_out, fwd_out)):
        links.append(_Link(src, 0, right, 0, "side"))
        links.append(_Link(src, 0, through, 0, "side"))
        links.append(_Link(src, 0, left, 0, "side_left"))
    return links


def _phase_states(links: list[_Link]) -> list[tuple[str, str]]:
    """(name, state) of each phase kind; durations are attached by the caller."""

    def state(main: str, main_left: str, side: str, side_left: str) -> str:
        chars = {"main": main, "main_left": main_left, "side": side, "side_left": side_left}
        return "".join(chars[link.group] for link in links)

    return [
        ("main green", state("G", "g", "r", "r")),
        ("main yellow", state("y", "y", "r", "r")),
        ("all red", state("r", "r", "r", "r")),
        ("side red-yellow", state("r", "r", "u", "u")),
        ("side green", state("r", "r", "G", "g")),
        ("side yellow", state("r", "r", "y", "y")),
        ("all red", state("r", "r", "r", "r")),
        ("main red-yellow", state("u", "u", "r", "r")),
    ]


def green_wave_offset(distance_m: float, timing: SignalTiming) -> float:
    """Offset (s) that starts main green when a platoon at progression speed arrives.

    SUMO's `offset` shifts a program's start: the cycle position at time t is
    (t - offset) mod cycle, so a junction `distance_m` downstream gets offset distance/speed.
    """
    return round(distance_m / (timing.progression_kmh / 3.6)) % timing.cycle_s


def _link_attrs(link: _Link) -> str:
    return _attrs(**{"from": link.from_edge}, to=link.to_edge, fromLane=link.from_lane, toLane=link.to_lane)


def write_plain_files(spec: CorridorSpec, folder: Path) -> dict[str, Path]:
    """Write nodes, edges, connections and signal plans; return their paths by kind."""
    folder.mkdir(parents=True, exist_ok=True)
    points = spec.node_points()
    chain = spec.chainage()
    nodes: list[str] = []
    edges: list[str] = []
    connections: list[str] = []
    logics: list[str] = []
    signal_links: list[str] = []
    speed, side_speed = spec.speed_kmh / 3.6, spec.side_speed_kmh / 3.6
    main_green, side_green = spec.timing.greens()
    t = spec.timing
    durations = [main_green, t.yellow_s, t.all_red_s, t.red_yellow_s,
                 side_green, t.yellow_s, t.all_red_s, t.red_yellow_s]

    for i, (node, x, y) in enumerate(points):
        junction = spec.junctions[i - 1] if 0 < i < len(points) - 1 else None
        kind = "traffic_light" if junction and junction.signalised else "priority"
        extra = {"tl": node} if kind == "traffic_light" else {}
        nodes.append(f"<node {_attrs(id=node, x=f'{x:.2f}', y=f'{y:.2f}', type=kind, **extra)}/>")
        if junction is None:
            continue
        hx, hy = _heading(spec, i)
        for side, (dx, dy) in (("r", (hy, -hx)), ("l", (-hy, hx))):
            sx, sy = x + dx * junction.side_length_m, y + dy * junction.side_length_m
            side_node = f"{node}_{side}"
            nodes.append(f"<node {_attrs(id=side_node, x=f'{sx:.2f}', y=f'{sy:.2f}', type='priority')}/>")
            lane = {"numLanes": 1, "speed": f"{side_speed:.2f}"}
            edges.append(f"<edge {_attrs(id=f'{side_node}_in', **{'from': side_node}, to=node, **lane)}/>")
            edges.append(f"<edge {_attrs(id=f'{side_node}_out', **{'from': node}, to=side_node, **lane)}/>")

    for seg in range(spec.segments):
        (a, ax, ay), (b, bx, by) = points[seg], points[seg + 1]
        length = math.hypot(bx - ax, by - ay)
        for edge_id, src, dst, into_junction in ((spec.forward_edge(seg), a, b, seg < spec.segments - 1),
                                                 (spec.backward_edge(seg), b, a, seg > 0)):
            attrs = _attrs(id=edge_id, **{"from": src}, to=dst, numLanes=spec.lanes, speed=f"{speed:.2f}")
            if into_junction and spec.left_pocket_m > 0:
                lanes = " ".join(map(str, range(spec.lanes + 1)))
                split = _attrs(pos=f"{length - spec.left_pocket_m:.2f}", lanes=lanes, idBefore=edge_id,
                               idAfter=f"{edge_id}_pocket")
                edges.append(f"<edge {attrs}><split {split}/></edge>")
            else:
                edges.append(f"<edge {attrs}/>")

    for k, junction in enumerate(spec.junctions, start=1):
        links = _junction_links(spec, k)
        for link in links:
            connections.append(f"<connection {_link_attrs(link)}/>")
        if not junction.signalised:
            continue
        signal_links.extend(
            f"<connection {_link_attrs(link)} {_attrs(tl=junction.id, linkIndex=index)}/>"
            for index, link in enumerate(links)
        )
        offset = green_wave_offset(chain[junction.id], t)
        phases = [
            f"    <phase {_attrs(duration=f'{duration:g}', state=state, name=name)}/>"
            for (name, state), duration in zip(_phase_states(links), durations, strict=True)
        ]
        label = f" <!-- {junction.label} -->" if junction.label else ""
        logics.append(
            f"<tlLogic {_attrs(id=junction.id, type='static', programID='plan', offset=f'{offset:g}')}>{label}\n"
            + "\n".join(phases) + "\n    </tlLogic>"
        )

    paths = {
        "nodes": folder / f"{spec.name}.nod.xml",
        "edges": folder / f"{spec.name}.edg.xml",
        "connections": folder / f"{spec.name}.con.xml",
        "signals": folder / f"{spec.name}.tll.xml",
    }
    paths["nodes"].write_text(_xml("nodes", nodes))
    paths["edges"].write_text(_xml("edges", edges))
    paths["connections"].write_text(_xml("connections", connections))
    # netconvert needs the programs before the connections that index into them.
    paths["signals"].write_text(_xml("tlLogics", logics + signal_links))
    return paths


def build_network(plain: dict[str, Path], net_file: Path) -> Path:
    """Run netconvert on plain files; the options keep the authored plans and link indices."""
    run_tool(
        "netconvert",
        "--node-files", str(plain["nodes"]),
        "--edge-files", str(plain["edges"]),
        "--connection-files", str(plain["connections"]),
        "--tllogic-files", str(plain["signals"]),
        "--output-file", str(net_file),
        "--no-turnarounds", "true",
        "--offset.disable-normalization", "true",
        "--junctions.corner-detail", "0",
        "--no-warnings", "true",
    )
    return net_file
