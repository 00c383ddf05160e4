"""What each link of a signal has shown recently: the memory safe transitions are built from."""

from __future__ import annotations

from dataclasses import dataclass

from signalprio.model.program import YELLOW, SignalProgram, is_green


@dataclass
class LinkClock:
    green_since: float | None = None  # start of the current green; None when not green
    yellow_since: float | None = None  # start of the current yellow; None when not yellow
    green_ended: float = float("-inf")  # end of the last green


class SignalClock:
    """Per-link clocks updated from the states a signal shows, seeded from its plan.

    An actuated program's history cannot be inferred from its plan: every green is then
    taken as just started and every red as just ended, which can only lengthen transitions.
    """

    def __init__(self, program: SignalProgram, time: float, state: str) -> None:
        self.state = state
        self.links = [LinkClock() for _ in state]
        if not program.coordinated:
            for clock, char in zip(self.links, state, strict=True):
                if is_green(char):
                    clock.green_since = time
                else:
                    clock.green_ended = time
                    clock.yellow_since = time if char in YELLOW else None
            return
        for link, char in enumerate(state):
            clock = self.links[link]
            if is_green(char):
                clock.green_since = program.link_green_start(link, time)
                if clock.green_since is None:  # shown green off-plan: assume it just started
                    clock.green_since = time
            else:
                clock.green_ended = _plan_green_end(program, link, time)
                if char in YELLOW:
                    clock.yellow_since = clock.green_ended

    def update(self, time: float, state: str) -> None:
        if state == self.state:
            return
        for link, (before, now) in enumerate(zip(self.state, state, strict=True)):
            clock = self.links[link]
            if is_green(now) and not is_green(before):
                clock.green_since = time
            elif is_green(before) and not is_green(now):
                clock.green_since = None
                clock.green_ended = time
            if now in YELLOW and before not in YELLOW:
                clock.yellow_since = time
            elif now not in YELLOW:
                clock.yellow_since = None
        self.state = state


def _plan_green_end(program: SignalProgram, link: int, time: float) -> float:
    """End of the link's last plan green before `time` (-inf if the plan never shows it green)."""
    index, start, _ = program.phase_at(time)
    n = len(program.phases)
    for _ in range(2 * n):
        previous = (index - 1) % n
        if is_green(program.phases[previous].state[link]):
            return start
        index = previous
        start -= program.phases[index].duration
    return float("-inf")
