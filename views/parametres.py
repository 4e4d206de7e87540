"""Paramètres: establishments, rule set and its overridable dates, horizons, reference date, reminders, backup."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from lib import rules, settings, ui, validity
from lib.identifiers import is_valid_siret
from lib.store import StoreError

ui.require("settings")
st.title("Paramètres")
store = ui.get_store()
flash = st.session_state.pop("settings_flash", None)
if flash:
    st.success(flash, icon=":material/check_circle:")


def saved(message: str) -> None:
    ui.clear_caches()
    st.session_state["settings_flash"] = message
    st.rerun()


# ------------------------------------------------------------------ the day the statuses are computed for
if reference_changed := ui.reference_date_setting():
    saved(reference_changed)

# ------------------------------------------------------------------ establishments
st.subheader("Établissements de l'employeur")
st.caption("Les déclarations des OF pour l'un de ces SIRET (avec PRESENCE_EMPLOYEUR = OUI) sont à vérifier par vous.")
current = ui.establishments().rename(columns={"siret": "SIRET", "name": "Nom", "site": "Site"})
edited = st.data_editor(
    ui.with_delete_column(current),
    num_rows="dynamic",
    hide_index=True,
    key="establishments_editor",
    placeholder=ui.EMPTY_CELL,  # an empty cell, never « None »
    column_config={
        # Not `required=True`: Streamlit would say « Please fill out this cell. » in English; the save says it.
        "SIRET": st.column_config.TextColumn("SIRET", max_chars=14),
        "Nom": st.column_config.TextColumn("Nom"),
        "Site": st.column_config.TextColumn("Site"),
        **ui.delete_column_config(),
    },
)
st.caption(ui.EDITOR_HOW_TO)
if st.button("Enregistrer les établissements"):
    rows, without_siret = ui.edited_rows(edited, ["SIRET", "Nom", "Site"], key="SIRET")
    wrong = [s for s, _, _ in rows if not is_valid_siret(s)]
    if without_siret:  # a row begun and left without its SIRET: said, never dropped in silence
        st.error(
            f"SIRET manquant à la ligne {', '.join(map(str, without_siret))} du tableau : indiquez-le, ou cochez "
            "« Supprimer ». Rien n'a été enregistré."
        )
    elif wrong:
        st.error(f"SIRET invalide (14 chiffres, clé de contrôle) : {ui.md_text(', '.join(wrong))}.")
    elif len({s for s, _, _ in rows}) != len(rows):
        st.error("Un même SIRET apparaît deux fois.")
    else:
        try:
            store.set_establishments(rows)
        except StoreError as error:
            ui.show_store_error(error)
        else:
            saved(f"{len(rows)} établissement(s) enregistré(s).")

# ------------------------------------------------------------------ rule set
st.subheader("Règles de calcul des échéances")
names = rules.available_rule_sets()
titles = {n: rules.load_rule_set(n).title for n in names}
active_name = settings.active_rule_set_name(store)
c1, c2 = st.columns([4, 1])
chosen = c1.selectbox(
    "Jeu de règles actif",
    names,
    index=names.index(active_name) if active_name in names else 0,
    format_func=lambda n: titles[n],
    key="rule_set_choice",
)
c2.write("")
if c2.button("Activer", disabled=chosen == active_name):
    store.set_setting(settings.RULE_SET_KEY, chosen)
    saved(f"Jeu de règles activé : {titles[chosen]}.")
chosen_before = settings.chosen_rule_set(store) if store.path.exists() else None
if chosen_before is None:
    st.caption(
        f"Aucun jeu choisi : le jeu par défaut s'applique (« {rules.DEFAULT_RULE_SET} ») et suivra le droit en "
        "vigueur s'il change."
    )
elif chosen_before != active_name:
    st.info(
        f"Le jeu « {chosen_before} » que vous aviez activé est remplacé par « {titles.get(active_name, active_name)} » "
        "(la même annonce du portail, complétée) : il s'applique à sa place.",
        icon=":material/update:",
    )
active = ui.active_rules()
st.markdown(f"**{active.title}** — certitude : *{active.certainty}*")
st.caption(active.summary.strip())
st.dataframe(
    ui.rule_parameters(active),
    hide_index=True,
    placeholder=ui.EMPTY_CELL,
    column_config={"Texte": st.column_config.TextColumn("Texte", width="large")},
)

# ------------------------------------------------------------------ what the other rule set would change
other_name = settings.comparison_rule_set_name(store)
other_title = titles.get(other_name, other_name)
st.markdown(f"**Ce que changerait l'autre jeu de règles** : « {other_title} »")
if (
    ui.has_data()
    and not ui.compares_at_once()
    and not st.toggle(
        "Comparer (calcule toutes les listes deux fois : quelques secondes sur une grande base)",
        key="compare_rule_sets",
    )
):
    st.caption("Activez la comparaison pour compter les lignes que l'autre jeu de règles changerait.")
elif ui.has_data():
    differences = ui.rule_set_differences(other_name)
    lists = {
        "verification": "Déclarations d'OF à vérifier",
        "carence": "Formations achetées (carence)",
        "internal": "Déclarations internes",
    }
    counts = differences["list"].value_counts()
    cols = st.columns(len(lists))
    for col, (code, label) in zip(cols, lists.items(), strict=True):
        col.metric(label, f"{int(counts.get(code, 0))} ligne(s)", help="Lignes dont le statut, l'échéance ou les "
                   "dates (tant que la ligne est ouverte) diffèrent entre les deux jeux de règles.")  # fmt: skip
    st.caption(
        f"Statuts au {ui.fr_date(ui.today())}. Une ligne close des deux côtés (vérifiée, déclarée, non obligatoire) "
        "n'est pas comptée : ses dates ne changent plus rien."
    )
    if not differences.empty:
        shown_list = st.radio(
            "Voir les lignes",
            [code for code in lists if counts.get(code, 0)],
            format_func=lists.__getitem__,
            horizontal=True,
            key="rule_set_differences_list",
        )
        picked = differences[differences["list"] == shown_list]
        ui.show_table(
            picked[["nir", "person", "title", "reference_date", "dates_a", "status_a", "dates_b", "status_b"]],
            {
                "nir": "NIR",
                "person": "Salarié",
                "title": "Formation",
                "reference_date": ui.date_column("Date de référence"),
                "dates_a": st.column_config.TextColumn(f"Dates ({active.name})"),
                "status_a": f"Statut ({active.name})",
                "dates_b": st.column_config.TextColumn(f"Dates ({other_name})"),
                "status_b": f"Statut ({other_name})",
            },
        )
else:
    st.caption("La comparaison porte sur vos données : importez d'abord vos fichiers.")

st.markdown("**Dates modifiables** (en attendant une confirmation officielle)")
base = rules.load_rule_set(active_name)
for key in settings.OVERRIDABLE_DATES:
    setting_key = f"override.{key}"
    override = store.get_setting(setting_key) if store.path.exists() else None
    value: date = getattr(active, key)
    cols = st.columns([3, 1, 1])
    picked = cols[0].date_input(
        ui.RULE_PARAMETER_LABELS[key],
        value=value,
        format="DD/MM/YYYY",
        key=f"override_{key}",
        help=f"Valeur du jeu de règles : {ui.fr_date(getattr(base, key))}"
        + (" — modifiée par vos réglages." if override else "."),
    )
    cols[1].write("")
    if cols[1].button("Enregistrer", key=f"save_{key}", disabled=picked == value):
        assert isinstance(picked, date)
        try:
            base.with_overrides(**{key: picked})
        except rules.RuleSetError as error:
            st.error(str(error))
        else:
            store.set_setting(setting_key, picked.isoformat())
            saved(f"{ui.RULE_PARAMETER_LABELS[key]} : {ui.fr_date(picked)}.")
    cols[2].write("")
    if cols[2].button("Rétablir", key=f"reset_{key}", disabled=not override):
        store.set_setting(setting_key, "")
        saved(f"{ui.RULE_PARAMETER_LABELS[key]} : valeur du jeu de règles rétablie.")

# ------------------------------------------------------------------ horizons, tolerance
st.subheader("Préférences")
prefs = settings.preferences(store)
with st.form("preferences"):
    c1, c2 = st.columns(2)
    horizon = c1.number_input(
        "Horizon « expire bientôt » (jours)",
        min_value=1,
        max_value=730,
        value=prefs.horizon_days,
        step=1,
        help="Une validité qui finit dans ce nombre de jours ou moins est « expire bientôt ». De 1 à 730 jours.",
    )
    tolerance = c2.number_input(
        "Tolérance de rapprochement sur la date de fin (jours)",
        min_value=0,
        max_value=60,
        value=prefs.tolerance_days,
        step=1,
        help="Une déclaration d'OF et une formation de vos fichiers sont rapprochées si leurs dates de fin diffèrent "
        "de ce nombre de jours au plus. De 0 à 60 jours.",
    )
    if st.form_submit_button("Enregistrer les préférences"):
        store.set_setting(settings.HORIZON_KEY, str(int(horizon)))
        store.set_setting(settings.TOLERANCE_KEY, str(int(tolerance)))
        saved("Préférences enregistrées.")

# ------------------------------------------------------------------ validity durations
ui.requirements.render_requirements_section()

st.subheader("Durées de validité recommandées")
st.caption(
    "Recommandations usuelles (référentiels INRS, normes, recommandations CNAM) — **pas la loi**. "
    "Elles servent à proposer une fin de validité quand votre fichier n'en donne pas."
)
durations = validity.load_validity_durations()
st.dataframe(
    pd.DataFrame(
        {
            "Formation": [d.label for d in durations],
            "Durée": [f"{d.months} mois" if d.months else "pas de validité fixe" for d in durations],
            "Note": [d.note for d in durations],
            "Statut": [d.source for d in durations],
        }
    ),
    hide_index=True,
    placeholder=ui.EMPTY_CELL,
)

if store.path.exists():
    proposals = ui.recommended_validities()
    proposed = int(store.sql("SELECT count(*) AS n FROM training_records WHERE validity_end_proposed")["n"].iloc[0])
    cols = st.columns([3, 2])
    cols[0].write(
        f"{len(proposals)} formation(s) sans date de fin de validité ont une durée recommandée ; "
        f"{proposed} date(s) proposée(s) sont déjà appliquées (marquées « recommandation » dans Échéances)."
    )
    if len(proposals) and cols[1].button("Proposer ces fins de validité", key="apply_validities"):
        st.success(store.apply_recommended_validities(), icon=":material/check_circle:")
        ui.clear_caches()
    if proposed and cols[1].button("Retirer les dates proposées", key="clear_validities"):
        st.success(store.clear_recommended_validities(), icon=":material/check_circle:")
        ui.clear_caches()

# ------------------------------------------------------------------ retention of personal data (RGPD)
st.subheader("Conservation des données personnelles")
st.caption(
    "Les NIR et les noms des salariés partis depuis plus longtemps que la durée choisie sont effacés, sauf si "
    "une déclaration les concernant est encore en cours. La purge est inscrite au journal."
)
if store.path.exists():
    months = st.number_input("Durée de conservation après le départ (mois)", min_value=1, max_value=240, value=
                             int(store.get_setting("retention_months") or 36), step=1,
                             help="De 1 à 240 mois.")  # fmt: skip
    # Whether something is still open for each leaver takes every status: computed when asked for.
    if st.toggle("Voir les salariés concernés", key="purge_preview"):
        candidates = ui.purge_candidates(int(months))
        ready = int((~candidates["has_open_items"].astype(bool)).sum())
        st.write(
            f"{ready} salarié(s) à purger ; {len(candidates) - ready} parti(s) depuis plus de {int(months)} mois "
            "conservé(s) car une déclaration est en cours."
        )
        if st.button("Purger maintenant", key="purge", disabled=ready == 0, type="primary"):
            store.set_setting("retention_months", str(int(months)))
            st.success(
                store.purge_personal_data(months=int(months), rules=ui.active_rules(), today=ui.today()),
                icon=":material/check_circle:",
            )
            ui.clear_caches()

# ------------------------------------------------------------------ reminders by e-mail
ui.render_reminders_section()

# ------------------------------------------------------------------ backup
st.subheader("Sauvegarde")
if store.path.exists():
    st.download_button(
        "Télécharger une copie de la base",
        data=ui.backup_bytes,
        file_name=f"passeport_{ui.today().strftime('%Y%m%d')}.duckdb",
        mime="application/octet-stream",
        icon=":material/save:",
        on_click="ignore",
        help="Toutes vos données (imports, décisions, réglages) dans un seul fichier.",
    )
else:
    st.write("La base n'existe pas encore.")

with st.expander("Restaurer une copie de la base"):
    st.caption(
        "Remplace toutes les données par celles d'une copie téléchargée ci-dessus. Seules les données des tables "
        "de l'outil sont reprises, jamais une commande ou une fonction que le fichier contiendrait ; une copie "
        "modifiée ou incomplète est refusée. La base actuelle n'est pas effacée : elle est conservée à côté, sous "
        "un nom daté. Une copie plus grosse que la limite ci-dessous (une base de plusieurs dizaines de milliers de "
        "salariés) se sauvegarde et se restaure en ligne de commande : `python -m lib backup DOSSIER`, puis "
        "`python -m lib restore DOSSIER` (voir le README)."
    )
    copy = ui.file_uploader("Copie de la base (.duckdb)", ["duckdb"], "restore_upload")
    if copy is not None and st.button("Restaurer cette copie", key="restore", type="primary"):
        try:
            st.success(store.restore_copy(copy.getvalue(), copy.name), icon=":material/check_circle:")
            ui.clear_caches()
        except StoreError as error:
            st.error(str(error), icon=":material/error:")
        except Exception as error:  # noqa: BLE001 - never a traceback on screen
            st.error(
                f"La copie n'a pas pu être restaurée (erreur {type(error).__name__}) : la base actuelle n'a pas été "
                "modifiée.",
                icon=":material/error:",
            )
