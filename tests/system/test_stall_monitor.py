"""The stall and cadence monitor against the real local broker.

First, in this process: a plateau near an EHC target date raises exactly one ``outcome_stalled``
alert, a pupil unobserved for longer than the trust's gap one ``not_observed`` alert, and a message
that is not an event is dead-lettered without stopping anything.

Then the fault test: the monitor runs as a real process and is killed with SIGKILL while it
consumes a stream of a few hundred pupils' events, then started again. The data are built so that
any skipped event changes the alerts: every pupil on a plateau must get exactly one
``outcome_stalled`` alert dated from its one piece of evidence (a skipped registration, outcome or
observation means a missing, a differently dated, or an extra ``not_observed`` alert), and control
pupils never observed must get exactly one ``not_observed`` alert each. No alert may be raised twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition

from engagement_shared.events.alerts import ProgressAlertRaised
from engagement_shared.events.directory import (
    EhcOutcomeSet, OutcomeFacts, PupilFacts, PupilRegistered, TrustConfigured, TrustSettings,
)
from engagement_shared.events.envelope import Event
from engagement_shared.events.observations import ObservationRecorded, ObservationRecordedPayload, RecordedObservation
from engagement_shared.events.registry import parse_event, serialize_event
from engagement_shared.events.vocabulary import DEFAULT_DESCRIPTOR_SCALE
from engagement_shared.infra.local import Endpoints
from engagement_shared.infra.processes import ServiceProcess
from engagement_shared.kafka.publisher import KafkaPublisher, OutgoingMessage
from engagement_shared.kafka.topics import TopicAdmin
from engagement_shared.settings import KafkaSettings, ServiceConfig
from narrative_builder.adapters.inbound.stall_monitor import APP_NAME, MonitorSettings, StallMonitor
from narrative_builder.core.records import DEFAULT_PROMPT_HIERARCHY
from tests.support.pipeline import eventually

pytestmark = pytest.mark.system
TRUST = "trust-monitor"
GAP_DAYS, WARNING_DAYS = 10, 30  # not the defaults, so a lost trust configuration shows in the alerts
NOW = datetime.now(UTC)
TARGET = (NOW + timedelta(days=20)).date()


def _envelope(when: datetime, school: str = "school-1") -> dict:
    return {"occurred_at": when, "trust_id": TRUST, "school_id": school, "producer": "test"}


def trust_configured() -> TrustConfigured:
    """The trust's settings, with a gap and warning window of its own."""
    return TrustConfigured(**_envelope(NOW - timedelta(days=300), school=""), payload=TrustSettings(
        trust_id=TRUST, descriptor_scale=list(DEFAULT_DESCRIPTOR_SCALE), prompt_hierarchy=list(DEFAULT_PROMPT_HIERARCHY),
        observation_gap_days=GAP_DAYS, target_warning_days=WARNING_DAYS))


def registered(pupil: str, days_ago: float = 100) -> PupilRegistered:
    """A pupil on roll and on the engagement model since ``days_ago``."""
    return PupilRegistered(**_envelope(NOW - timedelta(days=days_ago)), payload=PupilFacts(
        pupil_id=pupil, key_stage="KS2", on_engagement_model=True, regressive_condition=False))


def outcome_set(pupil: str, outcome: str, target: date) -> EhcOutcomeSet:
    """An EHC outcome due on ``target``."""
    return EhcOutcomeSet(**_envelope(NOW - timedelta(days=90)), payload=OutcomeFacts(
        outcome_id=outcome, pupil_id=pupil, area_of_need="cognition_and_learning", term="short",
        description="Tracks a moving light across the midline", target_date=target))


def observed(pupil: str, observation: str, when: datetime, established: str, outcomes: list[str]) -> ObservationRecorded:
    """An observation judging exploration, linked to ``outcomes``."""
    body = RecordedObservation(
        observation_id=observation, school_id="school-1", observer_id="staff-1", observer_role="teacher", version=1,
        pupil_id=pupil, observed_at=when, areas=[{"area": "exploration", "established": established}], activity="light tracking",
        support_level="gestural", intentional=True, caused_by_stimulus=True, ehc_outcome_ids=outcomes)
    return ObservationRecorded(**_envelope(when), payload=ObservationRecordedPayload(observation=body, pupil_id=pupil))


