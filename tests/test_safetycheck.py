"""check-safety, the CI slice of the nightly check: randomized preempting runs on a generated grid with actuated
programs, protected turns and pedestrian crossings (a network nobody tuned for)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.test_cli import assert_one_line_error, signalprio

pytestmark = pytest.mark.sumo


def test_a_slice_of_the_nightly_check_finds_no_violation_on_a_generated_grid(tmp_path: Path) -> None:
    done = signalprio("check-safety", "--incidents", "1", "--seed", "3", "--networks", "grid",
                      "--results", str(tmp_path), "-j", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    table = pd.read_csv(tmp_path / "check-safety.csv").set_index("network")
    assert table.loc["grid", "runs"] == 9  # every trigger x recovery on the one incident
    assert table.filter(like="violations_").to_numpy().sum() == 0
    assert table.loc["grid", "engine_collisions"] == 0


def test_an_unknown_network_is_one_clear_error(tmp_path: Path) -> None:
    assert_one_line_error(signalprio("check-safety", "--networks", "atlantis", "--results", str(tmp_path)),
                          "--networks", "atlantis")
