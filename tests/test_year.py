"""A year of incidents: the stream, who is free to go, and the year's tables (pure logic, no simulator)."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from signalprio.compliance.plans import load_plan
from signalprio.runs import RunResult
from signalprio.year.availability import Unit, assign
from signalprio.year.settings import YearSettings
from signalprio.year.stream import HOURS_PER_YEAR, YearIncident, hourly_rates, year_stream
from signalprio.year.table import incident_rows, summary

BANDS = {
    "weekday-day": {"days": "weekday", "from_h": 6, "to_h": 18, "rate": 2.0, "load": "peak"},
    "weekday-night": {"days": "weekday", "from_h": 18, "to_h": 6, "rate": 1.0, "load": "offpeak"},
    "weekend": {"days": "weekend", "from_h": 0, "to_h": 24, "rate": 1.0, "load": "offpeak"},
}
TYPES = {"fire": {"share": 1.0, "vehicles": ["ELW", "HLF", "DLK"], "on_scene_min": 45}}


def _settings(**changes: object) -> YearSettings:
    return YearSettings.model_validate({"incidents_per_year": 4000, "bands": BANDS, "types": TYPES, **changes})


def test_the_hourly_rates_add_up_to_the_year_and_follow_the_bands() -> None:
    rates, bands = hourly_rates(_settings())
    assert len(rates) == HOURS_PER_YEAR and rates.sum() == pytest.approx(4000)
    monday_noon, monday_night, saturday_noon = rates[12], rates[2], rates[5 * 24 + 12]
    assert monday_noon == pytest.approx(2 * monday_night) and saturday_noon == pytest.approx(monday_night)
    assert bands[12] == "weekday-day" and bands[2] == "weekday-night" and bands[4 * 24 + 23] == "weekday-night"
    assert bands[5 * 24 + 1] == "weekend"  # Friday night after midnight is Saturday


@pytest.mark.parametrize(("bands", "message"), [
    ({**BANDS, "weekend": {**BANDS["weekend"], "to_h": 23}}, "no band covers hour 23 of day 6"),
    ({**BANDS, "weekday-day": {**BANDS["weekday-day"], "to_h": 19}}, "both cover hour 18 of day 1"),
])
def test_bands_must_cover_every_hour_of_the_week_once(bands: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _settings(bands=bands)


def _stream(settings: YearSettings) -> list[YearIncident]:
    districts = {"north": ["n1", "n2"], "south": ["s1"]}
    return year_stream(settings, districts, {"north": 3.0, "south": 1.0}, {"n1": 100.0, "n2": 200.0, "s1": 50.0},
                       (1200.0, 2400.0))


def test_the_stream_is_reproducible_poisson_and_a_slice_is_its_beginning() -> None:
    year = _stream(_settings())
    assert year == _stream(_settings())
    assert abs(len(year) - 4000) < 4 * np.sqrt(4000)  # a Poisson count around the year's figure
    assert [i.time_h for i in year] == sorted(i.time_h for i in year)
    assert _stream(_settings(incidents=25)) == year[:25]
    assert {i.alarm_s for i in year} <= {1200.0 + 60 * k for k in range(21)}  # alarms on the grid: shared warm-ups
    north = sum(i.district == "north" for i in year) / len(year)
    assert north == pytest.approx(0.75, abs=0.03)
    day = [i for i in year if i.band == "weekday-day"]
    night = [i for i in year if i.band == "weekday-night"]
    per_hour_day, per_hour_night = len(day) / (52 * 5 * 12), len(night) / (52 * 5 * 12)
    assert per_hour_day / per_hour_night == pytest.approx(2.0, rel=0.1)
    on_scene = np.median([i.on_scene_s for i in year])
    assert on_scene == pytest.approx(45 * 60, rel=0.05)
    assert year[0].when.startswith("Mon")


def _incident(number: int, time_h: float, edge: str = "x", kind: str = "fire", on_scene_s: float = 1800.0
              ) -> YearIncident:
    return YearIncident(f"y{number:05d}", time_h, "weekday-day", "north", edge, 10.0, kind, on_scene_s, 1200.0)


NEAR, FAR = Unit("near/HLF#1", "near", "e_near", "HLF", 6, 60.0), Unit("far/HLF#1", "far", "e_far", "HLF", 6, 60.0)


def _travel(station_edge: str, incident_edge: str) -> float:
    return {"e_near": 100.0, "e_far": 300.0}[station_edge]


def test_the_nearest_free_unit_goes_and_a_busy_one_is_replaced_by_the_next_station() -> None:
    """Busy from the alarm: turnout 60 s + 100 s to the scene + 1800 s on scene + 1.5 x 100 s back = 2110 s."""
    incidents = [_incident(1, 0.0), _incident(2, 0.5), _incident(3, 2110 / 3600 + 0.001)]
    out = assign(incidents, [NEAR, FAR], lambda kind: ["HLF"], _travel, {}, 1.5)
    assert [a.sent[0].unit for a in out] == [NEAR, FAR, NEAR]
    assert [a.sent[0].farther for a in out] == [False, True, False]
    assert out[0].sent[0].busy_s == pytest.approx(60 + 100 + 1800 + 150)


def test_simulated_arrivals_replace_the_estimate_and_change_who_is_free() -> None:
    """A simulated arrival of 400 s instead of the estimated 160 s keeps the near unit out 240 s longer: the third
    incident, 2200 s after the first, then gets the far unit."""
    incidents = [_incident(1, 0.0), _incident(2, 2200 / 3600)]
    estimated = assign(incidents, [NEAR, FAR], lambda kind: ["HLF"], _travel, {}, 1.5)
    assert estimated[1].sent[0].unit == NEAR
    simulated = {estimated[0].signature: {NEAR.id: 400.0}}
    again = assign(incidents, [NEAR, FAR], lambda kind: ["HLF"], _travel, simulated, 1.5)
    assert again[0].sent[0].busy_s == pytest.approx(400 + 1800 + 150)
    assert again[1].sent[0].unit == FAR and again[1].signature != estimated[1].signature


def test_a_type_without_a_free_unit_is_missing() -> None:
    out = assign([_incident(1, 0.0), _incident(2, 0.1)], [NEAR], lambda kind: ["HLF", "DLK"], _travel, {}, 1.0)
    assert out[0].missing == ("DLK",) and out[1].sent == () and out[1].missing == ("HLF", "DLK")


def test_a_station_that_cannot_reach_the_incident_sends_nothing_and_stays_free() -> None:
    """A one-way island of an OSM network: infinite travel time. Its unit is not sent (it would be out for ever)."""
    def travel(station_edge: str, incident_edge: str) -> float:
        return float("inf") if incident_edge == "island" else _travel(station_edge, incident_edge)

    out = assign([_incident(1, 0.0, edge="island"), _incident(2, 0.1)], [NEAR], lambda kind: ["HLF"], travel, {}, 1.0)
    assert out[0].sent == () and out[0].missing == ("HLF",)
    assert out[1].sent[0].unit == NEAR and out[1].sent[0].busy_s < float("inf")


def test_the_week_of_an_incident_counts_from_the_model_years_first_week() -> None:
    assert _incident(1, 0.0).when == "Mon 00:00, week 1"
    assert _incident(2, 52 * 168 - 0.5).when == "Sun 23:30, week 52"


def _result(signature: str, arms: tuple[str, str], arrival_s: float, crew: int = 10) -> RunResult:
    trip = {"vehicle": f"{signature}_1_HLF", "arrived": True, "arrival_after_alarm_s": arrival_s, "crew": crew,
            "station": "near", "turnout_s": 60.0, "driving_s": arrival_s - 60, "band": "weekday-day",
            "district": "north", "load": "peak"}
    return RunResult({"layout": arms[0], "strategy": arms[1], "seed": 1, "incident": signature}, trips=[trip])


def test_the_year_table_counts_critical_valid_incidents_and_a_missing_unit_as_missed() -> None:
    plan = load_plan("mannheim-2024")
    units = [Unit("near/HLF#1", "near", "e_near", "HLF", 10, 60.0)]
    incidents = [_incident(1, 0.0), _incident(2, 0.1), _incident(3, 5.0), _incident(4, 9.0, kind="alarm")]
    stamp = {"experiment": "t", "experiment_hash": "h", "signalprio_version": "v", "sumo_version": "s"}
    assignments, results, failed = {}, {}, {}
    for strategy, arrival in (("none", 500.0), ("green-wave", 400.0)):
        arm = ("all", strategy, 1)
        assignments[arm] = assign(incidents, units, lambda kind: ["HLF"], _travel, {}, 1.0)
        first, third, fourth = assignments[arm][0], assignments[arm][2], assignments[arm][3]
        results[(arm, first.signature)] = _result(first.signature, arm[:2], arrival)
        results[(arm, fourth.signature)] = _result(fourth.signature, arm[:2], arrival)
        failed[(arm, third.signature)] = "InvalidRun: i_1_HLF collided"
    rows = incident_rows(assignments, results, failed, plan, {"fire": True, "alarm": False}, stamp)
    none = rows[rows["strategy"] == "none"].set_index("incident")
    assert list(none["status"]) == ["simulated", "no unit free", "failed", "simulated"]
    assert none.loc["y00001", "met"] == 0.0 and none.loc["y00002", "met"] == 0.0  # 500 s > 480 s; nobody free
    assert np.isnan(none.loc["y00003", "met"]) and np.isnan(none.loc["y00004", "met"])  # failed; not critical
    table = summary(rows, plan, ["none", "green-wave"], 1, True, stamp).set_index("strategy")
    assert table.loc["none", "n"] == 2 and table.loc["none", "rate"] == 0.0
    assert table.loc["green-wave", "rate"] == 0.5 and table.loc["green-wave", "rate_change"] == 0.5
    assert table.loc["none", "failed"] == 1 and table.loc["none", "missing_share"] == pytest.approx(1 / 3)
    sent = [s.busy_s for a in assignments[("all", "none", 1)] for s in a.sent]
    assert table.loc["none", "busy_min_mean"] == pytest.approx(np.mean(sent) / 60)


def test_over_a_busy_year_no_unit_is_sent_while_out_and_each_goes_only_when_nearer_ones_are_out() -> None:
    """Three stations, 2,000 incidents of one week's density: every dispatch checked against the units' busy
    intervals as the assignment reported them."""
    settings = _settings(incidents_per_year=100_000, incidents=2000)
    edges = {"a": ["ea"], "b": ["eb"], "c": ["ec"]}
    year = year_stream(settings, edges, {"a": 1.0, "b": 1.0, "c": 1.0}, {"ea": 100.0, "eb": 100.0, "ec": 100.0},
                       (600.0, 600.0))
    stations = {"A": "sa", "B": "sb", "C": "sc"}
    units = [Unit(f"{s}/{t}#1", s, e, t, 2, 60.0) for s, e in stations.items() for t in ("ELW", "HLF", "DLK")]

    def travel(station_edge: str, incident_edge: str) -> float:
        return 120.0 if station_edge[1] == incident_edge[1] else 400.0 + 10 * ord(station_edge[1])

    out = assign(year, units, lambda kind: ["ELW", "HLF", "DLK"], travel, {}, 1.3)
    out_until: dict[str, float] = {u.id: float("-inf") for u in units}
    farther = 0
    for a in out:
        alarm = a.incident.time_h * 3600
        for sent in a.sent:
            assert out_until[sent.unit.id] <= alarm, f"{sent.unit.id} sent to {a.incident.id} while out"
            nearer = [u for u in units if u.vehicle_type == sent.unit.vehicle_type
                      and travel(u.station_edge, a.incident.edge) < travel(sent.unit.station_edge, a.incident.edge)]
            assert all(out_until[u.id] > alarm for u in nearer)
            assert sent.farther == bool(nearer)
            farther += sent.farther
            out_until[sent.unit.id] = alarm + sent.busy_s
        for missing in a.missing:
            assert all(out_until[u.id] > alarm for u in units if u.vehicle_type == missing)
    assert farther > 100  # the week is busy enough that it matters
