"""The charts drawn on the server: one line of escaped SVG, bars and dates where the numbers put them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from lib.charts import RENEWED, SAFE, VALIDITY_COLOURS, TimelineBar, fr_number, stacked_bars, timeline

HOSTILE = [
    '<a href="http://127.0.0.1:9/">lien</a>',
    "<script>alert(1)</script>",
    '<img src=x onload="alert(1)">',
    "**gras** $x$ [x](http://127.0.0.1:9/)",
    "ligne 1\nligne 2\r\n",
]


def parse(markup: str) -> ET.Element:
    """The SVG inside the chart's one <div>, as XML (which it must be)."""
    assert markup.startswith("<div") and markup.endswith("</div>")
    assert "\n" not in markup and "\r" not in markup
    div = ET.fromstring(markup)
    (svg,) = div
    assert svg.tag == "svg" and svg.get("width") == "100%" and svg.get("role") == "img" and svg.get("aria-label")
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", svg.get("viewBox", ""))
    return svg


def bars(svg: ET.Element) -> list[ET.Element]:
    return [r for r in svg.iter("rect") if r.get("class") == "bar"]


def tip(element: ET.Element) -> str:
    title = element.find("title")
    assert title is not None and title.text is not None
    return title.text


def number(element: ET.Element, name: str) -> float:
    return float(element.get(name, "nan"))


def texts(svg: ET.Element) -> list[str]:
    """The visible texts (a <title> inside a <text> is its hover, not shown)."""
    return [(t.text or "") + "".join(child.tail or "" for child in t) for t in svg.iter("text")]


def assert_shown_as_typed(markup: str, svg: ET.Element) -> None:
    """The hostile texts are in the text nodes, escaped: no element or attribute came out of them."""
    assert {e.tag for e in svg.iter()} <= {"svg", "g", "line", "rect", "text", "title"}
    assert all(not name.startswith("on") and name != "href" for e in svg.iter() for name in e.attrib)
    lowered = markup.lower()
    assert "<a" not in lowered and "<script" not in lowered and "<img" not in lowered
    shown = " ".join(t.text or "" for t in svg.iter("title")) + " ".join(texts(svg))
    assert '<a href="http://127.0.0.1:9/">lien</a>' in shown and "<script>alert(1)</script>" in shown
    assert "**gras** $x$ [x](http://127.0.0.1:9/)" in shown and "ligne 1 ligne 2" in shown


# ------------------------------------------------------------------------------------------------ stacked bars


def test_bar_heights_are_proportional_to_the_values_and_stacked_in_the_order_of_the_series() -> None:
    svg = parse(stacked_bars(["a", "b"], [("Vérif", [3, 1]), ("Carence", [2, 0])], label="essai"))
    a_first, a_second, b_first = bars(svg)
    assert [r.get("fill") for r in (a_first, a_second, b_first)] == [SAFE[0], SAFE[1], SAFE[0]]
    unit = number(a_first, "height") / 3
    assert number(a_second, "height") == pytest.approx(2 * unit, abs=0.15)
    assert number(b_first, "height") == pytest.approx(unit, abs=0.15)
    # The first series at the bottom, the second right on top of it; both bars stand on the same baseline.
    assert number(a_second, "y") + number(a_second, "height") == pytest.approx(number(a_first, "y"), abs=0.15)
    base = number(a_first, "y") + number(a_first, "height")
    assert number(b_first, "y") + number(b_first, "height") == pytest.approx(base, abs=0.15)
    assert number(b_first, "x") > number(a_first, "x")
    assert "Vérif" in texts(svg) and "Carence" in texts(svg)  # the legend, in the order of the series


def test_each_segment_says_its_category_series_and_value_in_french() -> None:
    svg = parse(
        stacked_bars(
            ["07/12", "14/12"],
            [("Vérification", [12, 1500]), ("Carence", [0, 2])],
            label="Échéances",
            tooltips=["Semaine du 07/12/2026", "Semaine du 14/12/2026"],
        )
    )
    assert [tip(r) for r in bars(svg)] == [
        "Semaine du 07/12/2026 — Vérification : 12",
        "Semaine du 14/12/2026 — Vérification : 1\u202f500",
        "Semaine du 14/12/2026 — Carence : 2",
    ]
    assert [t for t in texts(svg) if t[0].isdigit() and "/" not in t] == [
        "0",
        "500",
        "1\u202f000",
        "1\u202f500",
        "2\u202f000",
    ]


