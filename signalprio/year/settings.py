"""The `[year]` section of an experiment: how many incidents a year, when (time bands of the week), where, of
which type, and how long units stay out. Validated data; every number is an assumption the file states."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

HOURS_PER_WEEK = 168


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WeekBand(_Strict):
    """Hours of the week with one incident rate and one traffic load, e.g. weekdays 6-18 h at peak load."""

    days: Literal["weekday", "weekend"]
    from_h: int = Field(ge=0, le=23)
    to_h: int = Field(ge=1, le=24, description="end hour (exclusive); at or before from_h the band runs past midnight")
    rate: float = Field(gt=0, description="incidents per hour, relative to the other bands")
    load: str = Field(description="the scenario's demand level its incidents are simulated under")

    def hours(self) -> set[int]:
        """Its hours of the week (0 = Monday 0-1 h). An hour belongs to the day it falls on: weekdays 18-6 h are
        Monday to Friday 0-6 h and 18-24 h (Friday night after midnight is Saturday, a weekend hour)."""
        days = range(5) if self.days == "weekday" else range(5, 7)
        hours = [h for h in range(24) if (self.from_h <= h < self.to_h if self.from_h < self.to_h
                                          else h >= self.from_h or h < self.to_h)]
        return {day * 24 + hour for day in days for hour in hours}


class IncidentType(_Strict):
    """A kind of incident: its share, the vehicle types it alarms, and how long they stay on scene."""

    share: float = Field(gt=0)
    vehicles: list[str] = Field(min_length=1, description="vehicle types sent (the nearest free one of each)")
    critical: bool = Field(True, description="counts towards the Erreichungsgrad (a time-critical incident)")
    on_scene_min: float = Field(gt=0, description="median time on scene, minutes")
    on_scene_spread: float = Field(0.5, ge=0, description="sigma of the lognormal time on scene")


class YearSettings(_Strict):
    incidents_per_year: int = Field(gt=0, le=100_000)
    seed: int = 1
    incidents: int | None = Field(None, ge=1, description="simulate the year's first N incidents (a slice)")
    bands: dict[str, WeekBand] = Field(min_length=1)
    types: dict[str, IncidentType] = Field(min_length=1)
    return_factor: float = Field(1.3, gt=0, description="return trip: the free-flow time of the way out times this "
                                                        "(no blue light, normal traffic)")
    alarm_grid_s: float = Field(60.0, gt=0, description="simulated alarm times fall on this grid within the "
                                                        "experiment's alarm window: one warm-up per band, shared")
    max_rounds: int = Field(4, ge=1, description="rounds of dispatch and simulation until availability settles")

    @model_validator(mode="after")
    def _week_covered_once(self) -> YearSettings:
        """Every hour of the week in exactly one band: otherwise the year's count would not be the count asked."""
        seen: dict[int, str] = {}
        for name, band in self.bands.items():
            for hour in band.hours():
                if hour in seen:
                    raise ValueError(f"bands '{seen[hour]}' and '{name}' both cover hour {hour % 24} of day "
                                     f"{hour // 24 + 1} of the week")
                seen[hour] = name
        if len(seen) != HOURS_PER_WEEK:
            missing = min(set(range(HOURS_PER_WEEK)) - set(seen))
            raise ValueError(f"no band covers hour {missing % 24} of day {missing // 24 + 1} of the week")
        return self
