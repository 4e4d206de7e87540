"""Charts drawn on the server as SVG (stacked bars, a validity timeline): one line of markup, no script to load.

Each builder returns one `<div>` on one line (Markdown keeps an HTML block whole until a blank line) holding an
SVG that scales to its column (`viewBox`, `width="100%"`). Every text that may come from a file goes through
`html.escape`, so a name like `<a href=…>` or `**x**` shows as typed; hover text is an SVG `<title>`.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from lib.statuses import VALIDITY_LABELS

# Paul Tol's « Safe » palette (Plotly's qualitative.Safe): told apart by colour-blind readers.
SAFE = (
    "#88CCEE", "#CC6677", "#DDCC77", "#117733", "#332288", "#AA4499",
    "#44AA99", "#999933", "#882255", "#661100", "#6699CC", "#888888",
)  # fmt: skip
VALIDITY_COLOURS = {"valid": "#2ca02c", "expiring_soon": "#ff9f1c", "expired": "#d62728", "no_expiry": "#9e9e9e"}
RENEWED = "renewed"
"""A timeline state beside the validity states: an expired session that a later one of its family renews (the SST
before a MAC SST) is history, drawn pale, not the red of something left to renew."""
TIMELINE_COLOURS = {**VALIDITY_COLOURS, RENEWED: "#e9a3a4"}
_TIMELINE_LABELS = {**VALIDITY_LABELS, RENEWED: "expirée, renouvelée"}
_TIMELINE_ORDER = ("valid", "expiring_soon", "expired", RENEWED, "no_expiry")

FONT = 12
GLYPH = 0.58  # the average width of a glyph of Streamlit's sans-serif, as a share of the font size
FAINT = 'stroke="currentColor" stroke-opacity="0.15"'
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")


def _text(value: object) -> str:
    """A value as literal text for SVG: control characters (newlines too) as one space, then escaped."""
    return html.escape(_CONTROL.sub(" ", str(value)).strip(), quote=True)


def _cut(value: str, chars: int) -> str:
    """At most `chars` characters, an ellipsis marking the cut (the whole text stays in the tooltip)."""
    value = _CONTROL.sub(" ", value).strip()
    return value if len(value) <= chars else value[: chars - 1].rstrip() + "…"


def _width(text: str, font: float = FONT) -> float:
    return len(text) * GLYPH * font


def _n(value: float) -> str:
    """A coordinate, one decimal at most."""
    return f"{value:.1f}".removesuffix(".0")


def fr_number(value: float) -> str:
    """A number the French way: 1 234 or 2,5 (narrow no-break spaces, a decimal comma)."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    shown = f"{value:,.2f}".rstrip("0").rstrip(".")
    return shown.replace(",", "\u202f").replace(".", ",")


def fr_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _tick_step(top: float, whole: bool, count: int = 5) -> float:
    """A round step (1, 2, 2.5 or 5 × 10ⁿ) giving about `count` ticks up to `top`; at least 1 for counts."""
    if top <= 0:
        return 1.0
    raw = top / count
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return max(step, 1.0) if whole else step


def _svg(width: float, height: float, label: str, body: list[str]) -> str:
    """The drawing in its one-line <div>; in a narrow column it keeps 3/4 of its size and scrolls sideways, so its
    texts stay legible."""
    markup = (
        f'<div class="pp-chart" style="width:100%;overflow-x:auto"><svg viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="100%" style="min-width:{_n(width * 0.75)}px" '
        f'role="img" aria-label="{_text(label)}" font-size="{FONT}" '
        f'fill="currentColor">{"".join(body)}</svg></div>'
    )
    assert "\n" not in markup and "\r" not in markup
    return markup


def _legend(
    items: Sequence[tuple[str, str]], x0: float, y0: float, width: float, *, dashed_today: bool = False
) -> tuple[list[str], float]:
    """Legend keys (colour, name) laid out in rows from (x0, y0) within `width`; the markup and its height."""
    body: list[str] = []
    x, y, row = x0, y0, FONT + 8
    entries: list[tuple[str, str | None]] = [(name, colour) for colour, name in items]
    if dashed_today:
        entries.append(("aujourd'hui", None))
    for name, colour in entries:
        shown = _cut(name, 34)
        room = 14 + 5 + _width(shown) + 16
        if x > x0 and x + room > x0 + width:
            x, y = x0, y + row
        if colour is None:
            key = (
                f'<line x1="{_n(x)}" y1="{_n(y + 6)}" x2="{_n(x + 14)}" y2="{_n(y + 6)}" stroke="currentColor" '
                'stroke-opacity="0.7" stroke-dasharray="4 3" stroke-width="1.5"/>'
            )
        else:
            key = f'<rect class="key" x="{_n(x)}" y="{_n(y)}" width="12" height="12" rx="2" fill="{colour}"/>'
        tip = f"<title>{_text(name)}</title>" if shown != name else ""
        body.append(f'<g>{key}<text x="{_n(x + 19)}" y="{_n(y + 6)}" dy="0.35em">{tip}{_text(shown)}</text></g>')
        x += room
    return body, (y - y0) + row if entries else 0


