"""Safety on networks nobody tuned for: randomized preempting runs over many networks, counted by the monitor.

Each network gets one experiment: every trigger with every recovery mode as a strategy, incidents sampled over its
incident edges in two traffic loads (peak and off-peak bands) with alarm times drawn from a window, and a full stage-1
turnout (ELW, HLF and DLK from the nearest station). Everything derives from one seed, so a failure reproduces with
the same command. Runs keep their rows even when invalid: the check counts conflict-monitor violations by kind,
engine collisions, teleports and engines that did not arrive, per network, and fails on any of them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from signalprio.build.arterial import ArterialParameters, build_arterial
from signalprio.build.grid import build_grid
from signalprio.errors import UserError
from signalprio.experiment import load_experiment
from signalprio.monitor import KINDS
from signalprio.pipeline import run_experiment
from signalprio.runner import Executor

TRIGGERS = ("local", "eta", "green-wave")
RECOVERIES = ("dwell", "short-way", "smooth")


@dataclass(frozen=True)
class CheckNetwork:
    """A network to check: a shipped scenario folder (relative to the repository) or a generated one."""

    name: str
    alarm_window_s: tuple[float, float]  # after the network has filled with traffic
    scenario: str | None = None  # networks/<folder> shipped with signalprio
    generated: str | None = None  # "grid" or "arterial"
    note: str = ""


NETWORKS = (
    CheckNetwork("mannheim-corridor", (600, 1500), scenario="mannheim", note="corridor, fixed-time coordinated plans"),
    CheckNetwork("mannheim-city", (1200, 2400), scenario="mannheim-city", note="city network, three and six stations"),
    CheckNetwork("regression-arterial", (300, 500), scenario="regression", note="busy side streets"),
    CheckNetwork("berlin-adlershof", (600, 900), scenario="berlin-adlershof",
                 note="OpenStreetMap, actuated programs, pedestrian signals"),
    CheckNetwork("grid", (300, 600), generated="grid",
                 note="generated: actuated, one phase per approach (protected turns), crossings"),
    CheckNetwork("arterial-3-lanes", (200, 400), generated="arterial",
                 note="generated: three lanes, short blocks, long cycle, heavy load"),
    CheckNetwork("heidelberg", (600, 900), scenario="heidelberg",
                 note="OpenStreetMap extract with guessed programs (built by the user: experiments/heidelberg.toml)"),
)


@dataclass
class CheckResult:
    network: str
    runs: int = 0
    violations: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    engine_collisions: int = 0
    teleports: int = 0
    not_arrived: int = 0
    failed: list[str] = field(default_factory=list)  # runs that raised (SUMO errors)

    @property
    def safe(self) -> bool:
        return not (sum(self.violations.values()) or self.engine_collisions or self.failed)


def _scenario(network: CheckNetwork, repository: Path, work: Path) -> Path:
    if network.scenario is not None:
        return repository / "networks" / network.scenario
    folder = work / "networks" / network.name
    if not (folder / "scenario.toml").is_file():
        if network.generated == "grid":
            build_grid(folder)
        else:
            build_arterial(folder, ArterialParameters(intersections=5, spacing_m=180, lanes=3, cycle_s=120,
                                                      main_green_share=0.5, forward_veh_h=1800,
                                                      backward_veh_h=900, side_veh_h=250))
    return folder


def _experiment(network: CheckNetwork, scenario: Path, incidents: int, seed: int, folder: Path) -> Path:
    strategies = ", ".join(f'{{ name = "{t}-{r}", trigger = "{t}", recovery = "{r}" }}'
                           for t, r in itertools.product(TRIGGERS, RECOVERIES))
    start, end = network.alarm_window_s
    path = folder / f"{network.name}.toml"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'name = "check-{network.name}"\nscenario = "{scenario}"\nstrategies = [{strategies}]\nseeds = [{seed}]\n'
        f"[incidents]\ncount = {incidents}\nseed = {seed}\nalarm_from_s = {start:g}\nalarm_to_s = {end:g}\n"
        '[incidents.bands]\npeak = { share = 0.5, load = "peak" }\noffpeak = { share = 0.5, load = "offpeak" }\n'
        '[dispatch]\nstages = [["ELW", "HLF", "DLK"]]\n'
        '[simulation]\nhorizon_s = 600\ninvalid_runs = "keep"\n')
    return path


def check_network(network: CheckNetwork, incidents: int, seed: int, executor: Executor, repository: Path,
                  work: Path) -> CheckResult:
    """Run one network's experiment and count what the monitor and SUMO found."""
    scenario = _scenario(network, repository, work)
    loaded = load_experiment(_experiment(network, scenario, incidents, seed, work / "experiments"))
    results = run_experiment(loaded, executor)
    out = CheckResult(network.name, results.done, failed=[f"{key}: {message}" for key, message in results.failed])
    if results.done:
        violations = results.frames["violations"]
        for kind in KINDS:
            out.violations[kind] = int((violations["kind"] == kind).sum()) if len(violations) else 0
        runs = results.frames["runs"]
        out.engine_collisions = int(runs["collisions"].sum())
        out.teleports = int(runs["teleported"].sum())
        out.not_arrived = int((~runs["arrived"]).sum())
    return out


def select(names: list[str] | None, repository: Path) -> list[CheckNetwork]:
    """The networks named, or all whose scenario is there (a user-built one only once it is built)."""
    known = {network.name: network for network in NETWORKS}
    unknown = [name for name in names or [] if name not in known]
    if unknown:
        raise UserError(f"--networks: unknown network '{unknown[0]}' (known: {', '.join(known)})")
    chosen = [known[name] for name in names] if names else list(NETWORKS)
    missing = [network for network in chosen if network.scenario
               and not (repository / "networks" / network.scenario / "scenario.toml").is_file()]
    if names and missing:
        raise UserError(f"--networks: '{missing[0].name}' is not built here ({missing[0].note})")
    return [network for network in chosen if network not in missing]


def as_table(results: list[CheckResult]) -> pd.DataFrame:
    """One row per network, violations by kind: what check-safety.csv holds."""
    return pd.DataFrame([{"network": r.network, "runs": r.runs,
                          **{f"violations_{kind}": count for kind, count in r.violations.items()},
                          "engine_collisions": r.engine_collisions, "teleports": r.teleports,
                          "not_arrived": r.not_arrived, "failed": len(r.failed)} for r in results])
