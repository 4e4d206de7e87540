"""Access: password hashes, the secrets.toml configuration, and what each role can reach in the dashboard."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from lib import access, ui
from lib.store import Store
from lib.ui import access as ui_access
from tests.test_pages import open_page

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
    at = signed_in("alice", "views/import.py")
    assert not at.exception
    assert "Import de fichiers" in titles(at)
    at = signed_in("alice", "views/parametres.py")
    assert not at.exception
    assert any("Paramètres" in t for t in titles(at))
    at.button(key="apply_validities").click().run()
    assert Store(demo_db).action_history("store")["who"].tolist()[0] == "alice"


@pytest.mark.parametrize("login", ["gael", "lea"])
def test_other_roles_cannot_reach_import_settings_or_the_journal(demo_db: Path, login: str) -> None:
    for page, title in (
        ("views/import.py", "Import de fichiers"),
        ("views/parametres.py", "Paramètres"),
        ("views/journal.py", "Journal des opérations"),
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
    at = signed_in("lea", "views/carence.py")
    assert not at.exception
    assert "Déclarations en carence" in titles(at)
    assert not [b for b in at.button if b.key == "generate_carence"]
    assert any("ne permet pas de produire les fichiers du portail" in i.value for i in at.info)


@pytest.mark.parametrize(("login", "can_decide"), [("lea", False), ("gael", True)])
def test_a_reader_cannot_verify_but_a_manager_can(demo_db: Path, login: str, can_decide: bool) -> None:
    at = signed_in(login, "views/verification.py")
    at.session_state["verification_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert bool([r for r in at.radio if r.key == "verification_decision"]) is can_decide


def test_a_manager_can_produce_the_carence_file(demo_db: Path) -> None:
    at = signed_in("gael", "views/carence.py")
    assert [b for b in at.button if b.key == "generate_carence"]


# ---------------------------------------------------------------------------------------------- deny by default

REPO = Path(__file__).resolve().parents[1]
VIEWS = {
    "views/tableau_de_bord.py": ("Tableau de bord", "read"),
    "views/verification.py": ("Vérification des déclarations des organismes", "read"),
    "views/carence.py": ("Déclarations en carence", "read"),
    "views/declarations_internes.py": ("Déclarations internes", "read"),
    "views/echeances.py": ("Échéances", "read"),
    "views/salarie.py": ("Passeport d'un salarié", "read"),
    "views/manquants.py": ("Manquants", "read"),
    "views/import.py": ("Import de fichiers", "import"),
    "views/parametres.py": ("Paramètres", "settings"),
    "views/journal.py": ("Journal des opérations", "settings"),
}
URLS = {view: Path(view).stem.replace("_", "-") for view in VIEWS} | {"views/tableau_de_bord.py": "tableau_de_bord"}
ROLE_OF = {"alice": "admin", "gael": "gestionnaire", "lea": "lecteur"}


def test_there_is_no_pages_folder_that_streamlit_would_serve_without_the_entry_point() -> None:
    # A `pages/` folder next to app.py puts Streamlit in file-per-page mode until a session calls st.navigation:
    # every file would then run for anyone, without app.py and its login.
    assert not (REPO / "pages").exists()
    assert sorted(p.name for p in (REPO / "views").glob("*.py")) == sorted(Path(v).name for v in VIEWS)


def only_the_login_form(at: AppTest) -> bool:
    return (
        not at.exception
        and titles(at) == ["Passeport de prévention"]
        and [t.label for t in at.text_input] == ["Identifiant", "Mot de passe"]
        and not at.dataframe
        and not at.metric
        and not at.sidebar.caption
        and not [b for b in at.button if b.key == "logout"]
    )


def open_url(at: AppTest, view: str) -> AppTest:
    """What typing the page's address does (AppTest.switch_page only knows the pages of the current navigation)."""
    at._page_hash = calc_hash(URLS[view])
    return at.run()


@pytest.mark.parametrize("view", list(VIEWS))
def test_a_session_without_login_sees_only_the_login_form_on_every_page(demo_db: Path, view: str) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["users"] = USERS
    at.run()
    open_url(at, view)
    assert only_the_login_form(at), titles(at)
    assert not [info for info in at._registered_pages.values() if info.get("script_path")]
    # Signing in there opens the page that was asked for.
    at.text_input[0].input("alice")
    at.text_input[1].input(PASSWORDS["alice"])
    at.button[0].click().run()
    assert not at.exception
    assert VIEWS[view][0] in " ".join(titles(at))


