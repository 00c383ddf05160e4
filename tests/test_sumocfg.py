"""A scenario from an existing SUMO configuration: its network, routes, additional files and begin; alarm times count
from the begin; bad configurations are one clear line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from signalprio.experiment import load_experiment
from signalprio.pipeline import plan_incidents
from signalprio.run import execute_run
from signalprio.runs import RunSpec
from tests.conftest import REPO, write_experiment
from tests.test_cli import assert_one_line_error, signalprio

BEGIN = 25200  # 7:00, as a city's morning-peak model would start

CONFIG = f"""<?xml version="1.0" encoding="UTF-8"?>
<configuration>
    <input>
        <net-file value="net/arterial.net.xml"/>
        <route-files value="morning.rou.xml"/>
        <additional-files value="markers.add.xml"/>
    </input>
    <time>
        <begin value="{BEGIN}"/>
        <end value="{BEGIN + 3600}"/>
    </time>
    <output>
        <tripinfo-output value="never-written.xml"/>
    </output>
</configuration>
"""


def _model(tmp_path: Path, config: str = CONFIG) -> Path:
    """A traffic engineer's model folder: a configuration whose demand starts at 7:00, with a scenario.toml beside it
    that adds only what signalprio needs (stations, incident edges)."""
    folder = tmp_path / "model"
    (folder / "net").mkdir(parents=True)
    shutil.copy(REPO / "networks" / "regression" / "arterial.net.xml", folder / "net")
    routes = (REPO / "networks" / "regression" / "peak.rou.xml").read_text()
    (folder / "morning.rou.xml").write_text(routes.replace('begin="0" end="7200"',
                                                           f'begin="{BEGIN}" end="{BEGIN + 7200}"'))
    (folder / "markers.add.xml").write_text('<additional>\n    <poi id="station" x="0" y="0"/>\n</additional>\n')
    (folder / "city.sumocfg").write_text(config)
    (folder / "scenario.toml").write_text(
        'name = "city"\nsumocfg = "city.sumocfg"\nincident_edges = ["fwd_4"]\n'
        '[[stations]]\nname = "station"\nedge = "fwd_0"\nposition_m = 5.0\n')
    return folder


def test_an_experiment_on_a_sumocfg_with_its_own_additional_file_and_a_begin_of_seven_oclock(tmp_path: Path) -> None:
    folder = _model(tmp_path)
    loaded = load_experiment(write_experiment(tmp_path, folder, (
        'load = "sumocfg"\nstrategies = ["none"]\nseeds = [1]\n'
        '[incidents]\ncount = 1\nalarm_from_s = 300\nalarm_to_s = 300\n[simulation]\nhorizon_s = 540\n')))
    scenario = loaded.scenario
    assert scenario.network_path().resolve() == (folder / "net" / "arterial.net.xml").resolve()
    assert [p.name for p in scenario.additional_paths()] == ["markers.add.xml"] and scenario.begin == BEGIN
    assert folder / "city.sumocfg" in loaded.input_files()
    incident = plan_incidents(loaded)[0]
    assert incident.alarm_s == BEGIN + 300  # 300 s after the model's begin, not after midnight
    result = execute_run(RunSpec(loaded, incident, 1, "none"))
    assert all(trip["arrived"] for trip in result.trips)
    assert int(result.other_traffic["other_vehicles"]) > 50  # the morning demand was there when the engines drove
    assert not (folder / "never-written.xml").exists()  # the configuration's own outputs are not taken


@pytest.mark.parametrize(("change", "fragments"), [
    (lambda f: (f / "city.sumocfg").unlink(), ("scenario.toml", "sumocfg", "not found")),
    (lambda f: (f / "markers.add.xml").unlink(), ("city.sumocfg", "additional-files", "markers.add.xml")),
    (lambda f: (f / "city.sumocfg").write_text("<configuration><input>"), ("scenario.toml", "not an XML file")),
    (lambda f: (f / "markers.add.xml").write_text("not xml"), ("city.sumocfg", "additional-files", "not an XML")),
    (lambda f: (f / "scenario.toml").write_text('network = "x.net.xml"\n' + (f / "scenario.toml").read_text()),
     ("scenario.toml", "network", "one place")),
    (lambda f: (f / "city.sumocfg").write_text(CONFIG.replace(f'"{BEGIN}"', '"7:00:00"')), ("city.sumocfg", "begin")),
])
def test_a_bad_configuration_is_one_clear_line(tmp_path: Path, change: object, fragments: tuple[str, ...]) -> None:
    folder = _model(tmp_path)
    change(folder)  # type: ignore[operator]
    path = write_experiment(tmp_path, folder, 'load = "sumocfg"\nstrategies = ["none"]\nseeds = [1]\n')
    assert_one_line_error(signalprio("run", str(path), "--results", str(tmp_path / "r")), *fragments)
