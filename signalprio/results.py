"""Tidy result tables, their files, and the summary computed from the tables alone.

Files in results/<experiment>/:
  runs.parquet          one row per engine trip (with the time lost at each signal as a list)
  signals.parquet       one row per engine and signal passed
  other_traffic.parquet one row per run: delay of all other vehicles, monitor counts by kind
  preemptions.parquet   what each signal did: granted, green, checkout, cancel, max_presence, resumed
  requests.parquet      request and status messages in the shape of SAE J2735 SRM / SSM
  violations.parquet    every conflict-monitor violation (normally empty)
  trajectories.parquet  engine position, speed and route edge per step (time-space diagrams, coverage maps)
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

import functools
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict

from signalprio.compliance.evaluate import (
    compliance_breakdown,
    compliance_summary,
    components,
    incident_outcomes,
    layout_comparison,
)
from signalprio.compliance.plans import RequirementPlan
from signalprio.config import load_json
from signalprio.errors import UserError
from signalprio.files import atomic_write, atomic_write_text
from signalprio.names import BASELINE
from signalprio.runs import RunResult
from signalprio.schema import RUN_TABLES, TABLES, columns


def tables(results: list[RunResult], stamp: dict[str, str]) -> dict[str, pd.DataFrame]:
    """Collect run rows into the run tables, keyed rows first, provenance last."""
    rows: dict[str, list[dict[str, object]]] = {name: [] for name in RUN_TABLES}
    for result in results:
        lost: dict[object, list[dict[str, object]]] = {row["vehicle"]: [] for row in result.trips}
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
        frame = stamped(name, pd.DataFrame(items), stamp)
        sort = [c for c in ("layout", "strategy", "seed", "incident") if c in frame.columns]
        out[name] = frame.sort_values(sort, kind="stable").reset_index(drop=True)
    return out


def stamped(name: str, frame: pd.DataFrame, stamp: dict[str, str]) -> pd.DataFrame:
    """The frame with the provenance added and exactly its table's columns, in schema order.

    A column the schema does not know is a programming error; a missing one (an empty table,
    or a comparison without a baseline) stays empty.
    """
    frame = frame.assign(**stamp)
    expected = columns(name)
    unknown = [c for c in frame.columns if c not in expected]
    if unknown:
        raise ValueError(f"table {name}: columns {unknown} are not in its schema (signalprio.schema)")
    for column in TABLES[name]:
        if column.name not in frame.columns:  # NaN in number columns, as pandas reads an empty one back
            frame[column.name] = float("nan") if pa.types.is_floating(column.type) else None
    return frame[expected]


def write_tables(folder: Path, frames: dict[str, pd.DataFrame], stamp: dict[str, str],
                 parameters: dict[str, object]) -> None:
    """Parquet files through their schemas, each carrying the provenance and the experiment's parameters."""
    folder.mkdir(parents=True, exist_ok=True)
    metadata = {**{f"signalprio.{k}": v for k, v in stamp.items()},
                "signalprio.parameters": json.dumps(parameters, sort_keys=True)}
    for name, frame in frames.items():
        table = pa.Table.from_pandas(frame, schema=TABLES[name], preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               **{k.encode(): v.encode() for k, v in metadata.items()}})
        atomic_write(folder / f"{name}.parquet", functools.partial(pq.write_table, table))


def read_table(folder: Path, name: str) -> pd.DataFrame:
    """A result table, checked against its schema: a missing, unreadable or foreign file is an input error."""
    path = folder / f"{name}.parquet"
    if not path.is_file():
        raise UserError(f"{folder}: no {name}.parquet here (run an experiment first)")
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as error:
        raise UserError(f"{path}: not a readable parquet file ({error})") from None
    missing = [c for c in TABLES[name].names if c not in table.schema.names]
    if missing:
        raise UserError(f"{path}: column '{missing[0]}' is missing: not a {name} table of this signalprio version")
    return table.to_pandas()


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
            "engine_collisions": int(trips["collisions"].sum()),
            "engine_teleports": int(trips["teleported"].sum()),
            "reds_entered_per_trip": float(trips["reds_entered"].mean()),
            "red_entry_speed_max_kmh": float(trips["red_entry_speed_max_kmh"].max()),
            "ssm_conflicts_per_trip": float(trips["ssm_conflicts"].mean()),
            "emergency_braking_per_run": float(other.loc[other["strategy"] == strategy, "emergency_braking"].mean()),
            "held_for_engines_per_run": float(other.loc[other["strategy"] == strategy, "held_for_engines"].mean()),
        }
        if base is not None and base_trips is not None:
            runs_other = other[other["strategy"] == strategy].set_index(key)["other_delay_s"]
            paired = (runs_other - base).dropna()
            row["other_delay_change_per_incident_s"] = paired.mean()
            base_total = base.loc[paired.index].sum()
            row["other_delay_change_pct"] = (100 * (runs_other.loc[paired.index].sum() / base_total - 1)
                                             if base_total else float("nan"))  # no delay to compare with
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
        frames[name] = stamped(name, frame, stamp)


def evaluate_under(runs: pd.DataFrame, plan: RequirementPlan, stamp: dict[str, str],
                   folder: Path | None = None) -> dict[str, pd.DataFrame]:
    """The compliance tables of saved runs under another plan (written to `folder` when given). The runs keep the
    turnout times of the plan they were simulated with; only the evaluation changes."""
    frames = {"runs": runs}
    layouts = list(dict.fromkeys(runs["layout"]))
    add_compliance(frames, [plan], list(dict.fromkeys(runs["strategy"])), stamp, layouts)
    del frames["runs"]
    if folder is not None:
        write_tables(folder, frames, stamp, {"plan": plan.model_dump(mode="json")})
    return frames


class Summary(BaseModel):
    """The schema of summary.json: what produced the results, the per-strategy summary and the compliance headline."""

    model_config = ConfigDict(extra="forbid")
    provenance: dict[str, str]
    parameters: dict[str, Any]
    plans: list[dict[str, Any]]
    compliance: list[dict[str, Any]]
    runs: int
    failed: list[dict[str, Any]]
    strategies: list[dict[str, Any]]
    network: str = ""  # the network file the runs used: the report reads street names from it


def write_summary(folder: Path, summary: pd.DataFrame, stamp: dict[str, str], extra: dict[str, Any]) -> None:
    document = Summary.model_validate({"provenance": stamp, **extra,
                                       "strategies": json.loads(summary.to_json(orient="records"))})
    atomic_write_text(folder / "summary.json", json.dumps(document.model_dump(mode="json"), indent=2) + "\n")


def read_summary(folder: Path) -> Summary:
    """summary.json of a results folder; a missing or damaged one is one clear input error."""
    path = folder / "summary.json"
    if not path.is_file():
        raise UserError(f"{folder}: no summary.json here (run an experiment first)")
    return load_json(path, Summary, "summary", "; run the experiment again to rewrite it")
