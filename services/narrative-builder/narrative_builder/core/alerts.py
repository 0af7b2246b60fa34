"""Alerts from the stall and cadence monitor, as the SENCO (or the trust admin) reads them."""

from __future__ import annotations

from datetime import datetime

from engagement_shared.auth.principal import Principal, Role
from engagement_shared.errors import Forbidden
from engagement_shared.events.alerts import AlertFacts
from narrative_builder.ports.projection_store import ProjectionStore

SEES_ALERTS = {Role.SENCO, Role.TRUST_ADMIN}


class Alert(AlertFacts):
    """An alert with where it belongs and when it was raised."""

    trust_id: str
    school_id: str
    raised_at: datetime


class AlertService:
    """Lists alerts for the people who act on them: a SENCO for their schools, the trust admin for all."""

    def __init__(self, store: ProjectionStore) -> None:
        self._store = store

    async def list(self, by: Principal) -> list[Alert]:
        """Newest first; other roles are refused rather than shown an empty list, so a misconfigured
        app notices."""
        if by.role not in SEES_ALERTS:
            raise Forbidden("alerts are for the SENCO and the trust admin")
        schools = None if by.role == Role.TRUST_ADMIN else sorted(by.school_ids)
        return [Alert.model_validate(d) for d in await self._store.alerts(by.trust_id, schools)]
