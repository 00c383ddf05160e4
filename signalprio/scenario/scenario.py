"""A scenario folder: network, background demand per traffic load, fire stations, incident districts.

Described by scenario.toml inside the folder; paths in it are relative to the folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal
from xml.etree import ElementTree

from pydantic import BaseModel, ConfigDict, Field, model_validator

from signalprio.config import load_toml
from signalprio.errors import UserError
from signalprio.fleet import VehicleTypeFields
from signalprio.installation import sumo_home
from signalprio.names import ALL_STATIONS
from signalprio.scenario.sumocfg import read_sumocfg

SUMO_HOME_PREFIX = "sumo-home:"


class StationVehicle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = Field(description="vehicle type: ELW, HLF, DLK (signalprio/data/fire_vehicles.toml)")
    crew: int = Field(gt=0, description="Funktionen on board")
    name: str = ""


def _mannheim_stage_vehicles() -> list[StationVehicle]:
    """Stage 1 of Mannheim's 2024 plan (ELW 2, HLF 6, DLK 2) and a second HLF with 10 for stage 2."""
    return [StationVehicle(type="ELW", crew=2), StationVehicle(type="HLF", crew=6),
            StationVehicle(type="DLK", crew=2), StationVehicle(type="HLF", crew=10, name="HLF 2")]


