"""A running SUMO, through libsumo (default, in-process) or TraCI (socket fallback).

Both backends expose the same API object, so there is one code path. Each step the
session reads only what controllers need: the active engines, the signals on their
routes and the halting counts on those signals' approach lanes, by subscription.
Engine positions along the route come from getNextTLS, which has no subscription
equivalent that both backends decode.

Timing: an observation at time t shows the signal states vehicles saw during the step
that just ended; a plan switch due at t runs at the start of the next step unless a
command given now replaces it (SUMO's own record stamps such a switch at t). Controllers
therefore see switches one step late, which only ever lengthens the greens, yellows and
intergreens they count.
"""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

import traci.constants as tc

from signalprio.control.types import (
    AdjustPhase,
    Command,
    EngineView,
    Observation,
    ResumePlan,
    SetSignalState,
    SignalAhead,
    SignalView,
)
from signalprio.errors import UserError
from signalprio.fleet import VehicleType
from signalprio.model.network import Network, Signal, SignalLink
from signalprio.rightofway import ClearJunction, EngineAtRed, Foe, RightOfWay, SpeedLimit, faces_red
from signalprio.sumo.binaries import binary, tool_environment
from signalprio.zone import Entering, inside_part

Backend = Literal["libsumo", "traci"]
_ENGINE_VARS = (tc.VAR_SPEED, tc.VAR_LANE_ID, tc.VAR_LANEPOSITION, tc.VAR_DISTANCE, tc.VAR_TIMELOSS, tc.VAR_ROUTE_INDEX)
_SIGNAL_VARS = (tc.TL_RED_YELLOW_GREEN_STATE, tc.TL_CURRENT_PROGRAM, tc.TL_NEXT_SWITCH, tc.TL_CURRENT_PHASE)
# Every command sent to SUMO is logged at DEBUG: worker processes keep the log in a file, so when SUMO crashes
# the failed run names the last commands (signalprio.pool).
_log = logging.getLogger(__name__)
# safe speed, maximum acceleration, right of way at junctions, braking for red; not SUMO's bound on deceleration:
# under a speed limit it kept the engine from braking harder than its normal deceleration even when the vehicle
# ahead did (DLK rear-ends on turn pockets). signalprio.rightofway bounds its own limits by that deceleration.
SPEED_MODE_CHECKED = 27
# speed mode bit 5: disregard right of way within the junction (vehicles that have entered it)
IGNORE_JUNCTION_FOES = 32
_SIM_VARS = (tc.VAR_DEPARTED_VEHICLES_IDS, tc.VAR_ARRIVED_VEHICLES_IDS, tc.VAR_TELEPORT_STARTING_VEHICLES_IDS)


@dataclass
class EngineSlot:
    """An engine the session tracks; the unit groups the vehicles of one incident response."""

    id: str
    unit: str
    vehicle_type: VehicleType
    importance: int = 10
    route: tuple[str, ...] = ()
    depart_s: float | None = None
    alarm_s: float | None = None  # from here until it departs, the engine waits in the station
    depart_pos_m: float = 0.0
    route_signals: tuple[SignalAhead, ...] = ()  # from the station, known before it moves
    active: bool = False
    arrived_at: float | None = None
    departed_at: float | None = None
    teleported: bool = False


