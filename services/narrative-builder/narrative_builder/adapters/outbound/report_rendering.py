"""Narrative reports as a self-contained web page and as an A4 PDF, drawn with reportlab.

Both outputs come from the same content and the same pictures: each area's chart (see
``report_charts``) sits under that area's section, and up to eight pictures the family agreed to
share close the report. What a report never shows: observation or evidence ids (a family reads
dates, an EHC review reads dates and how much evidence there is), a number standing for the pupil,
or anything about the pupil in the PDF's metadata, which travels with the file wherever it is sent.

Every piece of text is escaped for where it goes (HTML, SVG, reportlab's paragraph markup), since
report wording is typed by staff and descriptor words are configured by trusts. A picture that
cannot be decoded is left out and logged without anything that identifies it; the report still
renders. Pictures are re-encoded as small JPEGs, so nothing hidden in the original file (camera
details, location) can ride along into a report.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import structlog
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen import canvas
from reportlab.platypus import Flowable, KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus import Image as PdfImage
from reportlab.platypus import Paragraph as PdfParagraph

from engagement_shared.pictures import small_jpeg
from narrative_builder.adapters.outbound.report_charts import (
    AreaPicture,
    area_chart,
    local,
    long_date,
    printable,
    report_fonts,
    short_date,
    svg,
)
from narrative_builder.core.report_model import Citation, Paragraph, ReportContent, ReportKind, Section

log = structlog.get_logger(__name__)

#: at most this many pictures close a report: enough to show the year, few enough to print well
MAX_PICTURES = 8
#: at most this many dates are listed under a paragraph; more read as a wall of dates
MAX_DATES = 8
#: pictures are re-encoded at most this size, about 300 dpi at the size they are printed
PICTURE_SIDE = 480
#: a "thumbnail" bigger than this is not one, and decoding it would cost too much memory
MAX_SOURCE_PIXELS = 40_000_000
PICTURE_FORMATS = ("JPEG", "PNG", "WEBP")

#: what a report is called where it must not name the pupil: PDF metadata and page footers
KIND_NAMES = {
    ReportKind.PARENT: "End of year report",
    ReportKind.EHC_REVIEW: "Contribution to an EHC plan review",
    ReportKind.GOVERNORS: "Summary for governors",
}
PROGRESS_HEADING = "Progress over time"
PICTURES_HEADING = "Pictures"
PICTURES_NOTE = "Shown with the family's agreement."

_WORDS = ("no", "a", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
_BLANK_LINE = re.compile(r"\n\s*\n")

_MARGIN = 54.0
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#52606d")
ACCENT = colors.HexColor("#1f4e79")
QUOTE_BAR = colors.HexColor("#7aa5d2")
QUOTE_BACK = colors.HexColor("#f2f6fb")


@dataclass(frozen=True)
class _Picture:
    """A picture ready for either output: re-encoded, sized, captioned and described."""

    evidence_id: str
    jpeg: bytes
    width: int
    height: int
    caption: tuple[str, ...]
    alt: str


@dataclass(frozen=True)
class _Layout:
    """What goes where, worked out once per render: charts under their area's section, the rest
    in a closing section, then the pictures."""

    charts_by_section: dict[int, list[AreaPicture]]
    other_charts: list[AreaPicture]
    pictures: list[_Picture]


class ReportLabRenderer:
    """Renders reports with reportlab: one drawing library for the PDF and the web page's charts,
    so families see the same picture whichever they open.

    ``compress=False`` writes uncompressed PDF page streams, so tests (and anyone checking what a
    PDF contains) can read the text in it; the output is byte-for-byte repeatable either way, as
    no creation time or random document id is written.
    """

    def __init__(self, *, compress: bool = True, max_pictures: int = MAX_PICTURES) -> None:
        self._compress = compress
        self._max_pictures = max_pictures
        self._fonts = report_fonts()

    # --- shared -------------------------------------------------------------------------------

    def _layout(self, content: ReportContent, thumbnails: Mapping[str, bytes], chart_width: float) -> _Layout:
        pictures = self._pictures(content, thumbnails)
        charts_by_section: dict[int, list[AreaPicture]] = {}
        others: list[AreaPicture] = []
        for chart in content.charts:
            picture = area_chart(chart, chart_width)
            if picture is None:
                continue
            home = next((i for i, s in enumerate(content.sections) if s.area == chart.area), None)
            if home is None:
                others.append(picture)
            else:
                charts_by_section.setdefault(home, []).append(picture)
        return _Layout(charts_by_section, others, pictures)

    def _pictures(self, content: ReportContent, thumbnails: Mapping[str, bytes]) -> list[_Picture]:
        """Pictures in the report's own order: only evidence the report lists *and* the caller
        passed (so consent is checked twice), skipping any that cannot be decoded."""
        seen = _evidence_context(content.sections)
        out: list[_Picture] = []
        for evidence_id in dict.fromkeys(content.evidence_ids):
            if len(out) >= self._max_pictures:
                break
            data = thumbnails.get(evidence_id)
            if data is None:
                continue
            decoded = _reencoded(data)
            if decoded is None:
                continue
            jpeg, width, height = decoded
            heading, when = seen.get(evidence_id, (None, None))
            caption = tuple(x for x in (heading, long_date(when) if when else None) if x)
            alt = (f"A picture from “{heading}”" if heading else "A picture from school") + (
                f", seen on {long_date(when)}" if when else ", shared with the family's agreement")
            out.append(_Picture(evidence_id, jpeg, width, height, caption, alt))
        return out

    # --- HTML ---------------------------------------------------------------------------------

    def html(self, content: ReportContent, thumbnails: Mapping[str, bytes]) -> str:
        """A single HTML document with everything inline (styles, charts as SVG, pictures as data
        URIs) and a policy that forbids scripts and outside requests, so it can be emailed, saved
        or shown in a parent portal as it is."""
        layout = self._layout(content, thumbnails, 480.0)
        e = _html_text
        out = [
            "<!DOCTYPE html>",
            '<html lang="en-GB">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
            "style-src 'unsafe-inline'\">",
            '<meta name="robots" content="noindex, nofollow">',
            f"<title>{e(content.title)}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
            "<body>",
            "<main>",
            "<header>",
            f'<p class="kind">{e(KIND_NAMES[content.kind])}</p>',
            f"<h1>{e(content.title)}</h1>",
        ]
        if content.subtitle:
            out.append(f'<p class="subtitle">{e(content.subtitle)}</p>')
        out.append("</header>")
        shown = {p.evidence_id for p in layout.pictures}
        chart_ids = iter(range(1, 1000))
        for index, section in enumerate(content.sections, start=1):
            out.append(f'<section aria-labelledby="section-{index}">')
            out.append(f'<h2 id="section-{index}">{e(section.heading)}</h2>')
            for paragraph in section.paragraphs:
                out.extend(_html_paragraph(paragraph, content.kind, shown))
            out.extend(_html_chart(drawn, f"chart-{next(chart_ids)}")
                       for drawn in layout.charts_by_section.get(index - 1, []))
            out.append("</section>")
        if layout.other_charts:
            out.append('<section aria-labelledby="progress">')
            out.append(f'<h2 id="progress">{e(PROGRESS_HEADING)}</h2>')
            out.extend(_html_chart(p, f"chart-{next(chart_ids)}") for p in layout.other_charts)
            out.append("</section>")
        if layout.pictures:
            out.append('<section aria-labelledby="pictures">')
            out.append(f'<h2 id="pictures">{e(PICTURES_HEADING)}</h2>')
            out.append(f'<p class="note">{e(PICTURES_NOTE)}</p>')
            out.append('<ul class="pictures">')
            for picture in layout.pictures:
                data = base64.b64encode(picture.jpeg).decode("ascii")
                caption = "<br>".join(e(line) for line in picture.caption)
                out.append(
                    f'<li><figure><img src="data:image/jpeg;base64,{data}" alt="{e(picture.alt)}" '
                    f'width="{picture.width}" height="{picture.height}">'
                    f"{f'<figcaption>{caption}</figcaption>' if caption else ''}</figure></li>")
            out.append("</ul>")
            out.append("</section>")
        out += ["</main>", "</body>", "</html>", ""]
        return "\n".join(out)

    # --- PDF ----------------------------------------------------------------------------------

    def pdf(self, content: ReportContent, thumbnails: Mapping[str, bytes]) -> bytes:
        """An A4 PDF for print and filing: readable sizes, the plan's words set apart as quotations,
        the charts, a grid of pictures, and "Page n of N" footers naming only the kind of report."""
        buffer = io.BytesIO()
        name = KIND_NAMES[content.kind]
        doc = SimpleDocTemplate(
            buffer, pagesize=A4, leftMargin=_MARGIN, rightMargin=_MARGIN, topMargin=_MARGIN, bottomMargin=62,
            title=name, author="", subject="", creator="Engagement model platform", keywords=[],
            invariant=1, pageCompression=1 if self._compress else 0, lang="en-GB", displayDocTitle=True)
        styles = _pdf_styles(self._fonts.regular, self._fonts.bold, self._fonts.italic)
        layout = self._layout(content, thumbnails, doc.width)
        shown = {p.evidence_id for p in layout.pictures}
        story: list[Flowable] = [PdfParagraph(_markup(name), styles["kind"]),
                                 PdfParagraph(_markup(content.title), styles["title"])]
        if content.subtitle:
            story.append(PdfParagraph(_markup(content.subtitle), styles["subtitle"]))
        story.append(Spacer(1, 6))
        for index, section in enumerate(content.sections):
            story.append(PdfParagraph(_markup(section.heading), styles["h2"]))
            for paragraph in section.paragraphs:
                story.extend(_pdf_paragraph(paragraph, content.kind, shown, styles, doc.width))
            story.extend(_pdf_chart(p, styles) for p in layout.charts_by_section.get(index, []))
        if layout.other_charts:
            first, *rest = layout.other_charts
            story.append(KeepTogether([PdfParagraph(_markup(PROGRESS_HEADING), styles["h2"]), _pdf_chart(first, styles)]))
            story.extend(_pdf_chart(p, styles) for p in rest)
        if layout.pictures:
            story.append(KeepTogether([
                PdfParagraph(_markup(PICTURES_HEADING), styles["h2"]),
                PdfParagraph(_markup(PICTURES_NOTE), styles["seen"]),
                _pdf_picture_grid(layout.pictures, doc.width, styles)]))
        doc.build(story, canvasmaker=functools.partial(_FooterCanvas, footer=name, font=self._fonts.regular))
        return buffer.getvalue()


# --- citations -----------------------------------------------------------------------------------

def _citation_line(kind: ReportKind, citations: Sequence[Citation], shown: set[str]) -> str | None:
    """The small line under a paragraph saying what it rests on: days for a family ("Seen on 3 March
    2027"); days and how much evidence for an EHC review. Never ids, which mean nothing to a reader."""
    if not citations:
        return None
    days = sorted({local(c.observed_at).date(): c.observed_at for c in citations if c.observed_at}.items())
    moments = [moment for _, moment in days]
    if kind is not ReportKind.EHC_REVIEW:
        if not moments:
            return None
        listed = [long_date(m) for m in moments[:MAX_DATES]]
        more = len(moments) > MAX_DATES
        return "Seen on " + (", ".join(listed) + " and on other days" if more else _and(listed))
    listed = [short_date(m) for m in moments[:MAX_DATES]]
    line = "Observations: " + (", ".join(listed) + (" and others" if len(moments) > MAX_DATES else "")
                               if listed else "dates not recorded")
    evidence = list(dict.fromkeys(e for c in citations for e in c.evidence_ids))
    pictured = sum(1 for e in evidence if e in shown)
    held = len(evidence) - pictured
    phrases = []
    if pictured:
        phrases.append(f"{_counted(pictured, 'picture', 'pictures')} in this report")
    if held:
        phrases.append(f"{_counted(held, 'piece of evidence', 'pieces of evidence')} held by the school")
    if phrases:
        line += ", with " + " and ".join(phrases)
    return line


def _counted(n: int, singular: str, plural: str) -> str:
    """An amount of evidence in words ("a picture", "two pictures", "many pictures"), as a reader says it."""
    if n == 1:
        return f"a {singular}"
    return f"{_WORDS[n] if n < len(_WORDS) else 'many'} {plural}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _evidence_context(sections: Iterable[Section]) -> dict[str, tuple[str, datetime | None]]:
    """For each evidence id, the first section citing it and the earliest day it was seen, to
    caption and describe its picture without ever showing the id."""
    out: dict[str, tuple[str, datetime | None]] = {}
    for section in sections:
        for paragraph in section.paragraphs:
            for citation in paragraph.citations:
                for evidence_id in citation.evidence_ids:
                    heading, when = out.get(evidence_id, (printable(section.heading), None))
                    if citation.observed_at and (when is None or citation.observed_at < when):
                        when = citation.observed_at
                    out[evidence_id] = (heading, when)
    return out


# --- pictures ------------------------------------------------------------------------------------

def _reencoded(data: bytes) -> tuple[bytes, int, int] | None:
    """The picture as a small, upright JPEG with no metadata, or None when it is not a picture we
    can read; one bad thumbnail must never stop a family's report, and the log says only why."""
    try:
        return small_jpeg(data, PICTURE_SIDE, quality=82, formats=PICTURE_FORMATS, max_pixels=MAX_SOURCE_PIXELS)
    except Exception as error:  # noqa: BLE001 - any decoder failure means "leave this picture out"
        log.warning("report.picture_skipped", reason=type(error).__name__)
        return None


# --- HTML pieces ---------------------------------------------------------------------------------

def _html_text(text: str) -> str:
    return html.escape(printable(text), quote=True)


def _html_blocks(text: str) -> list[str]:
    """Staff wording as paragraphs: a blank line starts a new one, a single newline breaks a line."""
    return [f"<p>{_html_text(block.strip()).replace(chr(10), '<br>')}</p>"
            for block in _BLANK_LINE.split(printable(text)) if block.strip()]


def _html_paragraph(paragraph: Paragraph, kind: ReportKind, shown: set[str]) -> list[str]:
    out = []
    if paragraph.quote:
        out.append('<figure class="plan-quote"><figcaption>From the EHC plan</figcaption>')
        out.append(f"<blockquote>{''.join(_html_blocks(paragraph.quote))}</blockquote></figure>")
    out.extend(_html_blocks(paragraph.text))
    line = _citation_line(kind, paragraph.citations, shown)
    if line:
        out.append(f'<p class="seen"><small>{_html_text(line)}</small></p>')
    return out


def _html_chart(picture: AreaPicture, element_id: str) -> str:
    return (f'<figure class="chart-figure"><figcaption>{_html_text(picture.title)}</figcaption>'
            f"{svg(picture, element_id)}</figure>")


_CSS = """
:root{color-scheme:light;--ink:#1f2933;--muted:#52606d;--accent:#1f4e79;--quote:#7aa5d2;--quote-bg:#f2f6fb}
*{box-sizing:border-box}
body{margin:0;background:#fff;color:var(--ink);font:1.0625rem/1.6 'DejaVu Sans',Verdana,'Segoe UI',Arial,sans-serif}
main{max-width:46rem;margin:0 auto;padding:2rem 1.25rem 3rem}
.kind{margin:0;color:var(--muted);font-size:.95rem;letter-spacing:.02em}
h1{margin:.2rem 0 .3rem;font-size:1.9rem;line-height:1.25}
.subtitle{margin:0 0 1.5rem;color:var(--muted);font-size:1.15rem}
h2{margin:2rem 0 .6rem;color:var(--accent);font-size:1.4rem;line-height:1.3}
p{margin:0 0 .8rem}
.seen{margin-top:-.4rem;color:var(--muted)}
.seen small{font-size:.85rem}
.plan-quote{margin:0 0 .9rem;padding:.6rem 1rem;background:var(--quote-bg);border-left:4px solid var(--quote)}
.plan-quote figcaption{color:var(--muted);font-size:.85rem;font-weight:bold}
.plan-quote blockquote{margin:.2rem 0 0;font-style:italic}
.plan-quote blockquote p:last-child{margin-bottom:0}
.chart-figure{margin:1rem 0 1.5rem}
.chart-figure figcaption{font-weight:bold;margin-bottom:.3rem}
svg.chart{display:block;width:100%;max-width:100%;height:auto}
.note{color:var(--muted);font-size:.95rem}
.pictures{list-style:none;margin:0;padding:0;display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(10rem,1fr))}
.pictures figure{margin:0}
.pictures img{display:block;width:100%;height:auto;border-radius:4px;background:#eef1f4}
.pictures figcaption{color:var(--muted);font-size:.85rem;margin-top:.25rem}
@page{size:A4;margin:18mm}
@media print{
 body{font-size:11.5pt}
 main{max-width:none;padding:0}
 h2{break-after:avoid}
 figure,.seen,li{break-inside:avoid}
}
"""


# --- PDF pieces ----------------------------------------------------------------------------------

def _markup(text: str) -> str:
    """Text for reportlab's XML-like paragraph markup: escaped, with line breaks kept."""
    return html.escape(printable(text), quote=False).replace("\n", "<br/>")


def _pdf_blocks(text: str, style: ParagraphStyle) -> list[Flowable]:
    return [PdfParagraph(_markup(block.strip()), style)
            for block in _BLANK_LINE.split(printable(text)) if block.strip()]


def _pdf_styles(regular: str, bold: str, italic: str) -> dict[str, ParagraphStyle]:
    """Type sizes a parent can read on paper: 11.5pt body text, nothing below 9pt."""
    body = ParagraphStyle("body", fontName=regular, fontSize=11.5, leading=16.5, textColor=INK, spaceAfter=8)
    return {
        "kind": ParagraphStyle("kind", parent=body, fontSize=10.5, leading=14, textColor=MUTED, spaceAfter=2),
        "title": ParagraphStyle("title", parent=body, fontName=bold, fontSize=22, leading=27, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=13, leading=17.5, textColor=MUTED, spaceAfter=8),
        "h2": ParagraphStyle("h2", parent=body, fontName=bold, fontSize=15.5, leading=20, textColor=ACCENT,
                             spaceBefore=14, spaceAfter=6, keepWithNext=1),
        "body": body,
        "quote_label": ParagraphStyle("quote_label", parent=body, fontName=bold, fontSize=9.5, leading=12,
                                      textColor=MUTED, spaceAfter=2),
        "quote": ParagraphStyle("quote", parent=body, fontName=italic, spaceAfter=4),
        "seen": ParagraphStyle("seen", parent=body, fontSize=9.5, leading=12.5, textColor=MUTED, spaceBefore=-3,
                               spaceAfter=10),
        "chart_title": ParagraphStyle("chart_title", parent=body, fontName=bold, fontSize=12, leading=15,
                                      spaceBefore=6, spaceAfter=4, keepWithNext=1),
        "caption": ParagraphStyle("caption", parent=body, fontSize=9, leading=11.5, textColor=MUTED,
                                  alignment=TA_CENTER, spaceAfter=0),
    }


def _pdf_paragraph(paragraph: Paragraph, kind: ReportKind, shown: set[str],
                   styles: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    out: list[Flowable] = []
    if paragraph.quote:
        cells = [[PdfParagraph("From the EHC plan", styles["quote_label"])],
                 *[[block] for block in _pdf_blocks(paragraph.quote, styles["quote"])]]
        quote = Table(cells, colWidths=[width], hAlign="LEFT")
        quote.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, -1), QUOTE_BACK),
            ("LINEBEFORE", (0, 0), (0, -1), 3.5, QUOTE_BAR),
            ("LEFTPADDING", (0, 0), (-1, -1), 12), ("RIGHTPADDING", (0, 0), (-1, -1), 10),
            ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ("TOPPADDING", (0, 0), (-1, 0), 7), ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
        ]))
        out += [quote, Spacer(1, 8)]
    out.extend(_pdf_blocks(paragraph.text, styles["body"]))
    line = _citation_line(kind, paragraph.citations, shown)
    if line:
        out.append(PdfParagraph(_markup(line), styles["seen"]))
    return out


