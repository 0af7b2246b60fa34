"""``python -m bench.narrative``: narrative-builder's heavy jobs (progress profiles, narrative reports
and the projection that feeds them), each against the time to merely read or move the same
documents on the same servers in the same run.

- *one pupil's reports*: a pupil with a school year of observations (1,000 by default, September
  to July, every area, support falling and settings widening as the year goes on, a fortnight
  unwell, three EHC outcomes). Ours = what a teacher waits for: drafting the parent report (or
  the EHC review) through the report service and rendering it as a PDF, as the HTTP route does
  (report read back, pictures, reportlab off the event loop); and, separately, rebuilding the
  pupil's profile from the stored observations once an event has made it stale. Raw = reading the
  same pupil's documents (projected observations, pupil record, profile) with plain pymongo
  ``find`` calls, materialised as lists.
- *a school's reports at once*: 500 pupils with 40 to 60 observations each. Ours = a SENCO's
  report run for the school (``bulk.start``, then the worker's ``finish_all``: 500 parent
  reports drafted and stored), and, as a second figure, that plus each report rendered as a PDF.
  Raw = reading every one of those pupils' documents (profiles, observations, pupil records) with
  plain ``find`` calls.
- *projection throughput*: 20,000 ``observation.recorded`` events for 100 pupils on a fresh
  6-partition topic. Ours = the real ``consume`` worker (``narrative_builder.inject.consumer``: the
  event subscriber feeding the projector, and the profile refresher) until every observation is
  projected and no profile is stale. Raw = an aiokafka consumer group on the same topic with
  manual commits, decoding each event and writing it to a collection with one ``insert_many`` per
  fetch: one durable write per event, which is the least a projection must do. Both are timed from
  their first fetch, since joining a fresh consumer group is a fixed wait of the broker's, not
  throughput. A diagnostic run (``--no-diagnostic`` skips it) projects the same events with the
  subscriber and projector alone, without the profile refresher, to show what the refresher costs.

Data is loaded through the projector itself (``projector.handle`` in batches, then
``profiles.refresh_all``), so the benchmark reads exactly what production stores; for the 500
pupils the profiles are built in this process by the refresher's own functions instead, which
stores the same documents in seconds rather than minutes (see :func:`load_large`). Everything runs
in this process against local Kafka- (Tansu) and MongoDB-protocol (SecantusDB) servers it starts
and stops itself; ours and raw run back to back in each repetition, alternating which goes first.
Evidence-store is not started: reports get their pictures from an in-memory stand-in that
returns a small JPEG per cited evidence item, so PDFs still carry (re-encoded) pictures.
Results go to ``bench/narrative-results.{md,json}``; ``--update-readme`` quotes them.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer
from PIL import Image
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from bench.harness import projected_count, read_memory
from bench.report import Comparison, log, update_readme, write
from engagement_shared.auth.principal import Principal, Role
from engagement_shared.events.directory import EhcOutcomeSet, OutcomeFacts, PupilFacts, PupilRegistered
from engagement_shared.events.envelope import Event
from engagement_shared.events.observations import ObservationRecorded, ObservationRecordedPayload, RecordedObservation
from engagement_shared.events.registry import serialize_event
from engagement_shared.events.vocabulary import DEFAULT_DESCRIPTOR_SCALE, Area, Quality
from engagement_shared.infra.local import LocalInfrastructure, stop_pid
from engagement_shared.kafka.publisher import KafkaPublisher, OutgoingMessage
from engagement_shared.kafka.subscriber import EventSubscriber
from engagement_shared.kafka.topics import TopicAdmin
from engagement_shared.runtime import PeriodicWorker
from engagement_shared.settings import KafkaSettings, MongoSettings, ServiceConfig
from narrative_builder.adapters.outbound.mongo_projection import OBSERVATIONS, PROFILES, PUPILS, STALE
from narrative_builder.adapters.outbound.report_rendering import ReportLabRenderer
from narrative_builder.config import TOPICS
from narrative_builder.core.bulk import BatchRequest, report_id_for
from narrative_builder.core.directory_facts import apply_directory, directory_pupil
from narrative_builder.core.profile import PupilProfile
from narrative_builder.core.profiles import profile_from
from narrative_builder.core.progress import projected
from narrative_builder.core.records import DEFAULT_PROMPT_HIERARCHY, ProfileInputs, ProjectedObservation, PupilRecord
from narrative_builder.core.report_documents import ReportDocuments
from narrative_builder.core.report_model import ReportKind
from narrative_builder.core.report_records import DraftRequest
from narrative_builder.inject import ProjectionWorker, Services, consumer, ensure_indexes, services, wire

TRUST = "bench-trust"
ONE_SCHOOL, BULK_SCHOOL, STREAM_SCHOOL = "bench-school-one", "bench-school-bulk", "bench-school-stream"
ONE_MEMORY = "one pupil's reports, PDFs and profile"
LOAD_BATCH = 500  # events per projector transaction while loading (the subscriber's largest fetch)
POLL = 0.05
AREAS = list(Area)
SCALE = list(DEFAULT_DESCRIPTOR_SCALE)
SUPPORT = list(DEFAULT_PROMPT_HIERARCHY)
SETTINGS = ["classroom", "sensory_room", "hall", "dining_room", "outdoors", "hydrotherapy_pool", "soft_play", "community", "home"]
TIMES = ["early_morning", "morning", "midday", "afternoon"]
SENSES = ["visual", "auditory", "tactile", "olfactory", "vestibular", "proprioceptive"]
ADULTS = ["class-teacher", "ta-1", "ta-2", "speech-therapist", "physiotherapist", "parent"]
ACTIVITIES = ["bubble tube", "hello song", "sensory story", "peek-a-boo", "cause-and-effect toy", "water play", "light box",
              "massage", "music session", "shared book", "rebound therapy", "cooking"]
PROVISION = ["objects of reference", "intensive interaction", "switch access", "visual timetable", "sensory diet"]
NEEDS = ["cognition_and_learning", "communication_and_interaction", "sensory_and_physical"]
OUTCOMES = ["To explore new objects with less adult help.", "To anticipate the start of familiar songs and routines.",
            "To start an interaction by reaching towards an adult."]
FOOTNOTE = ("Ours and raw back to back in each repetition, alternating which goes first, all in the benchmark process on the "
            "same local MongoDB- and Kafka-protocol servers; {repeats}. One pupil: ours = `reports.draft` of the parent report (or "
            "the EHC review) and its PDF rendered through `ReportDocuments` (report read back, pictures from an in-memory stand-in "
            "for evidence-store, reportlab); the profile row = rebuilding the stale profile from stored observations "
            "(`profiles.refresh_all`). Bulk: ours = `bulk.start` for the school then `bulk.finish_all`, and the same plus a PDF "
            "of every report. Raw for both = plain `find` of the same pupils' observations, pupil records and profiles, "
            "materialised as lists. Projection: ours = the `consume` worker (subscriber, projector and profile refresher) "
            "until every observation is projected and no profile is stale; raw = an aiokafka consumer group on the same topic "
            "(manual commits) decoding each event and writing it with one `insert_many` per fetch; both timed from their first "
            "fetch (joining a fresh consumer group takes about 3 s on the local broker on either side and is left out). The "
            "diagnostic row runs the subscriber and projector without the profile refresher, against the same raw time. "
            "Produced by `python -m bench.narrative`.")


# --- data -------------------------------------------------------------------------------------------


def school_year(today: date | None = None) -> tuple[date, date]:
    """The last complete school year before ``today``: 1 September to 20 July."""
    today = today or date.today()
    end_year = today.year if today >= date(today.year, 7, 21) else today.year - 1
    return date(end_year - 1, 9, 1), date(end_year, 7, 20)


def period_name() -> str:
    """How the reports name that year, e.g. '2025 to 2026'."""
    start, end = school_year()
    return f"{start.year} to {end.year}"


def school_days() -> list[date]:
    """Weekdays of the school year, without its holidays and half-terms (roughly)."""
    start, end = school_year()
    breaks = [(date(start.year, 12, 20), date(start.year + 1, 1, 4)), (date(end.year, 3, 28), date(end.year, 4, 12)),
              (date(start.year, 10, 25), date(start.year, 11, 2)), (date(end.year, 2, 14), date(end.year, 2, 22)),
              (date(end.year, 5, 23), date(end.year, 5, 31))]
    days, day = [], start
    while day <= end:
        if day.weekday() < 5 and not any(a <= day <= b for a, b in breaks):
            days.append(day)
        day += timedelta(days=1)
    return days


def directory_events(pupil_id: str, school_id: str, outcomes: int) -> tuple[list[Event], list[str]]:
    """A pupil's registration and EHC outcomes (target dates in the coming summer); the outcome ids."""
    _, end = school_year()
    events: list[Event] = [PupilRegistered(occurred_at=datetime.now(UTC), trust_id=TRUST, school_id=school_id, producer="observation-ingest",
                                           payload=PupilFacts(pupil_id=pupil_id, class_id=f"{school_id}-class", key_stage="KS2",
                                                              on_engagement_model=True, regressive_condition=False))]
    ids = []
    for k in range(outcomes):
        outcome_id = f"{pupil_id}-outcome-{k}"
        ids.append(outcome_id)
        events.append(EhcOutcomeSet(occurred_at=datetime.now(UTC), trust_id=TRUST, school_id=school_id, producer="observation-ingest",
                                    payload=OutcomeFacts(outcome_id=outcome_id, pupil_id=pupil_id, area_of_need=NEEDS[k % 3],
                                                         term="short" if k else "medium", description=OUTCOMES[k % 3],
                                                         target_date=end.replace(year=end.year + 1))))
    return events, ids


