"""Several engine routes in one experiment: a route per incident (incidents file), each from a station, checked
against the network like every other edge."""

from __future__ import annotations

from pathlib import Path

import pytest

from signalprio.experiment import load_experiment
from signalprio.pipeline import plan_incidents
from signalprio.run import execute_run
from signalprio.runs import RunSpec
from tests.conftest import REPO, write_experiment
from tests.test_cli import assert_one_line_error, signalprio

TO_J2_LEFT = "fwd_0 fwd_0_pocket fwd_1 fwd_1_pocket J2_l_out"


def _experiment(tmp_path: Path, rows: str) -> Path:
    (tmp_path / "incidents.csv").write_text("id,edge,position_m,alarm_s,route\n" + rows)
    return write_experiment(tmp_path, REPO / "networks" / "regression", (
        'strategies = ["none"]\nseeds = [1]\n[incidents]\ncsv = "incidents.csv"\n'
        '[dispatch]\nstages = [["HLF"]]\n[simulation]\nhorizon_s = 540\n'))


def test_each_incident_drives_its_own_route_or_the_fastest(tmp_path: Path) -> None:
    """Known answer: the side-street incident is reached over two signals on the given route; the other incident,
    without a route, on the fastest one over all four."""
    loaded = load_experiment(_experiment(tmp_path, f"side,J2_l_out,20,300,{TO_J2_LEFT}\nend,fwd_4,20,300,\n"))
    side, end = plan_incidents(loaded)
    assert side.route == tuple(TO_J2_LEFT.split()) and end.route == ()
    trips = {i.id: execute_run(RunSpec(loaded, i, 1, "none")).trips[0] for i in (side, end)}
    assert trips["side"]["arrived"] and trips["side"]["signals_passed"] == 2
    assert trips["end"]["arrived"] and trips["end"]["signals_passed"] == 4


@pytest.mark.parametrize(("route", "fragments"), [
    ("fwd_1 fwd_1_pocket J2_l_out", ("incidents.csv", "route", "station's edge")),
    ("fwd_0 fwd_0_pocket J1_l_out", ("incidents.csv", "route", "incident's edge")),
    ("fwd_0 fwd_1 fwd_1_pocket J2_l_out", ("incidents.csv", "route", "does not follow")),
    ("fwd_0 nowhere J2_l_out", ("incidents.csv", "route", "unknown edge 'nowhere'")),
])
def test_a_bad_route_is_one_clear_line(tmp_path: Path, route: str, fragments: tuple[str, ...]) -> None:
    path = _experiment(tmp_path, f"side,J2_l_out,20,300,{route}\n")
    assert_one_line_error(signalprio("run", str(path), "--results", str(tmp_path / "r")), *fragments)
