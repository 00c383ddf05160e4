"""Scenarios from OpenStreetMap: a small fixture written by us, and the Heidelberg extract when present."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import sumolib
from typer.testing import CliRunner

from signalprio.build.osm import STOP_EDGE_M, detect_corridors
from signalprio.cli import app
from signalprio.experiment import load_experiment
from signalprio.pipeline import plan_incidents
from signalprio.run import execute_run, network_of
from signalprio.runs import RunSpec
from tests.conftest import REPO, write_experiment

pytestmark = pytest.mark.sumo
FIXTURE = Path(__file__).parent / "data" / "corridor.osm"
HEIDELBERG = REPO.parent / "shared" / "data" / "heidelberg-region.osm.pbf"


def _run_both(tmp_path: Path, scenario: Path) -> dict[str, object]:
    loaded = load_experiment(write_experiment(tmp_path, scenario, (
        'strategies = ["none", "green-wave"]\nseeds = [1]\n'
        '[incidents]\ncount = 1\nalarm_from_s = 300\nalarm_to_s = 300\n'
        '[dispatch]\nstages = [["HLF"]]\n[simulation]\nhorizon_s = 480\n')))
    incident = plan_incidents(loaded)[0]
    return {name: execute_run(RunSpec(loaded, incident, 1, name)) for name in ("none", "green-wave")}


def test_scenario_from_our_osm_fixture_runs_safely(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["network", "from-osm", str(FIXTURE), "--name", "teststadt",
                                    "--out", str(tmp_path / "teststadt")])
    assert done.exit_code == 0, done.output
    assert "Teststrasse" in done.output
    net = sumolib.net.readNet(str(tmp_path / "teststadt" / "teststadt.net.xml"))
    corridors = detect_corridors(tmp_path / "teststadt" / "teststadt.net.xml")
    assert len(corridors[0].signals) == 4 and corridors[0].name == "Teststrasse"
    assert (f"network: {len(net.getEdges())} edges, {len(net.getTrafficLights())} signals, "
            f"{sum(len(c.signals) >= 2 for c in corridors)} corridors") in done.output
    results = _run_both(tmp_path, tmp_path / "teststadt")
    for result in results.values():
        assert result.violations == [] and result.trips[0]["arrived"]  # type: ignore[attr-defined]
        assert result.trips[0]["signals_passed"] == 4  # type: ignore[attr-defined]


def test_bad_osm_input_is_one_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><node id=")
    done = CliRunner().invoke(app, ["network", "from-osm", str(broken), "--name", "x", "--out", str(tmp_path / "x")])
    assert done.exit_code == 2 and "broken.osm" in done.output
    box = CliRunner().invoke(app, ["network", "from-osm", str(FIXTURE), "--name", "x", "--bbox", "8.7,49.4,8.6,49.5"])
    assert box.exit_code == 2 and "west < east" in box.output


@pytest.mark.skipif(not HEIDELBERG.is_file(), reason=f"{HEIDELBERG} is not present (shared data, not in the repo)")
def test_heidelberg_kurfuersten_anlage_corridor(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["network", "from-osm", str(HEIDELBERG), "--name", "heidelberg",
                                    "--bbox", "8.660,49.398,8.700,49.412", "--corridor", "Kurfürsten-Anlage",
                                    "--out", str(tmp_path / "heidelberg")])
    assert done.exit_code == 0, done.output
    results = _run_both(tmp_path, tmp_path / "heidelberg")
    for result in results.values():
        assert result.violations == [] and result.trips[0]["arrived"]  # type: ignore[attr-defined]
    assert results["green-wave"].trips[0]["signals_passed"] >= 3  # type: ignore[attr-defined]


def _osm(path: Path, ways: list[tuple[list[tuple[float, float, bool]], dict[str, str]]]) -> Path:
    """A small OSM file: each way a list of (lat, lon, signal) points and its tags; points at the same place are one
    node (a junction)."""
    root = ET.Element("osm", version="0.6")
    nodes: dict[tuple[float, float], ET.Element] = {}
    for points, _ in ways:
        for lat, lon, signal in points:
            node = nodes.get((lat, lon))
            if node is None:
                node = nodes[(lat, lon)] = ET.SubElement(root, "node", id=str(len(nodes) + 1), version="1",
                                                         lat=str(lat), lon=str(lon))
            if signal and node.find("tag") is None:
                ET.SubElement(node, "tag", k="highway", v="traffic_signals")
    for number, (points, tags) in enumerate(ways):
        way = ET.SubElement(root, "way", id=str(100 + number), version="1")
        for lat, lon, _ in points:
            ET.SubElement(way, "nd", ref=nodes[(lat, lon)].get("id", ""))
        for key, value in tags.items():
            ET.SubElement(way, "tag", k=key, v=value)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path


def _from_osm(source: Path, out: Path, *extra: str) -> object:
    return CliRunner().invoke(app, ["network", "from-osm", str(source), "--name", out.name, "--out", str(out), *extra])


MAIN = {"highway": "primary", "maxspeed": "50", "lanes": "2"}


def test_an_area_with_only_main_roads_keeps_every_signal_and_follows_the_street_across_a_name_change(
        tmp_path: Path) -> None:
    """Like the extract outside Heidelberg: a main road and no side streets, its signals mid-block as far as the map
    shows, and the street changes its name halfway. Every signal is kept (netconvert's urban defaults dropped all
    four as 'simple'), and the corridor runs on across the name change."""
    east = [(49.4, 8.680 + 0.004 * k, k in (1, 2, 4, 5)) for k in range(4)]
    on = [(49.4, 8.680 + 0.004 * k, k in (1, 2, 4, 5)) for k in range(3, 7)]
    source = _osm(tmp_path / "main.osm", [(east, {**MAIN, "name": "Hauptstraße"}),
                                          (on, {**MAIN, "name": "Mannheimer Straße"})])
    done = _from_osm(source, tmp_path / "main")
    assert done.exit_code == 0, done.output  # type: ignore[attr-defined]
    corridors = detect_corridors(tmp_path / "main" / "main.net.xml")
    assert len(corridors[0].signals) == 4  # either direction
    assert corridors[0].name in ("Hauptstraße → Mannheimer Straße", "Mannheimer Straße → Hauptstraße")
    loaded = load_experiment(write_experiment(tmp_path, tmp_path / "main", 'strategies = ["none"]\nseeds = [1]\n'))
    assert loaded.scenario.stations[0].edge == corridors[0].edges[0]


def test_station_and_incident_lie_where_an_engine_can_stop_not_on_a_stub_past_the_last_junction(
        tmp_path: Path) -> None:
    """The street runs on 7 m past its junction with a side street: that stub is too short for a station or an
    incident (an engine stopping there stands in the junction), so the corridor's end there moves to the edge
    before it, whichever way the corridor runs."""
    street = [(49.4, 8.680 + 0.004 * k, k in (1, 2)) for k in range(4)] + [(49.4, 8.6921, False)]
    side = [(49.399, 8.692, False), (49.4, 8.692, False), (49.401, 8.692, False)]
    source = _osm(tmp_path / "stub.osm", [(street, {**MAIN, "name": "Hauptstraße"}),
                                          (side, {"highway": "residential", "name": "Querweg"})])
    done = _from_osm(source, tmp_path / "stub")
    assert done.exit_code == 0, done.output  # type: ignore[attr-defined]
    net_file = tmp_path / "stub" / "stub.net.xml"
    corridor = detect_corridors(net_file)[0]
    net = sumolib.net.readNet(str(net_file))
    stubs = [edge for edge in corridor.edges if net.getEdge(edge).getLength() < STOP_EDGE_M]
    assert stubs and stubs[0] in (corridor.edges[0], corridor.edges[-1])  # the corridor does end on the stub
    scenario = load_experiment(write_experiment(tmp_path, tmp_path / "stub", 'strategies = ["none"]\nseeds = [1]\n'))
    ends = (scenario.scenario.stations[0].edge, scenario.scenario.incident_edges[0])
    assert all(edge in corridor.edges and edge not in stubs for edge in ends), (ends, corridor.edges)


def test_a_dual_carriageway_signal_pair_is_one_signal(tmp_path: Path) -> None:
    """Two one-way carriageways 22 m apart, each with a signal node where a side street crosses both: one signal
    per crossing, and the corridor along one carriageway passes both crossings."""
    crossings = (8.684, 8.690)
    north = [(49.4002, lon, lon in crossings) for lon in (8.700, *reversed(crossings), 8.678)]
    south = [(49.4000, lon, lon in crossings) for lon in (8.678, *crossings, 8.700)]
    sides = [([(49.3990, lon, False), (49.4000, lon, True), (49.4002, lon, True), (49.4012, lon, False)],
              {"highway": "residential", "name": f"Quer {k}"}) for k, lon in enumerate(crossings)]
    source = _osm(tmp_path / "dual.osm", [(south, {**MAIN, "oneway": "yes", "name": "Ring"}),
                                          (north, {**MAIN, "oneway": "yes", "name": "Ring"}), *sides])
    done = _from_osm(source, tmp_path / "dual")
    assert done.exit_code == 0, done.output  # type: ignore[attr-defined]
    signals = network_of(tmp_path / "dual" / "dual.net.xml").signals
    assert len(signals) == 2
    assert len(detect_corridors(tmp_path / "dual" / "dual.net.xml")[0].signals) == 2
    _the_session_knows_which_stop_line_of_a_joined_signal_an_engine_is_crossing(tmp_path / "dual" / "dual.net.xml")


def _the_session_knows_which_stop_line_of_a_joined_signal_an_engine_is_crossing(net_file: Path) -> None:
    """A side street crossing both carriageways passes two stop lines of one signal: on an internal lane the session
    names the link that lane belongs to (SUMO's own link table against sumolib's via lanes), so the engine's
    crossing is of the carriageway it is on (the first stop line's link let cross traffic on the second one
    drive into an engine in Heidelberg)."""
    from signalprio.sumo.session import SumoSession

    network = network_of(net_file)
    vias = {}  # the first internal lane of each signal link, from sumolib
    for tls in sumolib.net.readNet(str(net_file), withPrograms=True, withInternal=True).getTrafficLights():
        for in_lane, out_lane, index in tls.getConnections():
            vias.update({c.getViaLaneID(): (tls.getID(), index) for c in in_lane.getOutgoing()
                         if c.getToLane() == out_lane and c.getViaLaneID()})
    assert len({signal for signal, _ in vias.values()}) == 2 and len(vias) >= 8
    session = SumoSession("libsumo", network, ["-n", str(net_file), "--no-step-log", "true"])
    session.start()
    try:
        for via, (signal_id, index) in vias.items():
            assert session._link_inside(network.signals[signal_id], via, -1) == index, via
        assert session._link_inside(next(iter(network.signals.values())), "not-a-lane", 7) == 7
    finally:
        session.close()



def test_an_area_without_signals_or_roads_is_one_clear_error_and_leaves_no_network(tmp_path: Path) -> None:
    source = _osm(tmp_path / "quiet.osm", [([(49.4, 8.68, False), (49.4, 8.69, False)], {**MAIN, "name": "Feldweg"})])
    done = _from_osm(source, tmp_path / "quiet")
    assert done.exit_code == 2 and "no traffic signals" in done.output  # type: ignore[attr-defined]
    assert not list((tmp_path / "quiet").glob("*.net.xml"))
    empty = _from_osm(source, tmp_path / "empty", "--bbox", "9.0,49.0,9.1,49.1")
    assert empty.exit_code == 2 and "no roads in that area" in empty.output  # type: ignore[attr-defined]


def test_one_signal_and_no_corridor_still_writes_a_scenario_and_says_what_to_edit(tmp_path: Path) -> None:
    source = _osm(tmp_path / "one.osm", [([(49.4, 8.68, False), (49.4, 8.684, True), (49.4, 8.69, False)],
                                          {**MAIN, "name": "Dorfstraße"})])
    done = _from_osm(source, tmp_path / "one")
    assert done.exit_code == 0, done.output  # type: ignore[attr-defined]
    assert "placeholders" in done.output and "signalprio network corridors" in done.output  # type: ignore
    load_experiment(write_experiment(tmp_path, tmp_path / "one", 'strategies = ["none"]\nseeds = [1]\n'))


AREAS = {  # of the shared extract: two where it maps only the main roads, one with every street
    "Mannheim arterials (main roads only)": ("8.45,49.47,8.50,49.50", 20),
    "Kaiserslautern (main roads only)": ("7.74,49.42,7.81,49.46", 6),
    "Heidelberg Bergheim (every street)": ("8.660,49.398,8.700,49.412", 8),
}


@pytest.mark.skipif(not HEIDELBERG.is_file(), reason=f"{HEIDELBERG} is not present (shared data, not in the repo)")
@pytest.mark.parametrize("area", list(AREAS))
def test_areas_of_the_shared_extract_build_and_run(tmp_path: Path, area: str) -> None:
    bbox, corridor_signals = AREAS[area]
    done = _from_osm(HEIDELBERG, tmp_path / "area", "--bbox", bbox)
    assert done.exit_code == 0, done.output  # type: ignore[attr-defined]
    assert len(detect_corridors(tmp_path / "area" / "area.net.xml")[0].signals) >= corridor_signals
    results = _run_both(tmp_path, tmp_path / "area")
    for result in results.values():
        assert result.violations == [] and result.trips[0]["arrived"]  # type: ignore[attr-defined]
