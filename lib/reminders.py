"""Which reminder e-mails to send and what they say: the weekly digest to HR (the dashboard's « À faire ») and,
to each site manager, the expiries of their people at configurable thresholds and the required trainings they
never had. Pure (no Streamlit, no DuckDB).

One message per recipient per stage and item, ever: a stage is the ISO week of a digest, the threshold an
expiry has reached (« 90 », « 60 », … or « overdue »), or « never » for a required training never had (item
matricule|family|never); the store's sent log holds the keys already sent
(`SentKey`), and `plan_messages` leaves them out. A message never carries a NIR: people are named with their
matricule.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Protocol
from urllib.parse import quote, urlencode

import numpy as np
import pandas as pd

from lib import digest
from lib.statuses import VALIDITY_LABELS, VERIFICATION_LABELS

THRESHOLDS_KEY = "reminder_thresholds"
HR_EMAILS_KEY = "reminder_hr_emails"
BASE_URL_KEY = "reminder_base_url"
DEFAULT_THRESHOLDS = (90, 60, 30, 7)
DEFAULT_BASE_URL = "http://localhost:8501"
MAX_THRESHOLD_DAYS = 730
MAX_THRESHOLDS = 10
OVERDUE = "overdue"
DIGEST = "digest"
EXPIRY = "expiry"
MISSING = "missing"
NEVER = "never"
SUBJECT_PREFIX = "Passeport de prévention"
MAX_MANAGERS_BYTES = 1_000_000
MAX_MANAGERS_ROWS = 5_000
MAX_FIELD_LENGTH = 200
MAX_PROBLEMS = 20
_EMAIL = re.compile(r"[^@\s<>,;:\"()\[\]]+@[^@\s<>,;:\"()\[\]]+\.[^@\s<>,;:\"()\[\]]+")

SentKey = tuple[str, str, str, str]
"""(recipient, kind, stage, item_key): one row of the sent log."""


class ReminderSettingsError(ValueError):
    """A reminder setting or the managers' file is unusable; the French message says where."""


class SettingsSource(Protocol):
    def get_setting(self, key: str) -> str | None: ...


# ---------------------------------------------------------------------- settings


@dataclass(frozen=True)
class ReminderSettings:
    thresholds: tuple[int, ...]  # in days, largest first
    hr_emails: tuple[str, ...]
    base_url: str


def is_email(text: str) -> bool:
    return len(text) <= 254 and _EMAIL.fullmatch(text) is not None


def parse_thresholds(text: str) -> tuple[int, ...]:
    """« 90, 60, 30, 7 » → (90, 60, 30, 7): whole days from 1 to 730, distinct, largest first."""
    parts = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
    if not parts:
        raise ReminderSettingsError(
            "Seuils de rappel : indiquez au moins un nombre de jours (par exemple 90, 60, 30, 7)."
        )
    if len(parts) > MAX_THRESHOLDS:
        raise ReminderSettingsError(f"Seuils de rappel : {MAX_THRESHOLDS} seuils au plus ({len(parts)} indiqués).")
    values: list[int] = []
    for part in parts:
        if not part.isdigit() or not 1 <= int(part) <= MAX_THRESHOLD_DAYS:
            raise ReminderSettingsError(
                f"Seuils de rappel : « {part[:20]} » n'est pas un nombre de jours entre 1 et {MAX_THRESHOLD_DAYS}."
            )
        if int(part) in values:
            raise ReminderSettingsError(f"Seuils de rappel : {int(part)} jours apparaît deux fois.")
        values.append(int(part))
    return tuple(sorted(values, reverse=True))


def parse_emails(text: str) -> tuple[str, ...]:
    """The HR addresses, one per line or separated by commas or semicolons; each checked."""
    found: list[str] = []
    for part in (p.strip() for p in re.split(r"[\s,;]+", text.strip())):
        if not part:
            continue
        if not is_email(part):
            raise ReminderSettingsError(f"Adresses RH : « {part[:80]} » n'est pas une adresse e-mail.")
        if part.lower() not in (f.lower() for f in found):
            found.append(part)
    return tuple(found)


