"""Unit tests of narrative report rendering: a real PDF, a safe self-contained HTML page, charts
drawn in words and dates (never scores), pictures only where given and decodable, and speed.

All data is invented; the pupil is "Sam".
"""

from __future__ import annotations

import io
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
import structlog
from PIL import Image

from narrative_builder.adapters.outbound.report_charts import MAX_MARKS, _marks, area_chart, svg
from narrative_builder.adapters.outbound.report_rendering import KIND_NAMES, ReportLabRenderer
from narrative_builder.core.report_model import (
    AreaChart,
    ChartPoint,
    Citation,
    Paragraph,
    ReportContent,
    ReportKind,
    Section,
)
from narrative_builder.ports.report_renderer import ReportRenderer

T0 = datetime(2026, 9, 7, 9, 30, tzinfo=UTC)
SCALE = ["emerging", "developing", "established", "secure", "generalised"]
PROMPTS = ["full physical", "partial physical", "modelling", "gestural", "verbal", "independent"]
AREAS = ["exploration", "realisation", "anticipation", "persistence", "initiation"]
MONTH_WORDS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
               "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec")
DATE = re.compile(rf"\b(\d{{1,2}} )?({MONTH_WORDS}) \d{{4}}\b")
HOSTILE = 'Sam <script>alert("x")</script> & friends'


