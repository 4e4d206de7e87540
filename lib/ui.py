"""The only lib module that imports Streamlit: the cached store, cached queries and shared widgets."""

from __future__ import annotations

import functools
import html
import logging
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal
from urllib.parse import quote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import streamlit as st

from lib import access, digest, refresh, report, settings, spreadsheet
from lib.identifiers import mask_nir
from lib.matching import normalized_text
from lib.rules import USER_SETTING_CERTAINTY as USER_SETTING
from lib.rules import RuleSet, compute_deadlines, explanations_against, load_rule_set
from lib.store import ExportBatch, Store, StoreError, default_db_path
from lib.store import current_user as current_os_user

_LOG = logging.getLogger(__name__)


@st.cache_resource
def _store(path: str, user: str) -> Store:
    return Store(path, user=user)


@st.cache_resource
def _reader(path: str) -> Store:
    return Store(path, user="lecture")


def read_store() -> Store:
    """The store for reading (no person needed): what cached queries and the warm-up thread use."""
    return _reader(str(default_db_path()))


def get_store() -> Store:
    """The store, recording the signed-in person (or the machine's user in local mode) in the audit."""
    user = st.session_state.get("user")
    return _store(str(default_db_path()), user.name if isinstance(user, access.User) else current_os_user())


# ---------------------------------------------------------------------------------------------- access


def _secrets() -> dict[str, Any]:
    try:
        return {key: st.secrets[key] for key in st.secrets}
    except Exception:  # noqa: BLE001 - no secrets.toml: local mode
        return {}


def _configured_users() -> dict[str, tuple[str, access.Role]] | None:
    """The accounts of secrets.toml; None when the configuration is malformed (then nobody gets in)."""
    try:
        return access.local_users(_secrets())
    except access.AccessConfigError:
        return None


def logins_configured() -> bool:
    """Whether people must sign in: accounts or OIDC in secrets.toml (a malformed configuration counts: deny)."""
    users = _configured_users()
    return users is None or bool(users) or "auth" in _secrets()


def signed_in_user() -> access.User | None:
    """Who uses the dashboard: the machine's user in local mode, the signed-in person, else None. Draws nothing."""
    if not logins_configured():
        return access.User(current_os_user(), "admin")
    known = st.session_state.get("user")
    if isinstance(known, access.User):
        return known
    secrets_ = _secrets()
    if _configured_users() == {} and "auth" in secrets_ and st.user.is_logged_in:
        role = access.oidc_role(secrets_, str(st.user.get("email") or ""))
        if role is not None:
            user = access.User(str(st.user.get("email")), role)
            st.session_state["user"] = user
            return user
    return None


@st.cache_resource
def _login_throttle() -> access.LoginThrottle:
    """One throttle per server process, shared by every session: failures count across tabs and browsers."""
    return access.LoginThrottle()


def _client_key() -> str:
    """What identifies the client for the throttle: its address, else the proxy's X-Forwarded-For, else the session."""
    address = st.context.ip_address
    ip = address[:64] if isinstance(address, str) else ""
    if not ip:
        # Only a connection from this machine has no address: a local reverse proxy, which appends the real one.
        forwarded = st.context.headers.get("X-Forwarded-For")
        ip = forwarded.split(",")[-1].strip()[:64] if isinstance(forwarded, str) else ""
    if ip:
        return f"adresse {ip}"
    session = st.session_state.setdefault("_login_session", secrets.token_hex(6))
    return f"session {session}"


def _journal_text(text: str, limit: int = 80) -> str:
    cleaned = "".join(c if c.isprintable() else " " for c in text.strip())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _record_login_events(login: str, client: str, locks: list[access.LockEvent]) -> None:
    """The failure, and any lock it set, in the Journal (who: the client; the attempted login in the detail)."""
    account = _journal_text(access.LoginThrottle.account_key(login)) or "(vide)"
    try:
        store = _store(str(default_db_path()), "connexion")
        store.record_action("login", [account], "failed", reason=f"compte « {account} »", who=client)
        for lock in locks:
            minutes = round(lock.until_seconds / 60)
            what = f"compte « {account} »" if lock.kind == "compte" else _journal_text(lock.key)
            store.record_action("login", [account], "locked", reason=f"{what} bloqué {minutes} min", who=client)
    except StoreError as error:
        _LOG.warning("échec de connexion non inscrit au journal : %s", error)


def login_form() -> None:
    """The login page: the only thing a session without a signed-in person ever sees when logins are configured."""
    st.title("Passeport de prévention")
    secrets_ = _secrets()
    try:
        users = access.local_users(secrets_)
    except access.AccessConfigError as error:
        st.error(f"Connexion mal configurée : {md_text(error)}", icon=":material/error:")
        return
    if "auth" in secrets_ and not users:
        if not st.user.is_logged_in:
            st.button("Se connecter", on_click=st.login, type="primary")
            return
        st.error("Votre compte n'a pas accès à ce tableau de bord : demandez un rôle à l'administrateur.")
        st.button("Se déconnecter", on_click=st.logout)
        return
    with st.form("login"):
        st.subheader("Connexion")
        login = st.text_input("Identifiant", max_chars=access.MAX_LOGIN_LENGTH)
        password = st.text_input("Mot de passe", type="password", max_chars=1000)
        submitted = st.form_submit_button("Se connecter", type="primary")
    if not submitted:
        return
    throttle, client = _login_throttle(), _client_key()
    verdict = throttle.check(login, client)
    if not verdict.allowed:
        st.error(verdict.message, icon=":material/lock:")
        return
    found = access.authenticate(users, login, password)
    if found is None:
        _record_login_events(login, client, throttle.failed(login, client))
        st.error("Identifiant ou mot de passe incorrect.", icon=":material/error:")
        after = throttle.check(login, client)
        if not after.allowed:
            st.warning(after.message, icon=":material/lock:")
        return
    throttle.succeeded(login)
    st.session_state["user"] = found
    st.rerun()