def observation_events(pupil_id: str, school_id: str, count: int, outcome_ids: Sequence[str], rng: random.Random) -> list[Event]:
    """``count`` observations spread over the school year's days, with a story: levels rise and support
    falls through the year, new settings and adults appear, a fortnight unwell brings a dip."""
    days = school_days()
    ill_from = rng.randrange(len(days) // 3, 2 * len(days) // 3)
    events: list[Event] = []
    for n in range(count):
        index = n * len(days) // count
        fraction = index / len(days)
        unwell = ill_from <= index < ill_from + 10
        when = datetime.combine(days[index], datetime.min.time(), UTC) + timedelta(hours=9, minutes=(n * 37) % 360)
        areas = rng.sample(AREAS, rng.choice((1, 1, 2, 3)))
        judged = []
        for area in areas:
            level = int(fraction * 3.5) + AREAS.index(area) % 2 + rng.choice((-1, 0, 0, 0, 1)) - (2 if unwell else 0)
            judged.append({"area": area, "established": SCALE[max(0, min(len(SCALE) - 1, level))]})
        support = SUPPORT[max(0, min(len(SUPPORT) - 1, int(fraction * 5) + rng.choice((-1, 0, 0, 1))))]
        reach = 2 + int(fraction * (len(SETTINGS) - 2))
        observation = RecordedObservation(
            observation_id=f"{pupil_id}-o{n:05d}", pupil_id=pupil_id, school_id=school_id, observer_id=f"staff-{n % 7}",
            observer_role="teacher" if n % 3 else "teaching_assistant", version=1, observed_at=when, areas=judged,
            activity=rng.choice(ACTIVITIES),
            context={"setting": SETTINGS[rng.randrange(reach)], "time_of_day": rng.choice(TIMES),
                     "adults": rng.sample(ADULTS[:2 + int(fraction * 4)], rng.choice((1, 2))), "peers": ["peer-group"] if n % 4 == 0 else [],
                     "sensory_experiences": rng.sample(SENSES, rng.choice((0, 1, 2))), "communication_method": "objects of reference",
                     "health": "had a cold" if unwell else None},
            support_level=support, accuracy=rng.choice(list(Quality)), consistency=rng.choice(list(Quality)),
            intentional=True, caused_by_stimulus=True,
            provision=[{"description": rng.choice(PROVISION), "effect": "calmer and more focused"}] if n % 5 == 0 else [],
            baseline=n < 10, ehc_outcome_ids=[rng.choice(outcome_ids)] if outcome_ids and rng.random() < 0.4 else [],
            evidence_ids=[f"{pupil_id}-ev{n:05d}"] if n % 25 == 0 else [])
        events.append(ObservationRecorded(occurred_at=when, trust_id=TRUST, school_id=school_id, producer="observation-ingest",
                                          payload=ObservationRecordedPayload(observation=observation, pupil_id=pupil_id)))
    return events


def pupil_with_year(pupil_id: str, school_id: str, observations: int, outcomes: int, rng: random.Random) -> list[Event]:
    """A pupil's directory events followed by their year of observations."""
    directory, outcome_ids = directory_events(pupil_id, school_id, outcomes)
    return directory + observation_events(pupil_id, school_id, observations, outcome_ids, rng)


def chunks(items: Sequence[Event], size: int) -> Iterator[Sequence[Event]]:
    """Consecutive slices of ``size``."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


async def load(built: Services, events: Sequence[Event]) -> None:
    """Apply the events through the projector, as the consumer would, then build every profile."""
    for batch in chunks(events, LOAD_BATCH):
        await built.projector.handle(batch)
    await built.profiles.refresh_all()


def profiles_of(events: Sequence[Event]) -> list[PupilProfile]:
    """Every pupil's profile built here from the events, by the functions the projector and the
    refresher use (``projected``, ``apply_directory``, ``profile_from``)."""
    observations: dict[str, list[ProjectedObservation]] = {}
    records: dict[str, PupilRecord] = {}
    for event in events:
        if (pupil_id := directory_pupil(event)) is not None:
            records[pupil_id] = apply_directory(records.get(pupil_id), event)
        elif (observation := projected(event, None)) is not None:
            observations.setdefault(observation.pupil_id, []).append(observation)
    built = [profile_from(ProfileInputs(pupil_id=p, revision=0, observations=o, pupil=records.get(p), settings=None))
             for p, o in observations.items()]
    return [p for p in built if p is not None]


async def load_large(built: Services, db: AsyncDatabase, events: Sequence[Event]) -> None:
    """Like :func:`load`, but the profiles are built in this process rather than by ``refresh_all``.

    The refresher re-reads each pupil's observations as a range of the primary index, which the
    local MongoDB stand-in answers with a scan of the whole collection: for 500 pupils that is
    minutes of setup. The profiles stored are the ones the refresher would store (the one-pupil
    section checks that they are equal).
    """
    for batch in chunks(events, LOAD_BATCH):
        await built.projector.handle(batch)
    for profile in profiles_of(events):
        await built.store.save_profile(profile)
    await db[STALE].delete_many({})


def senco(school_id: str) -> Principal:
    """The school's SENCO, who drafts reports and starts report runs."""
    return Principal(subject=f"senco-{school_id}", role=Role.SENCO, trust_id=TRUST, school_ids=frozenset({school_id}))


class InMemoryPictures:
    """Evidence-store's thumbnails, without evidence-store: one small JPEG for each cited item."""

    def __init__(self) -> None:
        image = Image.new("RGB", (320, 240))
        image.putdata([(x % 256, (x * y) % 256, y % 256) for y in range(240) for x in range(320)])
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85)
        self._jpeg = out.getvalue()

    async def thumbnails(self, token: str, pupil_id: str, evidence_ids: Sequence[str]) -> Mapping[str, bytes]:
        return {e: self._jpeg for e in list(dict.fromkeys(evidence_ids))[:8]}


