"""Signal preemption for fire engines: the per-signal sequence real controllers run, for every trigger.

Per signal: plan -> entry (safe transition: minimum green served, yellow, intergreen and
red-yellow in full) -> hold (the unit's approach green, bounded by the maximum presence
time) -> check-out (the last vehicle of the unit has passed the stop line) -> exit and
recovery to the coordinated plan (dwell, short-way or smooth) -> plan.

A unit is the set of vehicles sent to one incident (ELW, HLF, DLK driving close together);
the hold lasts until all of them have passed. Who approaches and how early green must come
is `perception`'s job; who is served first is `arbitration`'s; how the signal returns to its
plan is `recovery`'s; the SRM/SSM log is `requests`'. This module is the state machine.

Pure: observations in, commands out. Two logs come out too: `events` (what each signal did)
and `messages` (the request and status traffic in the shape of SAE J2735 SRM and SSM).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from signalprio.control import arbitration, recovery
from signalprio.control.clock import SignalClock
from signalprio.control.parameters import PreemptionParameters
from signalprio.control.perception import Approach, approaches
from signalprio.control.requests import RequestLog
from signalprio.control.transition import Transition, build_transition
from signalprio.control.triggers import Candidate, Trigger, make_trigger
from signalprio.control.types import AdjustPhase, Command, Observation, ResumePlan, SetSignalState, SignalView
from signalprio.model.network import Network, Signal
from signalprio.model.program import SUPPORTED_KINDS, SignalProgram, is_green
from signalprio.model.safety import SafetyRules

PASSED_WITHIN_M = 30.0  # a vehicle last seen this close to the stop line and now past it has passed


class Mode(Enum):
    PLAN = "plan"
    ENTRY = "entry"
    HOLD = "hold"
    EXIT = "exit"
    RECOVER = "recover"


@dataclass(frozen=True)
class PreemptionEvent:
    time: float
    signal_id: str
    unit: str
    event: str  # granted, green, checkout, cancel, max_presence, displaced, resumed
    detail: float | None = None


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
    last_phase: int = -1

    @property
    def program(self) -> SignalProgram:
        return self.signal.program

    @property
    def supported(self) -> bool:
        return self.program.kind in SUPPORTED_KINDS

    @property
    def serving(self) -> str | None:
        """The unit the signal is changing to or holding for."""
        return self.unit if self.mode in (Mode.ENTRY, Mode.HOLD) else None


class Preemption:
    """Preemption controller for every signal the engines' routes cross."""

    def __init__(self, network: Network, rules: dict[str, SafetyRules], parameters: PreemptionParameters) -> None:
        self.parameters = parameters
        self.trigger: Trigger = make_trigger(parameters.trigger, parameters.trigger_distance_m)
        self.name = parameters.trigger
        self._network = network
        self._rules = rules
        self._controls: dict[str, _SignalControl] = {}
        self._log = RequestLog(parameters.eta_update_s)
        self._last_time = float("-inf")
        self.events: list[PreemptionEvent] = []

    @property
    def messages(self) -> list[dict[str, object]]:
        return self._log.messages

    @property
    def idle(self) -> bool:
        """No signal is being preempted or recovering: nothing to do until an engine approaches."""
        return all(c.mode is Mode.PLAN for c in self._controls.values())

    def decide(self, obs: Observation) -> list[Command]:
        near = approaches(obs, self._network, self.parameters, self.trigger.queue_scope)
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
            here = near.get(signal_id, {})
            self._log.exchange(obs.time, control.signal, here, control.supported, control.serving, control.locked)
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

    # -- the state machine ---------------------------------------------------------------------

    def _step(self, c: _SignalControl, obs: Observation, view: SignalView, here: dict[str, Approach]) -> list[Command]:
        now = obs.time
        if c.mode in (Mode.PLAN, Mode.RECOVER):
            best = arbitration.best(here, c.locked, exclude="", now=now)
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
            self._log.status(now, c.signal, c.unit, "maxPresence")
            c.locked[c.unit] = now + self.parameters.reservice_after_s
            return self._after_service(c, obs, view, here)
        challenger = arbitration.best(here, c.locked, exclude=c.unit, now=now)
        if (challenger is not None
                and arbitration.may_displace(challenger, c.importance, c.since, now, self.parameters.lockout_s)
                and self._starts(c, obs, view, challenger)):
            self._event(now, c, "displaced", challenger.importance)
            return self._grant(c, obs, view, challenger)
        return self._follow(c, now)

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
        self._log.status(now, c.signal, a.unit, "granted")
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
        waiting = arbitration.best(here, c.locked, exclude=c.unit, now=now)
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
        now, program = obs.time, c.program
        windows = recovery.exit_windows(program, self.parameters.recovery, c.target_phase,
                                        c.clock.state == program.phases[c.target_phase].state, now)
        c.transition, c.resume = recovery.plan_exit(c.signal.id, program, windows, now, c.clock, c.rules, obs.step)
        c.mode = Mode.EXIT
        return self._follow(c, now)

    def _recover(self, c: _SignalControl, obs: Observation, view: SignalView) -> list[Command]:
        """Smooth recovery: at each start of the main phase, correct the offset by a bounded share."""
        if view.phase == c.last_phase:
            return []
        c.last_phase = view.phase
        program, now = c.program, obs.time
        started = now - obs.step  # the switch happened at the start of the step just done
        error = recovery.offset_error(program, view.phase, started)
        if abs(error) <= obs.step / 2:
            self._event(now, c, "resumed", now - c.checkout_at)
            c.mode = Mode.PLAN
            return []
        if view.phase != recovery.main_phase(program):
            return []
        duration = recovery.smooth_duration(program, error, self.parameters.smooth_share, self.parameters.min_green_s)
        return [AdjustPhase(c.signal.id, duration - (now - started))]

    def _event(self, time: float, c: _SignalControl, event: str, detail: float | None = None) -> None:
        self.events.append(PreemptionEvent(time, c.signal.id, c.unit, event, detail))
