"""Build the approximate Mannheim main-road network with today's and the 2024 plan's fire stations:
`python networks/mannheim-city/build.py`.

Places, roads and stations below are drawn from public maps at city scale (x east, y north,
metres from the Wasserturm). They are approximate: roads are straight between places, junctions
and side streets are generic, and signal programs are guessed by netconvert. The network is for
comparing station layouts and strategies, not a model of Mannheim's signals. Writes plain/,
mannheim-city.net.xml and scenario.toml (stations, layouts, districts, demand).
"""

from __future__ import annotations

from pathlib import Path

from signalprio.build.roads import Place, Road, RoadNetworkSpec, StationSite, build_road_network

HERE = Path(__file__).resolve().parent

PLACES = (
    Place("wasserturm", 0, 0, "Wasserturm: Friedrichsring, Kaiserring, Augustaanlage"),
    Place("tattersall", -350, -550, "Kaiserring at the Tattersall, by the Hauptbahnhof"),
    Place("schloss", -1000, -450, "Bismarckstrasse at the Schloss"),
    Place("parkring", -1450, 300, "Parkring and Luisenring, B 37/B 38 from the Kurt-Schumacher-Bruecke"),
    Place("kurpfalz_s", -900, 950, "Kurpfalzbruecke, south end"),
    Place("ebert_s", 250, 1000, "Friedrich-Ebert-Bruecke, south end"),
    Place("kurpfalz_n", -850, 1350, "Kurpfalzbruecke, north end (Neckarstadt-West)"),
    Place("ebert_n", 300, 1450, "Friedrich-Ebert-Bruecke, north end (Neckarstadt-Ost)"),
    Place("neckarstadt", -350, 1950, "Neckarstadt, Alte Feuerwache"),
    Place("luzenberg", -700, 3000, "Waldhofstrasse, Luzenberg"),
    Place("waldhof", -400, 4300, "Waldhof"),
    Place("schoenau", -300, 6200, "Schoenau"),
    Place("sandhofen", -1000, 7500, "Sandhofen (north city boundary)"),
    Place("kaefertaler", 1400, 2400, "Kaefertaler Strasse"),
    Place("kaefertal", 2700, 3000, "Kaefertal"),
    Place("vogelstang", 4800, 3200, "B 38 towards Viernheim (city boundary)"),
    Place("feudenheim", 3400, 1300, "Feudenheim"),
    Place("kurt_schumacher", -2300, 700, "Kurt-Schumacher-Bruecke (to Ludwigshafen)"),
    Place("konrad_adenauer", -1700, -1500, "Konrad-Adenauer-Bruecke (to Ludwigshafen)"),
    Place("lindenhof", -700, -1500, "Lindenhof, Suedtangente"),
    Place("neckarauer_n", 200, -1500, "Neckarauer Strasse at the Suedtangente"),
    Place("almenhof", 550, -2300, "Neckarauer Strasse, Almenhof"),
    Place("hauptfeuerwache", 700, -2800, "Neckarauer Strasse at Gert-Magnus-Platz (Hauptfeuerwache)"),
    Place("neckarau", 1200, -3800, "Neckarau"),
    Place("rheinau_n", 2400, -4800, "Relaisstrasse, Rheinau north"),
    Place("rheinau", 3600, -5800, "Rheinau"),
    Place("rheinau_end", 4300, -7000, "towards Bruehl (city boundary)"),
    Place("augusta", 1200, -700, "Augustaanlage, Oststadt"),
    Place("hochschule", 2600, -1100, "Seckenheimer Landstrasse, Hochschule"),
    Place("suedtangente_o", 2000, -1900, "Suedtangente east"),
    Place("seckenheim_w", 4600, -1700, "Seckenheimer Landstrasse, west of Seckenheim"),
    Place("seckenheim", 6300, -1900, "Seckenheim"),
    Place("seckenheim_end", 7800, -2100, "towards Edingen (city boundary)"),
)

