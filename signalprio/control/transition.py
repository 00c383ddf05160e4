"""Safe transitions from what a signal shows now to a target state.

Links that lose green keep it until their minimum green is served, then show their
full yellow; links that gain green start only after the full intergreen from every
conflicting link that ended (red-yellow first, where the program uses it). No time is
ever shortened: boundaries are rounded up to the simulation step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from signalprio.control.clock import SignalClock
from signalprio.model.program import YELLOW, is_green
from signalprio.model.safety import SafetyRules

EPS = 1e-6


@dataclass(frozen=True)
class Transition:
    """States to show from their start times on; the target is shown from `reached`."""

    schedule: tuple[tuple[float, str], ...]
    reached: float

    def state_at(self, time: float) -> str:
        current = self.schedule[0][1]
        for start, state in self.schedule:
            if start <= time + EPS:
                current = state
        return current


def _up(time: float, origin: float, step: float) -> float:
    """Round `time` up to the simulation step grid anchored at `origin`."""
    return origin + math.ceil((time - origin) / step - EPS) * step


def build_transition(
    now: float, clock: SignalClock, target: str, rules: SafetyRules, step: float, start: float | None = None
) -> Transition:
    """Transition from the shown state to `target`, beginning no earlier than `start` (default now)."""
    begin = now if start is None else max(now, start)
    shown = clock.state
    green_end: dict[int, float] = {}
    yellow_end: dict[int, float] = {}
    losing, gaining = [], []
    for link, (char, goal) in enumerate(zip(shown, target, strict=True)):
        info = clock.links[link]
        if is_green(char) and not is_green(goal):
            losing.append(link)
            since = info.green_since if info.green_since is not None else begin
            green_end[link] = _up(max(begin, since + rules.required_green(link)), now, step)
            yellow_end[link] = _up(green_end[link] + rules.yellow(link), now, step)
        elif not is_green(char):
            green_end[link] = info.green_ended
            if char in YELLOW and info.yellow_since is not None:
                yellow_end[link] = _up(info.yellow_since + rules.yellow(link), now, step)
            if is_green(goal):
                gaining.append(link)

    reached = begin
    for j in gaining:
        earliest = begin + rules.timing[j].red_yellow_s
        for i in rules.foes_of(j):
            if i in green_end:
                earliest = max(earliest, green_end[i] + rules.intergreen_s[(i, j)])
        reached = max(reached, earliest)
    reached = max([reached, *yellow_end.values()])
    reached = _up(reached, now, step)

    def char_at(link: int, time: float) -> str:
        char, goal = shown[link], target[link]
        if time >= reached - EPS:
            return goal
        if link in yellow_end:
            if link in losing and time < green_end[link] - EPS:
                return char
            return "y" if time < yellow_end[link] - EPS else "r"
        if link in gaining:
            red_yellow = rules.timing[link].red_yellow_s
            return "u" if red_yellow and time >= _up(reached - red_yellow, now, step) - EPS else "r"
        return char

    times = sorted({now, begin, reached, *green_end.values(), *yellow_end.values(),
                    *(_up(reached - rules.timing[j].red_yellow_s, now, step) for j in gaining)})
    schedule: list[tuple[float, str]] = []
    for time in times:
        if now - EPS <= time <= reached + EPS:
            state = "".join(char_at(link, time) for link in range(len(shown)))
            if not schedule or schedule[-1][1] != state:
                schedule.append((time, state))
    return Transition(tuple(schedule), reached)