@pytest.mark.parametrize("view", list(VIEWS))
def test_every_page_refuses_on_its_own_a_session_without_login(demo_db: Path, view: str) -> None:
    # Run alone, as Streamlit would serve it if the navigation were ever bypassed.
    at = AppTest.from_file(str(REPO / view), default_timeout=60)
    at.secrets["users"] = USERS
    at.run()
    assert not at.exception
    assert not at.title and not at.dataframe and not at.button
    assert [w.value for w in at.warning] == ["Connectez-vous pour accéder à cette page."]


@pytest.mark.parametrize(
    ("view", "login"),
    [(v, login) for v, (_, right) in VIEWS.items() for login in ("gael", "lea") if right != "read"],
)
def test_a_page_guard_refuses_a_role_without_the_right(demo_db: Path, view: str, login: str) -> None:
    at = AppTest.from_file(str(REPO / view), default_timeout=60)
    at.secrets["users"] = USERS
    at.session_state["user"] = access.User(login, ROLE_OF[login])  # type: ignore[arg-type]
    at.run()
    assert not at.exception
    assert not at.title and not at.dataframe and not at.button
    right = VIEWS[view][1]
    assert [w.value for w in at.warning] == [
        f"Votre rôle ne permet pas de {access.RIGHT_LABELS[right]}. Demandez à un administrateur."  # type: ignore[index]
    ]


@pytest.mark.parametrize("login", ["alice", "gael", "lea"])
def test_each_role_sees_only_its_pages(demo_db: Path, login: str) -> None:
    rights = access.RIGHTS[ROLE_OF[login]]  # type: ignore[index]
    allowed = {view for view, (_, right) in VIEWS.items() if right in rights}
    at = signed_in(login)
    navigation = {
        str(Path(str(info["script_path"])).relative_to(REPO))
        for info in at._registered_pages.values()
        if info.get("script_path")
    }
    assert navigation == allowed
    for view, (title, _) in VIEWS.items():
        at = open_url(signed_in(login), view)
        assert not at.exception
        shown = " ".join(titles(at))
        if view in allowed:
            assert title in shown, f"{login} devrait voir {view}"
        else:
            assert title not in shown, f"{login} a atteint {view}"
            assert shown == "Tableau de bord"  # the navigation falls back to the role's first page


