"""A scenario's own SUMO additional files, and -a in sumo_args, load together with signalprio's (one -a)."""

from __future__ import annotations

import shutil
from pathlib import Path

from signalprio.experiment import load_experiment
from signalprio.pipeline import run_experiment
from signalprio.runner import executor_for
from tests.conftest import REPO, write_experiment
from tests.test_cli import assert_one_line_error, signalprio

BODY = ('strategies = ["none"]\nseeds = [1]\n[incidents]\ncount = 1\nseed = 7\nalarm_from_s = 300\nalarm_to_s = 300\n'
        '[simulation]\nhorizon_s = 540\nsumo_args = ["-a", "{extra}"]\n')


def _scenario(folder: Path, additional: str) -> Path:
    scenario = folder / "scenario"
    shutil.copytree(REPO / "networks" / "regression", scenario)
    (scenario / "own.add.xml").write_text(additional)
    text = (scenario / "scenario.toml").read_text()
    (scenario / "scenario.toml").write_text(text.replace("[demand]", 'additional = ["own.add.xml"]\n\n[demand]', 1))
    return scenario


def test_scenario_and_sumo_args_additional_files_run_with_signalprios_own(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, '<additional>\n    <vType id="scenario_car" length="4.5"/>\n</additional>\n')
    extra = tmp_path / "extra.add.xml"
    extra.write_text('<additional>\n    <vType id="extra_car" length="4.0"/>\n</additional>\n')
    loaded = load_experiment(write_experiment(tmp_path, scenario, BODY.format(extra=extra)))
    with executor_for(1) as pool:
        results = run_experiment(loaded, pool)
    assert results.failed == [] and results.done == 1  # no "a value for the option 'a' was already set"
    before = loaded.digest()
    (scenario / "own.add.xml").write_text('<additional>\n    <vType id="scenario_car" length="5"/>\n</additional>\n')
    assert load_experiment(loaded.path).digest() != before  # the digest covers the scenario's additional files


def test_an_additional_file_that_is_not_xml_is_named(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, "this is not XML <")
    experiment = write_experiment(tmp_path, scenario, BODY.format(extra=tmp_path / "unused.xml"))
    assert_one_line_error(signalprio("run", str(experiment), "--results", str(tmp_path / "r")),
                          "scenario.toml", "field 'additional'", "own.add.xml", "not an XML file")


def test_signal_programs_in_an_additional_file_are_refused(tmp_path: Path) -> None:
    program = ('<additional>\n    <tlLogic id="J1" type="static" programID="mine" offset="0">\n'
               '        <phase duration="30" state="GGGGGGGGGGGGGG"/>\n    </tlLogic>\n</additional>\n')
    scenario = _scenario(tmp_path, program)
    experiment = write_experiment(tmp_path, scenario, BODY.format(extra=tmp_path / "unused.xml"))
    assert_one_line_error(signalprio("run", str(experiment), "--results", str(tmp_path / "r")),
                          "field 'additional'", "own.add.xml", "signal programs")
