"""No English word of Streamlit's on any page, in a real browser on the demo store: what AppTest cannot render (a
dropdown's « Select all » and « No results », the uploader's « Upload » and « 200MB per file », « Press Enter to
apply » under a typed field) is replaced by French (lib/ui/french.py), and no page shows « None », « nan », « NaT »."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, sync_playwright

from lib.ui import french
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, PAGES, SCREENSHOTS, running_dashboard, wait_until_idle

ENGLISH = (
    "Select all",
    "Select 2 matches",
    "No results",
    "Upload",
    "Browse files",
    "Drag and drop",
    "per file",
    "200MB",
    "Limit",
    "Press Enter",
    "Press Ctrl",
    "submit form",
    "Clear all",
    "You can only select",
    "Download as CSV",
    "Fullscreen",
    "Sort ascending",
    "or smaller",  # « File must be 200.0MB or smaller. »
    "are not allowed",  # « application/pdf files are not allowed. »
    "view more",  # a long toast
    "outside the allowed",  # « Error: Number is outside the allowed range »
)
FILE_SIZE = re.compile(r"\b\d+(?:\.\d+)?\s?[KMG]?B\b")  # Streamlit's « 278.0B », « 1.2MB »
TECHNICAL = re.compile(r"\b(?:None|nan|NaN|NaT)\b")


@pytest.fixture(scope="module")
def dashboard(demo_store_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the module, on its own copy of the demo store (these tests only read)."""
    copy = tmp_path_factory.mktemp("francais") / "passeport.duckdb"
    shutil.copyfile(demo_store_file, copy)
    with running_dashboard(copy) as url:
        yield url


@pytest.fixture
def page(dashboard: str) -> Iterator[Page]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium introuvable à {CHROMIUM} : installez-le (make browser, paquet Debian « chromium »).")
    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1440, "height": 1400}, locale="fr-FR", base_url=dashboard)
        finally:
            browser.close()


def english_on_screen(page: Page) -> list[str]:
    """The English words a person reads on the page (innerText leaves out what a stylesheet hides)."""
    body = page.inner_text("body")
    return [word for word in ENGLISH if word in body]


def drawn_after(element: Locator) -> str:
    """The French words a `::after` of the element draws (the stylesheet's replacement of an English text)."""
    content = element.evaluate("e => getComputedStyle(e, '::after').content")
    return str(content).strip('"')


def test_no_page_shows_an_english_word_of_streamlit_nor_none(page: Page) -> None:
    for name, path in PAGES.items():
        page.goto(path)
        wait_until_idle(page)
        assert english_on_screen(page) == [], name
        body = page.inner_text("body")
        assert not TECHNICAL.findall(body), f"{name} : {TECHNICAL.findall(body)}"


def test_a_multiselect_offers_no_select_all_and_says_no_match_in_french(page: Page) -> None:
    page.goto("echeances")
    wait_until_idle(page)
    site = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Site")
    site.locator("input").click()
    dropdown = page.locator('[data-testid="stMultiSelectDropdown"]')
    dropdown.get_by_role("option").first.wait_for()
    assert "Select all" not in dropdown.inner_text()
    assert dropdown.get_by_role("option").count() == 3, "the demo's three sites, nothing else"
    site.locator("input").fill("zzqx")
    empty = page.locator('[role="listbox"][data-empty="true"]')
    empty.wait_for()
    page.screenshot(path=str(SCREENSHOTS / "francais_liste_sans_resultat.png"))
    assert empty.is_visible()
    assert drawn_after(empty) == french.NO_RESULTS
    assert english_on_screen(page) == []


def test_a_selectbox_says_no_match_in_french(page: Page) -> None:
    page.goto("echeances")
    wait_until_idle(page)
    horizon = page.locator('[data-testid="stSelectbox"]').filter(has_text="Horizon")
    horizon.locator("input").click()
    horizon.locator("input").fill("zzqx")
    empty = page.locator('[role="listbox"][data-empty="true"]')
    empty.wait_for()
    assert empty.is_visible()
    assert drawn_after(empty) == french.NO_RESULTS
    assert english_on_screen(page) == []


def test_a_typed_search_says_how_to_apply_it_in_french(page: Page) -> None:
    page.goto("echeances")
    wait_until_idle(page)
    page.get_by_label("Salarié", exact=True).fill("dupont")
    instructions = page.locator('[data-testid="InputInstructions"]')
    instructions.wait_for()
    assert instructions.is_visible()
    assert drawn_after(instructions) == french.PRESS_ENTER
    assert english_on_screen(page) == []


