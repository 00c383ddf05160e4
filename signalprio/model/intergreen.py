"""The intergreen matrix of a junction from its geometry, as German practice computes it (RiLSA).

For a clearing link i and an entering link j whose paths meet at a conflict point:

    t_z = t_ue + t_r - t_e,   t_r = (s_r + l) / v_r,   t_e = s_e / v_e

rounded up to whole seconds: the last vehicle of i that passed at the end of yellow (transit time t_ue after the end
of green) must have cleared the conflict point, its length l included, before the first of j can reach it. s_r and
s_e are the paths from each stop line to the conflict point, along the junction's internal lanes (or the pedestrian
crossing). A program may give more: the binding intergreen is the larger of this and the program's own
(`signalprio.model.safety`). The speeds and lengths are those commonly used with RiLSA 2015 (docs/strategies.md
states them as assumptions, with a worked example).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from signalprio.model.network import LinkPath

VEHICLE_LENGTH_M = 6.0  # motor vehicle in the clearance (RiLSA)
CLEARING_STRAIGHT_MPS = 10.0  # clearing speed of a vehicle going straight
CLEARING_TURNING_MPS = 7.0  # clearing speed of a turning vehicle
ENTERING_VEHICLE_MPS = 40 / 3.6  # entering speed of a vehicle, turning or not (the shorter time is the safe side)
CLEARING_PEDESTRIAN_MPS = 1.2  # pedestrian clearance speed
ENTERING_PEDESTRIAN_MPS = 1.5
TURNING_DEG = 30.0  # a path that changes heading by more than this turns


def vwv_yellow_s(speed_mps: float) -> float:
    """Yellow by the approach's speed limit (VwV-StVO on § 37): 3 s up to 50 km/h, 4 s at 60, 5 s at 70 and above."""
    kmh = speed_mps * 3.6
    return 3.0 if kmh <= 50.5 else 4.0 if kmh <= 60.5 else 5.0


@dataclass(frozen=True)
class IntergreenTerms:
    """One cell of the matrix with the terms it is computed from (for the worked example and checks)."""

    clearing_path_m: float
    clearing_speed_mps: float
    vehicle_length_m: float
    transit_s: float
    entering_path_m: float
    entering_speed_mps: float

    @property
    def clearing_s(self) -> float:
        return (self.clearing_path_m + self.vehicle_length_m) / self.clearing_speed_mps

    @property
    def entering_s(self) -> float:
        return self.entering_path_m / self.entering_speed_mps

    @property
    def intergreen_s(self) -> float:
        """Rounded up to whole seconds (a hundredth of a second of float noise is not rounded up)."""
        return max(0.0, float(math.ceil(self.transit_s + self.clearing_s - self.entering_s - 0.01)))


def geometric_intergreens(paths: dict[int, LinkPath],
                          conflicts: frozenset[tuple[int, int]]) -> dict[tuple[int, int], IntergreenTerms]:
    """The matrix for every conflicting pair (both orders) whose two paths are known."""
    out = {}
    for i, j in sorted(conflicts):
        if i in paths and j in paths:
            out[(i, j)] = _terms(paths[i], paths[j])
    return out


def _terms(clearing: LinkPath, entering: LinkPath) -> IntergreenTerms:
    s_clear, s_enter = _conflict_point(clearing.points, entering.points)
    length_clear, length_enter = _length(clearing.points), _length(entering.points)
    if clearing.kind == "pedestrian":  # pedestrians clear from either kerb: the farther side binds
        return IntergreenTerms(max(s_clear, length_clear - s_clear), CLEARING_PEDESTRIAN_MPS, 0.0, 0.0,
                               *_entering(entering, s_enter, length_enter))
    speed = CLEARING_TURNING_MPS if _turns(clearing.points) else CLEARING_STRAIGHT_MPS
    return IntergreenTerms(s_clear, speed, VEHICLE_LENGTH_M, vwv_yellow_s(clearing.speed_mps),
                           *_entering(entering, s_enter, length_enter))


def _entering(entering: LinkPath, s_enter: float, length: float) -> tuple[float, float]:
    if entering.kind == "pedestrian":  # pedestrians enter from either kerb: the nearer side binds
        return min(s_enter, length - s_enter), ENTERING_PEDESTRIAN_MPS
    return s_enter, ENTERING_VEHICLE_MPS


def _length(points: tuple[tuple[float, float], ...]) -> float:
    return sum(math.dist(a, b) for a, b in itertools.pairwise(points))


def _conflict_point(a: tuple[tuple[float, float], ...], b: tuple[tuple[float, float], ...]) -> tuple[float, float]:
    """Distances along `a` and `b` to their first crossing; paths that do not cross merge where they end (two
    movements into one lane)."""
    travelled_a = 0.0
    for p, q in itertools.pairwise(a):
        travelled_b = 0.0
        for r, s in itertools.pairwise(b):
            hit = _segment_hit(p, q, r, s)
            if hit is not None:
                return travelled_a + hit[0] * math.dist(p, q), travelled_b + hit[1] * math.dist(r, s)
            travelled_b += math.dist(r, s)
        travelled_a += math.dist(p, q)
    return _length(a), _length(b)


def _segment_hit(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float],
                 s: tuple[float, float]) -> tuple[float, float] | None:
    """Where segments pq and rs cross, as fractions along each; None if they do not (or are parallel)."""
    dx1, dy1, dx2, dy2 = q[0] - p[0], q[1] - p[1], s[0] - r[0], s[1] - r[1]
    denominator = dx1 * dy2 - dy1 * dx2
    if abs(denominator) < 1e-12:
        return None
    t = ((r[0] - p[0]) * dy2 - (r[1] - p[1]) * dx2) / denominator
    u = ((r[0] - p[0]) * dy1 - (r[1] - p[1]) * dx1) / denominator
    return (t, u) if 0.0 <= t <= 1.0 and 0.0 <= u <= 1.0 else None


def _turns(points: tuple[tuple[float, float], ...]) -> bool:
    if len(points) < 3:
        return False
    first = math.atan2(points[1][1] - points[0][1], points[1][0] - points[0][0])
    last = math.atan2(points[-1][1] - points[-2][1], points[-1][0] - points[-2][0])
    change = abs(math.degrees(last - first)) % 360
    return min(change, 360 - change) > TURNING_DEG