ROADS = (
    Road("Ring", ("wasserturm", "tattersall", "schloss", "parkring", "kurpfalz_s", "ebert_s", "wasserturm"),
         signal_spacing_m=400),
    Road("Kurpfalzbruecke", ("kurpfalz_s", "kurpfalz_n"), signal_spacing_m=0),
    Road("Friedrich-Ebert-Bruecke", ("ebert_s", "ebert_n"), signal_spacing_m=0),
    Road("B 37/B 38 (Kurt-Schumacher-Bruecke)", ("kurt_schumacher", "parkring"), signal_spacing_m=0),
    Road("Neckarstadt", ("kurpfalz_n", "neckarstadt", "ebert_n")),
    Road("Waldhofstrasse", ("neckarstadt", "luzenberg", "waldhof", "schoenau")),
    Road("Sandhofer Strasse", ("schoenau", "sandhofen"), speed_kmh=60, signal_spacing_m=700),
    Road("Kaefertaler Strasse", ("ebert_n", "kaefertaler", "kaefertal")),
    Road("B 38", ("kaefertal", "vogelstang"), speed_kmh=60, signal_spacing_m=700),
    Road("Untermuehlaustrasse", ("waldhof", "kaefertal")),
    Road("Feudenheimer Strasse", ("augusta", "feudenheim", "kaefertal")),
    Road("Augustaanlage and Seckenheimer Landstrasse",
         ("wasserturm", "augusta", "hochschule", "seckenheim_w", "seckenheim", "seckenheim_end")),
    Road("Neckarauer Strasse and Relaisstrasse",
         ("tattersall", "neckarauer_n", "almenhof", "hauptfeuerwache", "neckarau", "rheinau_n", "rheinau",
          "rheinau_end")),
    Road("Suedtangente (B 37)", ("konrad_adenauer", "lindenhof", "neckarauer_n", "suedtangente_o", "seckenheim_w"),
         speed_kmh=70, signal_spacing_m=1000),
)

STATIONS = (
    StationSite("hauptfeuerwache", "hauptfeuerwache", 1, 0),
    StationSite("nord", "kaefertal", -1, -1),
    StationSite("sued", "rheinau", -1, 0),
    StationSite("schoenau", "schoenau", 1, 0),
    StationSite("neckarstadt", "neckarstadt", 0, 1),
    StationSite("seckenheim", "seckenheim", 0, 1),
)

STATION_NAMES = {
    "hauptfeuerwache": "Hauptfeuerwache (Neckarauer Straße)",
    "nord": "Feuerwache Nord (Käfertal)",
    "sued": "Feuerwache Süd (Rheinau)",
    "schoenau": "neue Wache Nord (Schönau)",
    "neckarstadt": "neue Wache Neckarstadt",
    "seckenheim": "neue Wache Seckenheim",
}
LAYOUTS = {"Ist-Zustand": ["hauptfeuerwache", "nord", "sued"],
           "Bedarfsplan-2024": ["hauptfeuerwache", "nord", "sued", "schoenau", "neckarstadt", "seckenheim"]}

DISTRICTS = (
    Place("Innenstadt", -500, 250), Place("Neckarstadt", -300, 1800), Place("Waldhof", -500, 3900),
    Place("Schoenau", -300, 5900), Place("Sandhofen", -900, 7300), Place("Kaefertal", 2400, 2800),
    Place("Feudenheim", 3200, 1100), Place("Oststadt", 1300, -800), Place("Lindenhof", -900, -1300),
    Place("Neckarau", 700, -2900), Place("Rheinau", 3200, -5300), Place("Seckenheim", 5800, -1900),
)

SPEC = RoadNetworkSpec("mannheim-city", PLACES, ROADS, STATIONS, DISTRICTS)

# Background demand: random trips between side streets and city entries, weighted towards the
# main roads; the peak fills the busiest approaches to about their capacity.
DEMAND = {"peak": 0.5, "offpeak": 1.0}  # traffic load -> seconds between generated trips


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


def build() -> Path:
    built = build_road_network(SPEC, HERE)
    lines = [
        "# Generated by build.py: edit build.py and rerun it, not this file.",
        'name = "mannheim-city"',
        f'description = "Mannheim main roads, approximate: {built.signals} signals, today\'s 3 career stations '
        'and the 3 of the 2024 plan"',
        f'network = "{built.net_file.name}"',
        f"incident_edges = {_toml_list(sorted(e for edges in built.side_streets.values() for e in edges))}",
        "",
        "[demand]",
        *(f"{load} = {{ period_s = {period}, fringe_factor = 20 }}" for load, period in DEMAND.items()),
        "",
        "[station_layouts]",
        *(f'{name} = {_toml_list([STATION_NAMES[s] for s in stations])}' for name, stations in LAYOUTS.items()),
        "",
        "[districts]",
        *(f'{district} = {_toml_list(edges)}' for district, edges in built.side_streets.items()),
    ]
    for site in STATIONS:
        lines += ["", "[[stations]]", f'name = "{STATION_NAMES[site.id]}"', f'edge = "{built.station_edges[site.id]}"',
                  "position_m = 5.0"]
    (HERE / "scenario.toml").write_text("\n".join(lines) + "\n")
    return built.net_file


if __name__ == "__main__":
    print(f"built {build()}")
