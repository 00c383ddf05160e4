"""When a signal should start serving an engine: the three ways field systems trigger preemption.

- local: distance-triggered, as infrared emitters do: green once the engine is within range.
- eta: arrival-time-triggered, as GPS systems do: the request starts when the predicted
  arrival falls below the time the signal needs (safe transition plus clearing the queue
  that its own approach detectors see, plus a margin).
- green-wave: route-based, as dispatch-linked systems do: the whole route is known, every
  signal on it gets a green window timed from the predicted arrival, the queue counted along
  the route up to the signal, and the coordinated plan used where it already serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from signalprio.control.parameters import TriggerName
from signalprio.control.perception import QueueScope
from signalprio.control.types import SignalView
from signalprio.model.program import SignalProgram


@dataclass(frozen=True)
class Candidate:
    """What a trigger knows of one unit approaching one signal."""

    link: int
    eta_s: float  # predicted arrival of the unit's first vehicle at the stop line
    distance_m: float
    lead_s: float  # green needed this long before arrival for the queue ahead to clear
    transition_s: float  # time a safe transition to the unit's phase would take from now


class Trigger(Protocol):
    @property
    def name(self) -> TriggerName: ...

    @property
    def queue_scope(self) -> QueueScope: ...

    def starts(self, now: float, step: float, c: Candidate, view: SignalView, program: SignalProgram,
               min_return_s: float) -> bool: ...


@dataclass(frozen=True)
class LocalTrigger:
    trigger_distance_m: float = 250.0
    name: TriggerName = "local"
    queue_scope: QueueScope = "approach"

    def starts(self, now: float, step: float, c: Candidate, view: SignalView, program: SignalProgram,
               min_return_s: float) -> bool:
        return c.distance_m <= self.trigger_distance_m


@dataclass(frozen=True)
class EtaTrigger:
    name: TriggerName = "eta"
    queue_scope: QueueScope = "approach"

    def starts(self, now: float, step: float, c: Candidate, view: SignalView, program: SignalProgram,
               min_return_s: float) -> bool:
        return c.eta_s <= c.transition_s + c.lead_s + step


@dataclass(frozen=True)
class GreenWaveTrigger:
    name: TriggerName = "green-wave"
    queue_scope: QueueScope = "route"

    def starts(self, now: float, step: float, c: Candidate, view: SignalView, program: SignalProgram,
               min_return_s: float) -> bool:
        green_from = now + c.eta_s - c.lead_s  # the unit's link must be green from here on
        if program.serves(view.state, c.link):
            # extend the running green only when it is about to end and the signal could not
            # serve the other movements and come back in time
            return view.next_switch <= now + step and min_return_s + c.lead_s >= c.eta_s
        if program.coordinated:
            planned = program.next_green_start(c.link, now)
            if planned is not None and planned <= green_from:
                return False  # the plan serves it in time
        return c.eta_s <= c.transition_s + c.lead_s + step


def make_trigger(name: TriggerName, trigger_distance_m: float) -> Trigger:
    if name == "local":
        return LocalTrigger(trigger_distance_m)
    if name == "eta":
        return EtaTrigger()
    return GreenWaveTrigger()