def sidebar_identity(user: access.User) -> None:
    with st.sidebar:
        if not logins_configured():
            st.caption(
                "Mode local : le tableau de bord n'écoute que sur ce poste (localhost). "
                "Pour le partager, configurez une connexion (voir le README)."
            )
            return
        st.caption(f"Connecté : **{md_text(user.name)}** ({access.ROLE_LABELS[user.role]})")
        if st.button("Se déconnecter", key="logout"):
            st.session_state.pop("user", None)
            if "auth" in _secrets() and st.user.is_logged_in:
                st.logout()
            st.rerun()


def can(right: access.Right) -> bool:
    """Whether the person may do this: everything in local mode, their role's rights, nothing for nobody."""
    user = signed_in_user()
    return user is not None and user.can(right)


def require(right: access.Right) -> None:
    """A page's first line: stops the page, with a French message, unless the person has this right."""
    user = signed_in_user()
    if user is None:
        st.warning("Connectez-vous pour accéder à cette page.", icon=":material/lock:")
        st.stop()
    if not user.can(right):
        st.warning(
            f"Votre rôle ne permet pas de {access.RIGHT_LABELS[right]}. Demandez à un administrateur.",
            icon=":material/lock:",
        )
        st.stop()


require_right = require


# ---------------------------------------------------------------------------------------------- safe display

_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation: CommonMark lets all be escaped
_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
# GFM turns http://…, www.… and e-mail addresses into links after escapes are resolved: an invisible word joiner
# inside each one keeps it text.
_AUTOLINKS = re.compile(r"(?i)(?<=http)(?=s?:)|(?<=ftp)(?=:)|(?<=mailto)(?=:)|(?<=xmpp)(?=:)|(?<=www)(?=\.)|(?=@)")
WORD_JOINER = "\u2060"


def md_text(value: Any) -> str:
    """A value from a file as literal text inside Markdown (st.markdown, captions, labels, messages).

    Every ASCII punctuation is backslash-escaped, so `![x](http://…)` stays text and fetches nothing, and
    `**`, `:red[…]`, `$…$`, links and HTML are shown as typed; line breaks become spaces (no new block); an
    invisible word joiner keeps web and e-mail addresses from becoming links.
    """
    text = _AUTOLINKS.sub(WORD_JOINER, _LINE_BREAKS.sub(" ", "" if value is None else str(value)))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def chart_text(value: Any) -> Any:
    """A value from a file as literal text in a Plotly label, tick, legend or hover (Plotly reads <a>, <span>…)."""
    return html.escape(value, quote=False) if isinstance(value, str) else value


def chart_texts(values: pd.Series) -> pd.Series:
    """chart_text over a column (missing values stay missing)."""
    return values.map(chart_text, na_action="ignore")


def data_version() -> str:
    """A token that changes with every import or action, so cached queries are invalidated."""
    path = default_db_path()
    if not path.exists():
        return "absent"
    stat = path.stat()
    return f"{stat.st_mtime_ns}-{stat.st_size}"


@st.cache_data(show_spinner=False)
def _cached_query(name: str, params: tuple[tuple[str, Any], ...], version: str) -> pd.DataFrame:
    return get_store().query(name, dict(params))


def query(name: str, **params: Any) -> pd.DataFrame:
    """A named query of lib/sql, cached until the store changes."""
    return _cached_query(name, tuple(sorted(params.items())), data_version())


def fr_date(value: date | datetime | pd.Timestamp | None) -> str:
    """A date as French users write it (jj/mm/aaaa); empty for a missing date."""
    if value is None or pd.isna(value):
        return ""
    return value.strftime("%d/%m/%Y")


def masked(frame: pd.DataFrame, column: str = "nir") -> pd.DataFrame:
    """A copy with the NIR column masked (the interface never shows a full NIR)."""
    if column in frame.columns:
        frame = frame.copy()
        frame[column] = [mask_nir(v) if isinstance(v, str) else "" for v in frame[column]]
    return frame


def show_store_error(error: StoreError) -> None:
    st.error(md_text(str(error)), icon="⚠️")


def mask_value(column: str | None, value: str | None) -> str:
    """A value from an error report, masked when it comes from a NIR column."""
    if value is None:
        return ""
    words = normalized_text(column).split()
    if "nir" in words or "ss" in words or "securite" in words:
        return mask_nir(value)
    return value


@dataclass(frozen=True)
class SettingsSnapshot:
    """The store's settings as read once per change of the store (a settings.SettingsSource)."""

    values: dict[str, str]

    def get_setting(self, key: str) -> str | None:
        return self.values.get(key)


@st.cache_data(show_spinner=False)
def _cached_settings(version: str) -> dict[str, str]:
    store = read_store()
    return store.settings() if store.path.exists() else {}


def stored_settings() -> SettingsSnapshot:
    """The settings, read once per data version: a page run opens no connection to ask for each of them."""
    return SettingsSnapshot(_cached_settings(data_version()))


def today() -> date:
    """The day the dashboard computes statuses for: today, unless a reference date is set in the settings."""
    raw = stored_settings().get_setting("reference_date")
    return date.fromisoformat(raw) if raw else date.today()


WORKFLOW_QUERIES = (
    "of_declarations", "expected_trainings", "internal_trainings", "validities", "of_scorecard", "correction_requests",
)  # fmt: skip


PERSON_COLUMNS = ("person_birth_name", "person_usage_name", "person_first_name", "matricule")
"""Who a row is about: what person_names, the employee link and the « Salarié » search read."""
SEARCH_COLUMNS: dict[str, tuple[str, ...]] = {
    "of_declarations": ("nom_titulaire", "matricule", "id_declaration", "id_unique_partenaire"),
    "expected_trainings": PERSON_COLUMNS,
    "internal_trainings": PERSON_COLUMNS,
    "validities": PERSON_COLUMNS,
}
"""What the « Salarié » search box of each list looks in (names, matricule, declaration identifiers)."""


_LAST_FRAMES: dict[tuple[date, str], dict[str, pd.DataFrame]] = {}
"""The frames last computed, by (day, Store.base_fingerprint()): what a verification decision leaves alone."""
_LAST_FRAMES_LOCK = threading.Lock()


