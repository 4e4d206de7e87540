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

st.subheader("Rappels envoyés par e-mail")
st.caption("Chaque message parti, une seule fois : un nouvel envoi ne renvoie jamais ce qui figure ici.")
sent = store.query("reminders_sent", {"limit": limit})
if sent.empty:
    st.write("Aucun rappel envoyé pour l'instant.")
else:
    ui.show_table(
        sent,
        {
            "sent_at": st.column_config.DatetimeColumn("Envoyé le", format="DD/MM/YYYY HH:mm:ss"),
            "sent_on": ui.date_column("Date du rappel"),
            "recipient": "Destinataire",
            "kind_label": "Rappel",
            "stage_label": "Seuil ou semaine",
            "subject": st.column_config.TextColumn("Objet", width="large"),
            "items": st.column_config.NumberColumn("Formations citées"),
            "who": "Par",
        },
    )
