"""Tableau de bord: what is loaded and what to do this week."""

import streamlit as st

from lib import ui

st.title("Tableau de bord")
store = ui.get_store()
if not store.path.exists():
    st.info("La base est vide. Lancez `make run` (qui construit la démonstration) ou importez vos fichiers.")
    st.page_link("pages/import.py", label="Importer des fichiers", icon="📥")
    st.stop()

counts = store.counts()
cols = st.columns(4)
cols[0].metric("Lignes déclarées par les OF", f"{counts['of_lines']:,}".replace(",", " "))
cols[1].metric("Formations (SIRH)", f"{counts['training_records']:,}".replace(",", " "))
cols[2].metric("Salariés", f"{counts['employees']:,}".replace(",", " "))
cols[3].metric("Organismes de formation", counts["organismes"])

st.subheader("Derniers imports")
imports = ui.query("recent_imports", limit=20)
kinds = {
    "of": "Déclarations OF",
    "internal": "Formations (SIRH)",
    "roster": "Salariés",
    "competences": "Référentiel",
}
imports["kind"] = imports["kind"].map(kinds).fillna(imports["kind"])
st.dataframe(
    imports[["imported_at", "kind", "file_name", "organisme", "rows", "inserted", "updated", "unchanged", "who"]],
    hide_index=True,
    column_config={
        "imported_at": st.column_config.DatetimeColumn("Importé le", format="DD/MM/YYYY HH:mm"),
        "kind": "Type",
        "file_name": "Fichier",
        "organisme": "Organisme",
        "rows": st.column_config.NumberColumn("Lignes"),
        "inserted": st.column_config.NumberColumn("Nouvelles"),
        "updated": st.column_config.NumberColumn("Modifiées"),
        "unchanged": st.column_config.NumberColumn("Inchangées"),
        "who": "Par",
    },
)
