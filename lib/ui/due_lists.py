"""The filters of a to-declare list (Carence, Déclarations internes) asked in SQL: three widgets kept in the URL
read into a ListQuery (lib/due_lists.py), the note under a table cut at ui.lists.PAGE_ROWS, and the download of
every row the filters keep."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from lib import due_lists
from lib.lists import PERSON_COLUMNS, ListQuery
from lib.ui import lists
from lib.ui.exports import download_buttons
from lib.ui.text import fr_number, masked_nirs, person_names
from lib.ui.widgets import url_multiselect, url_text


def due_list_query(name: str, statuses: Sequence[str], first: tuple[str, str, str]) -> ListQuery:
    """The rows of list `name` to declare (status among `statuses`) that the three filters keep: `first` =
    (label, column, URL key) of the page's own filter, then the site and a search by name or matricule in any
    word order, all kept in the URL. Each filter offers the values found among the rows to declare."""
    label, column, key = first
    due = due_lists.due_query(name, statuses)
    c1, c2, c3 = st.columns([2, 2, 3])
    with c1:
        chosen_first = url_multiselect(label, lists.values(due, column), key)
    with c2:
        chosen_sites = url_multiselect("Site", lists.values(due, "person_site"), "site")
    with c3:
        search = url_text("Salarié", "recherche", placeholder="Nom ou matricule, dans n'importe quel ordre")
    return due_lists.filtered_query(due, column, chosen_first, chosen_sites, search)


def cut_note(shown: int, total: int) -> str | None:
    """« N lignes affichées sur M … » when a table shows fewer rows than the filter keeps."""
    if total <= shown:
        return None
    return f"{fr_number(shown)} lignes affichées sur {fr_number(total)} : affinez les filtres ou téléchargez la liste."


def say_if_cut(shown: int, total: int) -> None:
    note = cut_note(shown, total)
    if note:
        st.caption(note)


def list_download(
    query: ListQuery,
    columns: Sequence[str],
    table: Callable[[pd.DataFrame], pd.DataFrame],
    stem: str,
    *,
    key: str,
    sheet: str,
) -> None:
    """CSV and Excel of every row the query keeps (not only the rows shown), as `table` lays them out; the rows
    are asked of the store only when a button is clicked."""

    def every_row() -> pd.DataFrame:
        return table(lists.rows(query, limit=None, columns=columns))

    download_buttons(every_row, stem, key=key, sheet=sheet)


CARENCE_COLUMNS = (
    *PERSON_COLUMNS, "carence_deadline", "carence_opens_on", "days_left", "status_label", "person_nir",
    "training_title", "organisme", "end_date", "of_deadline", "person_site", "reference", "category_unknown",
    "correction_reason", "correction_requested_on",
)  # fmt: skip
"""The columns the carence table and its download show."""


def carence_download(rows: pd.DataFrame) -> pd.DataFrame:
    """The carence list as a spreadsheet: the table's columns under French headers, NIRs masked."""
    return pd.DataFrame(
        {
            "Date limite": rows["carence_deadline"],
            "Jours restants": rows["days_left"],
            "Statut": rows["status_label"],
            "Salarié": person_names(rows),
            "Matricule": rows["matricule"],
            "NIR": masked_nirs(rows["person_nir"]),
            "Formation": rows["training_title"],
            "Organisme": rows["organisme"],
            "Fin de formation": rows["end_date"],
            "Échéance de l'OF": rows["of_deadline"],
            "Carence ouverte le": rows["carence_opens_on"],
            "Site": rows["person_site"],
            "Référence": rows["reference"],
            "Catégorie inconnue": rows["category_unknown"],
            "Correction demandée le": rows["correction_requested_on"],
            "Correction demandée (motif)": rows["correction_reason"],
        }
    )


INTERNAL_COLUMNS = (
    *PERSON_COLUMNS, "due_on", "days_left", "status_label", "person_nir", "training_title", "start_date",
    "end_date", "person_site", "person_service", "reference", "category_unknown",
)  # fmt: skip
"""The columns the internal trainings table and its download show."""


def internal_download(rows: pd.DataFrame) -> pd.DataFrame:
    """The internal trainings to declare as a spreadsheet: the table's columns under French headers, NIRs masked."""
    return pd.DataFrame(
        {
            "Échéance": rows["due_on"],
            "Jours restants": rows["days_left"],
            "Statut": rows["status_label"],
            "Salarié": person_names(rows),
            "Matricule": rows["matricule"],
            "NIR": masked_nirs(rows["person_nir"]),
            "Formation": rows["training_title"],
            "Début": rows["start_date"],
            "Fin": rows["end_date"],
            "Site": rows["person_site"],
            "Service": rows["person_service"],
            "Référence": rows["reference"],
            "Catégorie inconnue": rows["category_unknown"],
        }
    )
