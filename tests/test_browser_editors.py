"""The editable tables of Paramètres in Chromium: a row ticked « Supprimer » is gone once saved (Streamlit's own
row deletion sits in the toolbar the application hides), the others are kept as they were."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect, sync_playwright

from lib.store import Store
from lib.ui import DELETE_COLUMN, edited_rows, kept_rows, with_delete_column
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, PAGE_SECONDS, running_dashboard, wait_until_idle

ROW_PIXELS = 35  # a row of Streamlit's tables, and its header


def test_rows_ticked_supprimer_are_left_out_and_new_rows_kept() -> None:
    shown = with_delete_column(pd.DataFrame({"SIRET": ["1", "2", "3"], "Nom": ["a", "b", "c"]}))
    assert list(shown.columns) == [DELETE_COLUMN, "SIRET", "Nom"] and not shown[DELETE_COLUMN].any()
    # What the editor gives back: one box ticked, one row added below (its box left empty: None).
    edited = pd.DataFrame(
        {"SIRET": ["1", "2", "3", "4"], "Nom": ["a", "b", "c", "d"], DELETE_COLUMN: [False, True, False, None]}
    )
    assert kept_rows(edited).to_dict("list") == {"SIRET": ["1", "3", "4"], "Nom": ["a", "c", "d"]}
    assert kept_rows(edited.assign(**{DELETE_COLUMN: True})).empty
    plain = pd.DataFrame({"SIRET": ["1"]})
    assert kept_rows(plain) is plain  # a table shown without the column is kept whole


def test_an_establishment_ticked_supprimer_is_removed_when_saved(demo_store_file: Path, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium introuvable à {CHROMIUM} : installez-le (make browser, paquet Debian « chromium »).")
    store_path = tmp_path / "passeport.duckdb"
    shutil.copyfile(demo_store_file, store_path)
    before = Store(store_path).sql("SELECT siret FROM establishments ORDER BY siret")["siret"].tolist()
    assert len(before) == 3
    with running_dashboard(store_path) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="fr-FR", base_url=url)
            page.set_default_timeout(PAGE_SECONDS * 1000)
            page.goto("parametres")
            wait_until_idle(page)
            editor = page.locator(".st-key-establishments_editor")
            saved = page.get_by_text("2 établissement(s) enregistré(s).")
            # The third row's « Supprimer » cell (the first column after the row markers, drawn on a canvas): a
            # click selects it, Space
            # ticks it. On a busy machine the canvas may take the key before the click: then the save keeps the
            # three rows (nothing lost), and the box is ticked again.
            for pause in (500, 1500, 4000):
                editor.evaluate("element => element.scrollIntoView({block: 'center'})")
                box = editor.bounding_box()
                assert box is not None
                page.mouse.click(box["x"] + 60, box["y"] + ROW_PIXELS * 3 + ROW_PIXELS / 2)
                page.wait_for_timeout(pause)
                page.keyboard.press(" ")
                wait_until_idle(page)
                page.get_by_role("button", name="Enregistrer les établissements").click()
                wait_until_idle(page)
                if saved.count():
                    break
            expect(saved).to_be_visible()
        finally:
            browser.close()
    after = Store(store_path).sql("SELECT siret FROM establishments ORDER BY siret")["siret"].tolist()
    assert after == before[:2]  # the third shown (the demo lists them in SIRET order) is the one removed


def test_an_edited_row_without_its_key_is_reported_by_its_line_never_dropped() -> None:
    edited = pd.DataFrame(
        {
            DELETE_COLUMN: [False, False, True, None, None, None],
            "SIRET": [" 97228186900107 ", "97228186900214", "97228186900321", None, None, float("nan")],
            "Nom": ["Siège", None, "Atelier", "Nouvel atelier", None, None],
            "Site": ["Guyon", float("nan"), "Guibert", None, "", None],
        }
    )
    rows, missing = edited_rows(edited, ["SIRET", "Nom", "Site"], key="SIRET")
    # Stripped text, '' for an empty cell; the ticked row left out; the wholly empty rows (5, 6) skipped.
    assert rows == [("97228186900107", "Siège", "Guyon"), ("97228186900214", "", "")]
    assert missing == [4]  # « Nouvel atelier », begun without its SIRET: the 4th line of the table
    added = edited.set_axis([0, 1, 2, 7, 8, 9])  # rows added in the editor keep labels of their own
    assert edited_rows(added, ["SIRET", "Nom", "Site"], key="SIRET")[1] == [4]
