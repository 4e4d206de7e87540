"""Import: OF declaration files, HR training records, the employee roster and the competence referential."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import records, spreadsheet, ui
from lib.records.missing import missing_columns
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

uploads = ui.file_uploader("Fichiers", ["csv", "txt", "xlsx", "xls"], f"uploads_{kind}", multiple=True)


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
        st.success(ui.md_text(result.message), icon=":material/check_circle:")
    elif result.status == "unchanged":
        st.info(ui.md_text(result.message), icon=":material/info:")
    elif result.status == "to_confirm":
        st.warning("\n\n".join(ui.md_text(m) for m in (result.message, *result.unfamiliar)), icon=":material/warning:")
        c1, c2, _ = st.columns([1, 1, 3])
        if c1.button("Importer quand même", key=f"accept_{result.file_name}", type="primary"):
            confirm_pending(result.file_name, accept=True)
        if c2.button("Annuler", key=f"cancel_{result.file_name}"):
            confirm_pending(result.file_name, accept=False)
    else:
        st.error(ui.md_text(result.message), icon=":material/block:")
        frame = problems_frame(result)
        st.dataframe(frame.rename(columns=spreadsheet.ERROR_REPORT_COLUMNS), hide_index=True, placeholder=ui.EMPTY_CELL)
        st.download_button(
            "Télécharger le rapport d'erreurs (CSV)",
            data=spreadsheet.error_report_csv(frame),
            file_name=spreadsheet.error_report_name(result.file_name),
            mime="text/csv",
            key=f"report_{result.file_name}",
        )
    for warning in result.warnings:
        st.warning(ui.md_text(warning))


def import_one(data: bytes, name: str, mapping: dict[str, str] | None = None, accept: bool = False) -> ImportResult:
    """One file into the store; an HR export that does not look like the employer's is kept aside to confirm."""
    store = ui.get_store()
    if kind == "of":
        return store.import_of_file(
            data, name, organisme=organisme or None, organisme_siret=organisme_siret or None, today=today_default()
        )
    if kind == "competences":
        return store.import_competences(data, name)
    result = store.import_records(data, name, kind, mapping=mapping, accept_warnings=accept)  # type: ignore[arg-type]
    if result.status == "to_confirm":
        st.session_state.setdefault("import_pending", {})[name] = (data, mapping)
    return result


def publish(results: list[ImportResult]) -> None:
    """Keep the results to show after the rerun (the import stored the deadlines in its own transaction: the lists
    are ready; only the page caches are forgotten)."""
    done = {r.file_name for r in results}
    kept = [r for r in st.session_state.get("import_results", []) if r.file_name not in done]
    st.session_state["import_results"] = kept + results
    ui.clear_caches()


def confirm_pending(name: str, *, accept: bool) -> None:
    """« Importer quand même » imports the file kept aside; « Annuler » drops it (nothing was stored)."""
    data, mapping = st.session_state.get("import_pending", {}).pop(name, (None, None))
    if data is None:
        return
    if accept:
        publish([import_one(data, name, mapping, accept=True)])
    else:
        publish([ImportResult("unchanged", name, kind, f"{name} : import annulé ; rien n'a été enregistré.")])
    st.rerun()


if uploads and st.button("Importer", type="primary"):
    progress = st.progress(0.0, text="Import en cours…")
    results: list[ImportResult] = []
    for index, upload in enumerate(uploads):
        try:
            result = import_one(upload.getvalue(), upload.name)
        except StoreError as error:
            ui.show_store_error(error)
            break
        results.append(result)
        progress.progress((index + 1) / len(uploads), text=f"{ui.md_text(upload.name)} : traité")
    publish(results)

for result in st.session_state.get("import_results", []):
    with st.container(border=True):
        st.markdown(f"**{ui.md_text(result.file_name)}**")
        show_result(result)

# Column mapping for HR files whose headers were not recognised; gone once the file is imported (or set aside).
if kind in ("internal", "roster") and uploads:
    handled = {r.file_name for r in st.session_state.get("import_results", []) if r.status != "refused"}
    saved = ui.get_store().saved_mapping(kind) if ui.get_store().path.exists() else {}
    for upload in uploads:
        if upload.name in handled:
            continue
        parsed = records.read_header(upload.getvalue(), upload.name, kind)  # type: ignore[arg-type]
        headers = list(parsed.mapping) + list(parsed.ignored_columns)
        missing = missing_columns(kind, parsed.missing_fields, [f for h, f in saved.items() if h in headers])  # type: ignore[arg-type]
        if not missing.mappable:
            continue
        title = "Associer les colonnes" if missing.mandatory else "Colonnes facultatives absentes"
        with st.expander(f"{title} de {ui.md_text(upload.name)}", expanded=bool(missing.mandatory)):
            st.markdown(missing.summary())
            st.caption("L'association choisie est retenue pour les prochains imports.")
            fields = {spec.name: spec for spec in records.fields_of(kind)}  # type: ignore[arg-type]
            with st.form(f"mapping_{upload.name}"):
                chosen: dict[str, str] = {}
                for name in missing.mappable:
                    choice = st.selectbox(fields[name].header_fr, ["—", *headers], key=f"map_{upload.name}_{name}")
                    if choice != "—":
                        chosen[choice] = name
                if st.form_submit_button("Importer avec cette association"):
                    publish([import_one(upload.getvalue(), upload.name, chosen)])
                    st.rerun()
