"""Right of way on a blue-light run: who stops, who goes, and when the engine may cross a red."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from signalprio.experiment import load_experiment
from signalprio.pipeline import run_experiment
from signalprio.rightofway import (
    CLEAR_AFTER_S,
    PLANNING_DECEL_SHARE,
    ClearJunction,
    EngineAtRed,
    Foe,
    Release,
    RightOfWay,
    SpeedLimit,
    faces_red,
)
from signalprio.run import network_of
from signalprio.runner import executor_for
from tests.conftest import REPO, write_experiment

RED = 10 / 3.6
B = 3.5 * PLANNING_DECEL_SHARE  # the engine's planning deceleration


def _engine(distance: float, foes: tuple[Foe, ...] = (), inside: bool = False) -> EngineAtRed:
    return EngineAtRed("e", "J1", 1, distance, 5.0, 3.5, 16.7, foes, inside)


def _waiting(*foes: Foe, engine_in_junction: bool = False) -> EngineAtRed:
    """The engine standing before the line."""
    return EngineAtRed("e", "J1", 1, 0.5, 0.0, 3.5, 16.7, foes, engine_in_junction=engine_in_junction)


def test_cross_traffic_that_can_stop_is_held_and_the_engine_reaches_the_line_at_the_red_speed() -> None:
    model = RightOfWay(RED, 1.0)
    far = Foe("car", 60.0, 13.9, 4.5, "side")  # needs 21.5 m to stop: it can
    commands = model.decide([_engine(30.0, (far,))], {})
    assert SpeedLimit("car", 0.0) in commands
    engine = next(c for c in commands if isinstance(c, SpeedLimit) and c.vehicle == "e")
    assert engine.speed == pytest.approx(math.sqrt(RED**2 + 2 * B * 29.0))
    assert model.held_total == 1


def test_engine_stops_before_the_line_until_a_committed_vehicle_has_left_the_junction() -> None:
    model = RightOfWay(RED, 1.0)
    close = Foe("car", 8.0, 13.9, 4.5, "side", through=frozenset({":J1_3"}))  # too close to stop: it goes on
    # the session reads the roads of tracked vehicles before the step: a vehicle committed now is not among them
    limit = next(c for c in model.decide([_engine(20.0, (close,))], {}) if c.vehicle == "e")
    assert isinstance(limit, SpeedLimit) and limit.speed == pytest.approx(math.sqrt(2 * B * 19.0))
    inside = next(c for c in model.decide([_engine(10.0, ())], {"car": ":J1_3"}) if c.vehicle == "e")
    assert isinstance(inside, SpeedLimit) and inside.speed == pytest.approx(math.sqrt(2 * B * 9.0))  # still inside
    gone = next(c for c in model.decide([_engine(5.0, ())], {"car": "out"}) if c.vehicle == "e")
    assert isinstance(gone, SpeedLimit) and gone.speed == pytest.approx(math.sqrt(RED**2 + 2 * B * 4.0))


def test_a_committed_vehicle_has_left_once_past_the_junction_not_while_crossing_one_upstream() -> None:
    """On an internal edge of a junction before this one it is still on its way here; on this junction's conflicting
    path it is passing; after that, even in the next junction's internal lanes, it no longer blocks the engine."""
    model = RightOfWay(RED, 1.0)
    close = Foe("car", 8.0, 13.9, 4.5, "side", upstream=frozenset({"before"}), through=frozenset({":J1_3"}))
    model.decide([_engine(30.0, (close,))], {})
    waiting = math.sqrt(2 * B * 19.0)
    upstream = next(c for c in model.decide([_engine(20.0)], {"car": ":J0_1"}) if c.vehicle == "e")
    assert isinstance(upstream, SpeedLimit) and upstream.speed == pytest.approx(waiting)
    passing = next(c for c in model.decide([_engine(20.0)], {"car": ":J1_3"}) if c.vehicle == "e")
    assert isinstance(passing, SpeedLimit) and passing.speed == pytest.approx(waiting)
    onwards = next(c for c in model.decide([_engine(20.0)], {"car": ":J2_5"}) if c.vehicle == "e")
    assert isinstance(onwards, SpeedLimit) and onwards.speed == pytest.approx(math.sqrt(RED**2 + 2 * B * 19.0))


