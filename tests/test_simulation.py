"""Behaviour that depends on the simulation, checked with real SUMO on small networks."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

import signalprio.run
from signalprio.control.strategies import NoPriority
from signalprio.control.timing import travel_time
from signalprio.control.types import Command, Observation, SetSignalState
from signalprio.experiment import load_experiment
from signalprio.fleet import load_fleet
from signalprio.pipeline import plan_incidents, plan_runs
from signalprio.run import execute_run, safety_rules
from signalprio.runner import execute, executor_for
from signalprio.runs import RunResult, RunSpec
from signalprio.sumo.loader import load_network
from signalprio.sumo.session import SumoSession
from tests.conftest import REPO, write_experiment

pytestmark = pytest.mark.sumo


def _runs(tmp_path: Path, scenario: Path, body: str, backend: str,
          simulation: str = "") -> tuple[list[RunSpec], dict[tuple[str, int, str], RunResult]]:
    loaded = load_experiment(write_experiment(tmp_path, scenario, body + '\n[dispatch]\nstages = [["HLF"]]\n'
                                              f'[simulation]\nbackend = "{backend}"\nhorizon_s = 600\n{simulation}'))
    specs = [RunSpec(loaded, incident, seed, strategy.name) for incident in plan_incidents(loaded)
             for seed in loaded.experiment.seeds for strategy in loaded.experiment.strategies]
    return specs, {(s.incident.id, s.seed, s.strategy): execute_run(s) for s in specs}


def test_foes_come_from_the_junction_and_permissive_lefts_are_allowed(empty_arterial: Path) -> None:
    signal = load_network(empty_arterial / "arterial.net.xml").signals["J1"]
    # link order: inbound right/through/through/left (0-3), outbound (4-7), side right (8-10), side left (11-13)
    assert (1, 9) in signal.foes  # inbound through vs side-street through
    assert (1, 5) not in signal.foes  # opposing throughs do not cross
    rules = safety_rules(empty_arterial / "arterial.net.xml", 5.0)["J1"]
    assert (3, 5) in signal.foes and (3, 5) not in rules.conflicts  # permissive left vs oncoming: in the plan
    assert (1, 9) in rules.conflicts and rules.intergreen_s[(1, 9)] == 6
    assert rules.timing[9].yellow_s == 3 and rules.timing[1].shortest_green_s == 48


def test_plan_model_predicts_what_sumo_shows(empty_arterial: Path, backend: str) -> None:
    """Between steps SUMO reports the phase shown during the step just done; switches due now come next."""
    network = load_network(empty_arterial / "arterial.net.xml")
    session = SumoSession(backend, network, ["-n", str(network.path), "--no-step-log", "true"])
    session.start()
    try:
        mismatches = []
        for _ in range(200):
            session.step()
            for signal_id, signal in network.signals.items():
                shown = session._api.trafficlight.getPhase(signal_id)  # test-only peek at SUMO itself
                if shown != signal.program.phase_at(session.time - 1.0)[0]:
                    mismatches.append((session.time, signal_id))
    finally:
        session.close()
    assert mismatches == []


def test_engine_on_the_mannheim_corridor_arrives_and_is_timed_from_the_alarm(tmp_path: Path, backend: str) -> None:
    _specs, results = _runs(tmp_path, REPO / "networks" / "mannheim",
                            'strategies = ["none"]\nseeds = [1]\n'
                            '[incidents]\ncount = 1\nalarm_from_s = 300\nalarm_to_s = 300\n',
                            backend)
    trip = next(iter(results.values())).trips[0]
    assert trip["arrived"] and trip["alarm_s"] == 300
    assert trip["departed_s"] >= 300 + 60  # turnout before driving
    assert trip["arrival_after_alarm_s"] == trip["arrived_s"] - 300
    assert trip["driving_s"] == trip["arrived_s"] - trip["departed_s"]
    assert trip["distance_m"] > 3000 and trip["signals_passed"] == 10


def test_free_road_with_green_wave_gives_free_flow_travel_time(tmp_path: Path, empty_arterial: Path,
                                                               backend: str) -> None:
    _, results = _runs(tmp_path, empty_arterial, 'strategies = ["green-wave"]\nseeds = [1]\n[incidents]\ncount = 2\n',
                       backend)
    hlf = load_fleet()["HLF"]
    for result in results.values():
        trip = result.trips[0]
        expected = travel_time(trip["distance_m"], 0.0, hlf.desired_speed(13.89), hlf.accel_mps2)
        assert trip["driving_s"] == pytest.approx(expected, rel=0.10)
        assert trip["stops"] == 0


def test_green_wave_shortens_the_drive_on_a_congested_arterial_safely(tmp_path: Path, congested_arterial: Path,
                                                                      backend: str) -> None:
    _specs, results = _runs(tmp_path, congested_arterial,
                            'strategies = ["none", "green-wave"]\nseeds = [1, 2]\n[incidents]\ncount = 2\n', backend)
    driving = {s: [r.trips[0]["driving_s"] for k, r in results.items() if k[2] == s] for s in ("none", "green-wave")}
    savings = [a - b for a, b in zip(driving["none"], driving["green-wave"], strict=True)]
    assert statistics.mean(savings) >= 30, driving  # seconds saved per run, same incidents and seeds
    assert all(s >= 10 for s in savings), driving
    for result in results.values():
        assert result.violations == [], result.violations
    preempted = [r for k, r in results.items() if k[2] == "green-wave"]
    assert all(any(e["event"] == "green" for e in r.preemptions) for r in preempted)


class _UnsafeController(NoPriority):
    """Deliberately broken: jumps straight from the plan's state to an all-green state."""

    def __init__(self, state_length: int) -> None:
        super().__init__()
        self.state = "G" * state_length

    def decide(self, obs: Observation) -> list[Command]:
        return [SetSignalState(signal_id, self.state) for signal_id in obs.signals] if obs.time > 400 else []


