"""Arrival-time prediction and queue clearance: the arithmetic behind a timely green."""

from __future__ import annotations

import math


def travel_time(distance_m: float, speed: float, desired_speed: float, accel: float) -> float:
    """Seconds to cover `distance_m` from `speed`, accelerating at `accel` up to `desired_speed`.

    The prediction assumes a free road: the green it requests is what makes it free.
    """
    if distance_m <= 0:
        return 0.0
    v_max = max(desired_speed, 0.1)
    v0 = min(max(speed, 0.0), v_max)
    accel_distance = (v_max**2 - v0**2) / (2 * accel)
    if distance_m <= accel_distance:
        return (-v0 + math.sqrt(v0**2 + 2 * accel * distance_m)) / accel
    return (v_max - v0) / accel + (distance_m - accel_distance) / v_max


def queue_clearance(queued: float, headway_s: float, start_up_lost_s: float) -> float:
    """Seconds for `queued` vehicles per lane to discharge after green starts.

    headway_s is the saturation headway (3600 / saturation flow per lane).
    """
    if queued <= 0:
        return 0.0
    return start_up_lost_s + queued * headway_s
