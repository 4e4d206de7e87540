"""Entrypoint of the dashboard: page configuration and navigation, nothing else."""

import streamlit as st

st.set_page_config(page_title="Passeport de prévention", page_icon="🦺", layout="wide")

pages = {
    "Suivi": [
        st.Page("pages/tableau_de_bord.py", title="Tableau de bord", icon="📋", default=True),
        st.Page("pages/verification.py", title="Vérification", icon="🔎", url_path="verification"),
        st.Page("pages/carence.py", title="Carence", icon="⏰", url_path="carence"),
        st.Page(
            "pages/declarations_internes.py", title="Déclarations internes", icon="🏢", url_path="declarations-internes"
        ),
        st.Page("pages/echeances.py", title="Échéances", icon="📅", url_path="echeances"),
        st.Page("pages/salarie.py", title="Salarié", icon="👤", url_path="salarie"),
    ],
    "Données": [
        st.Page("pages/import.py", title="Import", icon="📥", url_path="import"),
        st.Page("pages/parametres.py", title="Paramètres", icon="⚙️", url_path="parametres"),
    ],
}
st.navigation(pages).run()