@st.cache_resource(show_spinner=False, max_entries=1)  # a million-line store takes gigabytes per entry
def _cached_workflows(today_: date, version: str) -> dict[str, pd.DataFrame]:
    """Every workflow frame at `today_`.

    After a verification decision (same base fingerprint: nothing else changed), the frames are not computed
    again: the decided lines are updated in place (lib/refresh.py), in a fraction of a second on a million
    lines instead of seconds.
    """
    store = read_store()
    prefs = settings.preferences(stored_settings())
    base = (today_, store.base_fingerprint())
    with _LAST_FRAMES_LOCK:
        previous = _LAST_FRAMES.get(base)
    frames = _after_decisions(store, previous, today_) if previous is not None else None
    if frames is None:
        frames = store.workflows(
            WORKFLOW_QUERIES,
            rules=settings.active_rules(stored_settings()),
            today=today_,
            tolerance_days=prefs.tolerance_days,
            horizon_days=prefs.horizon_days,
        )
    with _LAST_FRAMES_LOCK:
        _LAST_FRAMES.clear()
        _LAST_FRAMES[base] = frames
        kept = {id(frame) for frame in frames.values()}
        for name, (frame, _) in list(_INDEXES.items()):
            if id(frame) not in kept:
                _INDEXES.pop(name, None)  # an index of frames gone would keep them in memory
    return frames


def _after_decisions(store: Store, previous: dict[str, pd.DataFrame], today_: date) -> dict[str, pd.DataFrame] | None:
    """The previous frames with the decisions of the store applied (None: compute everything again)."""
    try:
        lines = refresh.updated_lines(previous["of_declarations"], store.last_decisions(), today_)
        organismes = store.sql("SELECT name, siret FROM organismes")
        requests = refresh.correction_requests(lines, organismes, previous["correction_requests"])
        card = refresh.scorecard(previous["of_scorecard"], lines)
        expected = previous["expected_trainings"]
        if refresh.corrections_changed(previous["of_declarations"], lines):
            # A correction asked (or undone) on a matched line moves its training on the correction path.
            prefs = settings.preferences(stored_settings())
            expected = store.workflows(
                ("expected_trainings",),
                rules=settings.active_rules(stored_settings()),
                today=today_,
                tolerance_days=prefs.tolerance_days,
                horizon_days=prefs.horizon_days,
            )["expected_trainings"]
    except (KeyError, ValueError, TypeError):  # a frame not as expected: the full computation is the answer
        _LOG.warning("mise à jour après décision impossible, calcul complet", exc_info=True)
        return None
    return {
        **previous,
        "of_declarations": lines,
        "correction_requests": requests,
        "of_scorecard": card,
        "expected_trainings": expected,
    }


_INDEXES: dict[str, tuple[pd.DataFrame, pa.Array | pa.ChunkedArray]] = {}
"""The last search index of each workflow, with its frame: reused while the frame is the same object."""


@st.cache_resource(show_spinner=False, max_entries=8)
def _cached_search_index(name: str, today_: date, version: str) -> pa.Array | pa.ChunkedArray:
    frame = _cached_workflows(today_, version)[name]
    last = _INDEXES.get(name)
    if last is not None and last[0] is frame:  # a frame a verification decision left alone
        return last[1]
    index = search_index(frame, SEARCH_COLUMNS[name])
    with _LAST_FRAMES_LOCK:
        _INDEXES[name] = (frame, index)
    return index


def workflow(name: str) -> pd.DataFrame:
    """A workflow query of WORKFLOW_QUERIES at today(); all are computed together once per change of the store.

    The frames are shared across sessions (cache_resource, no pickling): each caller gets a shallow copy, which
    pandas' copy-on-write keeps from ever changing the shared one.
    """
    version = data_version()
    counts = _cached_counts(version)
    sizes = (
        f"{fr_number(counts.get('of_lines', 0))} déclarations d'OF et "
        f"{fr_number(counts.get('training_records', 0))} formations"
    )
    # Shown only when the computation takes a while (after an import, about 12 s for a million lines).
    with st.spinner(f"Calcul des échéances de {sizes}…"):
        frames = _cached_workflows(today(), version)
    return frames[name].copy(deep=False)


WARM_UP_SECONDS = 5.0


class _WarmUp:
    """A background thread that computes the workflows (and the search indexes) as soon as the store changes
    or the day turns, so that HR opening a page after a night import finds them ready.

    Off when PASSEPORT_WARMUP=0 (the tests); errors are left to the page that will show them in French.
    """

    def __init__(self) -> None:
        self.ready: tuple[date, str] | None = None
        self._stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="passeport-warmup", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self.thread.join()

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                version = data_version()
                day = today()
                if version != "absent" and (day, version) != self.ready and has_data():
                    for name in SEARCH_COLUMNS:
                        _cached_search_index(name, day, version)
                    _cached_people(version, day)
                    for asked in list(_CHOICES_ASKED):
                        _cached_choices(*asked, day, version)
                    self.ready = (day, version)
            except Exception:  # noqa: BLE001 - the page run will meet the same error and explain it
                _LOG.debug("warm-up failed", exc_info=True)
            self._stopped.wait(WARM_UP_SECONDS)


@st.cache_resource
def _warm_up() -> _WarmUp:
    return _WarmUp()


def start_warm_up() -> None:
    """Start the warm-up thread once per server (see _WarmUp), unless PASSEPORT_WARMUP=0."""
    if os.environ.get("PASSEPORT_WARMUP", "1") != "0":
        _warm_up()


_EXPLAINED = {
    "reference_date": "Date de référence",
    "quarter_end": "Fin du trimestre",
    "of_deadline": "Échéance de l'organisme",
    "verification_deadline": "Échéance de vérification",
    "deemed_verified_on": "Réputée vérifiée le",
    "internal_deadline": "Échéance de déclaration interne",
    "carence_opens_on": "Ouverture de la carence",
    "carence_deadline": "Fin de la carence",
    "of_mandatory": "Déclaration de l'OF",
    "internal_mandatory": "Déclaration interne",
    "rule_set": "Règles",
}


