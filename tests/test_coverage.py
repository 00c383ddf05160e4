"""Coverage maps: traversals from trajectories, the edge-time model, the shortest-path search (known answers), and
the command on an OpenStreetMap scenario, whose GeoJSON a GIS library reads."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from signalprio.cli import app
from signalprio.coverage import Arm, coverage, edge_times, passages, reach_times, shares
from signalprio.model.network import Network

FIXTURE = Path(__file__).parent / "data" / "corridor.osm"


def _trajectory(vehicle: str, steps: list[tuple[float, str]], strategy: str = "none") -> list[dict[str, object]]:
    return [{"layout": "all", "strategy": strategy, "seed": 1, "incident": "i1", "vehicle": vehicle, "time_s": t,
             "odometer_m": 0.0, "speed_mps": 0.0, "edge": edge} for t, edge in steps]


def test_whole_traversals_only_the_station_edge_and_the_incident_edge_are_partial() -> None:
    steps = [(10, "a"), (11, "a"), (12, "b"), (13, "b"), (14, "b"), (15, "c"), (20, "d"), (21, "d")]
    found = passages(pd.DataFrame(_trajectory("hlf", steps)))
    assert found[["edge", "entered_s", "seconds"]].to_dict("records") == [
        {"edge": "b", "entered_s": 12.0, "seconds": 3.0}, {"edge": "c", "entered_s": 15.0, "seconds": 5.0}]


def _network() -> Network:
    """a -> b -> c -> d and a -> e -> d; b ends at a signal; 100 m each at 10 m/s (10 s free flow)."""
    edges = ("a", "b", "c", "d", "e")
    return Network(Path("n.net.xml"), {}, {}, dict.fromkeys(edges, 100.0), dict.fromkeys(edges, 1),
                   dict.fromkeys(edges, 10.0), {"a": frozenset({"b", "e"}), "b": frozenset({"c"}),
                                                "c": frozenset({"d"}), "e": frozenset({"d"})})


def test_unmeasured_edges_are_free_flow_scaled_as_the_measured_ones_plus_the_delay_at_a_stop_line(
        monkeypatch: pytest.MonkeyPatch) -> None:
    network = _network()
    monkeypatch.setattr(Network, "signal_approaches", frozenset({"b", "e"}))
    measured = pd.DataFrame({"edge": ["b", "b", "c", "c"], "seconds": [30.0, 40.0, 14.0, 16.0]})
    times = edge_times(network, measured)
    assert times.speed_ratio == pytest.approx(1.5)  # c: 15 s against 10 s free flow, no signal at its end
    assert times.signal_delay_s == pytest.approx(20.0)  # b: 35 s measured, 15 s of it driving
    assert times.seconds["b"] == 35.0 and times.seconds["c"] == 15.0
    assert times.seconds["e"] == pytest.approx(35.0) and times.seconds["d"] == pytest.approx(15.0)  # modelled
    assert times.measured["b"][0] == 2 and "e" not in times.measured


def test_the_nearest_station_sets_the_arrival_and_unreached_roads_count_as_not_covered() -> None:
    network = _network()
    measured = pd.DataFrame({"edge": ["b", "c", "e"], "seconds": [50.0, 10.0, 10.0]})
    times = edge_times(network, measured)
    reach = reach_times(network, times, [("a", 0.0)])
    assert reach["d"] == pytest.approx(20.0)  # a (10 s) then e (10 s); through b and c would take 70 s
    table = coverage(network, [Arm("all", "none", (("a", 0.0),), 60.0)], {"none": times}, 80.0)
    arrival = table.set_index("edge")["arrival_s"]
    assert arrival["d"] == pytest.approx(60 + 20 + 5) and arrival["c"] == pytest.approx(60 + 60 + 5)
    assert not table.set_index("edge").at["c", "within_limit"]
    shared = shares(table, {"north": ["b", "c"]}, {"north": 1.0}).set_index("scope")["share_within"]
    assert shared["network"] == pytest.approx(3 / 5) and shared["north"] == pytest.approx(0.5)
    assert shared["districts weighted"] == pytest.approx(0.5)


@pytest.mark.sumo
def test_coverage_of_an_openstreetmap_scenario_writes_maps_tables_and_a_geojson_a_gis_library_reads(
        tmp_path: Path) -> None:
    pyogrio = pytest.importorskip("pyogrio")
    runner = CliRunner()
    built = runner.invoke(app, ["network", "from-osm", str(FIXTURE), "--name", "teststadt", "--out",
                                str(tmp_path / "teststadt")])
    assert built.exit_code == 0, built.output
    experiment = tmp_path / "cov.toml"
    experiment.write_text(f'name = "cov"\nscenario = "{tmp_path / "teststadt"}"\n'
                          'strategies = ["none", "green-wave"]\nseeds = [1]\n'
                          '[incidents]\ncount = 3\nalarm_from_s = 300\nalarm_to_s = 400\n'
                          '[dispatch]\nstages = [["ELW", "HLF", "DLK"]]\n[simulation]\nhorizon_s = 480\n')
    results = tmp_path / "results"
    done = runner.invoke(app, ["run", str(experiment), "--results", str(results), "-j", "2"])
    assert done.exit_code == 0, done.output
    mapped = runner.invoke(app, ["coverage", str(experiment), "--results", str(results), "--lang", "en"])
    assert mapped.exit_code == 0, mapped.output
    assert "Road length reached within 8 min" in mapped.output and "How far the map can be trusted" in mapped.output
    out = results / "cov" / "coverage"
    for name in ("all__none.png", "all__green-wave.png", "all__green-wave__saved.png", "coverage.csv",
                 "coverage_validation.parquet"):
        assert (out / name).is_file(), name
    table = pd.read_parquet(out / "coverage.parquet")
    assert set(table["source"]) == {"measured", "model"} and table["experiment_hash"].nunique() == 1
    checked = pd.read_parquet(out / "coverage_validation.parquet")
    assert len(checked) == 6 and checked["error_s"].abs().max() < 120  # 3 incidents x 2 strategies, ~3 min trips
    info = pyogrio.read_info(out / "all__none.geojson", force_total_bounds=True)
    assert info["crs"] == "EPSG:4326" and info["features"] == len(table[table["strategy"] == "none"])
    west, south, east, north = info["total_bounds"]
    assert 8.67 < west < east < 8.71 and 49.39 < south < north < 49.41  # the fixture's own corner points
    report = runner.invoke(app, ["report", str(results / "cov"), "--lang", "de"])
    assert report.exit_code == 0, report.output
    page = (results / "cov" / "report" / "index.html").read_text()
    assert "Abdeckung: Eintreffzeit Stufe 1 im Straßennetz, Grüne Welle" in page and "Abweichung P90 (s)" in page


def test_coverage_of_results_without_route_edges_is_one_clear_error(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["coverage", "regression", "--results", str(tmp_path)])
    assert done.exit_code == 2 and "run an experiment first" in done.output
