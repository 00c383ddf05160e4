"""The RiLSA intergreen matrix: known answers by hand, the binding value on a real junction, and transitions that
honour it (phase skipping only as far as the matrix allows, yellow where the program shows none)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from signalprio.control.clock import SignalClock
from signalprio.control.transition import build_transition
from signalprio.installation import sumo_home
from signalprio.model.intergreen import IntergreenTerms, geometric_intergreens, vwv_yellow_s
from signalprio.model.network import LinkPath
from signalprio.model.program import Phase, SignalProgram
from signalprio.model.safety import SafetyRules
from signalprio.monitor import check_signal
from signalprio.monitor_rules import monitor_rules
from signalprio.run import network_of
from tests.conftest import REPO, TWO_PHASE_FOES, two_phase_program
from tests.test_cli import assert_one_line_error, signalprio

KMH50 = 50 / 3.6
EAST = LinkPath("vehicle", ((0.0, 0.0), (20.0, 0.0)), KMH50)  # straight through, 20 m of junction
NORTH = LinkPath("vehicle", ((10.0, -10.0), (10.0, 10.0)), KMH50)  # crosses EAST 10 m after either stop line
CROSSING = LinkPath("pedestrian", ((4.0, -2.0), (4.0, 10.0)), 0.0)  # 12 m; EAST crosses it 2 m from its start


def test_a_straight_clearing_vehicle_against_a_straight_entering_one() -> None:
    """3 s transit + (10 m + 6 m) / 10 m/s - 10 m / 11.1 m/s = 3.7 s, rounded up to 4 s."""
    terms = geometric_intergreens({0: EAST, 1: NORTH}, frozenset({(0, 1), (1, 0)}))[(0, 1)]
    assert (terms.clearing_path_m, terms.entering_path_m) == pytest.approx((10.0, 10.0))
    assert terms.transit_s == 3.0 and terms.vehicle_length_m == 6.0 and terms.clearing_speed_mps == 10.0
    assert terms.clearing_s - terms.entering_s == pytest.approx(1.6 - 0.9)
    assert terms.intergreen_s == 4.0


def test_pedestrians_clear_from_the_far_kerb_and_enter_from_the_near_one() -> None:
    """Clearing: the farther side of the conflict point (10 m at 1.2 m/s, no transit, no length) less the vehicle's
    4 m entering path at 11.1 m/s: 8.33 - 0.36 = 7.97 -> 8 s. Entering: the nearer side (2 m at 1.5 m/s) after a
    vehicle's 4 m + 6 m at 10 m/s and 3 s transit: 3 + 1.0 - 1.33 = 2.67 -> 3 s."""
    matrix = geometric_intergreens({0: EAST, 1: CROSSING}, frozenset({(0, 1), (1, 0)}))
    walk_clear, car_clear = matrix[(1, 0)], matrix[(0, 1)]
    assert (walk_clear.clearing_path_m, walk_clear.clearing_speed_mps) == pytest.approx((10.0, 1.2))
    assert walk_clear.transit_s == 0.0 and walk_clear.intergreen_s == 8.0
    assert (car_clear.entering_path_m, car_clear.entering_speed_mps) == pytest.approx((2.0, 1.5))
    assert car_clear.intergreen_s == 3.0


def test_a_turning_vehicle_clears_at_seven_metres_a_second_and_faster_roads_have_longer_transit() -> None:
    left = LinkPath("vehicle", ((0.0, 0.0), (8.0, 0.0), (12.0, 4.0), (12.0, 12.0)), 60 / 3.6)
    terms = geometric_intergreens({0: left, 1: NORTH}, frozenset({(0, 1), (1, 0)}))[(0, 1)]
    assert terms.clearing_speed_mps == 7.0 and terms.transit_s == 4.0
    assert [vwv_yellow_s(kmh / 3.6) for kmh in (30, 50, 60, 70, 80)] == [3.0, 3.0, 4.0, 5.0, 5.0]


def test_merging_movements_meet_where_both_paths_end() -> None:
    right = LinkPath("vehicle", ((0.0, 0.0), (20.0, 0.0)), KMH50)
    side = LinkPath("vehicle", ((20.0, -15.0), (20.0, 0.0)), KMH50)  # ends where `right` ends: one target lane
    terms = geometric_intergreens({0: right, 1: side}, frozenset({(0, 1), (1, 0)}))[(0, 1)]
    assert (terms.clearing_path_m, terms.entering_path_m) == pytest.approx((20.0, 15.0))


