"""Roll import from an MIS export and the statutory KS2 return."""

from __future__ import annotations

import csv
import io

import httpx

from tests.support.world import World, auth

MIS_EXPORT = """Surname,Forename,DOB,UPN,Adno,Year,Reg Group,Engagement Model,Regressive Condition
Testwell,Amari,03/09/2016,A123456789012,1001,4,Birch,Y,N
Sample,Bo,2015-11-20,,1002,5,Birch,Y,Y
Example,Cai,31/02/2016,,1003,5,Birch,Y,N
Demo,Dara,2016-01-01,B12,1004,5,Birch,Y,N
Placeholder,Eli,2013-04-04,,1005,9,Rowan,N,N
=cmd,Fin,2016-02-02,,1006,6,Birch,Y,N
"""


async def test_import_reports_rows_by_line_and_is_repeatable(ingest: httpx.AsyncClient, world: World) -> None:
    """Good rows are imported, bad ones reported by line and field; the same file twice changes nothing."""
    school = world.schools[0]
    senco = auth(world.token("senco"))
    response = await ingest.post(f"/v1/schools/{school}/pupils/import", content=MIS_EXPORT, headers={**senco, "Content-Type": "text/csv"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["registered"], report["rejected"]) == (4, 2)
    rejected = {r["line"]: r["errors"][0]["field"] for r in report["rows"] if r["status"] == "rejected"}
    assert rejected == {4: "date_of_birth", 5: "upn"}
    again = (await ingest.post(f"/v1/schools/{school}/pupils/import", content=MIS_EXPORT, headers={**senco, "Content-Type": "text/csv"})).json()
    assert (again["registered"], again["unchanged"], again["rejected"]) == (0, 4, 2)
    classes = {c["name"] for c in (await ingest.get(f"/v1/schools/{school}/classes", headers=senco)).json()}
    assert {"Birch", "Rowan"} <= classes


async def test_import_refuses_a_file_without_required_columns(ingest: httpx.AsyncClient, world: World) -> None:
    """A file that is not a roll export gets a 422 naming the missing columns."""
    response = await ingest.post(f"/v1/schools/{world.schools[0]}/pupils/import", content="name,age\nx,1\n",
                                 headers={**auth(world.token("senco")), "Content-Type": "text/csv"})
    assert response.status_code == 422
    assert "date_of_birth" in response.json()["detail"][0]["message"]


async def test_teacher_cannot_import(ingest: httpx.AsyncClient, world: World) -> None:
    """Only the SENCO or trust admin changes the roll."""
    response = await ingest.post(f"/v1/schools/{world.schools[0]}/pupils/import", content=MIS_EXPORT,
                                 headers={**auth(world.token("teacher")), "Content-Type": "text/csv"})
    assert response.status_code == 403


async def test_ks2_statutory_return(ingest: httpx.AsyncClient, world: World) -> None:
    """Only KS2 pupils on roll and on the engagement model are listed; formulas are neutralised."""
    school = world.schools[0]
    senco = auth(world.token("senco"))
    await ingest.post(f"/v1/schools/{school}/pupils/import", content=MIS_EXPORT, headers={**senco, "Content-Type": "text/csv"})
    leaver = world.pupils[school][0]
    await ingest.post(f"/v1/pupils/{leaver}/leave", json={"left_on": "2025-07-20"}, headers=senco)
    response = await ingest.get(f"/v1/schools/{school}/exports/ks2-engagement-model.csv", headers=senco)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    surnames = [r["surname"] for r in rows]
    assert "Placeholder" not in surnames            # year 9, not on the model
    assert "'=cmd" in surnames                      # neutralised formula
    assert "Test0" in surnames and len([s for s in surnames if s == "Test0"]) == 2   # the leaver is gone
    assert all(r["key_stage"] == "KS2" for r in rows)
    teacher = await ingest.get(f"/v1/schools/{school}/exports/ks2-engagement-model.csv", headers=auth(world.token("teacher")))
    assert teacher.status_code == 403
