"""Alerts for a SENCO from the stall and cadence monitor: facts about a pupil's evidence, never a
judgement of the pupil."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from engagement_shared.events.envelope import Event

AlertKind = Literal["outcome_stalled", "not_observed"]


class AlertFacts(BaseModel):
    """Why the SENCO should look: an EHC target date near with no new progress evidence, or a pupil
    nobody has observed for longer than the trust wants."""

    model_config = ConfigDict(extra="forbid")

    alert_id: str = Field(description="Stable for one condition, so a repeated alert is recognised as the same.")
    kind: AlertKind
    pupil_id: str
    outcome_id: str | None = None
    target_date: date | None = None
    last_evidence_at: datetime | None = Field(default=None, description="The newest evidence that counts, if any.")
    threshold_days: int = Field(ge=1, description="The trust's setting the condition was measured against.")


class ProgressAlertRaised(Event):
    """The monitor found a condition a SENCO should act on."""

    topic: ClassVar[str] = "alerts"
    type: Literal["progress.alert_raised"] = "progress.alert_raised"
    schema_version: Literal[1] = 1
    payload: AlertFacts
