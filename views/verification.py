"""Vérification: the OF declarations made for the employer, to accept or contest before they are deemed verified."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from lib import corrections, ui
from lib import verification_logic as logic
from lib.lists import is_in
from lib.statuses import VERIFICATION_LABELS

ui.require("read")
st.title("Vérification des déclarations des organismes")
ui.require_data()
ui.reference_caption()
st.caption(
    "Une déclaration non contestée avant son échéance est « réputée vérifiée ». "
    "Sélectionnez des lignes dans le tableau pour voir leur détail, les accepter ou demander une correction."
)

# What the last click recorded, said where the person who clicked is — next to the action box for a decision or its
# undoing, next to the pairing box for a pairing (the page keeps its scroll: at its top it would be out of sight).
flash: tuple[str, str] | None = st.session_state.pop("verification_flash", None)


def said_near(place: str) -> None:
    if flash is not None and flash[0] == place:
        st.success(flash[1], icon=":material/check_circle:")


def done(message: str, *, near: str = "action") -> None:
    """Say what was recorded after the rerun (next to `near`: « action » or « pairing »), and drop the table's
    selection: the table keeps a selection by position, so once the decided lines leave the list it would silently
    select the lines that took their place."""
    st.session_state["verification_flash"] = (near, message)
    st.session_state["verification_round"] = st.session_state.get("verification_round", 0) + 1
    st.rerun()


written = st.session_state.get("verification_round", 0)
TABLE_KEY = f"verification_table_{written}" if written else "verification_table"

# ------------------------------------------------------------------ filters (kept in the URL)
STATUSES = [
    VERIFICATION_LABELS[code]
    for code in (
        "to_verify", "correction_requested", "correction_not_made", "correction_not_made_overdue", "corrected_by_of",
        "declared_in_carence", "verified", "deemed_verified", "closed_before_employer_space",
    )
]  # fmt: skip
# Établissement and Statut get wide columns: their chips hold long names (« Guibert-la-Forêt », « correction
# demandée »), cut in a narrow one.
c1, c2, c3 = st.columns([2, 3, 3])
with c1:
    chosen_of = ui.url_multiselect("Organisme", ui.lists.values(logic.CONCERNED, "organisme"), "of")
with c2:
    chosen_sites = ui.url_multiselect("Établissement", ui.lists.values(logic.CONCERNED, "establishment"), "etab")
with c3:
    chosen_status = ui.url_multiselect(
        "Statut",
        STATUSES,
        "statut",
        default=[VERIFICATION_LABELS[c] for c in ("to_verify", "correction_requested", "correction_not_made")],
    )
c4, c5, c6 = st.columns([1, 3, 1.2])
with c4:
    window = ui.url_selectbox("Échéance", ui.DUE_WINDOWS, "echeance")
with c5:
    search = ui.url_text("Salarié", "recherche", placeholder="Nom, matricule ou identifiant de déclaration")
with c6:
    st.write("")
    only_discrepancies = ui.url_toggle("Avec écarts seulement", "ecarts")

query = logic.declarations_query(
    logic.Filters(
        organismes=tuple(chosen_of),
        sites=tuple(chosen_sites),
        window=window,
        statuses=tuple(chosen_status),
        search=search,
        only_discrepancies=only_discrepancies,
    )
)
LINE_COLUMNS = [
    "line_key", "organisme", "id_declaration", "id_unique_partenaire", "nir", "matricule", "nom_titulaire", "title",
    "date_fin_formation", "date_debut_validite", "due_on", "verification_deadline", "days_left", "status_label",
    "discrepancies", "discrepancy_details", "establishment", "siret_employeur", "reconciliation", "declared_late",
    "last_reason",
]  # fmt: skip
matching = ui.lists.count(query)
concerned_count = ui.lists.count(logic.CONCERNED)
shown = ui.lists.rows(query, columns=LINE_COLUMNS)
names = ui.roster_names_by_nir(shown["nir"])

table = pd.DataFrame(
    {
        "due_on": shown["due_on"].fillna(shown["verification_deadline"]),
        "status": shown["status_label"],
        "name": [n or (h if isinstance(h, str) else "") for n, h in zip(names, shown["nom_titulaire"], strict=True)],
        "title": shown["title"],
        "details": shown["discrepancy_details"],
        # Not shown (the detail view has it): how the tests and a person copying the table find a line.
        "partner": shown["id_unique_partenaire"],
    }
)
SHOWN_COLUMNS = ("due_on", "status", "name", "title", "details")
st.markdown(f"**{ui.fr_number(matching)}** déclaration(s) sur {ui.fr_number(concerned_count)} pour vos établissements.")
cut = logic.cut_message(len(shown), matching)
if cut:
    st.caption(cut)
event = None
if table.empty:
    st.caption("Aucune déclaration ne correspond aux filtres.")
else:
    event = st.dataframe(
        table,
        hide_index=True,
        key=TABLE_KEY,
        on_select="rerun",
        selection_mode="multi-row",
        column_order=SHOWN_COLUMNS,
        placeholder=ui.EMPTY_CELL,
        column_config={
            "due_on": ui.date_column(
                "Échéance",
                "Calculée : date limite de vérification ; pour une correction demandée, fin de la fenêtre de carence",
            ),
            "status": st.column_config.TextColumn(
                "Statut", width=130, help="Calculé à la date du jour du tableau de bord"
            ),
            "name": st.column_config.TextColumn(
                "Salarié",
                width=150,
                help="Nom au registre du personnel (à défaut, NOM_TITULAIRE déclaré par l'organisme)",
            ),
            "title": st.column_config.TextColumn(
                "Formation", width=190, help="NOM_FORMATION (NOM_JDR pour un justificatif JDR)"
            ),
            "details": st.column_config.TextColumn(
                "Écarts avec vos fichiers",
                width=300,
                help="Champs qui diffèrent de vos fichiers de formations : valeur attendue et valeur déclarée",
            ),
        },
    )
selected_rows = [r for r in event.selection.rows if r < len(shown)] if event else []
selected = shown.iloc[selected_rows]

# ------------------------------------------------------------------ detail of the selected line
if len(selected) == 1:
    line = selected.iloc[0]
    matricule = line["matricule"] if isinstance(line["matricule"], str) else None
    matricule = matricule or ui.roster_matricules_by_nir(selected["nir"]).iloc[0]
    with st.container(border=True, key="verification_detail"):
        st.markdown("**Détail de la déclaration sélectionnée**")
        items = logic.detail_items(line.to_dict(), employee=names.iloc[selected_rows[0]])
        columns = st.columns(2)
        for index, (label, portal_name, text) in enumerate(items):
            origin = f" :gray[({ui.md_text(portal_name)})]" if portal_name else ""
            columns[index % 2].markdown(f"**{ui.md_text(label)}**{origin} : {ui.md_text(text)}")
        if isinstance(matricule, str) and matricule:
            st.page_link(
                ui.EMPLOYEE_PAGE,
                label="Ouvrir le passeport du salarié",
                icon=":material/person:",
                query_params={"matricule": matricule},
            )
elif len(selected) > 1:
    st.caption("Sélectionnez une seule ligne pour voir son détail.")

# ------------------------------------------------------------------ bulk action on the selection
said_near("action")
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
        details = [d for d in selected["discrepancy_details"] if isinstance(d, str) and d]
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
                decision: logic.Decision = "accepted" if action == "accepted" else "correction_requested"
                reasons = logic.decision_reasons(decision, reason, list(selected["discrepancy_details"]))
                if reasons is None:
                    st.error("Indiquez le motif de la demande de correction (aucun écart détecté sur ces lignes).")
                else:
                    ui.record_verification(keys, decision, reasons)  # writes, then clears the caches
                    word = "acceptée(s)" if decision == "accepted" else "en demande de correction"
                    done(f"{len(keys)} déclaration(s) {word}.")

# ------------------------------------------------------------------ recent actions, with undo
batches = ui.recent_action_batches("of_line")
with st.expander(
    "Dernières décisions (annulables)", expanded=not batches.empty and flash is not None and flash[0] == "action"
):
    if batches.empty:
        st.write("Aucune décision enregistrée.")
    for index, (_, batch) in enumerate(batches.iterrows()):
        cols = st.columns([2, 2, 1, 4, 1])
        cols[0].write(pd.Timestamp(batch["acted_at"]).strftime("%d/%m/%Y %H:%M"))
        cols[1].write(f"{ui.ACTION_LABELS.get(str(batch['action']), batch['action'])} — {batch['who']}")
        cols[2].write(f"{batch['lines']} ligne(s)")
        cols[3].write(logic.text_or_dash(batch["reason"]))
        if batch["undone"]:
            cols[4].write("annulée")
        elif cols[4].button("Annuler", key=f"undo_{index}_{batch['ids'][0]}"):
            ui.undo_actions(batch["ids"])  # writes, then clears the caches
            done(f"Décision annulée ({batch['lines']} ligne(s)).")

# ------------------------------------------------------------------ correction requests to send, per OF
st.subheader("Demandes de correction à envoyer")
per_of = ui.lists.counts(logic.CORRECTION_REQUESTS, ["organisme", "correction_answered"])
if per_of.empty:
    st.write("Aucune demande de correction en cours.")
else:
    st.caption(
        "Un fichier par organisme, à joindre à votre courriel (NIR masqués : l'OF retrouve la ligne par son "
        "ID_UNIQUE_PARTENAIRE). Une demande est « corrigée par l'OF » quand un fichier de l'OF reçu après elle "
        "modifie la ligne. Sans correction, la ligne devient « correction non faite » à l'ouverture de la fenêtre "
        "de carence (ou dès la demande si elle suit l'échéance de l'OF) : à déclarer en carence, page Carence."
    )
    prepared: set[str] = st.session_state.setdefault("verification_prepared_corrections", set())
    answered_rows = per_of["rows"].where(per_of["correction_answered"].fillna(False).astype(bool), 0)
    summary = per_of.assign(answered=answered_rows).groupby("organisme", sort=True)[["rows", "answered"]].sum()
    for organisme, counts in summary.iterrows():
        name = str(organisme)
        cols = st.columns([4, 2, 2])
        cols[0].markdown(
            f"**{ui.md_text(name)}** — {int(counts['rows'])} ligne(s), dont {int(counts['answered'])} corrigée(s) "
            "par l'OF"
        )
        if name not in prepared:
            if cols[1].button(
                "Préparer les fichiers", key=f"prepare_corrections_{name}", icon=":material/description:"
            ):
                prepared.add(name)
                st.rerun()
            continue
        requests = ui.lists.rows(logic.CORRECTION_REQUESTS.where(is_in("organisme", [name])), limit=None)
        csv, xlsx = corrections.request_files(requests, name)
        stem = f"demandes_correction_{ui.file_slug(name)}"
        cols[1].download_button(
            "Excel", data=xlsx, file_name=f"{stem}.xlsx", key=f"corrections_xlsx_{name}",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/download:", on_click="ignore",
        )  # fmt: skip
        cols[2].download_button(
            "CSV", data=csv, file_name=f"{stem}.csv", mime="text/csv", key=f"corrections_{name}",
            icon=":material/download:", on_click="ignore",
        )  # fmt: skip

# ------------------------------------------------------------------ declarations without a matching record
st.subheader("Déclarations inattendues ou à rapprocher")
orphans = ui.lists.rows(logic.ORPHANS, limit=logic.ORPHANS_SHOWN, columns=[*LINE_COLUMNS, "training_key"])
if orphans.empty:
    st.write("Toutes les déclarations sont rapprochées d'une formation de vos fichiers.")
    said_near("pairing")
else:
    st.caption(
        "« Inattendue » : aucune formation correspondante dans vos fichiers (autre session ? oubli côté RH ?). "
        "« À rapprocher » : plusieurs formations possibles ; choisissez la bonne ci-dessous."
    )
    orphan_matricules = ui.roster_matricules_by_nir(orphans["nir"])
    orphan_ends = orphans["date_fin_formation"].fillna(orphans["date_debut_validite"])
    ui.show_table(
        pd.DataFrame(
            {
                "reconciliation": orphans["reconciliation"],
                "organisme": orphans["organisme"],
                "title": orphans["title"],
                "end": orphan_ends,
                "holder": orphans["nom_titulaire"],
                "name": ui.roster_names_by_nir(orphans["nir"]),
                "nir": ui.masked_nirs(orphans["nir"]),
                "link": ui.employee_links(orphan_matricules),
                "known": ["oui" if isinstance(m, str) else "non" for m in orphan_matricules],
                "due_on": orphans["due_on"],
            }
        ),
        {
            "reconciliation": st.column_config.TextColumn("Rapprochement", help="Avec vos fichiers de formations"),
            "organisme": st.column_config.TextColumn("Organisme", help="L'organisme qui a déposé le fichier"),
            "title": st.column_config.TextColumn(
                "Formation", width=240, help="NOM_FORMATION (NOM_JDR pour un justificatif JDR)"
            ),
            "end": ui.date_column("Fin de formation", "DATE_FIN_FORMATION (DATE_DEBUT_VALIDITE pour un JDR)"),
            "holder": st.column_config.TextColumn("Titulaire", help="NOM_TITULAIRE déclaré par l'organisme"),
            "name": st.column_config.TextColumn("Salarié", help="Nom au registre du personnel"),
            "nir": st.column_config.TextColumn("NIR", help="NIR (masqué)"),
            "link": ui.link_column(),
            "known": st.column_config.TextColumn("Salarié connu", help="NIR présent dans le registre du personnel"),
            "due_on": ui.date_column("Échéance de vérification", "Calculée"),
        },
    )
    said_near("pairing")
    with st.container(border=True):
        st.markdown("**Rapprocher manuellement une déclaration d'une formation de vos fichiers**")
        masked = ui.masked_nirs(orphans["nir"])
        orphan_labels = [
            f"{o} — {t} — {h} ({n}) — fin {ui.fr_date(d) or 'non renseignée'}"
            for o, t, h, n, d in zip(
                orphans["organisme"], orphans["title"], orphans["nom_titulaire"], masked, orphan_ends, strict=True
            )
        ]
        line_index = st.selectbox(
            "Déclaration", range(len(orphans)), format_func=orphan_labels.__getitem__, key="pairing_line"
        )
        orphan: Any = orphans.iloc[int(line_index or 0)]
        family = logic.training_family(orphan["training_key"], orphan["title"])
        candidate_rows = ui.lists.rows(
            logic.candidates_query(str(orphan["nir"])),
            columns=["id", "training_title", "end_date", "organisme", "reference", "training_family"],
        )
        candidates = logic.ranked_candidates(
            logic.candidates_from_rows(candidate_rows.to_dict("records")),
            family=family,
            organisme=str(orphan["organisme"]),
            end=logic.as_date(orphan_ends.iloc[int(line_index or 0)]),
        )
        candidate_labels = [logic.candidate_label(c, family=family) for c in candidates]
        record_index = st.selectbox(
            "Formation du même salarié dans vos fichiers (même famille de formation en premier)",
            range(len(candidates)),
            format_func=candidate_labels.__getitem__,
            key=f"pairing_record_{orphan['line_key']}",
            placeholder="Aucune formation non déclarée pour ce salarié",
        )
        if st.button("Rapprocher", disabled=not candidates, key="pairing_submit"):
            if record_index is None or not candidates:
                st.error("Aucune formation de ce salarié ne peut être rapprochée de cette déclaration.")
            else:
                record = candidates[int(record_index)]
                ui.get_store().pair_manually(
                    record.record_id, str(orphan["organisme"]), str(orphan["id_unique_partenaire"])
                )
                ui.clear_caches()
                done("Déclaration rapprochée de la formation choisie.", near="pairing")
        if not candidates:
            st.caption("Aucune formation non déclarée de ce salarié dans vos fichiers : complétez le fichier RH.")

# ------------------------------------------------------------------ lines for information only
others_count = ui.lists.count(logic.NOT_CONCERNED)
with st.expander(f"Pour information : {ui.fr_number(others_count)} déclaration(s) qui ne sont pas à vérifier par vous"):
    others = ui.lists.rows(
        logic.NOT_CONCERNED, limit=logic.ORPHANS_SHOWN, columns=[*LINE_COLUMNS, "presence_employeur"]
    )
    st.caption(
        "Déclarations sans présence de l'employeur (PRESENCE_EMPLOYEUR = NON, formation suivie à titre personnel) "
        "ou pour un SIRET qui n'est pas l'un de vos établissements."
    )
    other_cut = logic.cut_message(len(others), others_count)
    if other_cut:
        st.caption(other_cut)
    ui.show_table(
        pd.DataFrame(
            {
                "organisme": others["organisme"],
                "title": others["title"],
                "end": others["date_fin_formation"].fillna(others["date_debut_validite"]),
                "holder": others["nom_titulaire"],
                "nir": ui.masked_nirs(others["nir"]),
                "presence": others["presence_employeur"],
                "siret": others["siret_employeur"].fillna(""),
            }
        ),
        {
            "organisme": st.column_config.TextColumn("Organisme", help="L'organisme qui a déposé le fichier"),
            "title": st.column_config.TextColumn("Formation", help="NOM_FORMATION (NOM_JDR pour un justificatif JDR)"),
            "end": ui.date_column("Fin de formation", "DATE_FIN_FORMATION (DATE_DEBUT_VALIDITE pour un JDR)"),
            "holder": st.column_config.TextColumn("Titulaire", help="NOM_TITULAIRE déclaré par l'organisme"),
            "nir": st.column_config.TextColumn("NIR", help="NIR (masqué)"),
            "presence": st.column_config.TextColumn("Présence de l'employeur", help="PRESENCE_EMPLOYEUR"),
            "siret": st.column_config.TextColumn("SIRET de l'employeur", help="SIRET_EMPLOYEUR"),
        },
    )
