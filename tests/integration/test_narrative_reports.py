"""Profiles and reports over real sockets: observations and directory events reach the profile,
reports are drafted, edited, checked, finalised and rendered, runs cover a school, and every
route refuses the people it should."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from engagement_shared.auth.principal import Role
from engagement_shared.events.alerts import AlertFacts, ProgressAlertRaised
from engagement_shared.settings import ServiceConfig
from narrative_builder.adapters.outbound.evidence_pictures import EvidenceStorePictures
from narrative_builder.adapters.outbound.report_rendering import ReportLabRenderer
from narrative_builder.core.report_model import Paragraph, ReportContent, Section
from narrative_builder.inject import build_app, services
from tests.support.evidence import evidence_trust
from tests.support.media import jpeg_with_location
from tests.support.pipeline import eventually, running_pipeline
from tests.support.world import World, auth, observation, token

SUPPORT = ["physical_prompt", "modelled", "gestural", "verbal"]
SETTINGS = ["classroom", "sensory_room", "hall", "outdoors"]


@asynccontextmanager
async def narrative(config: ServiceConfig) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = build_app(config)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://nb") as client:
        yield app, client


async def record_year(ingest: httpx.AsyncClient, teacher: str, pupil: str, outcome_id: str) -> None:
    """A year of lateral progress: the same judgement, less support, new places each half-term."""
    start = datetime.now(UTC) - timedelta(days=300)
    batch = []
    for i in range(16):
        half = i // 4
        batch.append(observation(pupil, start + timedelta(days=i * 18),
                                 areas=[{"area": "exploration", "established": "developing"}],
                                 support_level=SUPPORT[half], context={"setting": SETTINGS[half], "adults": ["teaching_assistant"]},
                                 ehc_outcome_ids=[outcome_id], baseline=i < 2))
    response = await ingest.post("/v1/observations/batch", json={"observations": batch}, headers=auth(teacher))
    assert response.status_code in (200, 207), response.text


async def test_profile_reports_and_runs(ingest: httpx.AsyncClient, world: World, ingest_config: ServiceConfig,
                                        narrative_config: ServiceConfig) -> None:
    school = world.schools[0]
    pupil, other_pupil = world.pupils[school][0], world.pupils[school][1]
    admin, senco = world.token("trust_admin", school="all"), world.token("senco")
    teacher = world.token("teacher", subject="staff-1")
    outcome = await ingest.post(f"/v1/pupils/{pupil}/outcomes", headers=auth(admin), json={
        "area_of_need": "cognition_and_learning", "term": "short", "description": "To explore new objects with less help.",
        "target_date": (date.today() + timedelta(days=200)).isoformat()})
    assert outcome.status_code == 201, outcome.text
    outcome_id = outcome.json()["outcome_id"]

    async with narrative(narrative_config) as (app, nb), running_pipeline(ingest_config, narrative_config):
        await record_year(ingest, teacher, pupil, outcome_id)

        async def profiled() -> bool:
            response = await nb.get(f"/v1/pupils/{pupil}/profile", headers=auth(teacher))
            return response.status_code == 200 and response.json()["observations"] == 16 and bool(response.json()["outcomes"])
        await eventually(profiled)
        profile = (await nb.get(f"/v1/pupils/{pupil}/profile", headers=auth(teacher))).json()
        kinds = {f["kind"] for p in profile["areas"]["exploration"]["periods"] for f in p["findings"]}
        assert {"reduced_support", "generalised"} <= kinds
        assert profile["outcomes"][0]["outcome_id"] == outcome_id and profile["outcomes"][0]["status"] == "progressing"

        # Draft, edit with wording that breaks the rules, fail to finalise, fix, finalise.
        drafted = await nb.post("/v1/reports", json={"kind": "parent_end_of_year", "period": "2026 to 2027", "pupil_id": pupil,
                                                     "child_name": "Sam"}, headers=auth(teacher))
        assert drafted.status_code == 201, drafted.text
        report = drafted.json()
        assert report["status"] == "draft" and report["versions"][0]["findings"] == []
        text = " ".join(p["text"] for s in report["versions"][0]["content"]["sections"] for p in s["paragraphs"])
        assert "less help" in text or "new places" in text
        report_id = report["report_id"]
        content = report["versions"][0]["content"]
        bad = {**content, "sections": [{**content["sections"][0], "paragraphs": [{"text": "Sam scored 3 out of 5 and is top of the class. His EHCP says more."}]},
                                       *content["sections"][1:]]}
        edited = await nb.put(f"/v1/reports/{report_id}/content", json={"base_version": 1, "content": bad}, headers=auth(teacher))
        assert edited.status_code == 200, edited.text
        assert {f["rule"] for f in edited.json()["versions"][-1]["findings"]} >= {"numbers", "ranking", "jargon"}
        stale = await nb.put(f"/v1/reports/{report_id}/content", json={"base_version": 1, "content": content}, headers=auth(teacher))
        assert stale.status_code == 409
        refused = await nb.post(f"/v1/reports/{report_id}/finalisation", json={"base_version": 2}, headers=auth(senco))
        assert refused.status_code == 422 and "content" in refused.text
        assert (await nb.post(f"/v1/reports/{report_id}/finalisation", json={"base_version": 2}, headers=auth(teacher))).status_code == 403
        fixed = await nb.put(f"/v1/reports/{report_id}/content", json={"base_version": 2, "content": content, "note": "back to the draft"},
                             headers=auth(teacher))
        assert fixed.status_code == 200
        final = await nb.post(f"/v1/reports/{report_id}/finalisation", json={"base_version": 3}, headers=auth(senco))
        assert final.status_code == 200 and final.json()["status"] == "final"
        assert [v["change"] for v in final.json()["versions"]] == ["drafted", "edited", "edited", "finalised"]

        # Rendering: HTML and a real PDF; earlier versions stay readable.
        page = await nb.get(f"/v1/reports/{report_id}/html", headers=auth(senco))
        assert page.status_code == 200 and "<svg" in page.text and "Sam" in page.text
        pdf = await nb.get(f"/v1/reports/{report_id}/pdf", headers=auth(senco))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-") and pdf.headers["content-type"] == "application/pdf"
        old = await nb.get(f"/v1/reports/{report_id}/html", params={"version": 2}, headers=auth(senco))
        assert old.status_code == 200 and "top of the class" in old.text
        assert (await nb.get(f"/v1/reports/{report_id}/html", params={"version": 9}, headers=auth(senco))).status_code == 422

        # A parent: their own child's final report, final wording only; never another child's.
        parent = world.token("parent", school=None, pupils=(pupil,))
        seen = await nb.get(f"/v1/reports/{report_id}", headers=auth(parent))
        assert seen.status_code == 200 and [v["change"] for v in seen.json()["versions"]] == ["finalised"]
        assert [r["report_id"] for r in (await nb.get("/v1/reports", headers=auth(parent))).json()] == [report_id]
        other_parent = world.token("parent", school=None, pupils=(other_pupil,))
        assert (await nb.get(f"/v1/reports/{report_id}", headers=auth(other_parent))).status_code == 404
        assert (await nb.get(f"/v1/reports/{report_id}/pdf", headers=auth(other_parent))).status_code == 404
        assert (await nb.post("/v1/reports", json={"kind": "parent_end_of_year", "period": "x", "pupil_id": pupil},
                              headers=auth(parent))).status_code == 403

        # An EHC review cites the observations behind each outcome statement.
        ehc = await nb.post("/v1/reports", json={"kind": "ehc_review", "period": "2026 to 2027", "pupil_id": pupil}, headers=auth(senco))
        assert ehc.status_code == 201, ehc.text
        sections = ehc.json()["versions"][0]["content"]["sections"]
        outcome_sections = [s for s in sections if s.get("outcome_id") == outcome_id]
        assert outcome_sections and any(p["citations"] for s in outcome_sections for p in s["paragraphs"])

        # Governors: a school's summary by its SENCO; the trust's by the trust admin only.
        governors = await nb.post("/v1/reports", json={"kind": "governors_summary", "period": "2026 to 2027", "school_id": school},
                                  headers=auth(senco))
        assert governors.status_code == 201, governors.text
        assert pupil not in governors.text
        assert (await nb.post("/v1/reports", json={"kind": "governors_summary", "period": "x"}, headers=auth(senco))).status_code == 403
        assert (await nb.post("/v1/reports", json={"kind": "governors_summary", "period": "x"}, headers=auth(admin))).status_code == 201

        # A run for the school: every pupil on the engagement model gets one draft, even if the worker runs twice.
        run = await nb.post("/v1/report-runs", json={"kind": "parent_end_of_year", "period": "2026 to 2027", "school_id": school},
                            headers=auth(senco))
        assert run.status_code == 202, run.text
        run_id = run.json()["batch_id"]
        assert run.json()["total"] == len(world.pupils[school])
        async with services(narrative_config) as built:
            await built.bulk.finish_all()
            await built.bulk.work()
        progress = (await nb.get(f"/v1/report-runs/{run_id}", headers=auth(senco))).json()
        assert progress["status"] == "complete" and progress["done"] + len(progress["failed"]) == progress["total"]
        listed = (await nb.get("/v1/reports", headers=auth(senco))).json()
        assert len([r for r in listed if r["report_id"].startswith(run_id)]) == progress["done"]
        assert (await nb.post("/v1/report-runs", json={"kind": "parent_end_of_year", "period": "x", "school_id": school},
                              headers=auth(teacher))).status_code == 403
        assert (await nb.get(f"/v1/report-runs/{run_id}", headers=auth(world.token("senco", school=1)))).status_code == 403

        # The trust moves to termly reviews: every profile is told over terms from then on.
        config = (await ingest.get(f"/v1/trusts/{world.trust_id}/config", headers=auth(admin))).json()
        assert config["progress_period"] == "half_term"
        saved = await ingest.put(f"/v1/trusts/{world.trust_id}/config", json={**config, "progress_period": "term"}, headers=auth(admin))
        assert saved.status_code == 200, saved.text

        async def termly() -> bool:
            response = await nb.get(f"/v1/pupils/{pupil}/profile", headers=auth(teacher))
            return response.status_code == 200 and response.json()["progress_period"] == "term"
        await eventually(termly)
        periods = (await nb.get(f"/v1/pupils/{pupil}/profile", headers=auth(teacher))).json()["areas"]["exploration"]["periods"]
        assert periods and all(p["period"]["label"].startswith(("the autumn term", "the spring term", "the summer term")) for p in periods)

    # Bad input names the field.
    async with narrative(narrative_config) as (_, nb):
        missing = await nb.post("/v1/reports", json={"kind": "parent_end_of_year", "period": "x"}, headers=auth(teacher))
        assert missing.status_code == 422 and "pupil_id" in missing.text
        unknown = await nb.post("/v1/reports", json={"kind": "parent_end_of_year", "period": "x", "pupil_id": "nobody"}, headers=auth(teacher))
        assert unknown.status_code == 404
        other_school = await nb.get(f"/v1/reports/{report_id}", headers=auth(world.token("teacher", school=1)))
        assert other_school.status_code == 403
        other_trust = await nb.get(f"/v1/reports/{report_id}", headers=auth(token("trust_admin", "another-trust")))
        assert other_trust.status_code == 404


async def test_alerts_reach_the_senco_of_the_school_only(world: World, narrative_config: ServiceConfig) -> None:
    school = world.schools[0]
    pupil = world.pupils[school][0]
    event = ProgressAlertRaised(occurred_at=datetime.now(UTC), trust_id=world.trust_id, school_id=school, producer="narrative-builder",
                                payload=AlertFacts(alert_id=f"not_observed:{pupil}:", kind="not_observed", pupil_id=pupil, threshold_days=14))
    async with services(narrative_config) as built:
        await built.projector.handle([event, event])
    async with narrative(narrative_config) as (_, nb):
        alerts: list[dict[str, Any]] = (await nb.get("/v1/alerts", headers=auth(world.token("senco")))).json()
        assert [a["pupil_id"] for a in alerts] == [pupil]
        assert (await nb.get("/v1/alerts", headers=auth(world.token("senco", school=1)))).json() == []
        assert len((await nb.get("/v1/alerts", headers=auth(world.token("trust_admin", school="all")))).json()) == 1
        assert (await nb.get("/v1/alerts", headers=auth(world.token("teacher")))).status_code == 403


async def test_report_pictures_are_only_evidence_the_family_agreed_to_share(ingest: httpx.AsyncClient, ingest_config: ServiceConfig,
                                                                             evidence_config: ServiceConfig) -> None:
    """Thumbnails come from evidence-store as the person asking: consent checked there, every link logged."""
    async with evidence_trust(ingest, ingest_config, evidence_config) as trust:
        pupil = trust.pupil()
        await trust.consent(pupil, ["internal_assessment"])
        uploaded = await trust.upload(trust.tok(Role.TEACHER), pupil, jpeg_with_location(), "image/jpeg")
        assert uploaded.status_code == 201, uploaded.text
        evidence_id = uploaded.json()["evidence"]["evidence_id"]
        pictures = EvidenceStorePictures("http://evidence", transport=httpx.ASGITransport(app=trust.api._transport.app))  # type: ignore[attr-defined]
        senco = trust.world.token("senco")
        assert await pictures.thumbnails(senco, pupil, [evidence_id]) == {}, "no consent to share with parents yet"
        await trust.consent(pupil, ["share_with_parents"])
        found = await pictures.thumbnails(senco, pupil, [evidence_id, "not-this-pupils"])
        assert list(found) == [evidence_id] and found[evidence_id][:2] == b"\xff\xd8"
        content = ReportContent(kind="parent_end_of_year", title="Sam's year", evidence_ids=[evidence_id],
                                sections=[Section(heading="Exploration", paragraphs=[Paragraph(text="Sam loved the bubble tube.")])])
        pdf = ReportLabRenderer(compress=False).pdf(content, found)
        assert b"/Subtype /Image" in pdf
        logged = (await trust.api.get("/v1/access-log", params={"pupil_id": pupil}, headers=trust.tok(Role.SENCO))).json()
        assert any(entry.get("evidence_id") == evidence_id for entry in logged)
        await trust.consent(pupil, ["share_with_parents"], granted=False)
        assert await pictures.thumbnails(senco, pupil, [evidence_id]) == {}
        assert await EvidenceStorePictures("http://127.0.0.1:9").thumbnails(senco, pupil, [evidence_id]) == {}, "unreachable: no pictures, no failure"
