"""Safe transitions and the conflict monitor, without SUMO.

The monitor must catch each kind of violation (a monitor that never fires proves nothing),
and every transition the controller builds must pass it.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from signalprio.control.clock import SignalClock
from signalprio.control.transition import build_transition
from signalprio.model.safety import SafetyRules
from signalprio.monitor import check_signal
from signalprio.monitor_rules import monitor_rules
from tests.conftest import TWO_PHASE_FOES, two_phase_program

RULES = SafetyRules.derive(two_phase_program(), TWO_PHASE_FOES, min_green_s=5)  # the controller's
MONITOR = monitor_rules(two_phase_program(), TWO_PHASE_FOES, min_green_s=5)  # the monitor's own
MAIN, SIDE = "Ggrr", "rrGg"


def kinds(records: list[tuple[float, str]]) -> list[str]:
    return [v.kind for v in check_signal(MONITOR, records)]


def plan_timeline(cycles: int = 3) -> list[tuple[float, str]]:
    program, t, out = RULES.program, 0.0, []
    for _ in range(cycles):
        for phase in program.phases:
            out.append((t, phase.state))
            t += phase.duration
    return out


def test_the_plan_itself_has_no_violation() -> None:
    assert kinds(plan_timeline()) == []


def test_monitor_catches_conflicting_greens() -> None:
    assert "conflicting_green" in kinds([(0, MAIN), (60, "GgGg")])


def test_monitor_catches_shortened_yellow() -> None:
    assert "yellow" in kinds([(0, MAIN), (20, "yyrr"), (21, "rrrr"), (40, SIDE)])


def test_monitor_catches_green_to_red_without_yellow() -> None:
    assert "yellow" in kinds([(0, MAIN), (20, "rrrr"), (40, SIDE)])


def test_monitor_catches_shortened_all_red() -> None:
    assert "intergreen" in kinds([(0, MAIN), (20, "yyrr"), (23, SIDE)])


def test_monitor_catches_green_shorter_than_minimum() -> None:
    # side green shown for 2 s only, with full yellow and all-red on both sides
    assert "min_green" in kinds([(0, MAIN), (20, "yyrr"), (23, "rrrr"), (26, SIDE), (28, "rryy"), (31, "rrrr"),
                                 (34, MAIN)])


def test_states_replaced_within_the_same_instant_are_not_judged() -> None:
    assert kinds([(0, MAIN), (20, "rrGg"), (20, MAIN)]) == []


def test_transition_to_side_green_keeps_every_interval() -> None:
    clock = SignalClock(RULES.program, 10.0, MAIN)  # main green began at 0
    transition = build_transition(10.0, clock, SIDE, RULES, step=1.0)
    assert transition.schedule == ((10.0, "yyrr"), (13.0, "rrrr"), (15.0, "rruu"), (16.0, SIDE))
    assert transition.reached == 16.0


def test_transition_waits_for_minimum_green() -> None:
    clock = SignalClock(RULES.program, 0.0, MAIN)
    clock.update(100.0, MAIN)
    clock.links[0].green_since = clock.links[1].green_since = 99.0  # main green just started
    transition = build_transition(100.0, clock, SIDE, RULES, step=1.0)
    assert transition.schedule[0] == (100.0, MAIN)
    assert transition.state_at(103.9) == MAIN and transition.state_at(104.0) == "yyrr"
    assert transition.reached == 110.0


def _plan_then_transition(switch_at: float, target: str) -> list[tuple[float, str]]:
    """The plan up to `switch_at`, then a controller transition to `target`, then `target` held."""
    program = RULES.program
    history = [(t, state) for t, state in plan_timeline(cycles=8) if t <= switch_at]
    index, _, _ = program.phase_at(switch_at)
    clock = SignalClock(program, switch_at, program.phases[index].state)
    transition = build_transition(switch_at, clock, target, RULES, step=1.0)
    return history + list(transition.schedule) + [(transition.reached + 60, target)]


@settings(max_examples=300, deadline=None)
@given(st.integers(100, 600), st.sampled_from([MAIN, SIDE, "Grrr", "rrGr"]))
def test_every_transition_from_any_plan_moment_passes_the_monitor(switch_at: int, target: str) -> None:
    assert check_signal(MONITOR, _plan_then_transition(float(switch_at), target)) == []
