"""Where the pinned SUMO wheel is installed and which version it is, found without importing SUMO.

Scenario paths (`sumo-home:...`) and the provenance of result files need these facts; the
simulator-free parts of signalprio must not load SUMO code to get them.
"""

from __future__ import annotations

import functools
import importlib.util
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from signalprio.errors import UserError


@functools.cache
def sumo_home() -> Path:
    """The SUMO installation inside the eclipse-sumo wheel (its package folder `sumo`)."""
    spec = importlib.util.find_spec("sumo")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise UserError("SUMO is not installed: pip install eclipse-sumo (signalprio pins the version)")
    return Path(locations[0])


@functools.cache
def sumo_version() -> str:
    """Version of the SUMO wheel in use, recorded in every result file."""
    try:
        return version("eclipse-sumo")
    except PackageNotFoundError:
        raise UserError("SUMO is not installed: pip install eclipse-sumo (signalprio pins the version)") from None
