"""Per-area pictures of progress, drawn with words and dates, never scores.

One chart per area of engagement, in three bands that share a time axis (months):

* **How established**: the trust's own descriptor words up the side, least at the bottom, with a
  dot for each judgement;
* **How much help was needed**: the trust's prompt hierarchy, most support at the bottom and
  independence at the top, so "higher" means the same good thing in both bands;
* **Places, people and times**: a shaded band that grows each time the area is seen somewhere
  new, with no scale at all, since a count of contexts is not something a parent needs to read.

No axis carries a number about the pupil: the only figures on a chart are years in month labels.
The chart is one reportlab ``Drawing``, so the PDF places it as a flowable and the HTML page gets
the very same picture as inline SVG.

Long histories are summarised per week (or per month, when even weeks are too many) with the middle
judgement of each period, which keeps a year of daily observations legible and quick to draw.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import reportlab
from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.pdfbase.ttfonts import TTFont

from narrative_builder.core.report_model import AreaChart

#: dates are shown as the family and school live them, whatever zone they were stored in
LOCAL_ZONE = ZoneInfo("Europe/London")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
#: more dots than this and a chart summarises per week (then per month), so it stays legible
MAX_MARKS = 120
DEFAULT_WIDTH = 480.0

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#52606d")
GRID = colors.HexColor("#d9dee4")
BAND = colors.HexColor("#f3f6f9")
ESTABLISHED = colors.HexColor("#1f5fa8")       # blue dots
SUPPORT = colors.HexColor("#b54708")           # orange diamonds: a different shape, not only a colour
CONTEXTS_FILL = colors.HexColor("#cde7d3")
CONTEXTS_LINE = colors.HexColor("#2f7a45")

_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
_DEJAVU = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf",
           "italic": "DejaVuSans-Oblique.ttf", "bold_italic": "DejaVuSans-BoldOblique.ttf"}
_VERA = {"regular": "Vera.ttf", "bold": "VeraBd.ttf", "italic": "VeraIt.ttf", "bold_italic": "VeraBI.ttf"}
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


@dataclass(frozen=True)
class ReportFonts:
    """The typeface shared by the charts and the PDF, so pictures and words match on the page.

    Embedded TrueType rather than the PDF core fonts, so the PDF looks the same in every viewer:
    DejaVu Sans where the machine has it (names such as "Łucja" or "Şeyma" print correctly),
    otherwise Bitstream Vera, which ships inside reportlab and so is always there, but covers only
    Western European letters.
    """

    regular: str
    bold: str
    italic: str
    bold_italic: str
    css_family: str


@functools.cache
def report_fonts() -> ReportFonts:
    """Registers the report typeface once per process, since parsing a TrueType file is the slow part."""
    vera_dir = Path(reportlab.__file__).parent / "fonts"
    names: dict[str, str] = {}
    for style in ("regular", "bold", "italic", "bold_italic"):
        dejavu = next((d / _DEJAVU[style] for d in _FONT_DIRS if (d / _DEJAVU[style]).is_file()), None)
        path = dejavu or vera_dir / _VERA[style]
        name = f"Report-{style}-{'DejaVu' if dejavu else 'Vera'}"
        pdfmetrics.registerFont(TTFont(name, str(path)))
        names[style] = name
    registerFontFamily("ReportSans", normal=names["regular"], bold=names["bold"], italic=names["italic"],
                       boldItalic=names["bold_italic"])
    return ReportFonts(**names, css_family="'DejaVu Sans', Verdana, 'Segoe UI', Arial, sans-serif")


def printable(text: str) -> str:
    """Text without control characters or lone surrogates, which would break XML, SVG and PDF
    markup; everything else is kept, as the words are the trust's or the staff's own."""
    return _UNPRINTABLE.sub(" ", text)


def local(moment: datetime) -> datetime:
    """A moment as a UK wall-clock time (naive), so an evening observation in summer is not dated
    the next day, and charts and citations agree on the day."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(LOCAL_ZONE).replace(tzinfo=None)
    return moment


