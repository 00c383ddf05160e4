"""pytest plugin: assert preemption properties in your own tests.

Installed with signalprio (entry point `pytest11`), it provides the fixture `signalprio_experiment`:

    def test_my_corridor(signalprio_experiment):
        result = signalprio_experiment("experiments/my-corridor.toml")
        result.assert_no_monitor_violation()
        result.assert_arrives_within(420, strategy="green-wave")
        result.assert_rate_at_least(0.9, strategy="green-wave", stage="stage 1")

Runs execute in the test's own process, one after another (use small experiments).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from signalprio import pipeline
from signalprio.compliance.evaluate import incident_outcomes
from signalprio.experiment import LoadedExperiment, load_experiment
from signalprio.runner import executor_for


@dataclass
class ExperimentResult:
    """The tables of one experiment run, with assertions in the product's own terms."""

    loaded: LoadedExperiment
    frames: dict[str, pd.DataFrame]

    def _trips(self, strategy: str | None, layout: str | None = None) -> pd.DataFrame:
        runs = self.frames["runs"]
        runs = runs if layout is None else runs[runs["layout"] == layout]
        return runs if strategy is None else runs[runs["strategy"] == strategy]

    def assert_no_monitor_violation(self) -> None:
        violations = self.frames["violations"]
        assert violations.empty, (f"conflict monitor: {len(violations)} violations, "
                                  f"first: {violations.iloc[0].to_dict()}")

    def assert_arrives_within(self, seconds: float, strategy: str | None = None, layout: str | None = None) -> None:
        """Every vehicle (of `strategy` and station `layout`, default all) arrives within `seconds` of the alarm."""
        trips = self._trips(strategy, layout)
        late = trips[~trips["arrived"] | (trips["arrival_after_alarm_s"] > seconds)]
        assert late.empty, (f"{len(late)} of {len(trips)} vehicles later than {seconds:g} s after the alarm, e.g. "
                            f"{late.iloc[0][['strategy', 'incident', 'vehicle', 'arrival_after_alarm_s']].to_dict()}")

    def assert_rate_at_least(self, rate: float, strategy: str, stage: str | None = None,
                             layout: str | None = None) -> None:
        """The first plan's Erreichungsgrad (of `stage`, default the first; over every station layout unless
        `layout` names one) is at least `rate`."""
        outcomes = incident_outcomes(self._trips(strategy, layout), self.loaded.plan)
        stage = stage or self.loaded.plan.stages[0].name
        chosen = outcomes[outcomes["stage"] == stage]
        assert len(chosen), f"{self.loaded.plan.name} {stage}: nothing evaluated for '{strategy}'"
        assert chosen["met"].mean() >= rate, (f"{self.loaded.plan.name} {stage} for '{strategy}': "
                                              f"{chosen['met'].mean():.0%} < {rate:.0%}")


def run_experiment(path: Path) -> ExperimentResult:
    """Every run of the experiment in this process, through the same pipeline as `signalprio run`."""
    loaded = load_experiment(path)
    with executor_for(jobs=1) as pool:
        results = pipeline.run_experiment(loaded, pool)
    assert not results.failed, f"runs failed: {[message for _, message in results.failed]}"
    return ExperimentResult(loaded, results.frames)


@pytest.fixture
def signalprio_experiment() -> Callable[[str | Path], ExperimentResult]:
    """Run an experiment file and return its tables with preemption assertions."""
    return lambda path: run_experiment(Path(path))
