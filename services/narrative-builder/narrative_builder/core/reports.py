"""Narrative reports: drafted from a pupil's profile, edited by staff, finalised, every version kept.

Staff edit rather than write from scratch; each version records who changed it, when, and what
the language checks found, and a report cannot be finalised while its wording breaks a rule
(numbers about the child, ranking, unexplained jargon, hard reading). Editing a final report
reopens it as a draft with a new version, so what was sent stays in the history.
"""

from __future__ import annotations

from collections.abc import Sequence

from engagement_shared.auth.principal import Principal, Role
from engagement_shared.errors import Conflict, Forbidden, Invalid, NotFound
from engagement_shared.events.envelope import new_id, utcnow
from narrative_builder.core import drafting
from narrative_builder.core.language import check_content
from narrative_builder.core.profile import PupilProfile
from narrative_builder.core.profiles import ProfileService, readable
from narrative_builder.core.report_model import ReportContent, ReportKind
from narrative_builder.core.report_records import (
    PUPIL_REPORTS, DraftRequest, EditRequest, FinaliseRequest, Report, ReportSummary, ReportVersion,
)
from narrative_builder.ports.report_store import PupilsInScope, ReportStore

WRITES_REPORTS = {Role.TEACHER, Role.SENCO, Role.TRUST_ADMIN}
FINALISES_REPORTS = {Role.SENCO, Role.TRUST_ADMIN}


def draft_content(request: DraftRequest, subject: PupilProfile | Sequence[PupilProfile], scope_label: str = "") -> ReportContent:
    """Draft the wording of a report from profiles (a pupil's, or a school's or trust's for governors)."""
    if request.kind is ReportKind.PARENT:
        return drafting.draft_parent_report(subject, period=request.period, child_name=request.child_name)  # type: ignore[arg-type]
    if request.kind is ReportKind.EHC_REVIEW:
        return drafting.draft_ehc_review(subject, period=request.period)  # type: ignore[arg-type]
    return drafting.draft_governors_summary(subject, scope_label=scope_label, period=request.period)  # type: ignore[arg-type]


