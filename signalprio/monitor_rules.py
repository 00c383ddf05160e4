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
  transition (the plan is the authority for its own transitions); for a pair the program never switches between
  directly (a skipped phase), the larger of the longest clearance the program ever gives i towards links of j's kind
  (vehicle or pedestrian; failing that, the longest any link of i's kind gets towards j's kind) and the junction's
  geometric intergreen by RiLSA, computed here from the links' paths with the monitor's own configuration of RiLSA's
  speeds and lengths.
"""

from __future__ import annotations

import cmath
import math
from dataclasses import dataclass
from functools import cached_property

from signalprio.model.network import LinkPath
from signalprio.model.program import SignalProgram

_GREEN, _YELLOW = "Gg", "yY"
# The monitor's own configuration of RiLSA's values (a conflict monitor is configured apart from its controller).
_RILSA = {"vehicle length m": 6.0, "clearing straight m/s": 10.0, "clearing turning m/s": 7.0,
          "entering vehicle m/s": 40 / 3.6, "clearing pedestrian m/s": 1.2, "entering pedestrian m/s": 1.5,
          "turning above deg": 30.0}


@dataclass(frozen=True)
class MonitorRules:
    signal_id: str
    conflicts: frozenset[tuple[int, int]]  # both orders
    yellow_s: dict[int, float]  # links the program shows yellow after green
    green_s: dict[int, float]  # the minimum green each link must get
    intergreen_s: dict[tuple[int, int], float]  # (clearing, entering) -> seconds
    geometric_s: dict[tuple[int, int], float]  # RiLSA's intergreen from the junction's geometry, where it is known

    def entering_after(self, link: int) -> tuple[int, ...]:
        """The links that clear before `link` may turn green."""
        return self._clearing.get(link, ())

    @cached_property
    def _clearing(self) -> dict[int, tuple[int, ...]]:
        """entering link -> its foes in order: asked for every link turning green, so worked out once."""
        clearing: dict[int, list[int]] = {}
        for i, j in sorted(self.conflicts):
            clearing.setdefault(j, []).append(i)
        return {link: tuple(foes) for link, foes in clearing.items()}


def monitor_rules(program: SignalProgram, foes: frozenset[tuple[int, int]], min_green_s: float,
                  paths: dict[int, LinkPath] | None = None) -> MonitorRules:
    """The monitor's rules of one signal: its program (as data), its junction's foe pairs (both orders) and the
    links' paths through the junction where the network gives them."""
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
    paths = paths or {}
    geometric = {(i, j): _rilsa(paths[i], paths[j]) for i, j in conflicts if i in paths and j in paths}
    walking = {link for link, path in paths.items() if path.kind == "pedestrian"}
    shown, skipped = _intergreens(states, lengths, conflicts, walking)
    intergreen = {pair: shown[pair] if pair in shown else max(skipped[pair], geometric.get(pair, 0.0))
                  for pair in conflicts}
    return MonitorRules(program.signal_id, conflicts, yellow, green, intergreen, geometric)


def _rilsa(clearing: LinkPath, entering: LinkPath) -> float:
    """t_ue + (s_r + l) / v_r - s_e / v_e, rounded up to whole seconds."""
    a, b = [complex(*p) for p in clearing.points], [complex(*p) for p in entering.points]
    along_a, along_b = _meeting(a, b)
    total_a, total_b = _along(a, len(a) - 1), _along(b, len(b) - 1)
    if clearing.kind == "pedestrian":
        clear_m, clear_speed, length, transit = max(along_a, total_a - along_a), \
            _RILSA["clearing pedestrian m/s"], 0.0, 0.0
    else:
        turning = len(a) > 2 and a[1] != a[0] and \
            abs(math.degrees(cmath.phase((a[-1] - a[-2]) / (a[1] - a[0])))) > _RILSA["turning above deg"]
        clear_m, length = along_a, _RILSA["vehicle length m"]
        clear_speed = _RILSA["clearing turning m/s"] if turning else _RILSA["clearing straight m/s"]
        kmh = clearing.speed_mps * 3.6  # transit during yellow: 3, 4, 5 s at 50, 60, 70 km/h (VwV-StVO)
        transit = 3.0 if kmh <= 50.5 else 4.0 if kmh <= 60.5 else 5.0
    if entering.kind == "pedestrian":
        enter_m, enter_speed = min(along_b, total_b - along_b), _RILSA["entering pedestrian m/s"]
    else:
        enter_m, enter_speed = along_b, _RILSA["entering vehicle m/s"]
    return max(0.0, float(math.ceil(transit + (clear_m + length) / clear_speed - enter_m / enter_speed - 0.01)))


def _along(points: list[complex], upto: int) -> float:
    return sum(abs(points[k + 1] - points[k]) for k in range(upto))


def _meeting(a: list[complex], b: list[complex]) -> tuple[float, float]:
    """Distances along both paths to where they first cross; paths that never cross meet at their ends (a merge)."""
    for m in range(len(a) - 1):
        d1 = a[m + 1] - a[m]
        for k in range(len(b) - 1):
            d2, offset = b[k + 1] - b[k], b[k] - a[m]
            cross = (d1.conjugate() * d2).imag
            if cross == 0:
                continue
            t, u = (offset.conjugate() * d2).imag / cross, (offset.conjugate() * d1).imag / cross
            if 0 <= t <= 1 and 0 <= u <= 1:
                return _along(a, m) + t * abs(d1), _along(b, k) + u * abs(d2)
    return _along(a, len(a) - 1), _along(b, len(b) - 1)


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


def _intergreens(states: list[str], lengths: list[float], conflicts: frozenset[tuple[int, int]],
                 walking: set[int]) -> tuple[dict[tuple[int, int], float], dict[tuple[int, int], float]]:
    """Intergreens the program shows, transition by transition, over cycles unrolled far enough to see each once;
    and, for every pair, the clearance the program gives its clearing link towards links like the entering one (the
    floor for a pair it never shows). `walking`: the pedestrian crossings' links."""
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
    clearance: dict[tuple[int, bool], float] = {}  # (clearing link, entering on foot)
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
                        clearance[(i, j in walking)] = max(gap, clearance.get((i, j in walking), 0.0))
    alike: dict[tuple[bool, bool], float] = {}  # (clearing on foot, entering on foot)
    for (i, on_foot), gap in clearance.items():
        alike[(i in walking, on_foot)] = max(gap, alike.get((i in walking, on_foot), 0.0))
    longest = max(clearance.values(), default=0.0)
    return shown, {(i, j): clearance.get((i, j in walking), alike.get((i in walking, j in walking), longest))
                   for i, j in conflicts}
