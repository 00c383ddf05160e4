"""Dispatch from the nearest stations, and incidents from sampling or CSV (no simulation)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from signalprio.compliance.plans import load_plan
from signalprio.dispatch import TravelTimes, plan_dispatch
from signalprio.errors import UserError
from signalprio.experiment import load_experiment
from signalprio.pipeline import plan_incidents
from signalprio.scenario.scenario import Station, StationVehicle
from signalprio.sumo.loader import load_network
from tests.conftest import REPO, write_experiment

NEAR = Station(name="near", edge="fwd_2", type="career",
               vehicles=[StationVehicle(type="HLF", crew=6), StationVehicle(type="ELW", crew=2)])
FAR = Station(name="far", edge="fwd_0", type="volunteer",
              vehicles=[StationVehicle(type="HLF", crew=9), StationVehicle(type="DLK", crew=2)])


def test_each_vehicle_comes_from_the_nearest_station_that_has_one(empty_arterial: Path) -> None:
    travel = TravelTimes(load_network(empty_arterial / "arterial.net.xml"))
    assert travel.seconds("fwd_0", "fwd_4") > travel.seconds("fwd_2", "fwd_4") > 0
    sent = plan_dispatch("i1", "fwd_4", 50.0, 1000.0, [["ELW", "HLF", "DLK"], ["HLF"]], [FAR, NEAR],
                         load_plan("mannheim-2024"), travel, np.random.default_rng(0), 4.0, 0.0, 10)
    assert [(d.vehicle_type, d.station, d.crew, d.stage) for d in sent] == [
        ("ELW", "near", 2, 1), ("HLF", "near", 6, 1), ("DLK", "far", 2, 1), ("HLF", "far", 9, 2)]
    # turnout by station type (career 60 s, volunteer 240 s); vehicles of one station leave one after another
    assert [d.depart_s for d in sent] == [1060.0, 1064.0, 1240.0, 1244.0]


def test_missing_vehicle_type_is_an_input_error(empty_arterial: Path) -> None:
    travel = TravelTimes(load_network(empty_arterial / "arterial.net.xml"))
    with pytest.raises(UserError, match="no station has a free DLK"):
        plan_dispatch("i1", "fwd_4", 50.0, 0.0, [["DLK", "DLK"]], [FAR], load_plan("mannheim-2024"), travel,
                      np.random.default_rng(0), 4.0, 0.0, 10)


def test_turnout_varies_reproducibly_when_a_spread_is_set(empty_arterial: Path) -> None:
    travel = TravelTimes(load_network(empty_arterial / "arterial.net.xml"))

    def turnout(seed: int) -> float:
        return plan_dispatch("i1", "fwd_4", 50.0, 0.0, [["HLF"]], [NEAR], load_plan("mannheim-2024"), travel,
                             np.random.default_rng(seed), 4.0, 15.0, 10)[0].turnout_s

    assert turnout(1) == turnout(1) != turnout(2)


def test_time_bands_set_the_traffic_load(tmp_path: Path) -> None:
    loaded = load_experiment(write_experiment(tmp_path, REPO / "networks" / "mannheim", (
        'strategies = ["none"]\nseeds = [1]\n[incidents]\ncount = 60\n'
        'districts = { Innenstadt = 3, Almenhof = 1 }\n'
        '[incidents.bands]\nweekday_day = { share = 0.5, load = "peak" }\n'
        'weekday_night = { share = 0.3, load = "offpeak" }\nweekend = { share = 0.2, load = "offpeak" }\n')))
    incidents = plan_incidents(loaded)
    assert {(i.band, i.load) for i in incidents} == {("weekday_day", "peak"), ("weekday_night", "offpeak"),
                                                     ("weekend", "offpeak")}
    districts = [i.district for i in incidents]
    assert districts.count("Innenstadt") > districts.count("Almenhof") > 0
    assert incidents == plan_incidents(loaded)  # reproducible


def test_incidents_from_csv_and_their_errors(tmp_path: Path) -> None:
    csv = tmp_path / "incidents.csv"
    csv.write_text("id,edge,position_m,alarm_s,district\nA1,fwd_10,50,700,Innenstadt\nA2,ring5_l_out,20,800,Innenstadt\n")
    loaded = load_experiment(write_experiment(tmp_path, REPO / "networks" / "mannheim",
                                              'strategies = ["none"]\nseeds = [1]\n[incidents]\n'
                                              'csv = "incidents.csv"\n'))
    incidents = plan_incidents(loaded)
    assert [(i.id, i.edge, i.alarm_s, i.district) for i in incidents] == [
        ("A1", "fwd_10", 700.0, "Innenstadt"), ("A2", "ring5_l_out", 800.0, "Innenstadt")]
    csv.write_text("id,edge,position_m,alarm_s\nA1,nowhere,50,700\n")
    with pytest.raises(UserError, match=r"incidents\.csv: line 2: field 'edge': unknown edge 'nowhere'"):
        plan_incidents(loaded)