def test_a_committed_vehicle_that_stops_on_its_approach_is_held_and_no_longer_waited_for() -> None:
    """Too close to stop when first seen, it then stopped behind a held car: it is held too, and the engine goes."""
    model = RightOfWay(RED, 1.0)
    model.decide([_engine(30.0, (Foe("car", 8.0, 13.9, 4.5, "side"),))], {})
    commands = model.decide([_engine(20.0, (Foe("car", 6.0, 0.0, 4.5, "side"),))], {"car": "side"})
    assert SpeedLimit("car", 0.0) in commands
    limit = next(c for c in commands if c.vehicle == "e")
    assert isinstance(limit, SpeedLimit) and limit.speed == pytest.approx(math.sqrt(RED**2 + 2 * B * 19.0))
    assert Release("car") in model.decide([], {})


def test_a_limit_never_asks_for_more_than_the_engines_normal_deceleration() -> None:
    """A red seen late: the engine brakes at its deceleration, not to a standstill in one step (SUMO alone may brake
    harder, for a vehicle ahead)."""
    late = EngineAtRed("e", "J1", 1, 3.0, 13.9, 3.5, 16.7, (Foe("car", 8.0, 13.9, 4.5, "side"),))
    limit = next(c for c in RightOfWay(RED, 0.5).decide([late], {"car": "side"}) if c.vehicle == "e")
    assert limit == SpeedLimit("e", pytest.approx(13.9 - 3.5 * 0.5))


def test_yellow_is_red_for_an_engine_that_can_still_stop_and_stays_red_until_it_has_crossed() -> None:
    # 60 km/h with 3.5 m/s2 needs 39.7 m to stop (the line 1 m before it): the HLF of mannheim-year's y00213 was
    # 27 m from the line when its yellow began, and slowing it there brought it in at red
    assert not faces_red("y", 27.0, 16.67, 3.5, handled_as_red=False)
    assert not faces_red("y", 40.0, 16.67, 3.5, handled_as_red=False)
    assert faces_red("y", 41.0, 16.67, 3.5, handled_as_red=False)
    # steered to the line at the red-crossing speed, it can no longer stop 2 m before it: still red, not let go
    assert not faces_red("y", 2.0, 2.78, 3.5, handled_as_red=False)
    assert faces_red("y", 2.0, 2.78, 3.5, handled_as_red=True)
    assert faces_red("r", 2.0, 16.67, 3.5, handled_as_red=False) and faces_red("u", 50.0, 0.0, 3.5, False)
    assert not faces_red("G", 2.0, 2.78, 3.5, handled_as_red=True) and not faces_red("g", 9.0, 5.0, 3.5, True)


def test_cross_traffic_is_seen_on_the_lanes_before_a_short_approach_lane() -> None:
    """Known answer: the regression arterial's turn pockets are 48.8 m long; the main road before them is where cross
    traffic for an engine coming out of a side street must be stopped (on a real network, Heidelberg, a 16 m approach
    lane inside a large junction let a car in at full speed into an engine crossing 64 m of junction)."""
    signal = network_of(REPO / "networks" / "regression" / "arterial.net.xml").signals["J1"]
    assert signal.upstream["fwd_0_pocket_0"][0] == ("fwd_0_0", pytest.approx(48.8))
    assert dict(signal.upstream["bwd_1_pocket_0"])["J2_l_in_0"] == pytest.approx(48.8 + 228.8)


def test_a_committed_vehicle_still_before_the_approach_lane_has_not_left() -> None:
    model = RightOfWay(RED, 1.0)
    fast = Foe("car", 12.0, 13.9, 4.5, "pocket", upstream=frozenset({"main"}))  # too close to stop
    model.decide([_engine(20.0, (fast,))], {"car": "main"})
    waiting = next(c for c in model.decide([_engine(10.0)], {"car": "main"}) if c.vehicle == "e")
    assert isinstance(waiting, SpeedLimit) and waiting.speed == pytest.approx(math.sqrt(2 * B * 9.0))
    gone = next(c for c in model.decide([_engine(5.0)], {"car": "out"}) if c.vehicle == "e")
    assert isinstance(gone, SpeedLimit) and gone.speed > RED


