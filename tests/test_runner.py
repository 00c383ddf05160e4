"""Running experiments at scale: resume after a kill, failed runs, retries, Dask, reproducibility."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from signalprio.cli import app
from tests.conftest import REPO, write_experiment

pytestmark = pytest.mark.sumo

BODY = ('strategies = ["none", "green-wave"]\nseeds = [1]\n'
        '[incidents]\ncount = 4\nalarm_from_s = 200\nalarm_to_s = 300\n'
        '[dispatch]\nstages = [["HLF"]]\n[simulation]\nhorizon_s = 480\n')


def _experiment(tmp_path: Path, congested_arterial: Path, name: str = "scale") -> Path:
    return write_experiment(tmp_path, congested_arterial, BODY, name=name)


def _runs(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "runs.parquet").sort_values(["strategy", "seed", "incident"]).reset_index(drop=True)


def test_killed_runner_resumes_without_duplicate_or_lost_runs(tmp_path: Path, congested_arterial: Path) -> None:
    experiment = _experiment(tmp_path, congested_arterial)
    results = tmp_path / "results"
    command = [sys.executable, "-m", "signalprio", "run", str(experiment), "--results", str(results), "-j", "2"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    store = results / "scale" / "runs.d"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(store.glob("*.json"))) < 2:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = len(list(store.glob("*.json")))
    assert 2 <= finished < 8, "the kill must land mid-experiment"
    assert not (results / "scale" / "runs.parquet").exists()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert f"{finished} already done" in done.stdout.replace("\n", " ")
    runs = _runs(results / "scale")
    assert len(runs) == 8 and not runs.duplicated(["strategy", "seed", "incident"]).any()


def test_changed_experiment_does_not_mix_with_old_runs(tmp_path: Path, congested_arterial: Path) -> None:
    experiment = _experiment(tmp_path, congested_arterial)
    results = tmp_path / "results"
    runner = CliRunner()
    assert runner.invoke(app, ["run", str(experiment), "--results", str(results), "-j", "2"]).exit_code == 0
    experiment.write_text(experiment.read_text().replace("horizon_s = 480", "horizon_s = 490"))
    changed = runner.invoke(app, ["run", str(experiment), "--results", str(results), "-j", "2"])
    assert changed.exit_code == 2 and "--fresh" in changed.output


def test_same_results_locally_twice_and_on_a_dask_cluster(tmp_path: Path, congested_arterial: Path) -> None:
    distributed = pytest.importorskip("distributed")
    experiment = _experiment(tmp_path, congested_arterial)
    runner = CliRunner()
    tables = []
    for name in ("first", "second"):
        done = runner.invoke(app, ["run", str(experiment), "--results", str(tmp_path / name), "-j", "2"])
        assert done.exit_code == 0, done.output
        tables.append(_runs(tmp_path / name / "scale"))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        done = runner.invoke(app, ["run", str(experiment), "--results", str(tmp_path / "dask"),
                                   "--executor", "dask", "--scheduler", cluster.scheduler_address])
        assert done.exit_code == 0, done.output
    tables.append(_runs(tmp_path / "dask" / "scale"))
    pd.testing.assert_frame_equal(tables[0], tables[1])
    pd.testing.assert_frame_equal(tables[0], tables[2])


def test_unreachable_scheduler_is_one_clear_error(tmp_path: Path, congested_arterial: Path) -> None:
    pytest.importorskip("distributed")
    done = CliRunner().invoke(app, ["run", str(_experiment(tmp_path, congested_arterial)), "--results",
                                    str(tmp_path / "r"), "--executor", "dask", "--scheduler", "tcp://127.0.0.1:1"])
    assert done.exit_code == 2 and "cannot reach the Dask scheduler" in done.output


def test_bench_command_prints_every_measure() -> None:
    """Plumbing only: the figures themselves are measured by `signalprio bench`, never asserted in tests."""
    done = CliRunner().invoke(app, ["bench", str(REPO / "experiments" / "default.toml"), "--quick"])
    assert done.exit_code == 0, done.output
    for measure in ("controller overhead", "snapshot speed-up", "parallel efficiency", "peak memory per worker"):
        assert measure in done.output
