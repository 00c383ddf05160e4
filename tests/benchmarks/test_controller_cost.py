"""pytest-benchmark: the controller's cost per simulation step, without SUMO.

Run as its own job: `python -m pytest tests/benchmarks --benchmark-enable`. In the normal
test run benchmarks are disabled (each body runs once, as a test), and pytest-benchmark
switches itself off under pytest-xdist.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from signalprio.control.preemption import Preemption, PreemptionParameters
from signalprio.control.types import EngineView, Observation, SignalAhead, SignalView
from signalprio.run import safety_rules
from signalprio.sumo.loader import load_network


@pytest.fixture(scope="module")
def mannheim() -> Path:
    return Path(__file__).resolve().parents[2] / "networks" / "mannheim" / "mannheim.net.xml"


def _observation(path: Path, time: float) -> Observation:
    network = load_network(path)
    signals = {}
    for signal_id, signal in network.signals.items():
        phase, _, end = signal.program.phase_at(time)
        signals[signal_id] = SignalView(signal_id, signal.program.phases[phase].state, "plan", end, phase)
    ahead = tuple(SignalAhead(signal_id, 1, 100.0 + 380.0 * n, (f"fwd_{n}",))
                  for n, signal_id in enumerate(sorted(network.signals, key=lambda s: (s[0] != "n", s))))
    engines = tuple(EngineView(f"u_{k}", "u", 12.0, 16.7, 1.1, ahead[k:]) for k in range(3))
    vehicles = {f"fwd_{n}": 20 for n in range(11)}
    return Observation(time, 1.0, engines, signals, vehicles, dict.fromkeys(vehicles, 5.0))


@pytest.mark.parametrize("trigger", ["local", "eta", "green-wave"])
def test_decide_cost_per_step(benchmark, mannheim: Path, trigger: str) -> None:  # type: ignore[no-untyped-def]
    network = load_network(mannheim)
    controller = Preemption(network, safety_rules(mannheim, 5.0), PreemptionParameters(trigger=trigger))
    observation = _observation(mannheim, 1000.0)
    commands = benchmark(controller.decide, observation)
    assert isinstance(commands, list)


def test_monitor_cost_per_signal_hour(benchmark) -> None:  # type: ignore[no-untyped-def]
    from signalprio.monitor import check_signal
    from signalprio.monitor_rules import monitor_rules
    from tests.conftest import TWO_PHASE_FOES, two_phase_program

    program = two_phase_program()
    rules = monitor_rules(program, TWO_PHASE_FOES, 5.0)
    timeline, t = [], 0.0
    while t < 3600:
        for phase in program.phases:
            timeline.append((t, phase.state))
            t += phase.duration
    assert benchmark(check_signal, rules, timeline) == []
