"""Route-based green wave: each signal on the engine's route is preempted just in time.

Per signal the controller runs the sequence real preemption controllers use:
plan -> entry (safe transition, no yellow, intergreen or minimum green cut) -> hold
(engine's approach green, bounded by the maximum presence time) -> check-out when the
engine has passed the stop line -> exit (safe transition back to the plan phase that is
due, waiting at the hold phase for the plan's point if needed) -> plan.

Timing: the engine's arrival is predicted from its speed, acceleration and free speed;
green must start early enough for every vehicle in front of it to cross the stop line first
(vehicles counted in the simulation, saturation headway stated in the parameters).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from signalprio.control.clock import SignalClock
from signalprio.control.program import is_green
from signalprio.control.rules import SafetyRules
from signalprio.control.timing import queue_clearance, travel_time
from signalprio.control.transition import Transition, build_transition
from signalprio.control.types import Command, EngineView, Observation, ResumePlan, SetSignalState, SignalAhead, SignalView
from signalprio.sumo.network import Network, Signal


@dataclass(frozen=True)
class GreenWaveParameters:
    min_green_s: float = 5.0
    max_presence_s: float = 90.0
    saturation_flow_veh_h: float = 1800.0
    start_up_lost_s: float = 2.0
    margin_s: float = 2.0
    look_ahead_s: float = 150.0

    @property
    def headway_s(self) -> float:
        return 3600.0 / self.saturation_flow_veh_h


class Mode(Enum):
    PLAN = "plan"
    ENTRY = "entry"
    HOLD = "hold"
    EXIT = "exit"


@dataclass(frozen=True)
class Request:
    engine_id: str
    link: int
    eta_s: float
    lead_s: float  # green needed this long before arrival (queue clearance + margin)


@dataclass(frozen=True)
class PreemptionEvent:
    time: float
    signal_id: str
    engine_id: str
    event: str  # request, green, checkout, max_presence, resumed
    detail: float | None = None


@dataclass
class _SignalControl:
    signal: Signal
    rules: SafetyRules
    clock: SignalClock
    mode: Mode = Mode.PLAN
    transition: Transition | None = None
    engine_id: str = ""
    since: float = 0.0
    checkout_at: float = 0.0
    resume: ResumePlan | None = None
    locked_out: set[str] = field(default_factory=set)


class GreenWave:
    """Controller for all signals on the engines' routes; pure: observations in, commands out."""

    name = "green-wave"

    def __init__(self, network: Network, rules: dict[str, SafetyRules],
                 parameters: GreenWaveParameters | None = None) -> None:
        self.parameters = parameters or GreenWaveParameters()
        self._network = network
        self._signals = network.signals
        self._rules = rules
        self._controls: dict[str, _SignalControl] = {}
        self.events: list[PreemptionEvent] = []

    def decide(self, obs: Observation) -> list[Command]:
        requests = self._requests(obs)
        commands: list[Command] = []
        for signal_id, view in obs.signals.items():
            control = self._control(signal_id, obs.time, view)
            if control is None:
                continue
            control.clock.update(obs.time, view.state)
            commands.extend(self._step(control, obs, view, requests.get(signal_id)))
        return commands

    def _control(self, signal_id: str, time: float, view: SignalView) -> _SignalControl | None:
        control = self._controls.get(signal_id)
        if control is None and signal_id in self._signals:
            signal = self._signals[signal_id]
            clock = SignalClock(signal.program, time, view.state)
            control = self._controls[signal_id] = _SignalControl(signal, self._rules[signal_id], clock)
        return control

    def _requests(self, obs: Observation) -> dict[str, Request]:
        """The most urgent engine for each signal ahead (earliest predicted arrival)."""
        p = self.parameters
        best: dict[str, Request] = {}
        for engine in obs.engines:
            for ahead in engine.signals_ahead:
                eta = travel_time(ahead.distance_m, engine.speed, engine.desired_speed, engine.accel)
                if eta > p.look_ahead_s:
                    break
                signal = self._signals.get(ahead.signal_id)
                if signal is None:
                    continue
                ahead_per_lane = self._vehicles_ahead(obs, engine, ahead)
                lead = queue_clearance(ahead_per_lane, p.headway_s, p.start_up_lost_s) + p.margin_s
                request = Request(engine.id, ahead.link_index, eta, lead)
                if ahead.signal_id not in best or eta < best[ahead.signal_id].eta_s:
                    best[ahead.signal_id] = request
        return best

    def _vehicles_ahead(self, obs: Observation, engine: EngineView, ahead: SignalAhead) -> float:
        """Queued vehicles per lane between the engine and the stop line: all must cross before it.

        Vehicles count by how slowly their edge moves (none at the speed limit, all when
        stopped), since free-flowing traffic ahead clears on its own. On the engine's own
        edge only the share in front of it counts.
        """
        total = 0.0
        for number, edge in enumerate(ahead.queue_edges):
            limit = self._network.edge_speeds.get(edge, 0.0)
            slowness = max(0.0, 1.0 - obs.mean_speed.get(edge, limit) / limit) if limit else 1.0
            count = slowness * obs.vehicles.get(edge, 0) / self._network.edge_lanes.get(edge, 1)
            if number == 0:
                length = self._network.edge_lengths.get(edge, 0.0)
                count *= max(0.0, 1.0 - engine.lane_position_m / length) if length else 1.0
            total += count
        return total

    def _step(self, c: _SignalControl, obs: Observation, view: SignalView, request: Request | None) -> list[Command]:
        now = obs.time
        if request is not None and request.engine_id in c.locked_out:
            request = None
        if c.mode is Mode.PLAN:
            return self._maybe_preempt(c, obs, view, request) if request else []
        if c.mode in (Mode.ENTRY, Mode.HOLD):
            if request is None or request.engine_id != c.engine_id:
                self._log(now, c, "checkout")
                return self._begin_exit(c, obs)
            if now - c.since > self.parameters.max_presence_s:
                self._log(now, c, "max_presence")
                c.locked_out.add(c.engine_id)
                return self._begin_exit(c, obs)
        return self._follow(c, now)

    def _maybe_preempt(self, c: _SignalControl, obs: Observation, view: SignalView, r: Request) -> list[Command]:
        now, step, program = obs.time, obs.step, c.signal.program
        if is_green(view.state[r.link]):
            if view.next_switch > now + step or self._can_return_in_time(c, r):
                return []  # the plan keeps it green for now, or letting it go costs the engine nothing
            target = view.state  # extend the running green
        else:
            green_from = now + r.eta_s - r.lead_s  # the engine's link must be green from here on
            planned = program.next_green_start(r.link, now)
            if planned is not None and planned <= green_from:
                return []
            target = program.phases[program.green_phase_for(frozenset({r.link}))].state
        transition = build_transition(now, c.clock, target, c.rules, step)
        if not is_green(view.state[r.link]) and transition.reached < now + r.eta_s - r.lead_s - step:
            return []  # still time: keep serving the plan
        c.mode, c.transition, c.engine_id, c.since = Mode.ENTRY, transition, r.engine_id, now
        self._log(now, c, "request", r.eta_s)
        commands = self._follow(c, now)
        if not any(isinstance(cmd, SetSignalState) for cmd in commands):
            commands.append(SetSignalState(c.signal.id, transition.state_at(now)))  # leave the plan now
        return commands

    def _can_return_in_time(self, c: _SignalControl, r: Request) -> bool:
        """Could the signal serve the other phase at minimum green and still be green for the engine?"""
        clearance = max(c.rules.intergreen_s.values(), default=0.0)
        return 2 * clearance + c.rules.min_green_s + r.lead_s < r.eta_s

    def _follow(self, c: _SignalControl, now: float) -> list[Command]:
        """Show the transition's state for now; on reaching its end, hold or resume the plan."""
        assert c.transition is not None
        state = c.transition.state_at(now)
        commands: list[Command] = []
        if now >= c.transition.reached - 1e-6:
            if c.mode is Mode.ENTRY:
                c.mode = Mode.HOLD
                self._log(now, c, "green")
            elif c.mode is Mode.EXIT and c.resume is not None:
                self._log(now, c, "resumed", now - c.checkout_at)
                commands.append(c.resume)
                c.mode, c.transition, c.resume = Mode.PLAN, None, None
                return commands
        if state != c.clock.state:
            commands.append(SetSignalState(c.signal.id, state))
        return commands

    def _begin_exit(self, c: _SignalControl, obs: Observation) -> list[Command]:
        """Plan the way back: the first plan phase that can be joined with its minimum green left."""
        now, step, program = obs.time, obs.step, c.signal.program
        c.checkout_at = now
        for index, start, end in program.windows(now, 3 * program.cycle):
            state = program.phases[index].state
            if not any(is_green(ch) for ch in state) or any(ch in "yYu" for ch in state):
                continue
            probe = build_transition(now, c.clock, state, c.rules, step)
            duration = probe.reached - now
            begin = max(now, start - duration)
            transition = build_transition(now, c.clock, state, c.rules, step, start=begin)
            if transition.reached <= end - c.rules.min_green_s:
                c.mode, c.transition = Mode.EXIT, transition
                c.resume = ResumePlan(c.signal.id, program.program_id, index, end - transition.reached)
                return self._follow(c, now)
        raise RuntimeError(f"signal {c.signal.id}: no plan phase to return to")

    def _log(self, time: float, c: _SignalControl, event: str, detail: float | None = None) -> None:
        self.events.append(PreemptionEvent(time, c.signal.id, c.engine_id, event, detail))