# --- timing -----------------------------------------------------------------------------------------


class Peaks:
    """The benchmark process's peak resident memory while ours ran, per figure, and over the whole run.

    Ours and raw share this process, so the peak (VmHWM) is set back to the current resident size
    (``/proc/self/clear_refs``) just before each run of ours and read just after it: the raw
    baseline's reads (a school's documents as lists) never count towards ours.
    """

    def __init__(self) -> None:
        self.during: dict[str, float] = {}
        self._overall = 0.0
        self.resettable = True

    @staticmethod
    def _peak() -> float:
        return read_memory(os.getpid()).get("VmHWM", 0.0)

    def reset(self) -> None:
        self._overall = max(self._overall, self._peak())
        if self.resettable:
            try:
                Path("/proc/self/clear_refs").write_text("5")
            except OSError:
                self.resettable = False
                log("cannot reset the peak memory figure (/proc/self/clear_refs); peaks while ours ran include earlier work")

    def note(self, label: str) -> None:
        self.during[label] = max(self.during.get(label, 0.0), self._peak())

    def overall(self) -> float:
        return max(self._overall, self._peak())


PEAKS = Peaks()


async def paired(comparisons: Sequence[Comparison], rep: int, ours: Any, raw: Any, memory: str) -> None:
    """Run ours and raw back to back (raw first on even repetitions); ``ours`` returns its seconds
    for each comparison, ``raw`` the one raw time they share. The process's peak memory while ours
    ran is kept under ``memory``."""

    async def ours_measured() -> list[float]:
        PEAKS.reset()
        seconds = await ours()
        PEAKS.note(memory)
        return seconds

    if rep % 2 == 0:
        raw_seconds = await raw()
        ours_seconds = await ours_measured()
    else:
        ours_seconds = await ours_measured()
        raw_seconds = await raw()
    for comparison, seconds in zip(comparisons, ours_seconds, strict=True):
        comparison.ours_seconds.append(seconds)
        comparison.raw_seconds.append(raw_seconds)


