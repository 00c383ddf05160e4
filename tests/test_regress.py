"""`signalprio regress` fails for broken preemption logic, with the right reason, and passes otherwise.

The committed regression experiment runs in this process (the `in_process` fixture) so that the
broken controllers patched in here are the ones that run.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from typer.testing import CliRunner

import signalprio.run
from signalprio.cli import app
from signalprio.control.preemption import Preemption
from signalprio.control.strategies import NoPriority, make_controller
from tests.conftest import REPO

pytestmark = [pytest.mark.sumo, pytest.mark.usefixtures("in_process")]

EXPERIMENT = REPO / "experiments" / "regression.toml"
BASELINE = REPO / "results" / "baselines" / "regression.json"


def regress(tmp_path: Path, *extra: str) -> tuple[int, str, str]:
    junit = tmp_path / "junit.xml"
    result = CliRunner().invoke(app, ["regress", str(EXPERIMENT), "--baseline", str(BASELINE), "-j", "1",
                                      "--junit", str(junit), "--markdown", str(tmp_path / "summary.md"), *extra])
    return result.exit_code, result.output, junit.read_text() if junit.exists() else ""


def test_unchanged_controller_passes(tmp_path: Path) -> None:
    code, output, junit = regress(tmp_path)
    assert code == 0, output
    assert 'failures="0"' in junit and "pass" in (tmp_path / "summary.md").read_text()


def test_controller_that_shortens_the_all_red_fails_on_safety(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def shortened(parameters, network, rules):  # type: ignore[no-untyped-def]
        if parameters is None:
            return make_controller(parameters, network, rules)
        cut = {sid: dataclasses.replace(r, intergreen_s={k: max(v - 2.0, 0.0) for k, v in r.intergreen_s.items()})
               for sid, r in rules.items()}
        return Preemption(network, cut, parameters)

    monkeypatch.setattr(signalprio.run, "make_controller", shortened)
    code, output, junit = regress(tmp_path)
    assert code == 1
    # every preempting run fails on the conflict monitor's violations: a regression with the monitor's words
    assert "conflict monitor" in junit and "<failure" in junit, output


def test_controller_that_never_preempts_fails_on_arrival_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signalprio.run, "make_controller", lambda parameters, network, rules: NoPriority())
    code, output, _ = regress(tmp_path)
    assert code == 1
    assert "green-wave" in output and "median arrival" in output


class _HoldsForever(Preemption):
    """Broken: once granted, the signal never checks out (and no maximum presence ends it)."""

    def _track_served(self, c, a, now):  # type: ignore[no-untyped-def,override]
        if a is not None:
            c.served.update(a.distances)


def test_controller_that_holds_green_forever_fails_on_cost_to_others(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def holding(parameters, network, rules):  # type: ignore[no-untyped-def]
        if parameters is None:
            return make_controller(parameters, network, rules)
        return _HoldsForever(network, rules, parameters.model_copy(update={"max_presence_s": 1e9}))

    monkeypatch.setattr(signalprio.run, "make_controller", holding)
    code, output, _ = regress(tmp_path)
    assert code == 1
    assert "others' delay" in output


def test_update_refuses_to_replace_a_baseline_without_force_before_running_anything(tmp_path: Path) -> None:
    other = tmp_path / "baseline.json"
    other.write_text(BASELINE.read_text())
    result = CliRunner().invoke(app, ["regress", str(EXPERIMENT), "--baseline", str(other), "--update", "-j", "1"])
    assert result.exit_code == 2 and "--force" in result.output
    assert other.read_text() == BASELINE.read_text()


def test_bad_tolerance_and_missing_baseline_are_usage_errors(tmp_path: Path) -> None:
    missing = CliRunner().invoke(app, ["regress", str(EXPERIMENT), "--baseline", str(tmp_path / "none.json")])
    assert missing.exit_code == 2 and "baseline not found" in missing.output
    bad = CliRunner().invoke(app, ["regress", str(EXPERIMENT), "--baseline", str(BASELINE), "--tolerance", "speed=3"])
    assert bad.exit_code == 2 and "unknown name 'speed'" in bad.output


def test_pytest_fixture_asserts_preemption_properties(signalprio_experiment, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The fixture a team uses in its own tests (registered by signalprio's pytest11 entry point)."""
    text = EXPERIMENT.read_text().replace('scenario = "../networks/regression"',
                                          f'scenario = "{REPO / "networks" / "regression"}"')
    small = tmp_path / "small.toml"
    small.write_text(text.replace("seeds = [1, 2, 3]", "seeds = [1]").replace("count = 4", "count = 1"))
    result = signalprio_experiment(small)
    result.assert_no_monitor_violation()
    result.assert_arrives_within(400, strategy="green-wave")
    result.assert_rate_at_least(1.0, strategy="green-wave")
    with pytest.raises(AssertionError, match="later than 60 s"):
        result.assert_arrives_within(60)
