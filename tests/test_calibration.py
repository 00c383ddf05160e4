"""The run without priority on the shipped corridor lands in the field's ranges (docs/vehicles.md)."""

from __future__ import annotations

import dataclasses

import pytest

from signalprio.calibration import FIELD, calibration
from signalprio.experiment import load_experiment
from signalprio.pipeline import plan_incidents, run_experiment
from signalprio.runner import executor_for
from tests.conftest import REPO

pytestmark = pytest.mark.sumo


def test_no_priority_on_the_default_corridor_lands_in_the_field_ranges() -> None:
    """Ten incidents of the default experiment, one seed, no priority: the median average speed lies in the planning
    range (34-40 km/h) and the median time lost at a red crossed in the field range (10-45 s)."""
    loaded = load_experiment(REPO / "experiments" / "default.toml")
    experiment = loaded.experiment.model_copy(update={"strategies": [loaded.experiment.strategy("none")],
                                                      "seeds": [1]})
    loaded = dataclasses.replace(loaded, experiment=experiment, given_incidents=tuple(plan_incidents(loaded)[:10]))
    with executor_for(2) as pool:
        results = run_experiment(loaded, pool)
    assert results.failed == []
    figures = calibration(results.frames["runs"], results.frames["signals"]).set_index("figure")
    print(figures[["n", "median", "mean", "p10", "p90"]])
    for name, (low, high, _) in FIELD.items():
        assert figures.loc[name, "n"] >= 5, name
        assert low <= figures.loc[name, "median"] <= high, (name, figures.loc[name, "median"])
