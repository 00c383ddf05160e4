"""Generated street grids with irregular signal programs, for checking safety on networks nobody tuned for.

SUMO's netgenerate builds the grid and guesses actuated programs with one phase per approach (protected turns),
pedestrian crossings with their own signal links, and two lanes per direction; random trips load it.
"""

from __future__ import annotations

from pathlib import Path

import sumolib

from signalprio.sumo.binaries import run_tool


def build_grid(folder: Path, size: int = 4, block_m: float = 200.0) -> Path:
    """Write grid.net.xml and scenario.toml (random-trip demand, a station at one corner) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    net = folder / "grid.net.xml"
    run_tool("netgenerate", "--grid", "--grid.number", str(size), "--grid.length", f"{block_m:g}",
             "--default.lanenumber", "2", "--tls.guess", "true", "--tls.default-type", "actuated",
             "--tls.layout", "incoming", "--sidewalks.guess", "true", "--crossings.guess", "true",
             "--seed", "1", "-o", str(net))
    roads = [edge for edge in sumolib.net.readNet(str(net)).getEdges()
             if edge.allows("passenger") and edge.getLength() > 50 and not edge.getID().startswith(":")]
    station = min(roads, key=lambda edge: edge.getID())
    incidents = ", ".join(f'"{edge.getID()}"' for edge in roads if edge is not station)
    (folder / "scenario.toml").write_text(
        'name = "grid"\n'
        f'description = "generated {size}x{size} grid, actuated programs with protected turns and crossings"\n'
        'network = "grid.net.xml"\n'
        f"incident_edges = [{incidents}]\n\n"
        "[demand]\npeak = { period_s = 1.5 }\noffpeak = { period_s = 3.0 }\n\n"
        f'[[stations]]\nname = "corner station"\nedge = "{station.getID()}"\nposition_m = 5.0\n'
    )
    return folder
