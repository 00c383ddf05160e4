"""The conflict monitor's own rules, derived from the network and each signal's program alone.

A real controller and its conflict monitor (MMU) are configured separately, so that an error in the controller's
configuration is not repeated in the check. Here too: the controller reads `signalprio.model.safety`, the monitor
reads these rules, computed by separate code from the same facts (the junction's foe matrix and the program as
SUMO runs it, every actuated phase at its shortest). A test checks that both derivations agree on every signal of
the shipped networks and of a real OpenStreetMap network.

Rules:
- conflicts: foes (by the foe matrix) that the program never shows green together;
- yellow: the shortest yellow the program shows a link after its green;
- minimum green: the configured one, or the program's own shortest green where that is shorter;
- intergreen i -> j: the shortest time from the end of i's green to the start of j's that the program shows in one
  transition; for a pair the program never switches between directly, the longest clearance it ever gives i (and
  failing that, the longest any link gets).
"""

from __future__ import annotations

from dataclasses import dataclass

from signalprio.model.program import SignalProgram

_GREEN, _YELLOW = "Gg", "yY"


@dataclass(frozen=True)
class MonitorRules:
    signal_id: str
    conflicts: frozenset[tuple[int, int]]  # both orders
    yellow_s: dict[int, float]  # links the program shows yellow after green
    green_s: dict[int, float]  # the minimum green each link must get
    intergreen_s: dict[tuple[int, int], float]  # (clearing, entering) -> seconds

    def entering_after(self, link: int) -> list[int]:
        """The links that clear before `link` may turn green."""
        return sorted(i for i, j in self.conflicts if j == link)


def monitor_rules(program: SignalProgram, foes: frozenset[tuple[int, int]], min_green_s: float) -> MonitorRules:
    """The monitor's rules of one signal: its program (as data) and its junction's foe pairs (both orders)."""
    states = [phase.state for phase in program.phases]
    lengths = [phase.shortest for phase in program.phases]
    width = len(states[0])
    together = {(a, b) for state in states for a in range(width) for b in range(width)
                if a != b and state[a] in _GREEN and state[b] in _GREEN}
    conflicts = frozenset(pair for pair in foes if pair not in together)
    yellow, green = {}, {}
    for link in range(width):
        blocks = _blocks([state[link] for state in states], lengths)
        after_green = [length for (kind, length), (before, _) in zip(blocks, blocks[-1:] + blocks[:-1], strict=True)
                       if kind == "yellow" and before == "green"]
        greens = [length for kind, length in blocks if kind == "green"]
        if after_green:
            yellow[link] = min(after_green)
        green[link] = min([min_green_s, *greens])
    return MonitorRules(program.signal_id, conflicts, yellow, green, _intergreens(states, lengths, conflicts))


def _kind(char: str) -> str:
    return "green" if char in _GREEN else "yellow" if char in _YELLOW else "red-yellow" if char == "u" else "red"


def _blocks(chars: list[str], lengths: list[float]) -> list[tuple[str, float]]:
    """The link's cycle as (kind, seconds) blocks; a block running across the end of the cycle is one block."""
    blocks: list[tuple[str, float]] = []
    for char, length in zip(chars, lengths, strict=True):
        kind = _kind(char)
        if blocks and blocks[-1][0] == kind:
            blocks[-1] = (kind, blocks[-1][1] + length)
        else:
            blocks.append((kind, length))
    if len(blocks) > 1 and blocks[0][0] == blocks[-1][0]:
        last = blocks.pop()
        blocks[0] = (last[0], blocks[0][1] + last[1])
    return blocks


def _intergreens(states: list[str], lengths: list[float],
                 conflicts: frozenset[tuple[int, int]]) -> dict[tuple[int, int], float]:
    """Intergreens the program shows, transition by transition, over cycles unrolled far enough to see each once."""
    count, cycle = len(states), sum(lengths)
    boundaries = []  # (time, links whose green ends, links whose green starts) at each phase change
    time = 0.0
    for step in range(3 * count):
        before, now = states[(step - 1) % count], states[step % count]
        ends = {k for k, (b, n) in enumerate(zip(before, now, strict=True)) if b in _GREEN and n not in _GREEN}
        starts = {k for k, (b, n) in enumerate(zip(before, now, strict=True)) if n in _GREEN and b not in _GREEN}
        if ends or starts:
            boundaries.append((time, ends, starts))
        time += lengths[step % count]
    shown: dict[tuple[int, int], float] = {}
    clearance: dict[int, float] = {}
    for index, (ended_at, ended, _) in enumerate(boundaries):
        if not ended or ended_at >= 2 * cycle:
            continue
        # the transition: from these green ends up to the next green end after the first green start that follows
        later = boundaries[index + 1:]
        first_start = next((k for k, (_, _, started) in enumerate(later) if started), None)
        if first_start is None:
            continue
        closes = next((k for k, (_, gone, _) in enumerate(later) if k >= first_start and gone), len(later))
        for started_at, _, started in later[first_start:closes]:
            for i in ended:
                for j in started:
                    if (i, j) in conflicts:
                        gap = started_at - ended_at
                        shown[(i, j)] = min(gap, shown.get((i, j), gap))
                        clearance[i] = max(gap, clearance.get(i, 0.0))
    longest = max(clearance.values(), default=0.0)
    return {pair: shown.get(pair, clearance.get(pair[0], longest)) for pair in conflicts}
