"""Erreichungsgrad (achievement rate) from the runs table: whether each stage's crew arrived in time.

A stage is met when the Funktionen on scene by its time limit (all vehicles that arrived,
whatever stage they were sent for) reach the plan's cumulative requirement: 9 of 10 is a
miss. Times run on the plan's clock: from the alarm (Eintreffzeit) or from the start of the
call (Hilfsfrist, which adds call handling and dispatch). Stages whose crew the experiment
never dispatched are not evaluated. Everything here reads tables only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from signalprio.compliance.plans import RequirementPlan
from signalprio.compliance.stats import compare_rates, compare_times, wilson_interval
from signalprio.names import ALL_STATIONS, BASELINE

INCIDENT_KEY = ["seed", "incident"]
ARM = ["layout", "strategy"]  # what a run compares: which stations exist and how engines are helped
CONTEXT = ["band", "district", "load"]


def incident_outcomes(runs: pd.DataFrame, plan: RequirementPlan) -> pd.DataFrame:
    """One row per station layout, strategy, seed, incident and stage: met or missed, when, and the time components.

    Empty when the dispatched crew cannot meet even the first stage.
    """
    offset = plan.clock_offset_s
    if "layout" not in runs.columns:  # tables written before station layouts existed: one layout
        runs = runs.assign(layout=ALL_STATIONS)
    rows = []
    for (layout, strategy, seed, incident), group in runs.groupby([*ARM, *INCIDENT_KEY], sort=False):
        arrived = group[group["arrived"]].sort_values("arrival_after_alarm_s")
        on_scene = arrived["crew"].cumsum()
        context = {c: group[c].iloc[0] for c in CONTEXT if c in group.columns}
        dispatched = int(group["crew"].sum())
        for index, stage in enumerate(plan.stages):
            need = plan.required_crew(index)
            if need > dispatched:
                break  # the experiment did not send this stage's crew: nothing to evaluate
            complete = arrived[on_scene >= need]
            first = complete.iloc[0] if len(complete) else None
            at = float(first["arrival_after_alarm_s"]) + offset if first is not None else float("nan")
            in_time = arrived[arrived["arrival_after_alarm_s"] + offset <= stage.time_limit_s]
            rows.append({
                "plan": plan.name, "clock": plan.clock, "layout": layout, "strategy": strategy, "seed": seed,
                "incident": incident,
                "stage": stage.name, "stage_index": index, "time_limit_s": stage.time_limit_s,
                "target_rate": stage.target_rate, "required_crew": need, "crew_in_time": int(in_time["crew"].sum()),
                "met": bool(at <= stage.time_limit_s), "arrival_s": at,
                "call_and_dispatch_s": offset,
                "turnout_s": float(first["turnout_s"]) if first is not None else float("nan"),
                "driving_s": float(first["driving_s"]) if first is not None else float("nan"),
                "station": first["station"] if first is not None else group["station"].iloc[0],
                **context,
            })
    return pd.DataFrame(rows)


def _rate_row(frame: pd.DataFrame) -> dict[str, object]:
    """n incidents; met: incidents met, each counted as its share of seeds met."""
    shares = frame.groupby("incident", sort=False)["met"].mean()
    n, met = len(shares), float(shares.sum())
    low, high = wilson_interval(met, n)
    return {"n": n, "met": met, "rate": met / n if n else float("nan"), "rate_low": low, "rate_high": high}


def compliance_summary(outcomes: pd.DataFrame, order: list[str] | None = None,
                       layouts: list[str] | None = None) -> pd.DataFrame:
    """Per plan, stage, station layout and strategy: n, Erreichungsgrad with interval, arrival times,
    and the paired difference to the same layout's baseline on the same incidents and seeds."""
    if outcomes.empty:
        return pd.DataFrame(columns=["plan", "stage", "stage_index", *ARM, "n", "met", "rate"])
    rows = []
    for (plan, stage_index, layout), by_stage in outcomes.groupby(["plan", "stage_index", "layout"], sort=False):
        base = by_stage[by_stage["strategy"] == BASELINE].set_index(INCIDENT_KEY)
        for strategy, frame in by_stage.groupby("strategy", sort=False):
            row = {"plan": plan, "stage": frame["stage"].iloc[0], "stage_index": stage_index, "layout": layout,
                   "strategy": strategy,
                   "target_rate": frame["target_rate"].iloc[0], "time_limit_s": frame["time_limit_s"].iloc[0],
                   **_rate_row(frame),
                   "arrival_median_s": frame["arrival_s"].median(),
                   "arrival_p90_s": frame["arrival_s"].quantile(0.9)}
            if strategy != BASELINE and len(base):
                row.update(_paired_change(base, frame.set_index(INCIDENT_KEY)))
            rows.append(row)
    return _ordered(pd.DataFrame(rows), layouts or list(dict.fromkeys(outcomes["layout"])), order)


