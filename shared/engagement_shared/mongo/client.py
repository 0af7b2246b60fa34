"""One async MongoDB client per process (pymongo's ``AsyncMongoClient``, motor's successor)."""

from __future__ import annotations

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from engagement_shared.settings import MongoSettings


def connect(settings: MongoSettings) -> tuple[AsyncMongoClient, AsyncDatabase]:
    """Return the client and this service's database; timestamps come back timezone-aware."""
    client: AsyncMongoClient = AsyncMongoClient(settings.url, tz_aware=True, serverSelectionTimeoutMS=10_000)
    return client, client[settings.database]
