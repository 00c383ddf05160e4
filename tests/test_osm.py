"""Scenarios from OpenStreetMap: a small fixture written by us, and the Heidelberg extract when present."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from signalprio.build.osm import detect_corridors
from signalprio.cli import app
from signalprio.experiment import load_experiment
from signalprio.pipeline import plan_incidents
from signalprio.run import execute_run
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
    corridors = detect_corridors(tmp_path / "teststadt" / "teststadt.net.xml")
    assert len(corridors[0].signals) == 4 and corridors[0].name == "Teststrasse"
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