@pytest.mark.usefixtures("in_process")
def test_monitor_catches_an_unsafe_controller_in_sumo(tmp_path: Path, congested_arterial: Path, backend: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signalprio.run, "make_controller", lambda *args: _UnsafeController(14))
    _, results = _runs(tmp_path, congested_arterial, 'strategies = ["none"]\nseeds = [1]\n[incidents]\ncount = 1\n'
                       'alarm_from_s = 300\nalarm_to_s = 300\n', backend,
                       'invalid_runs = "keep"\n')  # keep the run's rows: the violations are what this test reads
    result = next(iter(results.values()))
    kinds = {v["kind"] for v in result.violations}
    assert {"conflicting_green", "intergreen"} <= kinds
    assert result.trips[0]["monitor_violations"] == len(result.violations) > 0


def test_same_seed_gives_the_same_rows(tmp_path: Path, congested_arterial: Path, backend: str) -> None:
    body = 'strategies = ["green-wave"]\nseeds = [3]\n[incidents]\ncount = 1\n'
    _, first = _runs(tmp_path, congested_arterial, body, backend)
    _, second = _runs(tmp_path, congested_arterial, body, backend)
    assert first == second


def test_traci_and_libsumo_give_the_same_run(tmp_path: Path, congested_arterial: Path) -> None:
    body = 'strategies = ["green-wave"]\nseeds = [4]\n[incidents]\ncount = 1\n'
    _, via_libsumo = _runs(tmp_path, congested_arterial, body, "libsumo")
    _, via_traci = _runs(tmp_path, congested_arterial, body, "traci")
    assert via_libsumo == via_traci


def test_strategies_start_from_the_same_saved_state(tmp_path: Path, congested_arterial: Path, backend: str) -> None:
    """Common random numbers: until the controller first acts, both strategies see the same traffic."""
    loaded = load_experiment(write_experiment(tmp_path, congested_arterial,
                                              'strategies = ["none", "green-wave"]\nseeds = [5]\n'
                                              '[incidents]\ncount = 1\n[dispatch]\nstages = [["HLF"]]\n'
                                              f'[simulation]\nbackend = "{backend}"\nhorizon_s = 480\n'))
    with executor_for(jobs=1) as pool:
        done, failed = execute(plan_runs(loaded), pool)
    assert failed == []
    by_strategy = {r.key["strategy"]: r for r in done}
    first_command = min(e["time"] for e in by_strategy["green-wave"].preemptions)
    before = {s: [(p["time_s"], p["odometer_m"]) for p in r.trajectories if p["time_s"] <= first_command]
              for s, r in by_strategy.items()}
    assert before["none"] and before["none"] == before["green-wave"]
    assert by_strategy["none"].trips[0]["departed_s"] == by_strategy["green-wave"].trips[0]["departed_s"]