def deadline_explanation(record: pd.Series) -> str:
    """How each deadline of one training record was reached: rule, numbers and source (Markdown list)."""

    def day(value: Any) -> date | None:
        return None if value is None or pd.isna(value) else pd.Timestamp(value).date()

    category = record.get("category")
    other_rules = load_rule_set(settings.comparison_rule_set_name(stored_settings()))
    computed = [
        compute_deadlines(
            rule_set,
            str(record["proof_kind"]),  # type: ignore[arg-type]
            training_end=day(record["end_date"]),
            validity_start=day(record.get("validity_start")) or day(record["end_date"]),
            category=None if category is None or pd.isna(category) else int(category),
        )
        for rule_set in (active_rules(), other_rules)
    ]
    # Both dates when they differ: the one in force, then the other rule set's (rules.md §3b).
    explanations = explanations_against(computed[0], computed[1], other_rules)
    return "\n".join(f"- **{label}** — {explanations[key]}" for key, label in _EXPLAINED.items() if key in explanations)


def rule_set_banner() -> None:
    """On every page: which rule set computes the dates, when it is less certain than the official text."""
    if not default_db_path().exists():
        rule_set = load_rule_set(settings.active_rule_set_name(None))
    else:
        rule_set = active_rules()
    if rule_set.is_official:
        return
    changed = [RULE_PARAMETER_LABELS.get(k, k) for k, s in rule_set.sources.items() if s.certainty == USER_SETTING]
    text = f"Échéances calculées selon **{rule_set.title}** — certitude : *{rule_set.certainty}*."
    if rule_set.other_readings or rule_set.internal_windows:
        text += (
            " Où deux déclarations officielles divergent, la plus tardive est retenue ; l'autre lecture est "
            "donnée dans l'explication des dates, et Paramètres liste les lignes qu'un autre jeu de règles changerait."
        )
    if changed:
        text += f" Dates modifiées dans vos réglages : {', '.join(changed)}."
    st.warning(text, icon=":material/gavel:")


@st.cache_data(show_spinner="Comparaison des jeux de règles…")
def _cached_rule_set_differences(other_name: str, today_: date, version: str) -> pd.DataFrame:
    prefs = settings.preferences(stored_settings())
    return read_store().rule_set_differences(
        active_rules(),
        load_rule_set(other_name),
        today=today_,
        tolerance_days=prefs.tolerance_days,
        horizon_days=prefs.horizon_days,
    )


# Above this many OF lines and training records, Paramètres compares the rule sets only when asked (the
# comparison computes the three lists twice).
COMPARE_AT_ONCE_UP_TO = 100_000


def compares_at_once() -> bool:
    """Whether the store is small enough for Paramètres to compare the rule sets on opening."""
    counts = _cached_counts(data_version())
    return counts.get("of_lines", 0) + counts.get("training_records", 0) <= COMPARE_AT_ONCE_UP_TO


def rule_set_differences(other_name: str) -> pd.DataFrame:
    """Store.rule_set_differences against `other_name`, once per change of the store (NIRs come masked)."""
    return _cached_rule_set_differences(other_name, today(), data_version())


def active_rules() -> RuleSet:
    return settings.active_rules(stored_settings())


# ---------------------------------------------------------------------------------------------- data helpers

EMPLOYEE_PAGE = "views/salarie.py"
EMPLOYEE_URL_PATH = "salarie"
IMPORT_PAGE = "views/import.py"
DATE_FORMAT = "DD/MM/YYYY"
EXCEL_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EMPTY_STORE_MESSAGE = (
    "Aucune donnée pour l'instant : importez vos fichiers (déclarations des OF, formations, salariés)."
)


def clear_caches() -> None:
    """Forget every cached query after a write (import, action, setting), so the next run reads the store.

    _LAST_FRAMES and _INDEXES stay: they are reused only for the same base fingerprint, or the same frame.
    """
    st.cache_data.clear()
    _cached_workflows.clear()
    _cached_search_index.clear()
    _cached_choices.clear()
    _cached_people.clear()
    _shared_sql.clear()
    _roster_by_nir.clear()


@st.cache_data(show_spinner=False)
def _cached_counts(version: str) -> dict[str, int]:
    store = read_store()
    return store.counts() if store.path.exists() else {}


def refresh_lists() -> None:
    """Compute the lists now, after an import (the person who imported waits here, with a message), so every
    page opens at once afterwards; the warm-up thread then builds the search indexes."""
    if has_data():
        workflow("of_declarations")


@st.cache_data(show_spinner="Recherche des salariés partis…")
def _cached_purge_candidates(months: int, today_: date, version: str) -> pd.DataFrame:
    prefs = settings.preferences(stored_settings())
    return read_store().purge_candidates(
        months=months, rules=active_rules(), today=today_, tolerance_days=prefs.tolerance_days
    )


def purge_candidates(months: int) -> pd.DataFrame:
    """Store.purge_candidates, once per change of the store (it computes every status)."""
    return _cached_purge_candidates(months, today(), data_version())


@st.cache_data(show_spinner=False)
def _cached_recommended_validities(version: str) -> pd.DataFrame:
    return read_store().recommended_validities()


def recommended_validities() -> pd.DataFrame:
    """Store.recommended_validities, once per change of the store."""
    return _cached_recommended_validities(data_version())


def has_data() -> bool:
    """Whether anything was imported: no page computes statuses over an empty store."""
    counts = _cached_counts(data_version())
    return sum(counts.get(table, 0) for table in ("of_lines", "training_records", "employees")) > 0


def require_data() -> None:
    """Stop the page with a friendly invitation to import when the store is empty."""
    if not has_data():
        st.info(EMPTY_STORE_MESSAGE, icon="📥")
        st.page_link(IMPORT_PAGE, label="Importer des fichiers", icon=":material/upload_file:")
        st.stop()


@st.cache_resource(show_spinner=False, max_entries=16)
def _shared_sql(sql: str, version: str) -> pd.DataFrame:
    return read_store().sql(sql)


def _cached_sql(sql: str, version: str) -> pd.DataFrame:
    """A query's frame, read once per data version and shared (each caller gets its own shallow copy)."""
    return _shared_sql(sql, version).copy(deep=False)


