"""Compliance statistics and evaluation against hand-computed answers (no simulation)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from signalprio.compliance.evaluate import (
    compliance_breakdown,
    compliance_summary,
    incident_outcomes,
    layout_comparison,
)
from signalprio.compliance.plans import load_plan, preset_names
from signalprio.compliance.stats import compare_rates, compare_times, wilson_interval
from signalprio.errors import UserError


def test_wilson_interval_known_values() -> None:
    # textbook values (Newcombe 1998): 9/10 -> 0.596-0.982; 0/10 -> 0-0.278; 10/10 -> 0.722-1
    assert wilson_interval(9, 10) == pytest.approx((0.5958, 0.9821), abs=1e-4)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


def test_mcnemar_exact_counts_only_discordant_pairs() -> None:
    # 1 incident met only without priority, 6 only with it: p = 2 * P(X <= 1 | n=7, 1/2) = 2 * 8/128
    a = np.array([True] * 5 + [True] + [False] * 6 + [False] * 8)
    b = np.array([True] * 5 + [False] + [True] * 6 + [False] * 8)
    result = compare_rates(a, b)
    assert result.p_value == pytest.approx(0.125)
    assert (result.b_only, result.a_only) == (6, 1)
    assert result.difference == pytest.approx(5 / 20)
    assert result.low <= result.difference <= result.high


def test_identical_outcomes_give_no_difference() -> None:
    a = np.array([True, False, True, True])
    result = compare_rates(a, a)
    assert (result.difference, result.low, result.high, result.p_value) == (0.0, 0.0, 0.0, 1.0)


def test_paired_times_wilcoxon_and_interval() -> None:
    a = np.array([400.0, 420, 440, 460, 480])
    b = a - np.array([10.0, 20, 30, 40, 50])
    result = compare_times(a, b)
    assert result.median_difference == -30
    assert result.p_value == pytest.approx(2 / 32)  # exact two-sided: all five differences negative
    assert -50 <= result.low <= -30 <= result.high <= -10


def test_paired_times_drop_missing_pairs() -> None:
    result = compare_times(np.array([400.0, np.nan, 300]), np.array([390.0, 100, np.nan]))
    assert result.median_difference == -10


def _runs(arrivals: dict[str, list[float]], crews: tuple[int, ...] = (2, 6, 2),
          district: str = "Innenstadt") -> pd.DataFrame:
    rows = []
    for strategy, times in arrivals.items():
        for number, (time, crew) in enumerate(zip(times, crews, strict=True)):
            rows.append({"strategy": strategy, "seed": 1, "incident": "i001", "vehicle": f"v{number}", "crew": crew,
                         "arrived": not math.isnan(time), "arrival_after_alarm_s": time, "turnout_s": 60.0,
                         "driving_s": time - 60, "station": "HFW", "band": "weekday_day", "district": district,
                         "load": "peak"})
    return pd.DataFrame(rows)


def test_nine_of_ten_funktionen_is_a_miss() -> None:
    plan = load_plan("mannheim-2024")
    outcomes = incident_outcomes(_runs({"none": [300, 400, 490], "green-wave": [300, 400, 470]}), plan)
    stage1 = outcomes[outcomes["stage_index"] == 0].set_index("strategy")
    assert not stage1.loc["none", "met"] and stage1.loc["none", "crew_in_time"] == 8
    assert stage1.loc["none", "arrival_s"] == 490
    assert stage1.loc["green-wave", "met"] and stage1.loc["green-wave", "arrival_s"] == 470
    assert stage1.loc["green-wave", "driving_s"] == 410 and stage1.loc["green-wave", "turnout_s"] == 60
    assert list(outcomes["stage"]) == ["stage 1", "stage 1"]  # stage 2's crew was never dispatched


def test_hilfsfrist_adds_call_handling_to_the_clock() -> None:
    plan = load_plan("agbf-1998")  # 10 F within 9.5 min of the call, call handling 90 s
    outcomes = incident_outcomes(_runs({"none": [300, 400, 490], "green-wave": [300, 400, 470]}), plan)
    stage1 = outcomes[outcomes["stage_index"] == 0].set_index("strategy")
    assert stage1.loc["none", "arrival_s"] == 580 and not stage1.loc["none", "met"]
    assert stage1.loc["green-wave", "arrival_s"] == 560 and stage1.loc["green-wave", "met"]
    assert stage1.loc["green-wave", "call_and_dispatch_s"] == 90


def test_vehicle_that_never_arrives_fails_the_stage() -> None:
    outcomes = incident_outcomes(_runs({"none": [300, float("nan"), 400]}), load_plan("mannheim-2024"))
    assert not outcomes["met"].iloc[0] and math.isnan(outcomes["arrival_s"].iloc[0])


def test_summary_and_breakdown_count_incidents() -> None:
    frames = []
    for number, (base, gw) in enumerate([(490, 470), (470, 460), (500, 500), (460, 450)]):
        runs = _runs({"none": [300, 400, base], "green-wave": [300, 400, gw]},
                     district="Innenstadt" if number % 2 else "Lindenhof")
        runs["incident"] = f"i{number}"
        frames.append(runs)
    outcomes = incident_outcomes(pd.concat(frames), load_plan("mannheim-2024"))
    summary = compliance_summary(outcomes).set_index("strategy")
    assert summary.loc["none", "n"] == 4 and summary.loc["none", "met"] == 2
    assert summary.loc["green-wave", "met"] == 3 and summary.loc["green-wave", "rate_change"] == pytest.approx(0.25)
    assert summary.loc["green-wave", "arrival_change_median_s"] == -10
    by = compliance_breakdown(outcomes)
    district = by[(by["by"] == "district") & (by["strategy"] == "none")].set_index("value")
    assert district.loc["Lindenhof", "n"] == 2 and district.loc["Lindenhof", "met"] == 0  # 490 s and 500 s
    assert district.loc["Innenstadt", "met"] == 2


def test_presets_load_and_state_their_clock() -> None:
    assert {"mannheim-2024", "mannheim-2013", "agbf-2015", "agbf-1998", "bw-guidance"} <= set(preset_names())
    assert load_plan("agbf-1998").clock == "call" and load_plan("mannheim-2024").clock == "alarm"
    assert load_plan("agbf-2015").required_crew(1) == 16


def test_malformed_plan_file_names_the_field(tmp_path: Path) -> None:
    plan = tmp_path / "city.toml"
    plan.write_text('name = "x"\nclock = "sunrise"\nturnout_s = { career = 60 }\n'
                    '[[stages]]\nname = "s1"\ntime_limit_s = 480\ncrew = 10\ntarget_rate = 0.9\n')
    with pytest.raises(UserError, match=r"city\.toml: field 'clock'"):
        load_plan(str(plan))


def test_layouts_compare_with_their_own_baseline_and_with_the_reference() -> None:
    """Today's stations meet 2 of 4 without priority; the green wave and the new stations each gain."""
    frames = []
    arrivals = {("today", "none"): [490, 470, 500, 460], ("today", "green-wave"): [470, 460, 500, 450],
                ("plan-2024", "none"): [400, 410, 470, 420], ("plan-2024", "green-wave"): [390, 400, 460, 410]}
    for (layout, strategy), times in arrivals.items():
        for number, last in enumerate(times):
            runs = _runs({strategy: [300, 400, last]})
            runs["incident"], runs["layout"] = f"i{number}", layout
            frames.append(runs)
    outcomes = incident_outcomes(pd.concat(frames), load_plan("mannheim-2024"))
    order = ["today", "plan-2024"]
    within = compliance_summary(outcomes, ["green-wave"], order).set_index(["layout", "strategy"])
    assert within.loc[("today", "green-wave"), "rate_change"] == pytest.approx(0.25)  # against today/none
    assert within.loc[("plan-2024", "green-wave"), "rate_change"] == pytest.approx(0.0)  # against plan-2024/none
    against = layout_comparison(outcomes, ["green-wave"], order)
    assert list(zip(against["layout"], against["strategy"], strict=True)) == list(arrivals)
    against = against.set_index(["layout", "strategy"])
    assert against["reference"].unique().tolist() == ["today/none"]
    assert math.isnan(against.loc[("today", "none"), "rate_change"])
    assert against.loc[("plan-2024", "none"), "rate_change"] == pytest.approx(0.5)
    assert against.loc[("plan-2024", "none"), "gained"] == 2 and against.loc[("plan-2024", "none"), "lost"] == 0
    assert against.loc[("plan-2024", "green-wave"), "arrival_change_median_s"] == pytest.approx(-60)