def test_y_ticks_are_round_and_reach_above_the_highest_bar() -> None:
    svg = parse(stacked_bars(["a", "b", "c"], [("x", [7, 23, 0]), ("y", [0, 4, 1])], label="t", y_title="Nombre"))
    ticks = [t for t in texts(svg) if t.isdigit()]
    assert ticks == ["0", "10", "20", "30"]
    assert "Nombre" in texts(svg)


def test_french_numbers() -> None:
    assert fr_number(1234567) == "1\u202f234\u202f567"
    assert fr_number(2.5) == "2,5"
    assert fr_number(0.25) == "0,25"
    assert fr_number(3.0) == "3"


def test_empty_and_zero_series_draw_an_axis_and_no_bar() -> None:
    for series in ([], [("Vérification", [0, 0])]):
        markup = stacked_bars(["a", "b"], series, label="vide")
        svg = parse(markup)
        assert bars(svg) == []
        assert "0" in texts(svg) and not re.search(r"\b(?:nan|NaN|None|inf)\b", markup)
    assert bars(parse(stacked_bars([], [], label="rien"))) == []


def test_one_category_is_one_bar_in_the_plot() -> None:
    svg = parse(stacked_bars(["janv. 2027"], [("SST", [4])], label="t"))
    (bar,) = bars(svg)
    width = float(svg.get("viewBox", "").split()[2])
    assert 0 < number(bar, "x") and number(bar, "x") + number(bar, "width") < width
    assert "janv. 2027" in texts(svg)


def test_many_categories_rotate_and_thin_their_labels_within_the_drawing() -> None:
    weeks = [f"{d:02d}/12" for d in range(1, 31)]
    svg = parse(stacked_bars(weeks, [("x", list(range(30)))], label="t", x_title="Semaine du (jj/mm)"))
    labels = [t for t in svg.iter("text") if (t.text or "") in weeks]
    assert 5 < len(labels) < 30 and all("rotate(-45)" in t.get("transform", "") for t in labels)
    assert len(bars(svg)) == 29  # the week with 0 draws nothing


def test_long_labels_are_cut_on_the_axis_and_whole_in_their_tooltip() -> None:
    long = "Habilitation électrique B1V-B2V-BR-BC chargé de consignation"
    svg = parse(stacked_bars([long, "b"], [(long, [1, 2])], label="t"))
    assert long not in texts(svg)
    assert any(t.endswith("…") and long.startswith(t[:-1]) for t in texts(svg))
    assert any(t.text == long for t in svg.iter("title"))


def test_hostile_names_show_as_typed_in_the_bars() -> None:
    markup = stacked_bars(HOSTILE, [(name, [1] * len(HOSTILE)) for name in HOSTILE], label=HOSTILE[0])
    svg = parse(markup)
    assert_shown_as_typed(markup, svg)
    assert svg.get("aria-label") == HOSTILE[0]


def test_a_category_without_its_value_is_refused() -> None:
    with pytest.raises(ValueError):
        stacked_bars(["a", "b"], [("x", [1])], label="t")


# ------------------------------------------------------------------------------------------------ timeline

TODAY = date(2026, 11, 23)


def today_x(svg: ET.Element) -> float:
    (line,) = [e for e in svg.iter("line") if e.get("class") == "today"]
    assert number(line, "x1") == number(line, "x2")
    return number(line, "x1")


def test_timeline_bars_sit_where_their_dates_are() -> None:
    rows = [
        TimelineBar("SST", date(2025, 1, 1), date(2026, 12, 31), "expiring_soon", "Sauveteur secouriste"),
        TimelineBar("PRAP", date(2023, 6, 1), date(2025, 5, 31), "expired", "PRAP IBC"),
        TimelineBar("SST", date(2023, 1, 1), date(2024, 12, 31), "expired", "Sauveteur secouriste"),
    ]
    svg = parse(timeline(rows, today=TODAY))
    early_sst, prap, late_sst = bars(svg)  # drawn from the earliest start
    assert number(early_sst, "x") < number(prap, "x") < number(late_sst, "x")
    assert number(early_sst, "y") == number(late_sst, "y") != number(prap, "y")  # one line per training type
    # x is linear in the date.
    per_day = number(late_sst, "width") / (date(2027, 1, 1) - date(2025, 1, 1)).days
    assert number(early_sst, "width") == pytest.approx(per_day * 731, abs=0.3)
    assert number(late_sst, "x") + number(late_sst, "width") > today_x(svg) > number(late_sst, "x")
    assert [r.get("fill") for r in (early_sst, prap, late_sst)] == [
        VALIDITY_COLOURS["expired"],
        VALIDITY_COLOURS["expired"],
        VALIDITY_COLOURS["expiring_soon"],
    ]
    assert tip(late_sst) == "SST — Sauveteur secouriste : du 01/01/2025 jusqu'au 31/12/2026 (expire bientôt)"
    legend = texts(svg)[-3:]  # the states drawn, in their fixed order, and the dashed line
    assert legend == ["expire bientôt", "expirée", "aujourd'hui"]


