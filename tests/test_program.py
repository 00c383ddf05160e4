"""The plan model: phase lookup with offsets, and the timing rules derived from a program."""

from __future__ import annotations

import pytest

from signalprio.model.program import Phase, SignalProgram
from signalprio.model.safety import SafetyRules
from tests.conftest import TWO_PHASE_FOES, two_phase_program


def test_cycle_position_is_time_minus_offset() -> None:
    program = two_phase_program(offset=22)
    assert program.cycle == 90
    assert program.phase_at(22) == (0, 22, 70)  # main green starts at the offset
    # SUMO showed phase 4 (side green) at t=0, ending at t=16, for this program and offset.
    assert program.phase_at(0) == (4, -14, 16)


def test_green_phase_for_prefers_major_green() -> None:
    program = two_phase_program()
    assert program.green_phase_for(frozenset({0})) == 0
    assert program.green_phase_for(frozenset({2})) == 4


def test_green_phase_for_a_link_never_green_is_an_error() -> None:
    program = SignalProgram("J", "p", "static", 0, (Phase("Gr", 10), Phase("yr", 3)))
    with pytest.raises(ValueError, match="no phase gives green"):
        program.green_phase_for(frozenset({1}))


def test_green_start_and_next_green_follow_the_plan() -> None:
    program = two_phase_program()
    assert program.link_green_start(0, 30) == 0
    assert program.link_green_start(2, 30) is None
    assert program.next_green_start(2, 30) == 54  # 48 + 3 + 2 + 1
    assert program.next_green_start(0, 30) == 90


def test_link_timing_reads_yellow_red_yellow_and_shortest_green() -> None:
    timing = two_phase_program().timing
    assert timing[0].yellow_s == 3 and timing[0].red_yellow_s == 1 and timing[0].shortest_green_s == 48
    assert timing[2].shortest_green_s == 30


def test_intergreen_is_yellow_plus_all_red_plus_red_yellow() -> None:
    rules = SafetyRules.derive(two_phase_program(), TWO_PHASE_FOES, min_green_s=5)
    assert rules.intergreen_s[(0, 2)] == 6
    assert rules.intergreen_s[(2, 0)] == 6
    # a permissive left (link 1, 'g') shown with the through (link 0) is not a conflict
    assert (0, 1) not in rules.conflicts and (0, 2) in rules.conflicts


def test_required_green_never_exceeds_what_the_program_gives() -> None:
    program = SignalProgram("J", "p", "static", 0, (Phase("Gr", 3), Phase("yr", 3), Phase("rG", 30), Phase("ry", 3)))
    rules = SafetyRules.derive(program, frozenset({(0, 1), (1, 0)}), min_green_s=5)
    assert rules.required_green(0) == 3
    assert rules.required_green(1) == 5


def test_minimum_duration_counts_only_when_positive() -> None:
    assert Phase("G", 40, min_duration=-1).shortest == 40
    assert Phase("G", 40, min_duration=5).shortest == 5
    assert Phase("G", 40).shortest == 40


def test_actuated_intergreen_is_that_of_the_shortest_sequence() -> None:
    # link 0 ends, an actuated phase of others (nominal 6 s, minimum 5 s), then link 2 starts
    program = SignalProgram("J", "p", "actuated", 0, (
        Phase("GrG", 20, min_duration=5), Phase("yrG", 3), Phase("rrG", 6, min_duration=5), Phase("rry", 3),
        Phase("rGr", 20, min_duration=5), Phase("ryr", 3),
    ))
    rules = SafetyRules.derive(program, frozenset({(0, 1), (1, 0)}), min_green_s=5)
    assert rules.intergreen_s[(0, 1)] == 3 + 5 + 3


def test_permissive_green_serves_an_engine_only_where_the_link_is_never_protected() -> None:
    """Link 1 turns left: permissive ('g') in the main phase, protected ('G') in its own phase."""
    program = SignalProgram("J", "plan", "static", 0.0, (
        Phase("GgrG", 30, "main, permissive left"), Phase("yyry", 3), Phase("rGrr", 8, "protected left"),
        Phase("ryrr", 3), Phase("rrGr", 20, "side"), Phase("rryr", 3)))
    assert program.serves("GgrG", 0) and not program.serves("GgrG", 1)  # the left turn would wait for gaps
    assert program.serves("rGrr", 1)
    assert program.next_green_start(1, 0.0) == 33.0  # the protected phase, not the permissive one
    side_only = SignalProgram("K", "plan", "static", 0.0, (Phase("Gg", 30), Phase("yy", 3), Phase("rr", 30)))
    assert side_only.serves("Gg", 1)  # never protected: permissive is all the program offers
