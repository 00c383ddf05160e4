"""Regression checks of preemption logic: run a small experiment, compare it with a stored baseline.

Measured per strategy, from the result tables: the Erreichungsgrad of every stage of the first
plan, the median and 90th percentile arrival time after the alarm, the delay of other traffic
per incident, and conflict-monitor violations. Baseline and check run the same seeds, so each metric is compared seed by
seed: a change fails only when the mean per-seed worsening exceeds the tolerance plus the
spread of the per-seed differences (what the seeds explain). Any monitor violation fails.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd

from signalprio.compliance.evaluate import incident_outcomes
from signalprio.errors import UserError
from signalprio.experiment import LoadedExperiment
from signalprio.provenance import provenance
from signalprio.results import tables
from signalprio.runner import execute, expand

DEFAULT_TOLERANCES = {"rate": 0.05, "arrival_median_s": 10.0, "arrival_p90_s": 15.0, "others_delay_pct": 5.0}
LOWER_IS_BETTER = ("arrival_median_s", "arrival_p90_s", "others_delay_s", "monitor_violations")


@dataclass(frozen=True)
class Check:
    strategy: str
    metric: str
    baseline: float
    current: float
    allowed: float  # how much worse it may get
    status: str  # ok, improved, regression
    reason: str


def measure(loaded: LoadedExperiment, jobs: int) -> dict[str, dict[str, dict[str, object]]]:
    """Metrics per strategy: value over all runs and per seed (for the spread)."""
    if len(loaded.layouts()) > 1:
        raise UserError(f"{loaded.path}: field 'layouts': a regression check runs one station layout; name one")
    specs = expand(loaded)
    done, failed = execute(specs, jobs)
    if failed:
        raise RegressionFailure([f"run {f.key} failed: {f.message}" for f in failed])
    exp = loaded.experiment
    frames = tables(done, provenance(exp.name, exp.digest()))
    runs, other = frames["runs"], frames["other_traffic"]
    outcomes = incident_outcomes(runs, loaded.plan)
    metrics: dict[str, dict[str, dict[str, object]]] = {}
    for strategy in [s.name for s in exp.strategies]:
        mine = runs[runs["strategy"] == strategy]
        mine_other = other[other["strategy"] == strategy]
        mine_outcomes = outcomes[outcomes["strategy"] == strategy] if len(outcomes) else outcomes
        values: dict[str, dict[str, object]] = {}

        def add(name: str, per: pd.Series, pooled: float) -> None:
            values[name] = {"value": float(pooled), "per_seed": [float(v) for v in per.to_numpy()]}

        arrival = mine["arrival_after_alarm_s"]
        add("arrival_median_s", mine.groupby("seed")["arrival_after_alarm_s"].median(), arrival.median())
        add("arrival_p90_s", mine.groupby("seed")["arrival_after_alarm_s"].quantile(0.9), arrival.quantile(0.9))
        add("others_delay_s", mine_other.groupby("seed")["other_delay_s"].mean(), mine_other["other_delay_s"].mean())
        add("monitor_violations", mine.groupby("seed")["monitor_violations"].max(), float(mine["monitor_violations"].max()))
        for stage, frame in mine_outcomes.groupby("stage", sort=False) if len(mine_outcomes) else []:
            add(f"rate {stage}", frame.groupby("seed")["met"].mean(), frame["met"].mean())
        metrics[strategy] = values
    return metrics


class RegressionFailure(Exception):
    """Runs failed while measuring: a regression, not an input error."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def compare(baseline: dict[str, object], current: dict[str, dict[str, dict[str, object]]],
            tolerances: dict[str, float]) -> list[Check]:
    checks = []
    base_metrics: dict[str, dict[str, dict[str, object]]] = baseline["metrics"]  # type: ignore[assignment]
    for strategy, metrics in current.items():
        for metric, now in metrics.items():
            value = float(now["value"])  # type: ignore[arg-type]
            if metric == "monitor_violations":
                status = "regression" if value > 0 else "ok"
                checks.append(Check(strategy, metric, 0.0, value, 0.0, status,
                                    "unsafe signal states: the conflict monitor counted violations" if value else ""))
                continue
            base = base_metrics.get(strategy, {}).get(metric)
            if base is None:
                checks.append(Check(strategy, metric, float("nan"), value, float("nan"), "regression",
                                    "not in the baseline: update it with --update"))
                continue
            before = float(base["value"])  # type: ignore[arg-type]
            sign = 1.0 if metric in LOWER_IS_BETTER else -1.0
            differences = sign * (np.asarray(now["per_seed"], dtype=float) - np.asarray(base["per_seed"], dtype=float))
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


def write_baseline(path: Path, loaded: LoadedExperiment, metrics: dict[str, dict[str, dict[str, object]]],
                   tolerances: dict[str, float], force: bool) -> None:
    exp = loaded.experiment
    stamp = provenance(exp.name, exp.digest())
    if path.is_file() and not force:
        old = read_baseline(path)
        if old["provenance"]["sumo_version"] != stamp["sumo_version"]:  # type: ignore[index]
            raise UserError(f"{path}: made with SUMO {old['provenance']['sumo_version']}, this is SUMO "  # type: ignore[index]
                            f"{stamp['sumo_version']}; results differ between SUMO versions: use --force to replace it")
    document = {"provenance": stamp, "experiment": str(loaded.path.name), "tolerances": tolerances, "metrics": metrics}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


def read_baseline(path: Path) -> dict[str, object]:
    if not path.is_file():
        raise UserError(f"{path}: baseline not found (create it with --update)")
    try:
        document = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise UserError(f"{path}: not a signalprio baseline ({error})") from None
    missing = [key for key in ("metrics", "provenance", "tolerances") if key not in document]
    if missing:
        raise UserError(f"{path}: not a signalprio baseline (field '{missing[0]}' is missing)")
    return document


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