@dataclass
class SumoSession:
    backend: Backend
    network: Network
    args: list[str]
    step_s: float = 1.0
    engines: dict[str, EngineSlot] = field(default_factory=dict)
    _api: Any = None
    # Subscribed signals and edges in subscription order: observations list them in a reproducible
    # order (a set's order changes with Python's hash seed, and with it the request ids).
    _signals: dict[str, None] = field(default_factory=dict)
    _edges: dict[str, None] = field(default_factory=dict)
    _lane_lengths: dict[str, float] = field(default_factory=dict)
    _vias: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    _via_edge_sets: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    _links_by_via: dict[str, dict[str, int]] = field(default_factory=dict)
    _clearing: dict[str, int] = field(default_factory=dict)  # vehicles clearing a junction: their own speed mode
    _facing_red: dict[str, str] = field(default_factory=dict)  # engine -> the signal it is handled as facing red at
    _stderr: Any = None
    time: float = 0.0

    def start(self) -> None:
        command = [binary("sumo"), *self.args, "--step-length", str(self.step_s)]
        _log.debug("start %s", " ".join(command))
        try:
            if self.backend == "libsumo":
                import libsumo

                libsumo.start(command)
                self._api = libsumo
            else:
                # a file, not a pipe: a chatty SUMO never blocks. Not a context manager: SUMO writes to it for
                # the session's lifetime, and close() closes it
                self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
                self._api = _connect_traci(command, self._stderr)
        except Exception as error:  # SUMO reports bad input (files, options) as exceptions
            raise UserError(f"SUMO could not start: {error}") from None
        self._api.simulation.subscribe(list(_SIM_VARS))
        self.time = self._api.simulation.getTime()

    def close(self) -> None:
        if self._api is not None:
            self._api.close()
            self._api = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def find_route(self, from_edge: str, to_edge: str, vehicle_type: VehicleType) -> list[str]:
        """Fastest route for an engine; an unreachable destination is an input error."""
        for edge in (from_edge, to_edge):
            if edge not in self.network.edge_lengths:
                raise UserError(f"{self.network.path}: unknown edge '{edge}'")
        route = self._api.simulation.findRoute(from_edge, to_edge, vType=vehicle_type.sumo_id())
        if not route.edges:
            raise UserError(f"{self.network.path}: no route from edge '{from_edge}' to '{to_edge}'")
        return list(route.edges)

    def add_engine(self, slot: EngineSlot, edges: list[str], depart: float, depart_pos: float, arrival_pos: float,
                   alarm: float | None = None) -> None:
        """Insert an engine leaving at `depart`; from `alarm` on, it is observed waiting in the station."""
        route_id = f"route_{slot.id}"
        slot.route, slot.depart_s, slot.alarm_s, slot.depart_pos_m = tuple(edges), depart, alarm, depart_pos
        slot.route_signals = route_signals(self.network, slot.route, depart_pos)
        _log.debug("t=%g add engine %s (%s) departing %g on %s", self.time, slot.id, slot.vehicle_type.sumo_id(),
                   depart, " ".join(edges))
        try:
            self._api.route.add(route_id, edges)
            self._api.vehicle.add(slot.id, route_id, typeID=slot.vehicle_type.sumo_id(), depart=f"{depart:.2f}",
                                  departLane="best", departPos=f"{depart_pos:.2f}", departSpeed="0",
                                  arrivalPos=f"{arrival_pos:.2f}")
        except Exception as error:  # libsumo and traci raise their own TraCIException types
            raise UserError(f"{self.network.path}: engine route {' '.join(edges)} cannot be driven: {error}") from None
        # SUMO's bluelight device (rescue lane) switches the engine's right-of-way checks off once, when the vehicle is
        # built; they stay on: the engine enters a red only as signalprio.rightofway allows
        self._api.vehicle.setSpeedMode(slot.id, SPEED_MODE_CHECKED)
        self.engines[slot.id] = slot
        if alarm is not None:
            self._subscribe_route(slot, [ahead.signal_id for ahead in slot.route_signals])

    def step(self) -> None:
        self._api.simulationStep()
        self.time = self._api.simulation.getTime()
        self._track_vehicles()

    def _track_vehicles(self) -> None:
        """Engines that departed, teleported or arrived in the step(s) just simulated."""
        sim = self._api.simulation.getSubscriptionResults()
        for vehicle_id in sim.get(tc.VAR_DEPARTED_VEHICLES_IDS, ()):
            if vehicle_id in self.engines:
                self._engine_departed(self.engines[vehicle_id])
        for vehicle_id in sim.get(tc.VAR_TELEPORT_STARTING_VEHICLES_IDS, ()):
            if vehicle_id in self.engines:
                self.engines[vehicle_id].teleported = True
        for vehicle_id in sim.get(tc.VAR_ARRIVED_VEHICLES_IDS, ()):
            slot = self.engines.get(vehicle_id)
            if slot is not None and slot.active:
                slot.active, slot.arrived_at = False, self.time

    def advance_to(self, time: float) -> None:
        """Simulate without observing until `time`, keeping track of engine departures and arrivals."""
        self._api.simulationStep(time)
        self.time = self._api.simulation.getTime()
        self._track_vehicles()

    def active_engines(self) -> bool:
        """Whether an engine is on the road or alarmed and waiting in its station."""
        return any(slot.active or self._waiting(slot) for slot in self.engines.values())

    def _waiting(self, slot: EngineSlot) -> bool:
        return slot.departed_at is None and slot.alarm_s is not None and slot.alarm_s <= self.time

    def next_departure(self) -> float:
        """Earliest alarm or planned departure of an engine not yet on the road (infinity when none is left)."""
        waiting = [slot.depart_s if slot.alarm_s is None else slot.alarm_s for slot in self.engines.values()
                   if slot.departed_at is None and slot.depart_s is not None]
        return min(waiting, default=float("inf"))

    def cut_to(self, area: frozenset[str], arriving: list[Entering]) -> None:
        """Simulate only `area` from now on (signalprio.zone): background vehicles outside it leave, those inside
        keep their way up to its edge, and `arriving` enter it when they did in the warm-up. Once, at the alarm."""
        api = self._api
        whole: set[str] = set()  # vehicles whose route could not be shortened: they bring their later stretches
        for vehicle in api.vehicle.getLoadedIDList():  # not yet departed too: SUMO reads routes ahead
            if vehicle in self.engines:
                continue
            road = api.vehicle.getRoadID(vehicle)
            route, index = api.vehicle.getRoute(vehicle), api.vehicle.getRouteIndex(vehicle)
            kept = inside_part(route, index, area, road.startswith(":")) if road else ()
            if not kept:
                api.vehicle.remove(vehicle)
            elif len(kept) < len(route) - index:
                try:
                    api.vehicle.setRoute(vehicle, list(kept))
                except Exception:  # libsumo and traci raise their own TraCIException types; e.g. a stop beyond it
                    whole.add(vehicle)
        for vehicle in arriving:
            if vehicle.source in whole:
                continue
            api.route.add(f"area_{vehicle.vehicle}", list(vehicle.edges))
            api.vehicle.add(vehicle.vehicle, f"area_{vehicle.vehicle}", typeID=vehicle.vehicle_type,
                            depart=f"{vehicle.depart_s:.2f}", departLane="free", departSpeed="max")
            if vehicle.speed_factor is not None:
                api.vehicle.setSpeedFactor(vehicle.vehicle, vehicle.speed_factor)
        _log.debug("t=%g area of %d edges, %d vehicles to enter it", self.time, len(area), len(arriving))

    def save_state(self, path: Path) -> Path:
        self._api.simulation.saveState(str(path))
        return path

    def _engine_departed(self, slot: EngineSlot) -> None:
        slot.active, slot.departed_at = True, self.time
        self._api.vehicle.subscribe(slot.id, list(_ENGINE_VARS))
        self._subscribe_route(slot, [signal_id for signal_id, _, _, _ in self._api.vehicle.getNextTLS(slot.id)])

    def _signals_ahead(self, slot: EngineSlot, route_index: int) -> tuple[SignalAhead, ...]:
        """Signals on the remaining route, each with the route edges up to its stop line."""
        out = []
        remaining = slot.route[route_index:]
        for signal_id, link, distance, _ in self._api.vehicle.getNextTLS(slot.id):
            signal = self.network.signals.get(signal_id)
            edge = signal.approach_edge(link) if signal else ""
            upto = remaining.index(edge) + 1 if edge in remaining else 0
            out.append(SignalAhead(signal_id, link, distance, remaining[:upto]))
        return tuple(out)

    def observe(self) -> Observation:
        """Snapshot of the engines on the road, their signals and those signals' approach queues."""
        api = self._api
        engines = []
        for slot in self.engines.values():
            if not slot.active:
                continue
            values = api.vehicle.getSubscriptionResults(slot.id)
            if not values:  # removed outside our control: treat as gone
                slot.active = False
                continue
            lane_speed = self.network.lane_speeds.get(values[tc.VAR_LANE_ID], slot.vehicle_type.max_speed)
            ahead = self._signals_ahead(slot, values[tc.VAR_ROUTE_INDEX])
            engines.append(EngineView(
                id=slot.id, unit=slot.unit, speed=values[tc.VAR_SPEED],
                desired_speed=slot.vehicle_type.desired_speed(lane_speed), accel=slot.vehicle_type.accel_mps2,
                signals_ahead=ahead, lane_position_m=values[tc.VAR_LANEPOSITION], odometer_m=values[tc.VAR_DISTANCE],
                time_loss_s=values[tc.VAR_TIMELOSS], importance=slot.importance,
                edge=slot.route[values[tc.VAR_ROUTE_INDEX]],
            ))
        waiting = tuple(self._waiting_view(slot) for slot in self.engines.values() if self._waiting(slot))
        signals = {}
        for signal_id in self._signals:
            values = api.trafficlight.getSubscriptionResults(signal_id)
            signals[signal_id] = SignalView(signal_id, values[tc.TL_RED_YELLOW_GREEN_STATE],
                                            values[tc.TL_CURRENT_PROGRAM], values[tc.TL_NEXT_SWITCH],
                                            values[tc.TL_CURRENT_PHASE])
        edges = {edge: api.edge.getSubscriptionResults(edge) for edge in self._edges}
        vehicles = {edge: values[tc.LAST_STEP_VEHICLE_NUMBER] for edge, values in edges.items()}
        mean_speed = {edge: values[tc.LAST_STEP_MEAN_SPEED] for edge, values in edges.items()}
        return Observation(self.time, self.step_s, tuple(engines), signals, vehicles, mean_speed, waiting)

    def right_of_way(self, obs: Observation, model: RightOfWay, reaction_m: float) -> None:
        """Make way for engines facing red (`signalprio.rightofway`): read the vehicles on the conflicting approaches
        of each such engine's signal, let the model decide, apply its speed limits. An engine with green is listed
        only while a vehicle whose green has ended is still inside that junction on a conflicting movement.

        Reads nothing unless an engine is within `reaction_m` of a signal or crossing one.
        """
        engines = []
        for engine in obs.engines:
            ahead = engine.signals_ahead[0] if engine.signals_ahead else None
            view = obs.signals.get(ahead.signal_id) if ahead else None
            near = ahead if ahead is not None and view is not None and ahead.distance_m <= reaction_m else None
            state = view.state if view is not None else ""
            crossing = model.crossing(engine.id)
            if near is not None:
                signal, link, distance, inside = self.network.signals[near.signal_id], near.link_index, \
                    near.distance_m, False
            decel = self.engines[engine.id].vehicle_type.decel_mps2
            red = near is not None and faces_red(state[link], distance, engine.speed, decel,
                                                 self._facing_red.get(engine.id) == near.signal_id)
            if red and near is not None:
                self._facing_red[engine.id] = near.signal_id
            else:
                self._facing_red.pop(engine.id, None)
            if red:
                foes = self._foes(signal, link, reaction_m)
            elif crossing is not None and self._road(engine.id).startswith(":"):
                # the link it is crossing now: a joined signal (the two carriageways of a dual carriageway) has
                # several stop lines in a row, and an engine may pass two of them in one step
                signal, distance, inside = self.network.signals[crossing[0]], 0.0, True
                link = self._link_inside(signal, self._api.vehicle.getLaneID(engine.id), crossing[1])
                foes = self._foes(signal, link, reaction_m)
            elif near is not None:
                # green for the engine, but a vehicle whose own green has ended may still be inside the junction (a
                # left turner that waited there for oncoming traffic): it must clear now, and the engine lets it
                foes = self._inside(signal, link, state)
                if not foes:
                    continue
            else:
                continue
            engines.append(EngineAtRed(engine.id, signal.id, link, distance, engine.speed, decel, engine.desired_speed,
                                       foes, inside, inside or self._engine_inside(signal, obs)))
        if not engines and not model.active():
            return
        roads = {vehicle: self._road(vehicle) for vehicle in model.tracked()}
        for command in model.decide(engines, roads):
            with contextlib.suppress(Exception):  # a vehicle that left the network needs no limit
                if isinstance(command, ClearJunction):
                    self._clear_junction(command.vehicle, command.clear)
                    continue
                # SUMO's speed mode (SPEED_MODE_CHECKED for engines, the default for others) keeps car following and
                # right of way in force under a commanded speed (SUMO's time loss counts against the free speed); -1
                # releases
                speed = command.speed if isinstance(command, SpeedLimit) else -1.0
                _log.debug("t=%g vehicle.setSpeed(%s, %g)", self.time, command.vehicle, speed)
                self._api.vehicle.setSpeed(command.vehicle, speed)

    def _clear_junction(self, vehicle: str, clear: bool) -> None:
        """Let a vehicle inside a junction stop giving way to the others inside (SUMO's speed mode bit 5), or
        give it back the speed mode it had."""
        if clear and vehicle not in self._clearing:
            self._clearing[vehicle] = mode = int(self._api.vehicle.getSpeedMode(vehicle))
            _log.debug("t=%g vehicle.setSpeedMode(%s, %d)", self.time, vehicle, mode | IGNORE_JUNCTION_FOES)
            self._api.vehicle.setSpeedMode(vehicle, mode | IGNORE_JUNCTION_FOES)
        elif not clear and vehicle in self._clearing:
            mode = self._clearing.pop(vehicle)
            _log.debug("t=%g vehicle.setSpeedMode(%s, %d)", self.time, vehicle, mode)
            self._api.vehicle.setSpeedMode(vehicle, mode)

    def _foes(self, signal: Signal, link: int, reaction_m: float) -> tuple[Foe, ...]:
        """Vehicles within `reaction_m` of the stop line on approaches whose movement conflicts with `link` (and on the
        lanes before a short approach lane), whatever their signal shows now (a red one may turn green while the
        engine crosses), and those inside the junction."""
        api = self._api
        out = []
        foe_links = signal.crossing_links(link)
        inside_lanes = self._internal_lanes(signal)
        for lane in sorted({foe.from_lane for foe in foe_links}):
            before, upstream = signal.upstream.get(lane, ()), signal.upstream_edges(lane)
            edge_of = lane.rsplit("_", 1)[0]  # it may change lanes: any conflicting movement of its approach edge
            through = frozenset(edge for foe in foe_links if foe.from_lane.rsplit("_", 1)[0] == edge_of
                                for edge in self._via_edges(foe))
            for looked, offset in ((lane, 0.0), *before):
                if offset > reaction_m:
                    break
                length = self._lane_length(looked)
                for vehicle in api.lane.getLastStepVehicleIDs(looked):
                    distance = offset + length - api.vehicle.getLanePosition(vehicle)
                    if distance <= reaction_m and vehicle not in self.engines:
                        # one on an internal lane of this signal (between the stop lines of a joined signal) is
                        # committed: held there, it would stand in the engine's way. One in a junction upstream is
                        # held like any other: standing behind held traffic, it would otherwise be waited for forever
                        out.append(Foe(vehicle, distance, api.vehicle.getSpeed(vehicle),
                                       api.vehicle.getDecel(vehicle), lane.rsplit("_", 1)[0],
                                       looked in inside_lanes, upstream=upstream, through=through))
        return (*out, *self._inside(signal, link))

    def _inside(self, signal: Signal, link: int, ended_in: str | None = None) -> tuple[Foe, ...]:
        """Vehicles inside the junction on a movement that conflicts with `link`: committed whatever their speed.
        With a signal state `ended_in`, only those of movements whose green has ended (waiting ones on a green
        movement yield to the engine as SUMO's junction model makes them)."""
        api, out = self._api, []
        for foe in signal.crossing_links(link):
            if ended_in is not None and ended_in[foe.index] in "GgO":
                continue
            through = self._via_edges(foe)
            for via in self._via_lanes(foe.from_lane, foe.to_lane):
                out += [Foe(vehicle, 0.0, api.vehicle.getSpeed(vehicle), 0.01, foe.from_lane.rsplit("_", 1)[0], True,
                            through=through)
                        for vehicle in api.lane.getLastStepVehicleIDs(via) if vehicle not in self.engines]
        return tuple(out)

    def _engine_inside(self, signal: Signal, obs: Observation) -> bool:
        """Whether any engine is on a way through the junction of `signal` now (one crossing at green is not
        listed by the right-of-way model, but those standing inside must wait for it all the same)."""
        lanes = self._internal_lanes(signal)  # the engines' lanes are subscribed: no call to SUMO per engine
        return any(self._api.vehicle.getSubscriptionResults(engine.id)[tc.VAR_LANE_ID] in lanes
                   for engine in obs.engines)

    def _link_inside(self, signal: Signal, lane: str, otherwise: int) -> int:
        """The link of `signal` whose way through the junction runs on the internal `lane` (`otherwise` when none)."""
        return self._internal_lanes(signal).get(lane, otherwise)

    def _internal_lanes(self, signal: Signal) -> dict[str, int]:
        """The internal lanes of the links of `signal`, each with its link (the first where links share one)."""
        if signal.id not in self._links_by_via:
            self._links_by_via[signal.id] = {}
            for link in signal.links:
                for via in self._via_lanes(link.from_lane, link.to_lane):
                    self._links_by_via[signal.id].setdefault(via, link.index)
        return self._links_by_via[signal.id]

    def _via_edges(self, foe: SignalLink) -> frozenset[str]:
        """The internal edges a connection runs through: a vehicle on one of them is still in the conflict."""
        key = (foe.from_lane, foe.to_lane)
        if key not in self._via_edge_sets:
            self._via_edge_sets[key] = frozenset(via.rsplit("_", 1)[0] for via in self._via_lanes(*key))
        return self._via_edge_sets[key]

    def _via_lanes(self, from_lane: str, to_lane: str) -> list[str]:
        """The internal lanes a connection runs through (SUMO's own link table, read once per connection)."""
        key = (from_lane, to_lane)
        if key not in self._vias:
            first = [link[4] for link in self._api.lane.getLinks(from_lane) if link[0] == to_lane and link[4]]
            vias = list(first)
            while vias and vias[-1].startswith(":"):  # internal junctions chain several internal lanes
                following = [link[4] or link[0] for link in self._api.lane.getLinks(vias[-1])]
                if not following or not following[0].startswith(":"):
                    break
                vias.append(following[0])
            self._vias[key] = vias
        return self._vias[key]

    def _lane_length(self, lane: str) -> float:
        if lane not in self._lane_lengths:
            self._lane_lengths[lane] = float(self._api.lane.getLength(lane))
        return self._lane_lengths[lane]

    def _road(self, vehicle: str) -> str:
        """The vehicle's current edge (internal edges start with ':'), '' once it has left the network."""
        try:
            return str(self._api.vehicle.getRoadID(vehicle))
        except Exception:  # libsumo and traci raise their own TraCIException types
            return ""

    def _waiting_view(self, slot: EngineSlot) -> EngineView:
        """An engine in its station: standing at its departure position, leaving at its departure time."""
        lane_speed = self.network.edge_speeds.get(slot.route[0], slot.vehicle_type.max_speed)
        return EngineView(id=slot.id, unit=slot.unit, speed=0.0,
                          desired_speed=slot.vehicle_type.desired_speed(lane_speed), accel=slot.vehicle_type.accel_mps2,
                          signals_ahead=slot.route_signals,
                          lane_position_m=slot.depart_pos_m, importance=slot.importance,
                          ready_in_s=max(0.0, (slot.depart_s or self.time) - self.time))

    def _subscribe_route(self, slot: EngineSlot, signal_ids: list[str]) -> None:
        """Subscribe to the signals on an engine's route and to its route edges (queues ahead)."""
        for signal_id in signal_ids:
            if signal_id in self.network.signals and signal_id not in self._signals:
                self._signals[signal_id] = None
                self._api.trafficlight.subscribe(signal_id, list(_SIGNAL_VARS))
        for edge in slot.route:
            if edge not in self._edges:
                self._edges[edge] = None
                self._api.edge.subscribe(edge, [tc.LAST_STEP_VEHICLE_NUMBER, tc.LAST_STEP_MEAN_SPEED])

    def apply(self, commands: list[Command]) -> None:
        light = self._api.trafficlight
        for command in commands:
            _log.debug("t=%g %s", self.time, command)
            if isinstance(command, SetSignalState):
                light.setRedYellowGreenState(command.signal_id, command.state)
            elif isinstance(command, ResumePlan):
                light.setProgram(command.signal_id, command.program_id)
                light.setPhase(command.signal_id, command.phase_index)
                light.setPhaseDuration(command.signal_id, command.remaining_s)
            elif isinstance(command, AdjustPhase):
                light.setPhaseDuration(command.signal_id, command.remaining_s)


