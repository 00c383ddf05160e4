"""City networks authored from places and roads, station layouts, and the Mannheim stations scenario."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import sumolib

from signalprio.build.demand import random_trips
from signalprio.build.roads import Place, Road, RoadNetworkSpec, StationSite, build_road_network
from signalprio.errors import UserError
from signalprio.experiment import LoadedExperiment, load_experiment
from signalprio.pipeline import plan_incidents
from signalprio.run import execute_run
from signalprio.runs import RunSpec
from tests.conftest import REPO, write_experiment

TOWN = RoadNetworkSpec(
    "town",
    places=(Place("west", -1200, 0), Place("centre", 0, 0), Place("east", 1200, 0),
            Place("north", 0, 900), Place("south", 0, -900)),
    roads=(Road("Main Street", ("west", "centre", "east"), signal_spacing_m=400),
           Road("Bridge Road", ("south", "centre", "north"), signal_spacing_m=0)),
    stations=(StationSite("old", "west", 0, 1), StationSite("new", "centre", 1, 1)),
    districts=(Place("Westend", -600, 0), Place("Eastend", 600, 0)),
)


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    folder = tmp_path_factory.mktemp("town")
    built = build_road_network(TOWN, folder)
    return folder, built


@pytest.mark.sumo
def test_town_has_signals_pockets_side_streets_and_engine_only_station_exits(town: tuple[Path, object]) -> None:
    _folder, built = town
    net = sumolib.net.readNet(str(built.net_file), withPrograms=True)  # type: ignore[attr-defined]
    signals = {tls.getID() for tls in net.getTrafficLights()}
    # two junctions on each half of Main Street, the four-arm crossing in the centre
    assert signals == {"centre", "west_centre_1", "west_centre_2", "centre_east_1", "centre_east_2"}
    assert built.signals == 5  # type: ignore[attr-defined]
    assert net.getEdge("west_centre_1-west_centre_2.pocket").getLaneNumber() == 3  # left-turn lane before a signal
    exit_lane = net.getEdge(built.station_edges["old"]).getLane(0)  # type: ignore[attr-defined]
    assert exit_lane.allows("emergency") and not exit_lane.allows("passenger")
    assert sorted(built.side_streets) == ["Eastend", "Westend"]  # type: ignore[attr-defined]
    assert "west_centre_1-west_centre_1_l" in built.side_streets["Westend"]  # type: ignore[attr-defined]


def _town_scenario(folder: Path, built: object) -> Path:
    edges = built.side_streets  # type: ignore[attr-defined]
    stations = built.station_edges  # type: ignore[attr-defined]
    (folder / "scenario.toml").write_text(
        f'name = "town"\nnetwork = "{built.net_file.name}"\n'  # type: ignore[attr-defined]
        f'incident_edges = ["{edges["Eastend"][-1]}"]\n'
        '[demand]\npeak = { period_s = 4.0 }\n'
        '[station_layouts]\nold = ["Old station"]\nboth = ["Old station", "New station"]\n'
        f'[[stations]]\nname = "Old station"\nedge = "{stations["old"]}"\n'
        f'[[stations]]\nname = "New station"\nedge = "{stations["new"]}"\n')
    return folder


def _town_experiment(town: tuple[Path, object], tmp_path: Path, layouts: str, strategy: str,
                     extra: str = "") -> LoadedExperiment:
    """One HLF to one incident at 200 s in the town, in the given layouts."""
    body = (f'layouts = {layouts}\nstrategies = ["{strategy}"]\nseeds = [1]\n'
            '[incidents]\ncount = 1\nalarm_from_s = 200\nalarm_to_s = 200\n'
            f'[dispatch]\nstages = [["HLF"]]\n[simulation]\nhorizon_s = 480\n{extra}')
    return load_experiment(write_experiment(tmp_path, _town_scenario(*town), body))


@pytest.mark.sumo
def test_each_layout_dispatches_from_its_own_stations(town: tuple[Path, object], tmp_path: Path) -> None:
    loaded = _town_experiment(town, tmp_path, '["old", "both"]', "none")
    incident = plan_incidents(loaded)[0]
    trips = {layout: execute_run(RunSpec(loaded, incident, 1, "none", layout)).trips[0] for layout in loaded.layouts()}
    assert trips["old"]["station"] == "Old station" and trips["both"]["station"] == "New station"
    assert trips["both"]["driving_s"] < trips["old"]["driving_s"]


def test_unknown_layout_names_file_and_field(tmp_path: Path) -> None:
    path = write_experiment(tmp_path, REPO / "networks" / "mannheim-city",
                            'layouts = ["tomorrow"]\nstrategies = ["none"]\nseeds = [1]\n')
    with pytest.raises(UserError, match=r"test.toml: field 'layouts': unknown station layout 'tomorrow'"):
        load_experiment(path)


def test_layout_naming_an_unknown_station_is_refused(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario"
    scenario.mkdir()
    (scenario / "net.xml").write_text("<net/>")
    (scenario / "scenario.toml").write_text(
        'name = "x"\nnetwork = "net.xml"\nincident_edges = ["e"]\n[demand]\npeak = { period_s = 1.0 }\n'
        '[station_layouts]\ntoday = ["Nowhere"]\n[[stations]]\nname = "Somewhere"\nedge = "e"\n')
    path = write_experiment(tmp_path, scenario, 'strategies = ["none"]\nseeds = [1]\n')
    with pytest.raises(UserError, match=r"station_layouts.today: unknown station 'Nowhere'"):
        load_experiment(path)


@pytest.mark.sumo
def test_random_trips_leave_nothing_in_the_working_folder(town: tuple[Path, object], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "cache"))  # an empty cache: the tool really runs
    (tmp_path / "cache").mkdir()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    trips = random_trips(town[1].net_file, 5.0, 5.0, 300.0, 7)  # type: ignore[attr-defined]
    assert trips.is_file() and os.listdir(work) == []


def test_mannheim_stations_experiment_reaches_every_incident_edge_from_every_layout() -> None:
    from signalprio.dispatch import TravelTimes
    from signalprio.pipeline import network
    from signalprio.sumo.loader import load_network

    loaded = load_experiment(REPO / "experiments" / "mannheim-stations.toml")
    network(loaded)
    scenario = loaded.scenario
    assert [len(scenario.layout_stations(layout)) for layout in loaded.layouts()] == [3, 6]
    travel = TravelTimes(load_network(scenario.network_path()))
    for layout in loaded.layouts():
        stations = scenario.layout_stations(layout)
        for edge in scenario.incident_edges:
            assert min(travel.seconds(s.edge, edge) for s in stations) < 900, (layout, edge)
    assert {i.district for i in plan_incidents(loaded)} == set(scenario.districts)


@pytest.mark.sumo
def test_green_wave_clears_the_station_exit_signal_during_turnout(town: tuple[Path, object], tmp_path: Path) -> None:
    """The unit is known from the alarm: its station's exit signal starts to change before it rolls out."""
    # green from 15 s before arrival: earlier than the engine can leave
    loaded = _town_experiment(town, tmp_path, '["both"]', "green-wave", "[preemption]\nmargin_s = 15\n")
    result = execute_run(RunSpec(loaded, plan_incidents(loaded)[0], 1, "green-wave", "both"))
    trip = result.trips[0]
    assert trip["station"] == "New station" and result.violations == []
    granted = [e for e in result.preemptions if e["signal_id"] == "centre" and e["event"] == "granted"]
    assert granted and granted[0]["time"] <= trip["departed_s"] - 5
    exit_signal = next(row for row in result.signals if row["signal_id"] == "centre")
    assert exit_signal["time_lost_s"] < 6.0  # accelerating from the station only: it never waits


