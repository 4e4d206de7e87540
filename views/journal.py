"""Journal: every import, decision, export, confirmation, setting change, purge and backup — who, when, what."""

import streamlit as st

from lib import journal as journal_text
from lib import ui

ui.require("settings")
st.title("Journal des opérations")
st.caption(
    "Tout ce qui a modifié la base, du plus récent au plus ancien : imports, décisions de vérification, "
    "fichiers générés et dépôts confirmés, paramètres, purges et sauvegardes. Le journal ne s'efface pas."
)
store = ui.get_store()
if not store.path.exists():
    st.info(ui.EMPTY_STORE_MESSAGE)
    st.stop()
limit = st.select_slider("Nombre de lignes", options=[50, 200, 1000, 5000], value=200)
journal = journal_text.in_french(store.query("audit_log", {"limit": limit}))
search = st.text_input("Rechercher", placeholder="personne, fichier, organisme…")
if search:
    journal = journal[ui.matches_search(journal, search, ["who", "what", "detail"])]
ui.show_table(
    journal,
    {
        "happened_at": st.column_config.DatetimeColumn("Quand", format="DD/MM/YYYY HH:mm:ss"),
        "who": "Qui",
        "what": "Quoi",
        "detail": st.column_config.TextColumn("Détail", width="large"),
    },
)
ui.download_buttons(journal, "journal", key="journal")