def parse_base_url(text: str) -> str:
    """The dashboard's address as the recipients reach it (links in the messages), without a final slash."""
    url = text.strip().rstrip("/")
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", url):
        raise ReminderSettingsError(
            f"Adresse du tableau de bord : « {url[:80]} » invalide (attendu par exemple {DEFAULT_BASE_URL})."
        )
    return url


def reminder_settings(source: SettingsSource | None) -> ReminderSettings:
    """The reminder settings of the store (validated when saved; checked again here)."""

    def raw(key: str) -> str | None:
        value = source.get_setting(key) if source else None
        return value or None

    thresholds, emails, url = raw(THRESHOLDS_KEY), raw(HR_EMAILS_KEY), raw(BASE_URL_KEY)
    return ReminderSettings(
        thresholds=parse_thresholds(thresholds) if thresholds else DEFAULT_THRESHOLDS,
        hr_emails=parse_emails(emails) if emails else (),
        base_url=parse_base_url(url) if url else DEFAULT_BASE_URL,
    )


# ---------------------------------------------------------------------- site managers


@dataclass(frozen=True)
class SiteManager:
    """Who receives the expiries of the people of `site` whose `manager` column says `manager`."""

    site: str
    manager: str
    email: str


MANAGER_COLUMNS = {"site": "site", "responsable": "manager", "manager": "manager", "email": "email",
                   "e-mail": "email", "courriel": "email", "adresse": "email"}  # fmt: skip
MANAGERS_HEADER = ("Site", "Responsable", "E-mail")


def _header_name(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"\s+", " ", plain).strip().lower()


def _key(text: str) -> str:
    """A site or manager name as compared: case, accents and spaces ignored."""
    return _header_name(text)


def validate_managers(rows: Iterable[tuple[str, str, str]], where: str = "Responsables") -> list[SiteManager]:
    """Check (site, manager, e-mail) rows: each filled, an e-mail that is one, no (site, manager) twice."""
    managers: list[SiteManager] = []
    seen: dict[tuple[str, str], int] = {}
    problems: list[str] = []
    for number, (site, manager, email) in enumerate(rows, start=1):
        site, manager, email = (str(v or "").strip() for v in (site, manager, email))
        for column, value in (("Site", site), ("Responsable", manager), ("E-mail", email)):
            if not value:
                problems.append(f"{where}, ligne {number}, colonne {column} : valeur manquante.")
            elif len(value) > MAX_FIELD_LENGTH:
                problems.append(f"{where}, ligne {number}, colonne {column} : plus de {MAX_FIELD_LENGTH} caractères.")
        if email and not is_email(email):
            problems.append(f"{where}, ligne {number}, colonne E-mail : « {email[:80]} » n'est pas une adresse e-mail.")
        key = (_key(site), _key(manager))
        if site and manager and key in seen:
            problems.append(
                f"{where}, ligne {number} : le responsable « {manager[:80]} » du site « {site[:80]} » figure déjà "
                f"ligne {seen[key]}."
            )
        seen.setdefault(key, number)
        managers.append(SiteManager(site, manager, email))
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise ReminderSettingsError("\n".join(problems[:MAX_PROBLEMS]))
    return managers