def employees() -> pd.DataFrame:
    """The employee roster (with raw NIR: mask it before display)."""
    return _cached_sql(
        "SELECT matricule, nir, birth_name, usage_name, first_name, establishment_siret, site, service, manager, "
        "entry_date, exit_date FROM employees ORDER BY birth_name, first_name, matricule",
        data_version(),
    )


def establishments() -> pd.DataFrame:
    """The employer's establishments: siret, name, site."""
    return _cached_sql("SELECT siret, name, site FROM establishments ORDER BY siret", data_version())


def full_name(birth_name: Any, first_name: Any, usage_name: Any = None) -> str:
    """« NOM Prénom », with the usage name in brackets when it differs."""
    parts = [str(birth_name).upper() if isinstance(birth_name, str) else ""]
    if isinstance(first_name, str) and first_name:
        parts.append(first_name)
    name = " ".join(p for p in parts if p)
    if isinstance(usage_name, str) and usage_name and usage_name.upper() != parts[0]:
        name += f" ({usage_name.upper()})"
    return name


def person_names(frame: pd.DataFrame, prefix: str = "person_") -> pd.Series:
    """The « NOM Prénom » of every row of a workflow frame (person_birth_name, person_first_name…)."""
    if frame.empty:
        return pd.Series([], dtype="object", index=frame.index)
    return pd.Series(
        [
            full_name(b, f, u)
            for b, f, u in zip(
                frame[f"{prefix}birth_name"], frame[f"{prefix}first_name"], frame[f"{prefix}usage_name"], strict=True
            )
        ],
        index=frame.index,
        dtype="object",
    )


PEOPLE_LIST_LIMIT = 2_000
"""Up to this many people, the Salarié page lists them all; beyond, it asks for a search first."""
PEOPLE_MATCHES = 200


@st.cache_resource(show_spinner=False, max_entries=2)
def _cached_people(version: str, today_: date) -> tuple[dict[str, str], pa.Array | pa.ChunkedArray]:
    validities = _cached_workflows(today_, version)["validities"]
    roster = employees()
    people = pd.concat(
        [
            roster[["matricule", "birth_name", "first_name", "usage_name"]],
            pd.DataFrame(
                {
                    "matricule": validities["matricule"],
                    "birth_name": validities["person_birth_name"],
                    "first_name": validities["person_first_name"],
                    "usage_name": validities["person_usage_name"],
                }
            ),
        ],
        ignore_index=True,
    ).dropna(subset=["matricule"])
    people = people.drop_duplicates("matricule").sort_values(["birth_name", "first_name", "matricule"])
    labels = {
        m: f"{full_name(b, f, u)} — {m}"
        for m, b, f, u in people[["matricule", "birth_name", "first_name", "usage_name"]].itertuples(index=False)
    }
    return labels, _normalized_column(pd.Series(list(labels.values()), dtype="str"))


def people_labels() -> dict[str, str]:
    """Every known person (roster, then HR records), matricule → « NOM Prénom — matricule », sorted by name."""
    return _cached_people(data_version(), today())[0]


def people_matching(text: str) -> list[str]:
    """The matricules of the first PEOPLE_MATCHES people whose name or matricule holds every word typed."""
    labels, index = _cached_people(data_version(), today())
    positions = np.flatnonzero(words_found(index, text))
    words = normalized_text(text).split()
    matricules = list(labels)
    # Whole-word matches first (« martin jean » before « MARTINEAU Jeanne »), then the name order.
    found = [matricules[i] for i in positions[: PEOPLE_MATCHES * 10]]
    ranked = sorted(found, key=lambda m: not set(words) <= set(normalized_text(labels[m]).split()))
    return ranked[:PEOPLE_MATCHES]


def employee_url(matricule: Any) -> str | None:
    """The link to one employee's passport (page « Salarié »), relative so it works behind a URL prefix."""
    if not isinstance(matricule, str) or not matricule:
        return None
    return f"{EMPLOYEE_URL_PATH}?matricule={quote(matricule)}"


def employee_links(matricules: pd.Series) -> pd.Series:
    return pd.Series([employee_url(m) for m in matricules], index=matricules.index, dtype="object")


def masked_nirs(values: pd.Series) -> pd.Series:
    """A column of NIRs, masked for display."""
    return pd.Series([mask_nir(v) if isinstance(v, str) else "" for v in values], index=values.index, dtype="object")


as_day = report.as_day


def date_column(label: str, help: str | None = None) -> Any:
    return st.column_config.DateColumn(label, format=DATE_FORMAT, help=help)


def days_column(label: str = "Jours restants", help: str | None = None) -> Any:
    return st.column_config.NumberColumn(label, format="%d j", help=help)


def link_column(label: str = "Matricule", help: str | None = "Ouvrir le passeport du salarié") -> Any:
    return st.column_config.LinkColumn(label, display_text=r"matricule=([^&]+)", help=help)


MAX_TABLE_ROWS = 1_000
"""Lines drawn in a list: beyond, HR filters or downloads (a thousand lines reach the browser in a blink)."""


def fr_number(value: int) -> str:
    """An integer the French way: 1 004 000 (narrow no-break spaces, so a number never breaks across lines)."""
    return f"{value:,}".replace(",", "\u202f")


def _cap_caption(max_rows: int, total: int) -> None:
    shown_rows, everything = fr_number(max_rows), fr_number(total)
    st.caption(
        f"Affichage des {shown_rows} premières lignes sur {everything} : affinez les filtres, ou téléchargez "
        "la liste complète."
    )


def capped(frame: pd.DataFrame, max_rows: int = MAX_TABLE_ROWS) -> pd.DataFrame:
    """The first `max_rows` lines of a list about to be shown, saying so when there are more.

    Call it before building per-line display columns: a million-line list is filtered, never drawn.
    """
    if len(frame) <= max_rows:
        return frame
    _cap_caption(max_rows, len(frame))
    return frame.head(max_rows)


@dataclass(frozen=True)
class Picked:
    """The rows of a list that pass the filters: how many, the first ones to show, and all of them on demand."""

    source: pd.DataFrame
    positions: np.ndarray
    rows: pd.DataFrame

    @property
    def total(self) -> int:
        return len(self.positions)

    def say_if_capped(self) -> None:
        """The « first lines only » caption, for a page that printed its count first (pick(say_capped=False))."""
        if self.total > len(self.rows):
            _cap_caption(len(self.rows), self.total)

    def all(self) -> pd.DataFrame:
        """Every matching row (for a download: built only when asked for)."""
        return self.source.iloc[self.positions].reset_index(drop=True)


