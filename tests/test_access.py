"""Access: password hashes, the secrets.toml configuration, and what each role can reach in the dashboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib import access
from lib.store import Store

APP = str(Path(__file__).resolve().parents[1] / "app.py")
# A low iteration count keeps the tests fast; the shipped default is access.HASH_ITERATIONS.
HASHES = {
    name: access.hash_password(f"secret-{name}", iterations=1000) for name in ("admin", "gestionnaire", "lecteur")
}
USERS = {
    "alice": {"password_hash": HASHES["admin"], "role": "admin"},
    "gael": {"password_hash": HASHES["gestionnaire"], "role": "gestionnaire"},
    "lea": {"password_hash": HASHES["lecteur"], "role": "lecteur"},
}
PASSWORDS = {"alice": "secret-admin", "gael": "secret-gestionnaire", "lea": "secret-lecteur"}


pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def test_a_password_hash_verifies_only_its_password() -> None:
    stored = access.hash_password("Bonjour 2026 !", iterations=1000)
    assert stored.startswith("pbkdf2_sha256$1000$")
    assert access.verify_password("Bonjour 2026 !", stored)
    assert not access.verify_password("bonjour 2026 !", stored)
    assert not access.verify_password("Bonjour 2026 !", "md5$x$y$z")
    assert not access.verify_password("x", "pas une empreinte")
    assert access.hash_password("a", salt="sel", iterations=1000) == access.hash_password(
        "a", salt="sel", iterations=1000
    )


@pytest.mark.parametrize(
    ("secrets", "message"),
    [
        ({"users": "marie"}, "table de comptes"),
        ({"users": {"marie": "x"}}, "une table est attendue"),
        ({"users": {"marie": {"password_hash": "clair", "role": "admin"}}}, "password_hash"),
        ({"users": {"marie": {"password_hash": HASHES["admin"], "role": "chef"}}}, "rôle « chef » inconnu"),
    ],
)
def test_a_malformed_login_configuration_is_refused_with_a_french_message(
    secrets: dict[str, object], message: str
) -> None:
    with pytest.raises(access.AccessConfigError, match=message):
        access.local_users(secrets)


@pytest.mark.parametrize(
    ("role", "rights"),
    [
        ("admin", {"read", "verify", "export", "export_nir", "import", "settings"}),
        ("gestionnaire", {"read", "verify", "export", "export_nir"}),
        ("lecteur", {"read"}),
    ],
)
def test_each_role_has_exactly_its_rights(role: access.Role, rights: set[str]) -> None:
    user = access.User("x", role)
    assert {r for r in access.RIGHT_LABELS if user.can(r)} == rights


def test_an_oidc_identity_gets_the_role_its_email_is_given() -> None:
    secrets = {"auth": {}, "roles": {"rh@exemple.fr": "gestionnaire"}}
    assert access.oidc_role(secrets, "RH@exemple.fr") == "gestionnaire"
    assert access.oidc_role(secrets, "autre@exemple.fr") is None


def signed_in(login: str | None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["users"] = USERS
    at.run()
    if login is not None:
        at.text_input[0].input(login)
        at.text_input[1].input(PASSWORDS[login])
        at.button[0].click().run()
    if page is not None:
        at.switch_page(page)
        at.run()
    return at


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def test_with_accounts_configured_nothing_shows_before_signing_in(demo_db: Path) -> None:
    at = signed_in(None)
    assert not at.exception
    assert titles(at) == ["Passeport de prévention"]
    assert [t.label for t in at.text_input] == ["Identifiant", "Mot de passe"]
    at.text_input[0].input("alice")
    at.text_input[1].input("mauvais")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Identifiant ou mot de passe incorrect."]
    assert titles(at) == ["Passeport de prévention"]


def test_an_admin_reaches_import_and_settings_and_actions_are_recorded_in_their_name(demo_db: Path) -> None:
    at = signed_in("alice", "pages/import.py")
    assert not at.exception
    assert "Import de fichiers" in titles(at)
    at = signed_in("alice", "pages/parametres.py")
    assert not at.exception
    assert any("Paramètres" in t for t in titles(at))
    at.button(key="apply_validities").click().run()
    assert Store(demo_db).action_history("store")["who"].tolist()[0] == "alice"


@pytest.mark.parametrize("login", ["gael", "lea"])
def test_other_roles_cannot_reach_import_settings_or_the_journal(demo_db: Path, login: str) -> None:
    for page, title in (
        ("pages/import.py", "Import de fichiers"),
        ("pages/parametres.py", "Paramètres"),
        ("pages/journal.py", "Journal des opérations"),
    ):
        at = AppTest.from_file(APP, default_timeout=60)
        at.secrets["users"] = USERS
        at.run()
        at.text_input[0].input(login)
        at.text_input[1].input(PASSWORDS[login])
        at.button[0].click().run()
        try:
            at.switch_page(page)
            at.run()
        except Exception:  # noqa: BLE001 - a page outside the role's navigation may not even be switchable
            continue
        assert not any(title in t for t in titles(at)), f"{login} a atteint {page}"


def test_a_reader_sees_the_carence_list_but_cannot_produce_the_file_with_nirs(demo_db: Path) -> None:
    at = signed_in("lea", "pages/carence.py")
    assert not at.exception
    assert "Déclarations en carence" in titles(at)
    assert not [b for b in at.button if b.key == "generate_carence"]
    assert any("ne permet pas de produire les fichiers du portail" in i.value for i in at.info)


@pytest.mark.parametrize(("login", "can_decide"), [("lea", False), ("gael", True)])
def test_a_reader_cannot_verify_but_a_manager_can(demo_db: Path, login: str, can_decide: bool) -> None:
    at = signed_in(login, "pages/verification.py")
    at.session_state["verification_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert bool([r for r in at.radio if r.key == "verification_decision"]) is can_decide


def test_a_manager_can_produce_the_carence_file(demo_db: Path) -> None:
    at = signed_in("gael", "pages/carence.py")
    assert [b for b in at.button if b.key == "generate_carence"]
