"""A signal's own program as pure data, and the timing rules derived from it.

The program is the authority for safety timings: yellow, intergreen and the shortest
green that a link gets. The preemption controller reads these rules from here (through
`signalprio.model.safety`) to build safe transitions; the conflict monitor derives its
own (`signalprio.monitor_rules`). Times are seconds; absolute times are simulation seconds.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

GREEN = frozenset("Gg")
YELLOW = frozenset("yY")
RED_YELLOW = frozenset("u")


def is_green(char: str) -> bool:
    return char in GREEN


@dataclass(frozen=True)
class Phase:
    state: str
    duration: float
    name: str = ""
    min_duration: float | None = None  # actuated programs may end a phase this early

    @property
    def shortest(self) -> float:
        if self.min_duration is None or self.min_duration <= 0:
            return self.duration
        return min(self.min_duration, self.duration)


SUPPORTED_KINDS = ("static", "actuated")


@dataclass(frozen=True)
class LinkTiming:
    """Safety timings of one link, as its own program shows them."""

    yellow_s: float | None  # shortest yellow after green; None if the program never shows yellow
    red_yellow_s: float  # red-yellow shown before green (0 if none)
    shortest_green_s: float | None  # None if never green


@dataclass(frozen=True)
class SignalProgram:
    """A fixed-time program: phases, cycle and offset (cycle position = (t - offset) mod cycle)."""

    signal_id: str
    program_id: str
    kind: str
    offset: float
    phases: tuple[Phase, ...]

    @property
    def cycle(self) -> float:
        return sum(p.duration for p in self.phases)

    @property
    def coordinated(self) -> bool:
        """Fixed-time programs follow a predictable plan; actuated ones vary their phase lengths."""
        return self.kind == "static"

    @property
    def link_count(self) -> int:
        return len(self.phases[0].state)

    def phase_at(self, time: float) -> tuple[int, float, float]:
        """(phase index, absolute start, absolute end) of the plan's phase at `time`."""
        position = (time - self.offset) % self.cycle
        cycle_start = time - position
        start = 0.0
        for index, phase in enumerate(self.phases):
            if position < start + phase.duration:
                return index, cycle_start + start, cycle_start + start + phase.duration
            start += phase.duration
        last = len(self.phases) - 1
        return last, cycle_start + self.cycle - self.phases[last].duration, cycle_start + self.cycle

    def windows(self, time: float, horizon: float) -> list[tuple[int, float, float]]:
        """Plan phases (index, start, end) from the one running at `time` until `time + horizon`."""
        out = []
        index, start, end = self.phase_at(time)
        while start < time + horizon:
            out.append((index, start, end))
            index = (index + 1) % len(self.phases)
            start, end = end, end + self.phases[index].duration
        return out

    def green_phase_for(self, links: frozenset[int]) -> int:
        """The phase that serves `links` best: most of them 'G', then longest.

        Raises ValueError when no phase shows any of them green (a movement the plan never serves).
        """
        def score(item: tuple[int, Phase]) -> tuple[int, int, float]:
            _, phase = item
            major = sum(phase.state[i] == "G" for i in links)
            any_green = sum(is_green(phase.state[i]) for i in links)
            return any_green, major, phase.duration

        index, phase = max(enumerate(self.phases), key=score)
        if not any(is_green(phase.state[i]) for i in links):
            raise ValueError(f"signal {self.signal_id}: no phase gives green to links {sorted(links)}")
        return index

    def link_green_start(self, link: int, time: float) -> float | None:
        """When the link's current plan green began (None if the link is not green at `time`)."""
        index, start, _ = self.phase_at(time)
        if not is_green(self.phases[index].state[link]):
            return None
        for _ in range(len(self.phases)):
            previous = (index - 1) % len(self.phases)
            if not is_green(self.phases[previous].state[link]):
                return start
            index = previous
            start -= self.phases[index].duration
        return float("-inf")  # green in every phase

    def next_green_start(self, link: int, time: float) -> float | None:
        """Start of the next plan phase that serves the link (see `serves`) after `time` (None if never)."""
        for index, start, _ in self.windows(time, 2 * self.cycle)[1:]:
            previous = self.phases[(index - 1) % len(self.phases)]
            if self.serves(self.phases[index].state, link) and not self.serves(previous.state, link):
                return start
        return None

    def serves(self, state: str, link: int) -> bool:
        """Whether `state` lets an engine through on `link` without yielding: a protected green ('G'), or a
        permissive one ('g') where the program never protects the link. A left turn on 'g' waits for gaps
        in the oncoming stream, which a held green never gives."""
        return state[link] == "G" or (is_green(state[link]) and link not in self.protected_links)

    @functools.cached_property
    def protected_links(self) -> frozenset[int]:
        """Links some phase shows 'G'."""
        return frozenset(link for link in range(self.link_count) if any(p.state[link] == "G" for p in self.phases))

    @functools.cached_property
    def timing(self) -> tuple[LinkTiming, ...]:
        return tuple(_link_timing(self, link) for link in range(self.link_count))

    @functools.cached_property
    def compatible(self) -> frozenset[tuple[int, int]]:
        """Pairs of links the program itself shows green together (so the pair may be green together)."""
        pairs: set[tuple[int, int]] = set()
        for phase in self.phases:
            green = [i for i, c in enumerate(phase.state) if is_green(c)]
            pairs.update((a, b) for a in green for b in green if a != b)
        return frozenset(pairs)

    def intergreen(self, foes: frozenset[tuple[int, int]],
                   kinds: dict[int, str] | None = None) -> dict[tuple[int, int], float]:
        """Minimum intergreen (end of green of i to start of green of j) for every conflicting pair.

        Pair-specific where the program has the transition i -> j; for pairs it never switches between
        directly, the longest clearance the program ever gives link i towards links of j's kind
        (`kinds`: 'vehicle' or 'pedestrian', vehicle where not given), failing that the longest any link
        of i's kind gets towards j's kind: pedestrians clearing a crossing need far longer than vehicles.
        """
        return _intergreen(self, foes, kinds or {})


