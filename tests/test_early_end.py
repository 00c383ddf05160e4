"""Ending a run once every engine has arrived and every signal is back on its plan: the engines' figures are those of
the run to the horizon (a simulation does not look ahead), other traffic's delay is not measured."""

from __future__ import annotations

from pathlib import Path

import pytest

from signalprio.errors import UserError
from signalprio.experiment import load_experiment
from signalprio.pipeline import plan_incidents
from signalprio.run import background_args, execute_run, network_of, save_warm_states
from signalprio.runs import RunSpec
from signalprio.sumo.session import SumoSession
from signalprio.zone import area_edges, decode, entering, without_flows
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


def test_around_the_routes_the_traffic_of_the_warm_up_enters_the_area_none_lost_none_twice(tmp_path: Path) -> None:
    """The area around one signal of the corridor, which has flows (no reach upstream, so traffic enters at its
    approaches): over five minutes after the alarm every vehicle that entered an edge of it in the warm-up enters it
    around the routes too, and nothing else does; no vehicle is on the road twice. Timing may differ by seconds."""
    loaded = load_experiment(write_experiment(
        tmp_path, REPO / "networks" / "mannheim",
        'strategies = ["none"]\nseeds = [1]\n[incidents]\ncount = 1\nseed = 2024\nalarm_from_s = 600\n'
        'alarm_to_s = 600\n[simulation]\nend = "engines-arrived"\narea = "around-routes"\n'))
    alarm, window, network = 600.0, 300.0, network_of(loaded.scenario.network_path())
    start = save_warm_states(loaded, 1, loaded.experiment.load, [alarm])[alarm]
    link = next(iter(network.signals.values())).links[0]
    area = area_edges(network, [(link.from_lane.rsplit("_", 1)[0], link.to_lane.rsplit("_", 1)[0])], upstream_m=0.0)
    assert 3 < len(area) < len(network.edge_lengths) / 2
    (tmp_path / "state.xml").write_bytes(without_flows(start.state))
    session = SumoSession("libsumo", network, [*background_args(loaded, 1, loaded.experiment.load, demand=False),
                                               "--load-state", str(tmp_path / "state.xml")])
    session.start()
    api = session._api
    try:
        session.cut_to(area, entering(decode(start.passages), area, alarm, alarm + window))
        inside = {vehicle for vehicle in api.vehicle.getIDList() if api.vehicle.getRoadID(vehicle) in area}
        seen: set[str] = set()
        while session.time < alarm + window:
            session.step()
            running = [v.split("~")[0] for v in api.vehicle.getIDList()]  # a stretch 'v~3' is vehicle v
            assert len(running) == len(set(running))
            seen.update(v.split("~")[0] for edge in area for v in api.edge.getLastStepVehicleIDs(edge))
    finally:
        session.close()

    def warm_up(since: float, until: float) -> set[str]:
        return {p.vehicle for p in decode(start.passages) for e, t in zip(p.edges, p.entered_s, strict=True)
                if e in area and since <= t < until} - inside

    # who entered in the seconds at the window's ends may differ (signals, queues)
    assert warm_up(alarm + 2, alarm + window - 30) <= seen - inside <= warm_up(alarm - 2, alarm + window + 30)
    assert len(seen) > 100
