"""Who uses the dashboard: local mode or the login form (accounts, OIDC, throttle), the sidebar identity, and
`require`/`can`, the rights check every page starts with."""

from __future__ import annotations

import logging
import secrets
from typing import Any

import streamlit as st

from lib import access
from lib.store import StoreError, default_db_path
from lib.store import current_user as current_os_user
from lib.ui.cache import _store
from lib.ui.text import md_text

_LOG = logging.getLogger(__name__)


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
