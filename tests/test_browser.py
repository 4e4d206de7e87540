"""The real dashboard in a real browser: every page opens without error; with logins, nothing before signing in."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright

from lib import access, portal
from lib.rules import load_rule_set
from lib.store import Store

REPO = Path(__file__).resolve().parents[1]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = {
    "tableau_de_bord": "",
    "verification": "verification",
    "carence": "carence",
    "declarations_internes": "declarations-internes",
    "echeances": "echeances",
    "manquants": "manquants",
    "salarie": "salarie?matricule=MAT1002",
    "parametres": "parametres",
    "import": "import",
    "journal": "journal",
}
STARTUP_SECONDS = 60
PAGE_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_memory_mb(pid: int) -> float | None:
    """The highest resident memory a process has had (Linux /proc VmHWM), in MB; None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


@contextlib.contextmanager
def running_dashboard(
    store_path: Path,
    secrets_file: Path | None = None,
    *,
    code: Path = REPO,
    before_stop: Callable[[int], None] | None = None,
) -> Iterator[str]:
    """The dashboard as `make run` starts it (`python serve.py`) on this store and secrets (else none); its URL.

    `code`: another checkout to run (the benchmarks measure older ones: without serve.py, `streamlit run app.py`).
    `before_stop` receives the server's process id before it is stopped (the benchmarks read its peak memory)."""
    port = free_port()
    log_path = store_path.parent / f"streamlit_{port}.log"
    log = log_path.open("wb")
    secrets_options = ["--secrets.files", str(secrets_file or store_path.parent / "aucun_secret.toml")]
    entry = ["serve.py"] if (code / "serve.py").exists() else ["-m", "streamlit", "run", "app.py"]
    server = subprocess.Popen(
        [
            sys.executable,
            *entry,  # `streamlit run app.py`, its modules loaded first (as `make run` does)
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            *secrets_options,
        ],
        cwd=code,
        env={**os.environ, "PASSEPORT_DB": str(store_path), "PYTHONPATH": str(code)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                with urllib.request.urlopen(url + "_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"Streamlit n'a pas démarré : {log_path.read_text(errors='replace')}")
            time.sleep(0.3)
        yield url
    finally:
        if before_stop is not None:
            before_stop(server.pid)
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


@pytest.fixture
def dashboard(demo_db: Path) -> Iterator[str]:
    """The dashboard in local mode (no login configured) on a copy of the demo store."""
    with running_dashboard(demo_db) as url:
        yield url


def wait_until_idle(page: Page) -> float:
    """Wait for the page title, then for Streamlit's « running » indicator (and the previous run's stale elements)
    to stay away for a moment.

    Returns the moment (time.perf_counter) the page became idle, so timings do not count the quiet wait.
    """
    page.wait_for_selector("h1", timeout=PAGE_SECONDS * 1000)
    deadline = time.monotonic() + PAGE_SECONDS
    quiet_since: float | None = None
    idle_at = time.perf_counter()
    while time.monotonic() < deadline:
        # The app's own script state (the status widget shows only after half a second of running); a click
        # puts it in « rerunRequested » at once, so the run it asks for is waited for too.
        try:
            state = page.evaluate(
                """() => document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state')"""
            )
        except PlaywrightError:  # the page is being replaced (a navigation): not idle yet
            state = None
        running = state not in ("notRunning", "compilationError")
        running = running or page.locator('[data-testid="stStatusWidget"]').count() > 0
        skeleton = page.locator('[data-testid="stSkeleton"]').count() > 0
        # The last run's elements not replaced yet (a retained one is a keyed element kept hidden, not a run).
        stale = page.locator('[data-stale="true"]:not([data-retained="true"])').count() > 0
        if running or skeleton or stale:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
            idle_at = time.perf_counter()
        elif time.monotonic() - quiet_since > 0.6:
            return idle_at
        time.sleep(0.05)
    raise AssertionError(f"la page {page.url} tourne encore après {PAGE_SECONDS} s")


def assert_no_error_shown(page: Page, name: str) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, f"{name} : exception affichée"
    body = page.inner_text("body")
    assert "Traceback" not in body, f"{name} : trace d'erreur affichée"


def someone_with_an_expired_habilitation(store_path: Path) -> str:
    validities = Store(store_path).workflow(
        "validities", rules=load_rule_set("decret-2025-748"), today=date(2026, 11, 23)
    )
    expired = validities[validities["is_latest"] & (validities["status"] == "expired")]
    return str(expired["matricule"].iloc[0])


def test_every_page_opens_in_chromium_without_error(dashboard: str, demo_db: Path) -> None:
    matricule = someone_with_an_expired_habilitation(demo_db)
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium introuvable à {CHROMIUM} : installez-le (make browser, paquet Debian « chromium »).")
    SCREENSHOTS.mkdir(exist_ok=True)
    timings: dict[str, float] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 2400}, locale="fr-FR")
            for name, path in PAGES.items():
                started = time.perf_counter()
                page.goto(dashboard + path)
                timings[f"page:{name}"] = round(wait_until_idle(page) - started, 3)
                assert_no_error_shown(page, name)
                page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
            # Second visits: what a user waits for on Monday once the dashboard is open (server warm, caches filled).
            for name, path in PAGES.items():
                started = time.perf_counter()
                page.goto(dashboard + path)
                timings[f"page_warm:{name}"] = round(wait_until_idle(page) - started, 3)

            # A filter change on Échéances: typed search, kept in the URL so the view can be shared.
            page.goto(dashboard + "echeances")
            wait_until_idle(page)
            search = page.get_by_label("Salarié", exact=True)
            started = time.perf_counter()
            search.fill(matricule)
            search.press("Enter")
            page.wait_for_url(f"**recherche={matricule}**", timeout=PAGE_SECONDS * 1000)
            timings["filter:echeances_recherche"] = round(wait_until_idle(page) - started, 3)
            assert_no_error_shown(page, "echeances filtrée")
            assert matricule in page.inner_text("body")
            page.screenshot(path=str(SCREENSHOTS / "echeances_filtree.png"), full_page=True)

            # Carence: generate the portal file and download it, as HR does before going to the portal.
            page.goto(dashboard + "carence")
            wait_until_idle(page)
            page.get_by_role("button", name="Générer le fichier").click()
            wait_until_idle(page)
            with page.expect_download(timeout=PAGE_SECONDS * 1000) as download_info:
                page.get_by_role("button", name="Télécharger le fichier du portail").first.click()
            download = download_info.value
            target = SCREENSHOTS / download.suggested_filename
            download.save_as(str(target))
            assert download.suggested_filename.startswith("carence_")
            parsed = portal.parse_portal_file(
                target.read_bytes(), target.name, today=date(2026, 11, 23), declarant="employer"
            )
            assert parsed.report.valid, parsed.report.line_errors[:3]
            assert len(parsed.rows) > 0
            assert_no_error_shown(page, "carence après génération")
            page.screenshot(path=str(SCREENSHOTS / "carence_fichier.png"), full_page=True)

            # The dashboard's link opens Vérification already filtered.
            page.goto(dashboard)
            wait_until_idle(page)
            page.get_by_role("link", name="Voir la liste").first.click()
            page.wait_for_url("**verification**", timeout=PAGE_SECONDS * 1000)
            wait_until_idle(page)
            assert_no_error_shown(page, "verification depuis le tableau de bord")
            assert "statut=" in page.url
        finally:
            browser.close()
    # For information only (bench/ measures time): a test on a busy machine asserts behaviour, never speed.
    (SCREENSHOTS / "timings.json").write_text(json.dumps(timings, indent=2, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------------------------------------- with logins configured

ACCOUNTS = {"alice": "admin", "gael": "gestionnaire", "lea": "lecteur"}
NAVIGATION = {
    "admin": ["Tableau de bord", "Vérification", "Carence", "Déclarations internes", "Échéances", "Manquants",
              "Salarié", "Import", "Paramètres", "Journal"],
    "gestionnaire": ["Tableau de bord", "Vérification", "Carence", "Déclarations internes", "Échéances", "Manquants",
                     "Salarié"],
    "lecteur": ["Tableau de bord", "Vérification", "Carence", "Déclarations internes", "Échéances", "Manquants",
                "Salarié"],
}  # fmt: skip
PAGE_TITLES = [
    "Tableau de bord", "Vérification des déclarations", "Déclarations en carence", "Échéances",
    "Passeport d'un salarié", "Import de fichiers", "Paramètres", "Journal des opérations",
]  # fmt: skip
IMAGE_NAME = "![photo](http://127.0.0.1:9/espion.png)"
LINK_TITLE = '<a href="http://127.0.0.1:9/piege">Habilitation</a>'


def password_of(login: str) -> str:
    return f"mot-de-passe-{login}"


def secrets_with_accounts(folder: Path) -> Path:
    path = folder / "secrets.toml"
    lines = []
    for login, role in ACCOUNTS.items():
        lines += [
            f"[users.{login}]",
            f'password_hash = "{access.hash_password(password_of(login), iterations=1000)}"',
            f'role = "{role}"',
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def wait_for_login_form(page: Page) -> None:
    page.get_by_role("button", name="Se connecter").wait_for(timeout=PAGE_SECONDS * 1000)
    wait_until_idle(page)


def assert_only_the_login_form(page: Page, where: str) -> None:
    assert_no_error_shown(page, where)
    headings = [h.strip() for h in page.locator("h1, h2, h3").all_inner_texts()]
    assert headings == ["Passeport de prévention", "Connexion"], f"{where} : {headings}"
    assert page.locator("input").count() == 2, where
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0, where
    for selector in (
        '[data-testid="stDataFrame"]',
        '[data-testid="stPlotlyChart"]',
        ".pp-chart svg",
        '[data-testid="stMetric"]',
    ):
        assert page.locator(selector).count() == 0, f"{where} : {selector}"
    body = page.inner_text("body")
    for title in PAGE_TITLES:
        assert title not in body, f"{where} montre « {title} »"


def sign_in(page: Page, login: str) -> None:
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(password_of(login))
    page.get_by_role("button", name="Se connecter").click()
    page.locator('[data-testid="stSidebarNav"]').wait_for(timeout=PAGE_SECONDS * 1000)
    wait_until_idle(page)


def test_with_logins_a_fresh_server_shows_only_the_login_form_on_every_page_address(
    demo_db: Path, tmp_path: Path
) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium introuvable à {CHROMIUM} : installez-le (make browser, paquet Debian « chromium »).")
    store = Store(demo_db)
    with store.connect() as con:
        con.execute("UPDATE employees SET first_name = $n WHERE matricule = 'MAT1002'", {"n": IMAGE_NAME})
        con.execute("UPDATE training_records SET training_title = $t WHERE matricule = 'MAT1002'", {"t": LINK_TITLE})
    store.refresh_derived()  # the edits bypass the writers, which refresh the persisted deadlines
    store.sql("CHECKPOINT")
    SCREENSHOTS.mkdir(exist_ok=True)
    # The store's own pages first: the original hole was open from the server's start until a first login.
    addresses = ["parametres", "import", "carence", "journal", *[p for p in PAGES.values() if p not in (
        "parametres", "import", "carence", "journal")]]  # fmt: skip
    with running_dashboard(demo_db, secrets_with_accounts(tmp_path)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for address in addresses:
                context = browser.new_context(viewport={"width": 1440, "height": 1200}, locale="fr-FR")
                page = context.new_page()
                page.goto(url + address)
                wait_for_login_form(page)
                assert_only_the_login_form(page, f"/{address} sans connexion")
                if address == "parametres":
                    page.screenshot(path=str(SCREENSHOTS / "connexion.png"), full_page=True)
                context.close()

            fetched: list[str] = []
            for login, role in ACCOUNTS.items():
                context = browser.new_context(viewport={"width": 1440, "height": 2000}, locale="fr-FR")
                page = context.new_page()
                page.on("request", lambda request: fetched.append(request.url))
                page.goto(url + "salarie?matricule=MAT1002")
                wait_for_login_form(page)
                page.get_by_label("Identifiant").fill(login)
                page.get_by_label("Mot de passe").fill("mauvais")
                page.get_by_role("button", name="Se connecter").click()
                page.get_by_text("Identifiant ou mot de passe incorrect.").wait_for(timeout=PAGE_SECONDS * 1000)
                assert_only_the_login_form(page, f"{login} après un mauvais mot de passe")
                sign_in(page, login)
                assert_no_error_shown(page, f"{login} connecté")
                links = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
                assert [link.strip().splitlines()[-1] for link in links] == NAVIGATION[role], login
                assert f"Connecté : {login}" in page.inner_text("body")
                # The address asked for before signing in opens, and the name from the file stays text.
                page.get_by_role("heading", name="Passeport d'un salarié").wait_for(timeout=PAGE_SECONDS * 1000)
                assert IMAGE_NAME in page.inner_text("body").replace("\u2060", "")  # word joiners: no autolink
                assert page.locator('img[src^="http://127.0.0.1:9/"]').count() == 0
                assert page.locator('a[href^="http://127.0.0.1:9/"]').count() == 0
                if login == "lea":
                    page.screenshot(path=str(SCREENSHOTS / "salarie_lecteur.png"), full_page=True)
                context.close()
            assert not [u for u in fetched if "127.0.0.1:9/" in u], "une adresse venue d'un fichier a été appelée"
        finally:
            browser.close()
    journal = Store(demo_db).query("audit_log", {"limit": 50})
    failures = journal[journal["what"] == "Échec de connexion"]
    assert sorted(failures["detail"]) == sorted(f"compte « {login} »" for login in ACCOUNTS)
