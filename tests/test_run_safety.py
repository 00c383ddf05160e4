"""Safety of the emergency run from the tables: reds entered with their speed, and SSM conflicts (known answers)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from signalprio.control.types import EngineView, SignalAhead, SignalView
from signalprio.measure import EngineRecorder, read_conflicts


def _view(speed: float, odometer: float, ahead: tuple[SignalAhead, ...]) -> EngineView:
    return EngineView("e", "u", speed, 14.0, 1.0, ahead, odometer_m=odometer)


def _signals(state: str) -> dict[str, SignalView]:
    return {"J1": SignalView("J1", state, "0", 99.0), "J2": SignalView("J2", state, "0", 99.0)}


def test_a_red_crossed_is_counted_with_the_speed_just_past_the_line_and_a_green_is_not() -> None:
    recorder = EngineRecorder("e", alarm_s=0.0)
    both = (SignalAhead("J1", 1, 20.0), SignalAhead("J2", 0, 220.0))
    recorder.record(1.0, _view(6.0, 0.0, both), _signals("GGGG"))
    recorder.record(2.0, _view(2.5, 22.0, both[1:]), _signals("rrGG"))  # J1 passed while link 1 showed red
    recorder.record(3.0, _view(13.0, 200.0, both[1:]), _signals("GGrr"))
    recorder.record(4.0, _view(14.0, 230.0, ()), _signals("GGrr"))  # J2 passed on green (link 0)
    trip = recorder.trip()
    assert trip["reds_entered"] == 1
    assert trip["red_entry_speed_max_kmh"] == pytest.approx(2.5 * 3.6)
    assert recorder.state_at == {"J1": "r", "J2": "G"}


def test_no_red_entered_leaves_the_fastest_entry_empty() -> None:
    recorder = EngineRecorder("e", alarm_s=0.0)
    recorder.record(1.0, _view(10.0, 0.0, (SignalAhead("J1", 0, 5.0),)), _signals("GG"))
    recorder.record(2.0, _view(10.0, 10.0, ()), _signals("yy"))  # yellow is not red
    assert recorder.trip()["reds_entered"] == 0 and recorder.trip()["red_entry_speed_max_kmh"] is None


def test_ssm_conflicts_are_read_with_their_smallest_ttc_and_pet(tmp_path: Path) -> None:
    path = tmp_path / "ssm.xml"
    path.write_text("""<SSMLog>
  <conflict begin="10.00" end="14.00" ego="i001_1_ELW" foe="car7">
    <minTTC time="11.00" position="1,2" type="2" value="0.80" speed="5.0"/>
    <PET time="NA" position="NA" type="NA" value="NA" speed="NA"/>
  </conflict>
  <conflict begin="20.00" end="22.00" ego="i001_1_ELW" foe="car9">
    <minTTC time="NA" position="NA" type="NA" value="NA" speed="NA"/>
    <PET time="21.00" position="3,4" type="9" value="1.60" speed="3.0"/>
  </conflict>
</SSMLog>
""")
    first, second = read_conflicts(path)
    assert (first.ego, first.foe, first.min_ttc_s) == ("i001_1_ELW", "car7", 0.8) and math.isnan(first.min_pet_s)
    assert first.serious()  # TTC 0.8 s < 1.5 s
    assert second.min_pet_s == 1.6 and not second.serious()  # PET 1.6 s is above the 1.0 s threshold
    assert read_conflicts(tmp_path / "none.xml") == []


def test_the_rescue_lane_option_equips_the_engines_and_switches_the_sublane_model_on(tmp_path: Path) -> None:
    import dataclasses

    from signalprio.experiment import load_experiment
    from signalprio.fleet import load_fleet, vtypes_additional
    from signalprio.run import background_args
    from tests.conftest import REPO, SMALL_RUNS, write_experiment

    loaded = load_experiment(write_experiment(tmp_path, REPO / "networks" / "regression", SMALL_RUNS))
    assert "--lateral-resolution" not in background_args(loaded, 1, "peak")
    engine = loaded.experiment.engine.model_copy(update={"rescue_lane": True})
    rescue = dataclasses.replace(loaded, experiment=loaded.experiment.model_copy(update={"engine": engine}))
    args = background_args(rescue, 1, "peak")
    assert args[args.index("--lateral-resolution") + 1] == "0.8"
    assert rescue.digest() != loaded.digest()
    xml = vtypes_additional(load_fleet(), 10.0, {"has.bluelight.device": "true"})
    assert xml.count('<param key="has.bluelight.device" value="true"/>') == len(load_fleet())
