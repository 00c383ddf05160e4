"""The no-priority envelope: the experiment rerun under each behaviour, its table in the console, files and report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from signalprio.envelope import BEHAVIOURS, behaviour_of, variants, with_envelope
from signalprio.errors import UserError
from signalprio.experiment import load_experiment
from tests.conftest import REPO, SMALL_RUNS, write_experiment


def experiment(folder: Path, extra: str = "") -> Path:
    body = SMALL_RUNS.replace("seeds = [1, 2]", "seeds = [1]") + extra
    return write_experiment(folder, REPO / "networks" / "regression", body, "env")


def test_variants_are_the_other_behaviours_and_change_only_the_engine(tmp_path: Path) -> None:
    loaded = load_experiment(experiment(tmp_path, '[engine]\nred_crossing_kmh = 10\n'))
    assert behaviour_of(loaded.experiment.engine) == "typical"
    enveloped = with_envelope(loaded, "cautious, typical,assertive")
    assert enveloped.digest() == loaded.digest()  # the envelope adds runs elsewhere; the experiment's own stay valid
    arms = dict(variants(enveloped))
    assert list(arms) == ["cautious", "assertive"]
    for name, arm in arms.items():
        assert behaviour_of(arm.experiment.engine) == name
        assert arm.experiment.model_dump(exclude={"engine", "envelope"}) == \
            loaded.experiment.model_dump(exclude={"engine", "envelope"})
        assert arm.digest() != loaded.digest()
    assert {v.speed_factor for v in arms["assertive"].fleet().values()} == {BEHAVIOURS["assertive"]["speed_factor"]}


@pytest.mark.parametrize("given", ["bold", "cautious,cautious", ""])
def test_a_bad_envelope_is_an_input_error(tmp_path: Path, given: str) -> None:
    with pytest.raises(UserError, match="--envelope"):
        with_envelope(load_experiment(experiment(tmp_path)), given)


def test_the_envelope_runs_end_to_end_into_table_file_and_report(tmp_path: Path) -> None:
    results = tmp_path / "results"
    done = subprocess.run([sys.executable, "-m", "signalprio", "run", str(experiment(tmp_path)), "--results",
                           str(results), "--envelope", "cautious,assertive", "-j", "2"],
                          capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Envelope: stage 1 of Mannheim 2024" in done.stdout
    table = pd.read_parquet(results / "env" / "envelope.parquet")
    assert list(dict.fromkeys(table["behaviour"])) == ["cautious", "typical", "assertive"]
    assert set(table["strategy"]) == {"none", "green-wave"}
    assert table.set_index("behaviour")["red_crossing_kmh"].to_dict() == {"cautious": 7, "typical": 10, "assertive": 20}
    for name in ("cautious", "assertive"):
        assert (results / "env" / "envelope" / name / "runs.parquet").is_file()
    report = subprocess.run([sys.executable, "-m", "signalprio", "report", str(results / "env"), "--lang", "de"],
                            capture_output=True, text=True, check=False, timeout=600)
    assert report.returncode == 0, report.stderr
    page = (results / "env" / "report" / "index.html").read_text()
    assert "Spannweite der Annahmen zur Fahrt ohne Vorrang" in page and "vorsichtig" in page
