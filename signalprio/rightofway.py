"""Right of way on a blue-light run (§ 35 and § 38 StVO): who stops when an engine must cross a red.

German practice: an engine with blue light and siren may cross a red signal with due care; road
users on the conflicting approaches that hear and see it must stop (§ 38 (1) StVO: "freie Bahn
schaffen"). SUMO's bluelight device (not used) lets the engine ignore red and right of way but
makes cross traffic react only within 25 m, too late at urban speeds: junction collisions
followed in a quarter of the runs. This model takes its place, the same way in every strategy:

- cross traffic on a green approach that conflicts with the engine's link stops at its stop line
  if it can do so with its normal deceleration, on the approach lane or the lanes before it (an
  approach lane inside a large junction may be only a few metres long); a vehicle too close to
  stop is committed and goes on;
- the engine stops before the stop line while a committed vehicle has not yet left the junction,
  then crosses at the bounded red-crossing speed, and keeps that speed until it has left the junction;
- held vehicles are released once the engine has left the junction (or its own link turns green);
- a committed vehicle that stands inside the junction for `CLEAR_AFTER_S` while the engine waits for it before
  the line clears the junction: it no longer gives way to the other vehicles inside (its driver sees the blue
  light and finishes the turn). Without this, a left turner waiting inside a large junction for oncoming traffic
  that was itself waiting (held, or blocked by others inside) stood until the horizon, the engine with it. Only
  once the engine stands before the line, never while an engine is inside (those standing wait for it; one told
  to clear gives way again);
- a vehicle on an internal lane of the engine's signal (between the stop lines of a joined signal) is never held:
  it would stand in the engine's way. One on an internal lane of a junction upstream is held like any other:
  standing behind held traffic, it would otherwise be waited for forever (a Mannheim run stalled so);
- with green, the engine still stops before the line while a vehicle of a conflicting movement whose green has
  ended is inside the junction (the session lists such an engine with those vehicles as committed);
- yellow is red for an engine that can still stop with its normal deceleration (and stays so until it has crossed),
  and green for one that cannot (`faces_red`).

Pure: observations in, commands out. The simulation session reads the few vehicles it needs (only
near an engine facing red) and applies the commands as speed limits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

STOP_GAP_M = 1.0  # where a stop "at the stop line" ends: this far before it
# The engine plans its approach to a red at this share of its deceleration: braking at the last moment with all
# of it, in whole simulation steps, surprised the vehicles behind (one rear-ended an ELW on the default experiment).
PLANNING_DECEL_SHARE = 0.5
# A committed vehicle standing inside the junction this long (while an engine waits for it) is told to clear it:
# longer than the moments a turner waits for a gap, shorter than a signal cycle.
CLEAR_AFTER_S = 5.0
STANDING_MPS = 0.1


def faces_red(shown: str, distance_m: float, speed: float, decel: float, handled_as_red: bool) -> bool:
    """Whether an engine before the line of a link showing `shown` is handled as crossing a red. Red and red-yellow
    are; green is not. Yellow (§ 37 (2) StVO: wait if a stop is still possible) is red for an engine that can still
    stop with its normal deceleration, and stays red for it once so handled (`handled_as_red`): steered to the line
    at the red-crossing speed it can no longer stop a few metres before it, and must not then drive on with the
    traffic held for it released. An engine that could not stop when its yellow began goes on at its speed like any
    driver (the intergreen time is reckoned for it): slowing it to the red-crossing speed brought an HLF to the line
    in the left turners' protected arrow, where one drove into it (mannheim-year, today's stations, no priority,
    y00213)."""
    if shown in "GgO":
        return False
    if shown in "yY":
        return handled_as_red or speed**2 / (2 * decel) <= max(distance_m - STOP_GAP_M, 0.0)
    return True


@dataclass(frozen=True)
class Foe:
    """A vehicle on an approach (or inside the junction) whose movement conflicts with the engine's link."""

    id: str
    distance_m: float  # front to its stop line
    speed: float
    decel: float  # its normal (comfortable) deceleration
    approach_edge: str  # the edge it approaches on
    inside: bool = False  # already past its stop line: it can only clear the junction
    upstream: frozenset[str] = frozenset()  # edges before the approach it may still be on (short approach lanes)
    through: frozenset[str] = frozenset()  # the junction's internal edges of its approach's conflicting movements


