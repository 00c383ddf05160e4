"""Exit and recovery: how a signal returns from a preemption hold to its coordinated plan.

Modes as field controllers offer them: dwell (wait for the plan's point in the held
phase), short-way (the first plan phase the safe transition can reach with its minimum
green left), smooth (go on to the next phase, then correct the offset by a bounded share
of the cycle per cycle). Actuated programs, which have no fixed plan point, go on to the
next phase.
"""

from __future__ import annotations

from signalprio.control.clock import SignalClock
from signalprio.control.parameters import Recovery
from signalprio.control.transition import Transition, build_transition
from signalprio.control.types import ResumePlan
from signalprio.model.program import SignalProgram, is_green
from signalprio.model.safety import SafetyRules

OPEN_END = 1e9  # a window without end: the phase may run as long as the program gives it


def is_major(state: str) -> bool:
    """A phase that serves traffic: some green, and no yellow or red-yellow."""
    return any(is_green(ch) for ch in state) and not any(ch in "yYu" for ch in state)


def next_major(program: SignalProgram, index: int) -> int:
    """The next phase after `index` that serves traffic (`index` itself if there is none)."""
    n = len(program.phases)
    for k in range(1, n + 1):
        candidate = (index + k) % n
        if is_major(program.phases[candidate].state) and candidate != index:
            return candidate
    return index


def exit_windows(program: SignalProgram, recovery: Recovery, held_phase: int, showing_held_phase: bool,
                 now: float) -> list[tuple[int, float, float]]:
    """Plan phases (index, start, end) the exit may join, in order of preference."""
    mode = recovery if program.coordinated else "next-phase"
    if mode == "dwell" and showing_held_phase:
        return [(i, s, e) for i, s, e in program.windows(now, 2 * program.cycle) if i == held_phase]
    if mode in ("smooth", "next-phase"):
        following = next_major(program, held_phase)
        return [(following, now, now + program.phases[following].duration + OPEN_END)]
    # short-way (and dwell when the hold state is not a phase of the plan)
    return [w for w in program.windows(now, 3 * program.cycle) if is_major(program.phases[w[0]].state)]


def plan_exit(signal_id: str, program: SignalProgram, windows: list[tuple[int, float, float]], now: float,
              clock: SignalClock, rules: SafetyRules, step: float) -> tuple[Transition, ResumePlan]:
    """The safe transition into the first window it reaches with the window's minimum green left,
    timed to end as the window starts, and the plan position to resume at."""
    for index, start, end in windows:
        state = program.phases[index].state
        probe = build_transition(now, clock, state, rules, step)
        begin = max(now, start - (probe.reached - now))
        transition = build_transition(now, clock, state, rules, step, start=begin)
        if transition.reached <= end - rules.min_green_s:
            remaining = end - transition.reached if end < OPEN_END / 10 else program.phases[index].duration
            return transition, ResumePlan(signal_id, program.program_id, index, remaining)
    raise RuntimeError(f"signal {signal_id}: no plan phase to return to")


def offset_error(program: SignalProgram, phase: int, started: float) -> float:
    """How late (+) or early (-) the phase started against the plan, within half a cycle."""
    planned_offset = sum(p.duration for p in program.phases[:phase])
    error = (started - program.offset - planned_offset) % program.cycle
    return error - program.cycle if error > program.cycle / 2 else error


def main_phase(program: SignalProgram) -> int:
    """The phase smooth recovery lengthens or shortens: the longest that serves traffic."""
    return max(range(len(program.phases)),
               key=lambda i: (is_major(program.phases[i].state), program.phases[i].duration))


def smooth_duration(program: SignalProgram, error: float, share: float, min_green_s: float) -> float:
    """Length of the main phase that corrects `error` by at most `share` of the cycle, never below minimum green."""
    limit = share * program.cycle
    nominal = program.phases[main_phase(program)].duration
    return max(nominal - max(-limit, min(limit, error)), min_green_s)
