"""Shared fixtures: small synthetic scenarios built once per session, and the SUMO backend option.

`--sumo-backend traci` reruns every SUMO test through TraCI instead of libsumo.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, as_completed
from pathlib import Path
from typing import Any

import pytest

import signalprio.runner
from signalprio.build.arterial import ArterialParameters, build_arterial
from signalprio.model.program import Phase, SignalProgram

REPO = Path(__file__).resolve().parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--sumo-backend", choices=("libsumo", "traci"), default="libsumo",
                     help="backend for the tests that run SUMO")


class InProcess:
    """An executor that runs every task in the test's own process, so that what a test patches is what runs
    (signalprio itself always runs SUMO in worker processes, which a patch in the test does not reach)."""

    def submit(self, fn: Callable[..., Any], arg: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(arg))
        except Exception as error:  # delivered through the future, as a worker's would be
            future.set_exception(error)
        return future

    def as_completed(self, futures: list[Future[Any]]) -> Iterator[Future[Any]]:
        return as_completed(futures)

    def close(self) -> None:
        """Nothing to stop."""


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Local runs execute in this process for the test that asks for it."""
    monkeypatch.setattr(signalprio.runner, "_Local", lambda jobs: InProcess())


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--sumo-backend"))


@pytest.fixture(scope="session")
def congested_arterial(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five signals, heavy inbound traffic: queues at every red."""
    return build_arterial(tmp_path_factory.mktemp("congested"),
                          ArterialParameters(intersections=5, spacing_m=300, forward_veh_h=1900,
                                             backward_veh_h=700, side_veh_h=150))


@pytest.fixture(scope="session")
def empty_arterial(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four signals and no background traffic: the engine drives at free speed."""
    return build_arterial(tmp_path_factory.mktemp("empty"),
                          ArterialParameters(intersections=4, spacing_m=400, forward_veh_h=0,
                                             backward_veh_h=0, side_veh_h=0))


# two incidents on the regression arterial (networks/regression), none against green-wave: 8 runs in two seeds
SMALL_RUNS = """load = "peak"
strategies = ["none", "green-wave"]
seeds = [1, 2]
[incidents]
count = 2
seed = 7
alarm_from_s = 300
alarm_to_s = 500
[simulation]
horizon_s = 540
"""


def write_experiment(folder: Path, scenario: Path, body: str, name: str = "test") -> Path:
    """An experiment file beside `folder`, pointing at `scenario`."""
    path = folder / f"{name}.toml"
    path.write_text(f'name = "{name}"\nscenario = "{scenario}"\n{body}')
    return path


def two_phase_program(offset: float = 0.0) -> SignalProgram:
    """Links 0-1 main (through G, left g), links 2-3 side; German intergreens (3 y, 2 r, 1 u)."""
    return SignalProgram("J", "plan", "static", offset, (
        Phase("Ggrr", 48, "main green"),
        Phase("yyrr", 3, "main yellow"),
        Phase("rrrr", 2, "all red"),
        Phase("rruu", 1, "side red-yellow"),
        Phase("rrGg", 30, "side green"),
        Phase("rryy", 3, "side yellow"),
        Phase("rrrr", 2, "all red"),
        Phase("uurr", 1, "main red-yellow"),
    ))


#: main links conflict with side links (as a junction foe matrix would say); 0-1 also foes (left vs through).
TWO_PHASE_FOES = frozenset({(a, b) for a in (0, 1) for b in (2, 3)} | {(b, a) for a in (0, 1) for b in (2, 3)}
                           | {(0, 1), (1, 0), (2, 3), (3, 2)})


def one_shipped_run(experiment: str, strategy: str, incident: str) -> Any:
    """One run of a shipped experiment (its seed 1), through the same runner as `signalprio run`: the Results."""
    from dataclasses import replace

    from signalprio.experiment import load_experiment
    from signalprio.pipeline import plan_incidents, run_experiment
    from signalprio.runner import executor_for

    loaded = load_experiment(REPO / "experiments" / f"{experiment}.toml")
    chosen = next(i for i in plan_incidents(loaded) if i.id == incident)
    only = loaded.experiment.model_copy(update={"strategies": [loaded.experiment.strategy(strategy)]})
    with executor_for(1) as pool:
        return run_experiment(replace(loaded, experiment=only, given_incidents=(chosen,)), pool)
