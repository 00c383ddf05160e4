"""Names every layer shares, written down once.

BASELINE is the strategy without priority that every other strategy is compared with;
ALL_STATIONS is the station layout of every station a scenario has.
"""

from typing import Final

BASELINE: Final = "none"
ALL_STATIONS: Final = "all"
