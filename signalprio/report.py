"""A self-contained HTML report for the fire service and traffic engineers, from result tables only.

Every chart is also written as PNG and SVG, every table as CSV. Labels in German (what
Mannheim's fire service reads) or English. Each chart names the plan, its clock, n and the
traffic load. Nothing here runs a simulation. Needs the optional extra signalprio[report]
(matplotlib); the CLI names it when it is missing.
"""

from __future__ import annotations

import base64
import html
import io
import shutil
import subprocess
import textwrap
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import matplotlib  # the optional extra 'report': imported first, so a missing one fails before anything is written

matplotlib.use("Agg")  # files only, no screen
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from signalprio.compliance.plans import RequirementPlan
from signalprio.coverage import validation_summary
from signalprio.errors import UserError
from signalprio.names import BASELINE, NAMES
from signalprio.results import evaluate_under, read_summary
from signalprio.schema import PROVENANCE_COLUMNS as PROVENANCE
from signalprio.sumo.loader import street_names

matplotlib.rcParams["svg.hashsalt"] = "signalprio"  # stable ids: the same tables give the same SVG

MAX_BARS = 20  # signals or roads per chart; the table beside it has every one
NOT_ENTERED = "(not entered)"  # other traffic still waiting to enter the network when the run ended
ARM_TABLES = frozenset({"compliance", "compliance_layouts", "envelope"})  # shown for every layout
COLOURS = {"G": "#2e7d32", "g": "#66bb6a", "y": "#f9a825", "u": "#f9a825", "r": "#c62828"}

