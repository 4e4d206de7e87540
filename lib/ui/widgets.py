"""Shared widgets of the pages: tables capped for display, column formats, filters kept in the URL, filter
masks, links to an employee's passport, the empty-store invitation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd
import streamlit as st

from lib import due_lists
from lib.store import StoreError
from lib.ui.cache import clear_caches, has_data
from lib.ui.french import upload_limits
from lib.ui.text import fr_number, md_text


def show_store_error(error: StoreError) -> None:
    st.error(md_text(str(error)), icon=":material/warning:")


def show_markup(markup: str) -> None:
    """A chart or table drawn on the server (lib/charts.py, lib/matrix_table.py), shown as it is.

    Drawn on the server, a chart costs the browser nothing to load (a Plotly chart added about a second to each
    new tab). The markup is one `<div>` block on one line: Markdown leaves an HTML block untouched (no emphasis,
    link or formula read inside a name) and a blank line would end the block. Every text in it comes escaped from
    its builder; Streamlit's sanitiser removes scripts and event attributes in any case.
    """
    if not markup.startswith("<div") or "\n" in markup:
        raise ValueError("un graphique se transmet en un seul bloc <div> sur une ligne")
    st.markdown(markup, unsafe_allow_html=True)


EMPLOYEE_PAGE = "views/salarie.py"
EMPLOYEE_URL_PATH = "salarie"
IMPORT_PAGE = "views/import.py"
DATE_FORMAT = "DD/MM/YYYY"
EMPTY_STORE_MESSAGE = (
    "Aucune donnée pour l'instant : importez vos fichiers (déclarations des OF, formations, salariés)."
)


def require_data() -> None:
    """Stop the page with a friendly invitation to import when the store is empty."""
    if not has_data():
        st.info(EMPTY_STORE_MESSAGE, icon=":material/upload_file:")
        st.page_link(IMPORT_PAGE, label="Importer des fichiers", icon=":material/upload_file:")
        st.stop()


def employee_url(matricule: Any) -> str | None:
    """The link to one employee's passport (page « Salarié »), relative so it works behind a URL prefix."""
    if not isinstance(matricule, str) or not matricule:
        return None
    return f"{EMPLOYEE_URL_PATH}?matricule={quote(matricule)}"


def employee_links(matricules: pd.Series) -> pd.Series:
    return pd.Series([employee_url(m) for m in matricules], index=matricules.index, dtype="object")


def date_column(label: str, help: str | None = None) -> Any:
    return st.column_config.DateColumn(label, format=DATE_FORMAT, help=help)


def days_column(label: str = "Jours restants", help: str | None = None) -> Any:
    return st.column_config.NumberColumn(label, format="%d j", help=help)


def link_column(label: str = "Matricule", help: str | None = "Ouvrir le passeport du salarié") -> Any:
    return st.column_config.LinkColumn(label, display_text=r"matricule=([^&]+)", help=help)


MAX_TABLE_ROWS = 1_000

"""Lines drawn in a list: beyond, HR filters or downloads (a thousand lines reach the browser in a blink)."""


def _cap_caption(max_rows: int, total: int) -> None:
    shown_rows, everything = fr_number(max_rows), fr_number(total)
    st.caption(
        f"Affichage des {shown_rows} premières lignes sur {everything} : affinez les filtres, ou téléchargez "
        "la liste complète."
    )


def capped(frame: pd.DataFrame, max_rows: int = MAX_TABLE_ROWS) -> pd.DataFrame:
    """The first `max_rows` lines of a list about to be shown, saying so when there are more.

    Call it before building per-line display columns: a million-line list is filtered, never drawn.
    """
    if len(frame) <= max_rows:
        return frame
    _cap_caption(max_rows, len(frame))
    return frame.head(max_rows)


