"""Manquants: every employee × training their employer requires of them without a valid one — never trained,
expired, or expiring soon — and the compliance rate per site, service and requirement."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from lib import requirements, ui
from lib.lists import ListQuery, is_in

ui.require("read")
st.title("Manquants")
ui.require_data()
ui.reference_caption()
st.caption(
    "Les formations que **vous** exigez par poste, service ou site (Paramètres → Formations requises) : ce sont "
    "vos choix d'employeur, pas une liste fixée par la loi."
)

whole = ListQuery("missing_trainings")
total = ui.lists.count(whole)
if total == 0:
    st.info(
        "Aucune formation requise n'est définie, ou aucun salarié présent n'est concerné. Indiquez dans "
        "**Paramètres → Formations requises** ce que vous exigez (par exemple : CACES R489 pour les caristes, "
        "SST pour la maintenance) : cet écran montrera alors qui ne l'a pas.",
        icon=":material/assignment:",
    )
    st.page_link("views/parametres.py", label="Ouvrir les Paramètres", icon=":material/settings:")
    st.stop()

labels = requirements.families()
c1, c2, c3 = st.columns(3)
with c1:
    sites = ui.url_multiselect("Site", ui.lists.values(whole, "person_site"), "site")
with c2:
    services = ui.url_multiselect("Service", ui.lists.values(whole, "person_service"), "service")
with c3:
    jobs = ui.url_multiselect("Poste", ui.lists.values(whole, "job"), "poste")
c4, c5, c6 = st.columns(3)
with c4:
    family_keys = ui.lists.values(whole, "family")
    by_label = {labels.get(k, k): k for k in family_keys}
    chosen_families = ui.url_multiselect("Formation requise", list(by_label), "formation")
with c5:
    state_names = {requirements.STATE_LABELS[s]: s for s in requirements.STATE_LABELS}
    chosen_states = ui.url_multiselect(
        "État",
        list(state_names),
        "etat",
        default=[requirements.STATE_LABELS[s] for s in requirements.MISSING_STATES],
        help="Par défaut : les personnes à former (jamais formées, formation expirée ou qui expire bientôt).",
    )
with c6:
    search = ui.url_text("Salarié", "recherche", placeholder="Nom ou matricule, dans n'importe quel ordre")

query = whole.where(
    is_in("person_site", sites),
    is_in("person_service", services),
    is_in("job", jobs),
    is_in("family", [by_label[f] for f in chosen_families]),
    is_in("status", [state_names[s] for s in chosen_states]),
).searching(search)
found = ui.lists.count(query)
rows = ui.lists.rows(query)

per_state = ui.lists.counts(whole, ["status"])
state_counts = dict(zip(per_state["status"], per_state["rows"], strict=True))
m1, m2, m3, m4 = st.columns(4)
m1.metric("Jamais formés", ui.fr_number(int(state_counts.get("never_trained", 0))))
m2.metric("Formation expirée", ui.fr_number(int(state_counts.get("expired", 0))))
m3.metric("Expire bientôt", ui.fr_number(int(state_counts.get("expiring_soon", 0))))
compliant = int(state_counts.get("valid", 0) + state_counts.get("expiring_soon", 0))
m4.metric("Taux de conformité", f"{compliant / total:.0%}".replace("%", " %") if total else "—")

st.markdown(f"**{ui.fr_number(found)}** ligne(s) salarié × formation requise sur {ui.fr_number(total)}.")
if found > len(rows):
    st.caption(
        f"{ui.fr_number(len(rows))} lignes affichées sur {ui.fr_number(found)} : affinez les filtres ou téléchargez "
        "la liste."
    )


def _table(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ui.person_names(frame),
            "link": ui.employee_links(frame["matricule"]),
            "family": [labels.get(k, k) for k in frame["family"]],
            "state": frame["status_label"],
            "validity_end": frame["validity_end"],
            "last_training": frame["last_training"].fillna(""),
            "last_end": frame["last_end_date"],
            "site": frame["person_site"],
            "service": frame["person_service"],
            "job": frame["job"].fillna(""),
            "scope": frame["scope"],
        }
    )


ui.show_table(
    _table(rows),
    {
        "name": "Salarié",
        "link": ui.link_column(),
        "family": st.column_config.TextColumn("Formation requise", width="medium"),
        "state": "État",
        "validity_end": ui.date_column("Fin de validité"),
        "last_training": st.column_config.TextColumn("Dernière formation suivie", width="medium"),
        "last_end": ui.date_column("Suivie le"),
        "site": "Site",
        "service": "Service",
        "job": "Poste",
        "scope": st.column_config.TextColumn(
            "Exigence", help="À qui s'applique l'exigence (la plus précise l'emporte)"
        ),
    },
)


def _export() -> pd.DataFrame:
    frame = ui.lists.rows(query, limit=None)
    out = _table(frame).drop(columns=["link"])
    out.insert(1, "matricule", frame["matricule"].to_numpy())
    return out.rename(
        columns={
            "name": "Salarié", "matricule": "Matricule", "site": "Site", "service": "Service", "job": "Poste",
            "family": "Formation requise", "scope": "Exigence", "state": "État",
            "last_training": "Dernière formation suivie", "last_end": "Suivie le", "validity_end": "Fin de validité",
        }
    )  # fmt: skip


ui.download_buttons(_export, "manquants", key="manquants", sheet="Manquants")

st.subheader("Taux de conformité")
st.caption(
    "Part des couples salarié × formation requise couverts par une formation valide (ou qui expire bientôt), "
    "et son évolution depuis une semaine."
)
week_before = ui.lists.day() - timedelta(days=7)
GROUPINGS = {"Par site": ("person_site", "Site"), "Par service": ("person_service", "Service")}
GROUPINGS["Par formation requise"] = ("family", "Formation requise")
# One table at a time (tabs would draw all three tables on every visit: each one costs the browser).
grouping = st.segmented_control(
    "Regrouper", list(GROUPINGS), default="Par site", key="manquants_regroupement", label_visibility="collapsed"
)
column, label = GROUPINGS[grouping or "Par site"]
rates = requirements.compliance(
    ui.lists.counts(whole, [column, "compliant"]),
    ui.lists.counts_at(whole, [column, "compliant"], week_before),
    column,
)
names = rates[column].map(labels.get) if column == "family" else rates[column]
ui.show_table(
    pd.DataFrame(
        {
            "what": names.fillna("(non renseigné)"),
            "rate": rates["rate"] * 100,
            "trend": [requirements.trend_text(t) for t in rates["trend"]],
            "compliant": rates["compliant"].astype(int),
            "required": rates["required"].astype(int),
        }
    ),
    {
        "what": label,
        "rate": st.column_config.ProgressColumn("Conformité", format="%.0f %%", min_value=0, max_value=100),
        "trend": st.column_config.TextColumn("Depuis 7 jours", help="En points de pourcentage"),
        "compliant": "Couverts",
        "required": "Requis",
    },
)

shares = ui.requirements.shares()
if not shares.empty:
    st.subheader("Objectifs collectifs")
    st.caption("Exigences exprimées en part de l'effectif (par exemple : au moins 10 % de SST par site).")
    ui.show_table(
        pd.DataFrame(
            {
                "family": [labels.get(k, k) for k in shares["family"]],
                "scope": shares["scope"],
                "site": shares["person_site"].fillna("(non renseigné)"),
                "share": shares["share"] * 100,
                "target": [requirements.share_text(s) for s in shares["min_share"]],
                "trained": shares["trained"].astype(int),
                "staff": shares["staff"].astype(int),
                "met": ["atteint" if m else "non atteint" for m in shares["met"]],
            }
        ),
        {
            "family": "Formation requise",
            "scope": "Exigence",
            "site": "Site",
            "share": st.column_config.ProgressColumn("Part formée", format="%.0f %%", min_value=0, max_value=100),
            "target": "Objectif",
            "trained": "Formés",
            "staff": "Effectif",
            "met": "Résultat",
        },
    )