@dataclass(frozen=True)
class EngineAtRed:
    """An engine within the reaction distance of a signal that is red (or yellow) for its link, or inside that
    junction crossing it, or at green while a vehicle whose green has ended is still inside the junction."""

    id: str
    signal_id: str
    link: int
    distance_m: float  # to the stop line (0 inside the junction)
    speed: float
    decel: float
    free_speed: float  # its desired speed on this road: a limit never raises it
    foes: tuple[Foe, ...]
    inside: bool = False
    # an engine (this one or another, of any unit) is on a way through this junction now: nobody is told to clear it
    engine_in_junction: bool = False


@dataclass(frozen=True)
class SpeedLimit:
    """Drive no faster than `speed` (m/s) until released; 0 stops the vehicle."""

    vehicle: str
    speed: float


@dataclass(frozen=True)
class Release:
    vehicle: str


@dataclass(frozen=True)
class ClearJunction:
    """Inside the junction, stop giving way to the other vehicles inside (`clear`), or give way again."""

    vehicle: str
    clear: bool = True


Command = SpeedLimit | Release | ClearJunction


@dataclass
class _Crossing:
    """What one engine's crossing of one signal involves until it has left the junction."""

    signal_id: str
    link: int
    held: set[str] = field(default_factory=set)
    # vehicle -> the edges it approaches on and those of its conflicting movements through the junction
    committed: dict[str, tuple[frozenset[str], frozenset[str]]] = field(default_factory=dict)
    passing: set[str] = field(default_factory=set)  # committed vehicles seen on their way through the junction
    standing: dict[str, float] = field(default_factory=dict)  # committed vehicles inside: seconds standing
    clearing: set[str] = field(default_factory=set)  # committed vehicles told to clear the junction