def of_pupil(pupil_id: str) -> dict[str, Any]:
    """A pupil's projected observations, by the index the service reads them with."""
    return {"pupil_id": pupil_id}


async def raw_read_pupil(db: AsyncDatabase, pupil_id: str) -> float:
    """Seconds to read one pupil's observations, record and profile with plain finds."""
    started = time.perf_counter()
    observations = await db[OBSERVATIONS].find(of_pupil(pupil_id)).to_list()
    pupil = await db[PUPILS].find({"_id": pupil_id}).to_list()
    profile = await db[PROFILES].find({"_id": pupil_id}).to_list()
    elapsed = time.perf_counter() - started
    assert observations and pupil and profile
    return elapsed


async def raw_read_school(db: AsyncDatabase, school_id: str, pupils: int) -> float:
    """Seconds to read every pupil's profile, record and observations of the school with plain finds."""
    started = time.perf_counter()
    records = await db[PUPILS].find({"school_id": school_id}).to_list()
    profiles = await db[PROFILES].find({"_id": {"$in": [r["_id"] for r in records]}}).to_list()
    observations = await db[OBSERVATIONS].find({"school_id": school_id}).to_list()
    elapsed = time.perf_counter() - started
    assert len(records) == len(profiles) == pupils and observations
    return elapsed


@dataclass
class Split:
    """Where the time of each repetition of a composite figure went."""

    parts: dict[str, list[float]]

    def add(self, **seconds: float) -> None:
        for name, value in seconds.items():
            self.parts.setdefault(name, []).append(value)

    def medians(self) -> dict[str, float]:
        return {name: round(statistics.median(values), 4) for name, values in self.parts.items()}


