"""Independent conflict monitor: checks every signal state SUMO showed against the safety rules.

Like a real controller's conflict monitor (MMU), it does not trust the controller: it reads
SUMO's own record of each signal's state changes (written by a SaveTLSSwitchStates event,
so it includes every state a controller set), checks it against rules it derives itself
(`signalprio.monitor_rules`, no code shared with the controller's) and counts four kinds of violation:
conflicting greens, shortened yellow, shortened intergreen (which covers all-red), and
green shorter than the minimum green. Intervals cut by the start or end of the record
are not judged, since their true length is unknown.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from signalprio.monitor_rules import MonitorRules

EPS = 1e-6
_GREEN, _YELLOW = "Gg", "yY"
KINDS = ("conflicting_green", "yellow", "intergreen", "min_green")


@dataclass(frozen=True)
class Violation:
    signal_id: str
    time: float
    kind: str
    links: tuple[int, ...]
    detail: str


def read_switch_states(path: Path) -> Iterator[tuple[float, str, str]]:
    """(time, signal id, state) records from a SaveTLSSwitchStates output file."""
    for _, element in ET.iterparse(path):
        if element.tag == "tlsState":
            yield float(element.get("time", 0.0)), element.get("id", ""), element.get("state", "")
        element.clear()


def _collapse(records: Iterable[tuple[float, str]]) -> list[tuple[float, str]]:
    """Drop states that were replaced within the same instant (never shown to traffic)."""
    out: list[tuple[float, str]] = []
    for time, state in records:
        if out and abs(out[-1][0] - time) < EPS:
            out[-1] = (time, state)
        elif not out or out[-1][1] != state:
            out.append((time, state))
    return out


def check_signal(rules: MonitorRules, records: Iterable[tuple[float, str]]) -> list[Violation]:
    """Violations in one signal's state timeline (records sorted by time)."""
    timeline = _collapse(records)
    if not timeline:
        return []
    found: list[Violation] = []
    _first_time, shown = timeline[0]
    n = len(shown)
    green_since: list[float | None] = [None] * n  # None: unknown (started before the record)
    yellow_since: list[float | None] = [None] * n
    green_ended: list[float | None] = [None] * n

    def add(time: float, kind: str, links: tuple[int, ...], detail: str) -> None:
        found.append(Violation(rules.signal_id, time, kind, links, detail))

    for time, state in timeline[1:]:
        if len(state) != n:
            add(time, "conflicting_green", (), f"state length changed from {n} to {len(state)}")
            continue
        for link, (before, now) in enumerate(zip(shown, state, strict=True)):
            if before in _GREEN and now not in _GREEN:
                since = green_since[link]
                need = rules.green_s.get(link, 0.0)
                if since is not None and time - since < need - EPS:
                    add(time, "min_green", (link,), f"green {time - since:g} s < {need:g} s")
                if now not in _YELLOW and link in rules.yellow_s:
                    add(time, "yellow", (link,), f"green to '{now}' without yellow")
                green_since[link], green_ended[link] = None, time
            if before in _YELLOW and now not in _YELLOW:
                since = yellow_since[link]
                need = rules.yellow_s.get(link, 0.0)
                if since is not None and time - since < need - EPS:
                    add(time, "yellow", (link,), f"yellow {time - since:g} s < {need:g} s")
                yellow_since[link] = None
            if now in _YELLOW and before not in _YELLOW:
                yellow_since[link] = time
            if now in _GREEN and before not in _GREEN:
                green_since[link] = time
                for foe in rules.entering_after(link):
                    ended = green_ended[foe]
                    need = rules.intergreen_s[(foe, link)]
                    if ended is not None and time - ended < need - EPS:
                        add(time, "intergreen", (foe, link), f"intergreen {time - ended:g} s < {need:g} s")
        green = [i for i, c in enumerate(state) if c in _GREEN]
        for a in green:
            for b in green:
                if a < b and (a, b) in rules.conflicts:
                    add(time, "conflicting_green", (a, b), f"links {a} and {b} green together")
        shown = state
    return found


def check_record(rules: dict[str, MonitorRules], records: Iterable[tuple[float, str, str]]) -> list[Violation]:
    """Check every signal in a SaveTLSSwitchStates record (`read_switch_states`); signals without rules are
    skipped."""
    timelines: dict[str, list[tuple[float, str]]] = {}
    for time, signal_id, state in records:
        timelines.setdefault(signal_id, []).append((time, state))
    found: list[Violation] = []
    for signal_id, timeline in sorted(timelines.items()):
        if signal_id in rules:
            found.extend(check_signal(rules[signal_id], timeline))
    return found