class RightOfWay:
    """Keeps, per engine, the crossing in progress and the vehicles held for it."""

    def __init__(self, red_speed: float, step_s: float) -> None:
        self.red_speed = red_speed
        self.step_s = step_s
        self._crossings: dict[str, _Crossing] = {}
        self.held_total = 0  # vehicles stopped for an engine, over the run
        self.cleared_total = 0  # vehicles told to clear the junction for an engine, over the run

    def crossing(self, engine: str) -> tuple[str, int] | None:
        """The signal and link an engine is crossing (None when it crosses none)."""
        c = self._crossings.get(engine)
        return (c.signal_id, c.link) if c else None

    def active(self) -> bool:
        return bool(self._crossings)

    def tracked(self) -> set[str]:
        """Vehicles whose road the session must report next step: committed foes."""
        return {v for c in self._crossings.values() for v in c.committed}

    def decide(self, engines: list[EngineAtRed], roads: dict[str, str]) -> list[Command]:
        """One step. `engines`: those facing red or crossing now; `roads`: the current road of each tracked vehicle
        ('' when it has left the network). Crossings of engines no longer listed end: their vehicles are released."""
        commands: list[Command] = []
        ended: list[str] = []  # vehicles held for crossings that ended; released unless another still holds them
        listed = {e.id for e in engines}
        for engine_id, crossing in list(self._crossings.items()):
            if engine_id not in listed:
                ended += sorted(crossing.held)
                commands += [ClearJunction(v, clear=False) for v in sorted(crossing.clearing)]
                commands.append(Release(engine_id))
                del self._crossings[engine_id]
        for engine in engines:
            commands += self._step(engine, roads, ended)
        # the engines of one unit cross one after another: a vehicle held for the first stays held for the next
        still_held = {v for c in self._crossings.values() for v in c.held}
        return [Release(v) for v in dict.fromkeys(ended) if v not in still_held] + commands

    def _step(self, engine: EngineAtRed, roads: dict[str, str], ended: list[str]) -> list[Command]:
        commands: list[Command] = []
        crossing = self._crossings.get(engine.id)
        if crossing is None or crossing.signal_id != engine.signal_id:
            if crossing is not None:
                ended += sorted(crossing.held)
                commands += [ClearJunction(v, clear=False) for v in sorted(crossing.clearing)]
            crossing = self._crossings[engine.id] = _Crossing(engine.signal_id, engine.link)
        # the next stop line of the same (joined) signal: those held so far stay held until it has left the junction
        crossing.link = engine.link
        for foe in engine.foes:
            if foe.id in crossing.held:
                continue
            if foe.id in crossing.committed and not (foe.speed < 0.5 and not foe.inside):
                continue  # a committed vehicle that came to a stop on its approach (behind a held one) is held too
            stoppable = foe.speed < 0.5 or foe.speed**2 / (2 * foe.decel) <= foe.distance_m - STOP_GAP_M
            if stoppable and not foe.inside:
                crossing.committed.pop(foe.id, None)
                crossing.held.add(foe.id)
                self.held_total += 1
                commands.append(SpeedLimit(foe.id, 0.0))
            else:
                crossing.committed[foe.id] = (foe.upstream | {foe.approach_edge}, foe.through)
                if foe.inside:
                    crossing.passing.add(foe.id)
        for vehicle, (approach, through) in list(crossing.committed.items()):
            if vehicle not in roads:  # committed this step: just seen on its approach or inside the junction
                continue
            road = roads[vehicle]
            if road in through:
                crossing.passing.add(vehicle)
            elif road == "" or (road not in approach and (vehicle in crossing.passing or not road.startswith(":"))):
                # off its approach and past the junction (an internal edge before it passed is that of a junction
                # upstream, on its way here), or out of the network
                del crossing.committed[vehicle]
                crossing.standing.pop(vehicle, None)
                if vehicle in crossing.clearing:
                    crossing.clearing.discard(vehicle)
                    commands.append(ClearJunction(vehicle, clear=False))
        if not engine.inside and not engine.engine_in_junction:
            # with an engine inside (this one, or the one ahead of it), those standing wait for it: told to clear,
            # they would drive into it (a car did, into an HLF, while the DLK behind it waited)
            commands += self._clear_standing(crossing, engine, roads)
        else:  # those standing now wait for an engine: standing for the engine before the line starts afresh,
            # and one told to clear gives way again (an ELW that could not stop before the line met one clearing)
            crossing.standing.clear()
            commands += [ClearJunction(v, clear=False) for v in sorted(crossing.clearing)]
            crossing.clearing.clear()
        room, decel = max(engine.distance_m - STOP_GAP_M, 0.0), PLANNING_DECEL_SHARE * engine.decel
        if engine.inside:
            speed = self.red_speed
        elif crossing.committed:  # the junction is not clear: stop before the line
            speed = math.sqrt(2 * decel * room)
        else:  # reach the line at the red-crossing speed
            speed = math.sqrt(self.red_speed**2 + 2 * decel * room)
        # never asks for more than the engine's normal deceleration; SUMO still brakes harder for a vehicle ahead
        # (the session's speed mode), which a limit bounded by SUMO itself prevented: DLK rear-ends on turn pockets
        speed = max(speed, engine.speed - engine.decel * self.step_s)
        commands.append(SpeedLimit(engine.id, min(speed, engine.free_speed)))
        return commands

    def _clear_standing(self, crossing: _Crossing, engine: EngineAtRed, roads: dict[str, str]) -> list[Command]:
        """Committed vehicles standing inside the junction, on a way that conflicts with the engine's, for
        `CLEAR_AFTER_S`: told to clear it, once the engine stands before the line (one still rolling may not stop
        before it with its normal deceleration, and would meet the vehicle clearing). One standing on an internal
        lane elsewhere (a junction upstream) is not told: that junction has no engine to clear it for."""
        commands: list[Command] = []
        for foe in engine.foes:
            if not foe.inside or foe.id not in crossing.committed or foe.id in crossing.clearing:
                continue
            if roads.get(foe.id) not in crossing.committed[foe.id][1]:
                crossing.standing.pop(foe.id, None)
                continue
            standing = crossing.standing.get(foe.id, 0.0) + self.step_s if foe.speed < STANDING_MPS else 0.0
            crossing.standing[foe.id] = standing
            if standing >= CLEAR_AFTER_S and engine.speed < STANDING_MPS:
                crossing.clearing.add(foe.id)
                self.cleared_total += 1
                commands.append(ClearJunction(foe.id))
        return commands
