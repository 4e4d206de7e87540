"""The employer's required trainings on screen: the collective targets (cached), and the Paramètres section that
edits, imports and exports the requirements table (lib/requirements.py; audited by the store)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from lib import requirements, spreadsheet
from lib.requirements import HEADERS, RequirementsError
from lib.store import StoreError
from lib.ui.cache import clear_caches, data_version, get_store, read_store, today
from lib.ui.text import md_text


@st.cache_data(show_spinner=False, max_entries=8)
def _shares(day: object, version: str) -> pd.DataFrame:
    return read_store().requirement_shares(today())


def shares() -> pd.DataFrame:
    """Per collective requirement and site: staff, trained, share, target, met (lib/sql/requirement_shares.sql)."""
    return _shares(today(), data_version())


@st.cache_data(show_spinner=False, max_entries=4)
def _table(version: str) -> pd.DataFrame:
    return requirements.requirements_frame(read_store().requirements())


def _save(rows: Sequence[Mapping[str, str | None]], source: str) -> None:
    try:
        chosen = requirements.checked_requirements(rows, source)
        count = get_store().replace_requirements(chosen)
    except RequirementsError as error:
        st.error("Rien n'a été enregistré :\n\n" + "\n".join(f"- {md_text(p)}" for p in error.problems[:20]))
        if len(error.problems) > 20:
            st.caption(f"… et {len(error.problems) - 20} autre(s) problème(s).")
        return
    except StoreError as error:
        st.error(str(error))
        return
    clear_caches()
    st.success(f"{count} formation(s) requise(s) enregistrée(s). L'écran « Manquants » en tient compte.")


def render_requirements_section() -> None:
    """Paramètres → Formations requises: the table edited in place, imported from / exported to CSV or Excel."""
    st.subheader("Formations requises")
    st.caption(
        "Vos exigences d'employeur (pas la loi) : pour un poste, un service, un site ou une combinaison, la formation "
        "à détenir. L'exigence la plus précise l'emporte (poste, puis service, puis site). Une « part minimale » "
        "fixe un objectif collectif (par exemple 10 % de SST par site) au lieu d'une obligation pour chacun. Le "
        "poste vient de la colonne « Poste » du registre du personnel."
    )
    table = _table(data_version())
    families = requirements.families()
    edited = st.data_editor(
        table,
        num_rows="dynamic",
        width="stretch",
        hide_index=True,
        key=f"requirements_editor_{data_version()}",
        column_config={
            "job": st.column_config.TextColumn(HEADERS["job"], help="Vide : tous les postes"),
            "service": st.column_config.TextColumn(HEADERS["service"], help="Vide : tous les services"),
            "site": st.column_config.TextColumn(HEADERS["site"], help="Vide : tous les sites"),
            "family": st.column_config.SelectboxColumn(
                HEADERS["family"], options=list(families.values()), required=True
            ),
            "title_words": st.column_config.TextColumn(
                HEADERS["title_words"], help="Mots que l'intitulé doit contenir (par exemple « BR » ou « R489 »)"
            ),
            "min_share": st.column_config.TextColumn(
                HEADERS["min_share"], help="Vide : chaque personne concernée ; « 10 % » : objectif collectif par site"
            ),
            "note": st.column_config.TextColumn(HEADERS["note"]),
        },
    )
    c1, c2, c3 = st.columns([1, 1, 2])
    if c1.button("Enregistrer les formations requises", type="primary"):
        rows = [
            {str(k): (None if pd.isna(v) else str(v)) for k, v in row.items()}
            for row in edited.to_dict("records")
            if any(not pd.isna(v) and str(v).strip() for v in row.values())
        ]
        _save(rows, "tableau des formations requises")
    frame = table.rename(columns=HEADERS)
    c2.download_button(
        "Exporter (Excel)",
        data=lambda: spreadsheet.to_xlsx_bytes({"Formations requises": (frame, {c: c for c in frame.columns})}),
        file_name="formations_requises.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
    )
    c2.download_button(
        "Exporter (CSV)",
        data=lambda: spreadsheet.to_csv_bytes(frame, {c: c for c in frame.columns}),
        file_name="formations_requises.csv",
        mime="text/csv",
        on_click="ignore",
    )
    with c3:
        uploaded = st.file_uploader(
            "Importer un fichier (CSV ou Excel, mêmes colonnes) : il remplace le tableau",
            type=["csv", "xlsx"],
            key="requirements_upload",
        )
        if uploaded is not None and st.button("Remplacer par ce fichier"):
            try:
                chosen = requirements.parse_requirements(uploaded.getvalue(), uploaded.name)
            except RequirementsError as error:
                st.error(
                    "Fichier refusé, rien n'a été modifié :\n\n"
                    + "\n".join(f"- {md_text(p)}" for p in error.problems[:20])
                )
            else:
                rows = [
                    {str(k): str(v) for k, v in r.items()}
                    for r in requirements.requirements_frame(chosen).to_dict("records")
                ]
                _save(rows, uploaded.name)