TEXT = {
    "de": {
        "title": "Signalvorrang für Einsatzfahrzeuge: Ergebnisbericht",
        "headline": "Erreichungsgrad je Stufe und Strategie",
        "cumulative": "Eintreffzeiten (kumuliert)", "components": "Zeitanteile bis zum Eintreffen",
        "band": "Erreichungsgrad nach Zeitband", "district": "Erreichungsgrad nach Bezirk",
        "saved": "Zeitgewinn je Lichtsignalanlage", "timespace": "Weg-Zeit-Diagramm der Einsatzfahrt",
        "cost": "Auswirkung auf den übrigen Verkehr", "recovery": "Rückkehr in den Signalplan",
        "coverage": "Abdeckung: Eintreffzeit Stufe 1 im Straßennetz, {strategy}",
        "coverage_saved": "Abdeckung: Zeitgewinn durch {strategy} im Straßennetz",
        "largest": "die {k} größten von {n}", "not_entered": "noch nicht ins Netz eingefahren",
        "monitor": "Signalsicherung (Konfliktüberwachung)",
        "safety": "Sicherheit der Einsatzfahrt", "safety_note": "Ein Lauf, in dem ein Einsatzfahrzeug kollidiert, von "
        "SUMO versetzt wird oder nicht ankommt, gilt als gescheitert und geht in keine Zahl dieses Berichts ein.",
        "col_trips": "Fahrten", "col_collisions": "Kollisionen Einsatzfahrzeug", "col_teleports": "versetzt (SUMO)",
        "col_held": "für das Einsatzfahrzeug angehaltene Fahrzeuge je Einsatz",
        "col_reds": "bei Rot eingefahren je Fahrt", "col_red_speed": "schnellste Einfahrt bei Rot (km/h)",
        "col_conflicts": "Konflikte je Fahrt (TTC < 1,5 s oder PET < 1 s)",
        "col_braking": "Notbremsungen im Netz je Einsatz",
        "share": "Anteil der Einsätze", "time_min": "Minuten", "limit": "Frist", "target": "Zielwert",
        "call": "Notrufabfrage und Alarmierung", "turnout": "Ausrückzeit", "driving": "Anfahrzeit",
        "rate": "Erreichungsgrad", "seconds_saved": "Sekunden gewonnen gegenüber ohne Vorrang",
        "position": "Weg ab Wache (m)", "time_after_alarm": "Sekunden nach Alarmierung",
        "delay_change": "Änderung der Verlustzeit (Fahrzeug-Sekunden je Einsatz)",
        "recovery_s": "Sekunden bis im Plan", "violations": "Verstöße", "none_found": "keine Verstöße",
        "load": "Verkehrslage", "strategy": "Strategie", "n": "n",
        "col_stage": "Stufe", "col_rate": "Erreichungsgrad [95 %-KI]", "col_target": "Zielwert",
        "col_change": "Änderung ggü. ohne Vorrang [95 %-KI]",
        "layouts": "Wachenstandorte und Strategien im Vergleich", "stations": "Wachen",
        "col_reference": "Änderung ggü. {reference} [95 %-KI]", "charts_for": "Diagramme unten für die Wachen",
        "pt": "Pp.", "seed": "Zufallszahl", "n_incidents": "n = {n} Einsätze", "n_returns": "n = {n} Rückkehrvorgänge",
        "sheet_headline": "Erreichungsgrad", "sheet_layouts": "Wachen",
        "sheet_envelope": "Spannweite", "sheet_incidents": "Einsätze", "sheet_breakdown": "Aufschlüsselung",
        "findings": "Das Wichtigste in Kürze", "assumptions": "Annahmen und Grenzen",
        "answer": "Mit der Strategie „{b}“ erreichen {rate_b} statt {rate_a} der Einsätze {stage} ({crew} Funktionen "
        "in {minutes} min, {clock}; Zielwert {target}). Änderung {change} (95 %-KI {low} bis {high}), "
        "n = {n} Einsätze.",
        "answer_layout": "Wachen „{layout}“: ",
        "driving_sentence": "Die Anfahrzeit der Einsatzfahrzeuge sinkt im Median von {a} auf {b}.",
        "safe": "Sicherheit: {collisions} Kollisionen von Einsatzfahrzeugen; bei Rot eingefahren je Fahrt {reds_a} "
        "ohne Vorrang, {reds_b} mit „{b}“; Konflikte (TTC < 1,5 s oder PET < 1 s) je Fahrt {conf_a} bzw. {conf_b}.",
        "costs": "Übriger Verkehr: Verlustzeit {delay} Fahrzeugstunden je Einsatz ({pct}).",
        "failed_runs": "{count} Läufe scheiterten (Kollision, Versetzung oder nicht angekommen) und gehen in keine "
        "Zahl ein.",
        "failed_run": "1 Lauf scheiterte (Kollision, Versetzung oder nicht angekommen) und geht in keine Zahl ein.",
        "a_network": "Netz und Signalpläne: Szenario „{scenario}“ (wie im Szenario angegeben; angenähert, nicht "
                     "vermessen).",
        "a_traffic": "Verkehr: {load}; {incidents} Einsätze, je {seeds} Zufallszahlen (Seeds) der Verkehrsnachfrage.",
        "a_baseline": "Fahrt ohne Vorrang: bei Rot mit {red} km/h und nur in eine freie Kreuzung; Querverkehr hält ab "
        "{reaction} m; keine Rettungsgasse (gemessen, nicht übernommen).",
        "a_plan": "Anforderungsplan: {plan}, {clock}; Ausrückzeit laut Plan.",
        "a_stats": "Statistik: n zählt Einsätze (die Seeds eines Einsatzes gemittelt); Intervalle 95 %.",
        "envelope": "Spannweite der Annahmen zur Fahrt ohne Vorrang",
        "envelope_note": "Dasselbe Experiment (gleiche Einsätze und Zufallszahlen) unter jeder Annahme, wie das "
        "Einsatzfahrzeug ohne Vorrang fährt: Geschwindigkeit bei Rot, Abstand, ab dem der Querverkehr anhält, "
        "Geschwindigkeitsfaktor über dem Tempolimit. Die Änderung gilt jeweils gegenüber ohne Vorrang unter "
        "derselben Annahme.",
        "col_behaviour": "Fahrweise ohne Vorrang", "col_red_kmh": "Rotlichtfahrt (km/h)",
        "col_reaction_m": "Querverkehr hält ab (m)", "col_speed_factor": "Geschwindigkeitsfaktor",
        "types_own": "fahrzeugeigen",
    },
    "en": {
        "title": "Signal priority for fire engines: results report",
        "headline": "Achievement rate (Erreichungsgrad) per stage and strategy",
        "cumulative": "Arrival times (cumulative)", "components": "Time components until arrival",
        "band": "Achievement rate by time band", "district": "Achievement rate by district",
        "saved": "Seconds saved at each signal", "timespace": "Time-space diagram of the engine's run",
        "cost": "Cost to other traffic", "recovery": "Return to the signal plan",
        "coverage": "Coverage: stage 1 arrival on the road network, {strategy}",
        "coverage_saved": "Coverage: time {strategy} saves on the road network",
        "largest": "the {k} largest of {n}", "not_entered": "not yet entered the network",
        "monitor": "Signal safety (conflict monitor)",
        "safety": "Safety of the emergency run", "safety_note": "A run in which an engine collides, is teleported by "
        "SUMO or does not arrive is a failed run and is in no figure of this report.",
        "col_trips": "engine trips", "col_collisions": "engine collisions", "col_teleports": "teleported (SUMO)",
        "col_held": "vehicles stopped for the engine per incident",
        "col_reds": "red signals entered per trip", "col_red_speed": "fastest entry into a red (km/h)",
        "col_conflicts": "conflicts per trip (TTC < 1.5 s or PET < 1 s)",
        "col_braking": "emergency braking in the network per incident",
        "share": "share of incidents", "time_min": "minutes", "limit": "time limit", "target": "target",
        "call": "call handling and dispatch", "turnout": "turnout", "driving": "driving",
        "rate": "achievement rate", "seconds_saved": "seconds saved against no priority",
        "position": "distance from the station (m)", "time_after_alarm": "seconds after the alarm",
        "delay_change": "change in delay (vehicle-seconds per incident)",
        "recovery_s": "seconds until back in the plan", "violations": "violations", "none_found": "no violations",
        "load": "traffic load", "strategy": "strategy", "n": "n",
        "col_stage": "stage", "col_rate": "achievement rate [95 % CI]", "col_target": "target",
        "col_change": "change vs no priority [95 % CI]",
        "layouts": "Station layouts and strategies compared", "stations": "stations",
        "col_reference": "change vs {reference} [95 % CI]", "charts_for": "Charts below for the stations",
        "pt": "pt", "seed": "seed", "n_incidents": "n = {n} incidents", "n_returns": "n = {n} returns to the plan",
        "sheet_headline": "achievement rate", "sheet_layouts": "station layouts",
        "sheet_envelope": "envelope", "sheet_incidents": "incidents", "sheet_breakdown": "breakdown",
        "findings": "Key findings", "assumptions": "Assumptions and limits",
        "answer": "With {b}, {rate_b} instead of {rate_a} of incidents meet {stage} ({crew} Funktionen in {minutes} "
        "min, {clock}; target {target}). Change {change} (95 % CI {low} to {high}), n = {n} incidents.",
        "answer_layout": "Stations '{layout}': ",
        "driving_sentence": "The engines' median driving time falls from {a} to {b}.",
        "safe": "Safety: {collisions} engine collisions; red signals entered per trip {reds_a} without priority, "
        "{reds_b} with {b}; conflicts (TTC < 1.5 s or PET < 1 s) per trip {conf_a} and {conf_b}.",
        "costs": "Other traffic: delay {delay} vehicle-hours per incident ({pct}).",
        "failed_runs": "{count} runs failed (collision, teleport or no arrival) and are in no figure.",
        "failed_run": "1 run failed (collision, teleport or no arrival) and is in no figure.",
        "a_network": "Network and signal programs: scenario '{scenario}' (as the scenario gives them; approximate, "
                     "not surveyed).",
        "a_traffic": "Traffic: {load}; {incidents} incidents, {seeds} seeds of the demand each.",
        "a_baseline": "Driving without priority: through red at {red} km/h and only into a clear junction; cross "
        "traffic stops from {reaction} m; no rescue lane (measured, not adopted).",
        "a_plan": "Requirement plan: {plan}, {clock}; turnout times from the plan.",
        "a_stats": "Statistics: n counts incidents (each incident's seeds averaged); intervals 95 %.",
        "envelope": "The envelope: how the engine drives without priority",
        "envelope_note": "The same experiment (same incidents and random numbers) under each assumption of how the "
        "engine drives without priority: its speed through a red, the distance from which cross traffic stops for "
        "it, its speed factor over the limit. Each change is against no priority under the same assumption.",
        "col_behaviour": "behaviour without priority", "col_red_kmh": "red crossing (km/h)",
        "col_reaction_m": "cross traffic stops from (m)", "col_speed_factor": "speed factor",
        "types_own": "vehicle types' own",
    },
}
COLUMNS = {
    "de": {"strategy": "Strategie", "call_and_dispatch_s": "Notrufabfrage und Alarmierung (s)",
           "turnout_s": "Ausrückzeit (s)", "driving_s": "Anfahrzeit (s)", "value": "Gruppe", "n": "n (Einsätze)",
           "met": "erreicht", "rate": "Erreichungsgrad", "rate_low": "untere 95 %-Grenze",
           "rate_high": "obere 95 %-Grenze", "signal_id": "Lichtsignalanlage", "seconds_saved": "Zeitgewinn (s)",
           "entry_edge": "Zufahrt", "kind": "Art", "seed": "Zufallszahl (Seed)", "incident": "Einsatz",
           "arrival_s": "Eintreffzeit (s)", "station": "Wache", "band": "Zeitband", "district": "Bezirk",
           "stage": "Stufe", "by": "aufgeschlüsselt nach", "plan": "Plan", "layout": "Wachen",
           "experiment": "Experiment", "experiment_hash": "Experiment-Kennung",
           "signalprio_version": "signalprio-Version", "sumo_version": "SUMO-Version",
           "incidents": "Einsätze (vorhergesagt)", "abs_error_median_s": "Abweichung Median (s)",
           "abs_error_p90_s": "Abweichung P90 (s)", "bias_median_s": "systematisch (s)",
           "same_verdict_pct": "gleiches Urteil (%)"},
    "en": {"strategy": "strategy", "call_and_dispatch_s": "call handling and dispatch (s)", "turnout_s": "turnout (s)",
           "driving_s": "driving (s)", "value": "group", "n": "n (incidents)", "met": "met",
           "rate": "achievement rate", "rate_low": "lower 95 % bound", "rate_high": "upper 95 % bound",
           "signal_id": "signal", "seconds_saved": "seconds saved", "entry_edge": "entry road", "kind": "kind",
           "seed": "seed", "incident": "incident", "arrival_s": "arrival (s)", "station": "station",
           "band": "time band", "district": "district", "stage": "stage", "by": "broken down by", "plan": "plan",
           "layout": "stations", "experiment": "experiment", "experiment_hash": "experiment hash",
           "signalprio_version": "signalprio version", "sumo_version": "SUMO version",
           "incidents": "incidents (predicted)", "abs_error_median_s": "median |error| (s)",
           "abs_error_p90_s": "P90 |error| (s)", "bias_median_s": "bias (s)", "same_verdict_pct": "same verdict (%)"},
}
YES_NO = {"de": ("ja", "nein"), "en": ("yes", "no")}
STAGE = {"de": "Stufe", "en": "stage"}
BEHAVIOURS = {"de": {"cautious": "vorsichtig", "typical": "typisch", "assertive": "zügig",
                      "as configured": "wie eingestellt"}}  # English: the names as they are
