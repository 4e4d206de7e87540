"""The Monday routine of a new HR user, walked in real Chromium on a copy of the demo store (issue 14): each step
asserts what the user sees and what the store holds after each write, and leaves a screenshot in tests/screenshots/.

dashboard (« dont N avec écarts ») → Vérification: accept, request a correction, undo → Carence: generate, leave,
come back, confirm from the history, undo after a confirmation → Échéances: one person, one site, Excel export →
Salarié: « prénom nom » without accents → Import: an HR export of another establishment, cancelled → Paramètres:
« Date du jour », a fixed date and its banner on every page, back to « Date du jour »."""

from __future__ import annotations

import io
import re
import time
import unicodedata
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from playwright.sync_api import Locator, Page, expect, sync_playwright

from lib.store import Store
from tests.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGE_SECONDS,
    PAGES,
    SCREENSHOTS,
    assert_no_error_shown,
    running_dashboard,
    someone_with_an_expired_habilitation,
    wait_until_idle,
)
from tests.test_import_warnings import FOREIGN_SIRET, TRAININGS

WAIT = PAGE_SECONDS * 1000
ROW_PIXELS = 35  # a row of Streamlit's tables, and its header


def shot(page: Page, step: int, name: str, at: Locator | None = None) -> None:
    """The screen at this step (Streamlit scrolls inside its own frame: `at` is brought into view first)."""
    if at is not None:
        at.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"parcours_{step:02d}_{name}.png"))


def go(page: Page, path: str) -> None:
    page.goto(path)
    wait_until_idle(page)
    assert_no_error_shown(page, path or "tableau de bord")


def click(target: Locator) -> None:
    target.click()
    wait_until_idle(target.page)


def until(check: Callable[[], bool], what: str) -> None:
    """Wait (generously) for what a click writes to reach the store: the click returns before the run has."""
    deadline = time.monotonic() + PAGE_SECONDS
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"toujours pas après {PAGE_SECONDS} s : {what}")
        time.sleep(0.2)


def tick_row(table: Locator, row: int, shown: Locator) -> None:
    """Tick a line's selection box (the first column of a table drawn on a canvas), until `shown` appears.

    On a busy machine a click can land while the canvas is still being redrawn after the previous run and be
    lost: the box is then clicked once more — never once the page says a line is selected (a second click would
    untick it), then `shown` is only waited for."""
    selected = table.page.get_by_text(re.compile(r"^Action sur \d+ ligne\(s\) sélectionnée\(s\)"))
    for _ in range(3):
        if selected.count() > 0:
            break
        # The page may be scrolled past the table (a button below it was clicked): a click outside the window is
        # lost, so the table is brought to the middle of the window first.
        table.evaluate("element => element.scrollIntoView({block: 'center'})")
        box = table.bounding_box()
        assert box is not None
        table.page.mouse.click(box["x"] + 18, box["y"] + ROW_PIXELS * (row + 1) + ROW_PIXELS / 2)
        wait_until_idle(table.page)
        try:
            expect(shown).to_be_visible(timeout=15_000)
            return
        except AssertionError:
            continue
    expect(shown).to_be_visible()


def without_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def table_count(store: Store, table: str) -> int:
    return int(store.sql(f"SELECT count(*) AS n FROM {table}")["n"].iloc[0])


def decisions(store: Store) -> list[tuple[str, int | None]]:
    """The verification actions, newest first: (action, the action it undoes)."""
    history = store.action_history("of_line")
    pairs = zip(history["action"], history["undoes"], strict=True)
    return [(str(a), None if pd.isna(u) else int(u)) for a, u in pairs]


