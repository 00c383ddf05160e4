"""The year's incident stream: Poisson arrivals hour by hour at the rate of the hour's band, then district, edge
and position as the experiment samples them, a type and a time on scene. Reproducible from the year's seed.

The rate of each hour is the year's count shared out over the hours in proportion to their band's relative rate,
so the expected count over the year is the count asked for (the drawn count varies as a Poisson count does).
Pure: no simulator.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from signalprio.year.settings import HOURS_PER_WEEK, YearSettings

YEAR_START = dt.datetime(2025, 1, 6)  # a Monday: hour 0 of the year is hour 0 of a week
HOURS_PER_YEAR = 52 * HOURS_PER_WEEK  # 364 days: whole weeks, each band the same number of times


@dataclass(frozen=True)
class YearIncident:
    id: str
    time_h: float  # hours since the start of the year
    band: str
    district: str
    edge: str
    position_m: float
    type: str
    on_scene_s: float
    alarm_s: float  # simulated alarm time: on the grid of the experiment's alarm window

    @property
    def when(self) -> str:
        """Weekday and time of day, as a planner reads it (the year is a model year starting on a Monday)."""
        when = YEAR_START + dt.timedelta(hours=self.time_h)
        return f"{when:%a %H:%M}, week {int(self.time_h // HOURS_PER_WEEK) + 1}"


def hourly_rates(settings: YearSettings) -> tuple[np.ndarray, list[str]]:
    """Expected incidents in each hour of the year, and each hour's band."""
    band_of: dict[int, str] = {hour: name for name, band in settings.bands.items() for hour in band.hours()}
    bands = [band_of[hour % HOURS_PER_WEEK] for hour in range(HOURS_PER_YEAR)]
    weights = np.array([settings.bands[band].rate for band in bands])
    return settings.incidents_per_year * weights / weights.sum(), bands


def year_stream(settings: YearSettings, districts: dict[str, list[str]], weights: dict[str, float],
                edge_lengths: dict[str, float], alarm_window_s: tuple[float, float]) -> list[YearIncident]:
    """The year's incidents in time order (the first `settings.incidents` of them when that is set)."""
    rng = np.random.default_rng(settings.seed)
    rates, bands = hourly_rates(settings)
    counts = rng.poisson(rates)
    type_names = list(settings.types)
    type_p = np.array([settings.types[t].share for t in type_names])
    district_names = list(districts)
    district_p = np.array([weights[d] for d in district_names])
    grid = np.arange(alarm_window_s[0], alarm_window_s[1] + 1e-9, settings.alarm_grid_s)
    out: list[YearIncident] = []
    for hour in np.flatnonzero(counts):
        for minute in np.sort(rng.uniform(0, 60, counts[hour])):
            kind = type_names[int(rng.choice(len(type_names), p=type_p / type_p.sum()))]
            district = district_names[int(rng.choice(len(district_names), p=district_p / district_p.sum()))]
            edge = districts[district][int(rng.integers(len(districts[district])))]
            position = float(np.round(rng.uniform(0.2, 0.8) * edge_lengths[edge], 1))
            spec = settings.types[kind]
            on_scene = 60 * spec.on_scene_min * float(np.exp(rng.normal(0.0, spec.on_scene_spread)))
            alarm = float(grid[int(rng.integers(len(grid)))])
            out.append(YearIncident(f"y{len(out) + 1:05d}", round(float(hour + minute / 60), 4), bands[hour],
                                    district, edge, position, kind, round(on_scene), alarm))
            if settings.incidents is not None and len(out) == settings.incidents:
                return out
    return out