@dataclass(frozen=True)
class Picked:
    """The rows of a list that pass the filters: how many, the first ones to show, and all of them on demand."""

    source: pd.DataFrame
    positions: np.ndarray
    rows: pd.DataFrame

    @property
    def total(self) -> int:
        return len(self.positions)

    def say_if_capped(self) -> None:
        """The « first lines only » caption, for a page that printed its count first (pick(say_capped=False))."""
        if self.total > len(self.rows):
            _cap_caption(len(self.rows), self.total)

    def all(self) -> pd.DataFrame:
        """Every matching row (for a download: built only when asked for)."""
        return self.source.iloc[self.positions].reset_index(drop=True)


def _as_flags(mask: pd.Series | np.ndarray | bool, length: int) -> np.ndarray:
    if isinstance(mask, pd.Series):
        return mask.to_numpy(dtype=bool, na_value=False)
    return np.broadcast_to(np.asarray(mask, dtype=bool), (length,))


def pick(
    frame: pd.DataFrame,
    mask: pd.Series | np.ndarray | bool = True,
    *,
    sort_by: Sequence[str] = (),
    ascending: bool | Sequence[bool] = True,
    max_rows: int = MAX_TABLE_ROWS,
    say_capped: bool = True,
    columns: Sequence[str] | None = None,
) -> Picked:
    """The rows where `mask` holds (optionally sorted), capped at `max_rows` for display (with a caption saying
    so, unless `say_capped` is false).

    Only positions are filtered and sorted: the wide rows are copied for the few lines shown, so a filter
    over a million lines costs a few milliseconds. `columns` limits the rows to the columns the page uses
    (each column taken costs a little, whatever the number of rows).
    """
    positions = np.flatnonzero(_as_flags(mask, len(frame)))
    if sort_by and len(positions) > 1:
        keys = frame[list(sort_by)].iloc[positions].reset_index(drop=True)
        order = keys.sort_values(list(sort_by), ascending=ascending, na_position="last", kind="stable").index
        positions = positions[order.to_numpy()]
    if len(positions) > max_rows and say_capped:
        _cap_caption(max_rows, len(positions))
    source = frame if columns is None else frame[list(dict.fromkeys(columns))]
    return Picked(source, positions, source.iloc[positions[:max_rows]].reset_index(drop=True))


EMPTY_CELL = "—"
"""What a table shows for a missing value (Streamlit's default is « None »)."""


def show_table(
    frame: pd.DataFrame,
    config: dict[str, Any],
    *,
    key: str | None = None,
    height: int | None = None,
    max_rows: int = MAX_TABLE_ROWS,
) -> None:
    """A read-only table of the given display columns (keys of `config`, in order), at most `max_rows` lines;
    a French « nothing » instead of an empty grid."""
    if frame.empty:
        st.caption("Aucune ligne ne correspond.")
        return
    columns = [c for c in config if c in frame.columns]
    frame = capped(frame, max_rows)
    shown = frame[columns].copy()
    for column in columns:
        # Dates that came through Python (None for « no date ») would print « None »: make them real dates.
        values = shown[column]
        if (
            values.dtype == object
            and values.map(lambda v: v is None or isinstance(v, date)).all()
            and values.map(lambda v: isinstance(v, date)).any()
        ):
            shown[column] = pd.to_datetime(values)
    st.dataframe(
        shown,
        hide_index=True,
        column_config=config,
        key=key,
        height=height if height is not None else "auto",
        placeholder=EMPTY_CELL,
    )


def url_multiselect(
    label: str, options: Sequence[str], key: str, *, default: Sequence[str] = (), help: str | None = None
) -> list[str]:
    """A multiselect whose choice lives in the URL (`?key=a&key=b`), so a filtered list can be shared."""
    present = [d for d in default if d in options]
    return list(
        st.multiselect(
            label,
            list(options),
            default=present,
            key=key,
            help=help,
            bind="query-params",
            placeholder="Tous",
            select_all=False,  # Streamlit's « Select all » is English, and « Tous » is the empty choice
            wrap=True,  # in a column the chips would stay on one row, cut: a long site name is read whole
        )
    )


