"""A SUMO configuration (.sumocfg) as a scenario's source: its network, route and additional files and its begin.

Only these are taken: SUMO would write the configuration's own outputs next to it on every run, and signalprio sets
the end, step length and outputs of each run itself. Other options belong in the experiment's `sumo_args`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from signalprio.errors import UserError


@dataclass(frozen=True)
class SumoConfig:
    network: Path
    routes: tuple[Path, ...]
    additional: tuple[Path, ...]
    begin_s: float


def read_sumocfg(path: Path, where: str) -> SumoConfig:
    """Read the inputs of a configuration; file paths in it are relative to its folder, as SUMO reads them.
    `where` names the scenario field that points here, for messages."""
    if not path.is_file():
        raise UserError(f"{where}: file not found: {path}")
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        raise UserError(f"{where}: {path.name} is not an XML file ({error})") from None

    def values(option: str) -> list[str]:
        element = root.find(f".//{option}")
        text = element.get("value", "") if element is not None else ""
        return [item.strip() for item in text.replace(" ", ",").split(",") if item.strip()]

    def files(option: str) -> tuple[Path, ...]:
        found = tuple(path.parent / name for name in values(option))
        for file in found:
            if not file.is_file():
                raise UserError(f"{path}: option '{option}': file not found: {file}")
        return found

    network = files("net-file")
    if len(network) != 1:
        raise UserError(f"{path}: option 'net-file': a configuration for signalprio names one network file")
    begin = values("begin")
    try:
        begin_s = float(begin[0]) if begin else 0.0
    except ValueError:
        raise UserError(f"{path}: option 'begin': {begin[0]!r} is not a number of seconds (write e.g. 25200, "
                        "not 7:00:00)") from None
    return SumoConfig(network[0], files("route-files"), files("additional-files"), begin_s)