CLOCK = {"de": {"alarm": "Eintreffzeit nach Alarmierung", "call": "Hilfsfrist ab Notrufbeginn"},
         "en": {"alarm": "Eintreffzeit, from the alarm", "call": "Hilfsfrist, from the start of the call"}}



@dataclass
class Chart:
    key: str
    title: str
    svg: str
    table: pd.DataFrame | None = None  # shown under the chart and written as CSV


@dataclass(frozen=True)
class Scope:
    """What every chart shares, so each chart function needs nothing else."""

    frames: dict[str, pd.DataFrame]  # the chosen layout's rows; the arm tables whole
    plan: dict[str, Any]  # the first plan: the charts show its first stage
    strategies: list[str]  # the baseline first, then the experiment's order
    lang: str
    context: str  # plan, clock and load (and layout): every chart's title names them
    out: Path
    labels: dict[str, str] = field(default_factory=dict)  # street names of edges and signals, where there are any

    @property
    def t(self) -> dict[str, str]:
        return TEXT[self.lang]

    def name(self, value: object) -> str:
        """What a reader sees for a strategy, load, stage or group ('none': 'ohne Vorrang', 'stage 1': 'Stufe 1')."""
        text = str(value)
        if text.startswith("stage "):
            return f"{STAGE[self.lang]} {text.removeprefix('stage ')}"
        if text == NOT_ENTERED:
            return self.t["not_entered"]
        if text in self.labels:
            return f"{self.labels[text]} ({text})"
        return NAMES[self.lang].get(text, text)

    def short_names(self, values: list[object]) -> list[str]:
        """Chart labels: the street name alone where it tells the items apart, the id added where two share one."""
        plain = [self.labels.get(str(v)) or self.name(v) for v in values]
        return [name if plain.count(name) == 1 else self.name(v) for name, v in zip(plain, values, strict=True)]

    def display(self, table: pd.DataFrame, format_numbers: bool = True) -> pd.DataFrame:
        """A table as the page shows it: names for identifiers, readable headers, German decimal commas in German
        (a spreadsheet keeps numbers as numbers: `format_numbers=False`)."""
        shown = table.rename(columns=lambda c: COLUMNS[self.lang].get(str(c), self.name(c))).copy()
        shown.columns.name = None  # a pivot's header ('strategy') is not a column
        yes, no = YES_NO[self.lang]
        for column in shown.columns:
            if pd.api.types.is_bool_dtype(shown[column]):
                shown[column] = shown[column].map({True: yes, False: no})
            elif pd.api.types.is_float_dtype(shown[column]) and format_numbers:
                shown[column] = shown[column].map(self.number)
            elif not pd.api.types.is_numeric_dtype(shown[column]):
                shown[column] = shown[column].map(lambda v: self.name(v) if isinstance(v, str) else v)
        return shown

    def number(self, value: float) -> str:
        if pd.isna(value):
            return "-"
        text = f"{value:.3f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if self.lang == "de" else text


def build_report(folder: Path, lang: str = "de", incident: str | None = None, layout: str | None = None,
                 plan: RequirementPlan | None = None) -> Path:
    """Write report/ inside a results folder: index.html, each chart as PNG and SVG, tables as CSV.

    With several station layouts the headline tables and the arrival curves show every layout;
    the other charts show one (`layout`, default the first).
    """
    if lang not in TEXT:
        raise UserError(f"--lang: '{lang}' is not one of {', '.join(TEXT)}")
    frames, summary = _read(folder)
    if plan is not None:  # measured against another plan: the compliance tables anew from the runs
        frames.update(evaluate_under(frames["runs"], plan, summary["provenance"]))
        summary["plans"] = [plan.model_dump(mode="json")]
    layouts = _layouts(frames["runs"], summary)
    chosen = layout or layouts[0]
    if chosen not in layouts:
        raise UserError(f"--layout: '{chosen}' is not in these results (have: {', '.join(layouts)})")
    out = folder / "report"
    out.mkdir(exist_ok=True)
    scope = _scope(frames, summary, chosen, lang, out)
    tables = _headline_tables(scope)
    charts = [_cumulative(frames["compliance_incidents"], layouts, scope)]
    if len(layouts) > 1:  # the curves above show every layout; the charts below one
        scope = replace(scope, context=f"{scope.context}\n{scope.t['charts_for']}: {scope.name(chosen)}")
    charts += [_components(scope), _rates_by(scope, "band"), _rates_by(scope, "district"), _saved(scope),
               _time_space(scope, incident), _cost(scope), _recovery(scope), *_coverage(scope, folder, chosen)]
    tables["monitor"] = _monitor_table(scope)
    tables["safety"] = _safety_table(scope)
    return _write(scope, summary, tables, [chart for chart in charts if chart is not None])


