"""Carence: the trainings an OF failed to declare in time, which the employer must declare itself."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import ui
from lib.statuses import CARENCE_TO_DECLARE

ui.require("read")
st.title("Déclarations en carence")
ui.require_data()
today = ui.today()
ui.reference_caption()
st.caption(
    "Formations achetées à un organisme qui ne les a pas déclarées avant son échéance : vous devez les déclarer "
    "vous-même pendant la fenêtre de carence."
)

expected = ui.workflow("expected_trainings")
is_due = expected["status"].isin(CARENCE_TO_DECLARE).to_numpy(dtype=bool)

c1, c2, c3 = st.columns([2, 2, 3])
with c1:
    chosen_of = ui.url_multiselect(
        "Organisme", ui.choices("expected_trainings", "organisme", statuses=CARENCE_TO_DECLARE), "of"
    )
with c2:
    chosen_sites = ui.url_multiselect(
        "Site", ui.choices("expected_trainings", "person_site", statuses=CARENCE_TO_DECLARE), "site"
    )
with c3:
    search = ui.url_text("Salarié", "recherche", placeholder="Nom ou matricule, dans n'importe quel ordre")
wanted = (
    is_due
    & ui.in_choices(expected["organisme"], chosen_of)
    & ui.in_choices(expected["person_site"], chosen_sites)
    & ui.search_mask("expected_trainings", search)
)
picked = ui.pick(
    expected,
    wanted,
    say_capped=False,
    columns=[
        *ui.PERSON_COLUMNS, "carence_deadline", "carence_opens_on", "days_left", "status_label", "person_nir",
        "training_title", "organisme", "end_date", "of_deadline", "person_site", "reference", "category_unknown",
    ],
)  # fmt: skip
shown = picked.rows

window_days = (shown["carence_deadline"] - shown["carence_opens_on"]).dt.days.clip(lower=1)
elapsed = ((ui.as_day(today) - shown["carence_opens_on"]).dt.days / window_days).clip(0, 1)
st.markdown(
    f"**{ui.fr_number(picked.total)}** formation(s) à déclarer en carence sur {ui.fr_number(int(is_due.sum()))}."
)
picked.say_if_capped()
ui.show_table(
    pd.DataFrame(
        {
            "deadline": shown["carence_deadline"],
            "days_left": shown["days_left"],
            "elapsed": elapsed,
            "status": shown["status_label"],
            "name": ui.person_names(shown),
            "link": ui.employee_links(shown["matricule"]),
            "nir": ui.masked_nirs(shown["person_nir"]),
            "title": shown["training_title"],
            "organisme": shown["organisme"],
            "end": shown["end_date"],
            "of_deadline": shown["of_deadline"],
            "opens": shown["carence_opens_on"],
            "site": shown["person_site"],
            "reference": shown["reference"],
            "category_unknown": shown["category_unknown"],
        }
    ),
    {
        "deadline": ui.date_column("Date limite", "Fin de la fenêtre de carence"),
        "days_left": ui.days_column(),
        "elapsed": st.column_config.ProgressColumn(
            "Fenêtre écoulée", format="percent", min_value=0, max_value=1, help="Part de la fenêtre de carence passée"
        ),
        "status": "Statut",
        "name": "Salarié",
        "link": ui.link_column(),
        "nir": "NIR",
        "title": "Formation",
        "organisme": "Organisme",
        "end": ui.date_column("Fin de formation"),
        "of_deadline": ui.date_column("Échéance de l'OF"),
        "opens": ui.date_column("Carence ouverte le"),
        "site": "Site",
        "reference": "Référence",
        "category_unknown": st.column_config.CheckboxColumn(
            "Catégorie inconnue", help="Catégorie vide dans le fichier RH : traitée comme obligatoire"
        ),
    },
)
missing_nir = int((wanted & expected["person_nir"].isna()).sum())
if missing_nir:
    st.warning(f"{missing_nir} formation(s) sans NIR : complétez le registre du personnel avant de déclarer.")

doubles_picked = ui.pick(
    expected,
    expected["double_declaration"],
    columns=[*ui.PERSON_COLUMNS, "training_title", "end_date", "declared_by", "declared_on"],
)
doubles = doubles_picked.rows
if not doubles.empty:
    st.error(
        f"{doubles_picked.total} formation(s) déclarée(s) à la fois par l'OF et en carence : "
        "signalez le doublon sur le portail.",
        icon="⚠️",
    )
    ui.show_table(
        pd.DataFrame(
            {
                "name": ui.person_names(doubles),
                "link": ui.employee_links(doubles["matricule"]),
                "title": doubles["training_title"],
                "end": doubles["end_date"],
                "declared_by": doubles["declared_by"],
                "declared_on": doubles["declared_on"],
            }
        ),
        {
            "name": "Salarié",
            "link": ui.link_column(),
            "title": "Formation",
            "end": ui.date_column("Fin de formation"),
            "declared_by": "Déclarée aussi par",
            "declared_on": ui.date_column("Reçue le"),
        },
    )

awaiting_picked = ui.pick(
    expected,
    expected["status"] == "awaiting_of",
    columns=[
        *ui.PERSON_COLUMNS,
        "of_deadline",
        "days_left",
        "training_title",
        "organisme",
        "end_date",
        "carence_opens_on",
    ],
)
awaiting = awaiting_picked.rows
with st.expander(f"En attente de l'OF : {awaiting_picked.total} formation(s) que l'organisme peut encore déclarer"):
    ui.show_table(
        pd.DataFrame(
            {
                "of_deadline": awaiting["of_deadline"],
                "days_left": awaiting["days_left"],
                "name": ui.person_names(awaiting),
                "link": ui.employee_links(awaiting["matricule"]),
                "title": awaiting["training_title"],
                "organisme": awaiting["organisme"],
                "end": awaiting["end_date"],
                "opens": awaiting["carence_opens_on"],
            }
        ),
        {
            "of_deadline": ui.date_column("Échéance de l'OF"),
            "days_left": ui.days_column(),
            "name": "Salarié",
            "link": ui.link_column(),
            "title": "Formation",
            "organisme": "Organisme",
            "end": ui.date_column("Fin de formation"),
            "opens": ui.date_column("Carence possible à partir du"),
        },
    )

ui.render_export_section("carence")
