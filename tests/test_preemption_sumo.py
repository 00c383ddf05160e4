"""Preemption behaviour in real SUMO: several units, every trigger, every recovery mode."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import signalprio.run
from signalprio.dispatch import Dispatch
from signalprio.experiment import load_experiment
from signalprio.monitor import check_record
from signalprio.pipeline import plan_incidents, run_experiment
from signalprio.run import execute_run
from signalprio.runner import executor_for
from signalprio.runs import RunSpec
from signalprio.sumo.loader import load_network
from tests.conftest import REPO, write_experiment

pytestmark = pytest.mark.sumo


def _spec(tmp_path: Path, scenario: Path, body: str, backend: str, strategy: str) -> RunSpec:
    loaded = load_experiment(write_experiment(tmp_path, scenario, body + '\n[dispatch]\nstages = [["HLF"]]\n'
                                              f'[simulation]\nbackend = "{backend}"\nhorizon_s = 500\n'))
    return RunSpec(loaded, plan_incidents(loaded)[0], 1, strategy)


def test_two_units_on_conflicting_approaches_are_served_one_after_the_other(tmp_path: Path, empty_arterial: Path,
                                                                            backend: str) -> None:
    spec = _spec(tmp_path, empty_arterial, 'strategies = ["green-wave"]\nseeds = [1]\n[incidents]\ncount = 1\n'
                 'alarm_from_s = 100\nalarm_to_s = 100\n', backend, "green-wave")
    # unit A along the arterial through J2 (800 m ahead); unit B across J2 from its side street
    along = Dispatch("A", "HLF", "fwd_0", "fwd_4", 100, 5, 100)
    across = Dispatch("B", "HLF", "J2_r_in", "J2_l_out", 128, 5, 100)
    result = execute_run(RunSpec(spec.experiment, spec.incident, 1, "green-wave", dispatches=(along, across)))
    assert all(trip["arrived"] for trip in result.trips)
    assert result.violations == []
    at_j2 = [m for m in result.requests if m["signal_id"] == "J2"]
    grants = [(m["unit"], m["time"]) for m in at_j2 if m["kind"] == "granted"]
    assert sorted(unit for unit, _ in grants) == ["A", "B"]
    waited = {m["unit"] for m in at_j2 if m["kind"] == "watchOtherTraffic"}
    assert len(waited) == 1
    first, second = sorted(grants, key=lambda g: g[1])
    checkout = min(e["time"] for e in result.preemptions
                   if e["signal_id"] == "J2" and e["event"] == "checkout" and e["unit"] == first[0])
    assert second[1] >= checkout


@pytest.mark.parametrize("trigger", ["local", "eta", "green-wave"])
def test_every_trigger_is_safe_and_helps_on_a_congested_arterial(tmp_path: Path, congested_arterial: Path,
                                                                 backend: str, trigger: str) -> None:
    body = f'strategies = ["none", "{trigger}"]\nseeds = [1]\n[incidents]\ncount = 1\n'
    none = execute_run(_spec(tmp_path, congested_arterial, body, backend, "none"))
    preempted = execute_run(_spec(tmp_path, congested_arterial, body, backend, trigger))
    assert preempted.violations == []
    assert preempted.trips[0]["driving_s"] < none.trips[0]["driving_s"]


@pytest.mark.parametrize("recovery", ["dwell", "short-way", "smooth"])
def test_recovery_returns_every_signal_in_step_with_its_plan(tmp_path: Path, congested_arterial: Path, backend: str,
                                                            recovery: str, monkeypatch: pytest.MonkeyPatch) -> None:
    kept: list[tuple[float, str, str]] = []

    def keep(rules, records):  # type: ignore[no-untyped-def]
        kept.extend(records)
        return check_record(rules, kept)

    monkeypatch.setattr(signalprio.run, "check_record", keep)
    body = (f'strategies = [{{ name = "gw", trigger = "green-wave", recovery = "{recovery}" }}]\nseeds = [1]\n'
            '[incidents]\ncount = 1\n')
    spec = _spec(tmp_path, congested_arterial, body, backend, "gw")
    result = execute_run(spec)
    assert result.violations == []
    resumed = {e["signal_id"]: e for e in result.preemptions if e["event"] == "resumed"}
    granted = {e["signal_id"] for e in result.preemptions if e["event"] == "granted"}
    assert resumed and set(resumed) == granted
    programs = load_network(congested_arterial / "arterial.net.xml").signals
    end = spec.incident.alarm_s + 500
    for time, signal_id, state in kept:
        if signal_id in resumed and resumed[signal_id]["time"] < time < end - 1:
            program = programs[signal_id].program
            assert state == program.phases[program.phase_at(time)[0]].state, (signal_id, time)
    if recovery == "smooth":
        assert max(e["detail"] for e in resumed.values()) > 0


def test_real_osm_network_with_actuated_signals_and_generated_demand(tmp_path: Path, backend: str) -> None:
    """Berlin-Adlershof from the SUMO wheel: any network with signals works, safely."""
    loaded = load_experiment(write_experiment(
        tmp_path, REPO / "networks" / "berlin-adlershof",
        'strategies = ["none", "green-wave"]\nseeds = [1]\n'
        '[incidents]\ncount = 1\nalarm_from_s = 300\nalarm_to_s = 300\n'
        f'[dispatch]\nstages = [["HLF"]]\n[simulation]\nbackend = "{backend}"\nhorizon_s = 480\n'))
    assert {s.program.kind for s in load_network(loaded.scenario.network_path()).signals.values()} == {"actuated"}
    results = {name: execute_run(RunSpec(loaded, plan_incidents(loaded)[0], 1, name))
               for name in ("none", "green-wave")}
    for result in results.values():
        assert result.violations == [] and result.trips[0]["arrived"]
    assert results["green-wave"].trips[0]["signals_passed"] >= 5
    assert results["green-wave"].trips[0]["driving_s"] < results["none"].trips[0]["driving_s"]


def test_without_priority_no_engine_waits_behind_a_junction_that_blocks_itself() -> None:
    """Berlin-Adlershof, the large signal cluster on the engines' way: vehicles inside it (left turners waiting for
    oncoming traffic, one held between two stop lines of the joined signal) stood until the horizon, the engines
    at the stop line with them; four of six no-priority runs of experiments/berlin-adlershof.toml failed (three
    did not arrive). Vehicles on the cluster's own internal lanes are never held, and one the engine waits for that
    stands inside clears the junction: every engine arrives, and none collides."""
    loaded = load_experiment(REPO / "experiments" / "berlin-adlershof.toml")
    incidents = tuple(i for i in plan_incidents(loaded) if i.id in ("i002", "i004", "i006"))
    only = loaded.experiment.model_copy(update={"strategies": [loaded.experiment.strategy("none")],
                                                "name": "berlin-blocked"})
    with executor_for(2) as pool:
        result = run_experiment(dataclasses.replace(loaded, experiment=only, given_incidents=incidents), pool)
    runs = result.frames["runs"]
    assert result.failed == [] and len(runs) == 9
    assert runs["arrived"].all() and (runs["collisions"] == 0).all() and not runs["teleported"].any()


def test_without_priority_a_car_standing_in_a_junction_upstream_is_held_not_waited_for() -> None:
    """mannheim-stations, today's stations, no priority, i019: behind traffic held for the ELW, two cars stood on
    the internal lane of the node where a turn pocket begins, upstream of the signal at the exit of Feuerwache
    Nord. Counted as committed, they were waited for until the horizon, and the HLF and DLK never left the exit.
    Held like any other car, they no longer keep the engines: every engine arrives, and none collides."""
    loaded = load_experiment(REPO / "experiments" / "mannheim-stations.toml")
    incidents = tuple(i for i in plan_incidents(loaded) if i.id == "i019")
    only = loaded.experiment.model_copy(update={"strategies": [loaded.experiment.strategy("none")],
                                                "layouts": ["Ist-Zustand"], "name": "mannheim-upstream"})
    with executor_for(1) as pool:
        result = run_experiment(dataclasses.replace(loaded, experiment=only, given_incidents=incidents), pool)
    runs = result.frames["runs"]
    assert result.failed == [] and len(runs) == 3
    assert runs["arrived"].all() and (runs["collisions"] == 0).all() and not runs["teleported"].any()
