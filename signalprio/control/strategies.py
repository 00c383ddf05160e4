"""Strategy registry: the names experiments use, mapped to controllers.

`none` is the baseline (signals run their plan; engines cross red only at the bounded
crossing speed). `local`, `eta` and `green-wave` are the three preemption triggers of
`control.triggers`, all running the same safe preemption sequence of `control.preemption`.
"""

from __future__ import annotations

from typing import Protocol

from signalprio.control.preemption import Preemption, PreemptionEvent, PreemptionParameters
from signalprio.control.rules import SafetyRules
from signalprio.control.types import Command, Observation
from signalprio.sumo.network import Network

TRIGGERS = ("none", "local", "eta", "green-wave")


class Controller(Protocol):
    name: str
    events: list[PreemptionEvent]
    messages: list[dict[str, object]]

    @property
    def idle(self) -> bool: ...

    def decide(self, obs: Observation) -> list[Command]: ...


class NoPriority:
    """The baseline: signals run their plan."""

    name = "none"
    idle = True

    def __init__(self) -> None:
        self.events: list[PreemptionEvent] = []
        self.messages: list[dict[str, object]] = []

    def decide(self, obs: Observation) -> list[Command]:
        return []


def make_controller(parameters: PreemptionParameters | None, network: Network,
                    rules: dict[str, SafetyRules]) -> Controller:
    """`None` parameters mean the baseline; otherwise preemption with the given trigger."""
    if parameters is None:
        return NoPriority()
    return Preemption(network, rules, parameters)
