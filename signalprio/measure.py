"""Measurements that become tidy tables: engine trips, time lost per signal, other traffic's delay.

Engines are measured from the observations, step by step, so each second of delay belongs to
the signal the engine was approaching; other traffic from SUMO's own tripinfo output, including vehicles still on
the road when the run ends, so that both strategies are compared over the same horizon.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from signalprio.control.types import EngineView, SignalView

AFTER_LAST_SIGNAL = "(after last signal)"
HALT_SPEED = 0.1  # m/s, SUMO's halting threshold
RED = "rus"  # SUMO signal states an engine may not pass without special rights: red, red-yellow, stop
# Surrogate safety thresholds of SUMO's SSM device on the engines: time-to-collision below 1.5 s (FHWA SSAM's
# default conflict threshold) or post-encroachment time below 1.0 s (a serious crossing conflict)
SSM_TTC_S = 1.5
SSM_PET_S = 1.0


@dataclass
class EngineRecorder:
    """Follows one engine step by step; attributes its time loss to the signal it is approaching."""

    engine_id: str
    alarm_s: float
    departed_s: float | None = None
    arrived_s: float | None = None
    stops: int = 0
    distance_m: float = 0.0
    signal_order: list[str] = field(default_factory=list)
    loss_at: dict[str, float] = field(default_factory=dict)
    passed_at: dict[str, float] = field(default_factory=dict)
    link_at: dict[str, int] = field(default_factory=dict)  # the engine's link index at each signal
    position_at: dict[str, float] = field(default_factory=dict)  # odometer when it passed each signal
    state_at: dict[str, str] = field(default_factory=dict)  # what its link showed while it crossed the stop line
    speed_at: dict[str, float] = field(default_factory=dict)  # its speed just past the stop line (m/s)
    trajectory: list[tuple[float, float, float, str]] = field(default_factory=list)
    _last_loss: float = 0.0
    _halted: bool = True

    def record(self, time: float, view: EngineView, signals: Mapping[str, SignalView]) -> None:
        """One observation; `signals` show the states during the step that just ended, when a passage happened."""
        if self.departed_s is None:
            self.departed_s = time
        current = view.signals_ahead[0].signal_id if view.signals_ahead else AFTER_LAST_SIGNAL
        for ahead in view.signals_ahead:
            if ahead.signal_id not in self.signal_order:
                self.signal_order.append(ahead.signal_id)
            self.link_at[ahead.signal_id] = ahead.link_index
            self.position_at[ahead.signal_id] = view.odometer_m + ahead.distance_m
        for signal_id in self.signal_order:
            if signal_id not in self.passed_at and signal_id not in {a.signal_id for a in view.signals_ahead}:
                self.passed_at[signal_id] = time
                shown, link = signals.get(signal_id), self.link_at.get(signal_id, -1)
                self.state_at[signal_id] = shown.state[link] if shown is not None and 0 <= link < len(shown.state) \
                    else ""
                self.speed_at[signal_id] = view.speed  # just past the line: the speed it crosses the junction at
        self.loss_at[current] = self.loss_at.get(current, 0.0) + view.time_loss_s - self._last_loss
        self._last_loss = view.time_loss_s
        halted = view.speed < HALT_SPEED
        if halted and not self._halted:
            self.stops += 1
        self._halted = halted
        self.distance_m = view.odometer_m
        self.trajectory.append((time, view.odometer_m, view.speed, view.edge))

    def trip(self) -> dict[str, object]:
        arrived, reds = self.arrived_s, self._reds()
        return {
            "alarm_s": self.alarm_s,
            "departed_s": self.departed_s,
            "arrived_s": arrived,
            "arrival_after_alarm_s": arrived - self.alarm_s if arrived is not None else None,
            "driving_s": arrived - self.departed_s if arrived is not None and self.departed_s is not None else None,
            "arrived": arrived is not None,
            "distance_m": self.distance_m,
            "stops": self.stops,
            "signals_passed": len(self.passed_at),
            "time_lost_at_signals_s": sum(v for k, v in self.loss_at.items() if k != AFTER_LAST_SIGNAL),
            "time_lost_total_s": sum(self.loss_at.values()),
            "reds_entered": len(reds),
            "red_entry_speed_max_kmh": 3.6 * max(reds) if reds else None,
        }

    def _reds(self) -> list[float]:
        """Its speed at every stop line it crossed while its signal showed red."""
        return [self.speed_at[sid] for sid, state in self.state_at.items() if state and state in RED]

    def signal_rows(self) -> list[dict[str, object]]:
        return [
            {"signal_id": signal_id, "order": order, "passed_s": self.passed_at.get(signal_id),
             "time_lost_s": self.loss_at.get(signal_id, 0.0), "link_index": self.link_at.get(signal_id),
             "position_m": self.position_at.get(signal_id), "state_at_passage": self.state_at.get(signal_id),
             "speed_at_passage_mps": self.speed_at.get(signal_id)}
            for order, signal_id in enumerate(self.signal_order, start=1)
        ]


OTHER_TRAFFIC = ("other_vehicles", "other_time_loss_s", "other_depart_delay_s", "other_delay_s")


def other_traffic_delay(tripinfo: Path, exclude: set[str]) -> tuple[dict[str, object], list[dict[str, object]]]:
    """Total time loss and insertion delay (s) of every vehicle except `exclude`, over the run,
    and the same per entry edge (where each vehicle entered: its approach or side street)."""
    vehicles, time_loss, depart_delay = 0, 0.0, 0.0
    by_entry: dict[str, list[float]] = {}
    for _, element in ET.iterparse(tripinfo):
        if element.tag == "tripinfo" and element.get("id") not in exclude:
            loss = float(element.get("timeLoss", 0.0))
            wait = max(float(element.get("departDelay", 0.0)), 0.0)
            vehicles += 1
            time_loss += loss
            depart_delay += wait
            entry = by_entry.setdefault(element.get("departLane", "").rsplit("_", 1)[0], [0, 0.0])
            entry[0] += 1
            entry[1] += loss + wait
        element.clear()
    totals: dict[str, object] = dict(zip(OTHER_TRAFFIC, (vehicles, time_loss, depart_delay, time_loss + depart_delay),
                                         strict=True))
    rows = [{"entry_edge": edge, "vehicles": int(n), "delay_s": delay} for edge, (n, delay) in sorted(by_entry.items())]
    return totals, rows


@dataclass(frozen=True)
class Collision:
    """One collision SUMO recorded (collision output with junction checks on)."""

    time: float
    collider: str
    victim: str
    lane: str
    kind: str  # junction, side, collision (rear-end) ...

    def involves(self, vehicle: str) -> bool:
        return vehicle in (self.collider, self.victim)

    def describe(self, vehicle: str) -> str:
        other = self.victim if self.collider == vehicle else self.collider
        return f"{vehicle} collided with {other} ({self.kind}) on {self.lane} at t = {self.time:g} s"


def read_collisions(path: Path) -> list[Collision]:
    """Every collision in a SUMO collision-output file (empty when SUMO wrote none)."""
    if not path.is_file():
        return []
    out = []
    for _, element in ET.iterparse(path):
        if element.tag == "collision":
            out.append(Collision(float(element.get("time", 0.0)), element.get("collider", ""),
                                 element.get("victim", ""), element.get("lane", ""), element.get("type", "")))
        element.clear()
    return out


def read_safety_statistics(path: Path) -> dict[str, int]:
    """SUMO's own counts over the run: teleports, collisions, emergency stops and emergency braking."""
    counts = {"teleports": 0, "collisions": 0, "emergency_stops": 0, "emergency_braking": 0}
    if not path.is_file():
        return counts
    for _, element in ET.iterparse(path):
        if element.tag == "teleports":
            counts["teleports"] = int(element.get("total", 0))
        elif element.tag == "safety":
            counts["collisions"] = int(element.get("collisions", 0))
            counts["emergency_stops"] = int(element.get("emergencyStops", 0))
            counts["emergency_braking"] = int(element.get("emergencyBraking", 0))
    return counts


@dataclass(frozen=True)
class Conflict:
    """An encounter of an engine that SUMO's SSM device logged below a threshold (NaN: measure not available)."""

    ego: str
    foe: str
    begin: float
    min_ttc_s: float
    min_pet_s: float

    def serious(self) -> bool:
        return self.min_ttc_s < SSM_TTC_S or self.min_pet_s < SSM_PET_S


def read_conflicts(path: Path) -> list[Conflict]:
    """Conflicts from an SSM output file (empty when no engine met a threshold)."""
    if not path.is_file():
        return []
    out = []
    for _, element in ET.iterparse(path):
        if element.tag == "conflict":
            values = {child.tag: _number(child.get("value")) for child in element}
            out.append(Conflict(element.get("ego", ""), element.get("foe", ""), float(element.get("begin", 0.0)),
                                values.get("minTTC", float("nan")), values.get("PET", float("nan"))))
            element.clear()
    return out


def _number(text: str | None) -> float:
    try:
        return float(text) if text not in (None, "NA") else float("nan")
    except ValueError:
        return float("nan")