def picture(colour: tuple[int, int, int], size: tuple[int, int] = (320, 240), fmt: str = "JPEG") -> bytes:
    """A small synthetic photo (a flat colour with a stripe)."""
    image = Image.new("RGB", size, colour)
    for x in range(0, size[0], 8):
        for y in range(size[1] // 3, size[1] // 3 + 12):
            image.putpixel((x, y), (255, 255, 255))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def chart(area: str = "exploration", n: int = 30, days: int = 300) -> AreaChart:
    """A chart whose judgements rise slowly with some wobble, as real ones do."""
    points = []
    for i in range(n):
        f = i / max(n - 1, 1)
        wobble = (i * 7919) % 3 - 1
        points.append(ChartPoint(
            observed_at=T0 + timedelta(days=days * f, hours=(i % 5)),
            established=SCALE[min(4, max(0, int(f * 3) + (wobble if i % 4 == 0 else 0)))],
            support_level=PROMPTS[min(5, int(f * 4.5))] if i % 6 else None,
            contexts_so_far=1 + int(f * 5)))
    return AreaChart(area=area, title=f"{area.capitalize()}: how established over the year",
                     descriptor_scale=SCALE, prompt_hierarchy=PROMPTS, points=points)


def citation(observation_id: str, day: datetime | None, *evidence: str) -> Citation:
    """An observation a paragraph rests on, with the evidence attached to it."""
    return Citation(observation_id=observation_id, observed_at=day, evidence_ids=list(evidence))


def report(kind: ReportKind = ReportKind.PARENT, *, charts: list[AreaChart] | None = None,
           evidence: list[str] | None = None) -> ReportContent:
    """Sam's report: a section per area (exploration first, with the EHC plan's words quoted)."""
    march3, march10 = datetime(2027, 3, 3, 10, tzinfo=UTC), datetime(2027, 3, 10, 14, tzinfo=UTC)
    sections = [
        Section(heading="Exploring new things", area="exploration", paragraphs=[
            Paragraph(text="Sam explored the bubble tube with growing curiosity, reaching out to touch it.",
                      quote="Sam will explore a new object with his hands for a short time.",
                      citations=[citation("obs-a1", march3, "ev-1"), citation("obs-a2", march10, "ev-2", "ev-9")]),
            Paragraph(text="At home, Sam now reaches for the light-up ball when it is offered.\n\n"
                           "His family noticed this first.",
                      citations=[citation("obs-a3", None)]),
        ]),
        Section(heading="Anticipating what comes next", area="anticipation", paragraphs=[
            Paragraph(text="Sam smiles when he hears the song that starts snack time.",
                      citations=[citation("obs-b1", datetime(2027, 5, 20, 9, tzinfo=UTC), "ev-3")]),
        ]),
        Section(heading="What helps Sam", paragraphs=[Paragraph(text="Quiet spaces and a familiar adult.")]),
    ]
    return ReportContent(kind=kind, title="Sam's year in the engagement model", subtitle="Oak Class, summer term",
                         sections=sections, charts=charts if charts is not None else [chart()],
                         evidence_ids=evidence if evidence is not None else ["ev-1", "ev-2", "ev-3"])


THUMBS = {"ev-1": picture((40, 120, 200)), "ev-2": picture((200, 90, 40), (240, 320), "PNG"),
          "ev-3": picture((60, 160, 90)), "ev-9": picture((90, 90, 90))}


class Tags(HTMLParser):
    """Collects tags and their attributes, and the text inside <text> elements of SVGs."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.svg_texts: list[tuple[str | None, str]] = []
        self._text_class: str | None | bool = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "text":
            self._text_class = dict(attrs).get("class")

    def handle_endtag(self, tag: str) -> None:
        if tag == "text":
            self._text_class = False

    def handle_data(self, data: str) -> None:
        if self._text_class is not False:
            self.svg_texts.append((self._text_class, data))  # type: ignore[arg-type]

    def all(self, name: str) -> list[dict[str, str | None]]:
        """The attributes of every element with this tag name."""
        return [attrs for tag, attrs in self.tags if tag == name]


def parsed(page: str) -> Tags:
    """The page parsed as a browser would tokenise it, so tests judge markup, not strings."""
    tags = Tags()
    tags.feed(page)
    return tags


def page_count(pdf: bytes) -> int:
    """Pages in a PDF, counted from its page objects (not the /Pages tree node)."""
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def pdf_text(pdf: bytes) -> str:
    """The text of an uncompressed reportlab PDF: its ``(...) Tj`` strings, line by line (reportlab
    writes ASCII at its own code points in embedded fonts, so plain words read back as they are)."""
    lines = []
    for block in re.findall(rb"BT (.*?) ET", pdf, re.S):
        strings = re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", block)
        lines.append(b"".join(re.sub(rb"\\(.)", rb"\1", s) for s in strings).decode("latin-1"))
    return "\n".join(lines)


def without_dates(text: str) -> str:
    """Text with dates taken out: dates are the only figures allowed near a pupil."""
    return DATE.sub("", text)


@pytest.fixture(scope="module")
def renderer() -> ReportLabRenderer:
    """An uncompressed renderer, so a PDF's text and image objects can be read back."""
    return ReportLabRenderer(compress=False)


# --- the port -----------------------------------------------------------------------------------

def test_renderer_satisfies_the_port(renderer: ReportLabRenderer) -> None:
    """The service depends on the port; the adapter must fit it."""
    port: ReportRenderer = renderer
    assert callable(port.html) and callable(port.pdf)


# --- PDF ----------------------------------------------------------------------------------------

def test_pdf_is_a_real_pdf_with_pages_text_and_pictures(renderer: ReportLabRenderer) -> None:
    """Families and LAs open the PDF in any viewer: it must be whole, carry the words and dates, and
    embed exactly the pictures the report lists and the caller allowed."""
    pdf = renderer.pdf(report(), THUMBS)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert page_count(pdf) >= 1
    # ev-1, ev-2 and ev-3 are listed by the report and given; ev-9 is given but not listed, so not shown
    assert len(re.findall(rb"/Subtype\s*/Image", pdf)) == 3
    text = pdf_text(pdf)
    assert "Sam explored the bubble tube" in text
    assert "Seen on 3 March 2027 and 10 March 2027" in text
    assert "Page 1 of" in text


def test_pdf_metadata_names_the_kind_of_report_and_nothing_about_the_pupil(renderer: ReportLabRenderer) -> None:
    """PDF metadata travels with the file into search indexes and email previews: no pupil in it."""
    pdf = renderer.pdf(report(), THUMBS)
    info = pdf[pdf.rindex(b"/Producer") - 400: pdf.rindex(b"/Producer") + 200]
    assert f"/Title ({KIND_NAMES[ReportKind.PARENT]})".encode() in info
    assert b"Sam" not in info and b"Oak" not in info
    assert b"/Author ()" in info
    assert b"/Lang (en-GB)" in pdf


def test_pdf_is_repeatable(renderer: ReportLabRenderer) -> None:
    """The same report gives the same bytes, so a re-render can be recognised and cached."""
    assert renderer.pdf(report(), THUMBS) == renderer.pdf(report(), THUMBS)


def test_pdf_without_charts_or_pictures(renderer: ReportLabRenderer) -> None:
    """A report with no chart and no consented picture is still a report."""
    pdf = renderer.pdf(report(charts=[], evidence=[]), {})
    assert pdf.startswith(b"%PDF-") and page_count(pdf) >= 1
    assert b"/Subtype /Image" not in pdf


def test_compressed_pdf_is_smaller_and_still_whole() -> None:
    """Compression is the default for what is sent home; it must not break the file."""
    plain, packed = ReportLabRenderer(compress=False), ReportLabRenderer()
    a, b = plain.pdf(report(), THUMBS), packed.pdf(report(), THUMBS)
    assert b.startswith(b"%PDF-") and b.rstrip().endswith(b"%%EOF")
    assert len(b) < len(a)


def test_pdf_escapes_markup_in_staff_wording(renderer: ReportLabRenderer) -> None:
    """Staff type freely; angle brackets and ampersands must print as typed, not break the layout."""
    content = report()
    content.sections[0].paragraphs[0].text = HOSTILE + " <b>not bold</b> <para>"
    content.sections[0].heading = "A & B <i>"
    pdf = renderer.pdf(content, {})
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert '<script>alert("x")</script> & friends <b>not bold</b> <para>' in text   # printed as typed
    assert "A & B <i>" in text


def test_malformed_picture_is_left_out_and_logged_without_identifying_it(renderer: ReportLabRenderer) -> None:
    """One broken upload must not cost a family their report, and logs must hold nothing personal."""
    thumbs = {**THUMBS, "ev-1": b"this is not an image at all", "ev-2": b"\x89PNG\r\n\x1a\n broken"}
    with structlog.testing.capture_logs() as logs:
        pdf = renderer.pdf(report(), thumbs)
        page = renderer.html(report(), thumbs)
    assert len(re.findall(rb"/Subtype\s*/Image", pdf)) == 1
    assert len(parsed(page).all("img")) == 1
    skipped = [entry for entry in logs if entry["event"] == "report.picture_skipped"]
    assert len(skipped) == 4
    for entry in skipped:
        assert set(entry) <= {"event", "log_level", "reason"}
        assert "ev-" not in str(entry) and "Sam" not in str(entry)


def test_pictures_are_capped_and_reencoded_without_metadata() -> None:
    """A report shows a handful of pictures, small, and never carries a camera's metadata along."""
    ids = [f"ev-{i}" for i in range(12)]
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"   # Make
    thumbs = {}
    for n, evidence_id in enumerate(ids):
        out = io.BytesIO()
        Image.new("RGB", (1600, 1200), (10, 15 * n, 10)).save(out, "JPEG", exif=exif)
        thumbs[evidence_id] = out.getvalue()
    assert b"Camera maker" in thumbs["ev-0"]
    renderer = ReportLabRenderer(compress=False, max_pictures=8)
    pdf = renderer.pdf(report(evidence=ids), thumbs)
    assert len(re.findall(rb"/Subtype\s*/Image", pdf)) == 8
    assert b"Camera maker" not in pdf
    page = renderer.html(report(evidence=ids), thumbs)
    images = parsed(page).all("img")
    assert len(images) == 8
    assert all(max(int(i["width"] or 0), int(i["height"] or 0)) <= 480 for i in images)


# --- HTML ---------------------------------------------------------------------------------------

def test_html_is_self_contained_accessible_and_escaped(renderer: ReportLabRenderer) -> None:
    """The page is opened from emails and portals: no scripts from staff wording, no outside
    requests, and every picture and chart has words for a screen reader."""
    content = report(charts=[chart("exploration"), chart("anticipation"), chart("initiation")])
    content.sections[0].paragraphs[0].text = HOSTILE
    content.sections[2].heading = "<img src=x onerror=alert(1)>"
    page = renderer.html(content, THUMBS)
    tags = parsed(page)

    assert tags.all("html")[0]["lang"] == "en-GB"
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; friends" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        'xmlns:xlink="http://www.w3.org/1999/xlink"', "")
    assert len(tags.all("h1")) == 1 and len(tags.all("h2")) >= 3

    svgs = tags.all("svg")
    assert len(svgs) == 3
    assert len({s["id"] for s in svgs}) == 3
    assert all(s["role"] == "img" and s["aria-labelledby"] for s in svgs)

    images = tags.all("img")
    assert len(images) == 3
    for image in images:
        assert (image["src"] or "").startswith("data:image/jpeg;base64,")
        assert image["alt"] and not re.search(r"\d", without_dates(image["alt"]))
        assert "ev-" not in (image["alt"] or "")

    assert len(tags.all("blockquote")) == 1
    assert "Sam will explore a new object with his hands" in page.split("<blockquote>")[1]


def test_html_chart_descriptions_and_axis_words_carry_no_numbers(renderer: ReportLabRenderer) -> None:
    """No number ever stands for a pupil: chart axes are the trust's words, and only dates carry figures."""
    page = renderer.html(report(charts=[chart("exploration", n=400)]), {})
    tags = parsed(page)
    texts = tags.svg_texts
    words = [t for cls, t in texts if cls == "axis-words"]
    months = [t for cls, t in texts if cls == "axis-time"]
    assert set(words) == set(SCALE) | set(PROMPTS)
    assert months and all(re.fullmatch(rf"({MONTH_WORDS})( \d{{4}})?", m) for m in months)
    for _, text in texts:
        if text.strip():
            assert not re.search(r"\d", re.sub(rf"({MONTH_WORDS}) \d{{4}}", "", text)), text
    description = re.search(r"<desc[^>]*>(.*?)</desc>", page, re.S)
    assert description and "emerging" in description.group(1)
    assert not re.search(r"\d", without_dates(description.group(1)))


def test_citations_show_dates_never_ids(renderer: ReportLabRenderer) -> None:
    """Readers check statements against days they remember; ids mean nothing to them."""
    parent = renderer.html(report(), THUMBS)
    assert "Seen on 3 March 2027 and 10 March 2027" in parent
    assert "obs-" not in parent and "ev-" not in parent

    ehc = renderer.html(report(ReportKind.EHC_REVIEW), THUMBS)
    assert ("Observations: 3 Mar 2027, 10 Mar 2027, with two pictures in this report "
            "and a piece of evidence held by the school") in ehc
    assert "Observations: dates not recorded" in ehc
    assert "obs-" not in ehc and "ev-" not in ehc


def test_dates_are_uk_days() -> None:
    """An evening observation in British Summer Time belongs to the day the family lived it."""
    late_summer_evening = datetime(2027, 6, 30, 23, 30, tzinfo=UTC)  # 1 July, 00:30 in London
    content = report()
    content.sections[1].paragraphs[0].citations = [citation("obs-z", late_summer_evening)]
    page = ReportLabRenderer().html(content, {})
    assert "Seen on 1 July 2027" in page


# --- charts -------------------------------------------------------------------------------------

def test_chart_with_no_points_or_no_known_words_is_left_out(renderer: ReportLabRenderer) -> None:
    """An empty chart says nothing and a chart in unknown words would mislead: leave both out."""
    empty = AreaChart(area="exploration", title="Exploration", descriptor_scale=SCALE, prompt_hierarchy=PROMPTS)
    assert area_chart(empty) is None
    unknown = chart()
    for p in unknown.points:
        p.established = "something else"
    assert area_chart(unknown) is None
    page = renderer.html(report(charts=[empty]), {})
    assert "<svg" not in page
    assert renderer.pdf(report(charts=[empty, unknown]), {}).startswith(b"%PDF-")


def test_single_point_and_charts_without_support_or_contexts() -> None:
    """Early in the year there may be one judgement and no support or context recorded yet."""
    one = AreaChart(area="persistence", title="Persistence", descriptor_scale=SCALE, prompt_hierarchy=[],
                    points=[ChartPoint(observed_at=T0, established="developing", contexts_so_far=0)])
    picture = area_chart(one)
    assert picture is not None
    text = svg(picture, "c")
    assert "How much help" not in text and "Places, people" not in text
    months = [t for cls, t in parsed(text).svg_texts if cls == "axis-time"]
    assert "Sep" in months or "Sep 2026" in months
    assert "“developing” in September 2026" in picture.description


def test_long_histories_are_summarised_per_week() -> None:
    """A thousand dots are unreadable and slow; a dot per week (or month) tells the same story."""
    busy = chart(n=1000, days=300)
    marks, grain = _marks(busy, SCALE, PROMPTS)
    assert grain == "week" and len(marks) <= MAX_MARKS
    decade = chart(n=3000, days=3000)
    marks, grain = _marks(decade, SCALE, PROMPTS)
    assert grain == "month" and len(marks) <= MAX_MARKS
    picture = area_chart(decade)
    assert picture is not None and "Each dot sums up one month" in svg(picture, "c")


def test_five_charts_of_a_thousand_points_and_eight_pictures_render_quickly() -> None:
    """Reports are rendered on request for a whole class at a time: each must take well under a second."""
    renderer = ReportLabRenderer()
    charts = [chart(area, n=1000) for area in AREAS]
    ids = [f"ev-{i}" for i in range(8)]
    thumbs = {i: picture((30 * n, 100, 200 - 20 * n)) for n, i in enumerate(ids)}
    content = report(charts=charts, evidence=ids)
    renderer.pdf(content, thumbs)  # fonts are registered once per process; not part of the bound

    started = time.perf_counter()
    pdf = renderer.pdf(content, thumbs)
    pdf_seconds = time.perf_counter() - started
    started = time.perf_counter()
    page = renderer.html(content, thumbs)
    html_seconds = time.perf_counter() - started

    assert pdf.startswith(b"%PDF-") and page.count("<svg") == 5
    assert pdf_seconds < 1.5, pdf_seconds
    assert html_seconds < 1.5, html_seconds


def test_trust_words_are_escaped_inside_charts(renderer: ReportLabRenderer) -> None:
    """Descriptor words are configured per trust; markup in them must stay text inside the SVG too."""
    hostile = chart()
    hostile.descriptor_scale = ["<script>x</script>", *SCALE[1:]]
    for point in hostile.points:
        if point.established == "emerging":
            point.established = "<script>x</script>"
    page = renderer.html(report(charts=[hostile]), {})
    assert "<script" not in page.lower()
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert renderer.pdf(report(charts=[hostile]), {}).startswith(b"%PDF-")


def test_every_kind_of_report_renders(renderer: ReportLabRenderer) -> None:
    """Governors' summaries and EHC reviews share the renderer with parents' reports."""
    for kind in ReportKind:
        pdf = renderer.pdf(report(kind), THUMBS)
        assert f"/Title ({KIND_NAMES[kind]})".encode() in pdf
        assert KIND_NAMES[kind] in renderer.html(report(kind), THUMBS)


def test_reports_rendered_in_parallel_threads_match(renderer: ReportLabRenderer) -> None:
    """The service renders off the event loop in worker threads; shared font state must not mix
    one document's glyphs into another's."""
    contents = [report(kind) for kind in ReportKind]
    expected = [renderer.pdf(c, THUMBS) for c in contents]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda c: renderer.pdf(c, THUMBS), contents * 3))
    assert results == expected * 3
