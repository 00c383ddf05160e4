"""Fire-service vehicle types: read from package data, written as SUMO vTypes.

Every engine is vClass "emergency" (it may use emergency lanes and overtake on the right). It
may cross a red signal only at the bounded crossing speed (German practice under section 35
StVO: creep through with due care), never at full speed, and only once the junction is clear;
cross traffic stops for it (`signalprio.rightofway`). SUMO's bluelight device is not used: it
switches the engine's right-of-way checks off and lets cross traffic react only within 25 m, so
engines drove into vehicles already inside the junction (docs/vehicles.md has the figures).
It cannot pass through a stopped queue (no sublane model, so no rescue lane forms).
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import TYPE_CHECKING
from xml.sax.saxutils import quoteattr

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.fields import FieldInfo

# jmDriveAfterRedTime: a red older than this is not crossed at all; a day makes every red crossable.
_RED_TIME_LIMIT_S = 86400


class VehicleType(BaseModel):
    """One fire vehicle type; the schema of an entry of fire_vehicles.toml (its table name is the id)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    crew: int = Field(gt=0, description="Funktionen carried")
    length_m: float = Field(gt=0)
    width_m: float = Field(gt=0)
    mass_t: float = Field(gt=0)
    accel_mps2: float = Field(gt=0)
    decel_mps2: float = Field(gt=0)
    max_speed_kmh: float = Field(gt=0)
    speed_factor: float = Field(gt=0)

    @property
    def max_speed(self) -> float:
        return self.max_speed_kmh / 3.6

    def desired_speed(self, lane_speed: float) -> float:
        """Free speed on a lane with limit `lane_speed` (m/s)."""
        return min(lane_speed * self.speed_factor, self.max_speed)

    def sumo_id(self) -> str:
        return f"fire_{self.id}"

    def to_vtype_xml(self, red_crossing_kmh: float, devices: dict[str, str] | None = None) -> str:
        """The vType; `devices` are generic parameters (SUMO's SSM device, and the bluelight device for the rescue
        lane): every engine then carries them."""
        attrs = {
            "id": self.sumo_id(),
            "vClass": "emergency",
            "guiShape": "firebrigade",
            "length": self.length_m,
            "width": self.width_m,
            "mass": self.mass_t * 1000,
            "accel": self.accel_mps2,
            "decel": self.decel_mps2,
            "emergencyDecel": 7.0,
            "maxSpeed": round(self.max_speed, 3),
            "speedFactor": self.speed_factor,
            "speedDev": 0,
            "sigma": 0,
            "minGap": 2.0,
            "jmDriveAfterRedTime": _RED_TIME_LIMIT_S,
            "jmDriveRedSpeed": round(red_crossing_kmh / 3.6, 3),
        }
        body = " ".join(f"{k}={quoteattr(str(v))}" for k, v in attrs.items())
        if not devices:
            return f"    <vType {body}/>"
        params = "".join(f"\n        <param key={quoteattr(k)} value={quoteattr(v)}/>" for k, v in devices.items())
        return f"    <vType {body}>{params}\n    </vType>"


# A scenario's or experiment's [vehicle_types.X] table: any field of VehicleType (same checks), to change a shipped
# type or, with every field, to add one (a TLF, a city's own HLF). Made from VehicleType, so the two never drift.
if TYPE_CHECKING:
    class VehicleTypeFields(BaseModel):
        pass
else:
    VehicleTypeFields = create_model(
        "VehicleTypeFields", __config__=ConfigDict(extra="forbid", frozen=True),
        **{name: (info.annotation | None, FieldInfo.merge_field_infos(info, default=None))
           for name, info in VehicleType.model_fields.items() if name != "id"})


def fleet_with(*layers: dict[str, VehicleTypeFields]) -> dict[str, VehicleType]:
    """The shipped types changed or extended by each layer in turn (the scenario's, then the experiment's).

    Raises ValueError naming the type when a new one lacks fields."""
    fleet = dict(load_fleet())
    for layer in layers:
        for key, fields in layer.items():
            given = fields.model_dump(exclude_none=True)
            if key in fleet:
                fleet[key] = fleet[key].model_copy(update=given)
                continue
            missing = [name for name in VehicleType.model_fields if name != "id" and name not in given]
            if missing:
                raise ValueError(f"'vehicle_types.{key}': a new vehicle type needs every field; missing: "
                                 f"{', '.join(missing)}")
            fleet[key] = VehicleType(id=key, **given)
    return fleet


@functools.cache
def load_fleet() -> dict[str, VehicleType]:
    """Vehicle types shipped with signalprio, by short id (HLF, DLK, ELW), validated against `VehicleType`."""
    text = resources.files("signalprio.data").joinpath("fire_vehicles.toml").read_text()
    return {key: VehicleType(id=key, **values) for key, values in tomllib.loads(text).items()}


def vtypes_additional(fleet: dict[str, VehicleType], red_crossing_kmh: float,
                      devices: dict[str, str] | None = None) -> str:
    """An additional file defining every fire vehicle type."""
    body = "\n".join(v.to_vtype_xml(red_crossing_kmh, devices) for v in fleet.values())
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<additional>\n{body}\n</additional>\n'
