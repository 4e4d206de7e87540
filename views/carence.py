"""Carence: the trainings an OF failed to declare in time, which the employer must declare itself."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import due_lists, ui
from lib.statuses import CARENCE_TO_DECLARE
from lib.ui.due_lists import CARENCE_COLUMNS, carence_download, due_list_query, list_download, say_if_cut

ui.require("read")
st.title("Déclarations en carence")
ui.require_data()
ui.reference_caption()
st.caption(
    "Formations achetées à un organisme qui ne les a pas déclarées avant son échéance : vous devez les déclarer "
    "vous-même pendant la fenêtre de carence. « Correction non faite » : vous avez demandé une correction que "
    "l'organisme n'a pas faite ; la carence la déclare avec les valeurs de vos fichiers (celles de votre demande), "
    "dans les 9 mois qui suivent l'échéance de l'organisme (à partir de votre demande si elle est plus tardive)."
)

wanted = due_list_query("expected_trainings", CARENCE_TO_DECLARE, ("Organisme", "organisme", "of"))
total = ui.lists.count(wanted)
due = ui.lists.count(due_lists.due_query("expected_trainings", CARENCE_TO_DECLARE))
shown = ui.lists.rows(wanted, limit=ui.lists.PAGE_ROWS, columns=CARENCE_COLUMNS)

st.markdown(f"**{ui.fr_number(total)}** formation(s) à déclarer en carence sur {ui.fr_number(due)}.")
say_if_cut(len(shown), total)
ui.show_table(
    pd.DataFrame(
        {
            "deadline": shown["carence_deadline"],
            "days_left": shown["days_left"],
            "window_share": due_lists.window_share(
                shown["carence_opens_on"], shown["carence_deadline"], ui.lists.day()
            ),
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
            "requested": shown["correction_requested_on"],
            "reason": shown["correction_reason"],
        }
    ),
    {
        "deadline": ui.date_column("Date limite", "Fin de la fenêtre de carence"),
        "days_left": ui.days_column(),
        "window_share": st.column_config.ProgressColumn(
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
        "requested": ui.date_column("Correction demandée le"),
        "reason": st.column_config.TextColumn("Correction demandée (motif)", width="large"),
    },
)

if total:
    list_download(wanted, CARENCE_COLUMNS, carence_download, "carences", key="carence_list", sheet="Carences")
orphan_corrections = ui.lists.count(due_lists.orphan_corrections())
if orphan_corrections:
    st.warning(
        f"{ui.fr_number(orphan_corrections)} déclaration(s) en « correction non faite » ne sont rapprochées "
        "d'aucune formation de vos fichiers : la carence ne peut pas les reprendre. Rapprochez-les (page "
        "Vérification) ou complétez le fichier RH pour les déclarer avec vos valeurs."
    )
outside_scope = ui.lists.count(due_lists.outside_employer_scope())
if outside_scope:
    st.caption(
        f"{ui.fr_number(outside_scope)} formation(s) de catégorie 3 ou 4 non déclarée(s) ou non corrigée(s) par "
        "l'organisme restent hors de votre champ : avant la date à partir de laquelle l'employeur déclare ces "
        "catégories, la carence, qui est votre déclaration, n'est pas obligatoire (statut « non obligatoire "
        "(catégorie 3–4 avant le … pour l'employeur) »)."
    )
missing_nir = ui.lists.count(due_lists.without_nir(wanted))
if missing_nir:
    st.warning(
        f"{ui.fr_number(missing_nir)} formation(s) sans NIR : complétez le registre du personnel avant de déclarer."
    )

doubles_total = ui.lists.count(due_lists.double_declarations())
if doubles_total:
    doubles = ui.lists.rows(
        due_lists.double_declarations(),
        limit=ui.lists.PAGE_ROWS,
        columns=[*ui.PERSON_COLUMNS, "training_title", "end_date", "declared_by", "declared_on"],
    )
    st.error(
        f"{ui.fr_number(doubles_total)} formation(s) déclarée(s) à la fois par l'OF et en carence : "
        "signalez le doublon sur le portail.",
        icon=":material/warning:",
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
    say_if_cut(len(doubles), doubles_total)

awaiting_total = ui.lists.count(due_lists.still_with_the_of())
with st.expander(
    f"En attente de l'OF : {ui.fr_number(awaiting_total)} formation(s) que l'organisme peut encore déclarer ou corriger"
):
    awaiting = ui.lists.rows(
        due_lists.still_with_the_of(),
        limit=ui.lists.PAGE_ROWS,
        columns=[
            *ui.PERSON_COLUMNS,
            "of_deadline",
            "status_label",
            "days_left",
            "training_title",
            "organisme",
            "end_date",
            "carence_opens_on",
        ],
    )
    ui.show_table(
        pd.DataFrame(
            {
                "status": awaiting["status_label"],
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
            "status": "Statut",
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
    say_if_cut(len(awaiting), awaiting_total)

ui.render_export_section("carence")
