"""The stall and cadence monitor: a faust-streaming job that tells a SENCO when an EHC target date
approaches with no new progress evidence for its outcome, or a pupil has not been observed for
longer than the trust wants.

Agents fold directory and observation events into per-pupil state (tables ``pupils`` and
``trusts``, rebuilt from their changelog topics after a restart); a timer evaluates the rules and
publishes ``progress.alert_raised`` events. Raised alerts are remembered by reading the alerts
topic back into the ``raised`` table, so the topic itself is the record: the timer waits until
every agent has caught up with everything published before it looks, then raises only alerts whose
id is not in ``raised``, and only if a second look after catching up again still finds them due.
A restart therefore neither repeats an alert nor judges a pupil on state that misses the events
after the last commit.

Windows are not used: both conditions are about the *absence* of events over spans a trust
configures (and can change), which a timer over per-pupil state expresses directly, while a
window only closes when later events arrive.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

import structlog
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from engagement_shared.events.alerts import AlertFacts, ProgressAlertRaised
from engagement_shared.events.directory import TrustConfigured, TrustSettings
from engagement_shared.events.envelope import Event, utcnow
from engagement_shared.events.registry import serialize_event
from engagement_shared.kafka.publisher import OutgoingMessage
from engagement_shared.kafka.streams import (
    StreamProgress, deliver, guarded_agent, prepare_topics, run_until, running, stream_app,
)
from engagement_shared.settings import KafkaSettings, ServiceConfig
from narrative_builder.core.stall_rules import PupilWatch, default_settings, due_alerts, fold

log = structlog.get_logger(__name__)

APP_NAME = "narrative-builder.monitor"
PRODUCER = "narrative-builder"
INPUTS = ["observations", "directory"]
ALERTS = ProgressAlertRaised.topic
#: Alert events get an id derived from the alert id, so a repeat is recognisably the same event.
ALERT_NAMESPACE = uuid.UUID("5f0c6d0e-7a52-4d59-9a4e-2f3c1b7a9e11")


class MonitorSettings(BaseSettings):
    """How often the monitor looks, and how long a look may wait for the agents to catch up."""

    model_config = SettingsConfigDict(env_prefix="MONITOR_")

    interval_seconds: float = Field(default=60.0, gt=0, description="Seconds between evaluations.")
    catch_up_seconds: float = Field(default=30.0, gt=0, description="How long an evaluation waits for the agents to reach "
                                                                    "the end of their topics before it leaves it to the next one.")


class MonitorJob:
    """One faust app of the monitor, with its agents, tables and timer. Lives until it is stopped
    or its agents find faust skipped messages; :class:`StallMonitor` then starts a new one."""

    def __init__(self, kafka: KafkaSettings, settings: MonitorSettings, clock: Callable[[], datetime]) -> None:
        self._kafka = kafka
        self._settings = settings
        self._clock = clock
        self.app = stream_app(kafka, APP_NAME)
        self.progress = StreamProgress(self.app, kafka)
        self._pupils = self.app.Table("pupils", partitions=kafka.partitions)
        self._trusts = self.app.Table("trusts", partitions=kafka.partitions)
        self._raised = self.app.Table("raised", partitions=kafka.partitions)
        for logical, handler in (("observations", self._on_event), ("directory", self._on_event), (ALERTS, self._on_alert)):
            guarded_agent(self.app, kafka.topic(logical), f"monitor-{logical}", handler, self.progress)
        self.app.timer(settings.interval_seconds, name="monitor-evaluate")(self._tick)

    def _trust(self, trust_id: str) -> TrustSettings:
        held = self._trusts.get(trust_id)
        return TrustSettings.model_validate(held) if held else default_settings(trust_id)

    def _on_event(self, event: Event) -> None:
        """Fold a directory or observation event into its pupil (or its trust's settings)."""
        if isinstance(event, TrustConfigured):
            self._trusts[event.payload.trust_id] = event.payload.model_dump(mode="json")
            return
        pupil_id = getattr(event.payload, "pupil_id", None)
        if pupil_id is None:
            return
        held = self._pupils.get(pupil_id)
        changed = fold(PupilWatch.model_validate(held) if held else None, event, self._trust(event.trust_id))
        if changed is not None:
            self._pupils[pupil_id] = changed.model_dump(mode="json")

    def _on_alert(self, event: Event) -> None:
        """Remember an alert that is on the alerts topic, whoever published it."""
        if isinstance(event, ProgressAlertRaised):
            self._raised[event.payload.alert_id] = event.occurred_at.isoformat()

    async def _tick(self) -> None:
        try:
            await self.evaluate()
        except Exception as exc:  # noqa: BLE001 - a failed look is retried at the next tick
            log.warning("monitor.evaluation_failed", error=exc.__class__.__name__)

    async def _caught_up(self) -> bool:
        topics = [self._kafka.topic(t) for t in (*INPUTS, ALERTS)]
        return await self.progress.caught_up(topics, self._settings.catch_up_seconds)

    async def _due(self, pupil_ids: list[str], now: datetime) -> dict[str, tuple[PupilWatch, AlertFacts]]:
        due: dict[str, tuple[PupilWatch, AlertFacts]] = {}
        for count, pupil_id in enumerate(pupil_ids):
            held = self._pupils.get(pupil_id)
            if held:
                pupil = PupilWatch.model_validate(held)
                due |= {a.alert_id: (pupil, a) for a in due_alerts(pupil, self._trust(pupil.trust_id), now) if a.alert_id not in self._raised}
            if count % 200 == 199:
                await asyncio.sleep(0)  # let the agents breathe in a large trust
        return due

    async def evaluate(self) -> int:
        """Raise every alert that is due and not raised yet; returns how many were raised.

        Due alerts are confirmed by a second look once the agents have caught up again: the first
        look may see an event of one topic without an earlier event of another (a pupil's
        registration read before its observations), the second has read everything published
        before the first one looked.
        """
        if not await self._caught_up():
            log.info("monitor.not_caught_up")
            return 0
        now = self._clock()
        candidates = await self._due(list(self._pupils.keys()), now)
        if not candidates or not await self._caught_up():
            return 0
        confirmed = await self._due(sorted({pupil.pupil_id for pupil, _ in candidates.values()}), now)
        due = [confirmed[alert_id] for alert_id in candidates if alert_id in confirmed]
        if due:
            await deliver(self.app, [self._message(pupil, facts, now) for pupil, facts in due])
            log.info("monitor.alerts_raised", count=len(due))
        return len(due)

    def _message(self, pupil: PupilWatch, facts: AlertFacts, now: datetime) -> OutgoingMessage:
        event = ProgressAlertRaised(event_id=str(uuid.uuid5(ALERT_NAMESPACE, facts.alert_id)), occurred_at=now,
                                    trust_id=pupil.trust_id, school_id=pupil.school_id, producer=PRODUCER, payload=facts)
        return OutgoingMessage(self._kafka.topic(ALERTS), event.key, serialize_event(event))

    async def run(self, stop: asyncio.Event) -> bool:
        """Run until ``stop`` is set (False) or the job must be replaced (True)."""
        await prepare_topics(self._kafka, self.app, [*INPUTS, ALERTS])
        async with running(self.app, self.progress):
            log.info("monitor.started", interval=self._settings.interval_seconds)
            return await run_until(self.app, stop, self.progress)


class StallMonitor:
    """The monitor process's worker: runs a :class:`MonitorJob`, and a fresh one whenever the
    last found faust skipped messages (the new one resumes from the last commit)."""

    def __init__(self, kafka: KafkaSettings, settings: MonitorSettings | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._kafka = kafka
        self._settings = settings or MonitorSettings()
        self._clock = clock

    async def run(self, stop: asyncio.Event) -> None:
        """Keep a job running until ``stop`` is set."""
        while await MonitorJob(self._kafka, self._settings, self._clock).run(stop):
            log.warning("monitor.restarting")


@asynccontextmanager
async def monitor(config: ServiceConfig) -> AsyncIterator[StallMonitor]:
    """The ``monitor`` worker of narrative-builder (a ``runtime.Worker``)."""
    yield StallMonitor(config.kafka, MonitorSettings())