def _runs(program: SignalProgram, link: int) -> list[tuple[str, float]]:
    """(character class, shortest duration) runs of one link over one cycle, merged across the wrap."""
    runs: list[tuple[str, float]] = []
    for phase in program.phases:
        char = phase.state[link]
        cls = "G" if is_green(char) else "y" if char in YELLOW else "u" if char in RED_YELLOW else "r"
        if runs and runs[-1][0] == cls:
            runs[-1] = (cls, runs[-1][1] + phase.shortest)
        else:
            runs.append((cls, phase.shortest))
    if len(runs) > 1 and runs[0][0] == runs[-1][0]:
        cls, duration = runs.pop()
        runs[0] = (cls, runs[0][1] + duration)
    return runs


def _link_timing(program: SignalProgram, link: int) -> LinkTiming:
    runs = _runs(program, link)
    greens = [d for c, d in runs if c == "G"]
    yellows = [d for i, (c, d) in enumerate(runs) if c == "y" and runs[i - 1][0] == "G"]
    red_yellows = [d for c, d in runs if c == "u"]
    return LinkTiming(
        yellow_s=min(yellows) if yellows else None,
        red_yellow_s=min(red_yellows) if red_yellows else 0.0,
        shortest_green_s=min(greens) if greens else None,
    )


def _edges(program: SignalProgram) -> tuple[list[tuple[float, int]], list[tuple[float, int]]]:
    """Green ends and green starts (time, link) over three unrolled cycles, every phase at its shortest.

    An actuated program may cut a phase to its minimum duration, so the intergreens it can
    show itself are those of the shortest sequence.
    """
    ends, starts = [], []
    n = len(program.phases)
    t = 0.0
    for k in range(3 * n):
        phase, previous = program.phases[k % n], program.phases[(k - 1) % n]
        for link, (now, before) in enumerate(zip(phase.state, previous.state, strict=True)):
            if is_green(before) and not is_green(now):
                ends.append((t, link))
            elif is_green(now) and not is_green(before):
                starts.append((t, link))
        t += phase.shortest
    return ends, starts


def _intergreen(program: SignalProgram, foes: frozenset[tuple[int, int]],
                kinds: dict[int, str]) -> dict[tuple[int, int], float]:
    ends, starts = _edges(program)
    end_times = sorted({t for t, _ in ends})
    observed: dict[tuple[int, int], float] = {}
    longest_clearance: dict[tuple[int, str], float] = {}  # (clearing link, entering kind)
    for end, i in ends:
        if end >= 2 * sum(p.shortest for p in program.phases):
            continue
        later_starts = [(t, j) for t, j in starts if t > end]
        if not later_starts:
            continue
        first_start = min(t for t, _ in later_starts)
        closing = next((t for t in end_times if t >= first_start), float("inf"))
        for t, j in later_starts:
            if t < closing and (i, j) in foes:
                gap = t - end
                observed[(i, j)] = min(gap, observed.get((i, j), gap))
                key = (i, kinds.get(j, "vehicle"))
                longest_clearance[key] = max(gap, longest_clearance.get(key, 0.0))
    by_kinds: dict[tuple[str, str], float] = {}
    for (i, entering), gap in longest_clearance.items():
        kind_pair = (kinds.get(i, "vehicle"), entering)
        by_kinds[kind_pair] = max(gap, by_kinds.get(kind_pair, 0.0))
    fallback_all = max(longest_clearance.values(), default=0.0)

    def fallback(i: int, j: int) -> float:
        entering = kinds.get(j, "vehicle")
        return longest_clearance.get((i, entering), by_kinds.get((kinds.get(i, "vehicle"), entering), fallback_all))

    return {pair: observed[pair] if pair in observed else fallback(*pair) for pair in foes}