def _as_flags(mask: pd.Series | np.ndarray | bool, length: int) -> np.ndarray:
    if isinstance(mask, pd.Series):
        return mask.to_numpy(dtype=bool, na_value=False)
    return np.broadcast_to(np.asarray(mask, dtype=bool), (length,))


def pick(
    frame: pd.DataFrame,
    mask: pd.Series | np.ndarray | bool = True,
    *,
    sort_by: Sequence[str] = (),
    ascending: bool | Sequence[bool] = True,
    max_rows: int = MAX_TABLE_ROWS,
    say_capped: bool = True,
    columns: Sequence[str] | None = None,
) -> Picked:
    """The rows where `mask` holds (optionally sorted), capped at `max_rows` for display (with a caption saying
    so, unless `say_capped` is false).

    Only positions are filtered and sorted: the wide rows are copied for the few lines shown, so a filter
    over a million lines costs a few milliseconds. `columns` limits the rows to the columns the page uses
    (each column taken costs a little, whatever the number of rows).
    """
    positions = np.flatnonzero(_as_flags(mask, len(frame)))
    if sort_by and len(positions) > 1:
        keys = frame[list(sort_by)].iloc[positions].reset_index(drop=True)
        order = keys.sort_values(list(sort_by), ascending=ascending, na_position="last", kind="stable").index
        positions = positions[order.to_numpy()]
    if len(positions) > max_rows and say_capped:
        _cap_caption(max_rows, len(positions))
    source = frame if columns is None else frame[list(dict.fromkeys(columns))]
    return Picked(source, positions, source.iloc[positions[:max_rows]].reset_index(drop=True))


def show_table(
    frame: pd.DataFrame,
    config: dict[str, Any],
    *,
    key: str | None = None,
    height: int | None = None,
    max_rows: int = MAX_TABLE_ROWS,
) -> None:
    """A read-only table of the given display columns (keys of `config`, in order), at most `max_rows` lines;
    a French « nothing » instead of an empty grid."""
    if frame.empty:
        st.caption("Aucune ligne ne correspond.")
        return
    columns = [c for c in config if c in frame.columns]
    frame = capped(frame, max_rows)
    shown = frame[columns].copy()
    for column in columns:
        # Dates that came through Python (None for « no date ») would print « None »: make them real dates.
        values = shown[column]
        if (
            values.dtype == object
            and values.map(lambda v: v is None or isinstance(v, date)).all()
            and values.map(lambda v: isinstance(v, date)).any()
        ):
            shown[column] = pd.to_datetime(values)
    st.dataframe(
        shown,
        hide_index=True,
        column_config=config,
        key=key,
        height=height if height is not None else "auto",
    )


# ---------------------------------------------------------------------------------------------- filters in the URL


def url_multiselect(
    label: str, options: Sequence[str], key: str, *, default: Sequence[str] = (), help: str | None = None
) -> list[str]:
    """A multiselect whose choice lives in the URL (`?key=a&key=b`), so a filtered list can be shared."""
    present = [d for d in default if d in options]
    return list(
        st.multiselect(
            label, list(options), default=present, key=key, help=help, bind="query-params", placeholder="Tous"
        )
    )


def url_selectbox(label: str, options: Sequence[str], key: str, *, index: int = 0, help: str | None = None) -> str:
    """A selectbox whose choice lives in the URL."""
    chosen = st.selectbox(label, list(options), index=index, key=key, help=help, bind="query-params")
    return str(chosen) if chosen is not None else options[index]


def url_text(label: str, key: str, *, placeholder: str = "", help: str | None = None) -> str:
    """A free-text search whose content lives in the URL."""
    return str(st.text_input(label, key=key, placeholder=placeholder, help=help, bind="query-params") or "").strip()


def url_toggle(label: str, key: str, *, help: str | None = None) -> bool:
    return bool(st.toggle(label, key=key, help=help, bind="query-params"))


