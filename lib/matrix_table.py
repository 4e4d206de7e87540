"""The Échéances matrix (people × training types) as one line of HTML drawn on the server (pure: no streamlit,
no duckdb, no plotly): a real table, coloured and marked by validity, with its legend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from lib.echeances_logic import REQUIRED_MISSING, Matrix

PREFIX = "pp-matrice"
"""The class every rule of the table's stylesheet is scoped to (Streamlit keeps a `<style>` in Markdown's HTML)."""

MISSING_OUTLINE = "#d62728"


@dataclass(frozen=True)
class CellLook:
    """How a level of the matrix is drawn: fill, outline, ink of its mark, the mark itself and its legend."""

    name: str
    background: str
    border: str
    ink: str
    mark: str
    legend: str
    border_width: int = 1


LOOKS: dict[int, CellLook] = {  # the levels of lib.echeances_logic.MATRIX_LEVELS, in the legend's order
    1: CellLook("expiree", "#d62728", "#d62728", "#ffffff", "✕", "expirée"),
    2: CellLook("bientot", "#ff9f1c", "#ff9f1c", "#1a1a1a", "!", "expire dans l'horizon"),
    3: CellLook("valide", "#2ca02c", "#2ca02c", "#ffffff", "✓", "valide ou sans échéance"),
    0: CellLook("absente", "#e0e0e0", "#e0e0e0", "#1a1a1a", "", "aucune formation de ce type"),
    -1: CellLook(
        "requise",
        "#ffffff",
        MISSING_OUTLINE,
        MISSING_OUTLINE,
        "requis",
        f"{REQUIRED_MISSING} (formation requise, jamais suivie)",
        border_width=2,
    ),
}

CAPTION = "Matrice salariés × formations"
EMPTY = "Aucune formation à montrer pour ces salariés."

_P = f".{PREFIX}"
_STYLE = "".join(
    [
        f"{_P} .{PREFIX}-defile{{overflow:auto;max-height:40rem;width:fit-content;max-width:100%;"
        "border:1px solid #d9d9d9;border-radius:0.25rem}",
        f"{_P} table{{border-collapse:separate;border-spacing:2px;margin:0;width:auto;font-size:0.8rem;"
        "line-height:1.1;border:none}",
        f"{_P} caption{{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}}",
        f"{_P} th,{_P} td{{border:none;padding:0;background:#ffffff}}",
        f"{_P} thead th{{position:sticky;top:0;z-index:2;vertical-align:bottom;padding:0.3rem 0 0.2rem;"
        "font-weight:600;color:#31333f;box-shadow:0 0 0 2px #ffffff}",
        f"{_P} thead th span{{display:inline-block;writing-mode:vertical-rl;transform:rotate(180deg);"
        "max-height:13rem;white-space:normal;text-align:left;font-size:0.75rem}",
        f"{_P} th[scope=row]{{position:sticky;left:0;z-index:1;text-align:left;white-space:nowrap;"
        "padding:0 0.6rem 0 0.3rem;font-weight:400;color:#31333f;box-shadow:0 0 0 2px #ffffff}",
        f"{_P} thead th.{PREFIX}-coin{{left:0;z-index:3;text-align:left;padding-left:0.3rem}}",
        f"{_P} td{{min-width:1.7rem;height:22px;text-align:center;font-weight:700;font-size:0.75rem;"
        "box-sizing:border-box;border-radius:2px}",
        *(
            f"{_P} .{PREFIX}-{look.name}{{background:{look.background};color:{look.ink};"
            f"border:{look.border_width}px solid {look.border}}}"
            for look in LOOKS.values()
        ),
        f"{_P} td.{PREFIX}-requise{{font-size:0.6rem;font-weight:600;padding:0 0.15rem}}",
        f"{_P} .{PREFIX}-legende{{font-size:0.875rem;color:#555;margin-top:0.4rem;line-height:1.8}}",
        f"{_P} .{PREFIX}-legende span{{display:inline-block;min-width:1.3rem;height:1.1rem;line-height:1.1rem;"
        "margin:0 0.3rem 0 0.8rem;vertical-align:middle;text-align:center;font-weight:700;font-size:0.7rem;"
        "box-sizing:border-box;border-radius:2px;padding:0 0.15rem}",
    ]
)


def _text(value: object) -> str:
    """A text from a file, shown as typed: no tag, no Markdown, no line break (which would end the HTML block)."""
    return escape(" ".join(str(value).split()), quote=True)


def legend() -> str:
    """The legend: a swatch with its mark for each level, then what it means."""
    return "".join(
        f'<span class="{PREFIX}-{look.name}" aria-hidden="true">{look.mark}</span>{escape(look.legend)}'
        for look in LOOKS.values()
    )


def matrix_table(rows: Sequence[str], columns: Sequence[str], grid: Matrix, caption: str = CAPTION) -> str:
    """The matrix of `grid` (lib.echeances_logic.matrix) with `rows` (people's labels) and `columns` (training
    types) as one `<div>` on one line: a scrolling table whose header and first column stay in view, each cell
    coloured and marked by level with its hover text as a tooltip, then the legend. Every label is escaped."""
    if len(grid.levels) != len(rows) or any(len(levels) != len(columns) for levels in grid.levels):
        raise ValueError("la matrice ne correspond pas à ses lignes et colonnes")
    if not rows or not columns:
        return f'<div class="{PREFIX}"><p>{EMPTY}</p></div>'
    head = "".join(f'<th scope="col" title="{_text(c)}"><span>{_text(c)}</span></th>' for c in columns)
    body = []
    for label, levels, hovers in zip(rows, grid.levels, grid.hover, strict=True):
        name = _text(label)
        cells = "".join(
            f'<td class="{PREFIX}-{LOOKS[level].name}" title="{name}&#10;{_text(column)} : {_text(hover)}">'
            f"{LOOKS[level].mark}</td>"
            for column, level, hover in zip(columns, levels, hovers, strict=True)
        )
        body.append(f'<tr><th scope="row">{name}</th>{cells}</tr>')
    table = (
        f'<table aria-label="{_text(caption)}"><caption>{_text(caption)}</caption>'
        f'<thead><tr><th scope="col" class="{PREFIX}-coin">Salarié</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )
    return (
        f'<div class="{PREFIX}"><style>{_STYLE}</style>'
        f'<div class="{PREFIX}-defile" role="region" aria-label="{_text(caption)}" tabindex="0">{table}</div>'
        f'<div class="{PREFIX}-legende">{legend()}</div></div>'
    )
