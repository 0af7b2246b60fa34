"""A trust ready to moderate: observations by named staff in two schools, consents on the bus, and
observation-ingest's relay and consumer plus moderation's consumer and relay running in-process.

Observation free text deliberately names the pupil, a member of staff and the school, as staff
really write, so the leak test has something to find.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from engagement_shared.auth.principal import Role
from engagement_shared.events.envelope import utcnow
from engagement_shared.events.evidence import ConsentChange, ConsentChanged
from engagement_shared.events.registry import serialize_event
from engagement_shared.kafka.publisher import KafkaPublisher, OutgoingMessage
from engagement_shared.settings import ServiceConfig
from moderation.inject import consumer as moderation_consumer, relay as moderation_relay
from observation_ingest.inject import consumer as ingest_consumer, relay as ingest_relay
from tests.support.world import World, auth, observation

AREAS = ["exploration", "realisation", "anticipation", "persistence", "initiation"]
LEVELS = ["emerging", "developing", "established", "secure"]
STAFF_NAMES = ["Mrs Amberley", "Mr Quillon"]


@dataclass
class Recorded:
    """What the set-up recorded, for assertions."""

    observations: dict[str, str] = field(default_factory=dict)  # observation id -> school id
    observers: dict[str, str] = field(default_factory=dict)  # observation id -> observer subject
    consenting: set[str] = field(default_factory=set)


def staff_subject(school: int, n: int) -> str:
    """The token subject of teacher ``n`` at school ``school``."""
    return f"teacher-{school}-{n}"


async def record_observations(ingest: httpx.AsyncClient, world: World, per_pupil: int = 6) -> Recorded:
    """Observations of every pupil by two teachers of their school, over the last weeks."""
    recorded = Recorded()
    start = datetime.now(UTC) - timedelta(days=40)
    for s, school in enumerate(world.schools):
        for p, pupil in enumerate(world.pupils[school]):
            items = []
            for i in range(per_pupil):
                area = AREAS[(p + i) % 5]
                body = observation(pupil, start + timedelta(days=i * 5, hours=p),
                                   areas=[{"area": area, "established": LEVELS[(i + s) % 4], "note": f"With {STAFF_NAMES[i % 2]}"}],
                                   activity=f"Pupil{p} Test{s} explored the light box at Oak Tree School {s}",
                                   notes=f"Pupil{p} (born 2016-05-{p % 28 + 1:02d}) worked with {STAFF_NAMES[i % 2]}.")
                items.append((staff_subject(s, i % 2), body))
            for subject, body in items:
                tok = world.token(Role.TEACHER, s, subject=subject)
                (await ingest.post("/v1/observations", json=body, headers=auth(tok))).raise_for_status()
                recorded.observations[body["observation_id"]] = school
                recorded.observers[body["observation_id"]] = subject
    return recorded


async def publish_consents(config: ServiceConfig, trust_id: str, school_of: dict[str, str], purpose: str, granted: bool = True) -> None:
    """Consent changes on the evidence topic, as evidence-store publishes them."""
    publisher = KafkaPublisher(config.kafka, client_id="test-consents")
    await publisher.start()
    try:
        events = [ConsentChanged(occurred_at=utcnow(), trust_id=trust_id, school_id=school, producer="evidence-store",
                                 payload=ConsentChange(pupil_id=pupil, purpose=purpose, granted=granted, given_by_role="parent",  # type: ignore[arg-type]
                                                       effective_at=utcnow()))
                  for pupil, school in school_of.items()]
        await publisher.publish([OutgoingMessage(config.kafka.topic("evidence"), e.key, serialize_event(e)) for e in events])
    finally:
        await publisher.stop()


@asynccontextmanager
async def running_moderation_pipeline(ingest_config: ServiceConfig, moderation_config: ServiceConfig) -> AsyncIterator[None]:
    """ingest relay → moderation consumer; moderation relay → ingest consumer; all in the background."""
    stop = asyncio.Event()
    async with (ingest_relay(ingest_config) as a, moderation_consumer(moderation_config) as b,
                moderation_relay(moderation_config) as c, ingest_consumer(ingest_config) as d):
        tasks = [asyncio.create_task(worker.run(stop)) for worker in (a, b, c, d)]
        try:
            yield
        finally:
            stop.set()
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)
