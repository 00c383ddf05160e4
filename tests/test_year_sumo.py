"""A year of incidents end to end: `signalprio year` on two stations of the corridor, a slice extended, resumed,
and on Dask."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from signalprio.cli import app
from tests.conftest import REPO

pytestmark = pytest.mark.sumo

SCENARIO = f"""name = "two-stations"
network = "{REPO / 'networks' / 'mannheim' / 'mannheim.net.xml'}"
incident_edges = ["fwd_10", "ring5_l_out", "ring5_r_out", "ring3_l_out"]
[demand]
peak = ["{REPO / 'networks' / 'mannheim' / 'peak.rou.xml'}"]
[[stations]]
name = "south"
edge = "fwd_0"
position_m = 5.0
[[stations]]
name = "middle"
edge = "nk5_l_in"
position_m = 5.0
"""
# 100,000 incidents a year: one every five minutes, so the units of the nearer station are soon out
YEAR = """name = "year-test"
scenario = "scenario"
strategies = ["none", "green-wave"]
seeds = [1]
plans = ["mannheim-2024"]
[incidents]
alarm_from_s = 600
alarm_to_s = 600
[simulation]
horizon_s = 720
end = "engines-arrived"
area = "around-routes"
[year]
incidents_per_year = 100000
seed = 3
incidents = 4
[year.bands.weekday]
days = "weekday"
from_h = 0
to_h = 24
rate = 1.0
load = "peak"
[year.bands.weekend]
days = "weekend"
from_h = 0
to_h = 24
rate = 1.0
load = "peak"
[year.types.fire]
share = 1.0
vehicles = ["ELW", "HLF", "DLK"]
on_scene_min = 45
"""


def _experiment(tmp_path: Path) -> Path:
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "scenario.toml").write_text(SCENARIO)
    (tmp_path / "year.toml").write_text(YEAR)
    return tmp_path / "year.toml"


def _incidents(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "year-test" / "year" / "year_incidents.parquet")


def test_a_year_slice_extends_resumes_and_gives_the_same_tables_on_dask(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    experiment, runner = _experiment(tmp_path), CliRunner()
    start = runner.invoke(app, ["year", str(experiment), "--results", str(tmp_path / "local"), "-j", "2",
                                "--incidents", "3"])
    assert start.exit_code == 0, start.output
    assert len(_incidents(tmp_path / "local")) == 6  # --incidents 3 in place of the file's 4, in both strategies
    first = runner.invoke(app, ["year", str(experiment), "--results", str(tmp_path / "local"), "-j", "2"])
    assert first.exit_code == 0, first.output
    assert "6 already done" in first.output.replace("\n", " ")  # the slice's runs are the year's first
    incidents = _incidents(tmp_path / "local")
    assert len(incidents) == 8 and set(incidents["status"]) <= {"simulated", "no unit free"}
    assert incidents["farther"].any() or (incidents["missing"] != "").any()  # the nearest units were out
    summary = pd.read_parquet(tmp_path / "local" / "year-test" / "year" / "year_summary.parquet")
    assert list(summary["strategy"]) == ["none", "green-wave"] and summary["settled"].all()
    assert (summary["experiment"] == "year-test").all() and summary["sumo_version"].str.len().gt(0).all()
    again = runner.invoke(app, ["year", str(experiment), "--results", str(tmp_path / "local"), "-j", "2"])
    assert again.exit_code == 0 and " 0 to run" in again.output.replace("\n", " ")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        done = runner.invoke(app, ["year", str(experiment), "--results", str(tmp_path / "dask"),
                                   "--executor", "dask", "--scheduler", cluster.scheduler_address])
        assert done.exit_code == 0, done.output
    pd.testing.assert_frame_equal(incidents, _incidents(tmp_path / "dask"))


def test_an_experiment_without_a_year_is_one_clear_error(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["year", str(REPO / "experiments" / "default.toml"), "--results",
                                    str(tmp_path)])
    assert done.exit_code == 2 and "no [year] section" in done.output and not any(tmp_path.iterdir())


def test_bench_reports_the_cost_of_the_years_runs_to_the_horizon_at_arrival_and_around_the_routes(
        tmp_path: Path) -> None:
    from signalprio.bench import year_run_cost
    from signalprio.experiment import load_experiment

    loaded = load_experiment(_experiment(tmp_path))
    full, early, around, year = year_run_cost(loaded, runs=2)
    assert (full.unit, early.unit, around.unit, year.unit) == ("CPU-s", "CPU-s", "CPU-s", "CPU-h")
    assert 0 < early.value < full.value  # the corridor's engines arrive within 5 of the 12 simulated minutes
    assert year.value == pytest.approx(100_000 * 2 * around.value / 3600)
    assert all("x plain SUMO" in result.detail for result in (full, early, around))
    assert "over 6 engines" in around.detail  # both runs' three engines arrived, in the whole network and around


@pytest.mark.parametrize(("change", "message"), [
    (('load = "peak"\n[year.bands.weekend]', 'load = "night"\n[year.bands.weekend]'),
     "field 'year.bands.weekday.load': the scenario has no traffic load 'night'"),
    (('vehicles = ["ELW", "HLF", "DLK"]', 'vehicles = ["ELW", "TLF"]'),
     "field 'year.types.fire.vehicles': unknown vehicle type 'TLF'"),
])
def test_a_band_or_type_the_scenario_cannot_serve_is_one_clear_error(tmp_path: Path, change: tuple[str, str],
                                                                    message: str) -> None:
    experiment = _experiment(tmp_path)
    experiment.write_text(experiment.read_text().replace(*change))
    done = CliRunner().invoke(app, ["year", str(experiment), "--results", str(tmp_path / "r")])
    assert done.exit_code == 2 and message in done.output.replace("\n", " ") and not (tmp_path / "r").exists()
