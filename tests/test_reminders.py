"""Reminder e-mails, sent to a real SMTP server the tests start (aiosmtpd): who gets what, in French, without
NIR, once per threshold ever; refusals and a vanishing server; --dry-run writes .eml and records nothing."""

from __future__ import annotations

import email
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from aiosmtpd.controller import Controller

from lib import mailer, reminder_job, reminders, requirements
from lib.lists import ListContext, ListQuery, is_in
from lib.reminders import ReminderSettingsError, SiteManager
from lib.store import Store

REPO = Path(__file__).resolve().parents[1]
DEMO_DAY = date(2026, 11, 23)
HR = "rh@example.fr"
PONS = "franck.pons@example.fr"
LE_GOFF = "capucine.legoff@example.fr"
MANAGERS = [
    SiteManager("Guyon-les-Bains", "Franck Pons", PONS),
    SiteManager("Saint Eugène", "Capucine Le Goff", LE_GOFF),
]


# ---------------------------------------------------------------------- a real SMTP server


class Inbox:
    """An aiosmtpd handler that keeps what it receives; it can refuse addresses or hang up on a given message."""

    def __init__(self, *, refuse: frozenset[str] = frozenset(), vanish_at: int | None = None) -> None:
        self.received: list[EmailMessage] = []
        self.refuse = refuse
        self.vanish_at = vanish_at
        self.data_count = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 Mailbox unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_count += 1
        if self.vanish_at is not None and self.data_count >= self.vanish_at:
            server.transport.close()  # the server goes away before acknowledging this message
            return "421 4.3.0 Gone"
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        self.port = free_port()
        self.controller = Controller(inbox, hostname="127.0.0.1", port=self.port)

    @property
    def settings(self) -> mailer.SmtpSettings:
        return mailer.SmtpSettings("127.0.0.1", self.port, False, "Passeport <rappels@example.fr>")

    def secrets_file(self, directory: Path) -> Path:
        path = directory / f"secrets_{self.port}.toml"
        path.write_text(
            f'[smtp]\nhost = "127.0.0.1"\nport = {self.port}\nstarttls = false\n'
            'sender = "Passeport de prévention <rappels@example.fr>"\n',
            encoding="utf-8",
        )
        return path


@pytest.fixture
def smtp_server() -> Iterator[Server]:
    server = Server(Inbox())
    server.controller.start()
    yield server
    server.controller.stop()


@pytest.fixture
def store(demo_db: Path) -> Store:
    """The demo store with two site managers and one HR address."""
    demo = Store(demo_db)
    demo.set_setting(reminders.HR_EMAILS_KEY, HR)
    demo.replace_site_managers(MANAGERS)
    return demo


def body(message: EmailMessage) -> str:
    part = message.get_body()
    assert part is not None
    return str(part.get_content())


def demo_nirs(store: Store) -> list[str]:
    return [n for n in store.sql("SELECT nir FROM employees WHERE nir IS NOT NULL")["nir"] if isinstance(n, str)]


def sent_log(store: Store) -> pd.DataFrame:
    return store.sql("SELECT * FROM reminders_sent ORDER BY recipient, stage, item_key")


# ---------------------------------------------------------------------- rules and settings


@pytest.mark.parametrize(
    ("days_left", "stage"),
    [(None, None), (400, None), (91, None), (90, "90"), (85, "90"), (60, "60"), (31, "60"), (30, "30"), (8, "30"),
     (7, "7"), (0, "7"), (-1, "overdue"), (-300, "overdue")],
)  # fmt: skip
def test_an_expiry_reaches_the_smallest_threshold_not_below_its_days_left(days_left: int | None, stage: str) -> None:
    assert reminders.expiry_stage(days_left, (90, 60, 30, 7)) == stage