def parse_managers_csv(data: bytes, file_name: str) -> list[SiteManager]:
    """The managers of a CSV file (columns Site, Responsable, E-mail; « ; » or « , »; UTF-8), checked.

    Errors name the file, the line (as a spreadsheet numbers it, header = 1) and the column."""
    if len(data) > MAX_MANAGERS_BYTES:
        raise ReminderSettingsError(
            f"{file_name} : fichier trop gros ({len(data)} octets, {MAX_MANAGERS_BYTES} au plus)."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ReminderSettingsError(
                f"{file_name} : encodage illisible (enregistrez le fichier en UTF-8)."
            ) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ReminderSettingsError(f"{file_name} : fichier vide (attendu : {', '.join(MANAGERS_HEADER)}).") from None
    except csv.Error as error:
        raise ReminderSettingsError(f"{file_name}, ligne 1 : ligne illisible ({error}).") from None
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        field = MANAGER_COLUMNS.get(_header_name(name))
        if field and field not in positions:
            positions[field] = index
    missing = [label for label, field in zip(MANAGERS_HEADER, ("site", "manager", "email"), strict=True)
               if field not in positions]  # fmt: skip
    if missing:
        raise ReminderSettingsError(
            f"{file_name}, ligne 1 : colonne(s) {', '.join(missing)} introuvable(s) (en-têtes attendus : "
            f"{', '.join(MANAGERS_HEADER)})."
        )
    rows: list[tuple[str, str, str]] = []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_MANAGERS_ROWS:
                raise ReminderSettingsError(f"{file_name} : plus de {MAX_MANAGERS_ROWS} lignes.")
            rows.append(
                tuple(  # type: ignore[arg-type]
                    cells[positions[f]] if positions[f] < len(cells) else "" for f in ("site", "manager", "email")
                )
            )
    except csv.Error as error:
        raise ReminderSettingsError(f"{file_name}, ligne {reader.line_num} : ligne illisible ({error}).") from None
    try:
        return validate_managers(rows, where=file_name)
    except ReminderSettingsError as error:
        # validate_managers counts data lines from 1; the file's own numbering starts with the header.
        text = re.sub(r"ligne (\d+)", lambda m: f"ligne {int(m.group(1)) + 1}", str(error))
        raise ReminderSettingsError(text) from None


def managers_csv(managers: Iterable[SiteManager]) -> bytes:
    """The managers as the CSV parse_managers_csv reads (UTF-8 with BOM, « ; »), for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(MANAGERS_HEADER)
    for m in managers:
        writer.writerow((m.site, m.manager, m.email))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ---------------------------------------------------------------------- messages


@dataclass(frozen=True)
class Message:
    recipient: str
    recipient_name: str
    kind: str  # DIGEST, EXPIRY or MISSING
    stage: str
    item_keys: tuple[str, ...]  # () for a digest
    subject: str
    body: str

    @property
    def sent_keys(self) -> tuple[SentKey, ...]:
        """The rows of the sent log this message writes."""
        return tuple((self.recipient, self.kind, self.stage, item) for item in (self.item_keys or ("",)))


@dataclass(frozen=True)
class Plan:
    """The messages to send at a date, and what could not be routed."""

    messages: tuple[Message, ...]
    unrouted: tuple[tuple[str, str, int], ...]  # (site, manager, items) with no e-mail in the managers' list
    already_sent: int  # messages' items left out because the sent log has them


def to_email(message: Message, sender: str, *, domain: str | None = None) -> EmailMessage:
    """The message as an e-mail (UTF-8), ready for SMTP or a .eml file."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = (
        formataddr((message.recipient_name, message.recipient)) if message.recipient_name else message.recipient
    )
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain=domain or sender.rpartition("@")[2] or None)
    email["Content-Language"] = "fr"
    email.set_content(message.body, charset="utf-8", cte="quoted-printable")
    return email


def fr_date(value: date | pd.Timestamp) -> str:
    return f"{value:%d/%m/%Y}"


def iso_week(today: date) -> str:
    year, week, _ = today.isocalendar()
    return f"{year}-S{week:02d}"


def page_url(base_url: str, path: str, params: Mapping[str, str] | None = None) -> str:
    query = f"?{urlencode(params, quote_via=quote)}" if params else ""
    return f"{base_url}/{path}{query}"


def expiry_stage(days_left: int | None, thresholds: tuple[int, ...]) -> str | None:
    """The stage an expiry has reached: « overdue » once past, else the smallest threshold not below the days left
    (85 days left with 90/60/30/7 → « 90 »); None when no threshold is reached yet or there is no end."""
    if days_left is None:
        return None
    if days_left < 0:
        return OVERDUE
    reached = [t for t in thresholds if days_left <= t]
    return str(min(reached)) if reached else None


def expiry_stages(days_left: pd.Series, thresholds: tuple[int, ...]) -> pd.Series:
    """expiry_stage over a column (the same rule, applied once per distinct value)."""
    days = pd.to_numeric(days_left, errors="coerce").astype("Int64")
    codes, distinct = pd.factorize(days, use_na_sentinel=True)
    stages = [expiry_stage(int(v), thresholds) for v in distinct] + [None]
    return pd.Series(np.asarray(stages, dtype=object)[codes], index=days_left.index, dtype="object")