async def one_pupil(client: AsyncMongoClient, observations: int, repeat: int, rng: random.Random) -> list[Comparison]:
    """A report for one pupil with a year of observations, and the rebuild of their profile."""
    db = client["narrative_bench_one"]
    await ensure_indexes(db)
    built = wire(client, db)
    pupil_id = "bench-pupil-year"
    started = time.perf_counter()
    events = pupil_with_year(pupil_id, ONE_SCHOOL, observations, 3, rng)
    await load(built, events)
    log(f"one pupil: {observations:,} observations projected and profiled in {time.perf_counter() - started:.1f}s (setup)")
    if [await built.profiles.current(pupil_id)] != profiles_of(events):
        raise RuntimeError("a profile built in this process differs from the refresher's; the bulk setup would not be faithful")
    documents = ReportDocuments(built.reports, ReportLabRenderer(), InMemoryPictures())
    by = senco(ONE_SCHOOL)
    parent = Comparison("one_pupil_parent_report", "Parent report for one pupil with a year of observations, drafted + PDF",
                        observations, None, unit="observations/s")
    ehc = Comparison("one_pupil_ehc_review", "EHC review for the same pupil, drafted + PDF", observations, None, unit="observations/s")
    rebuild = Comparison("one_pupil_profile_rebuild", "Rebuild that pupil's profile from stored observations", observations, None,
                         unit="observations/s")
    splits = {ReportKind.PARENT: Split({}), ReportKind.EHC_REVIEW: Split({})}

    async def report(kind: ReportKind) -> float:
        started = time.perf_counter()
        drafted = await built.reports.draft(by, DraftRequest(kind=kind, period=period_name(), pupil_id=pupil_id, child_name="Sam"))
        middle = time.perf_counter()
        pdf = await documents.render(by, "bench-token", drafted.report_id, None, "pdf")
        ended = time.perf_counter()
        assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF-")
        splits[kind].add(draft=middle - started, pdf=ended - middle, pdf_bytes=len(pdf))
        return ended - started

    async def reports() -> list[float]:
        return [await report(ReportKind.PARENT), await report(ReportKind.EHC_REVIEW)]

    async def profile() -> list[float]:
        await db[STALE].update_one({"_id": pupil_id}, {"$inc": {"revision": 1}}, upsert=True)  # as an event would
        started = time.perf_counter()
        rebuilt = await built.profiles.refresh_all()
        elapsed = time.perf_counter() - started
        assert rebuilt == 1
        return [elapsed]

    for rep in range(repeat):
        await paired([parent, ehc], rep, reports, lambda: raw_read_pupil(db, pupil_id), ONE_MEMORY)
        await paired([rebuild], rep, profile, lambda: raw_read_pupil(db, pupil_id), ONE_MEMORY)
        log(f"one pupil {rep + 1}/{repeat}: parent report {parent.ours_seconds[-1]:.2f}s, EHC review {ehc.ours_seconds[-1]:.2f}s, "
            f"profile rebuild {rebuild.ours_seconds[-1]:.2f}s; raw reads {parent.raw_seconds[-1]:.3f}s and {rebuild.raw_seconds[-1]:.3f}s")
    for comparison, kind in ((parent, ReportKind.PARENT), (ehc, ReportKind.EHC_REVIEW)):
        comparison.extra["median_seconds"] = splits[kind].medians()
    return [parent, ehc, rebuild]


async def bulk(client: AsyncMongoClient, pupils: int, low: int, high: int, repeat: int, rng: random.Random) -> list[Comparison]:
    """A school's report run for every pupil, with and without a PDF of each report."""
    db = client["narrative_bench_bulk"]
    await ensure_indexes(db)
    built = wire(client, db)
    started = time.perf_counter()
    observations = 0
    for first in range(0, pupils, 25):  # 25 pupils at a time, so the generator's memory stays small
        events: list[Event] = []
        for p in range(first, min(first + 25, pupils)):
            events += pupil_with_year(f"bench-pupil-{p:04d}", BULK_SCHOOL, rng.randint(low, high), 1 + p % 3, rng)
        observations += sum(isinstance(e, ObservationRecorded) for e in events)
        await load_large(built, db, events)
    log(f"bulk: {pupils} pupils with {observations:,} observations projected and profiled in {time.perf_counter() - started:.1f}s (setup)")
    documents = ReportDocuments(built.reports, ReportLabRenderer(), InMemoryPictures())
    by = senco(BULK_SCHOOL)
    drafted = Comparison("bulk_reports", f"Report run for a school: {pupils} parent reports drafted", pupils, None, unit="pupils/s")
    rendered = Comparison("bulk_reports_pdf", f"The same run, plus a PDF of each of the {pupils} reports", pupils, None, unit="pupils/s")
    split = Split({})

    async def ours() -> list[float]:
        started = time.perf_counter()
        progress = await built.bulk.start(by, BatchRequest(kind=ReportKind.PARENT, period=period_name(), school_id=BULK_SCHOOL))
        await built.bulk.finish_all()
        middle = time.perf_counter()
        for pupil_id in sorted(f"bench-pupil-{p:04d}" for p in range(pupils)):
            pdf = await documents.render(by, "bench-token", report_id_for(progress.batch_id, pupil_id), None, "pdf")
            assert isinstance(pdf, bytes)
        ended = time.perf_counter()
        done = await built.bulk.progress(by, progress.batch_id)
        if done.done != pupils or done.failed:
            raise RuntimeError(f"the run drafted {done.done}/{pupils}; failures: {done.failed[:3]}")
        split.add(draft=middle - started, pdf=ended - middle)
        return [middle - started, ended - started]

    one = "bench-pupil-0000"
    count = len(await db[OBSERVATIONS].find(of_pupil(one), {"_id": 1}).to_list())
    rebuild = Comparison("bulk_profile_rebuild", f"Rebuild one pupil's profile among the {pupils} (diagnostic)", count, None,
                         unit="observations/s")

    async def profile() -> list[float]:
        await db[STALE].update_one({"_id": one}, {"$inc": {"revision": 1}}, upsert=True)  # as an event would
        started = time.perf_counter()
        rebuilt = await built.profiles.refresh_all()
        elapsed = time.perf_counter() - started
        assert rebuilt == 1
        return [elapsed]

    for rep in range(repeat):
        await paired([rebuild], rep, profile, lambda: raw_read_pupil(db, one), f"one profile rebuilt among {pupils} pupils")
        await paired([drafted, rendered], rep, ours, lambda: raw_read_school(db, BULK_SCHOOL, pupils),
                     f"report run for {pupils} pupils, PDFs included")
        log(f"bulk {rep + 1}/{repeat}: run {drafted.ours_seconds[-1]:.1f}s, with PDFs {rendered.ours_seconds[-1]:.1f}s; "
            f"raw read {drafted.raw_seconds[-1]:.2f}s; one profile rebuilt in {rebuild.ours_seconds[-1]:.2f}s, "
            f"raw read of that pupil {rebuild.raw_seconds[-1]:.2f}s")
    for comparison in (drafted, rendered):
        comparison.extra.update({"observations": observations, "median_seconds": split.medians(),
                                 "per_report_seconds": round(statistics.median(comparison.ours_seconds) / pupils, 4)})
    return [drafted, rendered, rebuild]


