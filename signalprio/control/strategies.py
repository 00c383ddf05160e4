"""Strategy registry: the names experiments use, mapped to controllers."""

from __future__ import annotations

from typing import Protocol

from signalprio.control.green_wave import GreenWave, GreenWaveParameters, PreemptionEvent
from signalprio.control.rules import SafetyRules
from signalprio.control.types import Command, Observation
from signalprio.errors import UserError
from signalprio.sumo.network import Network


class Controller(Protocol):
    name: str
    events: list[PreemptionEvent]

    def decide(self, obs: Observation) -> list[Command]: ...


class NoPriority:
    """The baseline: signals run their plan; engines cross red only at the bounded crossing speed."""

    name = "none"

    def __init__(self) -> None:
        self.events: list[PreemptionEvent] = []

    def decide(self, obs: Observation) -> list[Command]:
        return []


STRATEGIES = ("none", "green-wave")


def make_controller(name: str, network: Network, rules: dict[str, SafetyRules],
                    parameters: GreenWaveParameters) -> Controller:
    if name == "none":
        return NoPriority()
    if name == "green-wave":
        return GreenWave(network, rules, parameters)
    raise UserError(f"unknown strategy '{name}'; known: {', '.join(STRATEGIES)}")
