"""The real dashboard in a real browser: every page opens without error, screenshots and timings kept."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from lib import portal
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


@pytest.fixture
def dashboard(demo_db: Path) -> Iterator[str]:
    """`streamlit run app.py` on a copy of the demo store; its base URL."""
    port = free_port()
    log = (demo_db.parent / "streamlit.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
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
        ],
        cwd=REPO,
        env={**os.environ, "PASSEPORT_DB": str(demo_db)},
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
                raise AssertionError(
                    f"Streamlit n'a pas démarré : {(demo_db.parent / 'streamlit.log').read_text(errors='replace')}"
                )
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


def wait_until_idle(page: Page) -> float:
    """Wait for the page title, then for Streamlit's « running » indicator to stay away for a moment.

    Returns the moment (time.perf_counter) the page became idle, so timings do not count the quiet wait.
    """
    page.wait_for_selector("h1", timeout=PAGE_SECONDS * 1000)
    deadline = time.monotonic() + PAGE_SECONDS
    quiet_since: float | None = None
    idle_at = time.perf_counter()
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count() > 0
        skeleton = page.locator('[data-testid="stSkeleton"]').count() > 0
        if running or skeleton:
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
    (SCREENSHOTS / "timings.json").write_text(json.dumps(timings, indent=2, ensure_ascii=False) + "\n")
    slow = {k: v for k, v in timings.items() if v > 20}
    assert not slow, f"pages trop lentes : {slow}"
