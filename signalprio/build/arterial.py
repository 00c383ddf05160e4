"""Synthetic arterial scenarios: a straight corridor of evenly spaced signals, built on demand.

Used by the tests and for quick what-if studies: number of intersections, spacing,
lanes, cycle, green-wave offsets and demand level are parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from signalprio.build.corridor import CorridorJunction, CorridorSpec, SignalTiming, build_network, write_plain_files
from signalprio.build.demand import DemandLevel, write_demand


@dataclass(frozen=True)
class ArterialParameters:
    intersections: int = 4
    spacing_m: float = 300.0
    lanes: int = 2
    cycle_s: float = 90.0
    main_green_share: float = 0.62
    progression_kmh: float = 50.0
    forward_veh_h: float = 1200.0
    backward_veh_h: float = 600.0
    side_veh_h: float = 150.0


def arterial_spec(p: ArterialParameters) -> CorridorSpec:
    junctions = tuple(CorridorJunction(f"J{i}", p.spacing_m * i, 0.0) for i in range(1, p.intersections + 1))
    timing = SignalTiming(cycle_s=p.cycle_s, main_green_share=p.main_green_share, progression_kmh=p.progression_kmh)
    return CorridorSpec("arterial", (0.0, 0.0), (p.spacing_m * (p.intersections + 1), 0.0), junctions,
                        lanes=p.lanes, timing=timing)


def build_arterial(folder: Path, p: ArterialParameters) -> Path:
    """Write network, demand ("peak" at the given volumes, "offpeak" at half) and scenario.toml."""
    spec = arterial_spec(p)
    folder.mkdir(parents=True, exist_ok=True)
    build_network(write_plain_files(spec, folder / "plain"), folder / "arterial.net.xml")
    peak = DemandLevel("peak", p.forward_veh_h, p.backward_veh_h, p.side_veh_h)
    write_demand(spec, peak, folder / "peak.rou.xml")
    write_demand(spec, peak.scaled("offpeak", 0.5), folder / "offpeak.rou.xml")
    last = spec.segments - 1
    (folder / "scenario.toml").write_text(
        'name = "arterial"\n'
        f'description = "synthetic arterial: {p.intersections} signals every {p.spacing_m:g} m"\n'
        'network = "arterial.net.xml"\n'
        'incident_edges = ["' + spec.forward_edge(last) + '"]\n\n'
        '[demand]\npeak = ["peak.rou.xml"]\noffpeak = ["offpeak.rou.xml"]\n\n'
        f'[[stations]]\nname = "station"\nedge = "{spec.forward_edge(0)}"\nposition_m = 5.0\n'
    )
    return folder