def route_signals(network: Network, route: tuple[str, ...], depart_pos: float) -> tuple[SignalAhead, ...]:
    """Signals along a route from the network alone (for engines not yet on the road), with the
    distance from `depart_pos` to each stop line; junction interiors are not counted."""
    out, distance, start = [], -depart_pos, 0
    for index, (edge, following) in enumerate(pairwise(route)):
        distance += network.edge_lengths.get(edge, 0.0)
        link = network.signal_link(edge, following)
        if link is not None:
            out.append(SignalAhead(link[0], link[1], max(0.0, distance), route[start:index + 1]))
            start = index + 1
    return tuple(out)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _connect_traci(command: list[str], errors: Any) -> Any:
    """Launch SUMO and connect with a short retry wait (traci.start would sleep about 1 s)."""
    import traci

    port = _free_port()
    process = subprocess.Popen([*command, "--remote-port", str(port)], env=tool_environment(),
                               stdout=subprocess.DEVNULL, stderr=errors)
    with contextlib.redirect_stdout(io.StringIO()):  # traci prints every retry
        try:
            return traci.connect(port, numRetries=300, proc=process, waitBetweenRetries=0.02,
                                 label=f"signalprio-{port}")
        except traci.exceptions.FatalTraCIError:
            errors.seek(0)
            message = errors.read().decode().strip().splitlines()
            raise RuntimeError(message[-1] if message else "connection failed") from None