class Station(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    edge: str = Field(description="edge the engines leave the station on")
    position_m: float = Field(0.0, ge=0)
    type: Literal["career", "volunteer"] = "career"
    turnout_s: float | None = Field(None, ge=0, description="overrides the requirement plan's turnout for the type")
    vehicles: list[StationVehicle] = Field(default_factory=_mannheim_stage_vehicles, min_length=1)


class RandomTrips(BaseModel):
    """Generated demand for networks that come without any (SUMO's randomTrips.py)."""

    model_config = ConfigDict(extra="forbid")
    period_s: float = Field(gt=0, description="mean seconds between two generated trips")
    fringe_factor: float = Field(10.0, ge=1,
                                 description="how much more often trips start and end at the edge of the map")
    end_s: float = Field(7200.0, gt=0)
    seed: int = 42


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    network: str | None = Field(None, description="network file; 'sumo-home:PATH' names a file inside the SUMO "
                                                  "installation (or give `sumocfg`)")
    sumocfg: str | None = Field(None, description="a SUMO configuration: its network, route files (the load "
                                                  "'sumocfg'), additional files and begin")
    begin_s: float | None = Field(None, ge=0, description="simulation time the scenario begins at (default: the "
                                                          "configuration's begin, or 0); alarm times count from it")
    demand: dict[str, list[str] | RandomTrips] = Field(
        default_factory=dict, description="traffic load name -> route files, or generated trips")
    stations: list[Station] = Field(min_length=1)
    incident_edges: list[str] = Field(min_length=1, description="where incidents may lie")
    districts: dict[str, list[str]] = Field(default_factory=dict,
                                            description="district name -> edges, for sampling and breakdowns")
    station_layouts: dict[str, list[str]] = Field(
        default_factory=dict, description="layout name -> names of the stations it has (e.g. today, a planned future)")
    additional: list[str] = Field(default_factory=list, description="SUMO additional files the network needs "
                                                                    "(signal programs, detectors, vehicle types)")
    vehicle_types: dict[str, VehicleTypeFields] = Field(
        default_factory=dict, description="the city's own fire vehicles: changes to shipped types, or new ones")
    folder: Path = Path(".")

    @model_validator(mode="after")
    def _one_source(self) -> Scenario:
        """The network and demand come from the fields or from a configuration, not from both."""
        if self.sumocfg is None and self.network is None:
            raise ValueError("network: name a network file, or a SUMO configuration with 'sumocfg'")
        if self.sumocfg is not None and self.network is not None:
            raise ValueError("network: the configuration named in 'sumocfg' gives the network; name it in one place")
        if self.sumocfg is None and not self.demand:
            raise ValueError("demand: name the route files of at least one traffic load")
        return self

    @model_validator(mode="after")
    def _layouts_name_stations(self) -> Scenario:
        listed = [station.name for station in self.stations]
        repeated = sorted({name for name in listed if listed.count(name) > 1})
        if repeated:
            raise ValueError(f"stations: two stations are named {repeated[0]!r}")
        names = set(listed)
        for layout, members in self.station_layouts.items():
            unknown = [m for m in members if m not in names]
            if not members:
                raise ValueError(f"station_layouts.{layout}: no stations")
            if unknown:
                raise ValueError(f"station_layouts.{layout}: unknown station {unknown[0]!r}")
        return self

    def layout_stations(self, layout: str) -> list[Station]:
        """The stations of a named layout, or all of the scenario's stations."""
        if layout == ALL_STATIONS and layout not in self.station_layouts:
            return self.stations
        members = set(self.station_layouts[layout])
        return [station for station in self.stations if station.name in members]

    def district_edges(self) -> dict[str, list[str]]:
        """Districts for sampling; without any, the incident edges form one district."""
        return self.districts or {"all": self.incident_edges}

    def network_path(self) -> Path:
        network = self.network or ""  # set from the configuration by load_scenario
        if network.startswith(SUMO_HOME_PREFIX):
            return sumo_home() / network.removeprefix(SUMO_HOME_PREFIX)
        return self.folder / network

    @property
    def begin(self) -> float:
        return self.begin_s or 0.0

    def additional_paths(self) -> list[Path]:
        return [self.folder / name for name in self.additional]

    def demand_for(self, load: str) -> list[Path] | RandomTrips:
        """Route files of a traffic load, or the generated trips that stand for them."""
        if load not in self.demand:
            raise UserError(f"{self.folder / 'scenario.toml'}: field 'demand': no traffic load '{load}' "
                            f"(has: {', '.join(sorted(self.demand))})")
        demand = self.demand[load]
        return demand if isinstance(demand, RandomTrips) else [self.folder / name for name in demand]


def load_scenario(folder: Path) -> Scenario:
    path = folder / "scenario.toml"
    scenario = load_toml(path, Scenario)
    scenario = scenario.model_copy(update={"folder": folder})
    if scenario.sumocfg is not None:
        scenario = _from_sumocfg(scenario, path)
    files = [folder / f for demand in scenario.demand.values() if isinstance(demand, list) for f in demand]
    for file in [scenario.network_path(), *files, *scenario.additional_paths()]:
        if not file.is_file():
            raise UserError(f"{path}: file named there does not exist: {file}")
    for file in scenario.additional_paths():
        check_additional(file, f"{path}: field 'additional'")
    return scenario


def _from_sumocfg(scenario: Scenario, path: Path) -> Scenario:
    """Network, route files (the load 'sumocfg', unless the scenario names its own), additional files (before the
    scenario's own) and begin from the configuration, as paths relative to the scenario folder."""
    folder = scenario.folder
    config = read_sumocfg(folder / (scenario.sumocfg or ""), f"{path}: field 'sumocfg'")

    def relative(file: Path) -> str:
        return os.path.relpath(file, folder)

    for file in config.additional:
        check_additional(file, f"{config_name(scenario)}: option 'additional-files'")
    demand = scenario.demand or {"sumocfg": [relative(route) for route in config.routes]}
    if not any(demand.values()):
        raise UserError(f"{config_name(scenario)}: option 'route-files': the configuration names no route files; "
                        f"name them there, or give [demand] in {path}")
    return scenario.model_copy(update={
        "network": relative(config.network), "demand": demand,
        "additional": [*(relative(file) for file in config.additional), *scenario.additional],
        "begin_s": scenario.begin_s if scenario.begin_s is not None else config.begin_s})


def config_name(scenario: Scenario) -> Path:
    return scenario.folder / (scenario.sumocfg or "")


def check_additional(file: Path, where: str) -> None:
    """An additional file must be XML, and may not bring signal programs: the controller and the conflict monitor
    read the programs from the network file, and would not know one SUMO runs instead."""
    try:
        root = ElementTree.parse(file).getroot()
    except ElementTree.ParseError as error:
        raise UserError(f"{where}: {file.name} is not an XML file ({error})") from None
    if root.find(".//tlLogic") is not None:
        raise UserError(f"{where}: {file.name} holds signal programs (tlLogic); put them into the network "
                        "(netconvert --tllogic-files) so that signalprio knows them")
