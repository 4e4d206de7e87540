"""The employer's required trainings on screen: the collective targets (cached), and the Paramètres section that
edits, imports and exports the requirements table (lib/requirements.py; audited by the store)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

import pandas as pd
import streamlit as st

from lib import requirements, spreadsheet
from lib.lists import ListQuery
from lib.requirements import HEADERS, RequirementsError
from lib.store import StoreError
from lib.ui import lists
from lib.ui.cache import clear_caches, data_version, get_store, read_store, today
from lib.ui.text import fr_number, md_text
from lib.ui.widgets import EDITOR_HOW_TO, EMPTY_CELL, delete_column_config, file_uploader, kept_rows, with_delete_column


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
        with_delete_column(table),
        num_rows="dynamic",
        width="stretch",
        hide_index=True,
        key=f"requirements_editor_{data_version()}",
        placeholder=EMPTY_CELL,  # an empty cell, never « None »
        column_config={
            "job": st.column_config.TextColumn(HEADERS["job"], help="Vide : tous les postes"),
            "service": st.column_config.TextColumn(HEADERS["service"], help="Vide : tous les services"),
            "site": st.column_config.TextColumn(HEADERS["site"], help="Vide : tous les sites"),
            "family": st.column_config.SelectboxColumn(
                HEADERS["family"], options=list(families.values())
            ),  # not `required=True` (« Please fill out this cell. »): the save says an empty one in French
            "title_words": st.column_config.TextColumn(
                HEADERS["title_words"], help="Mots que l'intitulé doit contenir (par exemple « BR » ou « R489 »)"
            ),
            "min_share": st.column_config.TextColumn(
                HEADERS["min_share"], help="Vide : chaque personne concernée ; « 10 % » : objectif collectif par site"
            ),
            "note": st.column_config.TextColumn(HEADERS["note"]),
            **delete_column_config(),
        },
    )
    st.caption(EDITOR_HOW_TO)
    c1, c2, c3 = st.columns([1, 1, 2])
    if c1.button("Enregistrer les formations requises", type="primary"):
        rows = [
            {str(k): (None if pd.isna(v) else str(v)) for k, v in row.items()}
            for row in kept_rows(edited).to_dict("records")
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
        uploaded = file_uploader(
            "Importer un fichier (CSV ou Excel, mêmes colonnes) : il remplace le tableau",
            ["csv", "xlsx"],
            "requirements_upload",
            most_bytes=requirements.MAX_FILE_BYTES,
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


def render_dashboard_compliance() -> None:
    """The dashboard's « Formations requises » section: the compliance rate overall and per site, with its trend
    since last week, and what is missing, linked to the Manquants page."""
    st.subheader("Formations requises")
    whole = ListQuery("missing_trainings")
    total = lists.count(whole)
    if not total:
        st.caption(
            "Aucune formation requise définie : indiquez dans Paramètres → Formations requises ce que vous exigez "
            "par poste, service ou site, pour voir qui ne l'a pas."
        )
        return
    week_before = lists.day() - timedelta(days=7)
    overall = requirements.compliance(
        lists.counts(whole, ["compliant"]).assign(all="all"),
        lists.counts_at(whole, ["compliant"], week_before).assign(all="all"),
        "all",
    ).iloc[0]
    per_state = lists.counts(whole, ["status"])
    states = dict(zip(per_state["status"], per_state["rows"], strict=True))
    c1, c2, c3 = st.columns(3)
    c1.metric(
        "Taux de conformité",
        f"{overall['rate']:.0%}".replace("%", " %"),
        delta=trend if (trend := requirements.trend_text(overall["trend"])) not in ("=", "—") else None,
        border=True,
        help="Part des couples salarié × formation requise couverts par une formation valide, et son évolution en "
        "points depuis 7 jours. Vos exigences, pas la loi.",
    )
    c2.metric("Jamais formés", fr_number(int(states.get("never_trained", 0))), border=True)
    c3.metric("Formation expirée", fr_number(int(states.get("expired", 0))), border=True)
    per_site = requirements.compliance(
        lists.counts(whole, ["person_site", "compliant"]),
        lists.counts_at(whole, ["person_site", "compliant"], week_before),
        "person_site",
    )
    st.dataframe(
        pd.DataFrame(
            {
                "Site": per_site["person_site"].fillna("(non renseigné)"),
                "Conformité": per_site["rate"] * 100,
                "Depuis 7 jours": [requirements.trend_text(t) for t in per_site["trend"]],
                "Manquants": (per_site["required"] - per_site["compliant"]).astype(int),
            }
        ),
        column_config={
            "Conformité": st.column_config.ProgressColumn(format="%.0f %%", min_value=0, max_value=100),
        },
        hide_index=True,
        width="stretch",
    )
    st.page_link("views/manquants.py", label="Voir qui doit être formé", icon=":material/arrow_forward:")