def test_a_session_renewed_by_a_later_one_is_drawn_pale_and_named_so() -> None:
    rows = [
        TimelineBar("SST", date(2023, 1, 1), date(2024, 12, 31), RENEWED, "Sauveteur secouriste"),
        TimelineBar("SST", date(2025, 1, 1), date(2026, 12, 31), "expiring_soon", "MAC SST"),
        TimelineBar("PRAP", date(2023, 6, 1), date(2025, 5, 31), "expired", "PRAP IBC"),
    ]
    svg = parse(timeline(rows, today=TODAY))
    renewed, prap, mac = bars(svg)
    assert renewed.get("fill") not in {*VALIDITY_COLOURS.values()}  # neither the red of « expirée » nor another state
    assert prap.get("fill") == VALIDITY_COLOURS["expired"] and mac.get("fill") == VALIDITY_COLOURS["expiring_soon"]
    assert tip(renewed) == "SST — Sauveteur secouriste : du 01/01/2023 jusqu'au 31/12/2024 (expirée, renouvelée)"
    assert texts(svg)[-4:] == ["expire bientôt", "expirée", "expirée, renouvelée", "aujourd'hui"]


def test_the_today_line_is_at_today() -> None:
    rows = [TimelineBar("SST", date(2026, 1, 1), date(2027, 10, 31), "valid")]
    svg = parse(timeline(rows, today=TODAY))
    (bar,) = bars(svg)
    per_day = number(bar, "width") / (date(2027, 11, 1) - date(2026, 1, 1)).days
    assert today_x(svg) == pytest.approx(number(bar, "x") + per_day * (TODAY - date(2026, 1, 1)).days, abs=0.3)
    assert "aujourd'hui" in texts(svg)


def test_a_training_without_expiry_is_drawn_up_to_today_in_grey() -> None:
    svg = parse(timeline([TimelineBar("Travail en hauteur", date(2024, 1, 1), None, "no_expiry")], today=TODAY))
    (bar,) = bars(svg)
    assert number(bar, "x") + number(bar, "width") == pytest.approx(today_x(svg), abs=0.3)
    assert bar.get("fill") == VALIDITY_COLOURS["no_expiry"]
    assert tip(bar) == "Travail en hauteur : depuis le 01/01/2024, sans échéance"


def test_a_training_ending_after_the_axis_is_drawn_to_its_edge_with_its_true_date() -> None:
    rows = [
        TimelineBar("SST", date(2025, 1, 1), date(2026, 12, 31), "expiring_soon"),
        TimelineBar("Erreur de saisie", date(2025, 6, 1), date(2099, 12, 31), "valid"),
    ]
    svg = parse(timeline(rows, today=TODAY, years_ahead=5))
    width = float(svg.get("viewBox", "").split()[2])
    _, far = bars(svg)
    assert number(far, "x") + number(far, "width") < width
    assert "jusqu'au 31/12/2099" in tip(far)
    years = [int(t) for t in texts(svg) if t.isdigit()]
    assert years and max(years) <= TODAY.year + 5 + 1


def test_month_ticks_on_a_short_timeline() -> None:
    svg = parse(timeline([TimelineBar("SST", date(2026, 9, 1), date(2027, 2, 28), "valid")], today=TODAY))
    assert any(re.fullmatch(r"\d\d/2026", t) for t in texts(svg))


def test_hostile_titles_show_as_typed_on_the_timeline() -> None:
    rows = [TimelineBar(name, date(2024, 1, 1), date(2027, 1, 1), "valid", title=name) for name in HOSTILE]
    markup = timeline(rows, today=TODAY)
    assert_shown_as_typed(markup, parse(markup))


def test_an_empty_timeline_still_draws_its_axis() -> None:
    markup = timeline([], today=TODAY)
    svg = parse(markup)
    assert bars(svg) == [] and "aujourd'hui" in texts(svg)
