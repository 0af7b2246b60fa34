"""Authorisation of every observation-ingest endpoint, route by route and caller by caller.

The requirement: a teacher of school A can neither read nor write school B's pupils, a parent
sees only their own child, and this holds for every endpoint. Writes outside the caller's
school or role are refused with 403; ids the caller's trust does not hold (unknown ones, and
every id of another trust) give 404, so nobody outside a trust can confirm its ids (the two
trust-level writes answer 403 to every trust id but the caller's own, which confirms nothing
either). Nothing is stored when a request is refused: not a document, not an outbox event.

How the file is laid out:

* ``ROUTES`` has one entry per (method, path) of the API, with a valid body for a target (a
  trust, school, class, pupil, EHC outcome and observation). Each entry names the access
  *policy* that route should follow; the policies below are the permission matrix, one column
  per caller in ``ACTORS``.
* ``test_every_route_has_an_authorisation_entry`` fails when a route is added to the app without
  an entry here, so a new endpoint cannot ship without an authorisation test.
* ``test_missing_or_bad_token_is_401_and_stores_nothing`` covers authentication, per route.
* ``test_who_may_do_what`` sends every route as every caller and checks the exact status, that a
  successful response carries no id the caller may not see, and that a refusal changed nothing
  in the service's database.
* Then: what filtered lists show to parents and staff; writes about one's own school that point
  at another school's class, outcome or pupil; and an observation id re-used across schools.

The offline batch endpoint answers 200 and reports each item on its own; for it the matrix
gives the status the single item got (``created`` counts as 200).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import fastapi.routing
import httpx
import jwt
import pytest
from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from engagement_shared.auth.principal import Principal, Role
from engagement_shared.auth.tokens import mint_token
from engagement_shared.mongo.client import connect
from engagement_shared.settings import AuthSettings, ServiceConfig
from observation_ingest.core.trust_config import TrustConfig
from observation_ingest.inject import build_app
from tests.support.world import World, auth, observation, token

# --------------------------------------------------------------------------------------------
# The scene: the synthetic world plus an EHC outcome, an observation and a staff member per school
# --------------------------------------------------------------------------------------------

OBSERVERS = ("staff-observer-school-a", "staff-observer-school-b")  # who recorded each school's observations
FOREIGN_TRUST = "trust-elsewhere"


@dataclass(frozen=True)
class Target:
    """The ids a request is aimed at; path placeholders are filled from these."""

    trust: str
    school: str
    class_: str | None
    pupil: str
    outcome: str
    observation: str

    def path_params(self) -> dict[str, str]:
        return {"trust_id": self.trust, "school_id": self.school, "pupil_id": self.pupil,
                "outcome_id": self.outcome, "observation_id": self.observation}


UNKNOWN = Target(trust="trust-unknown", school="school-unknown", class_=None, pupil="pupil-unknown",
                 outcome="outcome-unknown", observation=str(uuid.uuid4()))


@dataclass
class Scene:
    """School A (index 0) and school B (index 1); pupils 0 and 1 of each have an outcome and an observation."""

    world: World
    staff: list[str] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)       # pupil id -> outcome id
    observations: dict[str, str] = field(default_factory=dict)   # pupil id -> observation id

    def pupil(self, school: int, index: int) -> str:
        return self.world.pupils[self.world.schools[school]][index]

    def target(self, school: int, pupil: int = 0) -> Target:
        pupil_id = self.pupil(school, pupil)
        return Target(trust=self.world.trust_id, school=self.world.schools[school], class_=self.world.classes[school],
                      pupil=pupil_id, outcome=self.outcomes[pupil_id], observation=self.observations[pupil_id])

    def ids_of_pupil(self, pupil_id: str) -> set[str]:
        return {pupil_id} | {ids[pupil_id] for ids in (self.outcomes, self.observations) if pupil_id in ids}

    def ids_of_school(self, school: int) -> set[str]:
        school_id = self.world.schools[school]
        ids = {school_id, self.world.classes[school], self.staff[school]}
        for pupil_id in self.world.pupils[school_id]:
            ids |= self.ids_of_pupil(pupil_id)
        return ids


@pytest.fixture
async def scene(ingest: httpx.AsyncClient, world: World) -> Scene:
    """The world, with a staff member per school and, for pupils 0 and 1 of each school, an EHC
    outcome (added by the SENCO) and an observation (recorded by the school's teacher)."""
    scene = Scene(world)
    for index, school in enumerate(world.schools):
        senco = auth(world.token("senco", index))
        teacher = auth(world.token("teacher", index, subject=OBSERVERS[index]))
        staff = await ingest.post(f"/v1/schools/{school}/staff", json={"display_name": "Sam Staff", "role": "teacher"}, headers=senco)
        assert staff.status_code == 201, staff.text
        scene.staff.append(staff.json()["staff_id"])
        for pupil in world.pupils[school][:2]:
            outcome = await ingest.post(f"/v1/pupils/{pupil}/outcomes", headers=senco, json={
                "area_of_need": "communication_and_interaction", "term": "long", "description": "Makes choices known"})
            assert outcome.status_code == 201, outcome.text
            scene.outcomes[pupil] = outcome.json()["outcome_id"]
            recorded = await ingest.post("/v1/observations", json=observation(pupil), headers=teacher)
            assert recorded.status_code == 201, recorded.text
            scene.observations[pupil] = recorded.json()["observation"]["observation_id"]
    return scene


@pytest.fixture
async def database(ingest_config: ServiceConfig) -> AsyncIterator[AsyncDatabase]:
    """observation-ingest's own database, read directly to prove a refusal stored nothing."""
    client, db = connect(ingest_config.mongo)
    yield db
    await client.close()


async def stored(db: AsyncDatabase) -> dict[str, list[dict[str, Any]]]:
    """Every document of every collection (directory, configuration, observations and the outbox)."""
    return {name: await db[name].find().sort("_id", 1).to_list() for name in sorted(await db.list_collection_names())}


# --------------------------------------------------------------------------------------------
# The callers
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Actor:
    """A caller: their token, what they aim at, and which of the scene's ids they must never be shown."""

    key: str
    token: Callable[[Scene], str]
    target: Callable[[Scene], Target]
    hidden: Callable[[Scene], set[str]]

    def __str__(self) -> str:
        return self.key


def _nothing(_: Scene) -> set[str]:
    return set()


def _school_b(s: Scene) -> set[str]:
    return s.ids_of_school(1)


def _not_the_parents_child(s: Scene) -> set[str]:
    """Everything but pupil A0's own records (their school's and class's ids are fine)."""
    hidden = s.ids_of_school(1) | {s.staff[0]}
    for pupil_id in s.world.pupils[s.world.schools[0]][1:]:
        hidden |= s.ids_of_pupil(pupil_id)
    return hidden


def _whole_trust(s: Scene) -> set[str]:
    return s.ids_of_school(0) | s.ids_of_school(1) | {s.world.trust_id}


def _parent_of_a0(s: Scene) -> str:
    return s.world.token("parent", school=None, pupils=(s.pupil(0, 0),))


ACTORS = [
    # Staff and apps of school A, acting on school A. The teacher recorded A0's and A1's observations;
    # the SENCO aims at A1 so that its writes (a withdrawal, say) never pre-empt the teacher's on A0.
    Actor("teacher-A-on-A", lambda s: s.world.token("teacher", 0, subject=OBSERVERS[0]), lambda s: s.target(0), _school_b),
    Actor("senco-A-on-A", lambda s: s.world.token("senco", 0), lambda s: s.target(0, 1), _school_b),
    Actor("ta-A-on-A", lambda s: s.world.token("teaching_assistant", 0), lambda s: s.target(0), _school_b),
    Actor("app-A-on-A", lambda s: s.world.token("app", 0), lambda s: s.target(0), _school_b),
    # Staff of school A acting on school B. The teacher has the subject of B's observer (someone who
    # moved school): having recorded an observation is no licence once the pupil is out of scope.
    Actor("teacher-A-on-B", lambda s: s.world.token("teacher", 0, subject=OBSERVERS[1]), lambda s: s.target(1), _school_b),
    Actor("senco-A-on-B", lambda s: s.world.token("senco", 0), lambda s: s.target(1), _school_b),
    # The parent of pupil A0, on their child and on another pupil of the same school.
    Actor("parent-on-child", _parent_of_a0, lambda s: s.target(0, 0), _not_the_parents_child),
    Actor("parent-on-sibling", _parent_of_a0, lambda s: s.target(0, 1), _not_the_parents_child),
    # Trust-wide roles, acting on school B (a school they are not attached to).
    Actor("moderator-on-B", lambda s: s.world.token("central_moderator", school=None), lambda s: s.target(1), _nothing),
    Actor("admin-on-B", lambda s: s.world.token("trust_admin", school=None), lambda s: s.target(1), _nothing),
    Actor("admin-on-unknown", lambda s: s.world.token("trust_admin", school=None), lambda s: UNKNOWN, _nothing),
    # Another trust's callers. The teacher's and parent's tokens even claim school B and pupil B0.
    Actor("other-trust-admin", lambda s: token("trust_admin", FOREIGN_TRUST), lambda s: s.target(1), _whole_trust),
    Actor("other-trust-teacher", lambda s: token("teacher", FOREIGN_TRUST, schools=(s.world.schools[1],)),
          lambda s: s.target(1), _whole_trust),
    Actor("other-trust-parent", lambda s: token("parent", FOREIGN_TRUST, pupils=(s.pupil(1, 0),)),
          lambda s: s.target(1), _whole_trust),
]
ACTOR_KEYS = [a.key for a in ACTORS]

# --------------------------------------------------------------------------------------------
# The permission matrix: one policy per kind of access check in the core
# --------------------------------------------------------------------------------------------

OK = 0  # stands for the route's own success status (200 or 201)


def policy(*, own_teacher: int, own_senco: int, own_ta: int, own_app: int, other_school: int, child: int, sibling: int,
           moderator: int, admin: int, unknown: int, other_trust: int | tuple[int, int, int]) -> dict[str, int]:
    """Expected status per caller; ``other_school`` covers teacher and SENCO of A on B, ``other_trust`` its admin, teacher and parent."""
    foreign = other_trust if isinstance(other_trust, tuple) else (other_trust,) * 3
    codes = [own_teacher, own_senco, own_ta, own_app, other_school, other_school, child, sibling, moderator, admin, unknown, *foreign]
    return dict(zip(ACTOR_KEYS, codes, strict=True))


# put_trust, put_config: can_administer_trust; an unknown or another trust's id is never confirmed: 404.
TRUST_ADMIN_ONLY = policy(own_teacher=403, own_senco=403, own_ta=403, own_app=403, other_school=403, child=403, sibling=403,
                          moderator=403, admin=OK, unknown=404, other_trust=404)
# get_config: anyone in the trust (apps build their forms from it); other trusts' ids are not confirmed.
TRUST_MEMBERS = policy(own_teacher=OK, own_senco=OK, own_ta=OK, own_app=OK, other_school=OK, child=OK, sibling=OK,
                       moderator=OK, admin=OK, unknown=404, other_trust=404)
# add_school: the trust admin, always into their own trust (so another trust's admin only adds to theirs).
ADD_SCHOOL = policy(own_teacher=403, own_senco=403, own_ta=403, own_app=403, other_school=403, child=403, sibling=403,
                    moderator=403, admin=OK, unknown=OK, other_trust=(OK, 403, 403))
# list_schools: filtered, never refused; the leak check proves the filtering.
FILTERED_LIST = policy(own_teacher=OK, own_senco=OK, own_ta=OK, own_app=OK, other_school=OK, child=OK, sibling=OK,
                       moderator=OK, admin=OK, unknown=OK, other_trust=OK)
# list_pupils: staff of the school and trust-wide roles (staff of another school: 403, as for its classes);
# a parent gets the list filtered to their own child.
PUPIL_LIST = policy(own_teacher=OK, own_senco=OK, own_ta=OK, own_app=OK, other_school=403, child=OK, sibling=OK,
                    moderator=OK, admin=OK, unknown=404, other_trust=404)
# access.viewable_school: people who work in the school, and trust-wide roles; not parents.
SCHOOL_STAFF_READ = policy(own_teacher=OK, own_senco=OK, own_ta=OK, own_app=OK, other_school=403, child=403, sibling=403,
                           moderator=OK, admin=OK, unknown=404, other_trust=404)
# access.managed_school / DirectoryService._managed_pupil: the school's SENCO or the trust admin.
ROLL_WRITE = policy(own_teacher=403, own_senco=OK, own_ta=403, own_app=403, other_school=403, child=403, sibling=403,
                    moderator=403, admin=OK, unknown=404, other_trust=404)
# ks2_return: Principal.can_export, the school's SENCO or the trust admin.
STATUTORY_EXPORT = ROLL_WRITE
# access.readable_pupil: staff and apps of the pupil's school, trust-wide roles, the pupil's own parent.
PUPIL_READ = policy(own_teacher=OK, own_senco=OK, own_ta=OK, own_app=OK, other_school=403, child=OK, sibling=403,
                    moderator=OK, admin=OK, unknown=404, other_trust=404)
# Principal.can_record_observation: as PUPIL_READ, but the central moderator only reads.
RECORD_OBSERVATION = policy(own_teacher=OK, own_senco=OK, own_ta=OK, own_app=OK, other_school=403, child=OK, sibling=403,
                            moderator=403, admin=OK, unknown=404, other_trust=404)
# ObservationIntake._changeable: the observer (while still able to record for the pupil), the SENCO, the trust admin.
CHANGE_OBSERVATION = policy(own_teacher=OK, own_senco=OK, own_ta=403, own_app=403, other_school=403, child=403, sibling=403,
                            moderator=403, admin=OK, unknown=404, other_trust=404)

# --------------------------------------------------------------------------------------------
# The routes
# --------------------------------------------------------------------------------------------

ROLL_CSV = ("Surname,Forename,DOB,UPN,Adno,Year,Reg Group,Engagement Model,Regressive Condition\n"
            "Newcomer,Ada,2016-03-03,,2001,4,Willow,Y,N\n")


def _none(_: Target) -> None:
    return None


@dataclass(frozen=True)
class Route:
    """One endpoint: its method and path template (placeholders filled from the target), a valid body, and its policy."""

    method: str
    path: str
    policy: dict[str, int]
    body: Callable[[Target], Any] = _none
    ok: int = 200
    query: dict[str, str] = field(default_factory=dict)
    csv: bool = False
    batch: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    def expected(self, actor: Actor) -> int:
        code = self.policy[actor.key]
        return self.ok if code == OK else code

    async def send(self, client: httpx.AsyncClient, target: Target, headers: dict[str, str]) -> tuple[httpx.Response, str]:
        """Send the request; return the response and the request's text (its ids are not leaks)."""
        url = self.path.format(**target.path_params())
        body = self.body(target)
        if self.csv:
            response = await client.request(self.method, url, params=self.query, content=body,
                                            headers={**headers, "Content-Type": "text/csv"})
        else:
            response = await client.request(self.method, url, params=self.query, json=body, headers=headers)
        return response, url + json.dumps(body)

    def status(self, response: httpx.Response) -> int:
        """The HTTP status, or for the batch endpoint the status its single item got."""
        if not self.batch or response.status_code != 200:
            return response.status_code
        item = response.json()["results"][0]
        return item["errors"][0]["status"] if item["status"] == "rejected" else 200


ROUTES = [
    # trust and configuration
    Route("PUT", "/v1/trusts/{trust_id}", TRUST_ADMIN_ONLY, lambda t: {"name": "Renamed Learning Trust"}),
    Route("GET", "/v1/trusts/{trust_id}/config", TRUST_MEMBERS),
    Route("PUT", "/v1/trusts/{trust_id}/config", TRUST_ADMIN_ONLY,
          lambda t: TrustConfig(observation_gap_days=21).model_dump(mode="json")),
    # schools, classes, staff
    Route("POST", "/v1/schools", ADD_SCHOOL, lambda t: {"name": "Hawthorn School"}, ok=201),
    Route("GET", "/v1/schools", FILTERED_LIST),
    Route("GET", "/v1/schools/{school_id}", SCHOOL_STAFF_READ),
    Route("POST", "/v1/schools/{school_id}/classes", ROLL_WRITE, lambda t: {"name": "Rowan"}, ok=201),
    Route("GET", "/v1/schools/{school_id}/classes", SCHOOL_STAFF_READ),
    Route("POST", "/v1/schools/{school_id}/staff", ROLL_WRITE, lambda t: {"display_name": "Visiting Therapist", "role": "therapist"}, ok=201),
    Route("GET", "/v1/schools/{school_id}/staff", SCHOOL_STAFF_READ),
    # the roll
    Route("GET", "/v1/schools/{school_id}/pupils", PUPIL_LIST),
    Route("POST", "/v1/schools/{school_id}/pupils/import", ROLL_WRITE, lambda t: ROLL_CSV, csv=True),
    Route("GET", "/v1/schools/{school_id}/exports/ks2-engagement-model.csv", STATUTORY_EXPORT),
    Route("POST", "/v1/pupils", ROLL_WRITE, lambda t: {
        "school_id": t.school, "class_id": t.class_, "first_name": "New", "last_name": "Pupil", "date_of_birth": "2016-06-06",
        "key_stage": "KS2", "on_engagement_model": True}, ok=201),
    Route("GET", "/v1/pupils/{pupil_id}", PUPIL_READ),
    Route("PATCH", "/v1/pupils/{pupil_id}", ROLL_WRITE, lambda t: {"first_name": "Renamed"}),
    Route("POST", "/v1/pupils/{pupil_id}/leave", ROLL_WRITE, lambda t: {"left_on": date.today().isoformat()}),
    # EHC outcomes
    Route("POST", "/v1/pupils/{pupil_id}/outcomes", ROLL_WRITE, lambda t: {
        "area_of_need": "sensory_and_physical", "term": "short", "description": "Tolerates hand-under-hand support"}, ok=201),
    Route("GET", "/v1/pupils/{pupil_id}/outcomes", PUPIL_READ),
    Route("PATCH", "/v1/pupils/{pupil_id}/outcomes/{outcome_id}", ROLL_WRITE, lambda t: {"achieved": True}),
    # observations
    Route("POST", "/v1/observations", RECORD_OBSERVATION, lambda t: observation(t.pupil), ok=201),
    Route("POST", "/v1/observations/batch", RECORD_OBSERVATION, lambda t: {"observations": [observation(t.pupil)]}, batch=True),
    Route("GET", "/v1/observations/{observation_id}", PUPIL_READ),
    Route("PATCH", "/v1/observations/{observation_id}", CHANGE_OBSERVATION,
          lambda t: {"changes": {"support_level": "verbal"}, "reason": "Typed the wrong prompt level"}),
    Route("POST", "/v1/observations/{observation_id}/withdraw", CHANGE_OBSERVATION, lambda t: {"reason": "Recorded for the wrong pupil"}),
    Route("GET", "/v1/pupils/{pupil_id}/observations", PUPIL_READ, query={"include_withdrawn": "true"}),
]


# --------------------------------------------------------------------------------------------
# Completeness
# --------------------------------------------------------------------------------------------

def served_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app serves under /v1. Recent FastAPI keeps included routers as
    lazy ``_IncludedRouter`` entries in ``app.routes``; ``iter_route_contexts`` flattens them
    (older versions already list the included routes themselves)."""
    flatten = getattr(fastapi.routing, "iter_route_contexts", lambda routes: routes)
    served = set()
    for route in flatten(app.routes):
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if path and methods and path.startswith("/v1"):
            served |= {(method, path) for method in methods - {"HEAD", "OPTIONS"}}
    return served


def test_every_route_has_an_authorisation_entry(ingest_config: ServiceConfig) -> None:
    """A new /v1 endpoint must come with an entry in ROUTES (and so an authorisation test), and
    ROUTES must not keep entries for endpoints that are gone."""
    served = served_routes(build_app(ingest_config))
    tested = {(r.method, r.path) for r in ROUTES}
    assert len(tested) == len(ROUTES), "a route is listed twice"
    assert served - tested == set(), "endpoints without an authorisation test"
    assert tested - served == set(), "authorisation tests for endpoints the app no longer serves"
    assert all(set(r.policy) == set(ACTOR_KEYS) for r in ROUTES)


# --------------------------------------------------------------------------------------------
# Authentication
# --------------------------------------------------------------------------------------------

def _forged(s: Scene) -> str:
    """A trust admin token for the right trust, signed with a key the service does not hold."""
    settings = AuthSettings(jwt_secret="an-attackers-own-secret-of-32-bytes!")
    return mint_token(settings, Principal(subject="intruder", role=Role.TRUST_ADMIN, trust_id=s.world.trust_id))


def _tampered(s: Scene) -> str:
    """A genuine teacher token whose claims were edited to trust admin, keeping the old signature."""
    genuine = s.world.token("teacher", 0)
    header, _, signature = genuine.split(".")
    claims = jwt.decode(genuine, options={"verify_signature": False})
    payload = jwt.utils.base64url_encode(json.dumps({**claims, "role": "trust_admin", "school_ids": []}).encode()).decode()
    return f"{header}.{payload}.{signature}"


def _expired(s: Scene) -> str:
    """A correctly signed trust admin token that expired a minute ago."""
    principal = Principal(subject="yesterday", role=Role.TRUST_ADMIN, trust_id=s.world.trust_id)
    return mint_token(AuthSettings(), principal, ttl_seconds=-60)


BAD_TOKENS = {"no token": None, "forged signature": _forged, "tampered claims": _tampered, "expired": _expired}


@pytest.mark.parametrize("route", ROUTES, ids=str)
async def test_missing_or_bad_token_is_401_and_stores_nothing(ingest: httpx.AsyncClient, scene: Scene, database: AsyncDatabase,
                                                              route: Route) -> None:
    """Without a valid signature nobody is anybody: every route answers 401 before looking at
    ids, even to a token claiming to be the trust admin, and nothing is stored."""
    wrong = []
    for bad, make in BAD_TOKENS.items():
        headers = {} if make is None else auth(make(scene))
        before = await stored(database)
        response, _ = await route.send(ingest, scene.target(1), headers)
        if response.status_code != 401 or response.headers.get("WWW-Authenticate") != "Bearer":
            wrong.append(f"{bad}: got {response.status_code} {response.text[:200]}")
        elif await stored(database) != before:
            wrong.append(f"{bad}: refused, but stored data changed")
    assert not wrong, f"{route}\n" + "\n".join(wrong)


# --------------------------------------------------------------------------------------------
# The matrix
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("route", ROUTES, ids=str)
async def test_who_may_do_what(ingest: httpx.AsyncClient, scene: Scene, database: AsyncDatabase, route: Route) -> None:
    """Every caller in ACTORS gets exactly the status its policy gives for this route; a
    successful answer names no id the caller may not see; a refusal leaves every collection (the
    outbox included) as it was, while an allowed write does change it.

    The callers take turns on one scene (a fresh scene per caller would make this file slow).
    That is sound because each caller allowed to write aims at a different pupil or school from
    the other writers, and a refusal is checked against the data just before it. Every mismatch
    is reported, not only the first.
    """
    wrong = []
    for actor in ACTORS:
        before = await stored(database)
        response, sent = await route.send(ingest, actor.target(scene), auth(actor.token(scene)))
        got, expected = route.status(response), route.expected(actor)
        if got != expected:
            wrong.append(f"{actor}: expected {expected}, got {got}: {response.text[:300]}")
            continue
        if response.is_success:
            leaked = {i for i in actor.hidden(scene) if i in response.text and i not in sent}
            if leaked:
                wrong.append(f"{actor}: was shown ids outside their scope: {sorted(leaked)}")
        changed = await stored(database) != before
        if got >= 400 and changed:
            wrong.append(f"{actor}: refused with {got}, but stored data changed")
        if got < 400 and route.method != "GET" and not changed:
            wrong.append(f"{actor}: allowed with {got}, but nothing was stored (is the snapshot blind?)")
    assert not wrong, f"{route}\n" + "\n".join(wrong)


# --------------------------------------------------------------------------------------------
# What the lists show
# --------------------------------------------------------------------------------------------

async def _ids(client: httpx.AsyncClient, url: str, tok: str, key: str) -> list[str]:
    response = await client.get(url, headers=auth(tok))
    assert response.status_code == 200, response.text
    return sorted(item[key] for item in response.json())


async def test_parent_sees_only_their_child(ingest: httpx.AsyncClient, scene: Scene) -> None:
    """A parent's view of a school's roll is their child alone; they see no school as staff do,
    and their child's outcomes and observations are there for them to read."""
    world, child = scene.world, scene.pupil(0, 0)
    parent = _parent_of_a0(scene)
    assert await _ids(ingest, f"/v1/schools/{world.schools[0]}/pupils", parent, "pupil_id") == [child]
    assert await _ids(ingest, f"/v1/schools/{world.schools[1]}/pupils", parent, "pupil_id") == []
    assert await _ids(ingest, "/v1/schools", parent, "school_id") == []
    assert await _ids(ingest, f"/v1/pupils/{child}/outcomes", parent, "outcome_id") == [scene.outcomes[child]]
    observations = (await ingest.get(f"/v1/pupils/{child}/observations", headers=auth(parent))).json()
    assert [o["observation"]["observation_id"] for o in observations] == [scene.observations[child]]


async def test_staff_see_only_their_school_and_trust_roles_see_all(ingest: httpx.AsyncClient, scene: Scene) -> None:
    """School staff list only their own school, and another school's roll is refused; the
    central moderator and trust admin see every school and pupil."""
    world = scene.world
    school_a, school_b = world.schools
    teacher = world.token("teacher", 0)
    assert await _ids(ingest, "/v1/schools", teacher, "school_id") == [school_a]
    assert (await ingest.get(f"/v1/schools/{school_b}/pupils", headers=auth(teacher))).status_code == 403
    assert await _ids(ingest, f"/v1/schools/{school_a}/pupils", teacher, "pupil_id") == sorted(world.pupils[school_a])
    for role in ("central_moderator", "trust_admin"):
        everyone = world.token(role, school=None)
        assert await _ids(ingest, "/v1/schools", everyone, "school_id") == sorted(world.schools)
        assert await _ids(ingest, f"/v1/schools/{school_b}/pupils", everyone, "pupil_id") == sorted(world.pupils[school_b])


# --------------------------------------------------------------------------------------------
# Reaching another school through ids inside a request about one's own
# --------------------------------------------------------------------------------------------

def _cross_school_references(s: Scene) -> list[tuple[str, str, Any, int]]:
    a, b = s.target(0), s.target(1)
    return [
        ("POST", "/v1/pupils", {"school_id": a.school, "class_id": b.class_, "first_name": "New", "last_name": "Pupil",
                                "date_of_birth": "2016-06-06", "key_stage": "KS2", "on_engagement_model": True}, 422),
        ("PATCH", f"/v1/pupils/{a.pupil}", {"class_id": b.class_}, 422),
        ("POST", f"/v1/pupils/{a.pupil}/outcomes", {"area_of_need": "cognition_and_learning", "term": "short",
                                                    "description": "x", "parent_outcome_id": b.outcome}, 422),
        ("PATCH", f"/v1/pupils/{a.pupil}/outcomes/{b.outcome}", {"achieved": True}, 404),
        ("POST", "/v1/observations", observation(a.pupil, ehc_outcome_ids=[b.outcome]), 422),
        ("PATCH", f"/v1/observations/{a.observation}", {"changes": {"pupil_id": b.pupil}, "reason": "move it"}, 422),
    ]


@pytest.mark.parametrize("case", range(6), ids=["class", "pupil-class", "parent-outcome", "outcome-path", "observation-outcome",
                                                 "observation-pupil"])
async def test_own_school_writes_cannot_point_at_another_school(ingest: httpx.AsyncClient, scene: Scene, database: AsyncDatabase,
                                                                case: int) -> None:
    """A SENCO of school A, writing to school A's records, cannot attach them to school B's class,
    outcome or pupil; the request is refused and nothing changes."""
    method, url, body, expected = _cross_school_references(scene)[case]
    before = await stored(database)
    response = await ingest.request(method, url, json=body, headers=auth(scene.world.token("senco", 0)))
    assert response.status_code == expected, response.text
    assert await stored(database) == before


# --------------------------------------------------------------------------------------------
# Re-using another school's observation id
# --------------------------------------------------------------------------------------------

async def test_reusing_another_schools_observation_id_reveals_nothing(ingest: httpx.AsyncClient, scene: Scene,
                                                                      database: AsyncDatabase) -> None:
    """Posting an observation of one's own pupil under the id of school B's observation must not
    return school B's observation as a 'replay', nor report success."""
    b_observation = scene.observations[scene.pupil(1, 0)]
    teacher = auth(scene.world.token("teacher", 0))
    before = await stored(database)
    body = observation(scene.pupil(0, 0), observation_id=b_observation)
    response = await ingest.post("/v1/observations", json=body, headers=teacher)
    assert scene.pupil(1, 0) not in response.text, "school B's observation was returned to a teacher of school A"
    assert response.status_code == 409, response.text
    batch = (await ingest.post("/v1/observations/batch", json={"observations": [body]}, headers=teacher)).json()
    assert batch["results"][0]["status"] == "rejected", "the batch reported an observation as stored that was not"
    assert await stored(database) == before