def test_a_vehicle_inside_the_junction_is_never_held() -> None:
    model = RightOfWay(RED, 1.0)
    commands = model.decide([_engine(30.0, (Foe("car", 0.0, 0.0, 0.01, "side", inside=True),))], {"car": ":J1_2_0"})
    assert SpeedLimit("car", 0.0) not in commands


def test_a_vehicle_standing_inside_the_junction_while_the_engine_waits_is_told_to_clear_it() -> None:
    """Berlin-Adlershof: a left turner inside a large junction waited for oncoming traffic that itself waited, and
    the engine waited for the left turner until the horizon. After CLEAR_AFTER_S standing it clears the junction,
    and gives way as before once it has left."""
    model = RightOfWay(RED, 1.0)
    turner = Foe("car", 0.0, 0.0, 0.01, "side", inside=True, through=frozenset({":J1_17"}))
    steps = [model.decide([_waiting(turner)], {"car": ":J1_17"}) for _ in range(int(CLEAR_AFTER_S) + 1)]
    told = [i for i, commands in enumerate(steps) if ClearJunction("car") in commands]
    assert told == [int(CLEAR_AFTER_S) - 1]  # once, after standing CLEAR_AFTER_S
    assert model.cleared_total == 1
    moving = Foe("car", 0.0, 3.0, 0.01, "side", inside=True, through=frozenset({":J1_17"}))
    assert ClearJunction("car", clear=False) not in model.decide([_waiting(moving)], {"car": ":J1_17"})
    left = model.decide([_waiting()], {"car": "out"})
    assert ClearJunction("car", clear=False) in left
    engine = next(c for c in left if isinstance(c, SpeedLimit) and c.vehicle == "e")
    assert engine.speed > 0  # the junction is clear: the engine goes


def test_a_vehicle_that_moves_now_and_then_or_waits_for_an_engine_inside_is_not_told_to_clear() -> None:
    """Standing is counted without interruption; an engine already inside goes on, and those standing wait for
    it: telling them to clear would drive them into it (it did, on Berlin-Adlershof)."""
    model = RightOfWay(RED, 1.0)
    turner = Foe("car", 0.0, 0.0, 0.01, "side", inside=True, through=frozenset({":J1_17"}))
    rolling = Foe("car", 0.0, 0.5, 0.01, "side", inside=True, through=frozenset({":J1_17"}))
    for step in range(3 * int(CLEAR_AFTER_S)):
        commands = model.decide([_waiting(rolling if step % 4 == 3 else turner)], {"car": ":J1_17"})
        assert not any(isinstance(c, ClearJunction) for c in commands)
    inside = RightOfWay(RED, 1.0)
    for _ in range(3 * int(CLEAR_AFTER_S)):
        commands = inside.decide([_engine(0.0, (turner,), inside=True)], {"car": ":J1_17"})
        assert not any(isinstance(c, ClearJunction) for c in commands)


def test_no_vehicle_is_told_to_clear_while_another_engine_is_inside_the_junction() -> None:
    """The default experiment, cautious envelope: the HLF crossed red, the DLK behind it waited before the line
    for a car standing inside, and the car, told to clear the junction, drove into the HLF."""
    model = RightOfWay(RED, 1.0)
    turner = Foe("car", 0.0, 0.0, 0.01, "side", inside=True, through=frozenset({":J1_17"}))
    for _ in range(int(CLEAR_AFTER_S) - 2):  # it has stood a while when the engine ahead enters
        assert not any(isinstance(c, ClearJunction) for c in model.decide([_waiting(turner)], {"car": ":J1_17"}))
    waiting = _waiting(turner, engine_in_junction=True)
    for _ in range(3 * int(CLEAR_AFTER_S)):
        commands = model.decide([waiting], {"car": ":J1_17"})
        assert not any(isinstance(c, ClearJunction) for c in commands)
    # once the engine ahead has left, standing is counted afresh: the car waited for it, not for nothing
    steps = [model.decide([_waiting(turner)], {"car": ":J1_17"}) for _ in range(int(CLEAR_AFTER_S))]
    assert [i for i, commands in enumerate(steps) if ClearJunction("car") in commands] == [int(CLEAR_AFTER_S) - 1]


