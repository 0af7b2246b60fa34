"""Synthetic trusts, schools, pupils and observations for tests; no real person's data.

Everything goes through the public API as a trust admin or SENCO would, so tests exercise the
same checks as real users.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from engagement_shared.auth.principal import Principal, Role
from engagement_shared.auth.tokens import mint_token
from engagement_shared.settings import AuthSettings


def token(role: Role | str, trust_id: str, schools: tuple[str, ...] = (), pupils: tuple[str, ...] = (), subject: str | None = None) -> str:
    """A signed token for the local settings."""
    principal = Principal(subject=subject or f"{role}-{uuid.uuid4().hex[:6]}", role=Role(role), trust_id=trust_id,
                          school_ids=frozenset(schools), pupil_ids=frozenset(pupils))
    return mint_token(AuthSettings(), principal)


def auth(tok: str) -> dict[str, str]:
    """The Authorization header for a token."""
    return {"Authorization": f"Bearer {tok}"}


def observation(pupil_id: str, when: datetime | None = None, **overrides: Any) -> dict[str, Any]:
    """A complete, valid observation body in the default trust vocabulary."""
    body: dict[str, Any] = {
        "observation_id": str(uuid.uuid4()),
        "pupil_id": pupil_id,
        "observed_at": (when or datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "areas": [{"area": "exploration", "established": "developing"}, {"area": "anticipation", "established": "emerging"}],
        "activity": "Sensory story with a light-up ball",
        "context": {"setting": "sensory_room", "time_of_day": "morning", "adults": ["teaching_assistant"],
                    "sensory_experiences": ["visual", "tactile"], "mood": "settled"},
        "subtle_responses": ["stilling", "eye_movement"],
        "support_level": "gestural",
        "accuracy": "sometimes",
        "confidence": "often",
        "consistency": "sometimes",
        "intentional": True,
        "caused_by_stimulus": True,
        "provision": [{"description": "Blackout tent to cut distraction", "effect": "Attended for longer"}],
        "notes": "Reached towards the ball twice when it lit up.",
    }
    body.update(overrides)
    return body


@dataclass
class World:
    """A trust with two schools, each with a class, a SENCO, a teacher and pupils."""

    trust_id: str
    schools: list[str]
    classes: list[str]
    pupils: dict[str, list[str]] = field(default_factory=dict)

    def token(self, role: Role | str, school: int | str | None = 0, pupils: tuple[str, ...] = (), subject: str | None = None) -> str:
        """A token scoped to school ``school`` (an index, ``"all"``, or None for no school) of this world."""
        schools = tuple(self.schools) if school == "all" else () if school is None else (self.schools[school],)  # type: ignore[index]
        return token(role, self.trust_id, schools, pupils, subject)


async def build_world(client: httpx.AsyncClient, pupils_per_school: int = 3) -> World:
    """Create the world through the API."""
    trust_id = f"trust-{uuid.uuid4().hex[:8]}"
    admin = auth(token(Role.TRUST_ADMIN, trust_id))
    (await client.put(f"/v1/trusts/{trust_id}", json={"name": "Synthetic Learning Trust"}, headers=admin)).raise_for_status()
    world = World(trust_id=trust_id, schools=[], classes=[])
    for n in range(2):
        school = (await client.post("/v1/schools", json={"name": f"Oak Tree School {n}"}, headers=admin)).json()["school_id"]
        world.schools.append(school)
        world.classes.append((await client.post(f"/v1/schools/{school}/classes", json={"name": "Willow"}, headers=admin)).json()["class_id"])
        world.pupils[school] = []
        for i in range(pupils_per_school):
            body = {"school_id": school, "first_name": f"Pupil{i}", "last_name": f"Test{n}", "date_of_birth": f"2016-05-{i % 28 + 1:02d}",
                    "key_stage": "KS2", "on_engagement_model": True, "class_id": world.classes[-1],
                    "regressive_condition": i == 2}
            response = await client.post("/v1/pupils", json=body, headers=admin)
            response.raise_for_status()
            world.pupils[school].append(response.json()["pupil_id"])
    return world