def test_regression_check_refuses_several_layouts(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from signalprio.cli import app

    done = CliRunner().invoke(app, ["regress", str(REPO / "experiments" / "mannheim-stations.toml"),
                                    "--baseline", str(tmp_path / "base.json"), "--update"])
    assert done.exit_code == 2 and "field 'layouts': a regression check runs one station layout" in done.output
    assert not (tmp_path / "base.json").exists()


@pytest.mark.sumo
def test_the_german_report_of_two_layouts_names_the_reference_in_german(town: tuple[Path, object],
                                                                         tmp_path: Path) -> None:
    """The layouts table compares every arm with the first layout without priority: its header reads 'old / ohne
    Vorrang', not the raw 'old/none', and the chosen layout of the charts stands on a line of its own."""
    from typer.testing import CliRunner

    from signalprio.cli import app

    experiment = _town_experiment(town, tmp_path, '["old", "both"]', "none").path
    experiment.write_text(experiment.read_text().replace('strategies = ["none"]', 'strategies = ["none", "green-wave"]')
                          .replace('stages = [["HLF"]]', 'stages = [["ELW", "HLF", "DLK"]]'))
    done = CliRunner().invoke(app, ["run", str(experiment), "--results", str(tmp_path / "results"), "-j", "2"])
    assert done.exit_code == 0, done.output
    report = CliRunner().invoke(app, ["report", str(tmp_path / "results" / "test"), "--lang", "de"])
    assert report.exit_code == 0, report.output
    page = (tmp_path / "results" / "test" / "report" / "index.html").read_text()
    assert "Änderung ggü. old / ohne Vorrang [95 %-KI]" in page and "old/none" not in page
    assert "<br>Diagramme unten für die Wachen: old" in page and "Wachen „old“: Mit der Strategie" in page
