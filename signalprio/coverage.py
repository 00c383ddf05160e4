"""Coverage: the first stage's arrival time after the alarm on every road of a scenario, per station layout and
strategy, from the engines' own traversal times in the simulation.

Planning tools draw isochrones from assumed speeds and a fixed delay per obstacle; none knows what signal priority
changes. Here every edge an engine drove through in an experiment has its measured times (the junction at its end
included, so a red or a green wave there counts), per strategy; an edge no engine drove gets the free-flow time
scaled as the measured edges were (and, ending at a signal, their median delay there). A shortest-path search from
a layout's stations over these times gives each edge's arrival time; leaving one incident out at a time and
predicting it from the others says how far the map can be trusted.

Pure: tables and the network model in, tables out.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from signalprio.errors import UserError
from signalprio.model.network import Network

RUN = ["layout", "strategy", "seed", "incident", "vehicle"]


def passages(trajectories: pd.DataFrame) -> pd.DataFrame:
    """One row per engine and whole edge it drove: `entered_s` and `seconds` until it entered the next edge.

    The first edge (left from the station, part of it) and the last (driven up to the incident) are not whole
    traversals and are left out; so is time on an edge the engine never left (it arrived there)."""
    if "edge" not in trajectories.columns or trajectories.empty:
        return pd.DataFrame(columns=[*RUN, "edge", "entered_s", "seconds"])
    steps = trajectories.sort_values([*RUN, "time_s"], kind="stable")
    steps = steps[steps["edge"] != ""]
    keyed = steps[[*RUN, "edge"]]
    changed = (keyed != keyed.shift()).any(axis=1)
    entries = steps.loc[changed, [*RUN, "edge", "time_s"]].rename(columns={"time_s": "entered_s"})
    entries["left_s"] = entries.groupby(RUN, sort=False)["entered_s"].shift(-1)
    entries["order"] = entries.groupby(RUN, sort=False).cumcount()
    whole = entries[(entries["order"] > 0) & entries["left_s"].notna()].copy()
    whole["seconds"] = whole["left_s"] - whole["entered_s"]
    return whole[[*RUN, "edge", "entered_s", "seconds"]].reset_index(drop=True)


@dataclass(frozen=True)
class EdgeTimes:
    """Seconds to drive each edge and through the junction at its end, for one strategy."""

    seconds: dict[str, float]
    measured: dict[str, tuple[int, float, float]]  # edge -> traversals, P10 and P90 seconds
    speed_ratio: float  # free-flow time x this = the time on an edge measured without a signal at its end
    signal_delay_s: float  # and this much more where a stop line ends it (median over the measured ones)


def edge_times(network: Network, passages_of_strategy: pd.DataFrame) -> EdgeTimes:
    """Measured mean where engines drove, the scaled free-flow model elsewhere."""
    if passages_of_strategy.empty:
        raise UserError("no engine drove a whole edge in these results: run the experiment first, with incidents "
                        "far enough from the stations that engines pass at least one junction")
    grouped = passages_of_strategy.groupby("edge")["seconds"]
    # the mean, not the median: a trip's time is the sum of its edges' times, and the sum of skewed medians
    # (a red here, a queue there) falls short of the typical trip
    stats = pd.DataFrame({"n": grouped.size(), "mean": grouped.mean(), "p10": grouped.quantile(0.1),
                          "p90": grouped.quantile(0.9)})
    free = {edge: free_flow_s(network, edge) for edge in network.edge_lengths}
    approaches = network.signal_approaches
    plain = [stats.at[e, "mean"] / free[e] for e in stats.index if e in free and e not in approaches and free[e] > 0]
    ratio = float(np.median(plain)) if plain else float(np.median(
        [stats.at[e, "mean"] / free[e] for e in stats.index if free.get(e, 0) > 0] or [1.0]))
    delays = [max(stats.at[e, "mean"] - ratio * free[e], 0.0) for e in stats.index if e in approaches and e in free]
    delay = float(np.median(delays)) if delays else 0.0
    seconds = {edge: ratio * f + (delay if edge in approaches else 0.0) for edge, f in free.items()}
    seconds.update({str(e): float(stats.at[e, "mean"]) for e in stats.index})
    measured = {str(e): (int(stats.at[e, "n"]), float(stats.at[e, "p10"]), float(stats.at[e, "p90"]))
                for e in stats.index}
    return EdgeTimes(seconds, measured, ratio, delay)


def free_flow_s(network: Network, edge: str) -> float:
    return network.edge_lengths[edge] / max(network.edge_speeds.get(edge, 13.9), 0.1)


def reach_times(network: Network, times: EdgeTimes, starts: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Seconds from leaving a station until an engine enters each edge (the fastest of `starts`: edge, position)."""
    best: dict[str, float] = {}
    queue: list[tuple[float, str]] = []
    for edge, position in starts:
        share = 1.0 - min(position / max(network.edge_lengths[edge], 0.1), 1.0)
        best[edge] = min(best.get(edge, float("inf")), 0.0)
        for following in network.successors.get(edge, ()):
            heapq.heappush(queue, (share * times.seconds[edge], following))
    while queue:
        cost, edge = heapq.heappop(queue)
        if cost >= best.get(edge, float("inf")):
            continue
        best[edge] = cost
        for following in network.successors.get(edge, ()):
            if cost + times.seconds[edge] < best.get(following, float("inf")):
                heapq.heappush(queue, (cost + times.seconds[edge], following))
    return best


