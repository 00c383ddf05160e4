"""Build the Mannheim corridor network and its demand: `python networks/mannheim/build.py`.

The corridor runs from the Hauptfeuerwache north along Neckarauer Straße into the
Innenstadt and along the Ring (Kaiserring, Friedrichsring). The plain files in plain/
(nodes, edges, connections, signal plans) are the source of the network: edit them and
rerun this script. `--regenerate-plain` rewrites them from the layout below, discarding
hand edits. Geometry, lanes and plans are approximate, drawn from public knowledge.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from signalprio.build.corridor import CorridorJunction, CorridorSpec, SignalTiming, build_network, write_plain_files
from signalprio.build.demand import DemandLevel, write_demand

HERE = Path(__file__).resolve().parent
PLAIN = HERE / "plain"

# x east, y north, metres from the Hauptfeuerwache exit; labels are orientation aids only.
LAYOUT = CorridorSpec(
    name="mannheim",
    start=(0.0, 0.0),
    end=(1300.0, 3600.0),
    junctions=(
        CorridorJunction("nk1", 30.0, 380.0, "Neckarauer Strasse, Almenhof south"),
        CorridorJunction("nk2", 60.0, 760.0, "Neckarauer Strasse, Almenhof"),
        CorridorJunction("nk3", 100.0, 1150.0, "Neckarauer Strasse, Almenhof north"),
        CorridorJunction("nk4", 150.0, 1520.0, "Neckarauer Strasse, Lindenhof"),
        CorridorJunction("nk5", 220.0, 1900.0, "Neckarauer Strasse, approach to the Ring"),
        CorridorJunction("ring1", 330.0, 2250.0, "Kaiserring south, near the Hauptbahnhof"),
        CorridorJunction("ring2", 420.0, 2600.0, "Kaiserring, Tattersall area"),
        CorridorJunction("ring3", 560.0, 2920.0, "Kaiserring north, Wasserturm area"),
        CorridorJunction("ring4", 780.0, 3200.0, "Friedrichsring"),
        CorridorJunction("ring5", 1050.0, 3420.0, "Friedrichsring north"),
    ),
    lanes=2,
    speed_kmh=50.0,
    timing=SignalTiming(cycle_s=90.0, main_green_share=0.62, progression_kmh=50.0),
)

# Morning peak: inbound (northbound, the engines' direction) is the heavy direction; the busiest
# inbound segment (on the Ring) carries about 1700 veh/h, some 87 % of its through capacity.
PEAK = DemandLevel("peak", forward_veh_h=1300.0, backward_veh_h=850.0, side_veh_h=120.0, through_share=0.8)
OFFPEAK = PEAK.scaled("offpeak", 0.5)


def build(regenerate_plain: bool = False) -> Path:
    plain = {
        "nodes": PLAIN / "mannheim.nod.xml",
        "edges": PLAIN / "mannheim.edg.xml",
        "connections": PLAIN / "mannheim.con.xml",
        "signals": PLAIN / "mannheim.tll.xml",
    }
    if regenerate_plain or not all(path.is_file() for path in plain.values()):
        plain = write_plain_files(LAYOUT, PLAIN)
    net = build_network(plain, HERE / "mannheim.net.xml")
    write_demand(LAYOUT, PEAK, HERE / "peak.rou.xml")
    write_demand(LAYOUT, OFFPEAK, HERE / "offpeak.rou.xml")
    return net


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--regenerate-plain", action="store_true", help="rewrite plain/ from the layout in this script")
    print(f"built {build(parser.parse_args().regenerate_plain)}")
