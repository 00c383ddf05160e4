"""Static facts of a network that controllers, the conflict monitor and dispatch need.

Link indices are those of the traffic light (the characters of a state string); conflicts
come from the junction's own foe matrix, not from any controller. Filled by
`signalprio.sumo.loader` from a .net.xml file; nothing here talks to SUMO.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from signalprio.model.program import SignalProgram


@dataclass(frozen=True)
class SignalLink:
    """One controlled movement of a signal: incoming lane to outgoing lane."""

    index: int
    from_lane: str
    to_lane: str


@dataclass(frozen=True)
class LinkPath:
    """Where a link's road users go through the junction: from the stop line (or kerb) along the internal lanes (or
    the pedestrian crossing), in network coordinates; the geometry of the intergreen matrix."""

    kind: Literal["vehicle", "pedestrian"]
    points: tuple[tuple[float, float], ...]
    speed_mps: float  # speed limit of the approach (vehicles): sets the yellow and the transit time


@dataclass(frozen=True)
class Signal:
    """A signalised junction: its coordinated program, its links and which links conflict."""

    id: str
    program: SignalProgram
    links: tuple[SignalLink, ...]
    foes: frozenset[tuple[int, int]]  # unordered pairs stored both ways
    paths: dict[int, LinkPath] = field(default_factory=dict)  # links whose geometry the network gives
    # approach lane -> the lanes before it (internal ones too) within UPSTREAM_M, each with the distance from its
    # end to the stop line: cross traffic that must stop for an engine is seen there before it is too close
    upstream: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)

    def link(self, index: int) -> SignalLink:
        """The link with this index (indices may have gaps: never look links up by position)."""
        return self._by_index[index]

    @property
    def link_indices(self) -> frozenset[int]:
        """Indices some connection uses (a state string may have characters for unused indices)."""
        return frozenset(self._by_index)

    @functools.cached_property
    def _by_index(self) -> dict[int, SignalLink]:
        return {link.index: link for link in self.links}

    def approach_edge(self, link_index: int) -> str:
        """The edge whose stop line `link_index` starts at ('' for an index no connection uses)."""
        return self._approach_edges.get(link_index, "")

    def crossing_links(self, link_index: int) -> tuple[SignalLink, ...]:
        """The links whose movement conflicts with `link_index`, except those from its own approach (vehicles ahead
        of an engine must clear its way, never stop in it). Computed once per link: the session asks every step."""
        return self._crossing_links[link_index]

    @functools.cached_property
    def _crossing_links(self) -> dict[int, tuple[SignalLink, ...]]:
        return {i: tuple(self.link(j) for j in sorted(self._by_index)
                         if (i, j) in self.foes and self.approach_edge(j) != self.approach_edge(i))
                for i in self._by_index}

    def upstream_edges(self, lane: str) -> frozenset[str]:
        """The edges of the lanes before an approach lane (`upstream`): a vehicle there is still approaching."""
        return self._upstream_edges.get(lane, frozenset())

    @functools.cached_property
    def _upstream_edges(self) -> dict[str, frozenset[str]]:
        return {lane: frozenset(up.rsplit("_", 1)[0] for up, _ in lanes) for lane, lanes in self.upstream.items()}

    @functools.cached_property
    def _approach_edges(self) -> dict[int, str]:
        return {link.index: link.from_lane.rsplit("_", 1)[0] for link in self.links}


@dataclass(frozen=True)
class Network:
    """Signals and lane speeds of one network file."""

    path: Path
    signals: dict[str, Signal]
    lane_speeds: dict[str, float]
    edge_lengths: dict[str, float]
    edge_lanes: dict[str, int]
    edge_speeds: dict[str, float]
    successors: dict[str, frozenset[str]]  # edge -> edges reachable through a connection

    @functools.cached_property
    def predecessors(self) -> dict[str, frozenset[str]]:
        """Edge -> the edges with a connection into it (`successors` turned round), computed once per network."""
        found: dict[str, set[str]] = {}
        for edge, leaving in self.successors.items():
            for after in leaving:
                found.setdefault(after, set()).add(edge)
        return {edge: frozenset(before) for edge, before in found.items()}

    @functools.cached_property
    def _signal_links(self) -> dict[tuple[str, str], tuple[str, int]]:
        out: dict[tuple[str, str], tuple[str, int]] = {}
        for signal in self.signals.values():
            for link in signal.links:
                edges = (link.from_lane.rsplit("_", 1)[0], link.to_lane.rsplit("_", 1)[0])
                out.setdefault(edges, (signal.id, link.index))
        return out

    @functools.cached_property
    def signal_approaches(self) -> frozenset[str]:
        """Edges that end at a stop line."""
        return frozenset(edge for edge, _ in self._signal_links)

    def signal_link(self, edge: str, following: str) -> tuple[str, int] | None:
        """The signal and link index controlling the turn from `edge` into `following` (first lane's)."""
        return self._signal_links.get((edge, following))
