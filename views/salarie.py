"""Salarié: one employee's whole passport — identity, trainings, declaration status, validity, timeline."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from lib import charts, passport, ui
from lib.identifiers import mask_nir
from lib.lists import Condition, ListQuery

ui.require("read")
st.title("Passeport d'un salarié")
ui.require_data()
today = ui.today()
ui.reference_caption()

known = ui.people.count()
if not known:
    st.info("Aucun salarié connu : importez le registre du personnel ou le fichier des formations.")
    st.stop()

wanted = st.query_params.get("matricule")
many = known > ui.PEOPLE_LIST_LIMIT
# Words in any order, accents and case ignored (« thierry guillon » finds GUILLON Thierry), searched in SQL.
typed = st.text_input(
    "Rechercher un salarié",
    key="employee_search",
    placeholder="Nom, prénom ou matricule, dans n'importe quel ordre",
)
if typed.strip():
    found = ui.people.found(typed, ui.PEOPLE_MATCHES)
elif many:  # a selectbox of 100,000 names would weigh megabytes on every run: search first, then choose
    found = {}
else:
    found = ui.people.found("", None)
labels = {**(ui.people.labels_of([wanted]) if wanted and wanted not in found else {}), **found}
if typed.strip() or many:
    first = f", les {ui.PEOPLE_MATCHES} premiers" if len(found) >= ui.PEOPLE_MATCHES else ""
    st.caption(
        f"{ui.fr_number(known)} salariés : tapez quelques lettres du nom ou le matricule "
        f"({len(found)} trouvé(s){first})."
    )
options = list(labels)
chosen = st.selectbox(
    "Salarié",
    options,
    index=options.index(wanted) if wanted in options else None,
    format_func=labels.__getitem__,
    placeholder="Choisissez un salarié (nom ou matricule)",
    key=f"employee_{wanted}",
)
if chosen is None:
    st.stop()
if chosen != wanted:
    st.query_params["matricule"] = chosen

# ------------------------------------------------------------------ identity
person = ui.people.employee(chosen)
records = ui.lists.rows(ListQuery("validities").where(Condition("matricule", "in", (chosen,))), limit=None)
if not person.empty:
    row = person.iloc[0]
    nir, siret = row["nir"], row["establishment_siret"]
    site, service, manager = row["site"], row["service"], row["manager"]
    entry, leaving = row["entry_date"], row["exit_date"]
elif not records.empty:
    row = records.iloc[0]
    nir, siret = row["person_nir"], row["person_siret"]
    site, service, manager = row["person_site"], row["person_service"], row["manager"]
    entry, leaving = None, row["exit_date"]
else:
    st.info("Ce salarié n'a plus de données dans la base.")
    st.stop()
establishments = ui.establishments().set_index("siret")["name"]
st.subheader(ui.md_text(labels[chosen]), anchor=False)
cols = st.columns(4)
cols[0].markdown(f"**Matricule**  \n{ui.md_text(chosen)}")
cols[1].markdown(f"**NIR**  \n{mask_nir(nir) if isinstance(nir, str) else 'non renseigné'}")
cols[2].markdown(
    f"**Établissement**  \n{ui.md_text(establishments.get(siret, '')) or '—'}"
    f"{f' (SIRET {ui.md_text(siret)})' if isinstance(siret, str) else ''}"
)
cols[3].markdown(
    f"**Site · service**  \n{ui.md_text(site) if isinstance(site, str) else '—'} · "
    f"{ui.md_text(service) if isinstance(service, str) else '—'}"
)
cols = st.columns(4)
cols[0].markdown(f"**Responsable**  \n{ui.md_text(manager) if isinstance(manager, str) else '—'}")
cols[1].markdown(f"**Entrée**  \n{ui.fr_date(entry) or '—'}")
cols[2].markdown(f"**Sortie**  \n{ui.fr_date(leaving) or '—'}")
if person.empty:
    cols[3].warning("Absent du registre du personnel.")
ui.render_passport_download(chosen)

# ------------------------------------------------------------------ trainings with their declaration status
ids = Condition("id", "in", tuple(int(i) for i in records["id"]))
expected = ui.lists.rows(
    ListQuery("expected_trainings").where(ids),
    limit=None,
    columns=["id", "status", "status_label", "due_on", "declared_by_of", "declared_by", "declared_in_carence"],
).set_index("id")
internal = ui.lists.rows(
    ListQuery("internal_trainings").where(ids),
    limit=None,
    columns=["id", "status", "status_label", "due_on", "declared"],
).set_index("id")


def text(value: Any) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def declaration(record_id: int, is_internal: bool) -> tuple[str, str, str, Any]:
    """Declaration status code and label, who declared it, and the next deadline for one training record."""
    if is_internal and record_id in internal.index:
        line = internal.loc[record_id]
        who = "l'employeur (formation interne)" if line["declared"] else ""
        return text(line["status"]), text(line["status_label"]), who, line["due_on"]
    if record_id in expected.index:
        line = expected.loc[record_id]
        if line["declared_by_of"]:
            who = text(line["declared_by"])
        elif line["declared_in_carence"]:
            who = "l'employeur (carence)"
        else:
            who = ""
        return text(line["status"]), text(line["status_label"]), who, line["due_on"]
    return "", "", "", None


def dates_text(values: pd.Series | list[Any]) -> list[str]:
    """Dates that may be missing, as text: an empty cell, never « None »."""
    return [ui.fr_date(v) for v in values]


def days_text(values: pd.Series) -> list[str]:
    return [passport.days_left_text(None if pd.isna(d) else int(d)) for d in values]


records = records.sort_values("end_date", ascending=False, kind="stable").reset_index(drop=True)
found_lines = [declaration(int(i), bool(n)) for i, n in zip(records["id"], records["is_internal"], strict=True)]
is_latest = [bool(latest) for latest in records["is_latest"].fillna(True)]  # a later session of its family renews it
st.subheader(f"Formations ({len(records)})")
if records.empty:
    st.info("Aucune formation enregistrée pour ce salarié.")
else:
    ui.show_table(
        pd.DataFrame(
            {
                "formation": records["training_type"].fillna(records["training_title"]),
                "title": records["training_title"],
                "start": dates_text(records["start_date"]),
                "end": records["end_date"],
                "validity_end": dates_text(records["effective_validity_end"]),
                "validity": [
                    passport.validity_state_text(str(label), is_latest=latest)
                    for label, latest in zip(records["status_label"].fillna(""), is_latest, strict=True)
                ],
                "days_left": days_text(records["days_left"]),
                "source": records["validity_source"].fillna(""),
                "declaration": [f[1] for f in found_lines],
                "declared_by": [f[2] for f in found_lines],
                "due_on": dates_text([f[3] for f in found_lines]),
                "organisme": records["organisme"].where(~records["is_internal"].astype(bool), "interne").fillna(""),
                "latest": records["is_latest"],
                "reference": records["reference"].fillna(""),
            }
        ),
        {
            "formation": "Formation",
            "title": "Intitulé",
            "start": "Début",
            "end": ui.date_column("Fin"),
            "validity_end": "Valide jusqu'au",
            "validity": "Validité",
            "days_left": st.column_config.TextColumn("Jours restants", help="Jours avant la fin de validité"),
            "source": st.column_config.TextColumn("Source de la validité", help="« recommandation » : pas la loi"),
            "declaration": "Déclaration",
            "declared_by": "Déclarée par",
            "due_on": "Échéance de déclaration",
            "organisme": "Organisme",
            "latest": st.column_config.CheckboxColumn("Dernière session", help="La plus récente de ce type"),
            "reference": "Référence",
        },
    )

    with st.expander("D'où viennent ces échéances ?"):
        labels_by_id = {
            int(i): f"{t} — fin le {ui.fr_date(e)}"
            for i, t, e in zip(records["id"], records["training_title"], records["end_date"], strict=True)
        }
        picked = st.selectbox("Formation", list(labels_by_id), format_func=labels_by_id.__getitem__, key="why_dates")
        record = records.set_index("id").loc[picked]
        status, label, who, due = found_lines[list(labels_by_id).index(picked)]
        validity_end = record["effective_validity_end"]
        facts = passport.TrainingFacts(
            title=str(record["training_title"]),
            end_date=pd.Timestamp(record["end_date"]).date(),
            is_internal=bool(record["is_internal"]),
            is_latest=bool(record["is_latest"]),
            validity_end=None if pd.isna(validity_end) else pd.Timestamp(validity_end).date(),
            validity_source=text(record["validity_source"]) or None,
            declaration_status=status,
            declaration_label=label,
            declaration_due_on=None if due is None or pd.isna(due) else pd.Timestamp(due).date(),
            declared_by=who,
        )
        st.markdown(ui.people.deadline_story(record, facts))

# ------------------------------------------------------------------ OF declarations with no matching record
unmatched = (
    ui.lists.rows(
        ListQuery("of_declarations").where(
            Condition("nir", "in", (nir,)), Condition("reconciliation", "not_in", ("rapprochée",))
        ),
        limit=None,
    )
    if isinstance(nir, str)
    else pd.DataFrame()
)
if not unmatched.empty:
    st.warning(f"{len(unmatched)} déclaration(s) d'OF pour ce salarié sans formation correspondante dans vos fichiers.")
    shown_lines = unmatched[["organisme", "title", "reconciliation", "status_label"]].astype("object")
    ui.show_table(
        shown_lines.assign(
            date_fin_formation=dates_text(unmatched["date_fin_formation"]), due_on=dates_text(unmatched["due_on"])
        ).fillna(""),
        {
            "organisme": "Organisme",
            "title": "Formation",
            "date_fin_formation": "Fin de formation",
            "reconciliation": "Rapprochement",
            "status_label": "Vérification",
            "due_on": "Échéance de vérification",
        },
    )

# ------------------------------------------------------------------ timeline
if not records.empty:
    st.subheader("Frise des validités")
    start = records["validity_start"].fillna(records["start_date"]).fillna(records["end_date"])
    bars = [
        charts.TimelineBar(
            line=str(line),
            start=first.date(),
            end=None if pd.isna(last) else last.date(),
            state=charts.RENEWED if state == "expired" and not latest else str(state),
            title="" if pd.isna(title) else str(title),
        )
        for line, first, last, state, latest, title in zip(
            records["training_type"].fillna(records["training_title"]).fillna("Formation"),
            pd.to_datetime(start),
            pd.to_datetime(records["effective_validity_end"]),
            records["status"],
            is_latest,
            records["training_title"],
            strict=True,
        )
        if not pd.isna(first)
    ]
    ui.show_markup(charts.timeline(bars, today=today))
    st.caption(
        "Trait pointillé : aujourd'hui. Une formation sans échéance est tracée jusqu'à aujourd'hui, en gris ; une "
        "session expirée qu'une plus récente de la même famille renouvelle (le SST avant un MAC SST), en rose pâle."
    )
