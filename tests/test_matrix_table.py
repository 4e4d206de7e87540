"""The Échéances matrix drawn as an HTML table: colours, marks, tooltips, outlines, labels, escaping, one line."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser

import pandas as pd
import pytest

from lib import echeances_logic
from lib.echeances_logic import Matrix
from lib.matrix_table import CAPTION, EMPTY, PREFIX, matrix_table

TODAY = date(2026, 11, 23)


@dataclass
class Cell:
    look: str
    title: str
    text: str


@dataclass
class Parsed:
    """What a reader (or a screen reader) gets from the markup."""

    style: str = ""
    caption: str = ""
    aria_label: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[str] = field(default_factory=list)
    cells: list[list[Cell]] = field(default_factory=list)
    legend: str = ""
    tags: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = Parsed()
        self._open: list[tuple[str, dict[str, str]]] = []
        self._buffer = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.found.tags.append(tag)
        if tag == "table":
            self.found.aria_label = attributes.get("aria-label", "")
        if tag == "tr" and self._inside("tbody"):
            self.found.cells.append([])
        self._open.append((tag, attributes))
        self._buffer = ""

    def handle_endtag(self, tag: str) -> None:
        name, attributes = self._open.pop()
        assert name == tag, f"<{name}> closed by </{tag}>"
        text = self._buffer
        if tag == "style":
            self.found.style = text
        elif tag == "caption":
            self.found.caption = text
        elif tag == "span" and self._open and self._open[-1][0] == "th" and self._inside("thead"):
            self.found.columns.append(text)
        elif tag == "th" and attributes.get("scope") == "row":
            self.found.rows.append(text)
        elif tag == "td":
            look = attributes["class"].removeprefix(f"{PREFIX}-")
            self.found.cells[-1].append(Cell(look, attributes["title"], text))
        if tag in ("th", "td", "caption", "span", "style"):
            self._buffer = ""

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self._buffer += data
        if any(attributes.get("class") == f"{PREFIX}-legende" for _, attributes in self._open):
            self.found.legend += data

    def _inside(self, tag: str) -> bool:
        return any(name == tag for name, _ in self._open)


def parsed(markup: str) -> Parsed:
    reader = _Reader()
    reader.feed(markup)
    reader.close()
    return reader.found


def looks(style: str) -> dict[str, str]:
    """The declarations of each cell look in the stylesheet (« expiree » → « background:…;color:…;border:… »)."""
    return dict(re.findall(rf"\.{PREFIX} \.{PREFIX}-(\w+)\{{([^}}]*)\}}", style))


def grid_of(
    people: list[str],
    trainings: list[str],
    ends: dict[tuple[str, str], date | None],
    required: Collection[tuple[str, str]] = (),
) -> Matrix:
    cells = pd.DataFrame(
        [(m, t, end) for (m, t), end in ends.items()], columns=["matricule", "formation", "effective_validity_end"]
    )
    return echeances_logic.matrix(people, trainings, cells, TODAY, 90, set(required))


PEOPLE = ["MAT1", "MAT2"]
LABELS = ["DUPONT Jean — MAT1", "MARTIN Léa — MAT2"]
TRAININGS = ["CACES R489", "SST", "Habilitation électrique", "Travail en hauteur", "Gestes et postures"]
ENDS: dict[tuple[str, str], date | None] = {
    ("MAT1", "CACES R489"): TODAY - timedelta(days=10),  # expirée
    ("MAT1", "SST"): TODAY + timedelta(days=30),  # expire bientôt
    ("MAT1", "Habilitation électrique"): TODAY + timedelta(days=400),  # valide
    ("MAT1", "Travail en hauteur"): None,  # sans échéance
    ("MAT2", "SST"): TODAY + timedelta(days=5),
}
REQUIRED = {("MAT2", "CACES R489"), ("MAT2", "Gestes et postures")}


def demo() -> tuple[Matrix, Parsed, str]:
    grid = grid_of(PEOPLE, TRAININGS, ENDS, REQUIRED)
    markup = matrix_table(LABELS, TRAININGS, grid)
    return grid, parsed(markup), markup


def test_each_cell_is_coloured_and_marked_by_its_state() -> None:
    _, table, _ = demo()
    shown = [[(c.look, c.text) for c in row] for row in table.cells]
    assert shown == [
        [("expiree", "✕"), ("bientot", "!"), ("valide", "✓"), ("valide", "✓"), ("absente", "")],
        [("requise", "requis"), ("bientot", "!"), ("absente", ""), ("absente", ""), ("requise", "requis")],
    ]
    declared = looks(table.style)
    assert "background:#d62728" in declared["expiree"]
    assert "background:#ff9f1c" in declared["bientot"]
    assert "background:#2ca02c" in declared["valide"]
    assert "background:#e0e0e0" in declared["absente"]
    assert "background:#ffffff" in declared["requise"]


def test_only_the_required_trainings_never_had_are_outlined_in_red() -> None:
    grid, table, _ = demo()
    declared = looks(table.style)
    outlined = {name for name, rules in declared.items() if "border:2px solid #d62728" in rules}
    assert outlined == {"requise"}
    cells = {(r, c) for r, row in enumerate(table.cells) for c, cell in enumerate(row) if cell.look in outlined}
    assert cells == set(grid.required_missing) == {(1, 0), (1, 4)}


def test_each_cell_has_the_tooltip_plotly_showed() -> None:
    _, table, _ = demo()
    first, second = table.cells
    assert first[0].title == "DUPONT Jean — MAT1\nCACES R489 : expirée depuis 10 j — fin le 13/11/2026"
    assert first[1].title == "DUPONT Jean — MAT1\nSST : expire bientôt — fin le 23/12/2026, dans 30 j"
    assert first[3].title == "DUPONT Jean — MAT1\nTravail en hauteur : sans échéance"
    assert first[4].title == "DUPONT Jean — MAT1\nGestes et postures : aucune formation"
    assert second[0].title == "MARTIN Léa — MAT2\nCACES R489 : requis mais absent"


def test_headers_and_row_labels_come_in_the_order_given() -> None:
    _, table, _ = demo()
    assert table.columns == TRAININGS
    assert table.rows == LABELS
    assert table.caption == CAPTION and table.aria_label == CAPTION
    assert table.tags.count("th") == 1 + len(TRAININGS) + len(LABELS)


def test_the_legend_names_every_state_with_its_mark() -> None:
    _, table, _ = demo()
    assert table.legend == (
        "✕expirée!expire dans l'horizon✓valide ou sans échéanceaucune formation de ce type"
        "requisrequis mais absent (formation requise, jamais suivie)"
    )


def test_the_markup_is_one_div_on_one_line() -> None:
    _, _, markup = demo()
    assert markup.startswith(f'<div class="{PREFIX}">') and markup.endswith("</div>")
    assert "\n" not in markup and "\r" not in markup


HOSTILE = [
    '<a href="http://127.0.0.1:9/">lien</a>',
    "**gras** $x$ [x](http://127.0.0.1:9/)",
    "<img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)',
    "<style>td{display:none}</style>",
    "ligne 1\n\nligne 2",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_name_or_training_type_from_a_file_shows_as_typed_and_fetches_nothing(hostile: str) -> None:
    grid = grid_of(["MAT1"], [hostile], {("MAT1", hostile): TODAY})
    markup = matrix_table([hostile], [hostile], grid)
    table = parsed(markup)
    typed = " ".join(hostile.split())  # a line break would end Markdown's HTML block: it becomes a space
    assert table.rows == [typed] and table.columns == [typed]
    assert table.cells[0][0].title == f"{typed}\n{typed} : expire bientôt — fin le 23/11/2026, dernier jour aujourd'hui"
    assert set(table.tags) <= {"div", "style", "table", "caption", "thead", "tbody", "tr", "th", "td", "span"}
    assert table.tags.count("style") == 1
    assert "\n" not in markup
    for raw in ("<a ", "<img", 'onmouseover="', "<style>td"):
        assert raw not in markup


def test_an_empty_grid_says_so_in_one_line() -> None:
    markup = matrix_table([], [], Matrix([], [], []))
    assert markup == f'<div class="{PREFIX}"><p>{EMPTY}</p></div>'
    grid = grid_of(["MAT1"], [], {})
    assert matrix_table(["DUPONT Jean"], [], grid) == markup


def test_a_grid_that_does_not_match_its_labels_is_refused() -> None:
    grid = grid_of(PEOPLE, TRAININGS, ENDS)
    with pytest.raises(ValueError, match="ne correspond pas"):
        matrix_table(LABELS[:1], TRAININGS, grid)
    with pytest.raises(ValueError, match="ne correspond pas"):
        matrix_table(LABELS, TRAININGS[:2], grid)