def _pdf_chart(picture: AreaPicture, styles: dict[str, ParagraphStyle]) -> Flowable:
    return KeepTogether([PdfParagraph(_markup(picture.title), styles["chart_title"]), picture.drawing, Spacer(1, 10)])


def _pdf_picture_grid(pictures: list[_Picture], width: float, styles: dict[str, ParagraphStyle]) -> Flowable:
    """Pictures four to a row, each scaled to fit its cell whatever its shape, captioned below."""
    columns = 4
    cell = width / columns
    box_w, box_h = cell - 12, 110.0
    cells: list[Flowable | list[Flowable]] = []
    for picture in pictures:
        scale = min(box_w / picture.width, box_h / picture.height)
        image = PdfImage(io.BytesIO(picture.jpeg), width=picture.width * scale, height=picture.height * scale)
        caption = [PdfParagraph("<br/>".join(_markup(line) for line in picture.caption), styles["caption"])]
        cells.append([image, Spacer(1, 3), *(caption if picture.caption else [])])
    rows = [cells[i:i + columns] for i in range(0, len(cells), columns)]
    rows[-1] += [""] * (columns - len(rows[-1]))  # type: ignore[list-item]
    grid = Table(rows, colWidths=[cell] * columns, hAlign="LEFT")
    grid.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), 6), ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
    ]))
    return grid


class _FooterCanvas(canvas.Canvas):
    """A canvas that holds pages back until the end, so each footer can say "Page n of N"."""

    def __init__(self, *args: object, footer: str, font: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._footer_text, self._footer_font = footer, font
        self._held: list[dict[str, object]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        for number, state in enumerate(self._held, start=1):
            self.__dict__.update(state)
            self.setFont(self._footer_font, 9)
            self.setFillColor(MUTED)
            width = self._pagesize[0]
            self.drawString(_MARGIN + 6, 32, self._footer_text)   # 6: the frame's padding, to line up with the text
            self.drawRightString(width - _MARGIN - 6, 32, f"Page {number} of {total}")
            super().showPage()
        super().save()

