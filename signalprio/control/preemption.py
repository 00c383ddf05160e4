"""Signal preemption for fire engines: the sequence real controllers run, for every trigger.

Per signal: plan -> entry (safe transition: minimum green served, yellow, intergreen and
red-yellow in full) -> hold (the unit's approach green, bounded by the maximum presence
time) -> check-out (the last vehicle of the unit has passed the stop line) -> exit and
recovery to the coordinated plan (dwell, short-way or smooth) -> plan.

A unit is the set of vehicles sent to one incident (ELW, HLF, DLK driving close together);
the hold lasts until all of them have passed. Requests of different units at one signal are
arbitrated by importance level, then earliest predicted arrival; a granted unit can only be
displaced by a more important one, and not within the lockout time (no flicker).

Pure: observations in, commands out. Two logs come out too: `events` (what each signal did)
and `messages` (the request and status traffic in the shape of SAE J2735 SRM and SSM).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

from signalprio.control.clock import SignalClock
from signalprio.control.program import SUPPORTED_KINDS, SignalProgram, is_green
from signalprio.control.rules import SafetyRules
from signalprio.control.timing import queue_clearance, travel_time
from signalprio.control.transition import Transition, build_transition
from signalprio.control.triggers import Candidate, Trigger, TriggerName, make_trigger
from signalprio.control.types import (AdjustPhase, Command, EngineView, Observation, ResumePlan, SetSignalState,
                                      SignalAhead, SignalView)
from signalprio.sumo.network import Network, Signal

Recovery = Literal["dwell", "short-way", "smooth"]
PASSED_WITHIN_M = 30.0  # a vehicle last seen this close to the stop line and now past it has passed


@dataclass(frozen=True)
class PreemptionParameters:
    trigger: TriggerName = "green-wave"
    min_green_s: float = 5.0
    max_presence_s: float = 90.0
    reservice_after_s: float = 60.0  # after a max-presence release, the others' guaranteed time before the unit again
    saturation_flow_veh_h: float = 1800.0
    start_up_lost_s: float = 2.0
    margin_s: float = 2.0
    look_ahead_s: float = 150.0
    trigger_distance_m: float = 250.0
    recovery: Recovery = "short-way"
    smooth_share: float = 0.2
    unit_gap_s: float = 30.0
    lockout_s: float = 10.0
    eta_update_s: float = 2.0

    @property
    def headway_s(self) -> float:
        return 3600.0 / self.saturation_flow_veh_h


class Mode(Enum):
    PLAN = "plan"
    ENTRY = "entry"
    HOLD = "hold"
    EXIT = "exit"
    RECOVER = "recover"


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


@dataclass(frozen=True)
class PreemptionEvent:
    time: float
    signal_id: str
    unit: str
    event: str  # granted, green, checkout, cancel, max_presence, displaced, resumed
    detail: float | None = None


@dataclass
class _RequestState:
    request_id: int
    eta_time_sent: float
    waiting_told: bool = False
    locked_told: bool = False


@dataclass
class _SignalControl:
    signal: Signal
    rules: SafetyRules
    clock: SignalClock
    mode: Mode = Mode.PLAN
    transition: Transition | None = None
    unit: str = ""
    importance: int = 0
    target_phase: int = 0
    served: dict[str, float] = field(default_factory=dict)  # vehicle -> last distance to stop line
    since: float = 0.0
    checkout_at: float = 0.0
    resume: ResumePlan | None = None
    locked: dict[str, float] = field(default_factory=dict)  # unit -> until when it is not served here
    requests: dict[str, _RequestState] = field(default_factory=dict)
    last_phase: int = -1

    @property
    def program(self) -> SignalProgram:
        return self.signal.program

    @property
    def supported(self) -> bool:
        return self.program.kind in SUPPORTED_KINDS


class Preemption:
    """Preemption controller for every signal the engines' routes cross."""

    def __init__(self, network: Network, rules: dict[str, SafetyRules], parameters: PreemptionParameters) -> None:
        self.parameters = parameters
        self.trigger: Trigger = make_trigger(parameters.trigger, parameters.trigger_distance_m)
        self.name = parameters.trigger
        self._network = network
        self._rules = rules
        self._controls: dict[str, _SignalControl] = {}
        self._next_request_id = 1
        self._last_time = float("-inf")
        self.events: list[PreemptionEvent] = []
        self.messages: list[dict[str, object]] = []

    @property
    def idle(self) -> bool:
        """No signal is being preempted or recovering: nothing to do until an engine approaches."""
        return all(c.mode is Mode.PLAN for c in self._controls.values())

    # -- observation to approaches -------------------------------------------------------

    def decide(self, obs: Observation) -> list[Command]:
        approaches = self._approaches(obs)
        commands: list[Command] = []
        gap = obs.time - self._last_time > obs.step + 1e-6  # steps were simulated without us
        self._last_time = obs.time
        for signal_id, view in obs.signals.items():
            control = self._control(signal_id, obs.time, view)
            if control is None:
                continue
            if gap and control.mode is Mode.PLAN:  # the clock missed changes: seed it afresh from the plan
                control.clock = SignalClock(control.program, obs.time, view.state)
            control.clock.update(obs.time, view.state)
            here = approaches.get(signal_id, {})
            self._exchange_messages(obs.time, control, here)
            if control.supported:
                commands.extend(self._step(control, obs, view, here))
        return commands

    def _control(self, signal_id: str, time: float, view: SignalView) -> _SignalControl | None:
        control = self._controls.get(signal_id)
        if control is None and signal_id in self._network.signals:
            signal = self._network.signals[signal_id]
            control = _SignalControl(signal, self._rules[signal_id], SignalClock(signal.program, time, view.state))
            control.last_phase = view.phase
            self._controls[signal_id] = control
        return control

    def _approaches(self, obs: Observation) -> dict[str, dict[str, Approach]]:
        p = self.parameters
        out: dict[str, dict[str, Approach]] = {}
        for engine in (*obs.engines, *obs.waiting):
            previous: SignalAhead | None = None
            for ahead in engine.signals_ahead:
                drive = travel_time(ahead.distance_m, engine.speed, engine.desired_speed, engine.accel)
                eta = engine.ready_in_s + drive
                if eta > p.look_ahead_s:
                    break
                if ahead.signal_id in self._network.signals:
                    edges = ahead.queue_edges
                    if self.trigger.queue_scope == "approach" and previous is not None:
                        edges = edges[len(previous.queue_edges):]
                    lead = queue_clearance(self._queued(obs, engine, edges, ahead), p.headway_s,
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

    def _queued(self, obs: Observation, engine: EngineView, edges: tuple[str, ...], ahead: SignalAhead) -> float:
        """Queued vehicles per lane in front of the engine on `edges`: all must cross before it.

        Vehicles count by how slowly their edge moves (none at the speed limit, all when
        stopped), since free-flowing traffic ahead clears on its own. On the engine's own
        edge only the share in front of it counts.
        """
        net = self._network
        total = 0.0
        for edge in edges:
            limit = net.edge_speeds.get(edge, 0.0)
            slowness = max(0.0, 1.0 - obs.mean_speed.get(edge, limit) / limit) if limit else 1.0
            count = slowness * obs.vehicles.get(edge, 0) / net.edge_lanes.get(edge, 1)
            if ahead.queue_edges and edge == ahead.queue_edges[0]:
                length = net.edge_lengths.get(edge, 0.0)
                count *= max(0.0, 1.0 - engine.lane_position_m / length) if length else 1.0
            total += count
        return total

    # -- the state machine ---------------------------------------------------------------------

    def _step(self, c: _SignalControl, obs: Observation, view: SignalView, here: dict[str, Approach]) -> list[Command]:
        now = obs.time
        if c.mode in (Mode.PLAN, Mode.RECOVER):
            best = self._best(c, here, exclude="", now=now)
            if best is not None and self._starts(c, obs, view, best):
                return self._grant(c, obs, view, best)
            return self._recover(c, obs, view) if c.mode is Mode.RECOVER else []
        if c.mode is Mode.EXIT:
            return self._follow(c, now)
        self._track_served(c, here.get(c.unit), now)
        if not c.served:
            return self._after_service(c, obs, view, here)
        if now - c.since > self.parameters.max_presence_s:
            self._event(now, c, "max_presence")
            self._message(now, c, c.unit, "SSM", "maxPresence")
            c.locked[c.unit] = now + self.parameters.reservice_after_s
            return self._after_service(c, obs, view, here)
        challenger = self._best(c, here, exclude=c.unit, now=now)
        if (challenger is not None and challenger.importance > c.importance
                and now - c.since >= self.parameters.lockout_s and self._starts(c, obs, view, challenger)):
            self._event(now, c, "displaced", challenger.importance)
            return self._grant(c, obs, view, challenger)
        return self._follow(c, now)

    def _best(self, c: _SignalControl, here: dict[str, Approach], exclude: str, now: float) -> Approach | None:
        waiting = [a for unit, a in here.items() if unit != exclude and not _locked(c, unit, now)]
        return min(waiting, key=lambda a: (-a.importance, a.eta_s), default=None)

    def _starts(self, c: _SignalControl, obs: Observation, view: SignalView, a: Approach) -> bool:
        target = self._target(c, a.link)
        transition = build_transition(obs.time, c.clock, target, c.rules, obs.step)
        candidate = Candidate(a.link, a.eta_s, a.distance_m, a.lead_s, transition.reached - obs.time)
        return self.trigger.starts(obs.time, obs.step, candidate, view, c.program, self._min_return(c))

    def _min_return(self, c: _SignalControl) -> float:
        """Shortest time to serve the other movements at minimum green and come back."""
        clearance = max(c.rules.intergreen_s.values(), default=0.0)
        return 2 * clearance + c.rules.min_green_s

    def _target(self, c: _SignalControl, link: int) -> str:
        """Keep what is shown if it serves the engine and the lanes in front of it; else the plan phase that
        serves the engine best, with every protected movement of the engine's approach green and whatever
        conflicts with them red.

        The lanes in front matter because the engine reaches its own lane (a left-turn pocket, say) only
        once the queue ahead of it has moved: a protected left-turn phase alone would hold that queue.
        """
        shown, signal, program = c.clock.state, c.signal, c.program
        edge = signal.approach_edge(link)
        approach = {other.index for other in signal.links
                    if signal.approach_edge(other.index) == edge and (other.index == link or (
                        other.index in program.protected_links and (other.index, link) not in signal.foes))}
        if all(program.serves(shown, i) for i in approach):
            return shown
        base = program.phases[program.green_phase_for(frozenset({link}))].state
        return "".join("G" if i in approach
                       else char if is_green(char) and not any((i, a) in signal.foes for a in approach) else "r"
                       for i, char in enumerate(base))

    def _grant(self, c: _SignalControl, obs: Observation, view: SignalView, a: Approach) -> list[Command]:
        now = obs.time
        target = self._target(c, a.link)
        c.target_phase = next((i for i, phase in enumerate(c.program.phases) if phase.state == target),
                              c.program.green_phase_for(frozenset({a.link})))
        c.transition = build_transition(now, c.clock, target, c.rules, obs.step)
        c.mode, c.unit, c.importance, c.since = Mode.ENTRY, a.unit, a.importance, now
        c.served = {v: a.distances[v] for v, eta in a.vehicles.items() if eta <= a.eta_s + self.parameters.unit_gap_s}
        self._event(now, c, "granted", a.eta_s)
        self._message(now, c, a.unit, "SSM", "granted")
        commands = self._follow(c, now)
        if not any(isinstance(cmd, SetSignalState) for cmd in commands):
            commands.append(SetSignalState(c.signal.id, c.transition.state_at(now)))  # leave the plan now
        return commands

    def _track_served(self, c: _SignalControl, a: Approach | None, now: float) -> None:
        """Add unit vehicles close behind; drop those that passed (check-out) or vanished (cancel).

        A vehicle leaves the approach by crossing the stop line (last seen just before it) or
        by being removed, teleported or rerouted (last seen farther away): the latter is a cancel.
        """
        seen = a.distances if a else {}
        if a is not None:
            for vehicle, eta in a.vehicles.items():
                if vehicle in c.served or eta <= self.parameters.unit_gap_s:
                    c.served[vehicle] = seen[vehicle]
        for vehicle in [v for v in c.served if v not in seen]:
            if c.served.pop(vehicle) > PASSED_WITHIN_M:
                self._event(now, c, "cancel")

    def _after_service(self, c: _SignalControl, obs: Observation, view: SignalView,
                       here: dict[str, Approach]) -> list[Command]:
        now = obs.time
        self._event(now, c, "checkout")
        c.checkout_at = now
        waiting = self._best(c, here, exclude=c.unit, now=now)
        if waiting is not None and self._starts(c, obs, view, waiting):
            return self._grant(c, obs, view, waiting)
        return self._begin_exit(c, obs)

    def _follow(self, c: _SignalControl, now: float) -> list[Command]:
        """Show the transition's state for now; at its end, hold (entry) or resume the program (exit)."""
        assert c.transition is not None
        commands: list[Command] = []
        if now >= c.transition.reached - 1e-6:
            if c.mode is Mode.ENTRY:
                c.mode = Mode.HOLD
                self._event(now, c, "green")
            elif c.mode is Mode.EXIT and c.resume is not None:
                commands.append(c.resume)
                c.last_phase = c.resume.phase_index
                smooth = self.parameters.recovery == "smooth" and c.program.coordinated
                if smooth:
                    c.mode = Mode.RECOVER
                else:
                    self._event(now, c, "resumed", now - c.checkout_at)
                    c.mode = Mode.PLAN
                c.transition, c.resume = None, None
                return commands
        state = c.transition.state_at(now)
        if state != c.clock.state:
            commands.append(SetSignalState(c.signal.id, state))
        return commands

    # -- exit and recovery -------------------------------------------------------------------------

    def _begin_exit(self, c: _SignalControl, obs: Observation) -> list[Command]:
        now, step, program = obs.time, obs.step, c.program
        mode = self.parameters.recovery if program.coordinated else "next-phase"
        if mode == "dwell" and c.clock.state == program.phases[c.target_phase].state:
            windows = [(i, s, e) for i, s, e in program.windows(now, 2 * program.cycle) if i == c.target_phase]
        elif mode in ("smooth", "next-phase"):
            following = self._next_major(program, c.target_phase)
            windows = [(following, now, now + program.phases[following].duration + 1e9)]
        else:  # short-way (and dwell when the hold state is not a phase of the plan)
            windows = [w for w in program.windows(now, 3 * program.cycle) if _major(program.phases[w[0]].state)]
        for index, start, end in windows:
            state = program.phases[index].state
            probe = build_transition(now, c.clock, state, c.rules, step)
            begin = max(now, start - (probe.reached - now))
            transition = build_transition(now, c.clock, state, c.rules, step, start=begin)
            if transition.reached <= end - c.rules.min_green_s:
                remaining = end - transition.reached if end < 1e8 else program.phases[index].duration
                c.mode, c.transition = Mode.EXIT, transition
                c.resume = ResumePlan(c.signal.id, program.program_id, index, remaining)
                return self._follow(c, now)
        raise RuntimeError(f"signal {c.signal.id}: no plan phase to return to")

    @staticmethod
    def _next_major(program: SignalProgram, index: int) -> int:
        n = len(program.phases)
        for k in range(1, n + 1):
            candidate = (index + k) % n
            if _major(program.phases[candidate].state) and candidate != index:
                return candidate
        return index

    def _recover(self, c: _SignalControl, obs: Observation, view: SignalView) -> list[Command]:
        """Smooth recovery: at each start of the longest phase, correct the offset by a bounded share."""
        if view.phase == c.last_phase:
            return []
        c.last_phase = view.phase
        program, now = c.program, obs.time
        started = now - obs.step  # the switch happened at the start of the step just done
        error = _offset_error(program, view.phase, started)
        if abs(error) <= obs.step / 2:
            self._event(now, c, "resumed", now - c.checkout_at)
            c.mode = Mode.PLAN
            return []
        main = max(range(len(program.phases)), key=lambda i: (_major(program.phases[i].state), program.phases[i].duration))
        if view.phase != main:
            return []
        limit = self.parameters.smooth_share * program.cycle
        nominal = program.phases[main].duration
        duration = max(nominal - max(-limit, min(limit, error)), self.parameters.min_green_s)
        return [AdjustPhase(c.signal.id, duration - (now - started))]

    # -- logs ------------------------------------------------------------------------------------

    def _event(self, time: float, c: _SignalControl, event: str, detail: float | None = None) -> None:
        self.events.append(PreemptionEvent(time, c.signal.id, c.unit, event, detail))

    def _message(self, time: float, c: _SignalControl, unit: str, message: str, kind: str,
                 a: Approach | None = None) -> None:
        request = c.requests.get(unit)
        row: dict[str, object] = {
            "time": time, "signal_id": c.signal.id, "request_id": request.request_id if request else None,
            "message": message, "kind": kind, "unit": unit, "role": "fire",
        }
        if a is not None:
            link = c.signal.links[a.link]
            row.update({
                "vehicle": a.vehicle, "importance": a.importance,
                "inbound_lane": link.from_lane, "outbound_lane": link.to_lane,
                "arrival_time_s": time + a.eta_s, "window_s": a.lead_s,
                "distance_m": a.distance_m, "speed_mps": a.speed,
            })
        self.messages.append(row)

    def _exchange_messages(self, now: float, c: _SignalControl, here: dict[str, Approach]) -> None:
        """SRM request/update/cancel from each unit; SSM status from the signal."""
        for unit, a in here.items():
            request = c.requests.get(unit)
            arrival = now + a.eta_s
            if request is None:
                c.requests[unit] = _RequestState(self._next_request_id, arrival)
                self._next_request_id += 1
                self._message(now, c, unit, "SRM", "request", a)
                status = ("rejected" if not c.supported else "reserviceLocked" if _locked(c, unit, now)
                          else "processing")
                self._message(now, c, unit, "SSM", status, a)
                continue
            if abs(arrival - request.eta_time_sent) > self.parameters.eta_update_s:
                request.eta_time_sent = arrival
                self._message(now, c, unit, "SRM", "update", a)
            if c.mode in (Mode.ENTRY, Mode.HOLD) and c.unit != unit and not request.waiting_told:
                request.waiting_told = True
                self._message(now, c, unit, "SSM", "watchOtherTraffic", a)
        for unit in [u for u in c.requests if u not in here]:
            self._message(now, c, unit, "SRM", "cancel")
            del c.requests[unit]


def _locked(c: _SignalControl, unit: str, now: float) -> bool:
    """Released at max presence less than `reservice_after_s` ago: the other movements come first."""
    return now < c.locked.get(unit, float("-inf"))


def _major(state: str) -> bool:
    """A phase that serves traffic: some green, and no yellow or red-yellow."""
    return any(is_green(ch) for ch in state) and not any(ch in "yYu" for ch in state)


def _offset_error(program: SignalProgram, phase: int, started: float) -> float:
    """How late (+) or early (-) the phase started against the plan, within half a cycle."""
    planned_offset = sum(p.duration for p in program.phases[:phase])
    error = (started - program.offset - planned_offset) % program.cycle
    return error - program.cycle if error > program.cycle / 2 else error
