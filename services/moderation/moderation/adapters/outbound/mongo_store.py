"""The moderation store in MongoDB: candidates, consents, rounds, items, exemplars, and the outbox.

Candidates are written for every observation in the trust, so that collection has no secondary
index (each one about doubles an insert on the local database); sampling reads it in one pass
grouped by stratum, then once more for the chosen items. Items are read for the figures in one
grouped pass; rounds are few and indexed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase

from engagement_shared.mongo.store import TransactionalStore
from engagement_shared.observability.tracing import db_span
from moderation.core.agreement import ItemGroup
from moderation.core.candidates import Consent, StoredCandidate
from moderation.core.exemplars import Exemplar
from moderation.core.rounds import Item, Round
from moderation.core.sampling import Candidate, StratumDimension
from moderation.ports.store import CandidateFilter

CANDIDATES, CONSENTS, ROUNDS, ITEMS, EXEMPLARS = "candidates", "consents", "rounds", "items", "exemplars"
FIELD_OF = {"school": "school_id", "area": "area", "observer": "observer_id", "descriptor": "descriptor"}


async def ensure_indexes(db: AsyncDatabase) -> None:
    """Indexes for the few, often-read collections."""
    await db[ITEMS].create_index([("round_id", ASCENDING)])
    await db[ITEMS].create_index([("trust_id", ASCENDING), ("moderator_id", ASCENDING)])
    await db[ITEMS].create_index([("pupil_id", ASCENDING)])
    await db[ROUNDS].create_index([("trust_id", ASCENDING)])


def _match(where: CandidateFilter) -> dict[str, Any]:
    match: dict[str, Any] = {"trust_id": where.trust_id, "withdrawn": False,
                             "observed_on": {"$gte": where.observed_from, "$lte": where.observed_to}}
    if where.school_ids is not None:
        match["school_id"] = {"$in": where.school_ids}
    return match


def _without_storage_fields(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document minus what only the store uses, ready for the core's strict models."""
    return {k: v for k, v in doc.items() if k not in ("_id", "pairs")}


def item_document(item: Item) -> dict[str, Any]:
    """An item plus its (original, moderated) pairs, flattened for the agreement aggregation."""
    doc: dict[str, Any] = {"_id": item.item_id, **item.model_dump(mode="python")}
    if item.blind is not None:
        original = {a.area: a.established for a in item.original}
        doc["pairs"] = [{"area": str(a.area), "original": original[a.area], "moderated": a.established} for a in item.blind.areas]
    return doc


