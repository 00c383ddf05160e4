"""Regression checks of preemption logic: run a small experiment, compare it with a stored baseline.

Measured per strategy, from the result tables: the Erreichungsgrad of every stage of the first
plan, the median and 90th percentile arrival time after the alarm, the delay of other traffic
per incident, and conflict-monitor violations. Baseline and check run the same seeds, so each metric is compared seed by
seed: a change fails only when the mean per-seed worsening exceeds the tolerance plus the
spread of the per-seed differences (what the seeds explain). Any monitor violation fails.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from signalprio.config import load_json
from signalprio.errors import UserError
from signalprio.experiment import LoadedExperiment
from signalprio.files import atomic_write_text
from signalprio.pipeline import run_experiment
from signalprio.provenance import provenance
from signalprio.runner import executor_for

DEFAULT_TOLERANCES = {"rate": 0.05, "arrival_median_s": 10.0, "arrival_p90_s": 15.0, "others_delay_pct": 5.0}
LOWER_IS_BETTER = ("arrival_median_s", "arrival_p90_s", "others_delay_s", "monitor_violations")


class Metric(BaseModel):
    """One metric of one strategy: its value over all runs and per seed (for the spread)."""

    model_config = ConfigDict(extra="forbid")
    value: float
    per_seed: list[float]


Metrics = dict[str, dict[str, Metric]]  # strategy -> metric name -> metric


class Baseline(BaseModel):
    """The schema of a baseline file (results/baselines/*.json)."""

    model_config = ConfigDict(extra="forbid")
    provenance: dict[str, str]
    experiment: str
    tolerances: dict[str, float]
    metrics: Metrics


@dataclass(frozen=True)
class Check:
    strategy: str
    metric: str
    baseline: float
    current: float
    allowed: float  # how much worse it may get
    status: str  # ok, improved, regression
    reason: str


def measure(loaded: LoadedExperiment, jobs: int) -> Metrics:
    """Metrics per strategy: value over all runs and per seed (for the spread)."""
    if len(loaded.layouts()) > 1:
        raise UserError(f"{loaded.path}: field 'layouts': a regression check runs one station layout; name one")
    with executor_for(jobs) as pool:
        results = run_experiment(loaded, pool)
    if results.failed:
        raise RegressionFailure([f"run {key} failed: {message}" for key, message in results.failed])
    exp = loaded.experiment
    runs, other = results.frames["runs"], results.frames["other_traffic"]
    outcomes = results.frames["compliance_incidents"]
    outcomes = outcomes[outcomes["plan"] == loaded.plan.name]
    metrics: Metrics = {}
    for strategy in [s.name for s in exp.strategies]:
        mine = runs[runs["strategy"] == strategy]
        mine_other = other[other["strategy"] == strategy]
        mine_outcomes = outcomes[outcomes["strategy"] == strategy] if len(outcomes) else outcomes
        arrival = mine["arrival_after_alarm_s"]
        values: dict[str, Metric] = {
            "arrival_median_s": _metric(mine.groupby("seed")["arrival_after_alarm_s"].median(), arrival.median()),
            "arrival_p90_s": _metric(mine.groupby("seed")["arrival_after_alarm_s"].quantile(0.9),
                                     arrival.quantile(0.9)),
            "others_delay_s": _metric(mine_other.groupby("seed")["other_delay_s"].mean(),
                                      mine_other["other_delay_s"].mean()),
            "monitor_violations": _metric(mine.groupby("seed")["monitor_violations"].max(),
                                          float(mine["monitor_violations"].max())),
        }
        for stage, frame in mine_outcomes.groupby("stage", sort=False) if len(mine_outcomes) else []:
            values[f"rate {stage}"] = _metric(frame.groupby("seed")["met"].mean(), frame["met"].mean())
        metrics[strategy] = values
    return metrics


def _metric(per: pd.Series, pooled: float) -> Metric:
    return Metric(value=float(pooled), per_seed=[float(v) for v in per.to_numpy()])


class RegressionFailure(Exception):
    """Runs failed while measuring: a regression, not an input error."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def compare(baseline: Baseline, current: Metrics, tolerances: dict[str, float]) -> list[Check]:
    checks = []
    for strategy, metrics in current.items():
        for metric, now in metrics.items():
            value = now.value
            if metric == "monitor_violations":
                status = "regression" if value > 0 else "ok"
                checks.append(Check(strategy, metric, 0.0, value, 0.0, status,
                                    "unsafe signal states: the conflict monitor counted violations" if value else ""))
                continue
            base = baseline.metrics.get(strategy, {}).get(metric)
            if base is None:
                checks.append(Check(strategy, metric, float("nan"), value, float("nan"), "regression",
                                    "not in the baseline: update it with --update"))
                continue
            before = base.value
            sign = 1.0 if metric in LOWER_IS_BETTER else -1.0
            differences = sign * (np.asarray(now.per_seed, dtype=float) - np.asarray(base.per_seed, dtype=float))
            worse = float(np.mean(differences))
            spread = float(np.max(np.abs(differences - worse))) if len(differences) > 1 else 0.0
            allowed = _tolerance(metric, before, tolerances) + spread
            if np.isnan(worse) or worse > allowed + 1e-9:
                status = "regression"
                reason = f"{_label(metric)} worse by {abs(worse):.3g} per seed (allowed {allowed:.3g})"
            elif -worse > allowed + 1e-9:
                status, reason = "improved", ""
            else:
                status, reason = "ok", ""
            checks.append(Check(strategy, metric, before, value, allowed, status, reason))
    return checks


def _tolerance(metric: str, before: float, tolerances: dict[str, float]) -> float:
    if metric.startswith("rate"):
        return tolerances["rate"]
    if metric == "others_delay_s":
        return abs(before) * tolerances["others_delay_pct"] / 100
    return tolerances[metric]


def _label(metric: str) -> str:
    return {"arrival_median_s": "median arrival (s)", "arrival_p90_s": "P90 arrival (s)",
            "others_delay_s": "others' delay per incident (veh·s)"}.get(metric, metric)


def write_baseline(path: Path, loaded: LoadedExperiment, metrics: Metrics, tolerances: dict[str, float]) -> None:
    exp = loaded.experiment
    stamp = provenance(exp.name, loaded.digest())
    document = Baseline(provenance=stamp, experiment=loaded.path.name, tolerances=tolerances, metrics=metrics)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(document.model_dump(mode="json"), indent=2, sort_keys=True) + "\n")


def read_baseline(path: Path) -> Baseline:
    if not path.is_file():
        raise UserError(f"{path}: baseline not found (create it with --update)")
    return load_json(path, Baseline, "baseline")


def junit_xml(checks: list[Check], name: str) -> str:
    failures = sum(c.status == "regression" for c in checks)
    cases = []
    for c in checks:
        case = f'  <testcase classname={quoteattr("signalprio.regress." + c.strategy)} name={quoteattr(c.metric)}'
        if c.status == "regression":
            cases.append(f"{case}>\n    <failure message={quoteattr(c.reason)}>"
                         f"{escape(f'baseline {c.baseline:.4g}, now {c.current:.4g}, allowed {c.allowed:.4g}')}"
                         "</failure>\n  </testcase>")
        else:
            cases.append(f"{case}/>")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name={quoteattr(name)} tests="{len(checks)}" '
            f'failures="{failures}">\n' + "\n".join(cases) + "\n</testsuite>\n")


def markdown(checks: list[Check], name: str) -> str:
    failures = [c for c in checks if c.status == "regression"]
    head = f"## signalprio regress: {name}\n\n" + (
        f"**{len(failures)} regression(s)**\n\n" if failures else "**pass**: no regression beyond tolerance\n\n")
    rows = ["| strategy | metric | baseline | now | allowed worse | status |", "|---|---|---|---|---|---|"]
    rows += [f"| {c.strategy} | {c.metric} | {c.baseline:.4g} | {c.current:.4g} | {c.allowed:.4g} | "
             f"{c.status}{': ' + c.reason if c.reason else ''} |" for c in checks]
    return head + "\n".join(rows) + "\n"
