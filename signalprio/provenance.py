"""Provenance stamped on every result file: what produced it, so results stay comparable."""

from __future__ import annotations

from signalprio import __version__
from signalprio.installation import sumo_version


def provenance(experiment_name: str, experiment_hash: str) -> dict[str, str]:
    return {
        "experiment": experiment_name,
        "experiment_hash": experiment_hash,
        "signalprio_version": __version__,
        "sumo_version": sumo_version(),
    }
