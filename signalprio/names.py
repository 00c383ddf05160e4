"""Names every layer shares, written down once.

BASELINE is the strategy without priority that every other strategy is compared with;
ALL_STATIONS is the station layout of every station a scenario has; NAMES are what reports and maps show instead.
"""

from typing import Final

BASELINE: Final = "none"
ALL_STATIONS: Final = "all"
# what readers see instead of identifiers: strategies, loads, breakdown values (stage names: report.Scope.name)
NAMES: Final = {
    "de": {"none": "ohne Vorrang", "green-wave": "Grüne Welle", "local": "Anforderung am Knoten",
           "eta": "Anforderung nach Ankunftszeit", "all": "alle", "peak": "Spitzenverkehr",
           "offpeak": "Normalverkehr", "conflicting_green": "feindliches Grün", "yellow": "Gelbzeit",
           "intergreen": "Zwischenzeit", "min_green": "Mindestgrün"},
    "en": {"none": "no priority", "green-wave": "green wave", "local": "local request", "eta": "arrival-time request",
           "all": "all", "peak": "peak", "offpeak": "off-peak", "conflicting_green": "conflicting green",
           "yellow": "yellow", "intergreen": "intergreen", "min_green": "minimum green"},
}