def test_the_uploader_speaks_french(page: Page) -> None:
    page.goto("import")
    wait_until_idle(page)
    uploader = page.locator('[data-testid="stFileUploader"]')
    button = uploader.locator("button")
    assert button.is_visible()
    assert drawn_after(button.locator('[data-testid="stMarkdownContainer"]')) == french.BROWSE_FILES
    limits = page.get_by_text("Fichiers CSV, TXT, XLSX ou XLS, 200 Mo au plus par fichier.", exact=True)
    assert limits.is_visible()
    assert english_on_screen(page) == []
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        {"name": "formations.csv", "mimeType": "text/csv", "buffer": b"Matricule;Formation\n"}
    )
    wait_until_idle(page)
    assert page.get_by_text("formations.csv", exact=True).is_visible()
    assert not FILE_SIZE.search(page.inner_text("body")), "no « 20.0B » after the file's name"
    assert french.DROP_FILES not in page.inner_text("body"), "« drop here » only while a file is dragged over"
    page.screenshot(path=str(SCREENSHOTS / "francais_import.png"))
    assert english_on_screen(page) == []


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("export_sirh.csv", 230_000_000),  # over the server's 200 Mo: « File must be 200.0MB or smaller. »
        ("rapport.pdf", 1_000),  # a type the uploader does not take: « application/pdf files are not allowed. »
    ],
)
def test_a_file_the_uploader_refuses_is_said_refused_in_french(
    page: Page, tmp_path: Path, name: str, size: int
) -> None:
    page.goto("import")
    wait_until_idle(page)
    chosen = tmp_path / name
    with chosen.open("wb") as handle:
        handle.truncate(size)  # a sparse file: no 230 MB written to the disk
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(chosen)
    refused = page.locator('[data-testid="stFileChip"][aria-invalid="true"]')
    refused.wait_for()
    assert drawn_after(page.locator('[data-testid="stFileChips"]').first) == french.FILE_REFUSED
    refused.hover()  # Streamlit's reason, in English, would show in a tooltip
    page.wait_for_timeout(1000)
    tooltip = page.locator('[role="tooltip"]:has([data-testid="stTooltipErrorContent"])')
    assert tooltip.count() == 1 and not tooltip.is_visible()
    assert english_on_screen(page) == []


def test_a_number_typed_out_of_its_limits_is_said_so_in_french(page: Page) -> None:
    page.goto("parametres")
    wait_until_idle(page)
    field = page.get_by_role("spinbutton", name="Horizon « expire bientôt » (jours)")
    field.scroll_into_view_if_needed()
    field.fill("999999")
    page.keyboard.press("Tab")
    wait_until_idle(page)
    number = page.locator('[data-testid="stNumberInput"]').filter(has=field)
    number.locator('[data-testid="stTooltipErrorHoverTarget"]').hover()  # the « ! » Streamlit draws in the field
    error = page.locator('[role="tooltip"] [data-testid="stTooltipErrorContent"]')
    error.wait_for()
    assert error.is_visible() and drawn_after(error) == french.OUT_OF_RANGE
    assert error.inner_text().strip() == ""  # « Error: Number is outside the allowed range… » is not shown
    assert english_on_screen(page) == []


def test_the_first_tab_stop_says_skip_to_the_content_in_french(page: Page) -> None:
    page.goto("verification")
    wait_until_idle(page)
    page.keyboard.press("Tab")
    link = page.locator('[data-testid="stSkipToContent"]')
    assert link.evaluate("e => e === document.activeElement"), "the link is still the first Tab stop"
    assert link.is_visible()
    assert drawn_after(link) == french.SKIP_TO_CONTENT
    assert link.evaluate("e => getComputedStyle(e).fontSize") == "0px", "its English letters take no room"
    page.screenshot(
        path=str(SCREENSHOTS / "francais_aller_au_contenu.png"), clip={"x": 0, "y": 0, "width": 700, "height": 120}
    )


def test_tables_show_no_english_toolbar_nor_column_menu(page: Page) -> None:
    page.goto("verification")
    wait_until_idle(page)
    table = page.locator('[data-testid="stDataFrame"]').first
    table.hover()  # brings it into the window first: the box below is where it is drawn now
    box = table.bounding_box()
    assert box is not None
    for testid in ("stElementToolbar", "stElementToolbarButton"):
        shown = page.locator(f'[data-testid="{testid}"]')
        assert all(not shown.nth(i).is_visible() for i in range(shown.count())), testid
    # The « ⋮ » of the « Salarié » column's header (the third column: selection box, Échéance, Statut, Salarié),
    # which Streamlit draws on its canvas: the menu it opens exists, and is not shown.
    # On a busy machine the « ⋮ » may not be drawn yet when the click lands (the click then sorts the column): the
    # pointer rests on the header a little longer each time, until the menu is there.
    menu = page.locator('[data-testid="stDataFrameColumnMenu"]')
    for rest in (300, 1000, 3000, 6000):
        page.mouse.move(box["x"] + 330, box["y"] + 17)
        page.wait_for_timeout(rest)
        page.mouse.click(box["x"] + 437, box["y"] + 17)
        try:
            menu.wait_for(state="attached", timeout=5_000)
            break
        except PlaywrightError:
            page.mouse.move(box["x"] - 50, box["y"] - 50)  # away, so the next rest shows the « ⋮ » again
    menu.wait_for(state="attached")
    assert not menu.is_visible()
    assert english_on_screen(page) == []
