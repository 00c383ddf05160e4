"""The request and status log in the shape of SAE J2735 SRM and SSM (ETSI SREM / SSEM).

Each unit approaching a signal sends a request (SRM request), updates it when its predicted
arrival moves by more than `eta_update_s`, and cancels it once it no longer approaches; the
signal answers with a status (SSM: processing, rejected, reserviceLocked, watchOtherTraffic,
granted, maxPresence). Request ids count up per controller in the order requests are made.
"""

from __future__ import annotations

from dataclasses import dataclass

from signalprio.control.arbitration import is_locked
from signalprio.control.perception import Approach
from signalprio.model.network import Signal

ROLE = "fire"


@dataclass
class _OpenRequest:
    request_id: int
    eta_time_sent: float
    waiting_told: bool = False


class RequestLog:
    """Rows of the requests table, one per message."""

    def __init__(self, eta_update_s: float) -> None:
        self.messages: list[dict[str, object]] = []
        self._eta_update_s = eta_update_s
        self._next_id = 1
        self._open: dict[str, dict[str, _OpenRequest]] = {}  # signal -> unit -> its open request

    def exchange(self, now: float, signal: Signal, here: dict[str, Approach], supported: bool,
                 serving: str | None, locked_until: dict[str, float]) -> None:
        """This step's requests, updates and cancels at one signal, and the statuses they get at once.

        `serving` is the unit the signal is changing to or holding for (None when it runs its plan);
        `locked_until` says until when a unit released at maximum presence waits.
        """
        open_requests = self._open.setdefault(signal.id, {})
        for unit, a in here.items():
            request = open_requests.get(unit)
            arrival = now + a.eta_s
            if request is None:
                open_requests[unit] = _OpenRequest(self._next_id, arrival)
                self._next_id += 1
                self._row(now, signal, unit, "SRM", "request", a)
                locked = is_locked(locked_until, unit, now)
                status = "rejected" if not supported else "reserviceLocked" if locked else "processing"
                self._row(now, signal, unit, "SSM", status, a)
                continue
            if abs(arrival - request.eta_time_sent) > self._eta_update_s:
                request.eta_time_sent = arrival
                self._row(now, signal, unit, "SRM", "update", a)
            if serving is not None and serving != unit and not request.waiting_told:
                request.waiting_told = True
                self._row(now, signal, unit, "SSM", "watchOtherTraffic", a)
        for unit in [u for u in open_requests if u not in here]:
            self._row(now, signal, unit, "SRM", "cancel")
            del open_requests[unit]

    def status(self, now: float, signal: Signal, unit: str, kind: str) -> None:
        """A status the signal sends on its own: granted, maxPresence."""
        self._row(now, signal, unit, "SSM", kind)

    def _row(self, time: float, signal: Signal, unit: str, message: str, kind: str, a: Approach | None = None) -> None:
        request = self._open.get(signal.id, {}).get(unit)
        row: dict[str, object] = {
            "time": time, "signal_id": signal.id, "request_id": request.request_id if request else None,
            "message": message, "kind": kind, "unit": unit, "role": ROLE,
        }
        if a is not None:
            link = signal.link(a.link)
            row.update({
                "vehicle": a.vehicle, "importance": a.importance,
                "inbound_lane": link.from_lane, "outbound_lane": link.to_lane,
                "arrival_time_s": time + a.eta_s, "window_s": a.lead_s,
                "distance_m": a.distance_m, "speed_mps": a.speed,
            })
        self.messages.append(row)
