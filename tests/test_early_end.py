"""Ending a run once every engine has arrived and every signal is back on its plan: the engines' figures are those of
the run to the horizon (a simulation does not look ahead), other traffic's delay is not measured."""

from __future__ import annotations

from pathlib import Path

import pytest

from signalprio.errors import UserError
from signalprio.experiment import load_experiment
from signalprio.pipeline import plan_incidents
from signalprio.run import execute_run, save_warm_states
from signalprio.runs import RunSpec
from tests.conftest import REPO, write_experiment

pytestmark = pytest.mark.sumo


@pytest.mark.parametrize("strategy", ["none", "green-wave"])
def test_engines_arrive_as_in_the_run_to_the_horizon(tmp_path: Path, strategy: str) -> None:
    runs = {}
    for end in ("horizon", "engines-arrived"):
        loaded = load_experiment(write_experiment(
            tmp_path, REPO / "networks" / "mannheim",
            f'strategies = ["{strategy}"]\nseeds = [1]\nplans = ["mannheim-2024"]\n[incidents]\n'
            'count = 1\nseed = 2024\nalarm_from_s = 600\nalarm_to_s = 600\n'
            f'[simulation]\nhorizon_s = 720\nend = "{end}"\n', name=end))
        runs[end] = execute_run(RunSpec(loaded, plan_incidents(loaded)[0], 1, strategy))
    full, early = runs["horizon"], runs["engines-arrived"]
    assert [t["arrived"] for t in full.trips] == [True, True, True]
    assert early.trips == full.trips and early.signals == full.signals and early.preemptions == full.preemptions
    assert early.violations == full.violations == []
    assert early.trajectories == full.trajectories
    assert full.other_traffic["other_delay_s"] is not None and early.other_traffic["other_delay_s"] is None
    assert len(early.signal_states) <= len(full.signal_states)


def test_a_run_around_the_routes_gives_the_engines_the_times_of_the_whole_network(tmp_path: Path) -> None:
    """Same warm-up, same incident: around the routes the background is cut at the area's edge and re-enters it as
    it did in the warm-up. Chaos (actuated signals, drivers' randomness) keeps the times from being identical; a lost
    or duplicated stream of traffic would move them by far more than the tolerance."""
    runs = {}
    for area in ("network", "around-routes"):
        loaded = load_experiment(write_experiment(
            tmp_path, REPO / "networks" / "mannheim",
            'strategies = ["none"]\nseeds = [1]\nplans = ["mannheim-2024"]\n[incidents]\n'
            'count = 1\nseed = 2024\nalarm_from_s = 600\nalarm_to_s = 600\n'
            f'[simulation]\nhorizon_s = 720\nend = "engines-arrived"\narea = "{area}"\n', name=area))
        incident = plan_incidents(loaded)[0]
        start = save_warm_states(loaded, 1, incident.load, [incident.alarm_s])[incident.alarm_s]
        assert bool(start.passages) == (area == "around-routes")
        runs[area] = execute_run(RunSpec(loaded, incident, 1, "none", warm_state=start))
    whole, around = runs["network"], runs["around-routes"]
    assert [t["arrived"] for t in around.trips] == [True, True, True] and around.violations == []
    for mine, theirs in zip(around.trips, whole.trips, strict=True):
        assert abs(float(mine["driving_s"]) - float(theirs["driving_s"])) <= 0.1 * float(theirs["driving_s"])


def test_a_run_around_the_routes_must_end_at_arrival(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="area = 'around-routes' needs end = 'engines-arrived'"):
        load_experiment(write_experiment(tmp_path, REPO / "networks" / "mannheim",
                                         'strategies = ["none"]\nseeds = [1]\n[simulation]\narea = "around-routes"\n'))