# ------------------------------------------------------------------------------------------------ stacked bars


def stacked_bars(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    label: str,
    x_title: str | None = None,
    y_title: str | None = None,
    tooltips: Sequence[str] | None = None,
    height: float = 220,
    width: float = 460,
) -> str:
    """A vertical stacked bar chart: one bar per category, one segment per series (the first at the bottom).

    `series` are (name, one value per category); `tooltips` name each category in the hover text (the category
    itself by default): « {tooltip} — {series} : {value} ». `height` is the plot's own height, without its labels
    and legend; `width` the drawing's, which then scales to its column.
    """
    count = len(categories)
    if tooltips is not None and len(tooltips) != count:
        raise ValueError("une infobulle par catégorie")
    if any(len(values) != count for _, values in series):
        raise ValueError("une valeur par catégorie dans chaque série")
    tips = list(tooltips) if tooltips is not None else list(categories)
    totals = [sum(max(float(values[i]), 0.0) for _, values in series) for i in range(count)]
    whole = all(float(v).is_integer() for _, values in series for v in values)
    step = _tick_step(max(totals, default=0.0), whole)
    top = max(math.ceil(max(totals, default=0.0) / step - 1e-9), 1) * step
    ticks = [round(i * step, 10) for i in range(round(top / step) + 1)]

    left = max(_width(fr_number(t)) for t in ticks) + 8 + (FONT + 6 if y_title else 0)
    right, top_margin = 8.0, 8.0
    plot = width - left - right
    slot = plot / max(count, 1)
    labels = [_cut(c, 18) for c in categories]
    widest = max((_width(t) for t in labels), default=0.0)
    upright = widest <= slot - 4
    every = 1 if upright else max(1, math.ceil(FONT * 1.8 / slot))
    band = FONT + 8 if upright else widest * 0.71 + FONT * 0.71 + 10
    base = top_margin + height

    def y_of(value: float) -> float:
        return base - value / top * height

    body = []
    for tick in ticks:
        y = y_of(tick)
        stroke = 'stroke="currentColor" stroke-opacity="0.45"' if tick == 0 else FAINT
        body.append(f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(left + plot)}" y2="{_n(y)}" {stroke}/>')
        body.append(f'<text x="{_n(left - 6)}" y="{_n(y)}" dy="0.35em" text-anchor="end">{fr_number(tick)}</text>')
    if y_title:
        middle = top_margin + height / 2
        body.append(
            f'<text transform="translate({_n(FONT)} {_n(middle)}) rotate(-90)" text-anchor="middle">'
            f"{_text(y_title)}</text>"
        )
    for i in range(count):
        x = left + i * slot + slot * 0.1
        stacked = 0.0
        for index, (name, values) in enumerate(series):
            value = max(float(values[i]), 0.0)
            if value <= 0:
                continue
            y0, y1 = y_of(stacked), y_of(stacked + value)
            stacked += value
            body.append(
                f'<rect class="bar" x="{_n(x)}" y="{_n(y1)}" width="{_n(slot * 0.8)}" height="{_n(y0 - y1)}" '
                f'fill="{SAFE[index % len(SAFE)]}"><title>{_text(tips[i])} — {_text(name)} : '
                f"{fr_number(value)}</title></rect>"
            )
        if i % every == 0:
            centre = left + i * slot + slot / 2
            tip = f"<title>{_text(categories[i])}</title>" if labels[i] != categories[i] else ""
            if upright:
                body.append(
                    f'<text x="{_n(centre)}" y="{_n(base + 6)}" dy="0.8em" text-anchor="middle">{tip}'
                    f"{_text(labels[i])}</text>"
                )
            else:
                body.append(
                    f'<text transform="translate({_n(centre)} {_n(base + 6)}) rotate(-45)" dy="0.7em" '
                    f'text-anchor="end">{tip}{_text(labels[i])}</text>'
                )
    below = base + band
    if x_title:
        body.append(
            f'<text x="{_n(left + plot / 2)}" y="{_n(below)}" dy="0.8em" text-anchor="middle">{_text(x_title)}</text>'
        )
        below += FONT + 8
    keys, legend_height = _legend(
        [(SAFE[i % len(SAFE)], name) for i, (name, _) in enumerate(series)], 8, below + 4, width - 16
    )
    body.extend(keys)
    return _svg(width, below + 4 + legend_height + 4, label, body)


# ------------------------------------------------------------------------------------------------ timeline


@dataclass(frozen=True)
class TimelineBar:
    """One training on the timeline: its line (training type), validity from `start` to `end` inclusive (None:
    no expiry, drawn up to today), its validity state (a key of VALIDITY_LABELS, or RENEWED) and its title for the
    hover."""

    line: str
    start: date
    end: date | None
    state: str
    title: str = ""


