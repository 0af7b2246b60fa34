"""The trust's exemplar library: agreed judgements staff can learn from, with the pupil's consent.

An exemplar is always pseudonymised, whatever round it came from, because it is shown across
the whole trust; and it disappears from the library the moment exemplar consent is withdrawn.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from engagement_shared.auth.principal import Principal
from engagement_shared.errors import Conflict, Invalid
from engagement_shared.events.envelope import utcnow
from engagement_shared.events.observations import AreaJudgement
from moderation.core import access
from moderation.core.candidates import EXEMPLAR_PURPOSE
from moderation.core.views import view
from moderation.ports.store import ModerationStore


class ExemplarRequest(BaseModel):
    """Which agreed item becomes an exemplar, and what it teaches."""

    item_id: str
    title: str = Field(min_length=3, max_length=200)
    teaching_note: str | None = Field(default=None, max_length=4000)


class Exemplar(BaseModel):
    """An agreed judgement in the library: what was seen, what was agreed, and why."""

    exemplar_id: str
    trust_id: str
    title: str
    teaching_note: str | None
    agreed: list[AreaJudgement]
    rationale: str
    observation: dict[str, object]
    added_by: str
    added_at: datetime


class ExemplarLibrary:
    """Adds to and searches the library."""

    def __init__(self, store: ModerationStore) -> None:
        self._store = store

    async def add(self, by: Principal, request: ExemplarRequest) -> Exemplar:
        """Make an agreed item an exemplar; needs its pupil's exemplar consent."""
        access.require_central(by)
        item = await self._store.item(request.item_id)
        round_ = await self._store.round(item.round_id) if item else None
        item = access.require_item(by, item, round_, request.item_id)
        assert round_ is not None
        if item.agreed is None:
            raise Conflict("only an item with an agreed judgement can become an exemplar")
        if item.pupil_id not in await self._store.consenting_pupils(by.trust_id, EXEMPLAR_PURPOSE):
            raise Invalid("the pupil's parents or carers have not consented to the exemplar library", field="item_id")
        shown = view(item.model_copy(update={"scope": "cross_school"}), round_.pseudonym_secret)
        exemplar = Exemplar(exemplar_id=item.item_id, trust_id=by.trust_id, title=request.title, teaching_note=request.teaching_note,
                            agreed=item.agreed.areas, rationale=item.agreed.rationale, observation=shown.observation,
                            added_by=by.subject, added_at=utcnow())
        await self._store.save_exemplar(exemplar, item.pupil_id)
        return exemplar

    async def search(self, by: Principal, area: str | None, descriptor: str | None) -> list[Exemplar]:
        """Exemplars by area and descriptor, only while their pupils' consent stands."""
        access.require_staff(by, by.trust_id)
        consenting = await self._store.consenting_pupils(by.trust_id, EXEMPLAR_PURPOSE)
        return [e for e, pupil in await self._store.exemplars(by.trust_id, area, descriptor) if pupil in consenting]
