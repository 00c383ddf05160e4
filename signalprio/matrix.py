"""The intergreen matrix of a network's signals as a table: the program's own value, RiLSA's from the geometry, and
the binding (larger) one the controller uses, with the terms of each geometric value (`signalprio network
intergreens`; docs/strategies.md has a worked example)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from signalprio.model.intergreen import geometric_intergreens
from signalprio.model.safety import SafetyRules
from signalprio.run import network_of

COLUMNS = ("signal_id", "clearing_link", "entering_link", "clearing_kind", "entering_kind", "program_s",
           "clearing_path_m", "clearing_speed_mps", "vehicle_length_m", "transit_s", "entering_path_m",
           "entering_speed_mps", "rilsa_s", "binding_s")


def intergreen_matrix(path: Path, signal_id: str | None = None, min_green_s: float = 5.0) -> pd.DataFrame:
    """Every conflicting pair (clearing, entering) of the network's signals, or of one."""
    signals = network_of(path).signals
    rows = []
    for sid in [signal_id] if signal_id else sorted(signals):
        signal = signals[sid]
        binding = SafetyRules.derive(signal.program, signal.foes, min_green_s, signal.paths)
        program = signal.program.intergreen(binding.conflicts, {k: path.kind for k, path in signal.paths.items()})
        geometric = geometric_intergreens(signal.paths, binding.conflicts)
        for (i, j), seconds in sorted(binding.intergreen_s.items()):
            terms = geometric.get((i, j))
            kinds = [signal.paths[k].kind if k in signal.paths else "" for k in (i, j)]
            rows.append({"signal_id": sid, "clearing_link": i, "entering_link": j, "clearing_kind": kinds[0],
                         "entering_kind": kinds[1], "program_s": program[(i, j)],
                         "clearing_path_m": terms.clearing_path_m if terms else None,
                         "clearing_speed_mps": terms.clearing_speed_mps if terms else None,
                         "vehicle_length_m": terms.vehicle_length_m if terms else None,
                         "transit_s": terms.transit_s if terms else None,
                         "entering_path_m": terms.entering_path_m if terms else None,
                         "entering_speed_mps": terms.entering_speed_mps if terms else None,
                         "rilsa_s": terms.intergreen_s if terms else None, "binding_s": seconds})
    return pd.DataFrame(rows, columns=list(COLUMNS))
