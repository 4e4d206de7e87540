"""The reminder run, shared by `python -m lib remind` and the Paramètres button: read the lists, plan the
messages (lib/reminders.py), then send them one by one through lib/mailer.py, each recorded in the sent log in
the transaction of its sending — or write them as .eml files for a dry run (nothing recorded)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from lib import digest, files, mailer, reminders, requirements, settings
from lib.lists import Condition, ListContext, ListQuery, compare, is_in, is_true
from lib.store import Store

DRY_RUN_SENDER = "Passeport de prévention <rappels@passeport.invalid>"


REMINDER_COLUMNS = (
    "matricule", "person_birth_name", "person_usage_name", "person_first_name", "person_site", "manager",
    "formation", "effective_validity_end", "days_left", "is_latest", "is_active",
)  # fmt: skip


MISSING_COLUMNS = (
    "matricule", "person_birth_name", "person_usage_name", "person_first_name", "person_site", "manager", "family",
)  # fmt: skip


def reminder_inputs(
    store: Store, today: date, thresholds: tuple[int, ...]
) -> tuple[digest.DashboardSummary, pd.DataFrame, pd.DataFrame]:
    """What the reminders read at `today`, the one place that asks the store: the dashboard's numbers (the HR
    digest), each present person's latest trainings whose validity ends within the largest threshold or is
    already over, and the required trainings each present person never had (the managers' messages)."""
    prefs = settings.preferences(store)
    asker = store.asker(ListContext(today=today, horizon_days=prefs.horizon_days))
    query = ListQuery("validities").where(
        is_true("is_latest"),
        is_true("is_active"),
        Condition("effective_validity_end", "not_null"),
        Condition("matricule", "not_null"),
        compare("days_left", "<=", max(thresholds, default=0)),
    )
    never = ListQuery("missing_trainings").where(is_in("status", ["never_trained"]))
    return (
        digest.dashboard_summary(asker, today),
        asker.rows(query, limit=None, columns=REMINDER_COLUMNS),
        asker.rows(never, limit=None, columns=MISSING_COLUMNS),
    )


def plan(store: Store, today: date) -> reminders.Plan:
    """What a run at `today` would send (the sent log's messages left out)."""
    chosen = reminders.reminder_settings(store)
    summary, validities, missing = reminder_inputs(store, today, chosen.thresholds)
    return reminders.plan_messages(
        summary,
        validities,
        today=today,
        settings=chosen,
        managers=store.site_managers(),
        sent=store.sent_reminder_keys(),
        missing=missing,
        family_labels=requirements.families(),
    )


@dataclass(frozen=True)
class SendResult:
    sent: tuple[reminders.Message, ...]
    refused: tuple[tuple[reminders.Message, str], ...]  # one message refused by the server, and why
    skipped: int  # already in the sent log when their turn came (another run sent them)

    def summary(self) -> str:
        parts = [f"{len(self.sent)} message(s) envoyé(s)"]
        if self.refused:
            parts.append(f"{len(self.refused)} refusé(s) par le serveur (réessayés au prochain envoi)")
        if self.skipped:
            parts.append(f"{self.skipped} déjà envoyé(s) entre-temps")
        return ", ".join(parts) + "."


def send(
    store: Store,
    plan_: reminders.Plan,
    smtp: mailer.SmtpSettings,
    *,
    today: date,
    who: str | None = None,
    on_sent: Callable[[reminders.Message], None] | None = None,
) -> SendResult:
    """Send the plan's messages over one SMTP session. A message the server refuses is left unrecorded and the
    others go on; a server that vanishes raises MailError after the messages already sent (recorded)."""
    sent: list[reminders.Message] = []
    refused: list[tuple[reminders.Message, str]] = []
    skipped = 0
    with mailer.connect(smtp) as connection:
        for message in plan_.messages:
            email = reminders.to_email(message, smtp.sender)
            try:
                done = store.send_recorded(
                    message, str(email["Message-ID"]), functools.partial(connection.send, email), today=today, who=who
                )
            except mailer.RecipientRefused as error:
                refused.append((message, str(error)))
                continue
            except mailer.MailError as error:
                raise mailer.MailError(
                    f"{error} {len(sent)} message(s) envoyé(s) et enregistré(s) avant l'erreur ; relancez l'envoi "
                    "plus tard : ceux-là ne partiront pas une seconde fois."
                ) from error
            if done:
                sent.append(message)
                if on_sent:
                    on_sent(message)
            else:
                skipped += 1
    return SendResult(tuple(sent), tuple(refused), skipped)


def write_dry_run(plan_: reminders.Plan, directory: Path, *, sender: str = DRY_RUN_SENDER) -> list[Path]:
    """The plan's messages as .eml files in `directory` (created if needed); nothing recorded anywhere."""
    directory.mkdir(parents=True, exist_ok=True)
    written = [
        (directory / reminders.eml_name(index, message), reminders.to_email(message, sender).as_bytes())
        for index, message in enumerate(plan_.messages, start=1)
    ]
    files.write_all_atomically(written)
    return [path for path, _ in written]