def test_the_monday_routine_of_a_new_hr_user(demo_db: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium introuvable à {CHROMIUM} : installez-le (make browser, paquet Debian « chromium »).")
    SCREENSHOTS.mkdir(exist_ok=True)
    store = Store(demo_db)
    matricule = someone_with_an_expired_habilitation(demo_db)
    person = store.sql(
        "SELECT first_name, coalesce(usage_name, birth_name) AS name, site FROM employees WHERE matricule = $m",
        {"m": matricule},
    ).iloc[0]
    accented = store.sql(
        "SELECT matricule, first_name, coalesce(usage_name, birth_name) AS name FROM employees "
        "WHERE strip_accents(first_name) <> first_name ORDER BY matricule LIMIT 1"
    ).iloc[0]
    with running_dashboard(demo_db) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 1440, "height": 1400}, locale="fr-FR", base_url=url, accept_downloads=True
            )
            page = context.new_page()
            page.set_default_timeout(WAIT)
            expect.set_options(timeout=WAIT)  # a busy machine: generous waits, never a timing assertion

            # 1. The dashboard: « dont N avec écarts » opens Vérification on exactly those lines.
            go(page, "")
            shot(page, 1, "tableau_de_bord")
            link = page.get_by_role("link", name=re.compile(r"dont \d+ avec écarts"))
            with_gaps = int(re.sub(r"\D", "", link.inner_text()))
            assert with_gaps > 1
            click(link)
            assert "ecarts=true" in page.url
            assert_no_error_shown(page, "vérification depuis le tableau de bord")
            expect(page.get_by_text(re.compile(rf"^{with_gaps} déclaration\(s\) sur"))).to_be_visible()
            shot(page, 2, "verification_avec_ecarts")

            # 2. Vérification: accept a line, request a correction on another, undo the request.
            before = decisions(store)
            table = page.locator('[class*="st-key-verification_table"]:not([data-retained="true"])')
            detail = page.locator(".st-key-verification_detail")
            tick_row(table, 0, detail)
            expect(detail).to_contain_text("Détail de la déclaration sélectionnée")
            shot(page, 3, "verification_detail", at=detail)
            click(page.get_by_role("button", name="Enregistrer la décision"))
            expect(page.get_by_text("1 déclaration(s) acceptée(s).")).to_be_visible()
            assert decisions(store)[: len(before) + 1] == [("accepted", None), *before]
            expect(page.get_by_text(re.compile(rf"^{with_gaps - 1} déclaration\(s\) sur"))).to_be_visible()
            expect(detail).to_have_count(0)  # the decided line gone, no other line is selected in its place

            tick_row(table, 0, detail)
            click(page.get_by_text("Demander une correction", exact=True))
            reason = page.get_by_role("textbox", name="Motif")
            assert reason.input_value().strip(), "the reason is prefilled with the line's discrepancies"
            click(page.get_by_role("button", name="Enregistrer la décision"))
            expect(page.get_by_text("1 déclaration(s) en demande de correction.")).to_be_visible()
            after = decisions(store)
            assert after[:2] == [("correction_requested", None), ("accepted", None)]
            recent = page.locator('[data-testid="stExpander"]').filter(has_text="Dernières décisions")
            shot(page, 4, "verification_decisions", at=recent)

            click(recent.get_by_role("button", name="Annuler", exact=True).first)
            expect(page.get_by_text("Décision annulée (1 ligne(s)).")).to_be_visible()
            request_id = int(store.action_history("of_line")["id"].iloc[1])
            assert decisions(store)[:3] == [("undone", request_id), ("correction_requested", None), ("accepted", None)]
            shot(page, 5, "verification_annulation", at=recent)

            # 3. Carence: generate, leave, come back: the history still confirms; undoing asks first.
            go(page, "carence")
            click(page.get_by_role("button", name="Générer le fichier"))
            until(lambda: not store.export_history("carence").empty, "le fichier de carence généré")
            wait_until_idle(page)
            history = store.export_history("carence")
            assert len(history) >= 1 and set(history["status"]) == {"generated"}  # one file per portal kind
            export_id = int(history["id"].iloc[0])  # the newest, first in the page's history

            def status() -> str:
                statuses = store.export_history("carence").set_index("id")["status"]
                return str(statuses[export_id])

            go(page, "")
            go(page, "carence")
            expect(page.get_by_text("généré, dépôt à confirmer")).to_have_count(len(history))
            confirm = page.get_by_role("button", name="J'ai déposé ce fichier", exact=True)
            expect(confirm).to_have_count(len(history))  # every generated file stays confirmable
            expect(page.get_by_role("button", name="Écarter")).to_have_count(len(history))
            shot(page, 6, "carence_historique", at=confirm.last)
            click(confirm.first)
            until(lambda: status() == "deposited", "le dépôt confirmé")
            wait_until_idle(page)
            click(page.get_by_role("button", name="Annuler le dépôt"))
            asked = page.get_by_text(re.compile("Annuler le dépôt de « .* » \\?"))
            expect(asked).to_be_visible()
            assert status() == "deposited", "nothing undone before the second click"
            shot(page, 7, "carence_annuler_le_depot", at=asked)
            click(page.get_by_role("button", name="Oui, annuler le dépôt"))
            until(lambda: status() == "undone", "le dépôt annulé")

            # 4. Échéances: one person (« prénom nom », accents dropped) on one site, exported to Excel.
            go(page, "echeances")
            search = page.get_by_label("Salarié", exact=True)
            search.fill(without_accents(f"{person['first_name']} {person['name']}").lower())
            search.press("Enter")
            page.wait_for_url("**recherche=**")
            wait_until_idle(page)
            site = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Site")
            site.locator("input").click()
            click(page.get_by_role("option", name=str(person["site"]), exact=True))
            click(page.locator("h1"))  # away from the list, as a person does (after Escape, a first click is lost)
            page.wait_for_url("**site=**")
            wait_until_idle(page)
            counted = page.get_by_text(re.compile(r"^\d+ formation\(s\) · 1 salarié\(s\)\.$"))
            shown = int(counted.inner_text().split()[0])
            assert shown >= 1
            shot(page, 8, "echeances_filtrees")
            with page.expect_download() as download_info:
                page.get_by_role("button", name="Télécharger (Excel)").click()
            sheet = openpyxl.load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes())).active
            assert sheet is not None
            header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
            assert len(rows) == shown
            assert {r[header.index("Matricule")] for r in rows} == {matricule}
            assert {r[header.index("Site")] for r in rows} == {person["site"]}

            # 5. Salarié: « prénom nom » in the other order, without accents, finds the person.
            go(page, "salarie")
            typed = without_accents(f"{accented['first_name']} {accented['name']}").lower()
            search = page.get_by_label("Rechercher un salarié")
            search.fill(typed)
            search.press("Enter")
            wait_until_idle(page)
            chooser = page.locator('[data-testid="stSelectbox"]').filter(has_text="Salarié")
            chooser.locator("input").click()
            found = page.get_by_role("option").filter(has_text=str(accented["matricule"]))
            expect(found).to_have_count(1)  # « prénom nom », accents dropped
            assert str(accented["first_name"]) in found.inner_text()
            click(found)
            assert f"matricule={accented['matricule']}" in page.url
            shot(page, 9, "salarie_trouve")

            # 6. Import: an HR export of another establishment is held back; « Annuler » stores nothing.
            tables = ("training_records", "employees", "imports", "actions", "exports")
            counts = {t: table_count(store, t) for t in tables}
            go(page, "import")
            click(page.get_by_text("Formations des salariés (export SIRH : CSV ou Excel)"))
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
                {"name": "formations_autre.csv", "mimeType": "text/csv", "buffer": TRAININGS}
            )
            wait_until_idle(page)
            click(page.get_by_role("button", name="Importer", exact=True))
            warning = page.locator('[data-testid="stAlert"]').filter(has_text="pas le vôtre")
            text = warning.inner_text()
            assert "1 formation(s) rattaché(e)s à un établissement qui n'est pas le vôtre" in text
            assert f"SIRET {FOREIGN_SIRET} (1 ligne(s))" in text
            assert "2 formation(s) de 2 personne(s) absente(s) du registre du personnel" in text
            assert "INCONNUE Inès" in text
            assert counts["training_records"] == table_count(store, "training_records"), "nothing stored yet"
            shot(page, 10, "import_avertissement", at=warning)
            click(page.get_by_role("button", name="Annuler", exact=True))
            expect(page.get_by_text("import annulé ; rien n'a été enregistré.")).to_be_visible()
            assert {t: table_count(store, t) for t in counts} == counts
            shot(page, 11, "import_annule")

            # 7. Paramètres: a fixed date is an explicit choice, shown on every page; « Date du jour » takes it away.
            go(page, "parametres")
            click(page.get_by_text("Date du jour", exact=True))
            click(page.get_by_role("button", name="Revenir à la date du jour"))
            until(lambda: store.get_setting("reference_date") in ("", None), "le retour à la date du jour")
            expect(page.get_by_text("Date de référence fixée")).to_have_count(0)
            go(page, "parametres")
            assert page.get_by_role("radio", name="Date du jour").is_checked(), "« Date du jour » is the default"
            shot(page, 12, "parametres_date_du_jour")
            click(page.get_by_text("Date fixée", exact=True))
            today = date.today()  # the date field opens on today: another day of this month is typed
            fixed = today.replace(day=16 if today.day != 16 else 15)
            page.get_by_role("spinbutton", name="day, Date fixée").click()
            page.keyboard.type(f"{fixed.day:02d}")
            page.keyboard.press("Enter")
            page.locator("h1").click()  # the date is taken when the field loses focus
            expect(page.get_by_text("Une date fixée ne bouge plus", exact=False)).to_have_count(0)  # not today
            wait_until_idle(page)
            click(page.get_by_role("button", name="Fixer cette date"))
            until(lambda: store.get_setting("reference_date") == fixed.isoformat(), f"la date fixée au {fixed}")
            for path in PAGES.values():
                go(page, path)
                banner = page.locator('[data-testid="stAlert"]').filter(has_text="Date de référence fixée")
                assert f"{fixed:%d/%m/%Y}" in banner.inner_text(), path
            shot(page, 13, "bandeau_date_fixee")
            go(page, "parametres")
            click(page.get_by_text("Date du jour", exact=True))
            click(page.get_by_role("button", name="Revenir à la date du jour"))
            until(lambda: store.get_setting("reference_date") in ("", None), "le retour à la date du jour")
            for path in PAGES.values():
                go(page, path)
                assert "Date de référence fixée" not in page.inner_text("body"), path
            shot(page, 14, "sans_bandeau")
        except Exception:
            for opened in browser.contexts[0].pages if browser.contexts else []:
                opened.screenshot(path=str(SCREENSHOTS / "parcours_echec.png"))  # what the step saw, for the report
            raise
        finally:
            browser.close()
