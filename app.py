"""Entrypoint of the dashboard: page configuration and navigation, nothing else."""

import streamlit as st

st.set_page_config(page_title="Passeport de prévention", page_icon="🦺", layout="wide")

pages = {
    "Suivi": [
        st.Page("pages/tableau_de_bord.py", title="Tableau de bord", icon="📋", default=True),
    ],
    "Données": [
        st.Page("pages/import.py", title="Import", icon="📥"),
    ],
}
st.navigation(pages).run()