# --- projection throughput --------------------------------------------------------------------------


def stream_events(pupils: int, count: int, rng: random.Random) -> list[tuple[str, bytes]]:
    """(key, value) of ``count`` observation events for ``pupils`` pupils, serialised as the relay sends them."""
    per_pupil, extra = divmod(count, pupils)
    each = [[(e.key, serialize_event(e)) for e in observation_events(f"bench-stream-{p:03d}", STREAM_SCHOOL, per_pupil + (p < extra), [], rng)]
            for p in range(pupils)]
    # Pupils interleaved as observations arrive from many classrooms at once; each pupil's own in order.
    return [events[n] for n in range(per_pupil + 1) for events in each if n < len(events)]


async def publish(settings: KafkaSettings, topic: str, messages: Sequence[tuple[str, bytes]]) -> None:
    """Create the topic (six partitions, as the platform does) and publish the messages to it."""
    admin = TopicAdmin(settings)
    await admin.start()
    try:
        await admin.ensure([topic])
    finally:
        await admin.close()
    publisher = KafkaPublisher(settings, client_id="bench-narrative")
    await publisher.start()
    try:
        for i in range(0, len(messages), 2000):
            await publisher.publish([OutgoingMessage(topic, key, value) for key, value in messages[i:i + 2000]])
    finally:
        await publisher.stop()


async def raw_consume(settings: KafkaSettings, topic: str, collection: Any, count: int) -> tuple[float, float]:
    """Consume the topic as a fresh consumer group (manual commits), one ``insert_many`` of the decoded
    events per fetch. Returns the seconds from the first fetch until all are written, and the seconds
    it took to join the group and get that first fetch."""
    started = time.perf_counter()
    first: float | None = None
    consumer_ = AIOKafkaConsumer(topic, bootstrap_servers=settings.bootstrap_servers, group_id=f"{topic}.raw", enable_auto_commit=False,
                                 auto_offset_reset="earliest", session_timeout_ms=settings.session_timeout_ms,
                                 heartbeat_interval_ms=settings.heartbeat_interval_ms, max_poll_records=500)
    await consumer_.start()
    try:
        written = 0
        while written < count:
            batches = await consumer_.getmany(timeout_ms=300, max_records=500)
            if not batches:
                if time.perf_counter() - started > 600:
                    raise TimeoutError(f"raw consumer wrote {written}/{count}")
                continue
            first = first or time.perf_counter()
            documents = [json.loads(m.value) for messages in batches.values() for m in messages]
            await collection.insert_many(documents, ordered=False)
            await consumer_.commit({tp: messages[-1].offset + 1 for tp, messages in batches.items()})
            written += len(documents)
        return time.perf_counter() - (first or started), (first or started) - started
    finally:
        await consumer_.stop()


def note_first_fetch(worker: Any) -> list[float]:
    """When the worker's subscriber hands over its first fetch (the group joined), by wrapping its handler."""
    subscriber = worker._subscriber  # timed from the first fetch, as the raw side is
    handler = subscriber._handler
    seen: list[float] = []

    async def noted(events: Sequence[Event]) -> None:
        if not seen:
            seen.append(time.perf_counter())
        await handler(events)

    subscriber._handler = noted
    return seen


@asynccontextmanager
async def projector_alone(config: ServiceConfig) -> AsyncIterator[ProjectionWorker]:
    """Diagnostic: the consume worker's subscriber and projector without its profile refresher
    (a consumer group of its own, so it reads the topic from the start)."""

    async def nothing() -> None:
        return None

    async with services(config) as built:
        yield ProjectionWorker(EventSubscriber(config.kafka, f"bench-projector-alone-{uuid.uuid4().hex[:8]}", TOPICS, built.projector.handle),
                               PeriodicWorker(nothing, 3600))


async def ours_consume(worker_of: Any, config: ServiceConfig, client: AsyncMongoClient, count: int,
                       fresh: bool = True) -> tuple[float, float, float]:
    """Run a consume worker until every observation is projected (and, if ``fresh``, no profile is
    stale). Returns the seconds from its first fetch until then and until the last observation was
    projected, and the seconds it took to join the group and get that first fetch."""
    db = client[config.mongo.database]
    async with worker_of(config) as worker:
        stop = asyncio.Event()
        first = note_first_fetch(worker)
        started = time.perf_counter()
        task = asyncio.create_task(worker.run(stop))
        projected_at = None
        try:
            while True:
                await asyncio.sleep(POLL)
                if task.done():
                    task.result()
                    raise RuntimeError("the consume worker stopped")
                if projected_at is None and await projected_count(db) >= count:
                    projected_at = time.perf_counter()
                if projected_at is not None and (not fresh or await db[STALE].find_one({}, {"_id": 1}) is None):
                    return time.perf_counter() - first[0], projected_at - first[0], first[0] - started
                if time.perf_counter() - started > 900:
                    raise TimeoutError(f"only {await projected_count(db)}/{count} projected after 900s")
        finally:
            stop.set()
            await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 60)


