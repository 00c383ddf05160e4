"""Coverage maps of an experiment's results (`signalprio coverage`): tables, one map per station layout and
strategy, the difference priority makes, and GIS files, written to RESULTS/coverage/.

Everything comes from the results folder (the engines' traversals in trajectories.parquet, the first stage's
outcomes in compliance_incidents.parquet) and the scenario's network; nothing here runs a simulation. Needs the
optional extra signalprio[report] (matplotlib) for the maps.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import matplotlib  # the optional extra 'report': imported first, so a missing one fails before anything is written

matplotlib.use("Agg")  # files only, no screen
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.colors import BoundaryNorm, ListedColormap, Normalize

from signalprio.coverage import Arm, coverage, edge_times, passages, shares, validate, validation_summary
from signalprio.errors import UserError
from signalprio.experiment import LoadedExperiment
from signalprio.files import atomic_write_text
from signalprio.names import BASELINE, NAMES
from signalprio.pipeline import plan_incidents
from signalprio.results import read_summary, read_table, stamped, write_tables
from signalprio.sumo.loader import edge_geometry, load_network, street_names

TEXT = {
    "de": {"title": "{layout} · {strategy}: Eintreffzeit Stufe 1 nach Alarm", "minutes": "Minuten nach Alarm",
           "within": "{share} % des Straßennetzes innerhalb von {limit} min", "limit": "Frist {limit} min",
           "station": "Wache", "unreached": "nicht erreicht",
           "saved": "{layout}: Zeitgewinn durch {strategy} gegenüber ohne Vorrang",
           "seconds": "Sekunden früher", "basis": "Grundlage: {runs} simulierte Läufe, {measured} von {edges} "
                                                   "Straßenabschnitten befahren; übrige aus dem Modell"},
    "en": {"title": "{layout} · {strategy}: stage 1 arrival after the alarm", "minutes": "minutes after the alarm",
           "within": "{share} % of the road network within {limit} min", "limit": "limit {limit} min",
           "station": "station", "unreached": "not reached",
           "saved": "{layout}: time {strategy} saves against no priority",
           "seconds": "seconds earlier", "basis": "Based on {runs} simulated runs, {measured} of {edges} road "
                                                   "sections driven; the others modelled"},
}


@dataclass(frozen=True)
class Coverage:
    frames: dict[str, pd.DataFrame]  # coverage, coverage_shares, coverage_validation (stamped)
    accuracy: pd.DataFrame  # validation summary per arm
    runs: int  # simulated runs the times rest on
    limit_s: float


def build(loaded: LoadedExperiment, folder: Path) -> Coverage:
    """The coverage tables of an experiment's results folder."""
    trajectories = read_table(folder, "trajectories")
    if trajectories.empty or "edge" not in trajectories.columns or trajectories["edge"].fillna("").eq("").all():
        raise UserError(f"{folder}: the results record no route edges (written by an older signalprio); run the "
                        "experiment again with --fresh")
    outcomes = read_table(folder, "compliance_incidents")
    plan = loaded.plan
    stage = plan.stages[0]
    first = outcomes[(outcomes["plan"] == plan.name) & (outcomes["stage_index"] == 0)]
    if first.empty:
        raise UserError(f"{folder}: no incident was evaluated against {plan.name} {stage.name} (the dispatch is "
                        "smaller than the stage's crew?): coverage maps show the first stage's arrival")
    network = load_network(loaded.scenario.network_path())
    runs = read_table(folder, "runs")
    key = ["layout", "strategy", "seed", "incident"]
    # the vehicle that completes the first stage (the last of it to arrive, often the slower DLK) sets the stage's
    # arrival: its traversals, not the faster command car's, are the ones that count
    last = runs[runs["dispatch_stage"] == 1].sort_values("arrived_s", kind="stable").groupby(key).tail(1)
    drives = passages(trajectories).merge(last[[*key, "vehicle"]], on=[*key, "vehicle"])
    times = {strategy: edge_times(network, drives[drives["strategy"] == strategy])
             for strategy in dict.fromkeys(first["strategy"])}
    arms = [Arm(str(layout), str(strategy),
                tuple((s.edge, s.position_m) for s in loaded.scenario.layout_stations(str(layout))),
                float((rows["arrival_s"] - rows["driving_s"]).median()))
            for (layout, strategy), rows in first.groupby(["layout", "strategy"], sort=False)]
    table = coverage(network, arms, times, stage.time_limit_s)
    names = street_names(loaded.scenario.network_path())
    table["street"] = table["edge"].map(names).fillna("")
    sampling = loaded.experiment.incidents.districts  # the experiment's district weights (population), if any
    shared = shares(table, loaded.scenario.districts, dict(sampling) if isinstance(sampling, dict) else {})
    incidents = {i.id: (i.edge, i.position_m) for i in plan_incidents(loaded)}
    checked = validate(network, arms, drives, incidents, first, stage.time_limit_s)
    stamp = read_summary(folder).provenance
    frames = {name: stamped(name, frame, stamp) for name, frame in
              (("coverage", table), ("coverage_shares", shared), ("coverage_validation", checked))}
    runs = len(trajectories.drop_duplicates(["layout", "strategy", "seed", "incident"]))
    return Coverage(frames, validation_summary(checked) if len(checked) else pd.DataFrame(), runs,
                    stage.time_limit_s)