DIGEST_CARDS: tuple[tuple[str, str, str, dict[str, str]], ...] = (
    ("to_verify", "Déclarations à vérifier", "verification", {"statut": VERIFICATION_LABELS["to_verify"]}),
    ("carence", "Carences à déclarer", "carence", {}),
    ("internal", "Déclarations internes à faire", "declarations-internes", {}),
    ("expiring_30", "Expirent dans 30 jours", "echeances", {"horizon": "30", "etat": VALIDITY_LABELS["expiring_soon"]}),
    ("expiring_90", "Expirent dans 90 jours", "echeances", {"horizon": "90", "etat": VALIDITY_LABELS["expiring_soon"]}),
    ("expired", "Validités expirées", "echeances", {"etat": VALIDITY_LABELS["expired"]}),
)
"""The dashboard's « À faire » cards: key of DashboardSummary.cards, label, page address, its filters."""


def digest_body(summary: digest.DashboardSummary, *, today: date, base_url: str) -> str:
    lines = [
        "Bonjour,",
        "",
        f"Voici ce que le tableau de bord du Passeport de prévention indique « À faire » au {fr_date(today)} :",
        "",
    ]
    for card, label, path, params in DIGEST_CARDS:
        count, first = summary.cards[card]
        if card == "expired":
            when = " — à renouveler au plus vite" if count else ""
        elif first is None:
            when = ""
        else:
            left = (first.date() - today).days
            relative = "aujourd'hui" if left == 0 else (f"dans {left} j" if left > 0 else f"dépassée de {-left} j")
            when = f" — prochaine échéance le {fr_date(first)} ({relative})"
        lines.append(f"- {label} : {count}{when}")
        lines.append(f"  {page_url(base_url, path, params)}")
    lines += [
        "",
        f"Tableau de bord : {base_url}/",
        "",
        "Ce message est envoyé chaque semaine par le Passeport de prévention ; il ne contient aucun NIR.",
    ]
    return "\n".join(lines) + "\n"


def current_expiries(validities: pd.DataFrame, thresholds: tuple[int, ...]) -> pd.DataFrame:
    """Each present person's latest training of a family whose validity end has reached a stage, with its stage
    and item key (matricule|formation|end: a renewed training, with another end, is a new item)."""
    rows = validities.loc[
        validities["is_latest"].fillna(False).astype(bool)
        & validities["is_active"].fillna(False).astype(bool)
        & validities["effective_validity_end"].notna()
        & validities["matricule"].notna(),
        ["matricule", "person_birth_name", "person_usage_name", "person_first_name", "person_site", "manager",
         "formation", "effective_validity_end", "days_left"],
    ].copy()  # fmt: skip
    rows["stage"] = expiry_stages(rows["days_left"], thresholds)
    rows = rows[rows["stage"].notna()]
    ends = pd.to_datetime(rows["effective_validity_end"]).dt.strftime("%Y-%m-%d")
    rows["item_key"] = rows["matricule"].astype(str) + "|" + rows["formation"].fillna("").astype(str) + "|" + ends
    return rows