def test_one_layout_gives_no_layout_comparison() -> None:
    outcomes = incident_outcomes(_runs({"none": [300, 400, 490]}), load_plan("mannheim-2024"))
    assert outcomes["layout"].tolist() == ["all"]
    assert layout_comparison(outcomes).empty


def test_two_layouts_with_no_evaluable_stage_give_an_empty_comparison_not_an_error() -> None:
    """One HLF (6 Funktionen) never makes stage 1 (10): there are no outcomes, and the comparison is empty."""
    assert layout_comparison(pd.DataFrame(), ["none"], ["old", "both"]).empty


def test_wilson_interval_on_whole_counts_is_scipys() -> None:
    from scipy import stats

    for n in (1, 7, 20, 40, 110):
        for k in range(n + 1):
            expected = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
            assert wilson_interval(k, n) == pytest.approx((expected.low, expected.high), abs=1e-12)


def _outcomes(met: dict[str, list[bool]], seeds: tuple[int, ...]) -> pd.DataFrame:
    """Stage-1 outcomes of 12 incidents; every seed repeats the same outcome."""
    return pd.DataFrame([
        {"plan": "p", "stage": "stage 1", "stage_index": 0, "layout": "all", "strategy": strategy, "seed": seed,
         "incident": f"i{number:03d}", "target_rate": 0.9, "time_limit_s": 480.0, "met": ok,
         "arrival_s": 400.0 if ok else 520.0}
        for strategy, values in met.items() for seed in seeds for number, ok in enumerate(values)])


def test_two_identical_seeds_give_the_same_n_interval_and_test_as_one_seed() -> None:
    """Intervals count incidents: a second seed that repeats the first adds no information and changes nothing."""
    met = {"none": [True] * 7 + [False] * 5, "green-wave": [True] * 11 + [False]}
    one = compliance_summary(_outcomes(met, (1,)), ["none", "green-wave"])
    two = compliance_summary(_outcomes(met, (1, 2)), ["none", "green-wave"])
    columns = ["n", "met", "rate", "rate_low", "rate_high", "rate_change", "rate_change_low", "rate_change_high",
               "rate_change_p", "gained", "lost"]
    pd.testing.assert_frame_equal(one[columns], two[columns])
    assert list(two["n"]) == [12, 12]


def test_seeds_that_disagree_count_as_a_share_of_the_incident() -> None:
    rows = _outcomes({"none": [True, False]}, (1, 2))
    rows.loc[(rows["incident"] == "i001") & (rows["seed"] == 2), "met"] = True  # i001: met in one of two seeds
    summary = compliance_summary(rows, ["none"]).iloc[0]
    assert (summary["n"], summary["met"], summary["rate"]) == (2, 1.5, 0.75)
    assert (summary["rate_low"], summary["rate_high"]) == pytest.approx(wilson_interval(1.5, 2))
