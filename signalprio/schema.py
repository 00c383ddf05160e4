"""One schema per result table: what every column is, written and read through these definitions.

Every run-level table starts with the run's key (station layout, strategy, seed, incident)
and every table ends with the provenance columns, so any file on its own says what produced
it. Writers check their frames against these schemas, readers check files against them; the
column lists double as the documentation of the files (see `signalprio.results`).
"""

from __future__ import annotations

import pyarrow as pa

STR, INT, FLOAT, BOOL = pa.large_string(), pa.int64(), pa.float64(), pa.bool_()

KEY = [("layout", STR), ("strategy", STR), ("seed", INT), ("incident", STR)]
PROVENANCE = [("experiment", STR), ("experiment_hash", STR), ("signalprio_version", STR), ("sumo_version", STR)]
PROVENANCE_COLUMNS = tuple(name for name, _ in PROVENANCE)

_RATE = [("n", INT), ("met", FLOAT), ("rate", FLOAT), ("rate_low", FLOAT), ("rate_high", FLOAT)]
_PAIRED_CHANGE = [("rate_change", FLOAT), ("rate_change_low", FLOAT), ("rate_change_high", FLOAT),
                  ("rate_change_p", FLOAT), ("gained", FLOAT), ("lost", FLOAT), ("arrival_change_median_s", FLOAT),
                  ("arrival_change_low_s", FLOAT), ("arrival_change_high_s", FLOAT), ("arrival_change_p", FLOAT)]
_TIME_LOST_BY_SIGNAL = pa.list_(pa.struct([("signal_id", pa.string()), ("time_lost_s", pa.float64())]))


def _schema(*parts: list[tuple[str, pa.DataType]]) -> pa.Schema:
    return pa.schema([field for part in (*parts, PROVENANCE) for field in part])


