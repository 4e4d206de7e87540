"""Déclarations internes: the trainings the employer delivered itself, to declare before their deadline."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import due_lists, ui
from lib.statuses import INTERNAL_TO_DECLARE
from lib.ui.due_lists import INTERNAL_COLUMNS, due_list_query, internal_download, list_download, say_if_cut

ui.require("read")
st.title("Déclarations internes")
ui.require_data()
ui.reference_caption()
st.caption("Formations dispensées par l'entreprise elle-même : c'est à vous de les déclarer sur le portail.")

wanted = due_list_query("internal_trainings", INTERNAL_TO_DECLARE, ("Formation", "training_type", "formation"))
total = ui.lists.count(wanted)
due = ui.lists.count(due_lists.due_query("internal_trainings", INTERNAL_TO_DECLARE))
shown = ui.lists.rows(wanted, limit=ui.lists.PAGE_ROWS, columns=INTERNAL_COLUMNS)

st.markdown(f"**{ui.fr_number(total)}** formation(s) à déclarer sur {ui.fr_number(due)}.")
say_if_cut(len(shown), total)
ui.show_table(
    pd.DataFrame(
        {
            "due_on": shown["due_on"],
            "days_left": shown["days_left"],
            "status": shown["status_label"],
            "name": ui.person_names(shown),
            "link": ui.employee_links(shown["matricule"]),
            "nir": ui.masked_nirs(shown["person_nir"]),
            "title": shown["training_title"],
            "start": shown["start_date"],
            "end": shown["end_date"],
            "site": shown["person_site"],
            "service": shown["person_service"],
            "reference": shown["reference"],
            "category_unknown": shown["category_unknown"],
        }
    ),
    {
        "due_on": ui.date_column("Échéance"),
        "days_left": ui.days_column(),
        "status": "Statut",
        "name": "Salarié",
        "link": ui.link_column(),
        "nir": "NIR",
        "title": "Formation",
        "start": ui.date_column("Début"),
        "end": ui.date_column("Fin"),
        "site": "Site",
        "service": "Service",
        "reference": "Référence",
        "category_unknown": st.column_config.CheckboxColumn(
            "Catégorie inconnue", help="Catégorie vide dans le fichier RH : traitée comme obligatoire"
        ),
    },
)

if total:
    list_download(
        wanted, INTERNAL_COLUMNS, internal_download, "declarations_internes", key="internal_list", sheet="Internes"
    )

MISSING_NIR_NAMED = 20
missing_nir_total = ui.lists.count(due_lists.without_nir(wanted))
if missing_nir_total:
    missing_nir = ui.lists.rows(due_lists.without_nir(wanted), limit=MISSING_NIR_NAMED, columns=ui.PERSON_COLUMNS)
    names = ", ".join(
        ui.md_text(f"{n} ({m})") for n, m in zip(ui.person_names(missing_nir), missing_nir["matricule"], strict=True)
    )
    more = f" et {missing_nir_total - MISSING_NIR_NAMED} autre(s)" if missing_nir_total > MISSING_NIR_NAMED else ""
    st.warning(
        f"Sans NIR, ces formations ne peuvent pas être déclarées : {names}{more}. Complétez le registre du personnel."
    )

settled = ui.lists.counts(due_lists.internal_settled(), ["status"])
settled_by_status = dict(zip(settled["status"], settled["rows"], strict=True))
st.caption(
    f"Déjà déclarées : {ui.fr_number(int(settled_by_status.get('declared', 0)))} · non obligatoires (date ou "
    f"catégorie) : {ui.fr_number(int(settled_by_status.get('not_mandatory', 0)))}."
)

ui.render_export_section("internal")
