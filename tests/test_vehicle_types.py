"""A city's own fire vehicles: types changed or added per scenario and per experiment, validated like every field,
and driven by SUMO as defined."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from signalprio.errors import UserError
from signalprio.experiment import load_experiment
from signalprio.pipeline import plan_incidents
from signalprio.run import execute_run
from signalprio.runs import RunSpec
from tests.conftest import REPO, write_experiment
from tests.test_cli import assert_one_line_error, signalprio

TLF = """
[vehicle_types.TLF]
name = "TLF 4000 (water tender)"
crew = 3
length_m = 8.0
width_m = 2.5
mass_t = 18.0
accel_mps2 = 0.8
decel_mps2 = 3.0
max_speed_kmh = 80.0
speed_factor = 1.1
"""


def _scenario(tmp_path: Path, extra: str) -> Path:
    """The regression arterial with a station that keeps a TLF and an HLF."""
    folder = tmp_path / "scenario"
    shutil.copytree(REPO / "networks" / "regression", folder)
    text = (folder / "scenario.toml").read_text()
    text += '\n[[stations.vehicles]]\ntype = "TLF"\ncrew = 3\n[[stations.vehicles]]\ntype = "HLF"\ncrew = 6\n'
    (folder / "scenario.toml").write_text(text + extra)
    return folder


def test_a_new_type_from_the_scenario_and_a_change_from_the_experiment(tmp_path: Path) -> None:
    folder = _scenario(tmp_path, TLF)
    loaded = load_experiment(write_experiment(tmp_path, folder, (
        'strategies = ["none"]\nseeds = [1]\n[dispatch]\nstages = [["TLF", "HLF"]]\n'
        '[vehicle_types.HLF]\naccel_mps2 = 1.3\n')))
    fleet = loaded.fleet()
    assert fleet["TLF"].accel_mps2 == 0.8 and fleet["TLF"].crew == 3
    assert fleet["HLF"].accel_mps2 == 1.3 and fleet["HLF"].length_m == 8.5  # the rest stays the shipped HLF's
    changed = load_experiment(write_experiment(tmp_path, folder, (
        'strategies = ["none"]\nseeds = [1]\n[dispatch]\nstages = [["TLF", "HLF"]]\n'), name="plain"))
    assert changed.digest() != loaded.digest()  # a vehicle type is an input like any other


def test_sumo_drives_the_new_type_as_defined(tmp_path: Path) -> None:
    """The TLF is dispatched from the station that keeps it, SUMO drives it under its own vType (an unknown type
    would fail the run), and it reaches the incident with the HLF."""
    folder = _scenario(tmp_path, TLF)
    loaded = load_experiment(write_experiment(tmp_path, folder, (
        'strategies = ["none"]\nseeds = [1]\n[incidents]\ncount = 1\nalarm_from_s = 300\nalarm_to_s = 300\n'
        '[dispatch]\nstages = [["TLF", "HLF"]]\n[simulation]\nhorizon_s = 540\n')))
    result = execute_run(RunSpec(loaded, plan_incidents(loaded)[0], 1, "none"))
    types = {trip["vehicle_type"]: trip for trip in result.trips}
    assert set(types) == {"TLF", "HLF"} and all(trip["arrived"] for trip in types.values())


@pytest.mark.parametrize(("extra", "fragments"), [
    ('[vehicle_types.HLF]\nwings = 2\n', ("test.toml", "vehicle_types.HLF.wings")),
    ('[vehicle_types.HLF]\naccel_mps2 = -1\n', ("test.toml", "vehicle_types.HLF.accel_mps2")),
    ('[vehicle_types.TLF]\ncrew = 3\n', ("test.toml", "vehicle_types.TLF", "missing: name")),
    ('[dispatch]\nstages = [["GW-L"]]\n', ("test.toml", "dispatch.stages", "GW-L")),
])
def test_a_bad_vehicle_type_is_one_clear_line(tmp_path: Path, extra: str, fragments: tuple[str, ...]) -> None:
    path = write_experiment(tmp_path, REPO / "networks" / "regression", f'strategies = ["none"]\nseeds = [1]\n{extra}')
    assert_one_line_error(signalprio("run", str(path), "--results", str(tmp_path / "r")), *fragments)


def test_a_station_keeping_an_unknown_type_names_the_scenario_file(tmp_path: Path) -> None:
    folder = _scenario(tmp_path, "")  # a TLF in the station, but no type for it
    with pytest.raises(UserError, match=r"scenario.toml: field 'stations.vehicles.type': .*'TLF'"):
        load_experiment(write_experiment(tmp_path, folder, 'strategies = ["none"]\nseeds = [1]\n'))
