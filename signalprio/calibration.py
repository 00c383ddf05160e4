"""The no-priority run against field figures: average speed in town and the time lost at a red crossed.

Every benefit of priority is measured against the run without it, so that run must land where fire services'
own figures lie. Computed from the result tables alone (runs and signals), for the baseline strategy.
"""

from __future__ import annotations

import pandas as pd

from signalprio.measure import RED
from signalprio.names import BASELINE

# (low, high, source) of each figure; docs/vehicles.md gives the sources in full
FIELD: dict[str, tuple[float, float, str]] = {
    "average_speed_kmh": (34.0, 40.0, "planning value for blue-light runs in town, junctions included"),
    "loss_per_red_crossed_s": (10.0, 45.0, "vendor about 10 s per signal, Bonn budgets 30 s, Fairfax 30-45 s"),
}


def calibration(runs: pd.DataFrame, signals: pd.DataFrame, strategy: str = BASELINE) -> pd.DataFrame:
    """Per figure: median, P10, P90 and count for `strategy`, the field range and whether the median lies in it."""
    trips = runs[(runs["strategy"] == strategy) & runs["arrived"] & (runs["driving_s"] > 0)]
    speed = 3.6 * trips["distance_m"] / trips["driving_s"]
    passed = signals[(signals["strategy"] == strategy) & signals["passed_s"].notna()]
    red = passed["state_at_passage"].fillna("").map(lambda state: bool(state) and state in RED)
    figures = {"average_speed_kmh": speed, "loss_per_red_crossed_s": passed.loc[red, "time_lost_s"],
               "loss_per_signal_passed_on_green_s": passed.loc[~red, "time_lost_s"]}
    rows = []
    for name, values in figures.items():
        low, high, source = FIELD.get(name, (float("nan"), float("nan"), ""))
        median = float(values.median()) if len(values) else float("nan")
        rows.append({"figure": name, "n": len(values), "median": median,
                     "mean": float(values.mean()) if len(values) else float("nan"),
                     "p10": float(values.quantile(0.1)) if len(values) else float("nan"),
                     "p90": float(values.quantile(0.9)) if len(values) else float("nan"),
                     "field_low": low, "field_high": high, "source": source,
                     "inside": bool(low <= median <= high) if source and len(values) else None})
    return pd.DataFrame(rows)