def long_date(moment: datetime) -> str:
    """A date as a family writes it, "3 March 2027": no leading zero, and no locale surprises."""
    day = local(moment)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def short_date(moment: datetime) -> str:
    """A date as "3 Mar 2027", compact enough to list several observations in one line of an EHC review."""
    day = local(moment)
    return f"{day.day} {MONTHS[day.month - 1][:3]} {day.year}"


def month_year(moment: datetime) -> str:
    """A month as "March 2027", for describing when a chart starts and ends."""
    day = local(moment)
    return f"{MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class _Mark:
    """One dot: a judgement, or the middle judgement of a week or month of them."""

    at: datetime
    established: int | None
    support: int | None
    contexts: int


@dataclass(frozen=True)
class AreaPicture:
    """A drawn chart with the words a screen reader says instead, so the HTML and the PDF carry the
    same picture and the same description."""

    title: str
    drawing: Drawing
    description: str


def area_chart(chart: AreaChart, width: float = DEFAULT_WIDTH) -> AreaPicture | None:
    """The picture of one area's progress, or None when there is nothing to draw (no judgements, no
    scale, or no judgement in the trust's words), so a report simply leaves the chart out."""
    scale = [printable(w).strip() for w in chart.descriptor_scale if w.strip()]
    hierarchy = [printable(w).strip() for w in chart.prompt_hierarchy if w.strip()]
    if not chart.points or not scale:
        return None
    marks, grain = _marks(chart, scale, hierarchy)
    if not any(m.established is not None for m in marks):
        return None
    drawing = _draw(marks, grain, scale, hierarchy, width)
    return AreaPicture(title=printable(chart.title), drawing=drawing,
                       description=_describe(printable(chart.title), marks, scale, hierarchy))


def svg(picture: AreaPicture, element_id: str) -> str:
    """The chart as an inline ``<svg>`` for an HTML page: no XML prologue, ids unique on the page,
    an accessible name and description, and a web font stack in place of the PDF font names."""
    fonts = report_fonts()
    hacks = {fonts.regular: {"family": fonts.css_family},
             fonts.bold: {"family": fonts.css_family, "weight": "bold"},
             fonts.italic: {"family": fonts.css_family, "style": "italic"}}
    attrs = {"role": "img", "aria-labelledby": f"{element_id}-title {element_id}-desc",
             "class": "chart", "id": element_id}
    text = renderSVG.drawToString(picture.drawing, useClip=True, fontHacks=hacks, svgAttrs=attrs)
    text = text[text.index("<svg"):]
    text = text.replace(' id="group"', "", 1)
    text = text.replace("<title>...</title>",
                        f'<title id="{element_id}-title">{_xml(picture.title)}</title>', 1)
    text = text.replace("<desc>...</desc>",
                        f'<desc id="{element_id}-desc">{_xml(picture.description)}</desc>', 1)
    return text


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- the data behind the dots ------------------------------------------------------------------

def _index(words: Sequence[str]) -> dict[str, int]:
    return {w.casefold(): i for i, w in enumerate(words)}


def _marks(chart: AreaChart, scale: list[str], hierarchy: list[str]) -> tuple[list[_Mark], str]:
    """The dots to draw and what each stands for ("observation", "week", "month" or "months")."""
    established, support = _index(scale), _index(hierarchy)
    raw = sorted(
        (_Mark(at=local(p.observed_at),
               established=established.get(printable(p.established).strip().casefold()),
               support=support.get(printable(p.support_level).strip().casefold()) if p.support_level else None,
               contexts=p.contexts_so_far)
         for p in chart.points),
        key=lambda m: m.at)
    if len(raw) <= MAX_MARKS:
        return raw, "observation"
    weekly = _grouped(raw, lambda m: (m.at.date() - timedelta(days=m.at.weekday())).toordinal())
    if len(weekly) <= MAX_MARKS:
        return [_summary(g) for g in weekly], "week"
    monthly = _grouped(raw, lambda m: m.at.year * 12 + m.at.month - 1)
    if len(monthly) <= MAX_MARKS:
        return [_summary(g) for g in monthly], "month"
    per = math.ceil(len(monthly) / MAX_MARKS)
    return [_summary([m for g in monthly[i:i + per] for m in g]) for i in range(0, len(monthly), per)], "months"


