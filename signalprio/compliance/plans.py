"""Requirement plans (Brandschutzbedarfsplan) as data: clock, time components and stages.

A plan says from which moment the clock runs (the start of the emergency call, "Hilfsfrist",
or the alarm, "Eintreffzeit"), what is assumed before driving (call handling and dispatch;
turnout per station type), and for each stage a time limit, a crew size in Funktionen and
a target rate. Presets ship in signalprio/data/plans; users may name their own TOML file.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from signalprio.config import load_toml
from signalprio.errors import UserError

DEFAULT_PLAN = "mannheim-2024"


class Stage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    time_limit_s: float = Field(gt=0, description="after the clock starts")
    crew: int = Field(gt=0, description="Funktionen required in addition to the earlier stages")
    target_rate: float = Field(gt=0, le=1)


class RequirementPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    source: str = ""
    clock: Literal["alarm", "call"] = Field(description="alarm: Eintreffzeit; call: Hilfsfrist")
    call_and_dispatch_s: float = Field(90.0, ge=0, description="call handling and dispatch before the alarm")
    turnout_s: dict[Literal["career", "volunteer"], float] = Field(description="Ausrueckzeit per station type")
    stages: list[Stage] = Field(min_length=1)

    @model_validator(mode="after")
    def _increasing(self) -> RequirementPlan:
        limits = [s.time_limit_s for s in self.stages]
        if limits != sorted(limits):
            raise ValueError("stages must have increasing time limits")
        return self

    @property
    def clock_offset_s(self) -> float:
        """Seconds between the clock's start and the alarm."""
        return self.call_and_dispatch_s if self.clock == "call" else 0.0

    @property
    def clock_label(self) -> str:
        return "Hilfsfrist (from the start of the call)" if self.clock == "call" else "Eintreffzeit (from the alarm)"

    def required_crew(self, stage: int) -> int:
        """Funktionen that must be on scene by stage `stage`'s limit (0-based): cumulative."""
        return sum(s.crew for s in self.stages[: stage + 1])


def preset_names() -> list[str]:
    folder = resources.files("signalprio.data.plans")
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def load_plan(reference: str, base: Path | None = None) -> RequirementPlan:
    """A preset by name, or a plan file (relative to `base`)."""
    if reference in preset_names():
        with resources.as_file(resources.files("signalprio.data.plans").joinpath(f"{reference}.toml")) as path:
            return load_toml(path, RequirementPlan)
    path = (base or Path(".")) / reference
    if not path.suffix == ".toml" or not path.is_file():
        raise UserError(f"unknown requirement plan '{reference}': neither a preset ({', '.join(preset_names())}) "
                        f"nor a plan file")
    return load_toml(path, RequirementPlan)