def _ordered(table: pd.DataFrame, layouts: list[str], order: list[str] | None) -> pd.DataFrame:
    """Rows by plan and stage, then layouts in the experiment's order, then the baseline and its strategies."""
    rank = {name: i for i, name in enumerate([BASELINE, *(order or [])])}
    return table.sort_values(["plan", "stage_index", *ARM], key=lambda s: (
        s.map(lambda v: rank.get(v, len(rank))) if s.name == "strategy"
        else s.map(layouts.index) if s.name == "layout" else s), kind="stable").reset_index(drop=True)


def _paired_change(base: pd.DataFrame, mine: pd.DataFrame) -> dict[str, float]:
    """Change in rate and arrival time from `base` to `mine` on the incidents and seeds both have, one value per
    incident (averaged over its seeds): intervals and tests count incidents, not seeds."""
    common = base.index.intersection(mine.index)
    pairs = pd.DataFrame({"incident": common.get_level_values("incident"),
                          "met_a": base.loc[common, "met"].to_numpy(dtype=float),
                          "met_b": mine.loc[common, "met"].to_numpy(dtype=float),
                          "time_a": base.loc[common, "arrival_s"].to_numpy(dtype=float),
                          "time_b": mine.loc[common, "arrival_s"].to_numpy(dtype=float)})
    rates_by_incident = pairs.groupby("incident", sort=False)[["met_a", "met_b"]].mean()
    timed = pairs.dropna(subset=["time_a", "time_b"]).groupby("incident", sort=False)[["time_a", "time_b"]].mean()
    rates = compare_rates(rates_by_incident["met_a"].to_numpy(), rates_by_incident["met_b"].to_numpy())
    times = compare_times(timed["time_a"].to_numpy(), timed["time_b"].to_numpy())
    return {
        "rate_change": rates.difference, "rate_change_low": rates.low, "rate_change_high": rates.high,
        "rate_change_p": rates.p_value, "gained": rates.b_only, "lost": rates.a_only,
        "arrival_change_median_s": times.median_difference, "arrival_change_low_s": times.low,
        "arrival_change_high_s": times.high, "arrival_change_p": times.p_value,
    }


def layout_comparison(outcomes: pd.DataFrame, order: list[str] | None = None,
                      layouts: list[str] | None = None) -> pd.DataFrame:
    """Every station layout and strategy against the reference: the first layout without priority.

    Answers "how much of what new stations deliver could signal priority deliver": each arm's
    paired change in Erreichungsgrad and arrival time on the same incidents and seeds.
    Empty unless the experiment compares two or more layouts and some stage could be evaluated.
    """
    layouts = layouts or (list(dict.fromkeys(outcomes["layout"])) if len(outcomes) else [])
    if len(layouts) < 2 or outcomes.empty:
        return pd.DataFrame(columns=["plan", "stage", "stage_index", *ARM, "n", "met", "rate"])
    rows = []
    for (plan, stage_index), by_stage in outcomes.groupby(["plan", "stage_index"], sort=False):
        reference = by_stage[(by_stage["layout"] == layouts[0]) & (by_stage["strategy"] == BASELINE)]
        base = reference.set_index(INCIDENT_KEY)
        for (layout, strategy), frame in by_stage.groupby(ARM, sort=False):
            row = {"plan": plan, "stage": frame["stage"].iloc[0], "stage_index": stage_index, "layout": layout,
                   "strategy": strategy, "reference": f"{layouts[0]}/{BASELINE}",
                   "target_rate": frame["target_rate"].iloc[0], **_rate_row(frame),
                   "arrival_median_s": frame["arrival_s"].median()}
            if len(base) and not (layout == layouts[0] and strategy == BASELINE):
                row.update(_paired_change(base, frame.set_index(INCIDENT_KEY)))
            rows.append(row)
    return _ordered(pd.DataFrame(rows), layouts, order)


def compliance_breakdown(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Erreichungsgrad by time band, district and station, with n so that small samples show."""
    if outcomes.empty:
        return pd.DataFrame(columns=["plan", "stage", *ARM, "by", "value", "n", "met", "rate"])
    rows = []
    for by in ("band", "district", "station"):
        if by not in outcomes.columns:
            continue
        for (plan, stage, layout, strategy, value), frame in outcomes.groupby(["plan", "stage", *ARM, by], sort=False):
            rows.append({"plan": plan, "stage": stage, "layout": layout, "strategy": strategy, "by": by, "value": value,
                         **_rate_row(frame)})
    return pd.DataFrame(rows)


def components(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Mean time components (call and dispatch, turnout, driving) per plan, stage, layout and strategy."""
    parts = ["call_and_dispatch_s", "turnout_s", "driving_s"]
    if outcomes.empty:
        return pd.DataFrame(columns=["plan", "stage", *ARM, *parts])
    return (outcomes.groupby(["plan", "stage", *ARM], sort=False)[parts]
            .agg(lambda s: float(np.nanmean(s)) if s.notna().any() else float("nan")).reset_index())
