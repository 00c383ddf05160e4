"""A scenario folder: network, background demand per traffic load, fire station, incident area.

Described by scenario.toml inside the folder; paths in it are relative to the folder.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from signalprio.config import load_toml
from signalprio.errors import UserError


class Station(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    edge: str = Field(description="edge the engines leave the station on")
    position_m: float = Field(0.0, ge=0)


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    network: str
    demand: dict[str, list[str]] = Field(description="traffic load name -> SUMO route files")
    station: Station
    incident_edges: list[str] = Field(min_length=1, description="where incidents may lie (the far end)")
    folder: Path = Path(".")

    def network_path(self) -> Path:
        return self.folder / self.network

    def demand_paths(self, load: str) -> list[Path]:
        if load not in self.demand:
            raise UserError(f"{self.folder / 'scenario.toml'}: field 'demand': no traffic load '{load}' "
                            f"(has: {', '.join(sorted(self.demand))})")
        return [self.folder / name for name in self.demand[load]]


def load_scenario(folder: Path) -> Scenario:
    path = folder / "scenario.toml"
    scenario = load_toml(path, Scenario)
    scenario = scenario.model_copy(update={"folder": folder})
    for file in [scenario.network_path(), *(folder / f for files in scenario.demand.values() for f in files)]:
        if not file.is_file():
            raise UserError(f"{path}: file named there does not exist: {file}")
    return scenario
