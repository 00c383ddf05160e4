"""Verification against known answers of traffic-flow theory, in UXsim's manner.

Each test names the analytic result it checks and the tolerance it allows, with the reason.
They use real SUMO on small synthetic arterials: the simulator and signalprio's models of it
(the plan clock, queue clearance, arrival prediction) must agree with the theory.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from signalprio.build.arterial import ArterialParameters, build_arterial
from signalprio.control.parameters import PreemptionParameters
from signalprio.control.timing import queue_clearance, travel_time
from signalprio.experiment import load_experiment
from signalprio.pipeline import run_experiment
from signalprio.runner import executor_for
from signalprio.sumo.loader import load_network
from signalprio.sumo.session import SumoSession
from tests.conftest import write_experiment

pytestmark = pytest.mark.sumo

ENGINE_KMH = 60.0  # an HLF's free speed on a 50 km/h arterial: speed factor 1.2 (signalprio/data/fire_vehicles.toml)
ACCEL = 1.1  # the HLF's acceleration (m/s2, same file)


def _green_wave_arterial(folder: Path, design_kmh: float) -> Path:
    """Four fixed-time signals 300 m apart, no other traffic, offsets for a platoon at `design_kmh`."""
    return build_arterial(folder, ArterialParameters(intersections=4, spacing_m=300, progression_kmh=design_kmh,
                                                     forward_veh_h=0, backward_veh_h=0, side_veh_h=0))


def _time_lost_after_first_signal(tmp_path: Path, scenario: Path, backend: str) -> list[list[float]]:
    """Time lost (s) at each signal after the first, without priority, for engines predicted to meet the first
    signal at least 10 s inside its main green (band edges depend on how SUMO's drivers treat yellow)."""
    network = load_network(scenario / "arterial.net.xml")
    program = network.signals["J1"].program
    main = max(range(len(program.phases)), key=lambda i: program.phases[i].duration)
    head = 'strategies = ["none"]\nseeds = [1]\n[dispatch]\nstages = [["HLF"]]\n'
    loaded = load_experiment(write_experiment(tmp_path, scenario, head))
    turnout = loaded.plan.turnout_s["career"]
    to_stop_line = 300 - loaded.scenario.stations[0].position_m
    drive = travel_time(to_stop_line, 0.0, ENGINE_KMH / 3.6, ACCEL)
    alarms = [a for a in range(100, 200, 4)
              if all(program.phase_at(a + turnout + drive + d)[0] == main for d in (-10, 0, 10))]
    (tmp_path / "incidents.csv").write_text("id,edge,position_m,alarm_s\n"
                                            + "".join(f"i{a},fwd_4,100,{a}\n" for a in alarms))
    body = head + f'[incidents]\ncsv = "incidents.csv"\n[simulation]\nbackend = "{backend}"\nhorizon_s = 480\n'
    loaded = load_experiment(write_experiment(tmp_path, scenario, body))
    with executor_for(jobs=1) as pool:
        results = run_experiment(loaded, pool)
    assert not results.failed and alarms, "no alarm puts the engine inside the first signal's green"
    signals = results.frames["signals"].sort_values(["incident", "order"])
    return [run["time_lost_s"].tolist()[1:] for _, run in signals.groupby("incident")]


def test_green_wave_at_the_design_speed_costs_no_time_after_the_first_signal(tmp_path: Path, backend: str) -> None:
    """Offsets of distance / design speed: a vehicle at the design speed that meets the first signal in green meets
    every later one in green. Tolerance 0.5 s per signal: SUMO's 1 s step and the rounding of offsets to seconds."""
    clean = _time_lost_after_first_signal(tmp_path, _green_wave_arterial(tmp_path / "net", ENGINE_KMH), backend)
    assert all(loss < 0.5 for lost in clean for loss in lost), clean


def test_green_wave_for_another_speed_does_cost_time(tmp_path: Path, backend: str) -> None:
    """The same check fails where the offsets are designed for 30 km/h: the test above can detect a broken wave."""
    clean = _time_lost_after_first_signal(tmp_path, _green_wave_arterial(tmp_path / "net", 30.0), backend)
    assert any(loss > 5.0 for lost in clean for loss in lost), clean


def test_free_road_travel_time_is_length_over_free_speed(tmp_path: Path, backend: str) -> None:
    """On an empty arterial with priority, the drive takes acceleration plus distance at free speed.
    Tolerance 3 %: the prediction ignores SUMO's 1 s step at departure and arrival."""
    scenario = _green_wave_arterial(tmp_path / "net", ENGINE_KMH)
    body = (f'strategies = ["green-wave"]\nseeds = [1]\n[incidents]\ncount = 3\nseed = 5\n'
            f'alarm_from_s = 100\nalarm_to_s = 200\n[dispatch]\nstages = [["HLF"]]\n'
            f'[simulation]\nbackend = "{backend}"\nhorizon_s = 480\n')
    loaded = load_experiment(write_experiment(tmp_path, scenario, body))
    with executor_for(jobs=1) as pool:
        runs = run_experiment(loaded, pool).frames["runs"]
    free = ENGINE_KMH / 3.6
    for trip in runs.itertuples():
        predicted = free / ACCEL + (trip.distance_m - free**2 / (2 * ACCEL)) / free
        assert trip.driving_s == pytest.approx(predicted, rel=0.03), (trip.incident, trip.driving_s, predicted)


def test_queue_discharges_at_saturation_flow_as_the_controller_assumes(tmp_path: Path, backend: str) -> None:
    """n cars queued at a red cross the stop line after a start-up lost time, then one per saturation headway.

    SUMO's default cars discharge at 1.4-2.2 s per car (1,650-2,600 veh/h, the range of field saturation flows).
    The controller times a preemption green by `control.timing.queue_clearance` with 1,800 veh/h and 2 s lost
    time: its estimate must cover the discharge (or the engine meets the back of the queue) without being more
    than 1.6 times it (or the green is held for nothing).
    """
    scenario = _green_wave_arterial(tmp_path / "net", ENGINE_KMH)
    network = load_network(scenario / "arterial.net.xml")
    cars = 10
    routes = tmp_path / "queue.rou.xml"
    routes.write_text(
        '<routes>\n'
        '  <vType id="car" vClass="passenger" lcStrategic="0" lcSpeedGain="0" lcKeepRight="0" lcCooperative="0"/>\n'
        '  <route id="r" edges="fwd_0 fwd_0_pocket fwd_1"/>\n'
        + "".join(f'  <vehicle id="c{i}" type="car" route="r" depart="{2 * i}" departLane="0" '
                  f'departSpeed="max"/>\n' for i in range(cars))
        + "</routes>\n")
    session = SumoSession(backend, network, ["-n", str(network.path), "-r", str(routes), "--no-step-log", "true"],
                          step_s=0.2)
    session.start()
    api = session._api  # test-only: drive one signal by hand and watch the stop line
    signal = network.signals["J1"]
    try:
        api.trafficlight.setRedYellowGreenState("J1", "r" * signal.program.link_count)
        while session.time < 90:
            session.step()
        green_at = session.time
        api.trafficlight.setRedYellowGreenState("J1", "G" * signal.program.link_count)
        crossed: dict[str, float] = {}
        while len(crossed) < cars and session.time < green_at + 120:
            session.step()
            for i in range(cars):
                vehicle = f"c{i}"
                road = api.vehicle.getRoadID(vehicle)
                if vehicle not in crossed and (road.startswith(":J1") or road == "fwd_1"):  # past J1's stop line
                    crossed[vehicle] = session.time
    finally:
        session.close()
    assert len(crossed) == cars, "the queue did not discharge"
    times = sorted(t - green_at for t in crossed.values())
    headway = (times[-1] - times[2]) / (cars - 3)  # past the start-up of the first cars
    assert 1.4 <= headway <= 2.2, times
    p = PreemptionParameters()
    predicted = queue_clearance(cars, p.headway_s, p.start_up_lost_s)
    assert times[-1] <= predicted <= 1.6 * times[-1], (times, predicted)

