"""Vérification: the OF declarations made for the employer, to accept or contest before they are deemed verified."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import corrections, ui
from lib.statuses import VERIFICATION_LABELS

ui.require("read")
st.title("Vérification des déclarations des organismes")
ui.require_data()
today = ui.today()
ui.reference_caption()
st.caption(
    "Une déclaration non contestée avant son échéance est « réputée vérifiée ». "
    "Sélectionnez des lignes dans le tableau pour les accepter ou demander une correction."
)

lines = ui.workflow("of_declarations")
is_concerned = lines["concerned"].to_numpy(dtype=bool, na_value=False)
concerned_count = int(is_concerned.sum())
flash = st.session_state.pop("verification_flash", None)
if flash:
    st.success(flash, icon="✅")

# ------------------------------------------------------------------ filters (kept in the URL)
STATUSES = [
    VERIFICATION_LABELS[code]
    for code in (
        "to_verify", "correction_requested", "correction_not_made", "correction_not_made_overdue", "corrected_by_of",
        "declared_in_carence", "verified", "deemed_verified", "closed_before_employer_space",
    )
]  # fmt: skip
c1, c2, c3, c4 = st.columns([2, 2, 1, 2])
with c1:
    chosen_of = ui.url_multiselect("Organisme", ui.choices("of_declarations", "organisme", flag="concerned"), "of")
with c2:
    chosen_sites = ui.url_multiselect(
        "Établissement", ui.choices("of_declarations", "establishment", flag="concerned"), "etab"
    )
with c3:
    window = ui.url_selectbox("Échéance", ui.DUE_WINDOWS, "echeance")
with c4:
    chosen_status = ui.url_multiselect(
        "Statut",
        STATUSES,
        "statut",
        default=[VERIFICATION_LABELS[c] for c in ("to_verify", "correction_requested", "correction_not_made")],
    )
c5, c6 = st.columns([3, 1])
with c5:
    search = ui.url_text("Salarié", "recherche", placeholder="Nom, matricule ou identifiant de déclaration")
with c6:
    st.write("")
    only_discrepancies = ui.url_toggle("Avec écarts seulement", "ecarts")

wanted = (
    is_concerned
    & ui.in_choices(lines["organisme"], chosen_of)
    & ui.in_choices(lines["establishment"], chosen_sites)
    & ui.in_choices(lines["status_label"], chosen_status)
    & ui.due_window_mask(lines["due_on"], today, window)
    & ui.search_mask("of_declarations", search)
)
if only_discrepancies:
    wanted &= lines["discrepancies"] != ""
LINE_COLUMNS = [
    "line_key", "organisme", "id_declaration", "id_unique_partenaire", "nir", "matricule", "nom_titulaire", "title",
    "date_fin_formation", "date_debut_validite", "due_on", "verification_deadline", "days_left", "status_label",
    "discrepancies", "discrepancy_details", "establishment", "reconciliation", "declared_late", "last_reason",
    "presence_employeur", "siret_employeur",
]  # fmt: skip
picked = ui.pick(lines, wanted, columns=LINE_COLUMNS, say_capped=False)
matching, shown = picked.total, picked.rows

table = pd.DataFrame(
    {
        "due_on": shown["due_on"].fillna(shown["verification_deadline"]),
        "days_left": shown["days_left"],
        "status": shown["status_label"],
        "alert": ["⚠️ " + d if d else "" for d in shown["discrepancies"]],
        "name": ui.roster_names_by_nir(shown["nir"]),
        "link": ui.employee_links(shown["matricule"].fillna(ui.roster_matricules_by_nir(shown["nir"]))),
        "holder": shown["nom_titulaire"],
        "nir": ui.masked_nirs(shown["nir"]),
        "organisme": shown["organisme"],
        "title": shown["title"],
        "end": shown["date_fin_formation"].fillna(shown["date_debut_validite"]),
        "establishment": shown["establishment"],
        "reconciliation": shown["reconciliation"],
        "late": shown["declared_late"],
        "details": shown["discrepancy_details"],
        "reason": shown["last_reason"],
        "id_declaration": shown["id_declaration"],
        "partner": shown["id_unique_partenaire"],
    }
)
st.markdown(f"**{ui.fr_number(matching)}** déclaration(s) sur {ui.fr_number(concerned_count)} pour vos établissements.")
picked.say_if_capped()
event = None
if table.empty:
    st.caption("Aucune déclaration ne correspond aux filtres.")
else:
    event = st.dataframe(
        table,
        hide_index=True,
        key="verification_table",
        on_select="rerun",
        selection_mode="multi-row",
        placeholder=ui.EMPTY_CELL,
        column_config={
            "due_on": ui.date_column(
                "Échéance", "Date limite de vérification ; pour une correction demandée, fin de la fenêtre de carence"
            ),
            "days_left": ui.days_column(),
            "status": "Statut",
            "alert": "Écarts",
            "organisme": "Organisme",
            "title": st.column_config.TextColumn("Formation", width="medium"),
            "end": ui.date_column("Fin de formation", "Ou début de validité pour un justificatif JDR"),
            "holder": st.column_config.TextColumn("Titulaire", help="Nom déclaré par l'OF"),
            "name": st.column_config.TextColumn("Salarié", help="Nom au registre du personnel"),
            "nir": "NIR",
            "link": ui.link_column(),
            "establishment": "Établissement",
            "reconciliation": "Rapprochement",
            "late": st.column_config.CheckboxColumn("Déclarée en retard"),
            "details": st.column_config.TextColumn("Détail des écarts", width="large"),
            "reason": "Motif",
            "id_declaration": "ID_DECLARATION",
            "partner": "ID_UNIQUE_PARTENAIRE",
        },
    )
selected_rows = [r for r in event.selection.rows if r < len(shown)] if event else []
selected = shown.iloc[selected_rows]

# ------------------------------------------------------------------ bulk action on the selection
with st.container(border=True):
    if not ui.can("verify"):
        st.markdown(
            "**Action** : votre rôle permet de consulter les déclarations, pas de les accepter ni de les contester."
        )
    elif selected.empty:
        st.markdown("**Action** : sélectionnez une ou plusieurs lignes du tableau (case à gauche de chaque ligne).")
    else:
        st.markdown(f"**Action sur {len(selected)} ligne(s) sélectionnée(s)**")
        keys = list(selected["line_key"])
        details = [d for d in selected["discrepancy_details"] if d]
        prefill = details[0] if len(selected) == 1 and details else ""
        with st.form("verification_action"):
            action = st.radio(
                "Décision",
                ["accepted", "correction_requested"],
                format_func={"accepted": "Accepter", "correction_requested": "Demander une correction"}.__getitem__,
                horizontal=True,
                key="verification_decision",
            )
            reason = st.text_area(
                "Motif",
                value=prefill,
                key=f"verification_reason_{abs(hash(tuple(keys)))}",
                help="Vide : pour une demande de correction, chaque ligne reçoit le détail de ses propres écarts.",
            )
            if st.form_submit_button("Enregistrer la décision", type="primary"):
                typed = reason.strip()
                if action == "correction_requested" and not typed and not details:
                    st.error("Indiquez le motif de la demande de correction (aucun écart détecté sur ces lignes).")
                else:
                    reasons = [
                        typed or (d if action == "correction_requested" else None) or None
                        for d in selected["discrepancy_details"]
                    ]
                    ui.record_verification(
                        keys, "accepted" if action == "accepted" else "correction_requested", reasons
                    )
                    word = "acceptée(s)" if action == "accepted" else "en demande de correction"
                    st.session_state["verification_flash"] = f"{len(keys)} déclaration(s) {word}."
                    st.rerun()

# ------------------------------------------------------------------ recent actions, with undo
batches = ui.recent_action_batches("of_line")
with st.expander("Dernières décisions (annulables)", expanded=not batches.empty and flash is not None):
    if batches.empty:
        st.write("Aucune décision enregistrée.")
    for index, batch in batches.iterrows():
        cols = st.columns([2, 2, 1, 4, 1])
        cols[0].write(pd.Timestamp(batch["acted_at"]).strftime("%d/%m/%Y %H:%M"))
        cols[1].write(f"{ui.ACTION_LABELS.get(str(batch['action']), batch['action'])} — {batch['who']}")
        cols[2].write(f"{batch['lines']} ligne(s)")
        cols[3].write(str(batch["reason"]) or "—")
        if batch["undone"]:
            cols[4].write("annulée")
        elif cols[4].button("Annuler", key=f"undo_{index}_{batch['ids'][0]}"):
            ui.undo_actions(batch["ids"])
            st.session_state["verification_flash"] = f"Décision annulée ({batch['lines']} ligne(s))."
            st.rerun()

# ------------------------------------------------------------------ correction requests to send, per OF
st.subheader("Demandes de correction à envoyer")
requests = ui.workflow("correction_requests")
if requests.empty:
    st.write("Aucune demande de correction en cours.")
else:
    st.caption(
        "Un fichier par organisme, à joindre à votre courriel (NIR masqués : l'OF retrouve la ligne par son "
        "ID_UNIQUE_PARTENAIRE). Une demande est « corrigée par l'OF » quand un fichier de l'OF reçu après elle "
        "modifie la ligne. Sans correction, la ligne devient « correction non faite » à l'ouverture de la fenêtre "
        "de carence (ou dès la demande si elle suit l'échéance de l'OF) : à déclarer en carence, page Carence."
    )
    for organisme, subset in requests.groupby("organisme"):
        answered = int(subset["correction_answered"].sum())
        csv, xlsx = corrections.request_files(requests, str(organisme))
        cols = st.columns([4, 2, 2])
        cols[0].markdown(f"**{ui.md_text(organisme)}** — {len(subset)} ligne(s), dont {answered} corrigée(s) par l'OF")
        stem = f"demandes_correction_{ui.file_slug(str(organisme))}"
        cols[1].download_button(
            "Excel", data=xlsx, file_name=f"{stem}.xlsx", key=f"corrections_xlsx_{organisme}",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/download:", on_click="ignore",
        )  # fmt: skip
        cols[2].download_button(
            "CSV", data=csv, file_name=f"{stem}.csv", mime="text/csv", key=f"corrections_{organisme}",
            icon=":material/download:", on_click="ignore",
        )  # fmt: skip

# ------------------------------------------------------------------ declarations without a matching record
st.subheader("Déclarations inattendues ou à rapprocher")
# « À rapprocher » first (a person can settle them), then the nearest deadline.
orphans = ui.pick(
    lines,
    is_concerned & lines["reconciliation"].isin(["inattendue", "à rapprocher"]),
    sort_by=["reconciliation", "due_on"],
    ascending=[False, True],
    max_rows=200,
    columns=LINE_COLUMNS,
).rows
if orphans.empty:
    st.write("Toutes les déclarations sont rapprochées d'une formation de vos fichiers.")
else:
    st.caption(
        "« Inattendue » : aucune formation correspondante dans vos fichiers (autre session ? oubli côté RH ?). "
        "« À rapprocher » : plusieurs formations possibles ; choisissez la bonne ci-dessous."
    )
    orphan_matricules = ui.roster_matricules_by_nir(orphans["nir"])
    ui.show_table(
        pd.DataFrame(
            {
                "reconciliation": orphans["reconciliation"],
                "organisme": orphans["organisme"],
                "title": orphans["title"],
                "end": orphans["date_fin_formation"].fillna(orphans["date_debut_validite"]),
                "holder": orphans["nom_titulaire"],
                "name": ui.roster_names_by_nir(orphans["nir"]),
                "nir": ui.masked_nirs(orphans["nir"]),
                "link": ui.employee_links(orphan_matricules),
                "known": orphan_matricules.notna(),
                "due_on": orphans["due_on"],
            }
        ),
        {
            "reconciliation": "Rapprochement",
            "organisme": "Organisme",
            "title": "Formation",
            "end": ui.date_column("Fin de formation"),
            "holder": "Titulaire",
            "name": "Salarié",
            "nir": "NIR",
            "link": ui.link_column(),
            "known": st.column_config.CheckboxColumn("Salarié connu", help="NIR présent dans le registre"),
            "due_on": ui.date_column("Échéance de vérification"),
        },
    )
    expected = ui.workflow("expected_trainings")
    with st.container(border=True):
        st.markdown("**Rapprocher manuellement une déclaration d'une formation de vos fichiers**")
        masked = ui.masked_nirs(orphans["nir"])
        orphan_labels = [
            f"{o} — {t} — {h} ({n}) — fin {ui.fr_date(d)}"
            for o, t, h, n, d in zip(
                orphans["organisme"],
                orphans["title"],
                orphans["nom_titulaire"],
                masked,
                orphans["date_fin_formation"].fillna(orphans["date_debut_validite"]),
                strict=True,
            )
        ]
        line_index = st.selectbox(
            "Déclaration", range(len(orphans)), format_func=orphan_labels.__getitem__, key="pairing_line"
        )
        line = orphans.iloc[int(line_index or 0)]
        candidates = ui.pick(
            expected,
            (expected["person_nir"] == line["nir"]) & ~expected["declared_by_of"],
            columns=["id", "training_title", "end_date", "organisme", "reference"],
            say_capped=False,
        ).rows
        candidate_labels = [
            f"{t} du {ui.fr_date(d)} — {o if isinstance(o, str) else 'organisme non renseigné'}"
            f" (réf. {r if isinstance(r, str) else i})"
            for t, d, o, r, i in zip(
                candidates["training_title"],
                candidates["end_date"],
                candidates["organisme"],
                candidates["reference"],
                candidates["id"],
                strict=True,
            )
        ]
        record_index = st.selectbox(
            "Formation du même salarié dans vos fichiers",
            range(len(candidates)),
            format_func=candidate_labels.__getitem__,
            key=f"pairing_record_{line['line_key']}",
            placeholder="Aucune formation non déclarée pour ce salarié",
        )
        if st.button("Rapprocher", disabled=candidates.empty):
            if record_index is None or candidates.empty:
                st.error("Aucune formation de ce salarié ne peut être rapprochée de cette déclaration.")
            else:
                record = candidates.iloc[int(record_index)]
                ui.get_store().pair_manually(
                    int(record["id"]), str(line["organisme"]), str(line["id_unique_partenaire"])
                )
                ui.clear_caches()
                st.session_state["verification_flash"] = "Déclaration rapprochée de la formation choisie."
                st.rerun()
        if candidates.empty:
            st.caption("Aucune formation non déclarée de ce salarié dans vos fichiers : complétez le fichier RH.")

# ------------------------------------------------------------------ lines for information only
with st.expander(
    f"Pour information : {len(lines) - concerned_count} déclaration(s) qui ne sont pas à vérifier par vous"
):
    others = ui.pick(lines, ~is_concerned, max_rows=200, columns=LINE_COLUMNS).rows
    st.caption(
        "Déclarations sans présence de l'employeur (PRESENCE_EMPLOYEUR = NON, formation suivie à titre personnel) "
        "ou pour un SIRET qui n'est pas l'un de vos établissements."
    )
    ui.show_table(
        pd.DataFrame(
            {
                "organisme": others["organisme"],
                "title": others["title"],
                "end": others["date_fin_formation"].fillna(others["date_debut_validite"]),
                "holder": others["nom_titulaire"],
                "nir": ui.masked_nirs(others["nir"]),
                "presence": others["presence_employeur"],
                "siret": others["siret_employeur"],
            }
        ),
        {
            "organisme": "Organisme",
            "title": "Formation",
            "end": ui.date_column("Fin de formation"),
            "holder": "Titulaire",
            "nir": "NIR",
            "presence": "PRESENCE_EMPLOYEUR",
            "siret": "SIRET_EMPLOYEUR",
        },
    )
