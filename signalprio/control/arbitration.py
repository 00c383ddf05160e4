"""Arbitration between units that want the same signal: importance first, then earliest arrival.

A granted unit is displaced only by a more important one, and not within the lockout time
(no flicker between two requests); a unit released at maximum presence is not served again
until the other movements had their guaranteed time.
"""

from __future__ import annotations

from signalprio.control.perception import Approach


def is_locked(locked_until: dict[str, float], unit: str, now: float) -> bool:
    """Released at max presence less than `reservice_after_s` ago: the other movements come first."""
    return now < locked_until.get(unit, float("-inf"))


def best(here: dict[str, Approach], locked_until: dict[str, float], exclude: str, now: float) -> Approach | None:
    """The unit to serve next among those approaching (`exclude`: the one already served)."""
    waiting = [a for unit, a in here.items() if unit != exclude and not is_locked(locked_until, unit, now)]
    return min(waiting, key=lambda a: (-a.importance, a.eta_s), default=None)


def may_displace(challenger: Approach | None, importance: int, granted_at: float, now: float,
                 lockout_s: float) -> bool:
    """Whether `challenger` may take the signal from the unit granted at `granted_at` with `importance`."""
    return challenger is not None and challenger.importance > importance and now - granted_at >= lockout_s
