"""The maintained word list of jargon and acronyms that reports must explain or avoid.

Parent reports must be jargon-free (DfE guidance: a qualitative, positive, plain narrative), so
every term here is something a parent or carer would not be expected to know. Each term carries
the plain-English wording staff can use instead, which is also what the language checks accept as
its explanation.

Who must be given an explanation depends on the report:

* **Acronyms** (``EHCP``, ``SLD``, ``SENCO`` ...) must be spelt out at least once in *every* kind
  of report. Parents read parent reports, governors are lay volunteers, and even an EHC review is
  read by the family and by local authority officers from other disciplines, so no reader is
  assumed to know an acronym.
* **Professional phrases** (``lateral progress``, ``objects of reference``, ``proprioceptive``
  ...) must be explained in parent reports and governors' summaries (lay readers), but may be used
  as they are in an EHC review contribution, whose readers work with these terms every day.

A term counts as explained when, anywhere in the same report, either its explanation appears
(case-insensitive, punctuation ignored, e.g. "Education, Health and Care plan (EHC plan)"), or
the term is immediately followed by an explanation of at least two words in brackets, e.g.
"Makaton (signs and symbols used alongside speech)".

To add a term, add one line to :data:`JARGON`; the tests check every entry can be found and
explained.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from narrative_builder.core.report_model import ReportKind

ALL_KINDS: frozenset[ReportKind] = frozenset(ReportKind)
LAY_KINDS: frozenset[ReportKind] = frozenset({ReportKind.PARENT, ReportKind.GOVERNORS})


def _normalise(text: str) -> str:
    """Lower case, curly quotes straightened, every run of other punctuation and spaces made one
    space, so "Education, Health and Care" matches "education health and care"."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return " " + re.sub(r"[^a-z0-9']+", " ", text).strip() + " "


def _spelling_pattern(spelling: str) -> str:
    """A regex for one spelling: acronyms (two capitals in a row) match case-sensitively, so "SALT"
    is jargon but "salt dough" is not; other spellings match in any case. Spaces and hyphens are
    interchangeable ("pre-key stage" / "pre key stage")."""
    parts = [re.escape(p) for p in re.split(r"[\s\-]+", spelling.strip())]
    body = r"[\s\-]+".join(parts)
    return body if re.search(r"[A-Z]{2}", spelling) else f"(?i:{body})"


@dataclass(frozen=True)
class JargonTerm:
    """One term a reader may not know, the plain words to use instead, and who needs them.

    ``spellings`` are every way the term is written (the first is the usual one); ``explanation``
    is the plain-English wording suggested to staff; ``also_accepted`` are other wordings that
    explain it just as well (e.g. "occupational therapy" for "OT"); ``explain_for`` is the report
    kinds whose readers need it explained (see the module docstring); ``acronym`` says whether the
    advice is "spell it out" or "say it in everyday words".
    """

    spellings: tuple[str, ...]
    explanation: str
    explain_for: frozenset[ReportKind] = ALL_KINDS
    also_accepted: tuple[str, ...] = ()
    acronym: bool = False
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        longest_first = sorted(self.spellings, key=len, reverse=True)
        alternatives = "|".join(_spelling_pattern(s) for s in longest_first)
        # plural and possessive endings are part of the term: EHCPs, the SENCO's
        regex = rf"(?<!\w)(?:{alternatives})(?:s|es|['\u2019]s)?(?!\w)"
        object.__setattr__(self, "pattern", re.compile(regex))

    @property
    def term(self) -> str:
        """The usual spelling, used to name the term in findings and the glossary."""
        return self.spellings[0]

    def needs_explaining(self, kind: ReportKind) -> bool:
        """Whether readers of this kind of report need the term explained."""
        return kind in self.explain_for

    def find(self, text: str) -> Iterator[re.Match[str]]:
        """Every use of the term in ``text``, in order."""
        return self.pattern.finditer(text)

    def is_explained(self, report_text: str) -> bool:
        """Whether the report explains the term somewhere: its explanation (or an accepted
        alternative) appears, or one use of the term is followed by two or more words in brackets."""
        normalised = _normalise(report_text)
        for wording in (self.explanation, *self.also_accepted):
            # match from the start of a word, so "occupational therap" covers therapist and therapy
            if _normalise(wording).rstrip() in normalised:
                return True
        for match in self.find(report_text):
            bracket = re.match(r"\s*\(([^()]*)\)", report_text[match.end():])
            if bracket and len(re.findall(r"[A-Za-z]+", bracket.group(1))) >= 2:
                return True
        return False


def _acronym(*spellings: str, means: str, also: tuple[str, ...] = ()) -> JargonTerm:
    """An acronym: spelt out at least once in every kind of report."""
    return JargonTerm(spellings, means, ALL_KINDS, also, acronym=True)


def _phrase(*spellings: str, means: str, also: tuple[str, ...] = ()) -> JargonTerm:
    """A professional phrase: explained for parents and governors, usable as is in an EHC review."""
    return JargonTerm(spellings, means, LAY_KINDS, also, acronym=False)


JARGON: tuple[JargonTerm, ...] = (
    # plans, needs and people
    _acronym("EHCP", "EHC plan", "EHC", means="Education, Health and Care plan",
             also=("Education, Health and Care",)),
    _acronym("SEN", means="special educational needs"),
    _acronym("SEND", means="special educational needs and disabilities",
             also=("special educational needs and disability",)),
    _acronym("SENCO", "SENCo", "Senco", "SENDCO", "SENDCo",
             means="the teacher who leads support for pupils with special educational needs",
             also=("special educational needs co-ordinator", "special educational needs coordinator",
                   "special educational needs and disabilities co-ordinator",
                   "special educational needs and disabilities coordinator")),
    _acronym("SLD", means="severe learning difficulties"),
    _acronym("PMLD", means="profound and multiple learning difficulties"),
    _acronym("MLD", means="moderate learning difficulties"),
    _acronym("SpLD", means="specific learning difficulties"),
    _acronym("SEMH", means="social, emotional and mental health"),
    _acronym("ASD", means="autism spectrum disorder", also=("autistic spectrum disorder",)),
    _acronym("ASC", means="autism spectrum condition", also=("autistic spectrum condition",)),
    _acronym("MSI", means="multi-sensory impairment"),
    _acronym("CVI", means="cerebral visual impairment"),
    _acronym("VI", means="visual impairment"),
    _acronym("HI", means="hearing impairment"),
    _acronym("LA", means="local authority"),
    _acronym("OT", means="occupational therapist", also=("occupational therapy",)),
    _acronym("SALT", "SaLT", means="speech and language therapist", also=("speech and language therapy",)),
    _acronym("SLT", means="speech and language therapist",
             also=("speech and language therapy", "senior leadership team")),
    _acronym("EP", means="educational psychologist"),
    _acronym("CAMHS", means="child and adolescent mental health services"),
    _acronym("TA", means="teaching assistant"),
    _acronym("HLTA", means="higher level teaching assistant"),
    _acronym("IEP", means="individual education plan"),
    _acronym("PECS", means="Picture Exchange Communication System",
             also=("picture exchange", "swapping pictures to ask for things")),
    _acronym("AAC", means="augmentative and alternative communication",
             also=("communication aids", "ways of communicating other than speech")),
    _acronym("VOCA", means="voice output communication aid", also=("talking communication aid",)),
    _acronym("BSL", means="British Sign Language"),
    _acronym("TEACCH", means="a structured way of teaching using clear routines, visual timetables and work areas"),
    _acronym("SCERTS", means="a way of supporting social communication and emotional regulation"),
    _acronym("MAPP", means="Mapping and Assessing Personal Progress"),
    _acronym("PSHE", means="personal, social, health and economic education"),
    _acronym("EYFS", means="Early Years Foundation Stage"),
    *(_acronym(f"KS{n}", means=f"key stage {n}") for n in range(1, 6)),
    _acronym("DfE", means="Department for Education"),
    _acronym("STA", means="Standards and Testing Agency"),
    _acronym("MAT", means="multi-academy trust", also=("trust",)),
    _acronym("CPD", means="training for staff", also=("continuing professional development",
                                                        "professional development")),
    # assessment and progress
    _phrase("engagement model", means="the way schools assess pupils who are not yet learning subject by subject",
            also=("not yet learning subject by subject",)),
    _phrase("lateral progress", means="progress that shows as doing something more independently, more often "
                                      "or in more places, rather than learning something new"),
    _phrase("linear progress", means="progress that shows as learning something new"),
    _phrase("generalisation", "generalization", "generalise", "generalised", "generalising", "generalize",
            "generalized", "generalizing",
            means="doing it in different places, at different times and with different people"),
    _phrase("consolidation", "consolidating", "consolidated", "consolidate",
            means="practising a skill until it is steady"),
    _phrase("P scales", "P levels", means="the old way schools recorded progress below the national curriculum"),
    _phrase("pre-key stage standards", means="the standards for pupils just below the national curriculum "
                                             "who are learning subject by subject"),
    _phrase("subject-specific study", means="learning organised by school subjects, such as English and maths"),
    _phrase("areas of need", means="the four areas an Education, Health and Care plan is organised by"),
    _phrase("differentiation", "differentiated", means="adapted to suit the pupil"),
    _phrase("scaffolding", "scaffolded", means="support that is reduced bit by bit as the pupil learns"),
    _phrase("prompt hierarchy", means="the steps from full help to doing it alone"),
    # approaches and resources
    _phrase("intensive interaction", means="an approach where an adult follows the child's lead, copying their "
                                           "sounds and movements to build communication"),
    _phrase("objects of reference", "object of reference",
            means="objects that stand for an activity, such as a cup for drink time"),
    _phrase("Makaton", means="signs and symbols used alongside speech"),
    _phrase("attention autism", means="an approach that builds attention with exciting things to look at"),
    _phrase("Routes for Learning", means="a way of assessing early communication and thinking skills"),
    _phrase("sensory diet", means="a plan of movement and sensory activities through the day"),
    # bodies and senses
    _phrase("proprioception", "proprioceptive", means="the sense of where the body is and how it moves"),
    _phrase("vestibular", means="the sense of balance and movement"),
    _phrase("tactile defensiveness", "tactile defensive", "tactilely defensive",
            means="finding some kinds of touch uncomfortable"),
    _phrase("sensory integration", means="how the brain makes sense of information from the senses"),
    _phrase("fine motor", means="small movements of the hands and fingers"),
    _phrase("gross motor", means="large movements such as rolling, crawling, walking or reaching"),
    _phrase("stereotyped movement", "stereotyped movements", "stereotypy", "stereotypies",
            means="movements a child repeats, such as rocking"),
    _phrase("self-stimulatory", means="repeated movements or sounds that help a child feel settled"),
    _phrase("dysregulation", "dysregulated", means="feeling overwhelmed and finding it hard to calm"),
)
"""Every term the checks look for, in the order they are reported."""

GLOSSARY: Mapping[str, str] = MappingProxyType({s: t.explanation for t in JARGON for s in t.spellings})
"""Every spelling of every term mapped to its plain-English explanation, for editors and help text."""


def terms_for(kind: ReportKind) -> tuple[JargonTerm, ...]:
    """The terms readers of this kind of report need explained."""
    return tuple(t for t in JARGON if t.needs_explaining(kind))
