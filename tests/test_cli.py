"""The command line as a user runs it: bad input gives one clear line, good input gives results."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from signalprio.config import load_toml
from signalprio.errors import UserError
from signalprio.experiment import Experiment, load_experiment
from tests.conftest import REPO


def signalprio(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "signalprio", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600, check=False)


def assert_one_line_error(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_missing_experiment_file(tmp_path: Path) -> None:
    assert_one_line_error(signalprio("run", str(tmp_path / "nope.toml")), "nope.toml", "not found")


def test_malformed_toml(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nseeds = [1,\n')
    assert_one_line_error(signalprio("run", str(bad)), "bad.toml", "not valid TOML")


@pytest.mark.parametrize(("body", "field"), [
    ('strategies = ["teleport"]\nseeds = [1]\n', "strategies"),
    ('strategies = ["none"]\nseeds = []\n', "seeds"),
    ('strategies = ["none"]\nseeds = [1]\nsped = 3\n', "sped"),
    ('strategies = ["none"]\nseeds = [1]\n[dispatch]\nstages = [["TLF"]]\n', "dispatch.stages"),
    ('strategies = ["none"]\nseeds = [1]\nplans = ["nowhere-2030"]\n', None),
    ('strategies = ["none"]\nseeds = [1]\n[incidents]\nalarm_from_s = 900\nalarm_to_s = 100\n', "incidents"),
])
def test_invalid_field_is_named(tmp_path: Path, body: str, field: str | None) -> None:
    path = tmp_path / "exp.toml"
    path.write_text(f'name = "x"\nscenario = "{REPO / "networks" / "mannheim"}"\n{body}')
    with pytest.raises(UserError,
                       match=f"exp.toml: field '{field}" if field else "unknown requirement plan 'nowhere-2030'"):
        load_experiment(path)


def test_unknown_edge_is_named_with_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "exp.toml"
    path.write_text(f'name = "x"\nscenario = "{REPO / "networks" / "mannheim"}"\nstrategies = ["none"]\nseeds = [1]\n'
                    '[incidents]\nedges = ["no_such_edge"]\n')
    assert_one_line_error(signalprio("run", str(path)), "exp.toml", "incidents.edges", "no_such_edge")


# Experiments on scenarios the user builds first from data that may not be committed (the comment at the top of
# the file gives the command); in a clone without that scenario they must fail with one clear message.
USER_BUILT = {"heidelberg.toml": "networks/heidelberg"}


def test_every_shipped_experiment_is_valid() -> None:
    files = sorted((REPO / "experiments").glob("*.toml"))
    assert files
    for path in files:
        built = USER_BUILT.get(path.name)
        if built is not None and not (REPO / built / "scenario.toml").is_file():
            assert "signalprio network from-osm" in path.read_text()
            with pytest.raises(UserError, match=r"scenario\.toml: file not found"):
                load_experiment(path)
            continue
        load_experiment(path)


@pytest.mark.sumo
def test_default_experiment_runs_end_to_end_on_a_short_horizon(tmp_path: Path) -> None:
    """The default experiment, cut to one incident and seed, through the real CLI."""
    data = tomllib.loads((REPO / "experiments" / "default.toml").read_text())
    data["scenario"] = str(REPO / "networks" / "mannheim")
    data["seeds"] = [1]
    data["incidents"]["count"] = 1
    path = tmp_path / "short.toml"
    path.write_text(_to_toml(data))
    done = signalprio("run", str(path), "--results", str(tmp_path / "results"), "--jobs", "2")
    assert done.returncode == 0, done.stderr
    assert "green-wave" in done.stdout and "Erreichungsgrad" in done.stdout and "stage 1: 10 F in 8 min" in done.stdout
    folder = tmp_path / "results" / data["name"]
    runs = pd.read_parquet(folder / "runs.parquet")
    assert set(runs["strategy"]) == {"none", "green-wave"} and runs["arrived"].all()
    assert runs["monitor_violations"].sum() == 0
    summary = json.loads((folder / "summary.json").read_text())
    provenance = summary["provenance"]
    assert provenance["sumo_version"] == "1.28.0" and provenance["experiment_hash"]
    assert {"sumo_version", "signalprio_version", "experiment_hash", "seed"} <= set(runs.columns)
    metadata = pq.read_schema(folder / "runs.parquet").metadata
    parameters = json.loads(metadata[b"signalprio.parameters"])
    assert parameters["strategies"][1]["trigger"] == "green-wave" and parameters["preemption"]["min_green_s"] == 5


def _to_toml(data: dict[str, object]) -> str:
    """Just enough TOML writing for the experiment test (no dependency for one test)."""
    def value(v: object) -> str:
        return json.dumps(v) if not isinstance(v, bool) else str(v).lower()
    top = [f"{k} = {value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    tables = [f"[{k}]\n" + "\n".join(f"{kk} = {value(vv)}" for kk, vv in v.items())
              for k, v in data.items() if isinstance(v, dict)]
    return "\n".join(top) + "\n\n" + "\n\n".join(tables) + "\n"


def test_toml_loader_names_the_first_bad_field(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text('name = "bad name with spaces"\nscenario = "."\nstrategies = ["none"]\nseeds = [1]\n')
    with pytest.raises(UserError, match=r"x\.toml: field 'name'"):
        load_toml(path, Experiment)


@pytest.mark.parametrize(("body", "field", "words"), [
    ('strategies = ["none"]\nseeds = [1, 1]\n', "seeds", "seed 1 is listed more than once"),
    ('strategies = ["none"]\nseeds = [1]\n', "name", "should match"),
])
def test_repeated_seeds_and_path_like_names_are_input_errors(tmp_path: Path, body: str, field: str, words: str) -> None:
    name = ".." if field == "name" else "ok"
    path = tmp_path / "e.toml"
    path.write_text(f'name = "{name}"\nscenario = "{REPO / "networks" / "regression"}"\n{body}')
    with pytest.raises(UserError, match=rf"field '{field}'.*{words}"):
        load_experiment(path)


def test_duplicate_incident_ids_in_a_csv_are_named_with_their_lines(tmp_path: Path) -> None:
    from signalprio.pipeline import plan_incidents

    (tmp_path / "incidents.csv").write_text("id,edge,position_m,alarm_s\na,fwd_4,10,300\na,fwd_4,20,400\n")
    path = tmp_path / "e.toml"
    path.write_text(f'name = "dup"\nscenario = "{REPO / "networks" / "regression"}"\nstrategies = ["none"]\n'
                    'seeds = [1]\n[incidents]\ncsv = "incidents.csv"\n')
    with pytest.raises(UserError, match=r"incidents\.csv: line 3: field 'id': incident 'a' is already on line 2"):
        plan_incidents(load_experiment(path))


def test_a_damaged_summary_is_one_clear_error_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "summary.json").write_text("{bad")
    assert_one_line_error(signalprio("report", str(tmp_path)), "summary.json", "not a signalprio summary")


def test_shipped_experiments_are_found_from_any_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from signalprio.shipped import resolve_experiment

    monkeypatch.chdir(tmp_path)
    for given in (Path("experiments/default.toml"), Path("default")):
        loaded = load_experiment(resolve_experiment(given))
        assert loaded.experiment.name == "default" and loaded.scenario.network_path().is_file()
    assert resolve_experiment(Path("nonexistent")) == Path("nonexistent")
