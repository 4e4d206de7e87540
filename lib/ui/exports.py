"""Downloads: CSV and Excel of a list, the calendar and weekly report, the store backup, the PDF passport and
site audit report (lib/paper.py), and the portal-file section (generate, download, confirm the deposit, undo)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, Literal

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from lib import digest, paper, report, settings, spreadsheet
from lib.store import ExportBatch, StoreError
from lib.ui import lists as ui_lists
from lib.ui.access import can
from lib.ui.cache import active_rules, clear_caches, data_version, get_store, stored_settings, today
from lib.ui.text import file_slug, md_text

EXCEL_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report_inputs(since: date | None = None) -> report.ReportInputs:
    """What the weekly report (since `since`, by default a week ago) and the calendar read, asked through the
    cached `ui.lists` as the `report` and `calendar` commands ask the store (lib.digest.report_inputs)."""
    day = today()
    prefs = settings.preferences(stored_settings())
    return digest.report_inputs(
        ui_lists, today=day, since=report.last_week(day) if since is None else since, horizon_days=prefs.horizon_days
    )


def calendar_bytes() -> bytes:
    """The .ics of the coming deadlines (one event per day and kind), as the `calendar` command writes it."""
    content, _ = digest.calendar_ics(_report_inputs(), today=today(), generated_at=datetime.now(UTC))
    return content


def weekly_report_bytes() -> bytes:
    """The weekly report of the last seven days as an HTML page HR opens and prints, as `report --format html`
    prints it."""
    day = today()
    prefs = settings.preferences(stored_settings())
    rules = active_rules()
    data = report.build_report(
        _report_inputs(),
        today=day,
        since=report.last_week(day),
        rule_set=f"{rules.name} ({rules.certainty})",
        horizon_days=prefs.horizon_days,
    )
    return report.render_html(data).encode("utf-8")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """French CSV for people (lib.spreadsheet): `;`, UTF-8 with BOM, dates jj/mm/aaaa, formulas neutralised."""
    return spreadsheet.to_csv_bytes(frame, {str(c): str(c) for c in frame.columns})


def excel_bytes(frame: pd.DataFrame, sheet: str = "Liste") -> bytes:
    """An .xlsx workbook of the frame (lib.spreadsheet): real date cells, header frozen, formulas neutralised."""
    return spreadsheet.to_xlsx_bytes({sheet[:31]: (frame, {str(c): str(c) for c in frame.columns})})


def download_buttons(
    frame: pd.DataFrame | Callable[[], pd.DataFrame], stem: str, *, key: str, sheet: str = "Liste"
) -> None:
    """CSV and Excel downloads of a list (the list, and the bytes, built only when clicked)."""
    day = today().strftime("%Y%m%d")

    def rows() -> pd.DataFrame:
        return frame() if callable(frame) else frame

    c1, c2, _ = st.columns([1, 1, 3])
    c1.download_button(
        "Télécharger (CSV)",
        data=lambda: csv_bytes(rows()),
        file_name=f"{stem}_{day}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
        on_click="ignore",
    )
    c2.download_button(
        "Télécharger (Excel)",
        data=lambda: excel_bytes(rows(), sheet),
        file_name=f"{stem}_{day}.xlsx",
        mime=EXCEL_MIME,
        key=f"{key}_xlsx",
        icon=":material/download:",
        on_click="ignore",
    )


_EXPORT_STATUS_LABELS = {"generated": "généré, dépôt à confirmer", "deposited": "déposé", "undone": "annulé"}


def render_export_section(kind: Literal["carence", "internal"]) -> None:
    """Generate the portal file of what is due, download it, confirm its deposit or undo; the file history."""
    store = get_store()
    what = "les carences" if kind == "carence" else "les formations internes"
    st.subheader("Fichier pour le portail")
    st.caption(
        f"Le fichier déclare {what} à faire, au format du portail (validé avant d'être proposé). Déposez-le sur "
        "le portail, puis confirmez le dépôt ici : les lignes passent alors en « déclarée ». Générer deux fois "
        "donne le même fichier ; un identifiant déposé n'est jamais réutilisé."
    )
    if not can("export_nir"):
        st.info("Votre rôle (lecteur) ne permet pas de produire les fichiers du portail, qui contiennent des NIR.")
        return
    flash_key = f"export_flash_{kind}"
    if flash_key in st.session_state:
        st.success(md_text(st.session_state.pop(flash_key)), icon=":material/check_circle:")
    if st.button("Générer le fichier", type="primary", key=f"generate_{kind}", icon=":material/description:"):
        prefs = settings.preferences(store)
        try:
            batch = store.generate_export(
                kind,
                rules=active_rules(),
                today=today(),
                catalogue=settings.code_catalogue(store),
                tolerance_days=prefs.tolerance_days,
            )
        except (StoreError, ValueError) as error:
            st.error(md_text(str(error)), icon=":material/error:")
            return
        st.session_state[f"export_batch_{kind}"] = batch
        clear_caches()
    shown: ExportBatch | None = st.session_state.get(f"export_batch_{kind}")
    if shown is not None:
        batch = shown
        if not batch.files and not batch.missing:
            st.info("Rien à déclarer aujourd'hui.", icon=":material/info:")
        for file in batch.files:
            with st.container(border=True):
                st.markdown(
                    f"**{md_text(file.file_name)}** — {file.portal_kind}, {file.lines} ligne(s), n° {file.export_id}"
                )
                cols = st.columns(2)
                cols[0].download_button(
                    "Télécharger le fichier du portail",
                    data=file.content,
                    file_name=file.file_name,
                    mime="text/csv",
                    key=f"download_export_{file.export_id}",
                    icon=":material/download:",
                    on_click="ignore",
                )
                if cols[1].button("J'ai déposé ce fichier sur le portail", key=f"confirm_{file.export_id}"):
                    _export_action(kind, functools.partial(_confirm_export, file.export_id))
        if batch.missing:
            st.warning(
                f"{len(batch.missing)} formation(s) ne peuvent pas être déclarées faute de données : "
                "complétez-les dans votre SIRH (ou le catalogue des codes) puis réimportez.",
                icon=":material/warning:",
            )
            st.dataframe(
                pd.DataFrame(
                    {
                        "Salarié": [m.who for m in batch.missing],
                        "Formation": [m.training for m in batch.missing],
                        "Manque": [", ".join(m.missing) for m in batch.missing],
                    }
                ),
                hide_index=True,
                placeholder="—",
            )
    _render_export_history(kind)


def _render_export_history(kind: Literal["carence", "internal"]) -> None:
    """Every file generated for this list, each still actionable after leaving the page: a file waiting for its
    deposit can be confirmed or discarded; undoing a confirmed deposit asks a second click first."""
    history = get_store().export_history(kind)
    if history.empty:
        return
    st.markdown("**Historique des fichiers**")
    for _, row in history.head(20).iterrows():
        export_id = int(row["id"])
        status = str(row["status"])
        line = st.columns([2.6, 1.7, 1.5, 1.4, 2.4, 2], vertical_alignment="center")
        line[0].write(f"n° {export_id} — {md_text(row['file_name'])} ({int(row['lines'])} ligne(s))")
        line[1].write(f"{pd.Timestamp(row['created_at']):%d/%m/%Y %H:%M} — {md_text(row['who'])}")
        line[2].write(_EXPORT_STATUS_LABELS.get(status, status))
        line[3].download_button(
            "Télécharger",
            data=functools.partial(get_store().export_content, export_id),
            file_name=str(row["file_name"]),
            mime="text/csv",
            key=f"history_{export_id}",
            on_click="ignore",
        )
        if status == "generated":
            if line[4].button(
                "J'ai déposé ce fichier", key=f"history_confirm_{export_id}", type="primary", width="stretch"
            ):
                _export_action(kind, functools.partial(_confirm_export, export_id))
            if line[5].button("Écarter", key=f"undo_export_{export_id}"):
                _export_action(kind, functools.partial(get_store().undo_export, export_id))
        elif status == "deposited":
            _undo_deposit_buttons(kind, export_id, str(row["file_name"]), line[4], line[5])


def _undo_deposit_buttons(kind: str, export_id: int, file_name: str, first: Any, second: Any) -> None:
    """« Annuler le dépôt », then « Confirmer l'annulation » / « Garder le dépôt »: undoing a deposit puts its lines
    back to declare, so it takes a second, explicit click."""
    asking = f"undo_deposit_asked_{export_id}"
    if not st.session_state.get(asking):
        if first.button("Annuler le dépôt", key=f"undo_export_{export_id}", width="stretch"):
            st.session_state[asking] = True
            st.rerun()
        return
    st.warning(
        f"Annuler le dépôt de « {md_text(file_name)} » ? Ses lignes redeviendront à déclarer ; ne le faites que si "
        "le fichier n'a pas été accepté par le portail.",
        icon=":material/warning:",
    )
    if first.button("Oui, annuler le dépôt", key=f"undo_export_confirmed_{export_id}", type="primary", width="stretch"):
        st.session_state.pop(asking, None)
        _export_action(kind, functools.partial(get_store().undo_export, export_id))
    if second.button("Garder le dépôt", key=f"undo_export_kept_{export_id}"):
        st.session_state.pop(asking, None)
        st.rerun()


def _confirm_export(export_id: int) -> str:
    store = get_store()
    return store.confirm_export(
        export_id, rules=active_rules(), today=today(), tolerance_days=settings.preferences(store).tolerance_days
    )


def _export_action(kind: str, action: Callable[[], str]) -> None:
    try:
        message = action()
    except StoreError as error:
        st.error(md_text(str(error)), icon=":material/error:")
        return
    st.session_state[f"export_flash_{kind}"] = message
    st.session_state.pop(f"export_batch_{kind}", None)
    clear_caches()
    st.rerun()


def backup_bytes() -> bytes:
    """The whole store file, checkpointed first so the copy holds every write."""
    store = get_store()
    store.record_action("store", ["copie téléchargée"], "backup")
    store.sql("CHECKPOINT")
    return store.path.read_bytes()


def passport_pdf_bytes(matricule: str) -> bytes:
    """The PDF passport of one person, as the `passport` command writes it."""
    return get_store().passport_pdf(matricule, today=today())


def site_audit_pdf_bytes(site: str) -> bytes:
    """The PDF audit report of one site, as the `audit-report` command writes it."""
    return get_store().site_audit_pdf(site, today=today())


def render_passport_download(matricule: str) -> None:
    """The « Passeport en PDF » button of one person (the PDF built only when clicked)."""
    st.download_button(
        "Passeport en PDF",
        data=functools.partial(passport_pdf_bytes, matricule),
        file_name=f"passeport_{file_slug(matricule)}_{today():%Y%m%d}.pdf",
        mime=paper.PDF_MIME,
        key="passport_pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
        help="Identité (NIR masqué), formations, validités et déclarations, daté et paginé, à imprimer.",
    )


@st.cache_data(show_spinner=False)
def _sites(version: str) -> list[str]:
    return get_store().sites()


def render_site_audit_download(where: DeltaGenerator | None = None) -> None:
    """« Rapport d'audit (PDF) »: choose a site, download its report for an inspection (built when clicked)."""
    sites = _sites(data_version())
    if not sites:
        return
    with (where or st.container()).popover("Rapport d'audit (PDF)", icon=":material/picture_as_pdf:"):
        site = st.selectbox("Site", sites, key="audit_site")
        st.caption(
            "Formations expirées et à renouveler, déclarations en retard et jeu de règles utilisé, pour un contrôle."
        )
        if site is not None:
            st.download_button(
                "Télécharger le rapport d'audit",
                data=functools.partial(site_audit_pdf_bytes, site),
                file_name=f"audit_{file_slug(site)}_{today():%Y%m%d}.pdf",
                mime=paper.PDF_MIME,
                key="site_audit_pdf",
                icon=":material/download:",
                on_click="ignore",
            )