def _coverage(scope: Scope, folder: Path, layout: str) -> list[Chart]:
    """The coverage maps `signalprio coverage` drew for this layout, each strategy's with how well the map predicted
    the simulated incidents (none when the command was not run)."""
    maps = folder / "coverage"
    if not (maps / "coverage_validation.parquet").is_file():
        return []
    checked = pd.read_parquet(maps / "coverage_validation.parquet")
    accuracy = validation_summary(checked[checked["layout"] == layout]) if len(checked) else pd.DataFrame()
    charts = []
    for strategy in scope.strategies:
        for key, image, title in ((f"coverage_{strategy}", maps / f"{layout}__{strategy}.png", "coverage"),
                                  (f"coverage_saved_{strategy}", maps / f"{layout}__{strategy}__saved.png",
                                   "coverage_saved")):
            if image.is_file():
                own = _accuracy(accuracy[accuracy["strategy"] == strategy]) if title == "coverage" and len(
                    accuracy) else None
                embedded = base64.b64encode(image.read_bytes()).decode()
                charts.append(Chart(key, scope.t[title].format(strategy=scope.name(strategy)),
                                    f'<img alt="{html.escape(image.name)}" src="data:image/png;base64,{embedded}">',
                                    own.drop(columns=["layout", "strategy"]) if own is not None else None))
    return charts


def _accuracy(rows: pd.DataFrame) -> pd.DataFrame:
    """Whole seconds and percent, as a reader compares them."""
    return pd.DataFrame({"incidents": rows["incidents"], **{c: rows[c].round().astype(int) for c in (
        "abs_error_median_s", "abs_error_p90_s", "bias_median_s")}, "same_verdict_pct": (100 * rows[
            "same_verdict"]).round().astype(int), "layout": rows["layout"], "strategy": rows["strategy"]})


def _read(folder: Path) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Every result table and summary.json; one clear error for a folder that is not a (current) result."""
    summary = read_summary(folder).model_dump()
    frames = {p.stem: pd.read_parquet(p) for p in folder.glob("*.parquet")}
    for needed in ("runs", "compliance_incidents", "compliance", "signals", "trajectories", "signal_states"):
        if needed not in frames:
            raise UserError(f"{folder}: {needed}.parquet is missing (results of an older signalprio? run again)")
    return frames, summary


def _layouts(runs: pd.DataFrame, summary: dict[str, Any]) -> list[str]:
    """The station layouts that have runs, in the experiment's order (sorted for results that name none)."""
    present = set(runs["layout"])
    named = summary.get("parameters", {}).get("layouts") or []
    return [name for name in named if name in present] or sorted(present)


def _scope(frames: dict[str, pd.DataFrame], summary: dict[str, Any], chosen: str, lang: str, out: Path) -> Scope:
    """Narrow the tables to the chosen layout and pick the plan and strategies every chart shows."""
    frames = {name: frame[frame["layout"] == chosen] if "layout" in frame.columns and name not in ARM_TABLES else frame
              for name, frame in frames.items()}
    plans = summary.get("plans", [])
    plan: dict[str, Any] = plans[0] if plans else {"name": "?", "clock": "alarm", "stages": []}
    load = str(summary.get("parameters", {}).get("load", "?"))
    context = f"{plan['name']}, {CLOCK[lang][plan['clock']]}, {TEXT[lang]['load']}: {NAMES[lang].get(load, load)}"
    named = [s["name"] for s in summary.get("parameters", {}).get("strategies", [])]
    present = set(frames["runs"]["strategy"])
    strategies = [s for s in [BASELINE, *named] if s in present] or sorted(present)
    return Scope(frames, plan, list(dict.fromkeys(strategies)), lang, context, out,
                 street_names(Path(summary["network"])) if summary.get("network") else {})


def _save(fig: Figure, folder: Path, key: str) -> str:
    """Write the chart as PNG and SVG and return the SVG to embed (reproducible: no dates, fixed ids)."""
    if fig.get_layout_engine() is None:  # a chart with a title over the whole figure lays itself out
        fig.tight_layout()
    fig.savefig(folder / f"{key}.png", dpi=120, metadata={"Software": None})
    fig.savefig(folder / f"{key}.svg", metadata={"Date": None})
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _chart(scope: Scope, key: str, fig: Figure, table: pd.DataFrame | None = None) -> Chart:
    """Save a finished figure; the chart's key names its files, its section and its title label."""
    return Chart(key, scope.t[key], _save(fig, scope.out, key), table)


def _headline_tables(scope: Scope) -> dict[str, pd.DataFrame]:
    """The achievement rate per stage and strategy, and with several layouts the layouts compared (all layouts)."""
    t, plan = scope.t, scope.plan
    headline = scope.frames["compliance"]
    headline = headline[headline["plan"] == plan["name"]] if len(headline) else headline
    tables = {"headline": _headline_table(headline, t)}
    arms = scope.frames.get("compliance_layouts", pd.DataFrame())
    if len(arms):
        arms = arms[arms["plan"] == plan["name"]]
        layout, _, strategy = str(arms["reference"].iloc[0]).rpartition("/")
        reference = f"{scope.name(layout)} / {scope.name(strategy)}"
        tables["layouts"] = _headline_table(arms, t, t["col_reference"].format(reference=reference))
    envelope = scope.frames.get("envelope", pd.DataFrame())
    if len(envelope):
        tables["envelope"] = _envelope_table(envelope, scope)
    return tables


