"""Déclarations internes: the trainings the employer delivered itself, to declare before their deadline."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import ui
from lib.statuses import INTERNAL_TO_DECLARE

ui.require("read")
st.title("Déclarations internes")
ui.require_data()
ui.reference_caption()
st.caption("Formations dispensées par l'entreprise elle-même : c'est à vous de les déclarer sur le portail.")

internal = ui.workflow("internal_trainings")
filtered = ui.due_list_filters(
    "internal_trainings", internal, INTERNAL_TO_DECLARE, ("Formation", "training_type", "formation")
)
picked = ui.pick(internal, filtered.wanted, say_capped=False)
shown = picked.rows

st.markdown(f"**{ui.fr_number(picked.total)}** formation(s) à déclarer sur {ui.fr_number(int(filtered.due.sum()))}.")
picked.say_if_capped()
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
missing_nir = ui.pick(internal, filtered.wanted & internal["person_nir"].isna(), max_rows=20, say_capped=False)
if missing_nir.total:
    names = ", ".join(
        ui.md_text(f"{n} ({m})")
        for n, m in zip(ui.person_names(missing_nir.rows), missing_nir.rows["matricule"], strict=True)
    )
    more = f" et {missing_nir.total - 20} autre(s)" if missing_nir.total > 20 else ""
    st.warning(
        f"Sans NIR, ces formations ne peuvent pas être déclarées : {names}{more}. Complétez le registre du personnel."
    )

statuses = internal["status"].value_counts()
st.caption(
    f"Déjà déclarées : {int(statuses.get('declared', 0))} · non obligatoires (date ou catégorie) : "
    f"{int(statuses.get('not_mandatory', 0))}."
)

ui.render_export_section("internal")
