"""Tidy result tables, their files, and the summary computed from the tables alone.

Files in results/<experiment>/:
  runs.parquet          one row per engine trip (with the time lost at each signal as a list)
  signals.parquet       one row per engine and signal passed
  other_traffic.parquet one row per run: delay of all other vehicles, monitor counts by kind
  preemptions.parquet   what each signal did: granted, green, checkout, cancel, max_presence, resumed
  requests.parquet      request and status messages in the shape of SAE J2735 SRM / SSM
  violations.parquet    every conflict-monitor violation (normally empty)
  trajectories.parquet  engine position and speed per step (for time-space diagrams)
  signal_states.parquet every state change of the signals on the engines' routes (SUMO's record)
  delay_by_entry.parquet other traffic's delay per entry edge (cost per approach and side street)
  compliance_incidents.parquet  per plan, strategy, incident and stage: met, arrival, time components
  compliance.parquet    per plan, stage, station layout and strategy: Erreichungsgrad with interval,
                        paired change against the layout's run without priority
  compliance_layouts.parquet  with two or more station layouts: every layout and strategy against
                        the first layout without priority
  compliance_breakdown.parquet  the same by time band, district and station
  time_components.parquet  mean call and dispatch, turnout and driving time
  summary.json          provenance, the per-strategy summary and the compliance headline
Every table carries the provenance columns, and the parquet files also as metadata.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from signalprio.compliance.evaluate import (compliance_breakdown, compliance_summary, components, incident_outcomes,
                                            layout_comparison)
from signalprio.compliance.plans import RequirementPlan
from signalprio.run import RunResult

BASELINE = "none"


def tables(results: list[RunResult], stamp: dict[str, str]) -> dict[str, pd.DataFrame]:
    """Collect run rows into tables, keyed rows first, provenance last."""
    rows: dict[str, list[dict[str, object]]] = {k: [] for k in
                                                ("runs", "signals", "other_traffic", "preemptions", "requests",
                                                 "violations", "trajectories", "signal_states", "delay_by_entry")}
    for result in results:
        lost = {row["vehicle"]: [] for row in result.trips}
        for row in result.signals:
            lost[row["vehicle"]].append({"signal_id": row["signal_id"], "time_lost_s": row["time_lost_s"]})
        rows["runs"] += [{**result.key, **row, "time_lost_by_signal": lost[row["vehicle"]]} for row in result.trips]
        rows["signals"] += [{**result.key, **row} for row in result.signals]
        rows["other_traffic"].append({**result.key, **result.other_traffic})
        rows["preemptions"] += [{**result.key, **row} for row in result.preemptions]
        rows["requests"] += [{**result.key, **row} for row in result.requests]
        rows["violations"] += [{**result.key, **row} for row in result.violations]
        rows["trajectories"] += [{**result.key, **row} for row in result.trajectories]
        rows["signal_states"] += [{**result.key, **row} for row in result.signal_states]
        rows["delay_by_entry"] += [{**result.key, **row} for row in result.delay_by_entry]
    out = {}
    for name, items in rows.items():
        frame = pd.DataFrame(items)
        for key, value in stamp.items():
            frame[key] = value
        sort = [c for c in ("layout", "strategy", "seed", "incident") if c in frame.columns]
        out[name] = frame.sort_values(sort, kind="stable").reset_index(drop=True) if sort else frame
    return out


def _atomic_write(path: Path, write: object) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)  # type: ignore[operator]
    os.replace(tmp, path)


def write_tables(folder: Path, frames: dict[str, pd.DataFrame], stamp: dict[str, str],
                 parameters: dict[str, object]) -> None:
    """Parquet files, each carrying the provenance and the experiment's parameters as metadata."""
    folder.mkdir(parents=True, exist_ok=True)
    metadata = {**{f"signalprio.{k}": v for k, v in stamp.items()},
                "signalprio.parameters": json.dumps(parameters, sort_keys=True)}
    for name, frame in frames.items():
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               **{k.encode(): v.encode() for k, v in metadata.items()}})
        _atomic_write(folder / f"{name}.parquet", lambda p, t=table: pq.write_table(t, p))


