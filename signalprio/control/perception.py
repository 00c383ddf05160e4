"""Perception: which unit approaches which signal, when it arrives, and how long before that it needs green.

From one observation, every engine's signals ahead become approaches (one per unit and
signal, led by the unit's earliest vehicle), each with the green lead time that lets the
queue in front of the engine discharge before it arrives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from signalprio.control.parameters import PreemptionParameters
from signalprio.control.timing import queue_clearance, travel_time
from signalprio.control.types import EngineView, Observation, SignalAhead
from signalprio.model.network import Network

QueueScope = Literal["approach", "route"]


@dataclass
class Approach:
    """One unit approaching one signal in this step (its leading vehicle and all of its vehicles)."""

    unit: str
    vehicle: str
    link: int
    eta_s: float
    distance_m: float
    lead_s: float
    speed: float
    importance: int
    vehicles: dict[str, float] = field(default_factory=dict)  # vehicle -> predicted arrival (s)
    distances: dict[str, float] = field(default_factory=dict)  # vehicle -> distance to stop line


def approaches(obs: Observation, network: Network, p: PreemptionParameters,
               scope: QueueScope) -> dict[str, dict[str, Approach]]:
    """Signal id -> unit -> approach, for every signal within the look-ahead of an engine on the road or
    waiting in its station. `scope` says whose queue counts: the signal's own approach, or the whole route."""
    out: dict[str, dict[str, Approach]] = {}
    for engine in (*obs.engines, *obs.waiting):
        previous: SignalAhead | None = None
        for ahead in engine.signals_ahead:
            drive = travel_time(ahead.distance_m, engine.speed, engine.desired_speed, engine.accel)
            eta = engine.ready_in_s + drive
            if eta > p.look_ahead_s:
                break
            if ahead.signal_id in network.signals:
                edges = ahead.queue_edges
                if scope == "approach" and previous is not None:
                    edges = edges[len(previous.queue_edges):]
                lead = queue_clearance(queued(obs, network, engine, edges, ahead), p.headway_s,
                                       p.start_up_lost_s) + p.margin_s
                units = out.setdefault(ahead.signal_id, {})
                current = units.get(engine.unit)
                if current is None or eta < current.eta_s:
                    units[engine.unit] = Approach(engine.unit, engine.id, ahead.link_index, eta, ahead.distance_m,
                                                  lead, engine.speed, engine.importance,
                                                  current.vehicles if current else {},
                                                  current.distances if current else {})
                units[engine.unit].vehicles[engine.id] = eta
                units[engine.unit].distances[engine.id] = ahead.distance_m
            previous = ahead
    return out


def queued(obs: Observation, network: Network, engine: EngineView, edges: tuple[str, ...],
           ahead: SignalAhead) -> float:
    """Queued vehicles per lane in front of the engine on `edges`: all must cross before it.

    Vehicles count by how slowly their edge moves (none at the speed limit, all when
    stopped), since free-flowing traffic ahead clears on its own. On the engine's own
    edge only the share in front of it counts.
    """
    total = 0.0
    for edge in edges:
        limit = network.edge_speeds.get(edge, 0.0)
        slowness = max(0.0, 1.0 - obs.mean_speed.get(edge, limit) / limit) if limit else 1.0
        count = slowness * obs.vehicles.get(edge, 0) / network.edge_lanes.get(edge, 1)
        if ahead.queue_edges and edge == ahead.queue_edges[0]:
            length = network.edge_lengths.get(edge, 0.0)
            count *= max(0.0, 1.0 - engine.lane_position_m / length) if length else 1.0
        total += count
    return total