def write(result: Coverage, loaded: LoadedExperiment, out: Path, lang: str) -> list[Path]:
    """Tables (parquet, CSV), GeoJSON in WGS84 where the network has a geo-projection, and the maps (PNG)."""
    stamp = {c: str(result.frames["coverage"][c].iloc[0]) for c in ("experiment", "experiment_hash",
                                                                     "signalprio_version", "sumo_version")}
    write_tables(out, result.frames, stamp, loaded.experiment.model_dump(mode="json"))
    written = [out / f"{name}.parquet" for name in result.frames]
    for name, frame in result.frames.items():
        atomic_write_text(out / f"{name}.csv", frame.to_csv(index=False))
        written.append(out / f"{name}.csv")
    shapes, lonlat = edge_geometry(loaded.scenario.network_path())
    table = result.frames["coverage"]
    arms = list(table.groupby(["layout", "strategy"], sort=False))
    for (layout, strategy), arm in arms:
        base = f"{layout}__{strategy}"
        if lonlat:
            atomic_write_text(out / f"{base}.geojson", json.dumps(_geojson(arm, lonlat), ensure_ascii=False))
            written.append(out / f"{base}.geojson")
        written.append(_arrival_map(arm, shapes, loaded, result, out / f"{base}.png", lang))
    for (layout, strategy), arm in arms:
        baseline = table[(table["layout"] == layout) & (table["strategy"] == BASELINE)]
        if strategy != BASELINE and len(baseline):
            written.append(_saved_map(baseline, arm, shapes, out / f"{layout}__{strategy}__saved.png", lang))
    return written


def _geojson(arm: pd.DataFrame, lonlat: dict[str, list[tuple[float, float]]]) -> dict[str, object]:
    features = []
    for row in arm.itertuples():
        arrival = None if math.isinf(row.arrival_s) else round(float(row.arrival_s), 1)
        features.append({"type": "Feature", "geometry": {"type": "LineString",
                                                          "coordinates": [list(p) for p in lonlat[row.edge]]},
                         "properties": {"edge": row.edge, "street": row.street, "layout": row.layout,
                                        "strategy": row.strategy, "arrival_s": arrival,
                                        "within_limit": bool(row.within_limit), "traversals": int(row.traversals),
                                        "source": row.source}})
    return {"type": "FeatureCollection", "features": features}


def _stations(loaded: LoadedExperiment, layout: str, shapes: dict[str, list[tuple[float, float]]]) -> list[
        tuple[float, float]]:
    return [shapes[s.edge][0] for s in loaded.scenario.layout_stations(layout) if s.edge in shapes]