def test_a_vehicle_standing_on_an_internal_lane_of_another_junction_is_not_told_to_clear() -> None:
    """A committed vehicle inside, but on a way that is not one of the junction's conflicting ones (the session
    lists one between the stop lines of a joined signal so): the junction it stands in is not the one the engine
    waits to cross, so it is not told to clear."""
    model = RightOfWay(RED, 1.0)
    upstream = Foe("car", 40.0, 0.0, 4.5, "side", inside=True, through=frozenset({":J1_17"}))
    for _ in range(3 * int(CLEAR_AFTER_S)):
        commands = model.decide([_waiting(upstream)], {"car": ":J0_3"})
        assert not any(isinstance(c, ClearJunction) for c in commands)


def test_no_vehicle_is_told_to_clear_while_the_engine_still_rolls_towards_the_line() -> None:
    """mannheim-stations, green wave, i008: a car left inside at the end of its green was told to clear while the
    ELW, braking with its normal deceleration, could no longer stop before the line; it rolled in and met the car.
    Only an engine standing before the line lets one clear."""
    model = RightOfWay(RED, 1.0)
    turner = Foe("car", 0.0, 0.0, 0.01, "side", inside=True, through=frozenset({":J1_17"}))
    for _ in range(3 * int(CLEAR_AFTER_S)):
        commands = model.decide([_engine(3.0, (turner,))], {"car": ":J1_17"})
        assert not any(isinstance(c, ClearJunction) for c in commands)
    assert ClearJunction("car") in model.decide([_waiting(turner)], {"car": ":J1_17"})  # it has stood long enough


def test_a_vehicle_clearing_gives_way_again_once_an_engine_is_in_the_junction() -> None:
    model = RightOfWay(RED, 1.0)
    turner = Foe("car", 0.0, 0.0, 0.01, "side", inside=True, through=frozenset({":J1_17"}))
    for _ in range(int(CLEAR_AFTER_S)):
        model.decide([_waiting(turner)], {"car": ":J1_17"})
    clearing = Foe("car", 0.0, 2.0, 0.01, "side", inside=True, through=frozenset({":J1_17"}))
    commands = model.decide([_waiting(clearing, engine_in_junction=True)], {"car": ":J1_17"})
    assert ClearJunction("car", clear=False) in commands
    rolled_in = RightOfWay(RED, 1.0)
    for _ in range(int(CLEAR_AFTER_S)):
        rolled_in.decide([_waiting(turner)], {"car": ":J1_17"})
    assert ClearJunction("car", clear=False) in rolled_in.decide([_engine(0.0, (clearing,), inside=True)],
                                                                 {"car": ":J1_17"})


def test_a_vehicle_told_to_clear_gives_way_again_when_the_crossing_ends() -> None:
    model = RightOfWay(RED, 1.0)
    turner = Foe("car", 0.0, 0.0, 0.01, "side", inside=True, through=frozenset({":J1_17"}))
    for _ in range(int(CLEAR_AFTER_S)):
        model.decide([_waiting(turner)], {"car": ":J1_17"})
    assert model.decide([], {"car": ":J1_17"}) == [ClearJunction("car", clear=False), Release("e")]


def test_engine_crosses_at_the_red_speed_and_releases_everyone_once_it_has_left() -> None:
    model = RightOfWay(RED, 1.0)
    model.decide([_engine(40.0, (Foe("car", 60.0, 13.9, 4.5, "side"),))], {})
    assert model.decide([_engine(0.0, (), inside=True)], {}) == [SpeedLimit("e", RED)]
    assert model.decide([], {}) == [Release("car"), Release("e")]
    assert not model.active()