def _grouped(marks: list[_Mark], key: Callable[[_Mark], int]) -> list[list[_Mark]]:
    """Runs of consecutive (time-ordered) marks sharing a key: a week or a month of them."""
    groups: list[list[_Mark]] = []
    last: int | None = None
    for mark in marks:
        k = key(mark)
        if not groups or k != last:
            groups.append([])
            last = k
        groups[-1].append(mark)
    return groups


def _middle(values: list[int]) -> int | None:
    """The middle judgement of a period (the lower one of two): an ordinal scale has no average."""
    if not values:
        return None
    values = sorted(values)
    return values[(len(values) - 1) // 2]


def _summary(group: list[_Mark]) -> _Mark:
    first, last = group[0].at, group[-1].at
    return _Mark(at=first + (last - first) / 2,
                 established=_middle([m.established for m in group if m.established is not None]),
                 support=_middle([m.support for m in group if m.support is not None]),
                 contexts=max(m.contexts for m in group))


def _describe(title: str, marks: list[_Mark], scale: list[str], hierarchy: list[str]) -> str:
    """What the chart shows, in words and dates only, for screen readers and image alt text."""
    judged = [(m.at, m.established) for m in marks if m.established is not None]
    (first_at, first), (last_at, last) = judged[0], judged[-1]
    start, end = month_year(first_at), month_year(last_at)
    parts = [f"{title}, a picture of how established it has been over time"]
    if first == last and start == end:
        parts.append(f"“{scale[first]}” in {start}")
    elif first == last:
        parts.append(f"“{scale[first]}” in {start} and still “{scale[last]}” in {end}")
    else:
        parts.append(f"“{scale[first]}” in {start}, “{scale[last]}” by {end}")
    helped = [m.support for m in marks if m.support is not None]
    if helped:
        a, b = hierarchy[helped[0]], hierarchy[helped[-1]]
        parts.append(f"help needed: “{a}” at first and “{b}” most recently" if a != b else f"help needed: “{a}” throughout")
    if marks[-1].contexts > marks[0].contexts:
        parts.append("seen in more places, with more people and at more times as time went on")
    elif marks[-1].contexts > 0:
        parts.append("seen in the same places and with the same people throughout")
    return "; ".join(parts) + "."


# --- drawing -------------------------------------------------------------------------------------

_LABEL = 9.0        # axis words
_TITLE = 9.0        # band titles
_NOTE = 8.5
_ROW_MAIN = 19.0
_ROW_HELP = 14.0
_CONTEXT_H = 24.0
_GAP = 7.0       # between one band and the next band's title


def _fit(text: str, font: str, size: float, width: float) -> str:
    """A label shortened with an ellipsis to fit its column, so a long trust descriptor never
    runs into the plot."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


class _TimeAxis:
    """Maps local times to x, with a little room at either end so the first and last dots are
    not cut in half."""

    def __init__(self, first: datetime, last: datetime, x0: float, x1: float) -> None:
        span = last - first
        pad = max(span * 0.04, timedelta(days=4)) if span > timedelta(0) else timedelta(days=15)
        self.start, self.end = first - pad, last + pad
        self.x0, self.x1 = x0, x1
        self._seconds = (self.end - self.start).total_seconds()

    def x(self, moment: datetime) -> float:
        return self.x0 + (moment - self.start).total_seconds() / self._seconds * (self.x1 - self.x0)

    def months(self) -> list[datetime]:
        """The first of each month from the one the axis starts in to the one after it ends."""
        out, year, month = [], self.start.year, self.start.month
        while True:
            moment = datetime(year, month, 1)
            out.append(moment)
            if moment > self.end:
                return out
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _draw(marks: list[_Mark], grain: str, scale: list[str], hierarchy: list[str], width: float) -> Drawing:
    fonts = report_fonts()
    helped = any(m.support is not None for m in marks)
    show_contexts = any(m.contexts > 0 for m in marks)
    help_rows = hierarchy if helped else []

    label_width = max(pdfmetrics.stringWidth(w, fonts.regular, _LABEL) for w in [*scale, *help_rows])
    label_col = min(label_width, width * 0.3) + 10
    x0, x1 = label_col, width - 8
    plot_w = x1 - x0

    main_h = max(_ROW_MAIN * len(scale), 60.0)
    help_h = _ROW_HELP * len(help_rows)
    title_h = _TITLE + 7
    axis_h = _LABEL + 8
    note_h = _NOTE + 6
    height = (title_h + main_h + (_GAP + title_h + help_h if help_rows else 0)
              + (_GAP + title_h + _CONTEXT_H if show_contexts else 0) + axis_h + note_h + 4)

    d = Drawing(width, height)
    axis = _TimeAxis(marks[0].at, marks[-1].at, x0, x1)
    dot_r = 3.2 if len(marks) <= 60 else 2.4

    # bands from the top down; y grows upwards in reportlab
    top = height - 2
    main_top = top - title_h
    main_bottom = main_top - main_h
    _band_title(d, x0, main_top + 5, "How established", "higher up means more established", "dot", fonts)
    _rows(d, scale, main_bottom, main_h / len(scale), x0, x1, label_col, fonts)
    panels = [(main_bottom, main_top)]
    row = main_h / len(scale)
    points = [(axis.x(m.at), main_bottom + (m.established + 0.5) * row) for m in marks if m.established is not None]
    _series(d, points, ESTABLISHED, dot_r, "dot")

    bottom = main_bottom
    if help_rows:
        help_top = bottom - _GAP - title_h
        help_bottom = help_top - help_h
        _band_title(d, x0, help_top + 5, "How much help was needed", "higher up means less help", "diamond", fonts)
        _rows(d, help_rows, help_bottom, _ROW_HELP, x0, x1, label_col, fonts)
        points = [(axis.x(m.at), help_bottom + (m.support + 0.5) * _ROW_HELP) for m in marks if m.support is not None]
        _series(d, points, SUPPORT, dot_r, "diamond")
        panels.append((help_bottom, help_top))
        bottom = help_bottom
    if show_contexts:
        ctx_top = bottom - _GAP - title_h
        ctx_bottom = ctx_top - _CONTEXT_H
        _band_title(d, x0, ctx_top + 5, "Places, people and times",
                    "grows each time it is seen somewhere new", "band", fonts)
        d.add(Rect(x0, ctx_bottom, plot_w, _CONTEXT_H, fillColor=BAND, strokeColor=None))
        _contexts(d, marks, axis, ctx_bottom, _CONTEXT_H - 3)
        panels.append((ctx_bottom, ctx_top))
        bottom = ctx_bottom

    _months(d, axis, panels, bottom, fonts)
    note = {"observation": "Each dot is one observation.",
            "week": "Each dot sums up one week: the middle judgement of that week.",
            "month": "Each dot sums up one month: the middle judgement of that month.",
            "months": "Each dot sums up a few months: the middle judgement of that time."}[grain]
    d.add(String(x0, 3, note, fontName=fonts.italic, fontSize=_NOTE, fillColor=MUTED))
    return d


def _band_title(d: Drawing, x: float, y: float, title: str, hint: str, marker: str, fonts: ReportFonts) -> None:
    """A band's name with its marker beside it: the legend sits where the eye already is."""
    _marker(d, x + 4, y + 3, 3.4, marker)
    d.add(String(x + 12, y, title, fontName=fonts.bold, fontSize=_TITLE, fillColor=INK))
    offset = pdfmetrics.stringWidth(title, fonts.bold, _TITLE) + 16
    d.add(String(x + offset, y, f"({hint})", fontName=fonts.regular, fontSize=_TITLE, fillColor=MUTED))


def _rows(d: Drawing, words: list[str], bottom: float, row_h: float, x0: float, x1: float,
          label_col: float, fonts: ReportFonts) -> None:
    """Alternate shaded rows, one per word, labelled on the left, least at the bottom."""
    for i, word in enumerate(words):
        y = bottom + i * row_h
        if i % 2 == 0:
            d.add(Rect(x0, y, x1 - x0, row_h, fillColor=BAND, strokeColor=None))
        label = String(x0 - 6, y + row_h / 2 - _LABEL * 0.35, _fit(word, fonts.regular, _LABEL, label_col - 10),
                       fontName=fonts.regular, fontSize=_LABEL, fillColor=INK, textAnchor="end")
        label._svgAttrs = {"class": "axis-words"}  # type: ignore[attr-defined]
        d.add(label)
    d.add(Line(x0, bottom, x1, bottom, strokeColor=GRID, strokeWidth=0.8))


def _series(d: Drawing, points: list[tuple[float, float]], color: colors.Color, r: float, marker: str) -> None:
    if len(points) > 1:
        d.add(PolyLine([c for p in points for c in p], strokeColor=color, strokeWidth=1.1,
                       strokeLineJoin=1, strokeLineCap=1))
    for x, y in points:
        _marker(d, x, y, r, marker, color)


def _marker(d: Drawing, x: float, y: float, r: float, kind: str, color: colors.Color | None = None) -> None:
    if kind == "dot":
        d.add(Circle(x, y, r, fillColor=color or ESTABLISHED, strokeColor=colors.white, strokeWidth=0.6))
    elif kind == "diamond":
        s = r * 1.25
        d.add(Polygon([x, y - s, x + s, y, x, y + s, x - s, y], fillColor=color or SUPPORT,
                      strokeColor=colors.white, strokeWidth=0.6))
    else:
        d.add(Rect(x - r, y - r, 2 * r, 2 * r, fillColor=CONTEXTS_FILL, strokeColor=CONTEXTS_LINE, strokeWidth=0.8))


def _contexts(d: Drawing, marks: list[_Mark], axis: _TimeAxis, bottom: float, height: float) -> None:
    """A step band whose height follows how many different circumstances the area has been seen
    in so far, relative to the most it reached: a shape to glance at, with no scale to read."""
    most = max(m.contexts for m in marks) or 1
    xs = [axis.x(m.at) for m in marks]
    levels = [bottom + m.contexts / most * height for m in marks]
    if len(marks) == 1:
        xs = [xs[0] - 4, xs[0] + 4]
        levels = levels * 2
    outline = [xs[0], bottom]
    for i, (x, level) in enumerate(zip(xs, levels, strict=True)):
        if i:
            outline += [x, levels[i - 1]]
        outline += [x, level]
    outline += [xs[-1], bottom]
    d.add(Polygon(outline, fillColor=CONTEXTS_FILL, strokeColor=None))
    d.add(PolyLine(outline[2:-2], strokeColor=CONTEXTS_LINE, strokeWidth=1.1, strokeLineJoin=1))


def _months(d: Drawing, axis: _TimeAxis, panels: list[tuple[float, float]], bottom: float, fonts: ReportFonts) -> None:
    """Month gridlines through every band, and month names under them, thinned out when the
    chart covers years; the year is shown on the first label and wherever it changes."""
    months = axis.months()
    per_month = (axis.x1 - axis.x0) / max((axis.end - axis.start).days / 30.44, 0.01)
    widest = pdfmetrics.stringWidth("Sep 2027", fonts.regular, _LABEL) + 6
    step = next((s for s in (1, 2, 3, 4, 6, 12) if s * per_month >= widest * (0.6 if s == 1 else 1)), 24)
    last_right, last_year = -1e9, None
    for i, start in enumerate(months[:-1]):
        end = months[i + 1]
        gx = axis.x(start)
        if axis.x0 < gx < axis.x1:
            for lo, hi in panels:
                d.add(Line(gx, lo, gx, hi, strokeColor=GRID, strokeWidth=0.6))
        if (start.year * 12 + start.month - 1) % step:
            continue
        if step == 1:
            left, right = max(gx, axis.x0), min(axis.x(end), axis.x1)
            if right - left < 14:
                continue
            cx = (left + right) / 2
        else:
            if not axis.x0 <= gx <= axis.x1:
                continue
            cx = gx
        text = MONTHS[start.month - 1][:3]
        if start.year != last_year:
            text = f"{text} {start.year}"
        w = pdfmetrics.stringWidth(text, fonts.regular, _LABEL)
        cx = min(max(cx, axis.x0 + w / 2), axis.x1 - w / 2)
        if cx - w / 2 < last_right + 4:
            continue
        label = String(cx, bottom - _LABEL - 3, text, fontName=fonts.regular, fontSize=_LABEL,
                       fillColor=MUTED, textAnchor="middle")
        label._svgAttrs = {"class": "axis-time"}  # type: ignore[attr-defined]
        d.add(label)
        last_right, last_year = cx + w / 2, start.year

