"""Safety rules of one signal: which links conflict, intergreens, yellow and minimum green.

Derived from the network's junction foe matrix, its geometry and the signal's own program; the
controller builds its transitions from these rules. An intergreen is the larger of the program's
own and the junction's geometric one (RiLSA, `signalprio.model.intergreen`); a yellow is the
program's, or the VwV-StVO yellow of the approach's speed where the program shows none. The
conflict monitor derives its rules by code of its own (`signalprio.monitor_rules`), as a real
controller and its conflict monitor are configured separately; a test checks that both agree
on real networks.
"""

from __future__ import annotations

from dataclasses import dataclass

from signalprio.model.intergreen import geometric_intergreens, vwv_yellow_s
from signalprio.model.network import LinkPath
from signalprio.model.program import LinkTiming, SignalProgram


@dataclass(frozen=True)
class SafetyRules:
    signal_id: str
    program: SignalProgram
    conflicts: frozenset[tuple[int, int]]  # foes the program never shows green together, both orders
    intergreen_s: dict[tuple[int, int], float]
    min_green_s: float
    yellow_s: dict[int, float]  # every link that shows yellow after green

    @classmethod
    def derive(cls, program: SignalProgram, foes: frozenset[tuple[int, int]], min_green_s: float,
               paths: dict[int, LinkPath] | None = None) -> SafetyRules:
        """`paths`: the links' ways through the junction, where the network gives them (geometric intergreens)."""
        paths = paths or {}
        conflicts = frozenset(pair for pair in foes if pair not in program.compatible)
        intergreen = program.intergreen(conflicts, {link: path.kind for link, path in paths.items()})
        for pair, terms in geometric_intergreens(paths, conflicts).items():
            intergreen[pair] = max(intergreen[pair], terms.intergreen_s)
        yellow = {}
        for link, timing in enumerate(program.timing):
            if timing.yellow_s:
                yellow[link] = timing.yellow_s
            elif link in paths and paths[link].kind == "vehicle":
                yellow[link] = vwv_yellow_s(paths[link].speed_mps)
        return cls(program.signal_id, program, conflicts, intergreen, min_green_s, yellow)

    @property
    def timing(self) -> tuple[LinkTiming, ...]:
        return self.program.timing

    def required_green(self, link: int) -> float:
        """Minimum green: the configured value, or less where the program itself gives less."""
        shortest = self.timing[link].shortest_green_s
        return self.min_green_s if shortest is None else min(self.min_green_s, shortest)

    def yellow(self, link: int) -> float:
        return self.yellow_s.get(link, 0.0)

    def foes_of(self, link: int) -> list[int]:
        return [j for (i, j) in self.conflicts if i == link]