def test_at_the_next_stop_line_of_a_joined_signal_the_crossing_follows_the_link_and_keeps_who_it_held() -> None:
    """A joined signal (both carriageways of a dual carriageway) has two stop lines in a row: the crossing is of
    the engine's current link (the session looks for that link's cross traffic), the first one's held stay held."""
    model = RightOfWay(RED, 1.0)
    first = EngineAtRed("e", "J1", 3, 10.0, 8.0, 3.5, 16.7, (Foe("car", 30.0, 0.0, 4.5, "side"),))
    model.decide([first], {})
    assert model.crossing("e") == ("J1", 3)
    second = EngineAtRed("e", "J1", 17, 0.0, 8.0, 3.5, 16.7, (Foe("bus", 20.0, 0.0, 4.5, "median"),), inside=True)
    commands = model.decide([second], {})
    assert model.crossing("e") == ("J1", 17) and SpeedLimit("bus", 0.0) in commands and Release("car") not in commands
    assert set(model.decide([], {})) == {Release("car"), Release("bus"), Release("e")}


def test_a_vehicle_held_for_two_engines_of_a_unit_stays_held_until_the_last_has_crossed() -> None:
    """The HLF has crossed and leaves the list; the DLK behind it still faces the red: the car stays stopped (the
    first release of this kind let a car into the DLK on the default corridor, cautious behaviour)."""
    model = RightOfWay(RED, 1.0)
    car = Foe("car", 20.0, 0.0, 4.5, "side")
    hlf = EngineAtRed("hlf", "J1", 1, 5.0, 3.0, 3.5, 16.7, (car,))
    dlk = EngineAtRed("dlk", "J1", 1, 40.0, 9.0, 3.5, 16.7, (car,))
    model.decide([hlf, dlk], {})
    after = model.decide([dlk], {})  # the HLF has left the junction
    assert Release("car") not in after and Release("hlf") in after
    assert Release("car") in model.decide([], {})  # the DLK has crossed too


def _regression_runs(tmp_path: Path, backend: str, reaction_m: float) -> tuple[float, int, list[object], pd.DataFrame]:
    body = (f'strategies = ["none"]\nseeds = [1]\n[incidents]\ncount = 4\nseed = 7\n'
            f'alarm_from_s = 300\nalarm_to_s = 500\n[engine]\nreaction_distance_m = {reaction_m}\n'
            f'[simulation]\nbackend = "{backend}"\nhorizon_s = 540\n')
    path = write_experiment(tmp_path, REPO / "networks" / "regression", body, name=f"r{reaction_m:g}")
    with executor_for(jobs=1) as pool:
        results = run_experiment(load_experiment(path), pool)
    assert results.frames, results.failed
    held = int(results.frames["other_traffic"]["held_for_engines"].sum())
    runs = results.frames["runs"]
    return float(runs["driving_s"].sum()), held, list(results.failed), runs


@pytest.mark.sumo
def test_cross_traffic_yields_to_an_engine_crossing_red_on_a_busy_arterial(tmp_path: Path, backend: str) -> None:
    """Without priority on the regression arterial (busy side streets) engines meet reds. No engine collides,
    teleports or fails to arrive (any of these fails the run); cross traffic that stops from 100 m lets the
    engines through sooner than when it only reacts at 0.5 m (then the engine waits for gaps)."""
    yielding, held, failed, runs = _regression_runs(tmp_path, backend, 100.0)
    assert failed == [] and held > 0
    # any red entered was crossed at about the red-crossing speed (10 km/h; the limit holds per 1-s step, so an
    # engine may cross the line up to about 3 km/h faster within the step it reaches it)
    assert runs["red_entry_speed_max_kmh"].fillna(0).max() <= 10.0 + 3.0
    gaps, held_late, failed_late, _ = _regression_runs(tmp_path, backend, 0.5)
    assert failed_late == [] and held_late == 0
    assert yielding < gaps, (yielding, gaps)