class MongoModerationStore(TransactionalStore):
    """The store, unbound (reads) or bound to one transaction (reads, writes and ``emit``)."""

    async def candidates(self, observation_ids: Sequence[str]) -> list[StoredCandidate]:
        with db_span("find", CANDIDATES):
            return [StoredCandidate.model_validate(d) async for d in self._db[CANDIDATES].find({"_id": {"$in": list(observation_ids)}}, session=self._s)]

    async def save_candidates(self, candidates: Sequence[StoredCandidate]) -> None:
        with db_span("bulk_write", CANDIDATES, **{"db.batch.size": len(candidates)}):
            await self._db[CANDIDATES].bulk_write([ReplaceOne({"_id": c.observation_id}, {"_id": c.observation_id, **c.model_dump()}, upsert=True)
                                                   for c in candidates], ordered=False, session=self._s)

    async def consent(self, pupil_id: str, purpose: str) -> Consent | None:
        doc = await self._db[CONSENTS].find_one({"_id": f"{pupil_id}|{purpose}"}, session=self._s)
        return Consent.model_validate(doc) if doc else None

    async def save_consents(self, consents: Sequence[Consent]) -> None:
        await self._db[CONSENTS].bulk_write([ReplaceOne({"_id": f"{c.pupil_id}|{c.purpose}"}, c.model_dump(), upsert=True) for c in consents],
                                            ordered=False, session=self._s)

    async def consenting_pupils(self, trust_id: str, purpose: str) -> set[str]:
        with db_span("find", CONSENTS):
            cursor = self._db[CONSENTS].find({"trust_id": trust_id, "purpose": purpose, "granted": True}, {"pupil_id": 1}, session=self._s)
            return {d["pupil_id"] async for d in cursor}

    async def strata_counts_by_pupil(self, where: CandidateFilter, strata_by: Sequence[StratumDimension]) -> dict[tuple[str, str], int]:
        group = {"$group": {"_id": {**{d: f"${FIELD_OF[d]}" for d in strata_by}, "pupil": "$pupil_id"}, "n": {"$sum": 1}}}
        with db_span("aggregate", CANDIDATES):
            cursor = await self._db[CANDIDATES].aggregate([{"$match": _match(where)}, group], session=self._s)
            return {("|".join(f"{d}={row['_id'][d]}" for d in strata_by), row["_id"]["pupil"]): row["n"] async for row in cursor}

    async def stream_candidates(self, where: CandidateFilter) -> AsyncIterator[Candidate]:
        fields = {"school_id": 1, "pupil_id": 1, "observer_id": 1, "area": 1, "descriptor": 1}
        with db_span("find", CANDIDATES):
            async for d in self._db[CANDIDATES].find(_match(where), fields, batch_size=10_000, session=self._s):
                yield Candidate(d["_id"], d["school_id"], d["pupil_id"], d["observer_id"], d["area"], d["descriptor"])

    async def add_round(self, round_: Round, items: Sequence[Item]) -> None:
        with db_span("insert", ROUNDS):
            await self._db[ROUNDS].insert_one(self._round_doc(round_), session=self._s)
        with db_span("insert", ITEMS, **{"db.batch.size": len(items)}):
            if items:
                await self._db[ITEMS].insert_many([item_document(i) for i in items], session=self._s)

    async def save_round(self, round_: Round) -> None:
        await self._db[ROUNDS].replace_one({"_id": round_.round_id}, self._round_doc(round_), session=self._s)

    @staticmethod
    def _round_doc(round_: Round) -> dict[str, Any]:
        return {"_id": round_.round_id, **round_.model_dump(mode="json"), "pseudonym_secret": round_.pseudonym_secret}

    async def round(self, round_id: str) -> Round | None:
        doc = await self._db[ROUNDS].find_one({"_id": round_id}, session=self._s)
        return Round.model_validate(_without_storage_fields(doc)) if doc else None

    async def rounds(self, trust_id: str) -> list[Round]:
        cursor = self._db[ROUNDS].find({"trust_id": trust_id}, session=self._s).sort("scheduled_at", -1)
        return [Round.model_validate(_without_storage_fields(d)) async for d in cursor]

    async def item(self, item_id: str) -> Item | None:
        doc = await self._db[ITEMS].find_one({"_id": item_id}, session=self._s)
        return Item.model_validate(_without_storage_fields(doc)) if doc else None

    async def save_item(self, item: Item) -> None:
        with db_span("replace", ITEMS):
            await self._db[ITEMS].replace_one({"_id": item.item_id}, item_document(item), session=self._s)

    async def _items(self, query: dict[str, Any]) -> list[Item]:
        with db_span("find", ITEMS):
            return [Item.model_validate(_without_storage_fields(d)) async for d in self._db[ITEMS].find(query, session=self._s)]

    async def items_of_round(self, round_id: str) -> list[Item]:
        return await self._items({"round_id": round_id})

    async def items_of_moderator(self, trust_id: str, staff_id: str) -> list[Item]:
        return await self._items({"trust_id": trust_id, "moderator_id": staff_id})

    async def items_of_pupil(self, trust_id: str, pupil_id: str) -> list[Item]:
        return await self._items({"trust_id": trust_id, "pupil_id": pupil_id})

    async def items_awaiting_judgement_before(self, deadline: datetime) -> list[Item]:
        return await self._items({"status": "awaiting_judgement", "deadline": {"$lte": deadline}})

    async def item_groups(self, trust_id: str, round_ids: Sequence[str] | None) -> list[ItemGroup]:
        match: dict[str, Any] = {"trust_id": trust_id}
        if round_ids is not None:
            match["round_id"] = {"$in": list(round_ids)}
        key = {"r": "$round_id", "s": "$school_id", "st": "$status", "d": "$differs_from_original", "a": "$original.area", "p": "$pairs"}
        with db_span("aggregate", ITEMS):
            cursor = await self._db[ITEMS].aggregate([{"$match": match}, {"$group": {"_id": key, "n": {"$sum": 1}}}], session=self._s)
            return [ItemGroup(round_id=g["r"], school_id=g["s"], status=g["st"], differs_from_original=g.get("d"), areas=tuple(g.get("a") or ()),
                              pairs=tuple((p["area"], p["original"], p["moderated"]) for p in g.get("p") or ()), count=row["n"])
                    async for row in cursor for g in (row["_id"],)]

    async def save_exemplar(self, exemplar: Exemplar, pupil_id: str) -> None:
        doc = {"_id": exemplar.exemplar_id, **exemplar.model_dump(mode="python"), "pupil_id": pupil_id,
               "areas": [str(a.area) for a in exemplar.agreed], "descriptors": [a.established for a in exemplar.agreed]}
        await self._db[EXEMPLARS].replace_one({"_id": exemplar.exemplar_id}, doc, upsert=True, session=self._s)

    async def exemplars(self, trust_id: str, area: str | None, descriptor: str | None) -> list[tuple[Exemplar, str]]:
        query: dict[str, Any] = {"trust_id": trust_id}
        if area:
            query["agreed"] = {"$elemMatch": {"area": area, **({"established": descriptor} if descriptor else {})}}
        elif descriptor:
            query["descriptors"] = descriptor
        found = self._db[EXEMPLARS].find(query, session=self._s).sort("added_at", -1)
        return [(Exemplar.model_validate({k: v for k, v in d.items() if k not in ("_id", "pupil_id", "areas", "descriptors")}), d["pupil_id"])
                async for d in found]
