"""Safety rules of one signal: which links conflict, intergreens, yellow and minimum green.

Derived from the network's junction foe matrix and the signal's own program; the controller
builds its transitions from these rules. The conflict monitor derives the same rules by code
of its own (`signalprio.monitor_rules`), as a real controller and its conflict monitor are
configured separately; a test checks that both agree on real networks.
"""

from __future__ import annotations

from dataclasses import dataclass

from signalprio.model.program import LinkTiming, SignalProgram


@dataclass(frozen=True)
class SafetyRules:
    signal_id: str
    program: SignalProgram
    conflicts: frozenset[tuple[int, int]]  # foes the program never shows green together, both orders
    intergreen_s: dict[tuple[int, int], float]
    min_green_s: float

    @classmethod
    def derive(cls, program: SignalProgram, foes: frozenset[tuple[int, int]], min_green_s: float) -> SafetyRules:
        conflicts = frozenset(pair for pair in foes if pair not in program.compatible)
        return cls(program.signal_id, program, conflicts, program.intergreen(conflicts), min_green_s)

    @property
    def timing(self) -> tuple[LinkTiming, ...]:
        return self.program.timing

    def required_green(self, link: int) -> float:
        """Minimum green: the configured value, or less where the program itself gives less."""
        shortest = self.timing[link].shortest_green_s
        return self.min_green_s if shortest is None else min(self.min_green_s, shortest)

    def yellow(self, link: int) -> float:
        return self.timing[link].yellow_s or 0.0

    def foes_of(self, link: int) -> list[int]:
        return [j for (i, j) in self.conflicts if i == link]