@pytest.mark.sumo
def test_without_priority_the_engine_gets_through_a_two_lane_queue(tmp_path: Path, congested_arterial: Path,
                                                                   backend: str) -> None:
    """Two lanes per direction, 1,900 veh/h inbound: queues at every red. Without priority every engine waits in
    them (it stops), crosses what red it meets at about 10 km/h, collides with nothing and arrives."""
    body = ('strategies = ["none"]\nseeds = [1]\n[incidents]\ncount = 2\nseed = 5\nalarm_from_s = 300\n'
            f'alarm_to_s = 400\n[simulation]\nbackend = "{backend}"\nhorizon_s = 600\n')
    path = write_experiment(tmp_path, congested_arterial, body, name="queue")
    with executor_for(jobs=1) as pool:
        results = run_experiment(load_experiment(path), pool)
    assert results.failed == [] and results.done == 2
    runs = results.frames["runs"]
    assert runs["arrived"].all() and runs["collisions"].sum() == 0 and not runs["teleported"].any()
    assert (runs["stops"] > 0).any()  # it met the queue
    assert runs["reds_entered"].sum() > 0
    assert runs["red_entry_speed_max_kmh"].fillna(0).max() <= 10.0 + 3.0  # per-step limit: see above


@pytest.mark.sumo
def test_an_engine_with_green_waits_until_a_vehicle_left_inside_the_junction_has_cleared_it(
        tmp_path: Path, empty_arterial: Path, backend: str) -> None:
    """A side-street car stands inside J1 (entered on its green, then its signal ended), the engine approaches on
    the arterial's green: it stops before the stop line while the car is inside and crosses once the car has left
    (SUMO alone lets it pass in front of the waiting car, which may then move off into it: a DLK on mannheim-city).
    """
    from signalprio.fleet import load_fleet, vtypes_additional
    from signalprio.sumo.loader import load_network
    from signalprio.sumo.session import EngineSlot, SumoSession

    network = load_network(empty_arterial / "arterial.net.xml")
    signal = network.signals["J1"]
    through, side = signal.link(1), signal.link(9)  # inbound through vs side-street through: foes
    hlf = load_fleet()["HLF"]
    (tmp_path / "fire.add.xml").write_text(vtypes_additional({"HLF": hlf}, 10.0))
    session = SumoSession(backend, network, ["-n", str(network.path), "-a", str(tmp_path / "fire.add.xml"),
                                             "--no-step-log", "true", "--collision.check-junctions", "true"])
    session.start()
    api = session._api  # test-only: stage the car and the signal states directly in SUMO
    try:
        side_edge, approach = side.from_lane.rsplit("_", 1)[0], through.from_lane.rsplit("_", 1)[0]
        api.trafficlight.setRedYellowGreenState("J1", "".join("G" if i == 9 else "r" for i in range(len(signal.links))))
        api.route.add("side", [side_edge, side.to_lane.rsplit("_", 1)[0]])
        length = api.lane.getLength(side.from_lane)
        api.vehicle.add("car", "side", departLane=side.from_lane.rsplit("_", 1)[1], departPos=f"{length - 8:.1f}",
                        departSpeed="5")
        for _ in range(10):
            session.step()
            if api.vehicle.getRoadID("car").startswith(":"):
                api.vehicle.setSpeed("car", 0.0)
                break
        assert api.vehicle.getRoadID("car").startswith(":"), "the car did not get inside the junction"
        api.trafficlight.setRedYellowGreenState("J1", "".join("G" if i == 1 else "r" for i in range(len(signal.links))))
        slot = EngineSlot("engine", "unit", hlf)
        session.add_engine(slot, [approach, through.to_lane.rsplit("_", 1)[0]], session.time, 0.0, 10.0, session.time)
        model, inside_while_car_inside, stopped = RightOfWay(10 / 3.6, 1.0), [], False
        for second in range(200):
            session.step()
            obs = session.observe()
            session.right_of_way(obs, model, 100.0)
            if not slot.active:
                continue
            road, speed = api.vehicle.getRoadID("engine"), api.vehicle.getSpeed("engine")
            car_inside = "car" in api.vehicle.getIDList() and api.vehicle.getRoadID("car").startswith(":")
            if car_inside and road != approach:
                inside_while_car_inside.append(second)
            stopped = stopped or (car_inside and speed < 0.1 and road == approach)
            if stopped and car_inside and second > 60:
                api.vehicle.setSpeed("car", -1.0)  # the car moves off and clears the junction
        assert inside_while_car_inside == [] and stopped
        assert slot.arrived_at is not None  # and then the engine went on
        assert api.simulation.getCollidingVehiclesNumber() == 0
    finally:
        session.close()

