"""Background demand: Poisson flows for corridors we build, random trips for any other network.

Arterial entries send most traffic through and the rest to side streets. Side streets
send a quarter to each end of the arterial, a fifth straight across and the rest to other
side streets, so traffic leaves the arterial about as it joins and volumes stay level. Flows use
exponential headways, so the seed varies arrivals while the mean rates stay fixed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from signalprio.build.corridor import CorridorSpec
from signalprio.errors import UserError
from signalprio.installation import sumo_home
from signalprio.scenario.scenario import RandomTrips, Scenario
from signalprio.sumo.binaries import tool_environment


@dataclass(frozen=True)
class DemandLevel:
    """Hourly volumes of one traffic load."""

    name: str
    forward_veh_h: float  # arterial, inbound (the engines' direction)
    backward_veh_h: float
    side_veh_h: float  # each side-street approach
    through_share: float = 0.8  # arterial traffic that stays on the arterial to its end

    def scaled(self, name: str, factor: float) -> DemandLevel:
        return DemandLevel(name, self.forward_veh_h * factor, self.backward_veh_h * factor,
                           self.side_veh_h * factor, self.through_share)


def _flows(spec: CorridorSpec, level: DemandLevel) -> list[tuple[str, str, float]]:
    last = spec.segments - 1
    side_outs = [f"{j.id}_{s}_out" for j in spec.junctions for s in ("l", "r")]
    flows: list[tuple[str, str, float]] = []
    for entry, exit_, volume in ((spec.forward_edge(0), spec.forward_edge(last), level.forward_veh_h),
                                 (spec.backward_edge(last), spec.backward_edge(0), level.backward_veh_h)):
        flows.append((entry, exit_, volume * level.through_share))
        flows.extend((entry, out, volume * (1 - level.through_share) / len(side_outs)) for out in side_outs)
    for junction in spec.junctions:
        others = [out for out in side_outs if not out.startswith(f"{junction.id}_")]
        for side, opposite in (("l", "r"), ("r", "l")):
            entry = f"{junction.id}_{side}_in"
            flows.append((entry, spec.forward_edge(last), level.side_veh_h * 0.25))
            flows.append((entry, spec.backward_edge(0), level.side_veh_h * 0.25))
            flows.append((entry, f"{junction.id}_{opposite}_out", level.side_veh_h * 0.2))
            flows.extend((entry, out, level.side_veh_h * 0.3 / len(others)) for out in others)
    return [(a, b, v) for a, b, v in flows if v > 0]


def write_demand(spec: CorridorSpec, level: DemandLevel, path: Path, duration_s: float = 7200.0) -> Path:
    """A route file with one flow per origin-destination pair (SUMO routes them at insertion)."""
    lines = ['    <vType id="car" vClass="passenger" length="4.5" minGap="2.5" accel="2.6" decel="4.5" sigma="0.5"/>']
    for number, (origin, destination, volume) in enumerate(_flows(spec, level)):
        rate = volume / 3600.0
        lines.append(
            f'    <flow id="{level.name}_{number:03d}" type="car" begin="0" end="{duration_s:g}" '
            f'from="{origin}" to="{destination}" period="exp({rate:.6f})" departLane="best" departSpeed="max"/>'
        )
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<routes>\n' + "\n".join(lines) + "\n</routes>\n")
    return path


def random_trips(network: Path, period_s: float, fringe_factor: float, end_s: float, seed: int,
                 extra: tuple[str, ...] = ()) -> Path:
    """Background demand for any network: SUMO's randomTrips.py, validated with duarouter.

    The result depends only on the network's content and the parameters, so it is cached
    by their hash and shared by every run and process.
    """
    parameters = f"{period_s}|{fringe_factor}|{end_s}|{seed}|{extra}"
    key = hashlib.sha256(network.read_bytes() + parameters.encode()).hexdigest()[:16]
    out = Path(tempfile.gettempdir()) / "signalprio-demand" / f"{key}.trips.xml"
    if out.is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(f".{os.getpid()}.tmp.xml")
    with tempfile.TemporaryDirectory(prefix="signalprio-trips-") as scratch:  # randomTrips leaves files in its cwd
        done = subprocess.run(
            [sys.executable, str(sumo_home() / "tools" / "randomTrips.py"), "-n", str(network.resolve()),
             "-o", str(partial), "--period", str(period_s), "--fringe-factor", str(fringe_factor), "--end", str(end_s),
             "--seed", str(seed), "--validate", "--trip-attributes", 'departLane="best" departSpeed="max"', *extra],
            capture_output=True, text=True, env=tool_environment(), check=False, cwd=scratch)
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        raise UserError(f"{network}: generating random trips failed: {message[-1] if message else done.returncode}")
    os.replace(partial, out)
    return out


def demand_files(scenario: Scenario, load: str) -> list[Path]:
    """Route files of a scenario's traffic load, generating random trips where the scenario asks for them."""
    demand = scenario.demand_for(load)
    if isinstance(demand, RandomTrips):
        return [random_trips(scenario.network_path(), demand.period_s, demand.fringe_factor, demand.end_s, demand.seed)]
    return demand
