"""The year's tables from its dispatches and runs: per incident who went and whether the first stage was met, and
per station layout and strategy the year's Erreichungsgrad with incident-level 95 % intervals, the change against
'none' on the same incidents, the share served from farther away and the mean busy time. Pure: tables only.

Counted: critical incidents (the incident type says so) whose run is valid. An incident that no unit was free for,
or whose free units cannot bring the first stage's crew, is missed; a failed run (collision, teleport, engine not
arrived, conflict-monitor violation) is left out and counted in `failed`, never as met or missed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from signalprio.compliance.evaluate import incident_outcomes
from signalprio.compliance.plans import RequirementPlan
from signalprio.compliance.stats import compare_rates, wilson_interval
from signalprio.names import BASELINE
from signalprio.results import stamped, tables
from signalprio.runs import RunResult
from signalprio.year.availability import Assignment

ArmKey = tuple[str, str, int]  # layout, strategy, seed


def incident_rows(assignments: dict[ArmKey, list[Assignment]], results: dict[tuple[ArmKey, str], RunResult],
                  failed: dict[tuple[ArmKey, str], str], plan: RequirementPlan,
                  critical: dict[str, bool], stamp: dict[str, str]) -> pd.DataFrame:
    """One row per layout, strategy, seed and incident of the year."""
    final = [results[(arm, a.signature)] for arm, plan_of_arm in assignments.items() for a in plan_of_arm
             if (arm, a.signature) in results]
    outcomes = incident_outcomes(tables(final, stamp)["runs"], plan) if final else pd.DataFrame()
    first = {} if outcomes.empty else {
        (row.layout, row.strategy, int(row.seed), row.incident): (row.met, row.arrival_s)
        for row in outcomes[outcomes["stage_index"] == 0].itertuples()}
    rows = []
    for (layout, strategy, seed), plan_of_arm in assignments.items():
        for a in plan_of_arm:
            incident, name = a.incident, ((layout, strategy, seed), a.signature)
            status = ("no unit free" if not a.sent else "failed" if name in failed
                      else "simulated" if name in results else "not simulated")
            met, arrival = first.get((layout, strategy, seed, a.signature), (False, float("nan")))
            counted = critical[incident.type] and status in ("simulated", "no unit free")
            rows.append({
                "layout": layout, "strategy": strategy, "seed": seed, "incident": incident.id,
                "time_h": incident.time_h, "when": incident.when, "band": incident.band, "district": incident.district,
                "type": incident.type, "critical": critical[incident.type],
                "units": ", ".join(s.unit.id for s in a.sent), "units_sent": len(a.sent),
                "farther": any(s.farther for s in a.sent), "missing": ", ".join(a.missing),
                "busy_s": float(np.mean([s.busy_s for s in a.sent])) if a.sent else float("nan"), "status": status,
                "met": float(met) if counted else float("nan"), "arrival_s": arrival,
                "run": a.signature if a.sent else ""})
    return stamped("year_incidents", pd.DataFrame(rows), stamp)


def summary(incidents: pd.DataFrame, plan: RequirementPlan, order: list[str], rounds: int, settled: bool,
            stamp: dict[str, str]) -> pd.DataFrame:
    """Per layout and strategy: the year's Erreichungsgrad of the first stage, and what availability did."""
    stage = plan.stages[0]
    rows = []
    for layout, of_layout in incidents.groupby("layout", sort=False):
        per_incident = {strategy: group.groupby("incident", sort=True)["met"].mean().dropna()
                        for strategy, group in of_layout.groupby("strategy", sort=False)}
        for strategy in [s for s in order if s in per_incident]:
            group = of_layout[of_layout["strategy"] == strategy]
            shares = per_incident[strategy]
            n, met = len(shares), float(shares.sum())
            low, high = wilson_interval(met, n)
            change = {}
            if strategy != BASELINE and BASELINE in per_incident:
                common = shares.index.intersection(per_incident[BASELINE].index)
                if len(common):
                    paired = compare_rates(per_incident[BASELINE][common].to_numpy(), shares[common].to_numpy())
                    change = {"rate_change": paired.difference, "rate_change_low": paired.low,
                              "rate_change_high": paired.high, "rate_change_p": paired.p_value}
            critical = group[group["critical"]]
            served = critical[critical["status"] == "simulated"]
            rows.append({
                "plan": plan.name, "stage": stage.name, "layout": layout, "strategy": strategy,
                "incidents": int(group["incident"].nunique()), "n": n, "met": met,
                "rate": met / n if n else float("nan"), "rate_low": low, "rate_high": high, **change,
                "farther_share": float(served["farther"].mean()) if len(served) else float("nan"),
                "missing_share": float((critical["missing"] != "").mean()) if len(critical) else float("nan"),
                "busy_min_mean": float((group["busy_s"] * group["units_sent"]).sum() / group["units_sent"].sum() / 60)
                if group["units_sent"].sum() else float("nan"),
                "failed": int((group["status"] == "failed").sum()),
                "not_simulated": int((group["status"] == "not simulated").sum()),
                "rounds": rounds, "settled": settled})
    return stamped("year_summary", pd.DataFrame(rows), stamp)