def file_uploader(
    label: str,
    types: list[str],
    key: str,
    *,
    multiple: bool = False,
    help: str | None = None,
    most_bytes: int | None = None,
) -> Any:
    """st.file_uploader with its limits said in French under it (Streamlit's English ones are hidden); `most_bytes`:
    the size the file's reader accepts, when smaller than the server's (it refuses a bigger file in French)."""
    uploaded = st.file_uploader(label, type=types, accept_multiple_files=multiple, key=key, help=help)
    st.caption(upload_limits(types, multiple=multiple, most_bytes=most_bytes))
    return uploaded


def url_selectbox(label: str, options: Sequence[str], key: str, *, index: int = 0, help: str | None = None) -> str:
    """A selectbox whose choice lives in the URL."""
    chosen = st.selectbox(label, list(options), index=index, key=key, help=help, bind="query-params")
    return str(chosen) if chosen is not None else options[index]


def url_text(label: str, key: str, *, placeholder: str = "", help: str | None = None) -> str:
    """A free-text search whose content lives in the URL."""
    return str(st.text_input(label, key=key, placeholder=placeholder, help=help, bind="query-params") or "").strip()


def url_toggle(label: str, key: str, *, help: str | None = None) -> bool:
    return bool(st.toggle(label, key=key, help=help, bind="query-params"))


DUE_WINDOWS = due_lists.DUE_WINDOWS


def on_click_rerun(callback: Callable[[], None]) -> Callable[[], None]:
    """A button callback that also forgets cached queries (the data changed)."""

    def run() -> None:
        callback()
        clear_caches()

    return run


# ------------------------------------------------------------------ editable tables: rows to remove
DELETE_COLUMN = "supprimer"
EDITOR_HOW_TO = (
    "Pour ajouter une ligne, remplissez la ligne vide en bas du tableau ; pour en retirer une, cochez « Supprimer » "
    "sur cette ligne. Rien n'est changé avant « Enregistrer »."
)


def with_delete_column(frame: pd.DataFrame) -> pd.DataFrame:
    """The table an editor shows, with a first column « Supprimer » to tick (Streamlit's own row deletion sits in a
    toolbar this application hides: its other buttons are English and its CSV holds only the rows shown). First, so
    that it is in view however wide the table."""
    shown = frame.copy()
    shown.insert(0, DELETE_COLUMN, False)
    return shown


def delete_column_config() -> dict[str, Any]:
    """The « Supprimer » column's configuration, to merge into an editor's column_config."""
    return {
        DELETE_COLUMN: st.column_config.CheckboxColumn(
            "Supprimer", help="Cochez pour retirer cette ligne à l'enregistrement", default=False, width="small"
        )
    }


def kept_rows(edited: pd.DataFrame) -> pd.DataFrame:
    """The edited rows that are not ticked « Supprimer » (a new row leaves the box empty: kept), without that column."""
    if DELETE_COLUMN not in edited.columns:
        return edited
    ticked = edited[DELETE_COLUMN].astype("boolean").fillna(False).astype(bool)
    return edited.loc[~ticked].drop(columns=DELETE_COLUMN)


def edited_rows(edited: pd.DataFrame, columns: Sequence[str], *, key: str) -> tuple[list[tuple[str, ...]], list[int]]:
    """The rows an editor gives back, ready to save: those ticked « Supprimer » left out, each cell as stripped text
    ('' when empty), wholly empty rows skipped. A row with text but an empty `key` cell is not dropped in silence: its
    line number in the table (1 for the first) comes back in the second list, for the page to refuse the save."""
    line_of = {label: number for number, label in enumerate(edited.index, start=1)}
    rows: list[tuple[str, ...]] = []
    missing: list[int] = []
    for label, values in kept_rows(edited)[list(columns)].iterrows():
        row = {c: (str(v).strip() if isinstance(v, str) else "") for c, v in values.items()}
        if row[key]:
            rows.append(tuple(row[c] for c in columns))
        elif any(row.values()):
            missing.append(line_of[label])
    return rows, missing