def test_the_binding_intergreen_is_the_larger_of_program_and_geometry() -> None:
    """The two-phase program gives 6 s between main and side; a wide junction needs more, a narrow one less."""
    wide = {0: LinkPath("vehicle", ((0.0, 0.0), (60.0, 0.0)), KMH50),
            2: LinkPath("vehicle", ((50.0, -5.0), (50.0, 20.0)), KMH50)}
    rules = SafetyRules.derive(two_phase_program(), TWO_PHASE_FOES, 5.0, wide)
    expected = IntergreenTerms(50.0, 10.0, 6.0, 3.0, 5.0, 40 / 3.6).intergreen_s  # 3 + 5.6 - 0.45 -> 9 s
    assert expected == 9.0 and rules.intergreen_s[(0, 2)] == 9.0
    narrow = SafetyRules.derive(two_phase_program(), TWO_PHASE_FOES, 5.0, {0: EAST, 2: NORTH})
    assert narrow.intergreen_s[(0, 2)] == 6.0  # the program's own binds
    assert narrow.intergreen_s[(0, 3)] == 6.0  # no geometry for link 3: the program's alone


def test_a_transition_waits_for_the_geometric_intergreen_and_shows_yellow_where_the_program_has_none() -> None:
    """A program that switches straight from green to red (no yellow) on a 50 km/h road: the controller shows the
    VwV yellow of 3 s, and the side turns green only after the matrix's 9 s."""
    program = SignalProgram("J", "p", "static", 0, (Phase("Gr", 30), Phase("rr", 2), Phase("rG", 30), Phase("rr", 2)))
    wide = {0: LinkPath("vehicle", ((0.0, 0.0), (60.0, 0.0)), KMH50),
            1: LinkPath("vehicle", ((50.0, -5.0), (50.0, 20.0)), KMH50)}
    rules = SafetyRules.derive(program, frozenset({(0, 1), (1, 0)}), 5.0, wide)
    assert rules.yellow(0) == 3.0 and rules.intergreen_s[(0, 1)] == 9.0
    clock = SignalClock(program, 20.0, "Gr")
    transition = build_transition(20.0, clock, "rG", rules, 1.0)
    assert transition.schedule == ((20.0, "yr"), (23.0, "rr"), (29.0, "rG"))
    monitor = monitor_rules(program, frozenset({(0, 1), (1, 0)}), 5.0, wide)
    assert not check_signal(monitor, [(0.0, "Gr"), *transition.schedule])  # the monitor accepts it
    # the same switch after the program's own 2 s: the monitor accepts the plan's transition, not a shorter one
    assert not check_signal(monitor, [(0.0, "Gr"), (30.0, "rr"), (32.0, "rG")])
    assert [v.kind for v in check_signal(monitor, [(0.0, "Gr"), (30.0, "rr"), (31.0, "rG")])] == ["intergreen"]


def test_a_skipped_phase_is_bound_to_the_geometry_not_to_the_plans_short_transitions() -> None:
    """Three phases A -> B -> C with 5 s between each: the plan never switches A straight to C, so a preemption that
    skips B has only the junction's geometry (9 s on this wide junction) to go by; 5 s is a violation."""
    program = SignalProgram("J", "p", "static", 0, (
        Phase("Grr", 20), Phase("yrr", 3), Phase("rrr", 2), Phase("rGr", 20), Phase("ryr", 3), Phase("rrr", 2),
        Phase("rrG", 20), Phase("rry", 3), Phase("rrr", 2)))
    foes = frozenset({(0, 1), (1, 0), (0, 2), (2, 0), (1, 2), (2, 1)})
    wide = {0: LinkPath("vehicle", ((0.0, 0.0), (60.0, 0.0)), KMH50),
            2: LinkPath("vehicle", ((50.0, -5.0), (50.0, 20.0)), KMH50)}
    monitor = monitor_rules(program, foes, 5.0, wide)
    assert not check_signal(monitor, [(0.0, "Grr"), (20.0, "yrr"), (23.0, "rrr"), (25.0, "rGr")])  # the plan's
    skipped = [(0.0, "Grr"), (20.0, "yrr"), (23.0, "rrr"), (25.0, "rrG")]  # B skipped after the plan's 5 s
    assert [v.kind for v in check_signal(monitor, skipped)] == ["intergreen"]
    transition = build_transition(20.0, SignalClock(program, 20.0, "Grr"), "rrG",
                                  SafetyRules.derive(program, foes, 5.0, wide), 1.0)
    # A's green ends at 25 s (minimum green), C's starts 9 s later: the matrix, not the plan's 5 s
    assert transition.schedule == ((20.0, "Grr"), (25.0, "yrr"), (28.0, "rrr"), (34.0, "rrG"))
    assert not check_signal(monitor, [(0.0, "Grr"), *transition.schedule[1:]])