def _arrow_strings(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """A column as Arrow strings (zero-copy when pandas already holds it in Arrow), missing values as null."""
    try:
        return pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(values.astype("object").where(values.notna(), None), type=pa.string())


def _normalized_column(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """lib.matching.normalized_text over a whole column, vectorised with Arrow (a million names in ~0.1 s)."""
    decomposed = pc.utf8_normalize(pc.utf8_lower(_arrow_strings(values)), "NFKD")
    plain = pc.replace_substring_regex(decomposed, r"\p{Mn}", "")
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(plain, "[^a-z0-9]+", " "))


def matches_search(frame: pd.DataFrame, text: str, columns: Iterable[str]) -> pd.Series:
    """Rows where any of the columns contains the text (case and accents ignored)."""
    if not text:
        return pd.Series(True, index=frame.index)
    needle = normalized_text(text)
    hit = pd.Series(False, index=frame.index)
    if not needle:
        return hit
    for column in columns:
        if column in frame.columns and len(frame):
            found = pc.fill_null(pc.match_substring(_normalized_column(frame[column]), needle), False)
            hit |= pd.Series(found.to_numpy(zero_copy_only=False), index=frame.index)
    return hit


def search_index(frame: pd.DataFrame, columns: Sequence[str]) -> pa.Array | pa.ChunkedArray:
    """One normalized text per row (the columns' words, case and accents dropped), for words_found."""
    parts = [pc.fill_null(_normalized_column(frame[c]), "") for c in columns if c in frame.columns]
    if not parts:
        return pa.array([""] * len(frame), type=pa.string())
    return pc.utf8_trim_whitespace(pc.binary_join_element_wise(*parts, " "))


def words_found(index: pa.Array | pa.ChunkedArray, text: str) -> np.ndarray:
    """Rows of a search index holding every word typed, in any order (case and accents ignored).

    « dupont jean » finds DUPONT Jean and Jean Dupont; an empty search keeps every row.
    """
    if not text:
        return np.ones(len(index), dtype=bool)
    words = normalized_text(text).split()
    if not words:
        return np.zeros(len(index), dtype=bool)
    # The first word scans every row; each next one only the rows still in.
    positions = np.flatnonzero(pc.fill_null(pc.match_substring(index, words[0]), False).to_numpy(zero_copy_only=False))
    for word in words[1:]:
        kept = pc.fill_null(pc.match_substring(index.take(pa.array(positions)), word), False)
        positions = positions[kept.to_numpy(zero_copy_only=False)]
    hit = np.zeros(len(index), dtype=bool)
    hit[positions] = True
    return hit


_CHOICES_ASKED: set[tuple[str, str, str | None, tuple[str, ...]]] = set()
"""The filters' choices the pages asked for: the warm-up computes them again after each change."""


@st.cache_resource(show_spinner=False, max_entries=32)
def _cached_choices(
    name: str, column: str, flag: str | None, statuses: tuple[str, ...], today_: date, version: str
) -> list[str]:
    frame = _cached_workflows(today_, version)[name]
    keep = frame[flag].to_numpy(dtype=bool, na_value=False) if flag else np.ones(len(frame), dtype=bool)
    if statuses:
        keep &= frame["status"].isin(statuses).to_numpy(dtype=bool)
    return sorted(frame.loc[keep, column].dropna().unique())


def choices(name: str, column: str, *, flag: str | None = None, statuses: Sequence[str] = ()) -> list[str]:
    """The values of a column of workflow(name) offered in a filter (rows where `flag` holds and whose status is
    among `statuses`, when given), sorted; computed once per change of the store."""
    asked = (name, column, flag, tuple(statuses))
    _CHOICES_ASKED.add(asked)
    return list(_cached_choices(*asked, today(), data_version()))


def search_mask(name: str, text: str) -> np.ndarray:
    """The rows of workflow(name) the « Salarié » search keeps (see SEARCH_COLUMNS); the index is built on the
    first search after a change of the store, then reused."""
    if not text:
        return np.ones(len(workflow(name)), dtype=bool)
    return words_found(_cached_search_index(name, today(), data_version()), text)


def in_choices(values: pd.Series, chosen: Sequence[str]) -> pd.Series:
    """Rows whose value is among the chosen ones; every row when nothing is chosen."""
    if not chosen:
        return pd.Series(True, index=values.index)
    return values.isin(list(chosen))


def due_window_mask(due_on: pd.Series, today_: date, window: str) -> pd.Series:
    """Rows whose deadline falls in a window chosen among DUE_WINDOWS."""
    days = (due_on - as_day(today_)).dt.days
    if window == "dépassée":
        return days < 0
    if window.startswith("≤ "):
        limit = int(window.removeprefix("≤ ").removesuffix(" j"))
        return days <= limit
    return pd.Series(True, index=due_on.index)


DUE_WINDOWS = ("toutes", "dépassée", "≤ 7 j", "≤ 30 j", "≤ 60 j", "≤ 90 j")


# ---------------------------------------------------------------------------------------------- downloads


def _report_inputs() -> report.ReportInputs:
    return digest.report_inputs({name: workflow(name) for name in digest.REPORT_QUERIES})


def calendar_bytes() -> bytes:
    """The .ics of the coming deadlines (one event per day and kind), as the `calendar` command writes it."""
    content, _ = digest.calendar_ics(_report_inputs(), today=today(), generated_at=datetime.now(UTC))
    return content


def weekly_report_bytes() -> bytes:
    """The weekly report (Markdown) of the last seven days, as the `report` command prints it."""
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
    return report.render_markdown(data).encode("utf-8")


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


# ---------------------------------------------------------------------------------------------- verification

VerificationAction = Literal["accepted", "correction_requested"]
ACTION_LABELS = {
    "accepted": "acceptée",
    "correction_requested": "correction demandée",
    "undone": "annulation",
    "paired": "rapprochement manuel",
    "deposited": "dépôt confirmé",
}


def record_verification(
    line_keys: Sequence[str], action: VerificationAction, reasons: Sequence[str | None]
) -> list[int]:
    """Record one action per line, each line with its own reason (lines sharing a reason in one call)."""
    by_reason: dict[str | None, list[str]] = {}
    for key, reason in zip(line_keys, reasons, strict=True):
        by_reason.setdefault(reason or None, []).append(key)
    ids: list[int] = []
    for reason, keys in by_reason.items():
        # The dashboard's day (the reference date when one is set): a correction request counts from it.
        ids += get_store().record_action("of_line", keys, action, reason=reason, effective_on=today())
    clear_caches()
    return ids


def recent_action_batches(target_kind: str = "of_line", limit: int = 10) -> pd.DataFrame:
    """The latest actions grouped by batch (same moment, person, action, reason), with their undo state."""
    return _cached_action_batches(target_kind, limit, data_version())


@st.cache_data(show_spinner=False)
def _cached_action_batches(target_kind: str, limit: int, version: str) -> pd.DataFrame:
    history = read_store().action_history(target_kind)
    if history.empty:
        return pd.DataFrame(columns=["acted_at", "who", "action", "reason", "ids", "lines", "undone"])
    undone_ids = set(history["undoes"].dropna().astype(int))
    own = history[history["action"] != "undone"].copy()
    own["undone"] = own["id"].isin(undone_ids)
    own["reason"] = own["reason"].fillna("")
    own["second"] = own["acted_at"].dt.floor("s")
    batches = (
        own.groupby(["second", "who", "action", "undone"], sort=False)
        .agg(acted_at=("acted_at", "max"), ids=("id", list), lines=("id", "size"), reason=("reason", "first"))
        .reset_index()
        .sort_values("acted_at", ascending=False)
        .head(limit)
    )
    return batches[["acted_at", "who", "action", "reason", "ids", "lines", "undone"]].reset_index(drop=True)


def undo_actions(action_ids: Iterable[int]) -> None:
    store = get_store()
    for action_id in action_ids:
        store.undo_action(int(action_id))
    clear_caches()


# ---------------------------------------------------------------------------------------------- exports


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
            )
    history = store.export_history(kind)
    if history.empty:
        return
    st.markdown("**Historique des fichiers**")
    for _, row in history.head(20).iterrows():
        export_id = int(row["id"])
        line = st.columns([3, 2, 2, 2, 2])
        line[0].write(f"n° {export_id} — {md_text(row['file_name'])} ({int(row['lines'])} ligne(s))")
        line[1].write(f"{pd.Timestamp(row['created_at']):%d/%m/%Y %H:%M} — {md_text(row['who'])}")
        line[2].write(_EXPORT_STATUS_LABELS.get(str(row["status"]), str(row["status"])))
        line[3].download_button(
            "Télécharger",
            data=functools.partial(store.export_content, export_id),
            file_name=str(row["file_name"]),
            mime="text/csv",
            key=f"history_{export_id}",
            on_click="ignore",
        )
        if row["status"] != "undone":
            label = "Annuler le dépôt" if row["status"] == "deposited" else "Écarter"
            if line[4].button(label, key=f"undo_export_{export_id}"):
                _export_action(kind, functools.partial(store.undo_export, export_id))


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