def test_the_vectorised_stages_agree_with_the_rule_on_every_day() -> None:
    days = pd.Series([*range(-5, 100), None], dtype="Int64")
    thresholds = (45, 15)
    expected = [reminders.expiry_stage(None if pd.isna(d) else int(d), thresholds) for d in days]
    assert list(reminders.expiry_stages(days, thresholds)) == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [("", "au moins un"), ("90, 0", "« 0 »"), ("90, abc", "« abc »"), ("30, 30", "deux fois"), ("800", "730")],
)
def test_bad_thresholds_are_refused_in_french(text: str, error: str) -> None:
    with pytest.raises(ReminderSettingsError, match=error):
        reminders.parse_thresholds(text)


def test_thresholds_are_read_largest_first_and_emails_and_url_are_checked() -> None:
    assert reminders.parse_thresholds("7; 30 90,60") == (90, 60, 30, 7)
    assert reminders.parse_emails("a@x.fr, b@y.fr\nA@x.fr") == ("a@x.fr", "b@y.fr")
    with pytest.raises(ReminderSettingsError, match="« pas-une-adresse » n'est pas une adresse e-mail"):
        reminders.parse_emails("a@x.fr pas-une-adresse")
    assert reminders.parse_base_url("https://rh.example.fr/passeport/") == "https://rh.example.fr/passeport"
    with pytest.raises(ReminderSettingsError, match="Adresse du tableau de bord"):
        reminders.parse_base_url("javascript:alert(1)")


def test_the_managers_csv_round_trips_and_its_errors_name_file_line_and_column() -> None:
    assert reminders.parse_managers_csv(reminders.managers_csv(MANAGERS), "responsables.csv") == MANAGERS
    data = "Site;Responsable;E-mail\nSaint Eugène;Marie Curie;marie@example.fr\nLyon;Paul;pas-une-adresse\n".encode()
    with pytest.raises(
        ReminderSettingsError, match=r"responsables\.csv, ligne 3, colonne E-mail : « pas-une-adresse »"
    ):
        reminders.parse_managers_csv(data, "responsables.csv")
    with pytest.raises(ReminderSettingsError, match=r"responsables\.csv, ligne 1 : colonne\(s\) E-mail introuvable"):
        reminders.parse_managers_csv(b"Site,Responsable\nLyon,Paul\n", "responsables.csv")
    duplicate = b"site,manager,courriel\nLyon,Paul,p@x.fr\nlyon, paul ,q@x.fr\n"
    with pytest.raises(
        ReminderSettingsError, match="ligne 3 : le responsable « paul » du site « lyon » figure déjà ligne 2"
    ):
        reminders.parse_managers_csv(duplicate, "r.csv")


def test_replacing_the_managers_is_audited(store: Store) -> None:
    assert store.site_managers() == sorted(MANAGERS, key=lambda m: (m.site, m.manager))
    journal = store.query("audit_log", {"limit": 20})
    assert any(w == "Responsables de site enregistrés" and "2 responsable(s)" in d
               for w, d in zip(journal["what"], journal["detail"], strict=True))  # fmt: skip