def test_on_a_real_mid_block_pedestrian_signal_pedestrians_get_their_clearance() -> None:
    """Berlin-Adlershof (OSM, in the SUMO wheel): signal 962966189, two through lanes and one crossing. The crossing
    is a signal link with its conflicts, and the vehicles wait for the pedestrians' clearance from the far kerb."""
    signal = network_of(sumo_home() / "tools" / "game" / "DRT" / "osm.net.xml").signals["962966189"]
    assert signal.paths[2].kind == "pedestrian" and {(2, 0), (2, 1)} <= signal.foes
    rules = SafetyRules.derive(signal.program, signal.foes, 5.0, signal.paths)
    crossing = geometric_intergreens(signal.paths, rules.conflicts)[(2, 0)]
    assert crossing.clearing_speed_mps == 1.2 and crossing.clearing_path_m > 3.0
    assert rules.intergreen_s[(2, 0)] >= crossing.intergreen_s >= 3.0


def test_the_intergreens_command_lists_where_geometry_needs_more_and_writes_the_matrix(tmp_path: Path) -> None:
    """Known answer on the shipped corridor: at nine of its ten junctions one left-turn pair needs 7 s by RiLSA
    where the program gives 6 s; a signal the network lacks is one clear line."""
    network = REPO / "networks" / "mannheim" / "mannheim.net.xml"
    done = signalprio("network", "intergreens", str(network), "--csv", str(tmp_path / "m.csv"))
    assert done.returncode == 0, done.stderr
    assert "9 of 600 conflicting pairs shown" in done.stdout
    matrix = pd.read_csv(tmp_path / "m.csv")
    bound = matrix[matrix["rilsa_s"] > matrix["program_s"]]
    assert len(bound) == 9 and set(bound["binding_s"]) == {7.0} and set(bound["program_s"]) == {6.0}
    assert (matrix["binding_s"] == matrix[["program_s", "rilsa_s"]].max(axis=1)).all()
    again = signalprio("network", "intergreens", str(network), "--csv", str(tmp_path / "m.csv"))
    assert_one_line_error(again, "m.csv", "--force")
    assert_one_line_error(signalprio("network", "intergreens", str(network), "--signal", "nope"), "nope", "--signal")


def test_a_preemption_at_a_pedestrian_signal_waits_for_the_pedestrians_and_a_cut_clearance_is_a_violation() -> None:
    """Berlin-Adlershof 962966189, a mid-block pedestrian signal: from the pedestrians' green ('rrG') to the road's
    ('GGr') the controller waits the pedestrians' full clearance; the monitor flags a clearance cut by one second.
    (Before crossings were signal links, neither saw a conflict there: the road turned green at once.)"""
    signal = network_of(sumo_home() / "tools" / "game" / "DRT" / "osm.net.xml").signals["962966189"]
    rules = SafetyRules.derive(signal.program, signal.foes, 5.0, signal.paths)
    monitor = monitor_rules(signal.program, signal.foes, 5.0, signal.paths)
    clearance = rules.intergreen_s[(2, 0)]
    assert clearance >= 5.0 and monitor.intergreen_s[(2, 0)] == clearance
    walking = next(start for start in range(200) if signal.program.phases[signal.program.phase_at(start)[0]].state
                   == "rrG")
    clock = SignalClock(signal.program, float(walking), "rrG")
    transition = build_transition(walking + 10.0, clock, "GGr", rules, 1.0)
    ended = next(t for t, state in transition.schedule if state[2] != "G")
    assert transition.reached - ended >= clearance
    cut = [(0.0, "rrG"), (ended, "rrr"), (ended + clearance - 1.0, "GGr")]
    assert {v.kind for v in check_signal(monitor, cut)} == {"intergreen"}
