"""The outbox relay when the broker forgets: everything is published again, even if that is cut short."""

from __future__ import annotations

import asyncio

from aiokafka.errors import KafkaConnectionError

from engagement_shared.mongo.client import connect
from engagement_shared.mongo.relay import RELAY_STATE, OutboxRelay
from engagement_shared.mongo.unit_of_work import unit_of_work
from engagement_shared.settings import ServiceConfig
from tests.integration.test_subscriber import read_all, registered
from tests.support.pipeline import eventually


async def test_a_republication_cut_short_is_done_again(ingest_config: ServiceConfig) -> None:
    """A broker hiccup during re-publication must not leave events missing from the bus for good."""
    kafka = ingest_config.kafka
    client, db = connect(ingest_config.mongo)
    events = [registered(f"pupil-{i}") for i in range(3)]
    async with unit_of_work(client, db) as uow:
        uow.emit(*events)
    relay = OutboxRelay(db, kafka, ["directory"], broker_check_every=0.1, idle_pause=0.05)
    # The broker "forgot" our marker: the state says one was written, but its topic is new and empty.
    await db[RELAY_STATE].insert_one({"_id": "marker"})
    async with await db.outbox.watch() as stream:  # a position after the events: only a re-publication sends them
        await stream.try_next()
        await db[RELAY_STATE].insert_one({"_id": "stream", "token": stream.resume_token})
    republished: list[int] = []
    real_republish = relay.republish_all

    async def flaky_republish() -> int:
        if not republished:
            republished.append(0)
            raise KafkaConnectionError("broker went away mid-way")
        republished.append(await real_republish())
        return republished[-1]

    relay.republish_all = flaky_republish  # type: ignore[method-assign]
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))

    async def redone() -> bool:
        return len(republished) >= 2
    await eventually(redone, timeout=30)
    stop.set()
    await asyncio.wait_for(task, 30)
    assert republished[1] == 3
    on_bus = await read_all(kafka.bootstrap_servers, kafka.topic("directory"), 3)
    assert {m.value for m in on_bus} >= {e.model_dump_json().encode() for e in events}
    assert await db[RELAY_STATE].find_one({"_id": "marker"}) is not None
    await client.close()