async def projection(client: AsyncMongoClient, kafka: str, mongo_url: str, count: int, pupils: int, repeat: int,
                     rng: random.Random, diagnostic: bool) -> list[Comparison]:
    """The consume worker against raw consume + write, on a fresh topic and database per repetition;
    optionally the projector alone as well (after the pair, against the same raw time)."""
    messages = stream_events(pupils, count, rng)
    fresh = Comparison("projection", f"Projection of {count:,} observation events for {pupils} pupils, until every profile is fresh",
                       count, None, unit="events/s")
    projected = Comparison("projection_to_last_observation", "The same, until the last observation is projected",
                           count, None, unit="events/s")
    alone = Comparison("projection_without_refresher", "The same events, projector alone without the profile refresher (diagnostic)",
                       count, None, unit="events/s")
    lags: list[float] = []
    joins: dict[str, list[float]] = {"ours_join_s": [], "raw_join_s": []}
    for rep in range(repeat):
        run = uuid.uuid4().hex[:8]
        settings = KafkaSettings(bootstrap_servers=kafka, topic_prefix=f"bn{run}.", session_timeout_ms=6000, max_retries=2)
        config = ServiceConfig(kafka=settings, mongo=MongoSettings(url=mongo_url, database=f"narrative_bench_stream_{run}"))
        topic = settings.topic("observations")
        await publish(settings, topic, messages)
        timings: dict[str, float] = {}

        async def ours(config: ServiceConfig = config, timings: dict[str, float] = timings) -> list[float]:
            total, last, joined = await ours_consume(consumer, config, client, count)
            timings.update(total=total, last=last)
            joins["ours_join_s"].append(round(joined, 3))
            return [total, last]

        async def raw(settings: KafkaSettings = settings, topic: str = topic, run: str = run) -> float:
            total, joined = await raw_consume(settings, topic, client[f"raw_bench_stream_{run}"]["events"], count)
            joins["raw_join_s"].append(round(joined, 3))
            return total

        await paired([fresh, projected], rep, ours, raw, f"consume worker, {count:,} events")
        lags.append(timings["total"] - timings["last"])
        log(f"projection {rep + 1}/{repeat}: ours {timings['last']:.1f}s to the last observation, {timings['total']:.1f}s to fresh "
            f"profiles; raw consume + write {fresh.raw_seconds[-1]:.1f}s")
        if diagnostic:
            own = ServiceConfig(kafka=settings, mongo=MongoSettings(url=mongo_url, database=f"narrative_bench_alone_{run}"))
            alone.ours_seconds.append((await ours_consume(projector_alone, own, client, count, fresh=False))[0])
            alone.raw_seconds.append(fresh.raw_seconds[-1])
            log(f"projection {rep + 1}/{repeat}: projector alone {alone.ours_seconds[-1]:.1f}s")
    fresh.extra.update({"profile_refresh_lag_s": [round(x, 2) for x in lags], "median_profile_refresh_lag_s": round(statistics.median(lags), 2),
                        **joins})
    return [fresh, projected, alone] if diagnostic else [fresh, projected]


# --- report -----------------------------------------------------------------------------------------


def seconds(value: float) -> str:
    """A duration in a readable unit."""
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"


def time_lines(comparisons: list[Comparison]) -> str:
    """Time ratios (ours ÷ raw) and where ours spent it, as Markdown to follow the table."""
    by = {c.key: c for c in comparisons}
    lines = ["", "| what the time went on | ours ÷ raw (time) | ours, median | of which |", "|---|---:|---:|---|"]

    def row(key: str, label: str, parts: str = "–", per: int = 1) -> None:
        if key not in by:
            return
        c = by[key]
        ratio = statistics.median(o / r for o, r in zip(c.ours_seconds, c.raw_seconds, strict=True))
        median = statistics.median(c.ours_seconds) / per
        lines.append(f"| {label} | {ratio:,.0f}× | {seconds(median)}{' per report' if per > 1 else ''} | {parts} |")

    for key, label in (("one_pupil_parent_report", "parent report, one pupil"), ("one_pupil_ehc_review", "EHC review, one pupil")):
        if key in by:
            m = by[key].extra["median_seconds"]
            row(key, label, f"drafting {seconds(m['draft'])}, PDF {seconds(m['pdf'])} ({m['pdf_bytes'] / 1024:,.0f} KiB)")
    row("one_pupil_profile_rebuild", "profile rebuild, one pupil")
    if "bulk_reports" in by:
        m, n = by["bulk_reports"].extra["median_seconds"], by["bulk_reports"].unit_count
        row("bulk_reports", f"report run, {n} pupils", per=n)
        row("bulk_reports_pdf", f"report run + PDFs, {n} pupils", f"drafting {seconds(m['draft'] / n)}, PDF {seconds(m['pdf'] / n)} per report", per=n)
        row("bulk_profile_rebuild", f"profile rebuild, one pupil among {n} (diagnostic)")
    if "projection" in by:
        p = by["projection"].extra
        row("projection", "projection to fresh profiles",
            f"last observation projected, then {seconds(p['median_profile_refresh_lag_s'])} until no profile was stale")
        row("projection_to_last_observation", "projection to the last observation")
        row("projection_without_refresher", "projector alone (diagnostic)")
    return "\n".join(lines) + "\n"