def current_missing(missing: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """Each present person's required trainings never had (rows of the « missing_trainings » list with status
    never_trained), one per person and family, with the family's French label (`formation`), the stage « never »
    and the item key matricule|family|never."""
    rows = missing.loc[
        missing["matricule"].notna() & missing["family"].notna(),
        ["matricule", "person_birth_name", "person_usage_name", "person_first_name", "person_site", "manager",
         "family"],
    ].copy()  # fmt: skip
    rows["item_key"] = rows["matricule"].astype(str) + "|" + rows["family"].astype(str) + "|" + NEVER
    rows = rows.drop_duplicates("item_key")
    rows["formation"] = [labels.get(str(f), str(f)) for f in rows["family"]]
    rows["stage"] = NEVER
    return rows


def _person(row: pd.Series) -> str:
    name = row["person_usage_name"] if isinstance(row["person_usage_name"], str) and row["person_usage_name"] else None
    family = name or (row["person_birth_name"] if isinstance(row["person_birth_name"], str) else "")
    first = row["person_first_name"] if isinstance(row["person_first_name"], str) else ""
    shown = " ".join(p for p in (str(family).upper(), first) if p)
    return f"{shown} (matricule {row['matricule']})" if shown else f"matricule {row['matricule']}"


def _stage_order(stage: str) -> int:
    """Overdue first, then the thresholds smallest first, then the required trainings never had."""
    return -1 if stage == OVERDUE else (MAX_THRESHOLD_DAYS + 1 if stage == NEVER else int(stage))


_NO_ITEMS = pd.DataFrame(
    columns=["matricule", "person_birth_name", "person_usage_name", "person_first_name", "person_site", "manager",
             "formation", "stage", "item_key"]
)  # fmt: skip


def _joined(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """The rows of both frames (an empty one left out: pandas warns when concatenating empty frames)."""
    if second.empty:
        return first
    return second if first.empty else pd.concat([first, second], ignore_index=True)


def _routed(
    items: pd.DataFrame, by_key: Mapping[tuple[str, str], SiteManager], kind: str, sent: Collection[SentKey]
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The items with the e-mail and name of the manager of their site (people routed by site and manager):
    those to send now, those no manager's address reaches, and how many the sent log already has."""
    routed = [
        by_key.get((_key(s), _key(m))) if isinstance(s, str) and isinstance(m, str) else None
        for s, m in zip(items["person_site"], items["manager"], strict=True)
    ]
    items = items.copy()
    items["email"] = [m.email if m else None for m in routed]
    items["manager_name"] = [m.manager if m else None for m in routed]
    lost = items[items["email"].isna()]
    items = items[items["email"].notna()]
    done = [(e, kind, s, k) in sent for e, s, k in zip(items["email"], items["stage"], items["item_key"], strict=True)]
    return items[~np.asarray(done, dtype=bool)], lost, int(sum(done))


def expiry_subject(stage: str, count: int) -> str:
    """The subject line (no parentheses: mail clients drop the space before an encoded word that follows one)."""
    s = "s" if count > 1 else ""
    if stage == OVERDUE:
        return f"{SUBJECT_PREFIX} — {count} formation{s} expirée{s} dans votre équipe"
    return f"{SUBJECT_PREFIX} — {count} formation{s} expirant dans {stage} jours ou moins"


def missing_subject(count: int) -> str:
    s = "s" if count > 1 else ""
    return f"{SUBJECT_PREFIX} — {count} formation{s} requise{s} jamais suivie{s} dans votre équipe"


def missing_body(names: list[str], items: pd.DataFrame, *, today: date, base_url: str) -> str:
    hello = f"Bonjour {', '.join(names)}," if names else "Bonjour,"
    lines = [
        hello,
        "",
        f"Au {fr_date(today)}, vos collaborateurs suivants n'ont jamais suivi une formation que l'entreprise requiert "
        "pour leur poste, leur service ou leur site (jamais formé) :",
    ]
    for site, group in items.groupby("person_site", sort=True, dropna=False):
        site_name = site if isinstance(site, str) and site else "site non renseigné"
        lines += ["", f"Site {site_name} :"]
        for _, row in group.sort_values(["formation", "matricule"]).iterrows():
            lines.append(f"- {_person(row)} — {row['formation']} — jamais formé")
            lines.append(f"  {page_url(base_url, 'salarie', {'matricule': str(row['matricule'])})}")
    lines += [
        "",
        "Pensez à inscrire ces collaborateurs à une session avec le service RH.",
        "",
        "Ce message est envoyé une seule fois pour chaque formation manquante ; il ne contient aucun NIR.",
    ]
    return "\n".join(lines) + "\n"


def expiry_body(names: list[str], stage: str, items: pd.DataFrame, *, today: date, base_url: str) -> str:
    hello = f"Bonjour {', '.join(names)}," if names else "Bonjour,"
    if stage == OVERDUE:
        intro = f"La validité des formations suivantes de vos collaborateurs est dépassée au {fr_date(today)} :"
    else:
        intro = (
            f"Les formations suivantes de vos collaborateurs expirent dans {stage} jours ou moins "
            f"(au {fr_date(today)}) :"
        )
    lines = [hello, "", intro]
    for site, group in items.groupby("person_site", sort=True, dropna=False):
        site_name = site if isinstance(site, str) and site else "site non renseigné"
        lines += ["", f"Site {site_name} :"]
        for _, row in group.sort_values(["effective_validity_end", "matricule"]).iterrows():
            left = int(row["days_left"])
            when = (
                f"expirée depuis {-left} j" if left < 0 else ("expire aujourd'hui" if left == 0 else f"dans {left} j")
            )
            lines.append(
                f"- {_person(row)} — {row['formation']} — fin de validité le "
                f"{fr_date(pd.Timestamp(row['effective_validity_end']))} ({when})"
            )
            lines.append(f"  {page_url(base_url, 'salarie', {'matricule': str(row['matricule'])})}")
        if isinstance(site, str) and site:
            lines.append(f"  Toutes les échéances du site : {page_url(base_url, 'echeances', {'site': site})}")
    lines += [
        "",
        "Pensez à programmer le renouvellement de ces formations avec le service RH.",
        "",
        "Ce message est envoyé une seule fois pour chaque seuil ; il ne contient aucun NIR.",
    ]
    return "\n".join(lines) + "\n"


def plan_messages(
    summary: digest.DashboardSummary,
    validities: pd.DataFrame,
    *,
    today: date,
    settings: ReminderSettings,
    managers: Iterable[SiteManager],
    sent: frozenset[SentKey] | set[SentKey],
    missing: pd.DataFrame | None = None,
    family_labels: Mapping[str, str] | None = None,
) -> Plan:
    """The messages due at `today` that the sent log does not hold yet: the week's digest to each HR address,
    to each manager's address one message per stage with the items newly at that stage, and one message with
    the required trainings (rows of `missing`, see current_missing) their people never had and that they have not
    been told of yet."""
    messages: list[Message] = []
    already = 0
    week = iso_week(today)
    if settings.hr_emails:
        body = digest_body(summary, today=today, base_url=settings.base_url)
        subject = (
            f"{SUBJECT_PREFIX} — à faire cette semaine, semaine {today.isocalendar()[1]} de {today.isocalendar()[0]}"
        )
        for email in settings.hr_emails:
            message = Message(email, "", DIGEST, week, (), subject, body)
            if message.sent_keys[0] in sent:
                already += 1
            else:
                messages.append(message)
    by_key: dict[tuple[str, str], SiteManager] = {(_key(m.site), _key(m.manager)): m for m in managers}
    expiries, lost_expiries, done = _routed(current_expiries(validities, settings.thresholds), by_key, EXPIRY, sent)
    already += done
    never = current_missing(missing, family_labels or {}) if missing is not None else _NO_ITEMS
    never, lost_never, done = _routed(never, by_key, MISSING, sent)
    already += done
    lost = _joined(lost_expiries, lost_never)
    unrouted = tuple(
        (str(site) if isinstance(site, str) else "", str(manager) if isinstance(manager, str) else "", len(group))
        for (site, manager), group in lost.groupby(["person_site", "manager"], dropna=False, sort=True)
    )
    groups = sorted(
        ((str(key[0]), str(key[1]), items) for key, items in _joined(expiries, never).groupby(
            ["email", "stage"], sort=False)),
        key=lambda g: (g[0].lower(), _stage_order(g[1])),
    )  # fmt: skip
    for email, stage, items in groups:
        names = sorted({str(n) for n in items["manager_name"]})
        is_missing = stage == NEVER
        messages.append(
            Message(
                recipient=str(email),
                recipient_name=", ".join(names),
                kind=MISSING if is_missing else EXPIRY,
                stage=str(stage),
                item_keys=tuple(sorted(items["item_key"])),
                subject=missing_subject(len(items)) if is_missing else expiry_subject(str(stage), len(items)),
                body=(
                    missing_body(names, items, today=today, base_url=settings.base_url)
                    if is_missing
                    else expiry_body(names, str(stage), items, today=today, base_url=settings.base_url)
                ),
            )
        )
    return Plan(tuple(messages), unrouted, already)


def eml_name(index: int, message: Message) -> str:
    """A file name for a message written by --dry-run (no NIR, no accents, sortable)."""
    who = re.sub(r"[^A-Za-z0-9._-]+", "_", message.recipient)[:60]
    return f"{index:03d}_{message.kind}_{message.stage}_{who}.eml"
