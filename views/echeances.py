"""Échéances: whose trainings expire soon or have expired, by employee, site, service, training and horizon."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lib import digest, settings, ui
from lib.statuses import VALIDITY_LABELS

ui.require("read")
MATRIX_LIMIT = 60
HORIZONS = ["30", "60", "90", "180", "365"]
STATES = list(digest.VALIDITY_STATES)
MATRIX_STATES = {
    "absente": 0,
    VALIDITY_LABELS["expired"]: 1,
    VALIDITY_LABELS["expiring_soon"]: 2,
    VALIDITY_LABELS["valid"]: 3,
    VALIDITY_LABELS["no_expiry"]: 3,
}
MATRIX_COLORS = [
    [0.0, "#e0e0e0"],
    [0.1667, "#e0e0e0"],
    [0.1667, "#d62728"],
    [0.5, "#d62728"],
    [0.5, "#ff9f1c"],
    [0.8333, "#ff9f1c"],
    [0.8333, "#2ca02c"],
    [1.0, "#2ca02c"],
]

st.title("Échéances des formations")
ui.require_data()
today = ui.today()
ui.reference_caption()

validities = ui.workflow("validities")
default_horizon = str(settings.preferences(ui.stored_settings()).horizon_days)

c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
with c1:
    search = ui.url_text("Salarié", "recherche", placeholder="Nom ou matricule, dans n'importe quel ordre")
with c2:
    chosen_sites = ui.url_multiselect("Site", ui.choices("validities", "person_site"), "site")
with c3:
    chosen_services = ui.url_multiselect("Service", ui.choices("validities", "person_service"), "service")
with c4:
    chosen_types = ui.url_multiselect("Formation", ui.choices("validities", "formation"), "formation")
c5, c6, c7, c8 = st.columns([1, 3, 2, 2])
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
    st.write("")
    history = ui.url_toggle(
        "Afficher l'historique", "historique", help="Toutes les sessions, pas seulement la dernière"
    )
with c8:
    st.write("")
    with_leavers = ui.url_toggle("Inclure les salariés sortis", "sortis")

states = digest.validity_labels(validities["days_left"], horizon)
wanted = (
    ui.search_mask("validities", search)
    & ui.in_choices(validities["person_site"], chosen_sites)
    & ui.in_choices(validities["person_service"], chosen_services)
    & ui.in_choices(validities["formation"], chosen_types)
    & ui.in_choices(states, chosen_states)
)
if not history:
    wanted &= validities["is_latest"]
if not with_leavers:
    wanted &= ~(validities["exit_date"] < ui.as_day(today))
VALIDITY_COLUMNS = [
    *ui.PERSON_COLUMNS, "effective_validity_end", "days_left", "person_site", "person_service", "formation",
    "training_title", "end_date", "validity_source", "organisme", "is_internal", "manager",
]  # fmt: skip
picked = ui.pick(validities, wanted, columns=VALIDITY_COLUMNS, say_capped=False)


def with_labels(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows with their validity state and « NOM Prénom » (computed for the rows shown or downloaded only)."""
    return rows.assign(state=digest.validity_labels(rows["days_left"], horizon), name=ui.person_names(rows))


shown = with_labels(picked.rows)
people_count = validities.loc[wanted, "matricule"].nunique()
st.markdown(f"**{ui.fr_number(picked.total)}** formation(s) · {ui.fr_number(people_count)} salarié(s).")
picked.say_if_capped()
table = pd.DataFrame(
    {
        "validity_end": shown["effective_validity_end"],
        "days_left": shown["days_left"],
        "state": shown["state"],
        "name": shown["name"],
        "link": ui.employee_links(shown["matricule"]),
        "site": shown["person_site"],
        "service": shown["person_service"],
        "formation": shown["formation"],
        "title": shown["training_title"],
        "end": shown["end_date"],
        "source": shown["validity_source"],
        "organisme": shown["organisme"].where(~shown["is_internal"], "interne"),
        "manager": shown["manager"],
    }
)
ui.show_table(
    table,
    {
        "validity_end": ui.date_column("Fin de validité"),
        "days_left": ui.days_column(),
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
    """Every row of the selection, not only the ones shown, for the download."""
    rows = with_labels(picked.all())
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
people = (
    validities.loc[wanted, ["matricule", "days_left"]]
    .sort_values("days_left", na_position="last", kind="stable")
    .drop_duplicates("matricule")["matricule"]
    .dropna()
)
if people.empty:
    st.info("Aucun salarié dans la sélection.")
else:
    limited = list(people.head(MATRIX_LIMIT))
    if len(people) > MATRIX_LIMIT:
        st.caption(
            f"Les {MATRIX_LIMIT} salariés aux échéances les plus proches sur {len(people)} : "
            "affinez les filtres pour voir les autres."
        )
    latest = with_labels(
        ui.pick(
            validities, validities["is_latest"] & validities["matricule"].isin(limited), columns=VALIDITY_COLUMNS
        ).rows
    )
    types = sorted(chosen_types or latest["formation"].dropna().unique())
    labels = latest.drop_duplicates("matricule").set_index("matricule")["name"]
    rows = [f"{labels.get(m, '')} ({m})" for m in limited]
    cells = latest.drop_duplicates(["matricule", "formation"]).set_index(["matricule", "formation"])
    z, hover = [], []
    for matricule in limited:
        z_row, hover_row = [], []
        for training in types:
            if (matricule, training) in cells.index:
                cell = cells.loc[(matricule, training)]
                state = str(cell["state"])
                end = ui.fr_date(cell["effective_validity_end"])
                hover_row.append(f"{state}{' — fin ' + end if end else ''}")
            else:
                state = "absente"
                hover_row.append("aucune formation")
            z_row.append(MATRIX_STATES[state])
        z.append(z_row)
        hover.append(hover_row)
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=[ui.chart_text(t) for t in types],
            y=[ui.chart_text(r) for r in rows],
            customdata=hover,
            zmin=0,
            zmax=3,
            colorscale=MATRIX_COLORS,
            showscale=False,
            xgap=2,
            ygap=2,
            hovertemplate="%{y}<br>%{x} : %{customdata}<extra></extra>",
        )
    )
    figure.update_layout(
        height=max(260, 22 * len(rows) + 120), margin={"t": 10, "l": 10}, yaxis={"autorange": "reversed"}
    )
    figure.update_xaxes(side="top")
    st.plotly_chart(figure, config=ui.plotly_config())
    st.caption("🟥 expirée · 🟧 expire dans l'horizon · 🟩 valide ou sans échéance · ⬜ aucune formation de ce type.")