class ReportService:
    """Drafting, editing, finalising and reading reports, with role and school checks on each."""

    def __init__(self, store: ReportStore, profiles: ProfileService, pupils_in_scope: PupilsInScope) -> None:
        self._store = store
        self._profiles = profiles
        self._scope = pupils_in_scope

    async def draft(self, by: Principal, request: DraftRequest, batch_id: str | None = None, report_id: str | None = None) -> Report:
        """A new draft (version 1). With ``report_id`` (bulk runs) an existing report is returned
        unchanged, so a resumed run never drafts a pupil twice."""
        if by.role not in WRITES_REPORTS:
            raise Forbidden("reports are written by teachers, SENCOs and the trust admin")
        if report_id and (existing := await self._store.get(report_id)) is not None:
            return existing
        school_id, pupil_id = request.school_id, request.pupil_id
        if request.kind in PUPIL_REPORTS:
            profile = await self._profiles.current(pupil_id)  # type: ignore[arg-type]
            readable(by, profile, pupil_id)  # type: ignore[arg-type]
            if by.role == Role.PARENT:
                raise Forbidden("parents read reports; staff write them")
            content = draft_content(request, profile)  # type: ignore[arg-type]
            school_id = profile.school_id  # type: ignore[union-attr]
        else:
            content = draft_content(request, await self._governors_profiles(by, school_id), self._scope_label(school_id))
        now = utcnow()
        report = Report(report_id=report_id or new_id(), kind=request.kind, trust_id=by.trust_id, school_id=school_id,
                        pupil_id=pupil_id, period=request.period, batch_id=batch_id,
                        versions=[ReportVersion(version=1, change="drafted", by=by.subject, by_role=by.role, at=now,
                                                content=content, findings=check_content(content))])
        if not await self._store.insert(report):
            found = await self._store.get(report.report_id)
            if found is None:
                raise Conflict("the report changed at the same moment; please retry")
            return found
        return report

    async def _governors_profiles(self, by: Principal, school_id: str | None) -> list[PupilProfile]:
        if school_id is None and by.role != Role.TRUST_ADMIN:
            raise Forbidden("a trust-wide summary is for the trust admin")
        if school_id is not None and not (by.role in FINALISES_REPORTS and by.in_school(by.trust_id, school_id)):
            raise Forbidden("a school's summary is for its SENCO or the trust admin")
        pupil_ids = await self._scope.pupils(by.trust_id, school_id=school_id)
        return await self._profiles.current_many(pupil_ids)

    @staticmethod
    def _scope_label(school_id: str | None) -> str:
        return "the school" if school_id else "the trust"

    async def get(self, by: Principal, report_id: str) -> Report:
        """A report its reader may see: staff of its school (the trust's central roles for summaries),
        and a parent only the final parent report of their own child."""
        report = await self._store.get(report_id)
        if report is None or report.trust_id != by.trust_id:
            raise NotFound(f"report {report_id} not found")
        if by.role == Role.PARENT:
            if not (report.kind is ReportKind.PARENT and report.status == "final" and report.pupil_id in by.pupil_ids):
                raise NotFound(f"report {report_id} not found")
            return report
        if report.school_id is None:
            if by.role != Role.TRUST_ADMIN:
                raise Forbidden("a trust-wide summary is for the trust admin")
        elif not by.in_school(report.trust_id, report.school_id):
            raise Forbidden("you may not see this school's reports")
        return report

    async def view(self, by: Principal, report_id: str) -> Report:
        """A report for reading: a parent sees the finalised wording only, never drafts or who edited."""
        report = await self.get(by, report_id)
        if by.role == Role.PARENT:
            return report.model_copy(update={"versions": [v for v in report.versions if v.change == "finalised"][-1:]})
        return report

    async def version(self, by: Principal, report_id: str, version: int | None) -> tuple[Report, ReportVersion]:
        """One version of a report (the newest by default; a parent sees only the finalised one)."""
        report = await self.get(by, report_id)
        if by.role == Role.PARENT:
            finals = [v for v in report.versions if v.change == "finalised"]
            return report, finals[-1]
        if version is None:
            return report, report.current
        if not 1 <= version <= len(report.versions):
            raise Invalid(f"this report has versions 1 to {len(report.versions)}", field="version")
        return report, report.versions[version - 1]

    async def edit(self, by: Principal, report_id: str, request: EditRequest) -> Report:
        """Save staff wording as a new version; what the checks find is returned, not refused, so
        work in progress is never lost."""
        report = await self._writable(by, report_id)
        if request.content.kind is not report.kind:
            raise Invalid(f"this is a {report.kind.value} report", field="content.kind")
        version = ReportVersion(version=len(report.versions) + 1, change="edited", by=by.subject, by_role=by.role, at=utcnow(),
                                note=request.note, content=request.content, findings=check_content(request.content))
        return await self._append(report, request.base_version, version, "draft")

    async def finalise(self, by: Principal, report_id: str, request: FinaliseRequest) -> Report:
        """Mark the current wording final, if it passes every language check."""
        report = await self._writable(by, report_id)
        if by.role not in FINALISES_REPORTS:
            raise Forbidden("a SENCO or the trust admin finalises reports")
        if report.status == "final" and request.base_version == len(report.versions):
            return report
        findings = check_content(report.current.content)
        if findings:
            raise Invalid("the wording needs changing before it is final: " + "; ".join(f.message for f in findings[:5]),
                          field="content")
        version = report.current.model_copy(update={"version": len(report.versions) + 1, "change": "finalised", "by": by.subject,
                                                    "by_role": by.role, "at": utcnow(), "note": None, "findings": []})
        return await self._append(report, request.base_version, version, "final")

    async def _writable(self, by: Principal, report_id: str) -> Report:
        report = await self.get(by, report_id)
        if by.role not in WRITES_REPORTS:
            raise Forbidden("reports are written by teachers, SENCOs and the trust admin")
        return report

    async def _append(self, report: Report, base: int, version: ReportVersion, status: str) -> Report:
        if base != len(report.versions):
            raise Conflict(f"the report is at version {len(report.versions)}; reload it and make your change again")
        if not await self._store.append(report.report_id, base, version, status):
            raise Conflict("someone else changed the report at the same moment; reload it and make your change again")
        return report.model_copy(update={"versions": [*report.versions, version], "status": status})

    async def list(self, by: Principal, pupil_id: str | None) -> list[ReportSummary]:
        """Reports the caller may see, newest first (a parent: their children's final parent reports)."""
        if by.role == Role.PARENT:
            found = [r for p in sorted(by.pupil_ids) for r in await self._store.list(by.trust_id, None, p)
                     if r.kind is ReportKind.PARENT and r.status == "final"]
        else:
            schools = None if by.role == Role.TRUST_ADMIN or by.role == Role.CENTRAL_MODERATOR else sorted(by.school_ids)
            found = [r for r in await self._store.list(by.trust_id, schools, pupil_id)
                     if r.school_id is not None or by.role == Role.TRUST_ADMIN]
        return [ReportSummary(report_id=r.report_id, kind=r.kind, school_id=r.school_id, pupil_id=r.pupil_id, period=r.period,
                              status=r.status, version=r.current.version, updated_at=r.current.at) for r in found]
