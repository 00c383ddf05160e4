"""The preemption state machine driven by hand-made observations (no simulation).

Uses the static data of a generated arterial (programs, links, foes) and feeds the
controller snapshots, so arbitration, lockout, cancel and maximum presence are checked
without depending on traffic.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from signalprio.control.preemption import Preemption, PreemptionParameters
from signalprio.control.types import EngineView, Observation, SetSignalState, SignalAhead, SignalView
from signalprio.model.network import Network
from signalprio.run import safety_rules
from signalprio.sumo.loader import load_network

THROUGH, SIDE_THROUGH = 1, 9  # inbound through, side-street through at J1 (conflicting)


@pytest.fixture(scope="module")
def network(empty_arterial: Path) -> Network:
    return load_network(empty_arterial / "arterial.net.xml")


def controller(network: Network, empty_arterial: Path, **overrides: object) -> Preemption:
    parameters = PreemptionParameters(trigger="local", **overrides)  # type: ignore[arg-type]
    return Preemption(network, safety_rules(empty_arterial / "arterial.net.xml", 5.0), parameters)


def engine(unit: str, link: int, distance: float, importance: int = 10, vehicle: str = "") -> EngineView:
    return EngineView(id=vehicle or f"{unit}_1", unit=unit, speed=10.0, desired_speed=10.0, accel=1.0,
                      signals_ahead=(SignalAhead("J1", link, distance),), importance=importance)


def observe(network: Network, time: float, engines: list[EngineView], shown: str | None = None) -> Observation:
    program = network.signals["J1"].program
    phase, _, end = program.phase_at(time)
    state = shown or program.phases[phase].state
    return Observation(time, 1.0, tuple(engines), {"J1": SignalView("J1", state, "plan", end, phase)})


def run(ctrl: Preemption, network: Network, start: float, steps: int, engines_at) -> list[str]:  # type: ignore[no-untyped-def]
    """Step the controller, feeding back the state it set; returns the states shown."""
    shown: str | None = None
    states = []
    for k in range(steps):
        t = start + k
        obs = observe(network, t, engines_at(t), shown)
        for command in ctrl.decide(obs):
            if isinstance(command, SetSignalState):
                shown = command.state
        states.append(shown or obs.signals["J1"].state)
    return states


def granted(ctrl: Preemption) -> list[str]:
    return [e.unit for e in ctrl.events if e.event == "granted"]


def test_more_important_unit_is_served_first(network: Network, empty_arterial: Path) -> None:
    ctrl = controller(network, empty_arterial)
    run(ctrl, network, 100, 3, lambda t: [engine("A", THROUGH, 200), engine("B", SIDE_THROUGH, 200, importance=12)])
    assert granted(ctrl) == ["B"]
    waiting = [m for m in ctrl.messages if m["kind"] == "watchOtherTraffic"]
    assert [m["unit"] for m in waiting] == ["A"]


def test_equal_importance_goes_to_the_earliest_arrival(network: Network, empty_arterial: Path) -> None:
    ctrl = controller(network, empty_arterial)
    run(ctrl, network, 100, 3, lambda t: [engine("A", THROUGH, 240), engine("B", SIDE_THROUGH, 120)])
    assert granted(ctrl) == ["B"]


def test_equal_importance_never_displaces_a_granted_unit(network: Network, empty_arterial: Path) -> None:
    ctrl = controller(network, empty_arterial)
    run(ctrl, network, 100, 40,
        lambda t: [engine("A", THROUGH, 240)] + ([engine("B", SIDE_THROUGH, 10)] if t > 105 else []))
    assert granted(ctrl) == ["A"]


def test_more_important_unit_displaces_only_after_the_lockout(network: Network, empty_arterial: Path) -> None:
    ctrl = controller(network, empty_arterial, lockout_s=10.0)
    run(ctrl, network, 100, 30, lambda t: [engine("A", THROUGH, 240)]
        + ([engine("B", SIDE_THROUGH, 100, importance=13)] if t >= 103 else []))
    displaced = [e for e in ctrl.events if e.event == "displaced"]
    assert granted(ctrl) == ["A", "B"] and displaced and displaced[0].time >= 110


def test_vanished_engine_releases_the_hold_within_one_step(network: Network, empty_arterial: Path) -> None:
    ctrl = controller(network, empty_arterial)
    run(ctrl, network, 100, 30, lambda t: [engine("A", THROUGH, 200)] if t < 120 else [])
    events = {(e.event, e.time) for e in ctrl.events}
    assert ("cancel", 120) in events and ("checkout", 120) in events


def test_unit_that_never_arrives_is_released_at_max_presence_and_locked(network: Network, empty_arterial: Path) -> None:
    ctrl = controller(network, empty_arterial, max_presence_s=30.0)
    run(ctrl, network, 100, 60, lambda t: [engine("A", THROUGH, 200)])
    kinds = [e.event for e in ctrl.events]
    assert kinds.count("granted") == 1 and "max_presence" in kinds
    assert any(m["kind"] == "maxPresence" for m in ctrl.messages)


def test_whole_unit_is_held_until_its_last_vehicle_passes(network: Network, empty_arterial: Path) -> None:
    ctrl = controller(network, empty_arterial)

    def unit_at(t: float) -> list[EngineView]:
        first = [engine("A", THROUGH, max(200 - 10 * (t - 100), 5), vehicle="A_1")] if t < 120 else []
        second = [engine("A", THROUGH, max(260 - 10 * (t - 100), 5), vehicle="A_2")] if t < 126 else []
        return first + second

    states = run(ctrl, network, 100, 40, unit_at)
    checkout = [e.time for e in ctrl.events if e.event == "checkout"]
    assert granted(ctrl) == ["A"] and checkout == [126]
    assert all(states[k][THROUGH] in "Gg" for k in range(10, 26))  # green throughout, both vehicles


def test_srm_and_ssm_messages_carry_the_request_fields(network: Network, empty_arterial: Path) -> None:
    ctrl = controller(network, empty_arterial)
    run(ctrl, network, 100, 5, lambda t: [engine("A", THROUGH, 200 - 10 * (t - 100))] if t < 103 else [])
    kinds = [(m["message"], m["kind"]) for m in ctrl.messages]
    assert kinds[:2] == [("SRM", "request"), ("SSM", "processing")]
    assert ("SSM", "granted") in kinds and ("SRM", "cancel") in kinds
    first = ctrl.messages[0]
    assert first["inbound_lane"] == "fwd_0_pocket_0" and first["outbound_lane"] == "fwd_1_0"
    assert first["role"] == "fire" and first["importance"] == 10 and first["arrival_time_s"] == pytest.approx(120)


def test_clock_is_seeded_afresh_after_steps_the_controller_did_not_see(network: Network, empty_arterial: Path) -> None:
    """A green seen before and after a gap may be a new green: it is timed from the plan again, so its
    minimum green is honoured (the run fast-forwards while nothing is to be done)."""
    ctrl = controller(network, empty_arterial)
    program = network.signals["J1"].program
    seen = program.offset + program.cycle + 10.0  # ten seconds into the main green
    assert program.link_green_start(THROUGH, seen) == seen - 10
    ctrl.decide(observe(network, seen, []))
    next_green = program.next_green_start(THROUGH, seen)
    assert next_green is not None
    ctrl.decide(observe(network, next_green + 1, []))  # green again, after a red the controller never saw
    assert ctrl._controls["J1"].clock.links[THROUGH].green_since == next_green


def test_unit_released_at_max_presence_is_served_again_after_the_reservice_interval(
        network: Network, empty_arterial: Path) -> None:
    """A unit held up elsewhere is not refused for good: the others get `reservice_after_s`, then it may preempt."""
    ctrl = controller(network, empty_arterial, max_presence_s=30.0, reservice_after_s=40.0)
    run(ctrl, network, 100, 150, lambda t: [engine("A", THROUGH, 200)])
    grants = [e.time for e in ctrl.events if e.event == "granted"]
    released = [e.time for e in ctrl.events if e.event == "max_presence"]
    assert grants[:2] == [100, released[0] + 40.0]  # served again exactly when the interval ends, not before
    assert all(later - earlier >= 30.0 + 40.0 for earlier, later in pairwise(grants))


def test_hold_serves_the_engines_whole_approach_and_stops_what_conflicts(
        network: Network, empty_arterial: Path) -> None:
    """The held state gives green to every protected movement of the engine's approach (the queue in front of
    it must move) and red to every link in conflict with them; it never shows conflicting greens."""
    ctrl = controller(network, empty_arterial)
    states = run(ctrl, network, 100, 40,
                 lambda t: [engine("A", THROUGH, max(300 - 10 * (t - 100), 5))] if t < 130 else [])
    signal = network.signals["J1"]
    edge = signal.approach_edge(THROUGH)
    approach = {link.index for link in signal.links if signal.approach_edge(link.index) == edge
                and link.index in signal.program.protected_links}
    held = next(s for s in states if all(s[i] == "G" for i in approach))
    assert all(held[i] == "r" for i in range(len(held)) if any((i, a) in signal.foes for a in approach))
    # foes green together only as the program itself shows them (a permissive turn beside a protected stream)
    assert all((i, j) in signal.program.compatible for i, j in signal.foes if held[i] in "Gg" and held[j] in "Gg")
