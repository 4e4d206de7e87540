"""The « Rappels par e-mail » section of Paramètres: HR addresses, thresholds, site managers, SMTP status, a
preview of what would be sent and the button that sends it (lib/reminder_job.py does the work)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import mailer, reminder_job, reminders
from lib.store import StoreError
from lib.ui.access import _secrets, can
from lib.ui.cache import clear_caches, get_store, today
from lib.ui.text import fr_date, md_text
from lib.ui.widgets import EDITOR_HOW_TO, EMPTY_CELL, delete_column_config, file_uploader, kept_rows, with_delete_column

_FLASH = "reminders_flash"
_MANAGER_COLUMNS = {"site": "Site", "manager": "Responsable", "email": "E-mail"}


def _saved(message: str) -> None:
    clear_caches()
    st.session_state[_FLASH] = message
    st.rerun()


def _smtp() -> tuple[mailer.SmtpSettings | None, str | None]:
    """The SMTP settings of secrets.toml and, when they are unusable, why."""
    try:
        return mailer.smtp_settings(_secrets()), None
    except mailer.MailError as error:
        return None, str(error)


def _settings_form(current: reminders.ReminderSettings) -> None:
    store = get_store()
    with st.form("reminder_settings"):
        emails = st.text_area(
            "Adresses RH (récapitulatif « À faire » chaque semaine)",
            value="\n".join(current.hr_emails),
            placeholder="rh@example.fr",
            help="Une adresse par ligne.",
        )
        c1, c2 = st.columns(2)
        thresholds = c1.text_input(
            "Seuils des rappels aux responsables (jours avant la fin de validité)",
            value=", ".join(str(t) for t in current.thresholds),
            help="Un message par seuil atteint, puis un quand la validité est dépassée ; jamais deux fois le même.",
        )
        url = c2.text_input(
            "Adresse du tableau de bord (liens des messages)",
            value=current.base_url,
            help=f"Telle que les destinataires l'ouvrent ; par défaut {reminders.DEFAULT_BASE_URL}.",
        )
        if st.form_submit_button("Enregistrer les réglages des rappels"):
            try:
                parsed = reminders.ReminderSettings(
                    reminders.parse_thresholds(thresholds),
                    reminders.parse_emails(emails),
                    reminders.parse_base_url(url),
                )
            except reminders.ReminderSettingsError as error:
                st.error(md_text(str(error)), icon=":material/error:")
            else:
                store.set_setting(reminders.HR_EMAILS_KEY, "\n".join(parsed.hr_emails))
                store.set_setting(reminders.THRESHOLDS_KEY, ", ".join(str(t) for t in parsed.thresholds))
                store.set_setting(reminders.BASE_URL_KEY, parsed.base_url)
                _saved("Réglages des rappels enregistrés.")


def _managers_editor() -> None:
    store = get_store()
    st.markdown("**Responsables de site** — ils reçoivent les échéances des salariés dont ils sont le responsable")
    st.caption(
        "Le nom du responsable est celui de la colonne « responsable » de votre liste des salariés, sur le même site."
    )
    managers = store.site_managers()
    frame = pd.DataFrame(
        [(m.site, m.manager, m.email) for m in managers], columns=list(_MANAGER_COLUMNS.values()), dtype="object"
    )
    edited = st.data_editor(
        with_delete_column(frame),
        num_rows="dynamic",
        hide_index=True,
        key="site_managers_editor",
        placeholder=EMPTY_CELL,  # an empty cell, never « None »
        column_config={
            **{name: st.column_config.TextColumn(name, max_chars=200) for name in _MANAGER_COLUMNS.values()},
            **delete_column_config(),
        },
    )
    st.caption(EDITOR_HOW_TO)
    cols = st.columns([2, 2, 3])
    if cols[0].button("Enregistrer les responsables", key="save_site_managers"):
        rows = [
            tuple("" if not isinstance(v, str) else v for v in row)
            for row in kept_rows(edited)[list(_MANAGER_COLUMNS.values())].itertuples(index=False)
            if any(isinstance(v, str) and v.strip() for v in row)
        ]
        try:
            checked = reminders.validate_managers(rows)  # type: ignore[arg-type]
            message = store.replace_site_managers(checked)
        except reminders.ReminderSettingsError as error:
            st.error(md_text(str(error)), icon=":material/error:")
        except StoreError as error:
            st.error(md_text(str(error)), icon=":material/error:")
        else:
            _saved(message)
    cols[1].download_button(
        "Télécharger (CSV)",
        data=reminders.managers_csv(managers),
        file_name="responsables.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )
    upload = file_uploader(
        "Importer les responsables d'un fichier CSV (colonnes Site, Responsable, E-mail) : remplace la liste",
        ["csv"],
        "site_managers_upload",
        most_bytes=reminders.MAX_MANAGERS_BYTES,
    )
    if upload is not None and st.button("Importer ces responsables", key="import_site_managers"):
        try:
            message = store.replace_site_managers(reminders.parse_managers_csv(upload.getvalue(), upload.name))
        except reminders.ReminderSettingsError as error:
            st.error(md_text(str(error)) + "\n\nLa liste actuelle n'a pas été modifiée.", icon=":material/error:")
        except StoreError as error:
            st.error(md_text(str(error)), icon=":material/error:")
        else:
            _saved(message)


def _preview_and_send(smtp: mailer.SmtpSettings | None) -> None:
    store = get_store()
    day = today()
    if not st.toggle("Voir les rappels à envoyer", key="reminders_preview"):
        st.caption("Activez l'aperçu pour voir les messages qu'un envoi ferait partir aujourd'hui.")
        return
    try:
        plan = reminder_job.plan(store, day)
    except reminders.ReminderSettingsError as error:
        st.error(md_text(str(error)), icon=":material/error:")
        return
    st.write(
        f"Au {fr_date(day)} : {len(plan.messages)} message(s) à envoyer"
        + (f" ; {plan.already_sent} déjà envoyé(s) auparavant, non renvoyé(s)." if plan.already_sent else ".")
    )
    if plan.unrouted:
        lost = sum(n for _, _, n in plan.unrouted)
        names = ", ".join(f"{manager or '—'} ({site or '—'})" for site, manager, _ in plan.unrouted[:10])
        st.warning(
            md_text(f"{lost} échéance(s) sans destinataire : responsables sans e-mail dans la liste — {names}")
            + (" …" if len(plan.unrouted) > 10 else ""),
            icon=":material/person_off:",
        )
    if plan.messages:
        st.dataframe(
            pd.DataFrame(
                {
                    "Destinataire": [m.recipient for m in plan.messages],
                    "Objet": [m.subject for m in plan.messages],
                    "Formations citées": [str(len(m.item_keys)) if m.item_keys else "—" for m in plan.messages],
                }
            ),
            hide_index=True,
            column_config={"Formations citées": st.column_config.TextColumn("Formations citées")},
        )
        with st.expander("Lire les messages"):
            for message in plan.messages:
                st.markdown(f"**À {md_text(message.recipient)} — {md_text(message.subject)}**")
                st.text(message.body)
    disabled = smtp is None or not plan.messages or not can("settings")
    if st.button("Envoyer les rappels maintenant", type="primary", disabled=disabled, key="send_reminders"):
        assert smtp is not None
        try:
            result = reminder_job.send(store, plan, smtp, today=day)
        except (mailer.MailError, StoreError) as error:
            st.error(md_text(str(error)), icon=":material/error:")
        else:
            for _, reason in result.refused:
                st.warning(md_text(f"Non envoyé : {reason}"), icon=":material/unsubscribe:")
            _saved(result.summary())


def render_reminders_section() -> None:
    """The section, drawn where Paramètres calls it (its page has already checked the « settings » right)."""
    st.subheader("Rappels par e-mail")
    st.caption(
        "Chaque semaine, un récapitulatif « À faire » aux adresses RH ; aux responsables de site, les formations "
        "de leurs salariés qui arrivent à un seuil ou sont expirées. Un message n'est jamais envoyé deux fois ; il "
        "ne contient aucun NIR. L'envoi automatique se programme avec « python -m lib remind » (voir le README)."
    )
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        st.success(md_text(flash), icon=":material/mark_email_read:")
    store = get_store()
    if not store.path.exists():
        st.write("La base n'existe pas encore.")
        return
    try:
        current = reminders.reminder_settings(store)
    except reminders.ReminderSettingsError as error:
        st.error(md_text(f"{error} Corrigez-le ci-dessous."), icon=":material/error:")
        current = reminders.ReminderSettings(reminders.DEFAULT_THRESHOLDS, (), reminders.DEFAULT_BASE_URL)
    _settings_form(current)
    _managers_editor()
    smtp, problem = _smtp()
    if problem:
        st.error(md_text(problem), icon=":material/error:")
    elif smtp is None:
        st.info(
            "Envoi non configuré : ajoutez une section [smtp] (host, port, starttls, user, password, sender) à "
            ".streamlit/secrets.toml. L'aperçu reste disponible.",
            icon=":material/mail:",
        )
    else:
        st.caption(f"Serveur d'envoi : {md_text(smtp.host)}:{smtp.port} — expéditeur {md_text(smtp.sender)}.")
    _preview_and_send(smtp)