TABLES: dict[str, pa.Schema] = {
    # one row per engine trip
    "runs": _schema(KEY, [
        ("unit", STR), ("vehicle", STR), ("vehicle_type", STR), ("station", STR), ("dispatch_stage", INT),
        ("crew", INT), ("turnout_s", FLOAT), ("incident_edge", STR), ("band", STR), ("district", STR), ("load", STR),
        ("teleported", BOOL), ("alarm_s", FLOAT), ("departed_s", FLOAT), ("arrived_s", FLOAT),
        ("arrival_after_alarm_s", FLOAT), ("driving_s", FLOAT), ("arrived", BOOL), ("distance_m", FLOAT),
        ("stops", INT), ("signals_passed", INT), ("time_lost_at_signals_s", FLOAT), ("time_lost_total_s", FLOAT),
        ("monitor_violations", INT), ("collisions", INT), ("time_lost_by_signal", _TIME_LOST_BY_SIGNAL),
        # safety of the run: red signals it entered (without a green of its own) and its fastest entry, conflicts
        # SUMO's SSM device logged (TTC < 1.5 s or PET < 1.0 s) and the smallest TTC and PET among them
        ("reds_entered", INT), ("red_entry_speed_max_kmh", FLOAT), ("ssm_conflicts", INT), ("min_ttc_s", FLOAT),
        ("min_pet_s", FLOAT)]),
    # one row per engine and signal on its route
    "signals": _schema(KEY, [("vehicle", STR), ("signal_id", STR), ("order", INT), ("passed_s", FLOAT),
                             ("time_lost_s", FLOAT), ("link_index", INT), ("position_m", FLOAT),
                             ("state_at_passage", STR), ("speed_at_passage_mps", FLOAT)]),
    # one row per run: delay of all other vehicles, conflict-monitor counts by kind, SUMO's safety counts of other
    # traffic (collisions between other vehicles, teleports, emergency braking of all) and vehicles held for engines
    "other_traffic": _schema(KEY, [("other_vehicles", INT), ("other_time_loss_s", FLOAT),
                                   ("other_depart_delay_s", FLOAT), ("other_delay_s", FLOAT),
                                   ("violations_conflicting_green", INT), ("violations_yellow", INT),
                                   ("violations_intergreen", INT), ("violations_min_green", INT),
                                   ("collisions_other", INT), ("teleports_other", INT), ("emergency_braking", INT),
                                   ("held_for_engines", INT)]),
    # what each signal did: granted, green, checkout, cancel, max_presence, displaced, resumed
    "preemptions": _schema(KEY, [("time", FLOAT), ("signal_id", STR), ("unit", STR), ("event", STR),
                                 ("detail", FLOAT)]),
    # request and status messages in the shape of SAE J2735 SRM / SSM
    "requests": _schema(KEY, [("time", FLOAT), ("signal_id", STR), ("request_id", INT), ("message", STR),
                              ("kind", STR), ("unit", STR), ("role", STR), ("vehicle", STR), ("importance", FLOAT),
                              ("inbound_lane", STR), ("outbound_lane", STR), ("arrival_time_s", FLOAT),
                              ("window_s", FLOAT), ("distance_m", FLOAT), ("speed_mps", FLOAT)]),
    # every conflict-monitor violation (normally none)
    "violations": _schema(KEY, [("signal_id", STR), ("time", FLOAT), ("kind", STR), ("links", pa.list_(INT)),
                                ("detail", STR)]),
    # engine position and speed per step (time-space diagrams)
    "trajectories": _schema(KEY, [("vehicle", STR), ("time_s", FLOAT), ("odometer_m", FLOAT),
                                  ("speed_mps", FLOAT), ("edge", STR)]),
    # every state change of the signals on the engines' routes, from SUMO's own record
    "signal_states": _schema(KEY, [("signal_id", STR), ("time_s", FLOAT), ("state", STR)]),
    # other traffic's delay per entry edge (cost per approach and side street)
    "delay_by_entry": _schema(KEY, [("entry_edge", STR), ("vehicles", INT), ("delay_s", FLOAT)]),
    # per plan, station layout, strategy, incident and stage: met, arrival, time components
    "compliance_incidents": _schema([
        ("plan", STR), ("clock", STR), ("layout", STR), ("strategy", STR), ("seed", INT), ("incident", STR),
        ("stage", STR), ("stage_index", INT), ("time_limit_s", FLOAT), ("target_rate", FLOAT),
        ("required_crew", INT), ("crew_in_time", INT), ("met", BOOL), ("arrival_s", FLOAT),
        ("call_and_dispatch_s", FLOAT), ("turnout_s", FLOAT), ("driving_s", FLOAT), ("station", STR), ("band", STR),
        ("district", STR), ("load", STR)]),
    # per plan, stage, layout and strategy: Erreichungsgrad, and the change against the layout's baseline
    "compliance": _schema([("plan", STR), ("stage", STR), ("stage_index", INT), ("layout", STR), ("strategy", STR),
                           ("target_rate", FLOAT), ("time_limit_s", FLOAT)], _RATE,
                          [("arrival_median_s", FLOAT), ("arrival_p90_s", FLOAT)], _PAIRED_CHANGE),
    # with two or more station layouts: every arm against the first layout's baseline
    "compliance_layouts": _schema([("plan", STR), ("stage", STR), ("stage_index", INT), ("layout", STR),
                                   ("strategy", STR), ("reference", STR), ("target_rate", FLOAT)], _RATE,
                                  [("arrival_median_s", FLOAT)], _PAIRED_CHANGE),
    # Erreichungsgrad by time band, district and station
    "compliance_breakdown": _schema([("plan", STR), ("stage", STR), ("layout", STR), ("strategy", STR),
                                     ("by", STR), ("value", STR)], _RATE),
    # the first stage under each no-priority behaviour of the experiment's envelope (signalprio.envelope)
    "envelope": _schema([("behaviour", STR), ("red_crossing_kmh", FLOAT), ("reaction_distance_m", FLOAT),
                         ("speed_factor", FLOAT), ("plan", STR), ("stage", STR), ("layout", STR), ("strategy", STR),
                         ("n", INT), ("rate", FLOAT), ("rate_low", FLOAT), ("rate_high", FLOAT),
                         ("rate_change", FLOAT), ("rate_change_low", FLOAT), ("rate_change_high", FLOAT),
                         ("rate_change_p", FLOAT), ("arrival_median_s", FLOAT), ("arrival_change_median_s", FLOAT)]),
    # coverage (signalprio.coverage): per station layout, strategy and edge, the first stage's arrival at its middle
    "coverage": _schema([("layout", STR), ("strategy", STR), ("edge", STR), ("street", STR), ("length_m", FLOAT),
                         ("arrival_s", FLOAT), ("within_limit", BOOL), ("traversals", INT), ("edge_p10_s", FLOAT),
                         ("edge_p90_s", FLOAT), ("source", STR)]),
    # the share of road length reached within the limit: the whole network, each district, districts weighted
    "coverage_shares": _schema([("layout", STR), ("strategy", STR), ("scope", STR), ("road_km", FLOAT),
                                ("share_within", FLOAT)]),
    # leave one incident out: its arrival predicted from the others' traversals against the simulated one
    "coverage_validation": _schema([("layout", STR), ("strategy", STR), ("incident", STR), ("predicted_s", FLOAT),
                                    ("simulated_s", FLOAT), ("error_s", FLOAT), ("same_verdict", BOOL)]),
    # a year of incidents (signalprio.year): per station layout, strategy, seed and incident of the year, who went
    # (status: simulated, failed, not simulated, no unit free), whether the first stage was met (critical incidents)
    "year_incidents": _schema([("layout", STR), ("strategy", STR), ("seed", INT), ("incident", STR),
                               ("time_h", FLOAT), ("when", STR), ("band", STR), ("district", STR), ("type", STR),
                               ("critical", BOOL), ("units", STR), ("units_sent", INT), ("farther", BOOL),
                               ("missing", STR), ("busy_s", FLOAT), ("status", STR), ("met", FLOAT),
                               ("arrival_s", FLOAT), ("run", STR)]),
    # the year's Erreichungsgrad per station layout and strategy, the share served from farther away, busy time
    "year_summary": _schema([("plan", STR), ("stage", STR), ("layout", STR), ("strategy", STR), ("incidents", INT),
                             *_RATE, ("rate_change", FLOAT), ("rate_change_low", FLOAT),
                             ("rate_change_high", FLOAT), ("rate_change_p", FLOAT), ("farther_share", FLOAT),
                             ("missing_share", FLOAT), ("busy_min_mean", FLOAT), ("failed", INT),
                             ("not_simulated", INT), ("rounds", INT), ("settled", BOOL)]),
    # mean call and dispatch, turnout and driving time
    "time_components": _schema([("plan", STR), ("stage", STR), ("layout", STR), ("strategy", STR),
                                ("call_and_dispatch_s", FLOAT), ("turnout_s", FLOAT), ("driving_s", FLOAT)]),
}

RUN_TABLES = ("runs", "signals", "other_traffic", "preemptions", "requests", "violations", "trajectories",
              "signal_states", "delay_by_entry")
COMPLIANCE_TABLES = ("compliance_incidents", "compliance", "compliance_layouts", "compliance_breakdown",
                     "time_components")


def columns(table: str, without_provenance: bool = False) -> list[str]:
    """The column names of a table, in file order."""
    names = TABLES[table].names
    return [n for n in names if n not in PROVENANCE_COLUMNS] if without_provenance else list(names)