def driving_to(network: Network, times: EdgeTimes, reach: Mapping[str, float], edge: str, position_m: float) -> float:
    """Seconds from leaving the station to a point on `edge`: into the edge, then along it at the edge's own pace
    (without the junction at its end)."""
    along = times.speed_ratio * free_flow_s(network, edge) * min(position_m / max(network.edge_lengths[edge], 0.1), 1)
    return reach.get(edge, float("inf")) + along


@dataclass(frozen=True)
class Arm:
    """One station layout under one strategy: where its engines start and what the first stage adds to driving."""

    layout: str
    strategy: str
    starts: tuple[tuple[str, float], ...]  # station edges and positions
    offset_s: float  # median call and dispatch + turnout + departure gaps of the vehicle that completes the stage


def coverage(network: Network, arms: list[Arm], times: Mapping[str, EdgeTimes], limit_s: float) -> pd.DataFrame:
    """Per arm and edge: the first stage's arrival at the edge's middle (seconds after the alarm), whether it is
    within the limit, and what the edge's time rests on (traversals measured, their P10 and P90)."""
    rows = []
    for arm in arms:
        edge_time = times[arm.strategy]
        reach = reach_times(network, edge_time, arm.starts)
        for edge, length in network.edge_lengths.items():
            arrival = arm.offset_s + driving_to(network, edge_time, reach, edge, length / 2)
            n, p10, p90 = edge_time.measured.get(edge, (0, float("nan"), float("nan")))
            rows.append({"layout": arm.layout, "strategy": arm.strategy, "edge": edge, "length_m": length,
                         "arrival_s": arrival, "within_limit": arrival <= limit_s, "traversals": n,
                         "edge_p10_s": p10, "edge_p90_s": p90, "source": "measured" if n else "model"})
    return pd.DataFrame(rows)


def shares(table: pd.DataFrame, districts: Mapping[str, list[str]], weights: Mapping[str, float]) -> pd.DataFrame:
    """Per arm: the share of road length reached within the limit, on the whole network, in each district, and
    over the districts weighted as the experiment samples incidents (`weights`, where it gives them)."""
    out = []
    edge_district = {edge: name for name, edges in districts.items() for edge in edges}
    for (layout, strategy), arm in table.groupby(["layout", "strategy"], sort=False):
        # roads no station reaches (a one-way piece leading nowhere) count as not reached in time
        scopes = {"network": arm, **{name: arm[arm["edge"].map(edge_district) == name] for name in districts}}
        for scope, edges in scopes.items():
            out.append({"layout": layout, "strategy": strategy, "scope": scope,
                        "road_km": edges["length_m"].sum() / 1000, "share_within": _share(edges)})
        weighted = {name: w for name, w in weights.items() if name in districts and len(scopes[name])}
        if weighted:
            value = sum(_share(scopes[name]) * w for name, w in weighted.items()) / sum(weighted.values())
            out.append({"layout": layout, "strategy": strategy, "scope": "districts weighted",
                        "road_km": sum(scopes[name]["length_m"].sum() for name in weighted) / 1000,
                        "share_within": value})
    return pd.DataFrame(out)


def _share(edges: pd.DataFrame) -> float:
    total = edges["length_m"].sum()
    return float(edges.loc[edges["within_limit"], "length_m"].sum() / total) if total else float("nan")


def validate(network: Network, arms: list[Arm], passage_table: pd.DataFrame, incidents: Mapping[str, tuple[str, float]],
             simulated: pd.DataFrame, limit_s: float) -> pd.DataFrame:
    """Leave one incident out: its arrival predicted from the other incidents' traversals against the simulated one.
    `simulated`: the first stage's rows of compliance_incidents (layout, strategy, incident, arrival_s, met)."""
    rows = []
    for arm in arms:
        own = simulated[(simulated["layout"] == arm.layout) & (simulated["strategy"] == arm.strategy)]
        drives = passage_table[passage_table["strategy"] == arm.strategy]
        for incident, outcome in own.groupby("incident", sort=True):
            others = drives[drives["incident"] != incident]
            if others.empty:
                continue
            times = edge_times(network, others)
            edge, position = incidents[str(incident)]
            predicted = arm.offset_s + driving_to(network, times, reach_times(network, times, arm.starts), edge,
                                                  position)
            arrival = float(outcome["arrival_s"].mean())  # over the incident's seeds
            rows.append({"layout": arm.layout, "strategy": arm.strategy, "incident": incident,
                         "predicted_s": predicted, "simulated_s": arrival, "error_s": predicted - arrival,
                         "same_verdict": (predicted <= limit_s) == bool(outcome["met"].mean() >= 0.5)})
    return pd.DataFrame(rows)


def validation_summary(validation: pd.DataFrame) -> pd.DataFrame:
    """Per arm: incidents, median and P90 absolute error, median signed error (bias), share judged alike."""
    grouped = validation.assign(abs_error_s=validation["error_s"].abs()).groupby(["layout", "strategy"], sort=False)
    return pd.DataFrame({
        "incidents": grouped.size(), "abs_error_median_s": grouped["abs_error_s"].median(),
        "abs_error_p90_s": grouped["abs_error_s"].quantile(0.9), "bias_median_s": grouped["error_s"].median(),
        "same_verdict": grouped["same_verdict"].mean()}).reset_index()
