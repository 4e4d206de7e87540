"""The filters of a to-declare list (Carence, Déclarations internes) asked in SQL: three widgets kept in the URL
read into a ListQuery (lib/due_lists.py), and the note under a table cut at ui.lists.PAGE_ROWS."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from lib import due_lists
from lib.lists import ListQuery
from lib.ui import lists
from lib.ui.text import fr_number
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