def test_smtp_settings_are_validated_with_french_messages(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text('[smtp]\nhost = "smtp.example.fr"\nport = 587\nsender = "rappels@example.fr"\n', encoding="utf-8")
    assert mailer.configured_smtp(path) == mailer.SmtpSettings("smtp.example.fr", 587, True, "rappels@example.fr")
    for text, error in [
        ('[smtp]\nport = 25\nsender = "a@b.fr"\n', "« host »"),
        ('[smtp]\nhost = "h"\nport = "vingt"\nsender = "a@b.fr"\n', "« port »"),
        ('[smtp]\nhost = "h"\nsender = "a@b.fr"\nuser = "u"\n', "vont ensemble"),
        ('[smtp]\nhost = "h"\nsender = "personne"\n', "« sender »"),
        ('[smtp]\nhost = "h"\nsender = "a@b.fr"\nmot_de_passe = "x"\n', r"clé\(s\) inconnue\(s\) : mot_de_passe"),
        ("[smtp\n", "syntaxe TOML invalide"),
    ]:
        path.write_text(text, encoding="utf-8")
        with pytest.raises(mailer.MailError, match=error):
            mailer.configured_smtp(path)
    path.write_text("[users]\n", encoding="utf-8")
    with pytest.raises(mailer.MailError, match=r"ajoutez une section \[smtp\]"):
        mailer.configured_smtp(path)


# ---------------------------------------------------------------------- sending


def test_the_messages_reach_hr_and_each_manager_in_french_without_any_nir(store: Store, smtp_server: Server) -> None:
    plan = reminder_job.plan(store, DEMO_DAY)
    result = reminder_job.send(store, plan, smtp_server.settings, today=DEMO_DAY, who="test")
    received = smtp_server.inbox.received
    assert len(received) == len(result.sent) == len(plan.messages) and not result.refused
    by_recipient: dict[str, list[EmailMessage]] = {}
    for message in received:
        by_recipient.setdefault(str(message["To"].addresses[0].addr_spec), []).append(message)
    assert set(by_recipient) == {HR, PONS, LE_GOFF}

    (digest_mail,) = by_recipient[HR]
    assert digest_mail["Subject"] == "Passeport de prévention — à faire cette semaine, semaine 48 de 2026"
    text = body(digest_mail)
    assert "indique « À faire » au 23/11/2026" in text
    assert "- Validités expirées : 15 — à renouveler au plus vite" in text
    assert "http://localhost:8501/echeances?etat=expir%C3%A9e" in text

    pons = {m["Subject"]: body(m) for m in by_recipient[PONS]}
    assert "Passeport de prévention — 2 formations expirées dans votre équipe" in pons
    overdue = pons["Passeport de prévention — 2 formations expirées dans votre équipe"]
    assert overdue.startswith("Bonjour Franck Pons,")
    assert "(matricule MAT1054) — Sauveteur secouriste du travail (SST) — fin de validité le 13/11/2026 " \
        "(expirée depuis 10 j)" in overdue  # fmt: skip
    assert "http://localhost:8501/salarie?matricule=MAT1054" in overdue
    assert any("expirant dans 60 jours ou moins" in s for s in pons)

    everything = "\n".join(m.as_string() + body(m) for m in received)
    for nir in demo_nirs(store):
        assert nir not in everything
    for word in ("None", "nan", "NaT"):
        assert f" {word}" not in everything
    log = sent_log(store)
    assert set(log["recipient"]) == {HR, PONS, LE_GOFF} and set(log["sent_on"].dt.date) == {DEMO_DAY}
    journal = store.query("audit_log", {"limit": 50})
    assert (journal["what"] == f"Rappel envoyé à {PONS}").sum() == len(by_recipient[PONS])
    reminders_shown = store.query("reminders_sent", {"limit": 50})
    assert len(reminders_shown) == len(received)


def test_a_rerun_sends_nothing_twice_and_a_later_day_sends_only_what_is_new(store: Store, smtp_server: Server) -> None:
    first = reminder_job.send(store, reminder_job.plan(store, DEMO_DAY), smtp_server.settings, today=DEMO_DAY)
    count = len(smtp_server.inbox.received)
    again = reminder_job.plan(store, DEMO_DAY)
    assert again.messages == () and again.already_sent >= len(first.sent)
    assert reminder_job.send(store, again, smtp_server.settings, today=DEMO_DAY).sent == ()
    assert len(smtp_server.inbox.received) == count
    # A week later: a new digest; the manager only hears of what crossed a new threshold since.
    later = reminder_job.plan(store, date(2026, 11, 30))
    assert [m.recipient for m in later.messages if m.kind == reminders.DIGEST] == [HR]
    old = {key for m in first.sent for key in m.sent_keys}
    assert not any(key in old for m in later.messages for key in m.sent_keys)


def demo_never_trained(store: Store) -> pd.DataFrame:
    """The demo's required trainings never had, asked as the reminders ask them."""
    asker = store.asker(ListContext(today=DEMO_DAY, horizon_days=90))
    query = ListQuery("missing_trainings").where(is_in("status", ["never_trained"]))
    return asker.rows(query, limit=None, columns=["matricule", "family", "person_site", "manager"])


def test_the_required_trainings_never_had_are_counted_once_per_person_and_family() -> None:
    rows = pd.DataFrame(
        [("M1", "Dupont", None, "Ana", "Site A", "Chef", "caces"), ("M1", "Dupont", None, "Ana", "Site A", "Chef",
          "caces"), ("M2", None, None, None, None, None, "sst"), (None, "X", None, "Y", "Site A", "Chef", "sst")],
        columns=list(reminder_job.MISSING_COLUMNS),
    )  # fmt: skip
    found = reminders.current_missing(rows, {"sst": "SST"})
    assert list(found["item_key"]) == ["M1|caces|never", "M2|sst|never"]
    assert list(found["formation"]) == ["caces", "SST"] and set(found["stage"]) == {reminders.NEVER}


def test_managers_hear_once_of_their_peoples_required_trainings_never_had(store: Store, smtp_server: Server) -> None:
    never = demo_never_trained(store)
    pons_items = never[(never["person_site"] == "Guyon-les-Bains") & (never["manager"] == "Franck Pons")]
    assert not pons_items.empty
    plan = reminder_job.plan(store, DEMO_DAY)
    (pons_plan,) = [m for m in plan.messages if m.kind == reminders.MISSING and m.recipient == PONS]
    assert set(pons_plan.item_keys) == {f"{m}|{f}|never" for m, f in zip(
        pons_items["matricule"], pons_items["family"], strict=True)}  # fmt: skip
    assert pons_plan.stage == reminders.NEVER
    assert {m.recipient for m in plan.messages if m.kind == reminders.MISSING} == {PONS, LE_GOFF}
    # Claude Moreno's people (Saint Eugène) have no address: counted as unrouted, not sent to anybody else.
    assert any(site == "Saint Eugène" and manager == "Claude Moreno" for site, manager, _ in plan.unrouted)

    reminder_job.send(store, plan, smtp_server.settings, today=DEMO_DAY, who="test")
    received = [m for m in smtp_server.inbox.received if "jamais suivie" in str(m["Subject"])]
    assert {str(m["To"].addresses[0].addr_spec) for m in received} == {PONS, LE_GOFF}
    (pons,) = [m for m in received if str(m["To"].addresses[0].addr_spec) == PONS]
    count = len(pons_items)
    assert pons["Subject"] == f"Passeport de prévention — {count} formations requises jamais suivies dans votre équipe"
    text = body(pons)
    assert text.startswith("Bonjour Franck Pons,")
    assert "n'ont jamais suivi une formation que l'entreprise requiert" in text
    assert "Site Guyon-les-Bains :" in text
    first = pons_items.iloc[0]
    label = requirements.families()[str(first["family"])]
    assert f"(matricule {first['matricule']}) — {label} — jamais formé" in text
    assert f"http://localhost:8501/salarie?matricule={first['matricule']}" in text
    everything = "\n".join(m.as_string() + body(m) for m in received)
    for nir in demo_nirs(store):
        assert nir not in everything
    for word in ("None", "nan", "NaT", "never"):
        assert f" {word}" not in text
    log = sent_log(store)
    assert set(log[(log["recipient"] == PONS) & (log["kind"] == reminders.MISSING)]["item_key"]) == set(
        pons_plan.item_keys
    )
    shown = store.query("reminders_sent", {"limit": 50})
    assert "jamais formé" in set(shown["stage_label"])

    # A rerun, the same day or a week later: nothing missing is sent twice.
    for day in (DEMO_DAY, date(2026, 11, 30)):
        again = reminder_job.plan(store, day)
        assert not [m for m in again.messages if m.kind == reminders.MISSING]
    again = reminder_job.plan(store, DEMO_DAY)
    assert reminder_job.send(store, again, smtp_server.settings, today=DEMO_DAY).sent == ()
    assert len([m for m in smtp_server.inbox.received if "jamais suivie" in str(m["Subject"])]) == 2


def test_a_refused_address_is_reported_and_retried_alone(store: Store, tmp_path: Path) -> None:
    server = Server(Inbox(refuse=frozenset({LE_GOFF})))
    server.controller.start()
    try:
        result = reminder_job.send(store, reminder_job.plan(store, DEMO_DAY), server.settings, today=DEMO_DAY)
    finally:
        server.controller.stop()
    assert result.refused and all(m.recipient == LE_GOFF for m, _ in result.refused)
    assert all("refuse le destinataire" in reason and LE_GOFF in reason for _, reason in result.refused)
    assert LE_GOFF not in set(sent_log(store)["recipient"])
    retry = Server(Inbox())
    retry.controller.start()
    try:
        second = reminder_job.send(store, reminder_job.plan(store, DEMO_DAY), retry.settings, today=DEMO_DAY)
    finally:
        retry.controller.stop()
    assert {m.recipient for m in second.sent} == {LE_GOFF} and len(second.sent) == len(result.refused)


def test_a_server_that_vanishes_mid_run_gives_a_french_error_and_the_retry_sends_only_the_rest(store: Store) -> None:
    plan = reminder_job.plan(store, DEMO_DAY)
    assert len(plan.messages) >= 3
    vanishing = Server(Inbox(vanish_at=2))
    vanishing.controller.start()
    try:
        with pytest.raises(mailer.MailError) as raised:
            reminder_job.send(store, plan, vanishing.settings, today=DEMO_DAY)
    finally:
        vanishing.controller.stop()
    assert "1 message(s) envoyé(s) et enregistré(s) avant l'erreur" in str(raised.value)
    assert "ne partiront pas une seconde fois" in str(raised.value)
    (delivered,) = vanishing.inbox.received
    log = sent_log(store)
    assert set(log["subject"]) == {delivered["Subject"]}

    retry = Server(Inbox())
    retry.controller.start()
    try:
        result = reminder_job.send(store, reminder_job.plan(store, DEMO_DAY), retry.settings, today=DEMO_DAY)
    finally:
        retry.controller.stop()
    assert len(retry.inbox.received) == len(plan.messages) - 1
    received = [(str(m["To"].addresses[0].addr_spec), m["Subject"]) for m in retry.inbox.received]
    assert (str(delivered["To"].addresses[0].addr_spec), delivered["Subject"]) not in received
    assert len(result.sent) == len(plan.messages) - 1


def test_no_server_listening_is_a_french_error_and_records_nothing(store: Store) -> None:
    settings = mailer.SmtpSettings("127.0.0.1", free_port(), False, "rappels@example.fr")
    with pytest.raises(mailer.MailError, match="Impossible de joindre le serveur SMTP 127.0.0.1"):
        reminder_job.send(store, reminder_job.plan(store, DEMO_DAY), settings, today=DEMO_DAY)
    assert sent_log(store).empty


# ---------------------------------------------------------------------- the command line


def remind(*args: str | Path, db: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "lib", "remind", *map(str, args), "--db", str(db)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_dry_run_writes_eml_files_and_records_nothing(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "rappels"
    result = remind("--today", "23/11/2026", "--dry-run", out, "--secrets", tmp_path / "absent.toml", db=store.path)
    assert result.returncode == 0, result.stderr
    files = sorted(out.glob("*.eml"))
    assert len(files) == len(reminder_job.plan(store, DEMO_DAY).messages) >= 3
    assert f"{len(files)} message(s) écrit(s) en .eml, rien n'a été envoyé ni enregistré" in result.stdout
    assert "Sans destinataire" in result.stderr  # managers with no e-mail in the list are named
    parsed = [email.message_from_bytes(f.read_bytes(), policy=default_policy) for f in files]
    assert all(isinstance(m, EmailMessage) and m.get_content_charset() == "utf-8" for m in parsed)
    assert any("Bonjour Franck Pons," in body(m) for m in parsed if isinstance(m, EmailMessage))
    assert sent_log(store).empty


def test_the_command_sends_then_sends_nothing_on_a_rerun(store: Store, smtp_server: Server, tmp_path: Path) -> None:
    secrets = smtp_server.secrets_file(tmp_path)
    first = remind("--today", "2026-11-23", "--secrets", secrets, db=store.path)
    assert first.returncode == 0, first.stderr
    count = len(smtp_server.inbox.received)
    assert count >= 3 and f"{count} message(s) envoyé(s)." in first.stdout
    second = remind("--today", "2026-11-23", "--secrets", secrets, db=store.path)
    assert second.returncode == 0 and "Aucun rappel à envoyer au 23/11/2026" in second.stdout
    assert len(smtp_server.inbox.received) == count


def test_the_command_without_smtp_configuration_says_how_to_configure_it(store: Store, tmp_path: Path) -> None:
    result = remind("--today", "2026-11-23", "--secrets", tmp_path / "absent.toml", db=store.path)
    assert result.returncode == 2
    assert "Envoi d'e-mails non configuré : ajoutez une section [smtp]" in result.stderr
    assert sent_log(store).empty


# ---------------------------------------------------------------------- the screens


def open_page(page: str) -> Any:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    at.switch_page(page)
    at.run()
    return at


@pytest.mark.usefixtures("fresh_streamlit_caches")
def test_parametres_previews_the_reminders_and_refuses_bad_thresholds_in_french(store: Store) -> None:
    at = open_page("views/parametres.py")
    assert not at.exception, [e.message for e in at.exception]
    at.toggle(key="reminders_preview").set_value(True).run()
    assert not at.exception, [e.message for e in at.exception]
    plan = reminder_job.plan(store, DEMO_DAY)
    assert any(f"Au 23/11/2026 : {len(plan.messages)} message(s) à envoyer" in m.value for m in at.markdown)
    preview = next(f.value for f in at.dataframe if "Objet" in f.value.columns)
    assert list(preview["Destinataire"]) == [m.recipient for m in plan.messages]
    assert "None" not in preview.to_csv() and "nan" not in preview.to_csv()
    assert at.button(key="send_reminders").disabled  # no [smtp] in secrets.toml: preview only
    assert any("Envoi non configuré" in i.value for i in at.info)
    form_inputs = [t for t in at.text_input if t.label.startswith("Seuils des rappels")]
    form_inputs[0].set_value("90, zéro")
    next(b for b in at.button if b.label == "Enregistrer les réglages des rappels").click().run()
    assert any("« zéro » n'est pas un nombre de jours" in e.value.replace("\\", "") for e in at.error)
    assert store.get_setting(reminders.THRESHOLDS_KEY) is None  # nothing saved


@pytest.mark.usefixtures("fresh_streamlit_caches")
def test_the_journal_shows_the_reminders_sent(store: Store, smtp_server: Server) -> None:
    reminder_job.send(store, reminder_job.plan(store, DEMO_DAY), smtp_server.settings, today=DEMO_DAY)
    at = open_page("views/journal.py")
    assert not at.exception, [e.message for e in at.exception]
    shown = next(f.value for f in at.dataframe if "recipient" in f.value.columns)
    assert set(shown["recipient"]) == {HR, PONS, LE_GOFF}
    assert "expirées" in set(shown["stage_label"]) and "2026, semaine 48" in set(shown["stage_label"])


def test_the_demo_has_recipients_that_reach_nobody(demo_db: Path, tmp_path: Path) -> None:
    """A new user tries `remind --dry-run` on the demo: every manager of the roster has an address, all of them at
    example.org (reserved for examples), and the HR digest goes to the demo's HR address."""
    demo = Store(demo_db)
    roster = demo.sql("SELECT DISTINCT site, manager FROM employees WHERE manager IS NOT NULL AND manager <> ''")
    managers = demo.site_managers()
    assert {(m.site, m.manager) for m in managers} == set(zip(roster["site"], roster["manager"], strict=True))
    assert all(m.email.endswith("@example.org") for m in managers)
    assert reminders.reminder_settings(demo).hr_emails == ("rh@example.org",)
    plan = reminder_job.plan(demo, DEMO_DAY)
    assert plan.unrouted == ()
    assert {m.recipient for m in plan.messages if m.kind == reminders.DIGEST} == {"rh@example.org"}
    assert {m.recipient for m in plan.messages} <= {"rh@example.org"} | {m.email for m in managers}
    result = remind("--today", "23/11/2026", "--dry-run", tmp_path / "rappels", db=demo_db)
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "rappels").glob("*.eml"))) == len(plan.messages) >= 10
    assert "Sans destinataire" not in result.stderr