def summarise(frames: dict[str, pd.DataFrame], order: list[str] | None = None,
              layouts: list[str] | None = None) -> pd.DataFrame:
    """Per station layout and strategy: driving time, seconds saved per signal against the baseline
    of the same layout (paired by seed, incident and vehicle), others' delay, recovery time, violations."""
    runs, other, events = frames["runs"], frames["other_traffic"], frames["preemptions"]
    rank = {name: i for i, name in enumerate([BASELINE, *(order or [])])}
    layouts = [layout for layout in layouts or list(dict.fromkeys(runs["layout"])) if layout in set(runs["layout"])]
    parts = [_summarise_layout(layout, runs[runs["layout"] == layout], other[other["layout"] == layout],
                               events[events["layout"] == layout] if len(events) else events)
             for layout in layouts]
    return (pd.concat(parts, ignore_index=True)
            .sort_values("strategy", key=lambda s: s.map(lambda v: rank.get(v, len(rank))), kind="stable")
            .sort_values("layout", key=lambda s: s.map(layouts.index), kind="stable")
            .reset_index(drop=True))


def _summarise_layout(layout: str, runs: pd.DataFrame, other: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    key = ["seed", "incident"]
    has_base = BASELINE in set(other["strategy"])
    base = other[other["strategy"] == BASELINE].set_index(key)["other_delay_s"] if has_base else None
    base_trips = runs[runs["strategy"] == BASELINE].set_index([*key, "vehicle"]) if has_base else None
    rows = []
    for strategy, trips in runs.groupby("strategy", sort=False):
        resumed = events[(events["strategy"] == strategy) & (events["event"] == "resumed")] if len(events) else events
        row = {
            "layout": layout,
            "strategy": strategy,
            "trips": len(trips),
            "arrived": int(trips["arrived"].sum()),
            "driving_median_s": trips["driving_s"].median(),
            "driving_p90_s": trips["driving_s"].quantile(0.9),
            "arrival_median_s": trips["arrival_after_alarm_s"].median(),
            "time_lost_at_signals_median_s": trips["time_lost_at_signals_s"].median(),
            "stops_mean": trips["stops"].mean(),
            "recovery_median_s": resumed["detail"].median() if len(resumed) else float("nan"),
            "monitor_violations": int(trips["monitor_violations"].sum()),
        }
        if base is not None and base_trips is not None:
            runs_other = other[other["strategy"] == strategy].set_index(key)["other_delay_s"]
            paired = (runs_other - base).dropna()
            row["other_delay_change_per_incident_s"] = paired.mean()
            row["other_delay_change_pct"] = 100 * (runs_other.loc[paired.index].sum() / base.loc[paired.index].sum() - 1)
            mine = trips.set_index([*key, "vehicle"])
            saved = (base_trips["driving_s"] - mine["driving_s"]).dropna()
            signals = mine.loc[saved.index, "signals_passed"].clip(lower=1)
            row["saved_per_signal_s"] = float((saved / signals).mean()) if len(saved) else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


def add_compliance(frames: dict[str, pd.DataFrame], plans: list[RequirementPlan], order: list[str],
                   stamp: dict[str, str], layouts: list[str] | None = None) -> None:
    """Compliance tables for every plan, computed from the runs table alone."""
    outcomes = pd.concat([incident_outcomes(frames["runs"], plan) for plan in plans], ignore_index=True)
    derived = {
        "compliance_incidents": outcomes,
        "compliance": compliance_summary(outcomes, order, layouts),
        "compliance_layouts": layout_comparison(outcomes, order, layouts),
        "compliance_breakdown": compliance_breakdown(outcomes),
        "time_components": components(outcomes),
    }
    for name, frame in derived.items():
        for key, value in stamp.items():
            frame[key] = value
        frames[name] = frame


def write_summary(folder: Path, summary: pd.DataFrame, stamp: dict[str, str], extra: dict[str, object]) -> None:
    document = {"provenance": stamp, **extra, "strategies": json.loads(summary.to_json(orient="records"))}
    _atomic_write(folder / "summary.json", lambda p: p.write_text(json.dumps(document, indent=2) + "\n"))