def _envelope_table(envelope: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """The first stage under each no-priority behaviour, with the behaviour's parameters."""
    t, names = scope.t, BEHAVIOURS.get(scope.lang, {})
    table = _headline_table(envelope.assign(target_rate=float("nan")), t).drop(columns=[t["col_target"]])
    parameters = pd.DataFrame({
        t["col_behaviour"]: [names.get(b, b) for b in envelope["behaviour"]],
        t["col_red_kmh"]: envelope["red_crossing_kmh"].map(scope.number),
        t["col_reaction_m"]: envelope["reaction_distance_m"].map(scope.number),
        t["col_speed_factor"]: [t["types_own"] if pd.isna(f) else scope.number(f) for f in envelope["speed_factor"]],
    })
    return pd.concat([parameters, table.drop(columns=[t["col_stage"]])], axis=1)


def _cumulative(outcomes: pd.DataFrame, layouts: list[str], scope: Scope) -> Chart | None:
    """Share of incidents reached by each minute in the first stage, per layout and strategy, against limit and target.

    `outcomes` holds every layout: this is the one chart that compares them.
    """
    t, plan = scope.t, scope.plan
    outcomes = outcomes[outcomes["plan"] == plan["name"]] if len(outcomes) else outcomes
    stage1 = outcomes[outcomes["stage_index"] == 0] if len(outcomes) else outcomes
    if not len(stage1):
        return None
    stage = plan["stages"][0]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    arms = stage1.groupby(["layout", "strategy"], sort=False)
    ordered = sorted(arms.groups, key=lambda arm: (layouts.index(arm[0]), _rank(arm[1], scope.strategies)))
    for arm_layout, strategy in ordered:
        frame = arms.get_group((arm_layout, strategy))
        times = np.sort(frame["arrival_s"].dropna().to_numpy() / 60)
        share = np.arange(1, len(times) + 1) / len(frame)
        name = f"{arm_layout} / {scope.name(strategy)}" if len(layouts) > 1 else scope.name(strategy)
        ax.step(times, share, where="post", label=f"{name} ({t['n_incidents'].format(n=frame['incident'].nunique())})")
    ax.axvline(stage["time_limit_s"] / 60, color="black", linestyle="--", label=t["limit"])
    ax.axhline(stage["target_rate"], color="grey", linestyle=":", label=t["target"])
    ax.set(xlabel=t["time_min"], ylabel=t["share"], ylim=(0, 1.02))
    ax.set_title(f"{t['cumulative']}: {scope.name(stage['name'])}\n{scope.context}", fontsize=10)
    ax.legend()
    return _chart(scope, "cumulative", fig)


def _components(scope: Scope) -> Chart | None:
    """Call handling, turnout and driving per strategy: signal priority can only shorten the driving part."""
    t, plan = scope.t, scope.plan
    components = scope.frames.get("time_components", pd.DataFrame())
    stage = plan["stages"][0]["name"] if plan["stages"] else ""
    if len(components):
        components = components[(components["plan"] == plan["name"]) & (components["stage"] == stage)]
    if not len(components):
        return None
    fig, ax = plt.subplots(figsize=(8, 3.5))
    left = np.zeros(len(components))
    for column, label in (("call_and_dispatch_s", t["call"]), ("turnout_s", t["turnout"]), ("driving_s", t["driving"])):
        values = components[column].fillna(0).to_numpy() / 60
        ax.barh([scope.name(s) for s in components["strategy"]], values, left=left, label=label)
        left += values
    ax.set(xlabel=t["time_min"])
    outcomes = scope.frames["compliance_incidents"]
    outcomes = outcomes[outcomes["plan"] == plan["name"]] if len(outcomes) else outcomes
    first = outcomes[outcomes["stage_index"] == 0] if len(outcomes) else outcomes
    incidents = first["incident"].nunique() if len(first) else 0
    ax.set_title(f"{t['components']}\n{scope.context}, {t['n_incidents'].format(n=incidents)}", fontsize=10)
    ax.legend(loc="lower right")
    return _chart(scope, "components", fig,
                  components[["strategy", "call_and_dispatch_s", "turnout_s", "driving_s"]].round(1))


def _rates_by(scope: Scope, by: str) -> Chart | None:
    """Achievement rate per time band or district (`by`) and strategy: where the plan is missed, where priority helps.

    One function for both charts: they differ only in the breakdown they show.
    """
    t, plan = scope.t, scope.plan
    breakdown = scope.frames.get("compliance_breakdown", pd.DataFrame())
    part = breakdown[(breakdown["by"] == by) & (breakdown["plan"] == plan["name"])] if len(breakdown) else breakdown
    part = part[part["stage"] == plan["stages"][0]["name"]] if len(part) and plan["stages"] else part
    if not len(part):
        return None
    if part["value"].nunique() < 2:  # one band or one district: a chart of one group says nothing the headline does not
        return None
    pivot = part.pivot_table(index="value", columns="strategy", values="rate", sort=False)
    pivot = pivot[[s for s in scope.strategies if s in pivot.columns]].rename(columns=scope.name)
    counts = part.groupby("value", sort=False)["n"].max()
    many = len(pivot.index) > 6  # e.g. a city's districts: slanted labels on a wider chart
    fig, ax = plt.subplots(figsize=(max(8.0, 0.9 * len(pivot.index)), 4.6 if many else 3.8))
    pivot.plot.bar(ax=ax, rot=30 if many else 0)
    ax.set_xticks(range(len(pivot.index)), [f"{scope.name(v)}\n(n = {counts[v]})" for v in pivot.index],
                  ha="right" if many else "center")
    ax.set(ylabel=t["rate"], ylim=(0, 1.15), xlabel="")
    ax.legend(ncols=len(pivot.columns), loc="upper right", fontsize=8)
    ax.set_title(f"{t[by]}\n{scope.context}", fontsize=10)
    return _chart(scope, by, fig, part[["strategy", "value", "n", "met", "rate", "rate_low", "rate_high"]].round(3))


def _saved(scope: Scope) -> Chart | None:
    """Seconds each strategy saves at each signal against no priority: which intersections the priority pays off at."""
    t, strategies = scope.t, scope.strategies
    signals = scope.frames["signals"]
    lost = signals.groupby(["strategy", "signal_id"], sort=False).agg(order=("order", "median"),
                                                                      lost=("time_lost_s", "mean")).reset_index()
    if BASELINE not in strategies or len(strategies) < 2 or not len(lost):  # nothing to compare with no priority
        return None
    base = lost[lost["strategy"] == BASELINE].set_index("signal_id")["lost"]
    order = lost.groupby("signal_id")["order"].median().sort_values().index  # route order
    saved = pd.DataFrame({strategy: (base - lost[lost["strategy"] == strategy].set_index("signal_id")["lost"])
                          .reindex(order) for strategy in strategies if strategy != BASELINE})
    fig = _item_bars(scope, saved, "saved", t["seconds_saved"],
                     t["n_incidents"].format(n=signals["incident"].nunique()))
    rows = saved.round(1).rename_axis("signal_id").reset_index().melt(
        id_vars="signal_id", var_name="strategy", value_name="seconds_saved")
    return _chart(scope, "saved", fig, rows[["strategy", "signal_id", "seconds_saved"]])


def _item_bars(scope: Scope, values: pd.DataFrame, key: str, xlabel: str, counted: str) -> Figure:
    """One horizontal bar per signal or road (index) and strategy (columns), names readable on the left: a city has
    dozens, so beyond MAX_BARS only the largest (by magnitude) are drawn and the title says so; the table keeps all."""
    t = scope.t
    shown = values
    if len(values) > MAX_BARS:  # the largest, in the order the table has them (route order for signals)
        shown = values[values.index.isin(values.abs().max(axis=1).nlargest(MAX_BARS).index)]
    labels = [textwrap.fill(name, 45) for name in scope.short_names(list(shown.index))]
    lines = max(label.count("\n") + 1 for label in labels)
    fig, ax = plt.subplots(figsize=(10, 1.8 + (0.2 + 0.2 * lines) * len(shown) * max(1, len(shown.columns) / 2)),
                           layout="constrained")
    shown.set_axis(labels).rename(columns=scope.name).iloc[::-1].plot.barh(ax=ax, width=0.8)
    ax.axvline(0, color="black", lw=0.8)
    ax.set(xlabel=xlabel, ylabel="")
    ax.legend(title=t["strategy"], fontsize=8)
    top = f" ({t['largest'].format(k=MAX_BARS, n=len(values))})" if len(values) > MAX_BARS else ""
    fig.suptitle(f"{t[key]}{top}\n{scope.context}, {counted}", fontsize=10)
    return fig


def _time_space(scope: Scope, incident: str | None) -> Chart:
    """The engine's trajectory through the corridor over each signal's state for its link, with and without priority."""
    frames, strategies, t = scope.frames, scope.strategies, scope.t
    runs = frames["runs"]
    preempting = [s for s in strategies if s != BASELINE] or strategies
    first = runs[runs["strategy"] == preempting[0]]
    if incident is None:  # the median incident by the first vehicle's arrival
        ordered = first.sort_values("arrival_after_alarm_s")
        incident = str(ordered.iloc[len(ordered) // 2]["incident"])
    if incident not in set(runs["incident"]):
        raise UserError(f"--incident: '{incident}' is not in these results")
    shown = [s for s in strategies if s in (BASELINE, preempting[0])]
    fig, axes = plt.subplots(1, len(shown), figsize=(5 * len(shown), 5), sharey=True, squeeze=False)
    for ax, strategy in zip(axes[0], shown, strict=True):
        trip = runs[(runs["strategy"] == strategy) & (runs["incident"] == incident)].sort_values("vehicle").iloc[0]
        seed, vehicle, alarm = trip["seed"], trip["vehicle"], trip["alarm_s"]
        key = (frames["trajectories"]["strategy"] == strategy) & (frames["trajectories"]["incident"] == incident) & \
              (frames["trajectories"]["seed"] == seed) & (frames["trajectories"]["vehicle"] == vehicle)
        path = frames["trajectories"][key]
        end = float(path["time_s"].max() - alarm) if len(path) else 600.0
        signals = frames["signals"]
        passes = signals[(signals["strategy"] == strategy) & (signals["incident"] == incident)
                         & (signals["seed"] == seed) & (signals["vehicle"] == vehicle)]
        states = frames["signal_states"]
        states = states[(states["strategy"] == strategy) & (states["incident"] == incident) & (states["seed"] == seed)]
        for signal in passes.itertuples():
            timeline = states[states["signal_id"] == signal.signal_id].sort_values("time_s")
            times = [*(timeline["time_s"] - alarm), end]
            for (start, stop), state in zip(pairwise(times), timeline["state"], strict=True):
                if stop > 0 and not pd.isna(signal.link_index):
                    char = state[int(signal.link_index)]
                    ax.plot([max(start, 0), stop], [signal.position_m] * 2, color=COLOURS.get(char, "#9e9e9e"), lw=4,
                            solid_capstyle="butt")
            ax.annotate(scope.name(signal.signal_id), (end, signal.position_m), fontsize=7, ha="right", va="bottom")
        ax.plot(path["time_s"] - alarm, path["odometer_m"], color="black", lw=1.5)
        ax.set(xlabel=t["time_after_alarm"], xlim=(0, end))
        ax.set_title(f"{scope.name(strategy)}: {incident}, {t['seed']} {seed} (n = 1)", fontsize=10)
    axes[0][0].set_ylabel(t["position"])
    fig.suptitle(f"{t['timespace']}\n{scope.context}", fontsize=10)
    return _chart(scope, "timespace", fig)


def _cost(scope: Scope) -> Chart | None:
    """Change in other traffic's delay per entry road against no priority: the price of the faster run."""
    t, runs = scope.t, scope.frames["runs"]
    entries = scope.frames.get("delay_by_entry", pd.DataFrame())
    if BASELINE not in scope.strategies or not len(entries):
        return None
    per = entries.groupby(["strategy", "entry_edge"])["delay_s"].sum() / runs["incident"].nunique()
    change = (per.unstack(0).sub(per.unstack(0)[BASELINE], axis=0)).drop(columns=[BASELINE])
    if change.columns.empty:  # only the run without priority: no change to show
        return None
    change = change.rename(index={"": NOT_ENTERED})  # vehicles still waiting to enter at the end have no lane
    fig = _item_bars(scope, change, "cost", t["delay_change"], t["n_incidents"].format(n=runs["incident"].nunique()))
    return _chart(scope, "cost", fig, change.round(1).reset_index())


def _recovery(scope: Scope) -> Chart | None:
    """Median seconds until each signal is back in its plan after a preemption: how long coordination is disturbed."""
    t = scope.t
    events = scope.frames.get("preemptions", pd.DataFrame())
    resumed = events[events["event"] == "resumed"] if len(events) else events
    if not len(resumed):
        return None
    recovery = resumed.groupby(["strategy", "signal_id"])["detail"].median().unstack(0)
    fig = _item_bars(scope, recovery, "recovery", t["recovery_s"], t["n_returns"].format(n=len(resumed)))
    return _chart(scope, "recovery", fig, recovery.round(1).reset_index())


def _findings(scope: Scope, findings: tuple[list[str], list[str]]) -> str:
    """The first section: the answer in sentences with its key numbers, then the assumptions behind them."""
    t = scope.t
    sentences, assumptions = findings
    return (f'<section id="findings"><h2>{html.escape(t["findings"])}</h2>'
            + "".join(f"<p>{html.escape(sentence)}</p>" for sentence in sentences)
            + f'<div class="assumptions"><h3>{html.escape(t["assumptions"])}</h3><ul>'
            + "".join(f"<li>{html.escape(item)}</li>" for item in assumptions) + "</ul></div></section>")


def _findings_text(scope: Scope, summary: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The key findings as sentences, and the assumptions and limits behind them."""
    t, plan, parameters = scope.t, scope.plan, summary.get("parameters", {})
    compliance = scope.frames["compliance"]
    first = compliance[(compliance["plan"] == plan["name"]) & (compliance["stage_index"] == 0)] \
        if len(compliance) else compliance
    first = first[first["layout"] == first["layout"].iloc[0]] if len(first) else first
    rows = {row["strategy"]: row for row in first.to_dict("records")}
    preempting = [s for s in scope.strategies if s != BASELINE and s in rows]
    layout = first["layout"].iloc[0] if len(first) else None  # every sentence speaks of the same layout
    strategies = {row["strategy"]: row for row in summary.get("strategies", [])
                  if layout is None or row.get("layout", layout) == layout}
    sentences = []
    if BASELINE in rows and preempting and plan["stages"]:
        a, b, stage = rows[BASELINE], rows[preempting[0]], plan["stages"][0]
        sentences.append(t["answer"].format(
            b=scope.name(preempting[0]), rate_b=_percent(b["rate"]), rate_a=_percent(a["rate"]),
            stage=scope.name(stage["name"]), crew=stage.get("crew", "?"),
            minutes=scope.number(stage["time_limit_s"] / 60), clock=CLOCK[scope.lang][plan["clock"]],
            target=_percent(stage["target_rate"]),
            change=f"{100 * b['rate_change']:+.0f} {t['pt']}", low=f"{100 * b['rate_change_low']:+.0f}",
            high=f"{100 * b['rate_change_high']:+.0f}", n=b["n"]))
        if compliance["layout"].nunique() > 1:  # the sentences speak of the first layout: say which
            sentences[-1] = t["answer_layout"].format(layout=scope.name(b["layout"])) + sentences[-1]
        sa, sb = strategies.get(BASELINE, {}), strategies.get(preempting[0], {})
        if sa and sb:
            sentences.append(t["driving_sentence"].format(a=_clock(sa["driving_median_s"]),
                                                          b=_clock(sb["driving_median_s"])))
            sentences.append(t["safe"].format(
                collisions=sum(int(s.get("engine_collisions", 0)) for s in strategies.values()),
                reds_a=scope.number(round(sa["reds_entered_per_trip"], 2)), b=scope.name(preempting[0]),
                reds_b=scope.number(round(sb["reds_entered_per_trip"], 2)),
                conf_a=scope.number(round(sa["ssm_conflicts_per_trip"], 2)),
                conf_b=scope.number(round(sb["ssm_conflicts_per_trip"], 2))))
            if sb.get("other_delay_change_per_incident_s") is not None:
                sentences.append(t["costs"].format(
                    delay=_signed(scope.number(round(sb["other_delay_change_per_incident_s"] / 3600, 2))),
                    pct=f"{_signed(scope.number(round(sb['other_delay_change_pct'], 1)))} %"))
    if summary.get("failed"):
        count = len(summary["failed"])
        sentences.append(t["failed_run"] if count == 1 else t["failed_runs"].format(count=count))
    engine = parameters.get("engine", {})
    incidents = scope.frames["runs"]["incident"].nunique()
    assumptions = [
        t["a_network"].format(scenario=Path(parameters.get("scenario", "?")).name),
        t["a_traffic"].format(load=scope.name(parameters.get("load", "?")), incidents=incidents,
                              seeds=len(parameters.get("seeds", []))),
        t["a_baseline"].format(red=scope.number(engine.get("red_crossing_kmh", 10.0)),
                               reaction=scope.number(engine.get("reaction_distance_m", 100.0))),
        t["a_plan"].format(plan=plan["name"], clock=CLOCK[scope.lang][plan["clock"]]),
        t["a_stats"],
    ]
    return sentences, assumptions


def _signed(number: str) -> str:
    return number if number.startswith(("-", "+")) else f"+{number}"


def _percent(share: float) -> str:
    return f"{100 * share:.0f} %"


def _clock(seconds: float) -> str:
    whole = round(float(seconds))
    return f"{whole // 60}:{whole % 60:02d} min"


def _monitor_table(scope: Scope) -> pd.DataFrame:
    """Conflict-monitor violations per strategy and kind; says 'none' explicitly, since that is the safety result."""
    t = scope.t
    violations = scope.frames.get("violations", pd.DataFrame())
    return (violations.groupby(["strategy", "kind"]).size().rename(t["violations"]).reset_index()
            if len(violations) else pd.DataFrame({t["violations"]: [t["none_found"]]}))


def _safety_table(scope: Scope) -> pd.DataFrame:
    """Per strategy: SUMO's collision and teleport counts for the engines, the vehicles that stopped for them and
    emergency braking in the network: how safe the run was, not only how fast."""
    t, runs, other = scope.t, scope.frames["runs"], scope.frames["other_traffic"]
    rows = []
    for strategy in [s for s in scope.strategies if s in set(runs["strategy"])]:
        trips, per_run = runs[runs["strategy"] == strategy], other[other["strategy"] == strategy]
        rows.append({t["strategy"]: strategy, t["col_trips"]: len(trips),
                     t["col_collisions"]: int(trips["collisions"].sum()),
                     t["col_teleports"]: int(trips["teleported"].sum()),
                     t["col_reds"]: round(float(trips["reds_entered"].mean()), 2),
                     t["col_red_speed"]: _rounded(trips["red_entry_speed_max_kmh"].max()),
                     t["col_conflicts"]: round(float(trips["ssm_conflicts"].mean()), 2),
                     t["col_held"]: round(float(per_run["held_for_engines"].mean()), 1),
                     t["col_braking"]: round(float(per_run["emergency_braking"].mean()), 1)})
    return pd.DataFrame(rows)


def _rounded(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:.0f}"


def _write(scope: Scope, summary: dict[str, Any], tables: dict[str, pd.DataFrame], charts: list[Chart]) -> Path:
    """Every table as CSV (the charts' too, for those who rework the numbers), then index.html."""
    for name, table in {**tables, **{c.key: c.table for c in charts if c.table is not None}}.items():
        table.to_csv(scope.out / f"{name}.csv", index=False)
    page = scope.out / "index.html"
    findings = _findings_text(scope, summary)  # the page and the workbook open with the same sentences
    page.write_text(_html(scope, summary, tables, charts, findings))
    _workbook(scope, findings, tables)
    return page


def _workbook(scope: Scope, findings: tuple[list[str], list[str]], tables: dict[str, pd.DataFrame]) -> Path:
    """report.xlsx for planners who work in spreadsheets: findings and assumptions, the headline, every incident,
    the breakdowns and the safety figures, labelled as on the page."""
    t = scope.t
    sentences, assumptions = findings
    incidents = scope.frames["compliance_incidents"]
    incidents = incidents[incidents["plan"] == scope.plan["name"]] if len(incidents) else incidents
    columns = ["stage", "strategy", "seed", "incident", "met", "arrival_s", "turnout_s", "driving_s", "station",
               "band", "district"]
    sheets = {
        t["findings"]: pd.DataFrame({t["findings"]: [*sentences, "", t["assumptions"], *assumptions]}),
        t["sheet_headline"]: tables["headline"],
        **({t["sheet_layouts"]: tables["layouts"]} if "layouts" in tables else {}),
        **({t["sheet_envelope"]: tables["envelope"]} if "envelope" in tables else {}),
        t["sheet_incidents"]: incidents[[c for c in columns if c in incidents.columns]],
        t["sheet_breakdown"]: scope.frames.get("compliance_breakdown", pd.DataFrame()),
        t["safety"]: tables["safety"],
    }
    path = scope.out / "report.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            shown = scope.display(frame.drop(columns=[c for c in PROVENANCE if c in frame.columns]), False)
            shown.to_excel(writer, sheet_name=name[:31], index=False)  # Excel allows 31 characters
    return path


def print_pdf(page: Path) -> Path:
    """report.pdf beside the page, printed by headless Chromium: the page as it is, charts as vectors."""
    browsers = ("chromium", "chromium-browser", "google-chrome")
    browser = next((found for name in browsers if (found := shutil.which(name))), None)
    if browser is None:
        raise UserError("--pdf needs Chromium on the PATH (Debian and Ubuntu: apt install chromium)")
    pdf = page.with_name("report.pdf")
    done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                           f"--print-to-pdf={pdf}", page.resolve().as_uri()], capture_output=True, text=True,
                          timeout=300, check=False)
    if done.returncode != 0 or not pdf.is_file():
        raise UserError(f"Chromium could not print {page}: {(done.stderr or done.stdout).strip()[-200:]}")
    return pdf


def _rank(strategy: str, strategies: list[str]) -> int:
    return strategies.index(strategy) if strategy in strategies else len(strategies)


def _headline_table(headline: pd.DataFrame, t: dict[str, str], change_header: str | None = None) -> pd.DataFrame:
    if not len(headline):
        return pd.DataFrame()
    several = headline["layout"].nunique() > 1
    table = pd.DataFrame({
        t["col_stage"]: headline["stage"], **({t["stations"]: headline["layout"]} if several else {}),
        t["strategy"]: headline["strategy"], "n": headline["n"],
        t["col_rate"]: (100 * headline["rate"]).round(0).astype("Int64").astype(str) + " % [" +
                (100 * headline["rate_low"]).round(0).astype("Int64").astype(str) + ", " +
                (100 * headline["rate_high"]).round(0).astype("Int64").astype(str) + "]",
        t["col_target"]: (100 * headline["target_rate"]).round(0).astype("Int64").astype(str) + " %",
    })
    if "rate_change" in headline.columns:
        change = headline["rate_change"]
        table[change_header or t["col_change"]] = [
            "-" if pd.isna(c) else f"{100 * c:+.0f} {t['pt']} [{100 * lo:+.0f}, {100 * hi:+.0f}]"
            for c, lo, hi in zip(change, headline["rate_change_low"], headline["rate_change_high"], strict=True)]
    return table


def _html(scope: Scope, summary: dict[str, Any], tables: dict[str, pd.DataFrame], charts: list[Chart],
          findings: tuple[list[str], list[str]]) -> str:
    """One page with every chart inline (SVG) and nothing to fetch, so it can be mailed or archived as it is."""
    t = scope.t
    provenance = summary.get("provenance", {})
    def table(frame: pd.DataFrame) -> str:
        return str(scope.display(frame).to_html(index=False, escape=True, border=0))

    context = html.escape(scope.context).replace("\n", "<br>")  # the chosen layout on a line of its own
    sections = [_findings(scope, findings),
                f"<h2>{html.escape(t['headline'])}</h2><p>{context}</p>" + table(tables["headline"])]
    if "layouts" in tables:
        sections.append(f'<section id="layouts"><h2>{html.escape(t["layouts"])}</h2>'
                        + table(tables["layouts"]) + "</section>")
    if "envelope" in tables:
        sections.append(f'<section id="envelope"><h2>{html.escape(t["envelope"])}</h2>'
                        f'<p>{html.escape(t["envelope_note"])}</p>'
                        + table(tables["envelope"]) + "</section>")
    for chart in charts:
        sections.append(f'<section id="{chart.key}"><h2>{html.escape(chart.title)}</h2>'
                        f'<div class="chart">{chart.svg}</div>'
                        + (table(chart.table) if chart.table is not None else "")
                        + "</section>")
    sections.append(f'<section id="safety"><h2>{html.escape(t["safety"])}</h2><p>{html.escape(t["safety_note"])}</p>'
                    + table(tables["safety"]) + "</section>")
    sections.append(f'<section id="monitor"><h2>{html.escape(t["monitor"])}</h2>'
                    + table(tables["monitor"]) + "</section>")
    stamp = ", ".join(f"{html.escape(COLUMNS[scope.lang].get(k, k))}: {html.escape(str(v))}"
                      for k, v in provenance.items())
    return (f'<!DOCTYPE html>\n<html lang="{scope.lang}"><head><meta charset="utf-8">'
            f'<title>{html.escape(t["title"])}</title>'
            "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}"
            "table{border-collapse:collapse;margin:1em 0}td,th{padding:.25em .6em;border-bottom:1px solid #ddd;"
            "text-align:right}th{background:#f3f3f3}.chart svg,.chart img{max-width:100%;height:auto}"
            "footer{color:#777;font-size:.8em}.assumptions{background:#f6f6f2;border:1px solid #ddd;padding:.2em 1em}"
            "</style></head><body>"
            f"<h1>{html.escape(t['title'])}</h1>" + "".join(sections)
            + f"<footer>{stamp}</footer></body></html>\n")
