"""The shape of a narrative report, shared by drafting, staff editing, language checks and rendering.

A report is sections of paragraphs; each paragraph carries the observations (and their evidence)
it rests on, so an EHC review can cite them and staff can check a sentence against what was seen.
Charts carry words (the trust's descriptors and support levels), never scores.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from engagement_shared.events.vocabulary import Area, AreaOfNeed


class ReportKind(StrEnum):
    """The reports schools write from engagement model evidence."""

    PARENT = "parent_end_of_year"       # to parents/carers: positive, plain, what helps, what next
    EHC_REVIEW = "ehc_review"           # the annual EHC plan review contribution, by outcome
    GOVERNORS = "governors_summary"     # a school's or the trust's aggregate; never per pupil


class Citation(BaseModel):
    """An observation a statement rests on, and the evidence attached to it."""

    model_config = ConfigDict(extra="forbid")

    observation_id: str = Field(max_length=64)
    observed_at: datetime | None = None
    evidence_ids: list[str] = Field(default_factory=list, max_length=50)


class Paragraph(BaseModel):
    """A paragraph of the report; ``quote`` is wording taken from the EHC plan, shown as a quotation
    and left out of the language checks (it is the plan's words, not ours)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000)
    quote: str | None = Field(default=None, max_length=2000)
    citations: list[Citation] = Field(default_factory=list, max_length=200)


class Section(BaseModel):
    """A heading and its paragraphs; an EHC review has one per outcome, a parent report one per area."""

    model_config = ConfigDict(extra="forbid")

    heading: str = Field(min_length=1, max_length=200)
    paragraphs: list[Paragraph] = Field(default_factory=list, max_length=50)
    area: Area | None = None
    outcome_id: str | None = Field(default=None, max_length=64)
    area_of_need: AreaOfNeed | None = None


class ChartPoint(BaseModel):
    """One judgement on a per-area chart: when, how established, with what support, in how many
    different circumstances the area had been seen so far."""

    model_config = ConfigDict(extra="forbid")

    observed_at: datetime
    established: str
    support_level: str | None = None
    contexts_so_far: int = Field(ge=0)


class AreaChart(BaseModel):
    """The data behind one area's picture; the axes are the trust's own words, least to most."""

    model_config = ConfigDict(extra="forbid")

    area: Area
    title: str
    descriptor_scale: list[str]
    prompt_hierarchy: list[str]
    points: list[ChartPoint] = Field(default_factory=list)


class ReportContent(BaseModel):
    """Everything a report says; what staff edit and what is rendered to HTML and PDF."""

    model_config = ConfigDict(extra="forbid")

    kind: ReportKind
    title: str = Field(min_length=1, max_length=200)
    subtitle: str | None = Field(default=None, max_length=300)
    sections: list[Section] = Field(min_length=1, max_length=60)
    charts: list[AreaChart] = Field(default_factory=list, max_length=5)
    evidence_ids: list[str] = Field(default_factory=list, max_length=50,
                                    description="Evidence the report may show as pictures (only what the family agreed to share is shown).")

    def texts(self) -> list[str]:
        """Every piece of our own wording, for the language checks (EHC plan quotations excluded)."""
        out = [self.title, *([self.subtitle] if self.subtitle else [])]
        for section in self.sections:
            out.append(section.heading)
            out.extend(p.text for p in section.paragraphs)
        return out


class LanguageFinding(BaseModel):
    """One problem the language checks found, precise enough for staff to fix it. Immutable: the
    checks hand the same finding to every report whose wording repeats the same text."""

    model_config = ConfigDict(frozen=True)

    rule: str = Field(description="numbers | ranking | jargon | readability")
    excerpt: str = Field(description="The words that broke the rule (or the passage, for readability).")
    message: str
