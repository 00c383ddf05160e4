"""What controllers see and what they may ask for: plain immutable data, no SUMO objects."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SignalAhead:
    """A signal on an engine's remaining route: the link it will use and the distance to the stop line."""

    signal_id: str
    link_index: int
    distance_m: float
    queue_edges: tuple[str, ...] = ()  # route edges from the engine up to this signal's stop line


@dataclass(frozen=True)
class EngineView:
    id: str
    unit: str  # vehicles of one unit (one incident response) are preempted for together
    speed: float
    desired_speed: float  # free speed on its current lane (limit x speed factor, capped at max speed)
    accel: float
    signals_ahead: tuple[SignalAhead, ...]
    lane_position_m: float = 0.0
    odometer_m: float = 0.0
    time_loss_s: float = 0.0  # SUMO's accumulated time loss against the free speed
    importance: int = 10  # SAE J2735 importance level (1-14): arbitration between units
    ready_in_s: float = 0.0  # seconds until it leaves the station (turnout); 0 once on the road
    edge: str = ""  # the edge of its route it is on or has last left (recorded for coverage maps)


@dataclass(frozen=True)
class SignalView:
    id: str
    state: str
    program_id: str
    next_switch: float  # absolute time the running phase ends
    phase: int = 0  # index of the running phase in its program


@dataclass(frozen=True)
class Observation:
    time: float
    step: float
    engines: tuple[EngineView, ...]
    signals: dict[str, SignalView]
    vehicles: dict[str, int] = field(default_factory=dict)  # edge id -> vehicles on it (engines' route edges)
    mean_speed: dict[str, float] = field(default_factory=dict)  # edge id -> their mean speed (m/s)
    # Alarmed engines still in the station: a dispatch-linked system knows them and their route
    # from the alarm, so the station's exit signal can be green when they roll out.
    waiting: tuple[EngineView, ...] = ()


@dataclass(frozen=True)
class SetSignalState:
    """Show this state until told otherwise (leaves the coordinated program)."""

    signal_id: str
    state: str


@dataclass(frozen=True)
class ResumePlan:
    """Return to the coordinated program at `phase_index`, ending that phase after `remaining_s`."""

    signal_id: str
    program_id: str
    phase_index: int
    remaining_s: float


@dataclass(frozen=True)
class AdjustPhase:
    """Within the running program, end the current phase after `remaining_s` (smooth recovery)."""

    signal_id: str
    remaining_s: float


Command = SetSignalState | ResumePlan | AdjustPhase