async def measure(args: argparse.Namespace, mongo_url: str, kafka: str, memory: dict[str, dict[str, float]]) -> list[Comparison]:
    """Every section in turn; the benchmark process's peak memory while ours ran goes into ``memory``."""
    rng = random.Random(2026)
    client = AsyncMongoClient(mongo_url, tz_aware=True, connectTimeoutMS=600_000)
    comparisons: list[Comparison] = []
    try:
        if "one" in args.sections:
            comparisons += await one_pupil(client, args.observations, args.repeat, rng)
        if "bulk" in args.sections:
            comparisons += await bulk(client, args.pupils, args.min_observations, args.max_observations, args.bulk_repeat, rng)
        if "projection" in args.sections:
            comparisons += await projection(client, kafka, mongo_url, args.events, args.stream_pupils, args.projection_repeat, rng,
                                           not args.no_diagnostic)
    finally:
        await client.close()
    for label, peak in PEAKS.during.items():
        memory[f"benchmark process, ours: {label}"] = {"VmHWM": peak}
    memory["benchmark process, whole run (ours, raw and the data generator)"] = {"VmHWM": PEAKS.overall()}
    return comparisons


def main(argv: list[str] | None = None) -> None:
    """Parse options, run, write the results."""
    parser = argparse.ArgumentParser(prog="python -m bench.narrative", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--observations", type=int, default=1000, help="observations of the one pupil over the school year")
    parser.add_argument("--pupils", type=int, default=500, help="pupils in the school's report run")
    parser.add_argument("--min-observations", type=int, default=40, help="fewest observations of a pupil in the report run")
    parser.add_argument("--max-observations", type=int, default=60, help="most observations of a pupil in the report run")
    parser.add_argument("--events", type=int, default=20_000, help="observation events per projection repetition")
    parser.add_argument("--stream-pupils", type=int, default=100, help="pupils those events are about")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of the one-pupil figures (ours and raw each time)")
    parser.add_argument("--bulk-repeat", type=int, default=2, help="repetitions of the report run (each drafts a report per pupil)")
    parser.add_argument("--projection-repeat", type=int, default=2, help="repetitions of the projection figures")
    parser.add_argument("--no-diagnostic", action="store_true", help="skip the projector-alone runs")
    parser.add_argument("--sections", type=lambda s: s.split(","), default=["one", "bulk", "projection"],
                        help="which to run, comma-separated: one, bulk, projection")
    parser.add_argument("--update-readme", action="store_true", help="also replace the table between the README's bench-narrative markers")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent, help="folder for the results files")
    args = parser.parse_args(argv)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
                        logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    root = Path(tempfile.mkdtemp(prefix="engagement-bench-narrative-"))
    started = time.monotonic()
    infra = LocalInfrastructure(root)
    pids: list[int] = []
    memory: dict[str, dict[str, float]] = {}
    try:
        kafka, kafka_pid = infra.start_kafka()
        pids.append(kafka_pid)
        mongo_url, mongo_pid = infra.start_mongo()
        pids.append(mongo_pid)
        comparisons = asyncio.run(measure(args, mongo_url, kafka, memory))
        memory["MongoDB server"] = read_memory(mongo_pid)
        memory["Kafka server"] = read_memory(kafka_pid)
    finally:
        for pid in pids:
            stop_pid(pid)
        shutil.rmtree(root, ignore_errors=True)
    settings = {"observations_one_pupil": args.observations, "pupils": args.pupils,
                "observations_per_pupil": [args.min_observations, args.max_observations], "events": args.events,
                "stream_pupils": args.stream_pupils, "repeat": args.repeat, "bulk_repeat": args.bulk_repeat,
                "projection_repeat": args.projection_repeat, "diagnostic": not args.no_diagnostic, "sections": args.sections, "period": period_name(),
                "total_seconds": round(time.monotonic() - started, 1)}
    repeats = (f"{args.repeat} repetitions for one pupil, {args.bulk_repeat} for the report run (each drafts every pupil's report "
               f"again) and {args.projection_repeat} for the projection (a fresh topic and database each time)")
    table = write(comparisons, {"memory_mib": memory, "peak_memory_reset_before_each_run_of_ours": PEAKS.resettable}, settings, args.out, stem="narrative-results", footnote=FOOTNOTE.format(repeats=repeats))
    extra = time_lines(comparisons)
    (args.out / "narrative-results.md").write_text(table + extra)
    print(extra)
    if args.update_readme and not update_readme(table + extra, marker="bench-narrative"):
        log("README.md has no bench-narrative markers; not updated")


if __name__ == "__main__":
    main()