def _month_ticks(first: date, last: date, most: int) -> tuple[list[date], bool]:
    """First days of months between `first` and `last`, every 1, 2, 3, 6, 12, 24 or 60 months (at most `most`);
    whether they are whole years."""
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    step = next((s for s in (1, 2, 3, 6, 12, 24, 60) if months / s <= most), 120)
    ticks = []
    index = first.year * 12 + first.month - 1
    index += -index % step
    while (tick := date(index // 12, index % 12 + 1, 1)) <= last:
        if tick >= first:
            ticks.append(tick)
        index += step
    return ticks, step >= 12


def timeline(
    rows: Sequence[TimelineBar],
    *,
    today: date,
    label: str = "Frise des validités",
    width: float = 900,
    years_ahead: int = 5,
) -> str:
    """Horizontal bars, one line per training type (label on the left, earliest first), each bar from the start
    of a validity to its end, coloured by its state; a dashed line at today; month or year ticks; a legend.

    A validity without expiry is drawn up to today; the axis reaches at most `years_ahead` years after today (a
    later end is drawn to the edge, its date still in the hover)."""
    line_height, bar = 26.0, 16.0
    ordered = sorted(rows, key=lambda r: r.start)
    lines = list(dict.fromkeys(_CONTROL.sub(" ", r.line).strip() for r in ordered))
    finish = [
        (r.end + timedelta(days=1)) if r.end is not None else max(today, r.start + timedelta(days=1)) for r in ordered
    ]
    limit = today + timedelta(days=round(365.25 * years_ahead))
    first = min((r.start for r in ordered), default=today - timedelta(days=365))
    last = min(max([*finish, today + timedelta(days=1)]), limit)
    first = min(first, today)
    pad = max((last - first).days * 0.02, 15)
    lo, hi = first - timedelta(days=pad), last + timedelta(days=pad)
    span = (hi - lo).days

    names = [_cut(n, 34) for n in lines]
    left = max([_width(n) for n in names] + [60]) + 14
    right, top_margin = 16.0, FONT + 10
    plot = width - left - right

    def x_of(day: date) -> float:
        return left + min(max((day - lo).days, 0), span) / span * plot

    body = []
    bottom = top_margin + line_height * max(len(lines), 1)
    ticks, yearly = _month_ticks(lo, hi, max(2, int(plot // 80)))
    for tick in ticks:
        x = x_of(tick)
        body.append(f'<line x1="{_n(x)}" y1="{_n(top_margin)}" x2="{_n(x)}" y2="{_n(bottom)}" {FAINT}/>')
        body.append(
            f'<text x="{_n(x)}" y="{_n(bottom + 4)}" dy="0.8em" text-anchor="middle">'
            f"{tick.year if yearly else tick.strftime('%m/%Y')}</text>"
        )
    body.append(
        f'<line x1="{_n(left)}" y1="{_n(bottom)}" x2="{_n(left + plot)}" y2="{_n(bottom)}" '
        'stroke="currentColor" stroke-opacity="0.45"/>'
    )
    for index, (name, shown) in enumerate(zip(lines, names, strict=True)):
        middle = top_margin + line_height * (index + 0.5)
        tip = f"<title>{_text(name)}</title>" if shown != name else ""
        body.append(
            f'<text x="{_n(left - 8)}" y="{_n(middle)}" dy="0.35em" text-anchor="end">{tip}{_text(shown)}</text>'
        )
    for row, end in zip(ordered, finish, strict=True):
        index = lines.index(_CONTROL.sub(" ", row.line).strip())
        x0, x1 = x_of(row.start), x_of(end)
        state = row.state if row.state in TIMELINE_COLOURS else "no_expiry"
        when = (
            f"du {fr_date(row.start)} jusqu'au {fr_date(row.end)} ({_TIMELINE_LABELS[state]})"
            if row.end is not None
            else f"depuis le {fr_date(row.start)}, sans échéance"
        )
        what = row.line if not row.title or row.title == row.line else f"{row.line} — {row.title}"
        body.append(
            f'<rect class="bar" x="{_n(x0)}" y="{_n(top_margin + line_height * index + (line_height - bar) / 2)}" '
            f'width="{_n(max(x1 - x0, 3))}" height="{_n(bar)}" rx="2" fill="{TIMELINE_COLOURS[state]}" '
            f'fill-opacity="0.9"><title>{_text(what)} : {_text(when)}</title></rect>'
        )
    now = x_of(today)
    body.append(
        f'<line class="today" x1="{_n(now)}" y1="{_n(top_margin - 4)}" x2="{_n(now)}" y2="{_n(bottom)}" '
        'stroke="currentColor" stroke-opacity="0.7" stroke-dasharray="4 3" stroke-width="1.5">'
        f"<title>aujourd'hui, {fr_date(today)}</title></line>"
    )
    body.append(f'<text x="{_n(now)}" y="{_n(top_margin - 8)}" text-anchor="middle">aujourd\'hui</text>')
    drawn = {r.state if r.state in TIMELINE_COLOURS else "no_expiry" for r in rows}
    keys, legend_height = _legend(
        [(TIMELINE_COLOURS[s], _TIMELINE_LABELS[s]) for s in _TIMELINE_ORDER if s in drawn],
        left,
        bottom + FONT + 14,
        plot,
        dashed_today=True,
    )
    body.extend(keys)
    return _svg(width, bottom + FONT + 14 + legend_height + 2, label, body)