def _arrival_map(arm: pd.DataFrame, shapes: dict[str, list[tuple[float, float]]], loaded: LoadedExperiment,
                 result: Coverage, path: Path, lang: str) -> Path:
    text, limit_min = TEXT[lang], result.limit_s / 60
    bounds = [0, *[m for m in range(2, math.ceil(limit_min)) if m < limit_min], limit_min, limit_min + 2,
              limit_min + 4]
    colours = ListedColormap([*plt.get_cmap("YlGn_r")(range(0, 200, 200 // (len(bounds) - 3)))[:len(bounds) - 3],
                              "#ef6c00", "#b71c1c"]).with_extremes(over="#757575")
    norm = BoundaryNorm(bounds, colours.N)
    fig, ax = plt.subplots(figsize=(9, 8), layout="constrained")
    reached = arm[arm["arrival_s"] < float("inf")]
    unreached = arm[arm["arrival_s"] == float("inf")]
    if len(unreached):
        ax.add_collection(LineCollection([shapes[e] for e in unreached["edge"]], colors="#bdbdbd", linewidths=0.8,
                                         linestyles="dotted", label=text["unreached"]))
    collection = LineCollection([shapes[e] for e in reached["edge"]], array=(reached["arrival_s"] / 60).to_numpy(),
                                cmap=colours, norm=norm,
                                linewidths=[2.5 if t else 1.2 for t in reached["traversals"] > 0])
    ax.add_collection(collection)
    ax.autoscale()
    ax.set_aspect("equal")
    ax.set_axis_off()
    xs, ys = zip(*_stations(loaded, str(arm["layout"].iloc[0]), shapes), strict=True)
    ax.scatter(xs, ys, marker="^", s=120, color="#0d47a1", edgecolor="white", zorder=3, label=text["station"])
    ax.legend(loc="lower right")
    bar = fig.colorbar(collection, ax=ax, shrink=0.7, extend="max")
    bar.set_label(text["minutes"])
    share = _share_text(result, arm, lang)
    ax.set_title(text["title"].format(layout=_name(arm["layout"].iloc[0], lang),
                                      strategy=_name(arm["strategy"].iloc[0], lang)) + "\n"
                 + text["within"].format(share=share, limit=f"{limit_min:g}") + "\n"
                 + text["basis"].format(runs=result.runs, measured=int((arm["traversals"] > 0).sum()),
                                        edges=len(arm)), fontsize=10)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def _name(identifier: object, lang: str) -> str:
    return NAMES[lang].get(str(identifier), str(identifier))


def _share_text(result: Coverage, arm: pd.DataFrame, lang: str) -> str:
    shared = result.frames["coverage_shares"]
    row = shared[(shared["layout"] == arm["layout"].iloc[0]) & (shared["strategy"] == arm["strategy"].iloc[0])
                 & (shared["scope"] == "network")]
    value = f"{100 * float(row['share_within'].iloc[0]):.0f}"
    return value.replace(".", ",") if lang == "de" else value


def _saved_map(baseline: pd.DataFrame, arm: pd.DataFrame, shapes: dict[str, list[tuple[float, float]]], path: Path,
               lang: str) -> Path:
    text = TEXT[lang]
    saved = baseline.set_index("edge")["arrival_s"] - arm.set_index("edge")["arrival_s"]
    saved = saved[saved.abs() < float("inf")]
    fig, ax = plt.subplots(figsize=(9, 8), layout="constrained")
    top = max(float(saved.abs().quantile(0.98)), 1.0)
    collection = LineCollection([shapes[e] for e in saved.index], array=saved.to_numpy(), cmap="RdBu",
                                norm=Normalize(-top, top), linewidths=1.8)
    ax.add_collection(collection)
    ax.autoscale()
    ax.set_aspect("equal")
    ax.set_axis_off()
    fig.colorbar(collection, ax=ax, shrink=0.7).set_label(text["seconds"])
    ax.set_title(text["saved"].format(layout=_name(arm["layout"].iloc[0], lang),
                                      strategy=_name(arm["strategy"].iloc[0], lang)), fontsize=10)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path