def test_local_mode_without_accounts_allows_everything_on_this_machine(demo_db: Path) -> None:
    at = AppTest.from_file(str(REPO / "views/import.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert "Import de fichiers" in titles(at)
    assert not at.warning or all("Connectez-vous" not in w.value for w in at.warning)


def test_a_malformed_login_configuration_lets_nobody_in(demo_db: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["users"] = {"marie": {"password_hash": "clair", "role": "admin"}}
    at.run()
    assert not at.exception
    assert titles(at) == ["Passeport de prévention"]
    assert any("Connexion mal configurée" in e.value for e in at.error)
    assert not at.text_input
    page = AppTest.from_file(str(REPO / "views/parametres.py"), default_timeout=60)
    page.secrets["users"] = {"marie": {"password_hash": "clair", "role": "admin"}}
    page.run()
    assert not page.title and [w.value for w in page.warning] == ["Connectez-vous pour accéder à cette page."]


# ---------------------------------------------------------------------------------------------- login work and throttle


def test_an_unknown_login_costs_the_same_hash_work_as_a_known_one(monkeypatch: pytest.MonkeyPatch) -> None:
    users = access.local_users({"users": USERS})
    calls: list[int] = []
    real = hashlib.pbkdf2_hmac

    def counting(name: str, password: bytes, salt: bytes, iterations: int) -> bytes:
        calls.append(iterations)
        return bytes(real(name, password, salt, iterations))

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", counting)
    # The first check of a process also makes the dummy hash, whichever the login: the first unknown one costs
    # no more than the first known one.
    firsts = []
    for login in ("alice", "personne"):
        access._dummy_hash.cache_clear()
        assert access.authenticate(users, login, "mauvais") is None
        firsts.append(list(calls))
        calls.clear()
    assert firsts == [[1000, 1000], [1000, 1000]]
    assert access.authenticate(users, "alice", "mauvais") is None
    known = list(calls)
    calls.clear()
    assert access.authenticate(users, "personne", "mauvais") is None
    unknown = list(calls)
    calls.clear()
    assert access.authenticate(users, "x" * 5000, "mauvais") is None
    too_long = list(calls)
    assert known == unknown == too_long == [1000]
    assert access.authenticate(users, " alice ", "secret-admin") == access.User("alice", "admin")


def test_a_hash_with_a_broken_iteration_count_is_refused_in_the_configuration() -> None:
    for broken in ("pbkdf2_sha256$abc$sel$x", "pbkdf2_sha256$1000$sel", "pbkdf2_sha256$0$sel$x"):
        with pytest.raises(access.AccessConfigError, match="password_hash"):
            access.local_users({"users": {"marie": {"password_hash": broken, "role": "admin"}}})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle(**policy: float) -> tuple[access.LoginThrottle, Clock]:
    clock = Clock()
    return access.LoginThrottle(access.ThrottlePolicy(**policy), clock), clock  # type: ignore[arg-type]


def test_failures_bring_a_growing_delay_then_a_temporary_lock_of_the_account() -> None:
    guard, clock = throttle()
    waits: list[float] = []
    locks: list[access.LockEvent] = []
    for _ in range(10):
        verdict = guard.check("alice", "poste A")
        if not verdict.allowed:
            assert not verdict.locked
            waits.append(verdict.wait_seconds)
            clock.now += verdict.wait_seconds
            assert guard.check("alice", "poste A").allowed
        locks += guard.failed("alice", "poste A")
    # Three free tries, then 2, 4, 8, 16, 32, 60, 60 seconds.
    assert waits == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0]
    assert locks == [access.LockEvent("compte", "alice", 900.0)]
    verdict = guard.check("ALICE ", "poste B")  # the same account from elsewhere
    assert not verdict.allowed and verdict.locked and verdict.wait_seconds == 900.0
    assert verdict.message == (
        "Trop d'échecs de connexion : la connexion est bloquée pour ce compte ou ce poste pendant 15 minute(s). "
        "Réessayez plus tard ou demandez à un administrateur."
    )
    assert guard.check("gael", "poste B").allowed  # other accounts are not locked
    clock.now += 899
    assert not guard.check("alice", "poste B").allowed
    clock.now += 1
    assert guard.check("alice", "poste B").allowed
    assert guard.failed("alice", "poste B") == [access.LockEvent("compte", "alice", 900.0)]  # still suspicious


def test_a_delayed_attempt_is_refused_with_the_seconds_to_wait() -> None:
    guard, clock = throttle()
    for _ in range(4):
        guard.failed("inconnu", "poste A")
    verdict = guard.check("inconnu", "poste A")
    assert (verdict.allowed, verdict.locked, verdict.wait_seconds) == (False, False, 2.0)
    assert verdict.message == "Trop d'essais de connexion : patientez 2 seconde(s) avant de réessayer."
    clock.now += 1.5
    assert guard.check("inconnu", "poste A").wait_seconds == 0.5


def test_one_client_trying_many_accounts_is_locked_itself() -> None:
    guard, clock = throttle(client_lock_after=20)
    events: list[access.LockEvent] = []
    for n in range(20):
        clock.now += 120  # slow enough never to be delayed on one account
        events += guard.failed(f"compte{n}", "adresse 203.0.113.9")
    assert events == [access.LockEvent("poste", "adresse 203.0.113.9", 900.0)]
    verdict = guard.check("alice", "adresse 203.0.113.9")
    assert not verdict.allowed and verdict.locked
    assert guard.check("alice", "adresse 198.51.100.1").allowed


def test_a_success_clears_its_account_but_not_its_client() -> None:
    guard, _ = throttle(client_lock_after=6)
    for _ in range(5):
        guard.failed("alice", "poste A")
    assert not guard.check("alice", "poste A").allowed
    guard.succeeded("alice")
    assert guard.check("alice", "poste B").allowed
    assert not guard.check("alice", "poste A").allowed  # the client's own delay still runs
    assert guard.failed("gael", "poste A") == [access.LockEvent("poste", "poste A", 900.0)]


def test_failures_are_forgotten_after_an_hour_of_quiet() -> None:
    guard, clock = throttle()
    for _ in range(9):
        guard.failed("alice", "poste A")
    clock.now += 3601
    assert guard.check("alice", "poste A").allowed
    assert guard.failed("alice", "poste A") == []  # counting starts again from one


def test_the_throttle_memory_is_bounded_whatever_the_number_of_logins_tried() -> None:
    guard, clock = throttle(max_keys=50)
    for n in range(1000):
        clock.now += 1
        guard.failed(f"x{n}", f"poste {n}")
    assert len(guard._keys) <= 50


def test_each_failed_login_and_each_lock_is_written_in_the_journal(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    guard = access.LoginThrottle(access.ThrottlePolicy(free_failures=5, account_lock_after=2), Clock())
    monkeypatch.setattr(ui_access, "_login_throttle", lambda: guard)
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["users"] = USERS
    at.run()
    for password in ("mauvais", "encore"):
        at.text_input[0].input("alice")
        at.text_input[1].input(password)
        at.button[0].click().run()
    assert [e.value for e in at.error] == ["Identifiant ou mot de passe incorrect."]
    assert any("bloquée" in w.value for w in at.warning)
    # Even the right password is not checked while the account is locked.
    at.text_input[0].input("alice")
    at.text_input[1].input(PASSWORDS["alice"])
    at.button[0].click().run()
    assert only_the_login_form(at)
    assert any("bloquée pour ce compte ou ce poste pendant 15 minute(s)" in e.value for e in at.error)
    journal = Store(demo_db).query("audit_log", {"limit": 10})
    logins = journal[journal["kind"] == "login"]
    assert sorted(logins["what"]) == ["Connexion bloquée", "Échec de connexion", "Échec de connexion"]
    assert set(logins["detail"]) == {"compte « alice »", "compte « alice » bloqué 15 min"}
    assert all(str(who).startswith("session ") for who in logins["who"]), list(logins["who"])


# ---------------------------------------------------------------------------------------------- file values as text


def test_a_value_from_a_file_is_escaped_for_markdown() -> None:
    assert ui.md_text("![x](http://host/x.png)") == "\\!\\[x\\]\\(http\u2060\\:\\/\\/host\\/x\\.png\\)"
    assert ui.md_text("HTTPS://a www.b.fr rh@c.fr") == "HTTP\u2060S\\:\\/\\/a www\u2060\\.b\\.fr rh\u2060\\@c\\.fr"
    assert ui.md_text("**gras** :red[rouge] $x$ <b>") == r"\*\*gras\*\* \:red\[rouge\] \$x\$ \<b\>"
    assert ui.md_text("ligne 1\n# titre\r\n> cité") == r"ligne 1 \# titre \> cité"
    assert ui.md_text("Élodie D'Almeida-Ruiz") == r"Élodie D\'Almeida\-Ruiz"
    assert ui.md_text("a\\b") == "a\\\\b"
    assert ui.md_text(None) == ""


IMAGE = "![x](http://127.0.0.1:9/x.png)"
LINK = '<a href="http://127.0.0.1:9/">lien</a>'
RED = '<span style="color:red">Rouge</span>'


def chart_strings(at: AppTest) -> list[str]:
    """The markup of the charts the run drew on the server (one `<div>` of SVG or HTML in a Markdown element)."""
    return [str(m.value) for m in at.markdown if str(m.value).startswith("<div")]


def test_names_and_titles_from_files_are_shown_as_text_on_the_employee_page(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(demo_db)
    with store.connect() as con:
        con.execute(
            "UPDATE employees SET first_name = $image, manager = $red, site = '**Site** [x](http://127.0.0.1:9/)' "
            "WHERE matricule = 'MAT1002'",
            {"image": IMAGE, "red": RED},
        )
        con.execute(
            "UPDATE training_records SET training_title = $link, training_type = $red WHERE matricule = 'MAT1002'",
            {"link": LINK, "red": RED},
        )
    store.refresh_derived()  # the edits bypass the writers, which refresh the persisted deadlines
    at = open_page("views/salarie.py", matricule="MAT1002")
    assert not at.exception
    assert any(ui.md_text(IMAGE) in str(h.value) for h in at.subheader)
    markdown = "\n".join(str(m.value) for m in at.markdown)
    assert ui.md_text(RED) in markdown and "\\*\\*Site\\*\\*" in markdown
    for raw in ("![x](", "](http", "<span", "**Site**"):
        assert raw not in markdown.replace(ui.md_text(IMAGE), "").replace(ui.md_text(RED), "")
    charts = chart_strings(at)
    assert any("&lt;a href=" in text for text in charts) and any("&lt;span style=" in text for text in charts)
    assert not any("<a " in text or "<span" in text for text in charts)


def test_names_from_files_are_shown_as_text_in_the_echeances_matrix(demo_db: Path) -> None:
    # Training types are escaped by the same function (tests/test_matrix_table.py); a type the catalogue knows
    # is shown by its family's label, so a page test would not reach it.
    store = Store(demo_db)
    with store.connect() as con:
        con.execute(
            "UPDATE employees SET first_name = $link, usage_name = $image WHERE matricule = 'MAT1050'",
            {"image": IMAGE, "link": LINK},
        )
    store.refresh_derived()  # the edits bypass the writers, which refresh the persisted deadlines
    at = open_page("views/echeances.py", recherche="MAT1050")
    assert not at.exception
    assert not at.get("plotly_chart")
    (matrix,) = [str(m.value) for m in at.markdown if str(m.value).startswith('<div class="pp-matrice">')]
    assert "&lt;a href=&quot;http://127.0.0.1:9/&quot;&gt;lien&lt;/a&gt;" in matrix  # the first name, as typed
    assert IMAGE.upper() in matrix  # the usage name: inside an HTML block, Markdown reads no image
    for raw in ("<a ", "<img"):
        assert raw not in matrix