class Bus:
    """Publishing and reading this test's topics on the real broker."""

    def __init__(self, kafka: KafkaSettings) -> None:
        self.kafka = kafka
        self.publisher = KafkaPublisher(kafka, client_id="stall-monitor-test")

    async def prepare(self) -> None:
        """Create the topics with their real partition counts before anything is published."""
        admin = TopicAdmin(self.kafka)
        await admin.start()
        try:
            await admin.ensure([self.kafka.topic(t) for t in ("observations", "directory", "alerts")])
        finally:
            await admin.close()
        await self.publisher.start()

    async def publish(self, events: list[Event]) -> None:
        """Publish events, keyed as the relay keys them, and wait for the broker's acks."""
        await self.publisher.publish([OutgoingMessage(self.kafka.topic(e.topic), e.key, serialize_event(e)) for e in events])

    async def read(self, logical: str) -> list:
        """Every message on a topic so far."""
        topic = self.kafka.topic(logical)
        # Reading from the start by the reset policy: seek_to_beginning() races the default "latest"
        # reset that assign() starts, and can lose.
        consumer = AIOKafkaConsumer(bootstrap_servers=self.kafka.bootstrap_servers, enable_auto_commit=False,
                                    auto_offset_reset="earliest")
        await consumer.start()
        try:
            partitions = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or range(self.kafka.partitions))]
            consumer.assign(partitions)
            ends = await consumer.end_offsets(partitions)
            records = []
            while [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
                for batch in (await consumer.getmany(timeout_ms=500)).values():
                    records += batch
            return records
        finally:
            await consumer.stop()

    async def uncommitted(self, group: str, logical: list[str]) -> int:
        """How many messages on these topics a consumer group has not committed yet."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.kafka.bootstrap_servers, group_id=group, enable_auto_commit=False)
        await consumer.start()
        try:
            partitions = [TopicPartition(self.kafka.topic(t), p) for t in logical for p in range(self.kafka.partitions)]
            ends = await consumer.end_offsets(partitions)
            return sum([end - (await consumer.committed(tp) or 0) for tp, end in ends.items()])
        finally:
            await consumer.stop()

    async def alerts(self) -> list[ProgressAlertRaised]:
        """Every alert on the alerts topic so far, parsed as any consumer would."""
        return [parse_event(r.value) for r in await self.read("alerts")]  # type: ignore[misc]


@pytest.fixture
async def bus(narrative_config: ServiceConfig) -> AsyncIterator[Bus]:
    """This test's topics, created, and a publisher on them."""
    bus = Bus(narrative_config.kafka)
    await bus.prepare()
    yield bus
    await bus.publisher.stop()


async def test_a_plateau_near_the_target_date_raises_one_alert(bus: Bus) -> None:
    """What a SENCO sees: one alert per condition, however often the monitor looks."""
    plateau = [registered("pupil-plateau"), outcome_set("pupil-plateau", "outcome-p", TARGET)]
    plateau += [observed("pupil-plateau", f"plateau-{n}", NOW - timedelta(days=days), level, ["outcome-p"])
                for n, (days, level) in enumerate([(80, "emerging"), (50, "developing"), (31, "developing"), (2, "developing")])]
    progressing = [registered("pupil-progress"), outcome_set("pupil-progress", "outcome-q", TARGET),
                   observed("pupil-progress", "progress-0", NOW - timedelta(days=80), "emerging", ["outcome-q"]),
                   observed("pupil-progress", "progress-1", NOW - timedelta(days=4), "developing", ["outcome-q"])]
    unobserved = [registered("pupil-unseen"), observed("pupil-unseen", "unseen-0", NOW - timedelta(days=12), "emerging", [])]
    await bus.publish([trust_configured(), *plateau, *progressing, *unobserved])
    await bus.publisher.publish([OutgoingMessage(bus.kafka.topic("observations"), "pupil-x", b"{not an event")])

    monitor = StallMonitor(bus.kafka, MonitorSettings(interval_seconds=0.3, catch_up_seconds=5))
    stop = asyncio.Event()
    task = asyncio.create_task(monitor.run(stop))
    try:
        async def two_alerts() -> bool:
            return len(await bus.alerts()) >= 2

        await eventually(two_alerts, timeout=40, interval=0.5)
        await asyncio.sleep(2)  # several more evaluations: none may repeat an alert
        alerts = await bus.alerts()
        facts = sorted((a.payload.kind, a.payload.pupil_id, a.payload.outcome_id) for a in alerts)
        assert facts == [("not_observed", "pupil-unseen", None), ("outcome_stalled", "pupil-plateau", "outcome-p")]
        stalled = next(a.payload for a in alerts if a.payload.kind == "outcome_stalled")
        assert stalled.last_evidence_at == NOW - timedelta(days=50)  # the last step up; the plateau came after
        assert stalled.target_date == TARGET and stalled.threshold_days == WARNING_DAYS
        assert all(a.trust_id == TRUST and a.school_id == "school-1" for a in alerts)
        dead = await bus.read("observations.dlq")
        assert len(dead) == 1 and dict(dead[0].headers)["dlq.reason"].startswith(b"malformed")
        assert not task.done()
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


PLATEAU_PUPILS, CONTROL_PUPILS, BATCH = 300, 20, 15


def plateau_pupil(n: int) -> tuple[list[Event], list[Event]]:
    """(observations, directory events) of a pupil on a plateau: baseline 80 days ago, seen again at
    the same level 3 days ago. Observations come first, so no half-published pupil is ever due an alert."""
    pupil, outcome = f"plateau-{n:03d}", f"outcome-{n:03d}"
    observations: list[Event] = [observed(pupil, f"{pupil}-a", NOW - timedelta(days=80), "emerging", [outcome]),
                                 observed(pupil, f"{pupil}-b", NOW - timedelta(days=3), "emerging", [outcome])]
    return observations, [outcome_set(pupil, outcome, TARGET), registered(pupil)]


def expected_alerts() -> dict[str, tuple[str, datetime | None, int]]:
    """alert id -> (kind, last evidence, threshold) for every alert the data call for."""
    expected: dict[str, tuple[str, datetime | None, int]] = {}
    for n in range(PLATEAU_PUPILS):
        evidence = NOW - timedelta(days=80)
        alert_id = f"outcome_stalled:plateau-{n:03d}:outcome-{n:03d}:{TARGET.isoformat()}/{evidence.isoformat()}"
        expected[alert_id] = ("outcome_stalled", evidence, WARNING_DAYS)
    for n in range(CONTROL_PUPILS):
        expected[f"not_observed:control-{n:02d}::{(NOW - timedelta(days=100)).isoformat()}"] = ("not_observed", None, GAP_DAYS)
    return expected


async def publish_pupils(bus: Bus, numbers: range) -> None:
    """Publish pupils in small batches, observations before the directory events of each batch."""
    for start in range(numbers.start, numbers.stop, BATCH):
        observations: list[Event] = []
        directory: list[Event] = []
        for n in range(start, min(start + BATCH, numbers.stop)):
            o, d = plateau_pupil(n)
            observations += o
            directory += d
        await bus.publish(observations)
        await bus.publish(directory)
        await asyncio.sleep(0.02)


def monitor_process(bus: Bus, infra: Endpoints, logs: Path) -> ServiceProcess:
    """The monitor as its own process: ``narrative-builder monitor``."""
    env = {**infra.environment(), "KAFKA_TOPIC_PREFIX": bus.kafka.topic_prefix, "KAFKA_SESSION_TIMEOUT_MS": "6000",
           "MONITOR_INTERVAL_SECONDS": "0.5", "MONITOR_CATCH_UP_SECONDS": "10", "OTEL_LOG_LEVEL": "WARNING"}
    return ServiceProcess("monitor", ["narrative-builder", "monitor"], env, logs)


async def test_no_event_is_skipped_and_no_alert_repeated_after_a_kill(bus: Bus, infra: Endpoints, tmp_path: Path) -> None:
    """The monitor is killed with SIGKILL mid-stream and restarted: every alert the data call for is
    raised exactly once, and nothing else is."""
    await bus.publish([trust_configured()] + [registered(f"control-{n:02d}") for n in range(CONTROL_PUPILS)])
    process = monitor_process(bus, infra, tmp_path / "logs").start()
    try:
        await publish_pupils(bus, range(0, 120))

        async def some_alerts() -> bool:
            return len(await bus.alerts()) >= CONTROL_PUPILS + 20

        await eventually(some_alerts, timeout=40, interval=0.5)  # it consumes, evaluates and raises
        await publish_pupils(bus, range(120, 210))
        process.kill()  # while it consumes that burst
        raised_before_kill = len(await bus.alerts())
        unread_at_kill = await bus.uncommitted(bus.kafka.topic(APP_NAME), ["observations", "directory"])
        await publish_pupils(bus, range(210, PLATEAU_PUPILS))
        process.start()

        expected = expected_alerts()

        async def all_alerts() -> bool:
            return len(await bus.alerts()) >= len(expected)

        with contextlib.suppress(AssertionError):  # on a timeout, the assertions below say what is missing
            await eventually(all_alerts, timeout=45, interval=0.5)
        await asyncio.sleep(3)  # several evaluations after the restart: none may repeat an alert
        assert process.running()
    finally:
        process.stop()
    alerts = await bus.alerts()
    counts = Counter(a.payload.alert_id for a in alerts)
    assert [alert_id for alert_id, count in counts.items() if count > 1] == [], "an alert was raised twice"
    missing, unexpected = sorted(set(expected) - set(counts)), sorted(set(counts) - set(expected))
    assert not missing and not unexpected, f"missing {len(missing)} {missing[:3]}, unexpected {len(unexpected)} {unexpected[:3]}"
    for alert in alerts:
        kind, evidence, threshold = expected[alert.payload.alert_id]
        assert (alert.payload.kind, alert.payload.last_evidence_at, alert.payload.threshold_days) == (kind, evidence, threshold)
    assert 0 < raised_before_kill < len(expected)
    assert unread_at_kill > 0  # the restarted monitor had events to read again, published before the kill
