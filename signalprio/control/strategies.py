"""Strategy registry: the names experiments use, mapped to controllers.

`none` is the baseline (signals run their plan; engines cross red only at the bounded
crossing speed). `local`, `eta` and `green-wave` are the three preemption triggers of
`control.triggers`, all running the same safe preemption sequence of `control.preemption`.
"""

from __future__ import annotations

from typing import Protocol

from signalprio.control.parameters import PreemptionParameters
from signalprio.control.preemption import Preemption, PreemptionEvent
from signalprio.control.types import Command, Observation
from signalprio.model.network import Network
from signalprio.model.safety import SafetyRules
from signalprio.names import BASELINE


class Controller(Protocol):
    """What a run needs of a strategy: decisions each step, and the event and request logs afterwards."""

    @property
    def name(self) -> str: ...

    @property
    def events(self) -> list[PreemptionEvent]: ...

    @property
    def messages(self) -> list[dict[str, object]]: ...

    @property
    def idle(self) -> bool: ...

    def decide(self, obs: Observation) -> list[Command]: ...


class NoPriority:
    """The baseline: signals run their plan."""

    name = BASELINE
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
