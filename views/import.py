"""Import: OF declaration files, HR training records, the employee roster and the competence referential."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import records, spreadsheet, ui
from lib.store import ImportResult, StoreError, today_default

ui.require("import")
KINDS = {
    "of": "Déclarations d'un organisme de formation (fichier du portail ADF / JDR, séparateur |)",
    "internal": "Formations des salariés (export SIRH : CSV ou Excel)",
    "roster": "Liste des salariés (export SIRH : CSV ou Excel)",
    "competences": "Référentiel des compétences ROME 4.0 (France Travail)",
}

st.title("Import de fichiers")
st.caption(
    "Rien n'est enregistré tant qu'un fichier n'est pas entièrement valide. "
    "Importer deux fois le même fichier ne change rien."
)

kind = st.radio("Que chargez-vous ?", list(KINDS), format_func=KINDS.__getitem__, key="import_kind")
organisme = organisme_siret = ""
if kind == "of":
    c1, c2 = st.columns(2)
    organisme = c1.text_input(
        "Organisme de formation déclarant",
        help="Le fichier du portail ne dit pas quel organisme l'a déclaré. Laissé vide : le nom du fichier.",
    )
    organisme_siret = c2.text_input("SIRET de l'organisme (facultatif)")
if kind in ("internal", "roster"):
    template = "modele_formations" if kind == "internal" else "modele_salaries"
    st.download_button(
        "Télécharger le modèle Excel",
        data=records.template_bytes("internal" if kind == "internal" else "roster", "xlsx"),
        file_name=f"{template}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )

uploads = st.file_uploader(
    "Fichiers", accept_multiple_files=True, key=f"uploads_{kind}", type=["csv", "txt", "xlsx", "xls"]
)


def problems_frame(result: ImportResult) -> pd.DataFrame:
    """The refusal's problems; values come masked (NIRs) and cut from the readers, masked here once more."""
    return pd.DataFrame(
        [
            {
                "line": p.line,
                "column": p.column or "",
                "value": ui.mask_value(p.column, p.value),
                "message": p.message,
            }
            for p in result.problems
        ],
        columns=list(spreadsheet.ERROR_REPORT_COLUMNS),
    )


def show_result(result: ImportResult) -> None:
    if result.status == "imported":
        st.success(ui.md_text(result.message), icon="✅")
    elif result.status == "unchanged":
        st.info(ui.md_text(result.message), icon="ℹ️")
    else:
        st.error(ui.md_text(result.message), icon="⛔")
        frame = problems_frame(result)
        st.dataframe(frame.rename(columns=spreadsheet.ERROR_REPORT_COLUMNS), hide_index=True)
        st.download_button(
            "Télécharger le rapport d'erreurs (CSV)",
            data=spreadsheet.error_report_csv(frame),
            file_name=spreadsheet.error_report_name(result.file_name),
            mime="text/csv",
            key=f"report_{result.file_name}",
        )
    for warning in result.warnings:
        st.warning(ui.md_text(warning))


if uploads and st.button("Importer", type="primary"):
    store = ui.get_store()
    progress = st.progress(0.0, text="Import en cours…")
    results: list[ImportResult] = []
    for index, upload in enumerate(uploads):
        data = upload.getvalue()
        try:
            if kind == "of":
                result = store.import_of_file(
                    data,
                    upload.name,
                    organisme=organisme or None,
                    organisme_siret=organisme_siret or None,
                    today=today_default(),
                )
            elif kind == "competences":
                result = store.import_competences(data, upload.name)
            else:
                result = store.import_records(data, upload.name, kind)  # type: ignore[arg-type]
        except StoreError as error:
            ui.show_store_error(error)
            break
        results.append(result)
        progress.progress((index + 1) / len(uploads), text=f"{ui.md_text(upload.name)} : traité")
    st.session_state["import_results"] = results
    ui.clear_caches()  # the import refreshed the stored deadlines in its own transaction: the lists are ready

for result in st.session_state.get("import_results", []):
    with st.container(border=True):
        st.markdown(f"**{ui.md_text(result.file_name)}**")
        show_result(result)

# Column mapping for HR files whose headers were not recognised.
if kind in ("internal", "roster") and uploads:
    for upload in uploads:
        parsed = records.read_header(upload.getvalue(), upload.name, kind)  # type: ignore[arg-type]
        if not parsed.missing_fields:
            continue
        headers = list(parsed.mapping) + list(parsed.ignored_columns)
        with st.expander(f"Associer les colonnes de {ui.md_text(upload.name)}", expanded=True):
            st.write(
                "Certaines colonnes obligatoires n'ont pas été reconnues. Indiquez quelle colonne du fichier "
                "correspond à chaque champ ; l'association sera retenue pour les prochains imports."
            )
            fields = records.INTERNAL_FIELDS if kind == "internal" else records.ROSTER_FIELDS
            with st.form(f"mapping_{upload.name}"):
                chosen: dict[str, str] = {}
                for spec in fields:
                    if spec.name not in parsed.missing_fields:
                        continue
                    choice = st.selectbox(spec.header_fr, ["—"] + headers, key=f"map_{upload.name}_{spec.name}")
                    if choice != "—":
                        chosen[choice] = spec.name
                if st.form_submit_button("Importer avec cette association"):
                    result = ui.get_store().import_records(upload.getvalue(), upload.name, kind, mapping=chosen)  # type: ignore[arg-type]
                    ui.clear_caches()
                    show_result(result)