# ---------------------------------------------------------------------------------------------- misc widgets


def reference_caption() -> None:
    """A line saying which day and which rule set the statuses are computed for."""
    rules = active_rules()
    day = today()
    is_fixed = bool(stored_settings().get_setting("reference_date"))
    st.caption(
        f"Statuts calculés au **{fr_date(day)}**{' (date de référence fixée dans les paramètres)' if is_fixed else ''}"
        f" — règles : {rules.title} ({rules.certainty})."
    )


def plotly_config() -> dict[str, Any]:
    return {"displaylogo": False, "locale": "fr"}


def month_label(value: pd.Timestamp) -> str:
    months = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
    return f"{months[value.month - 1]} {value.year}"


def on_click_rerun(callback: Callable[[], None]) -> Callable[[], None]:
    """A button callback that also forgets cached queries (the data changed)."""

    def run() -> None:
        callback()
        clear_caches()

    return run


def file_slug(text: str) -> str:
    """A file-name-safe form of a name (no accents, words joined by dashes)."""
    return normalized_text(text).replace(" ", "-") or "sans-nom"


@st.cache_resource(show_spinner=False, max_entries=2)
def _roster_by_nir(version: str) -> tuple[dict[str, str], dict[str, str]]:
    roster = employees().dropna(subset=["nir"]).drop_duplicates("nir")
    names = {
        n: full_name(b, f, u)
        for n, b, f, u in roster[["nir", "birth_name", "first_name", "usage_name"]].itertuples(index=False)
    }
    return names, dict(zip(roster["nir"], roster["matricule"], strict=True))


def roster_names_by_nir(nirs: pd.Series) -> pd.Series:
    """The roster's « NOM Prénom » of each NIR (empty when the NIR is not in the roster)."""
    names = _roster_by_nir(data_version())[0]
    return pd.Series([names.get(n, "") if isinstance(n, str) else "" for n in nirs], index=nirs.index, dtype="object")


def roster_matricules_by_nir(nirs: pd.Series) -> pd.Series:
    """The roster's matricule of each NIR (None when the NIR is not in the roster)."""
    by_nir = _roster_by_nir(data_version())[1]
    return pd.Series([by_nir.get(n) if isinstance(n, str) else None for n in nirs], index=nirs.index, dtype="object")


def backup_bytes() -> bytes:
    """The whole store file, checkpointed first so the copy holds every write."""
    store = get_store()
    store.record_action("store", ["copie téléchargée"], "backup")
    store.sql("CHECKPOINT")
    return store.path.read_bytes()


RULE_PARAMETER_LABELS = {
    "of_months": "Délai de l'OF (mois après la fin du trimestre)",
    "employer_months": "Délai de l'employeur : vérification et déclaration interne (mois)",
    "extension_months": "Prorogation transitoire (mois)",
    "extension_until": "Prorogation pour les dates de référence jusqu'au",
    "carence_months": "Fenêtre de carence (mois après l'échéance de l'OF)",
    "carence_start": "Déclaration en carence possible à partir du",
    "of_obligation_start": "Obligation de déclaration des OF à partir du",
    "employer_obligation_start": "Obligation de déclaration de l'employeur à partir du",
    "of_full_scope_from": "Catégories 3 et 4 pour les OF à partir du",
    "employer_full_scope_from": "Catégories 3 et 4 pour l'employeur à partir du",
}


def rule_parameters(rule_set: RuleSet) -> pd.DataFrame:
    """Every parameter of a rule set with its value (dates jj/mm/aaaa), source and certainty."""
    rows = []
    for key, label in RULE_PARAMETER_LABELS.items():
        value = getattr(rule_set, key)
        source = rule_set.sources.get(key)
        shown = fr_date(value) if isinstance(value, date) else f"{value} mois"
        other = rule_set.other_readings.get(key)
        if other is not None:
            other_shown = fr_date(other.value) if isinstance(other.value, date) else f"{other.value} mois"
            shown += f" (autre lecture : {other_shown})"
        rows.append(
            {
                "Paramètre": label,
                "Valeur": shown,
                "Source": source.reference if source else "",
                "Certitude": source.certainty if source else "",
                "Texte": source.text if source else "",
            }
        )
    for window in rule_set.fixed_windows:
        rows.append(
            {
                "Paramètre": f"Formations du {fr_date(window.start)} au {fr_date(window.end)}",
                "Valeur": (
                    f"OF : {fr_date(window.of_deadline)} ; vérification : {fr_date(window.verification_deadline)}"
                ),
                "Source": window.source.reference,
                "Certitude": window.source.certainty,
                "Texte": window.source.text,
            }
        )
    for internal in rule_set.internal_windows:
        rows.append(
            {
                "Paramètre": f"Formations internes du {fr_date(internal.start)} au {fr_date(internal.end)}",
                "Valeur": f"déclaration interne : {fr_date(internal.internal_deadline)} (autre lecture : "
                f"{internal.other_reading})",
                "Source": internal.source.reference,
                "Certitude": internal.source.certainty,
                "Texte": internal.source.text,
            }
        )
    return pd.DataFrame(rows)
