"""Controller parameters, validated once: experiment files and the controller read the same model.

The defaults here are the ones documented in docs/strategies.md; an experiment's [preemption]
table overrides them for every preempting strategy, a strategy table for itself.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

TriggerName = Literal["local", "eta", "green-wave"]
StrategyTrigger = Literal["none", TriggerName]  # "none": the baseline, signals run their plan
TRIGGERS: tuple[str, ...] = get_args(StrategyTrigger)
Recovery = Literal["dwell", "short-way", "smooth"]


class PreemptionSettings(BaseModel):
    """Parameters shared by every preempting strategy of an experiment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_green_s: float = Field(5.0, ge=0)
    max_presence_s: float = Field(90.0, gt=0)
    reservice_after_s: float = Field(60.0, ge=0, description="after a max-presence release, the others' guaranteed "
                                                              "time before the unit may preempt again")
    saturation_flow_veh_h: float = Field(1800.0, gt=0)
    start_up_lost_s: float = Field(2.0, ge=0)
    margin_s: float = Field(2.0, ge=0)
    look_ahead_s: float = Field(150.0, gt=0)
    trigger_distance_m: float = Field(250.0, gt=0)
    recovery: Recovery = "short-way"
    smooth_share: float = Field(0.2, gt=0, le=0.5)
    unit_gap_s: float = Field(30.0, ge=0)
    lockout_s: float = Field(10.0, ge=0)
    eta_update_s: float = Field(2.0, gt=0)


class PreemptionParameters(PreemptionSettings):
    """What one preempting controller runs with: the shared settings and its trigger."""

    trigger: TriggerName = "green-wave"

    @property
    def headway_s(self) -> float:
        return 3600.0 / self.saturation_flow_veh_h
