"""Arrival-time prediction and queue clearance: known answers and properties."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from signalprio.control.timing import queue_clearance, travel_time


def test_cruising_engine_covers_distance_at_its_speed() -> None:
    assert travel_time(500, 16.0, 16.0, 1.0) == 500 / 16.0


def test_engine_from_rest_accelerates_then_cruises() -> None:
    # 0 -> 10 m/s at 1 m/s2 takes 10 s and 50 m; the other 150 m take 15 s.
    assert math.isclose(travel_time(200, 0.0, 10.0, 1.0), 25.0)


def test_short_distance_is_covered_while_still_accelerating() -> None:
    # s = a t^2 / 2 -> t = sqrt(2 * 18 / 1) = 6 s
    assert math.isclose(travel_time(18, 0.0, 10.0, 1.0), 6.0)


def test_nothing_left_to_drive_takes_no_time() -> None:
    assert travel_time(0, 5.0, 10.0, 1.0) == 0.0


def test_queue_clearance_uses_saturation_headway_and_start_up_loss() -> None:
    assert queue_clearance(0, 2.0, 2.0) == 0.0
    assert queue_clearance(10, 2.0, 2.0) == 22.0  # 1800 veh/h per lane: 10 vehicles in 20 s, plus 2 s start-up


@given(st.floats(1, 5000), st.floats(0, 30), st.floats(1, 30), st.floats(0.3, 3))
def test_prediction_is_never_faster_than_the_free_speed_allows(distance: float, speed: float, free: float,
                                                               accel: float) -> None:
    assert travel_time(distance, speed, free, accel) >= distance / max(free, speed, 0.1) - 1e-9


@given(st.floats(1, 5000), st.floats(1, 5000), st.floats(0, 20), st.floats(1, 30), st.floats(0.3, 3))
def test_farther_is_never_sooner(d1: float, d2: float, speed: float, free: float, accel: float) -> None:
    near, far = sorted((d1, d2))
    assert travel_time(near, speed, free, accel) <= travel_time(far, speed, free, accel) + 1e-9
