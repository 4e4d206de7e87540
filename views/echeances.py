"""Échéances: whose trainings expire soon or have expired, by employee, site, service, training and horizon."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import digest, echeances_logic, requirements, settings, ui
from lib.lists import Condition, ListQuery, compare, is_in, is_true
from lib.matrix_table import matrix_table
from lib.passport import days_left_text, validity_state_text
from lib.statuses import VALIDITY_LABELS

ui.require("read")
MATRIX_LIMIT = 60
HORIZONS = ["30", "60", "90", "180", "365"]
STATES = list(digest.VALIDITY_STATES)
MISSING_COLUMNS = ["matricule", "family"]

st.title("Échéances des formations")
ui.require_data()
today = ui.today()
ui.reference_caption()

default_horizon = str(settings.preferences(ui.stored_settings()).horizon_days)

# Site and Formation get wide columns: their chips hold long names (« Guibert-la-Forêt », training families).
c1, c2, c3 = st.columns(3)
with c1:
    search = ui.url_text("Salarié", "recherche", placeholder="Nom ou matricule, dans n'importe quel ordre")
with c2:
    chosen_sites = ui.url_multiselect("Site", ui.lists.values("validities", "person_site"), "site")
with c3:
    chosen_services = ui.url_multiselect("Service", ui.lists.values("validities", "person_service"), "service")
c4, c5, c6, c7 = st.columns([2.5, 1, 2.5, 3])
with c4:
    chosen_types = ui.url_multiselect("Formation", ui.lists.values("validities", "formation"), "formation")
with c5:
    horizon = int(
        ui.url_selectbox(
            "Horizon (jours)",
            HORIZONS,
            "horizon",
            index=HORIZONS.index(default_horizon) if default_horizon in HORIZONS else 2,
            help="« Expire bientôt » : la validité s'achève dans ce nombre de jours.",
        )
    )
with c6:
    chosen_states = ui.url_multiselect(
        "État", STATES, "etat", default=[VALIDITY_LABELS["expired"], VALIDITY_LABELS["expiring_soon"]]
    )
with c7:
    history = ui.url_toggle(
        "Afficher l'historique", "historique", help="Toutes les sessions, pas seulement la dernière"
    )
    with_leavers = ui.url_toggle("Inclure les salariés sortis", "sortis")

asked = (
    ListQuery("validities")
    .searching(search)
    .where(
        is_in("person_site", chosen_sites),
        is_in("person_service", chosen_services),
        is_in("formation", chosen_types),
        None if history else is_true("is_latest"),
    )
)
for group in echeances_logic.state_groups(chosen_states, horizon):
    asked = asked.either(*group)
if not with_leavers:
    asked = asked.either(Condition("exit_date", "null"), compare("exit_date", ">=", today))

VALIDITY_COLUMNS = [
    *ui.PERSON_COLUMNS, "effective_validity_end", "days_left", "person_site", "person_service", "formation",
    "training_title", "end_date", "validity_source", "organisme", "is_internal", "manager", "is_latest",
]  # fmt: skip


def with_labels(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows with their validity state and « NOM Prénom » (computed for the rows shown or downloaded only). With
    the history shown, an expired session that a later one of its family renews reads « expirée, renouvelée »."""
    labels = digest.validity_labels(rows["days_left"], horizon)
    states = [
        validity_state_text(label, is_latest=bool(latest))
        for label, latest in zip(labels, rows["is_latest"].fillna(True), strict=True)
    ]
    return rows.assign(state=pd.Series(states, index=rows.index, dtype=object), name=ui.person_names(rows))


total = ui.lists.count(asked)
people_count = ui.people.people_in(asked)
shown = with_labels(ui.lists.rows(asked, columns=VALIDITY_COLUMNS))
st.markdown(f"**{ui.fr_number(total)}** formation(s) · {ui.fr_number(people_count)} salarié(s).")
if total > len(shown):
    st.caption(
        f"{ui.fr_number(len(shown))} lignes affichées sur {ui.fr_number(total)} : affinez les filtres ou "
        "téléchargez la liste."
    )
table = pd.DataFrame(
    {
        "validity_end": [ui.fr_date(v) for v in shown["effective_validity_end"]],  # never « None »
        "days_left": [days_left_text(None if pd.isna(d) else int(d)) for d in shown["days_left"]],
        "state": shown["state"],
        "name": shown["name"],
        "link": ui.employee_links(shown["matricule"]),
        "site": shown["person_site"],
        "service": shown["person_service"],
        "formation": shown["formation"],
        "title": shown["training_title"],
        "end": shown["end_date"],
        "source": shown["validity_source"],
        "organisme": shown["organisme"].where(~shown["is_internal"].astype(bool), "interne"),
        "manager": shown["manager"],
    }
).fillna("")  # an empty cell, never « None »
ui.show_table(
    table,
    {
        "validity_end": "Fin de validité",
        "days_left": st.column_config.TextColumn("Jours restants", help="Jours avant la fin de validité"),
        "state": "État",
        "name": "Salarié",
        "link": ui.link_column(),
        "site": "Site",
        "service": "Service",
        "formation": "Formation",
        "title": "Intitulé",
        "end": ui.date_column("Fin de formation"),
        "source": st.column_config.TextColumn(
            "Source de la validité", help="« recommandation » : durée usuelle proposée, pas une obligation légale"
        ),
        "organisme": "Organisme",
        "manager": "Responsable",
    },
)


def export() -> pd.DataFrame:
    """Every row of the selection, not only the ones shown, for the download (asked only when clicked)."""
    rows = with_labels(ui.lists.rows(asked, limit=None, columns=VALIDITY_COLUMNS))
    return pd.DataFrame(
        {
            "Matricule": rows["matricule"],
            "Salarié": rows["name"],
            "Site": rows["person_site"],
            "Service": rows["person_service"],
            "Responsable": rows["manager"],
            "Formation": rows["formation"],
            "Intitulé": rows["training_title"],
            "Fin de formation": rows["end_date"],
            "Fin de validité": rows["effective_validity_end"],
            "Jours restants": rows["days_left"],
            "État": rows["state"],
            "Source de la validité": rows["validity_source"],
        }
    )


ui.download_buttons(export, "echeances", key="echeances", sheet="Échéances")

st.subheader("Matrice salariés × formations")
limited = ui.people.first_people(asked, "days_left", MATRIX_LIMIT)
if not limited:
    st.info("Aucun salarié dans la sélection.")
else:
    if people_count > MATRIX_LIMIT:
        st.caption(
            f"Les {MATRIX_LIMIT} salariés aux échéances les plus proches sur {ui.fr_number(people_count)} : "
            "affinez les filtres pour voir les autres."
        )
    latest = ListQuery("validities").where(is_true("is_latest"), is_in("matricule", limited))
    cells = ui.lists.counts(latest, by=["matricule", "formation", "effective_validity_end"])
    never = ListQuery("missing_trainings").where(is_in("status", ["never_trained"]), is_in("matricule", limited))
    required = echeances_logic.required_cells(
        ui.lists.rows(never, limit=None, columns=MISSING_COLUMNS), requirements.families()
    )
    types = sorted(chosen_types or {*cells["formation"].dropna().unique(), *(label for _, label in required)})
    labels = ui.people.labels_of(limited)
    rows = [labels.get(m, m) for m in limited]
    grid = echeances_logic.matrix(limited, types, cells, today, horizon, required)
    ui.show_markup(matrix_table(rows, types, grid))
