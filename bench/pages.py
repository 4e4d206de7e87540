"""Page timings in a real browser on the 100,000-employee store (`python bench/pages.py`), written to PAGES.md.

The store is built the way a user would build it: `lib.fakes.scale` writes the roster, the HR records and the OF
files of 100,000 employees (about a million OF lines), and every file goes through the importers, which store the
deadlines in their own transaction. Nothing is computed when the server starts: each page asks the store for what it
shows (lib/ui/lists.py). Measured, in Debian's chromium (tests/test_browser.py helpers):

- cold: the dashboard opened right after the server starts (its caches empty);
- first render of each page in a new tab (HR opening the tool on Monday: a tab of the browser they use, whose
  cache holds Streamlit's scripts), and in a new empty browser profile (nothing cached: the worst case);
- filter changes: a search typed, a status chosen.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import test_browser  # noqa: E402
from dashboard_pages import DASHBOARD_PAGES  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402
from test_browser import CHROMIUM, CHROMIUM_ARGS, peak_memory_mb, running_dashboard, wait_until_idle  # noqa: E402

from lib.fakes.scale import generate_scale  # noqa: E402
from lib.store import Store  # noqa: E402

OUT = REPO / "bench" / "out"
TODAY = date(2026, 11, 23)
PAGES = DASHBOARD_PAGES
test_browser.PAGE_SECONDS = 300  # the cold visit of a million-line store


def build_store(employees: int) -> Path:
    """The generated data set loaded through the importers (cached in bench/out/)."""
    path = OUT / f"employees_{employees}.duckdb"
    if path.exists():
        return path
    folder = OUT / f"employees_{employees}"
    files = generate_scale(folder, employees=employees, today=TODAY)
    building = path.with_suffix(".building")
    building.unlink(missing_ok=True)
    store = Store(building)
    started = time.perf_counter()
    results = [store.import_records(files.roster.read_bytes(), files.roster.name, "roster")]
    results += [store.import_records(p.read_bytes(), p.name, "internal") for p in files.internal]
    for file, organisme, siret in files.of_files:
        results.append(
            store.import_of_file(
                file.read_bytes(), file.name, organisme=organisme, organisme_siret=siret, today=TODAY,
                received_on=TODAY,
            )
        )  # fmt: skip
    from lib.requirements import parse_requirements

    store.replace_requirements(parse_requirements(files.requirements.read_bytes(), files.requirements.name))
    refused = [r.message for r in results if r.status != "imported"]
    assert not refused, refused
    store.set_setting("reference_date", TODAY.isoformat())
    print(f"{path.name}: {store.counts()} imported in {time.perf_counter() - started:.0f} s")
    building.rename(path)
    shutil.rmtree(folder)
    return path


def timed_visit(page: Page, url: str) -> float:
    started = time.perf_counter()
    page.goto(url)
    return wait_until_idle(page) - started


COUNT_LINE = 'p:has-text("déclaration(s)"), p:has-text("formation(s)"), p:has-text("ligne(s) salarié")'


def _count_line(page: Page) -> str:
    """The page's « N … sur M » line: it changes when the filtered list is shown."""
    return " | ".join(page.locator(COUNT_LINE).all_inner_texts())


def timed_change(page: Page, do: Callable[[], None], url_holds: Callable[[str], bool]) -> float:
    """Seconds from the keystroke or click until the page shows the new count of its list (then idle)."""
    before = _count_line(page)
    started = time.perf_counter()
    do()
    page.wait_for_url(url_holds)
    deadline = time.monotonic() + 60
    while _count_line(page) == before and time.monotonic() < deadline:
        time.sleep(0.01)
    shown = time.perf_counter() - started
    wait_until_idle(page)
    return shown


RUNS = 3


def _median(measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(RUNS))


def timed_toggle(page: Page, label: str, param: str) -> float:
    """Switch a toggle on (timed) and off again, RUNS times: the median."""
    toggle = page.get_by_text(label)
    switched = []
    for _ in range(RUNS):
        switched.append(timed_change(page, toggle.click, lambda u: param in u))
        timed_change(page, toggle.click, lambda u: param not in u)
    return statistics.median(switched)


def timed_search(page: Page, text: str) -> float:
    """Type (or clear) the « Salarié » search of the page: seconds until the filtered page is idle."""
    box = page.get_by_label("Salarié", exact=True)
    before = box.input_value()

    def search() -> None:
        box.fill(text)
        box.press("Enter")

    word = (text or before).split()[0]
    return timed_change(page, search, (lambda u: word in u) if text else (lambda u: word not in u))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--store", type=Path, help="an existing store to measure (copied), not the generated one")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "PAGES.md", help="where to write the figures")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    source = args.store or build_store(args.employees)
    store_path = OUT / f"pages_{source.stem}.duckdb"
    shutil.copy(source, store_path)
    counts = Store(store_path).counts()
    load_before = os.getloadavg()[0]
    timings: dict[str, float] = {}
    peaks: list[float] = []

    def note_peak(pid: int) -> None:
        peaks.append(peak_memory_mb(pid) or float("nan"))

    try:
        with (
            running_dashboard(store_path, OUT / "aucun_secret.toml", before_stop=note_peak) as url,
            sync_playwright() as p,
        ):
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            # One browser profile, as a person has: its tabs share the HTTP cache (Streamlit's scripts, kept once
            # loaded). The cold visit is that profile's first ever (nothing cached); each page is then opened in a
            # new tab of it, and in a new empty profile (a browser that never opened the dashboard).
            profile = browser.new_context(viewport={"width": 1440, "height": 2000})
            page = profile.new_page()
            timings["cold: dashboard right after the server starts (empty browser cache)"] = timed_visit(page, url)
            for name, path in PAGES.items():

                def new_tab(path: str = path) -> float:
                    tab = profile.new_page()
                    seconds = timed_visit(tab, url + path)
                    tab.close()
                    return seconds

                def new_profile(path: str = path) -> float:
                    tab = browser.new_page(viewport={"width": 1440, "height": 2000})
                    seconds = timed_visit(tab, url + path)
                    tab.context.close()
                    return seconds

                timings[f"first render, new tab: {name}"] = _median(new_tab)
                timings[f"first render, new empty browser profile: {name}"] = _median(new_profile)
            for name, path in PAGES.items():
                timings[f"second visit: {name}"] = _median(lambda path=path: timed_visit(page, url + path))
            page.goto(url + "verification")
            wait_until_idle(page)
            searched, cleared = [], []
            for _ in range(RUNS):
                searched.append(timed_search(page, "martin jean"))
                cleared.append(timed_search(page, ""))
            timings["filter change: Vérification, search « martin jean »"] = statistics.median(searched)
            timings["filter change: Vérification, search cleared"] = statistics.median(cleared)
            timings["filter change: Vérification, « Avec écarts seulement »"] = timed_toggle(
                page, "Avec écarts seulement", "ecarts"
            )
            page.goto(url + "carence")
            wait_until_idle(page)
            found = []
            for _ in range(RUNS):
                found.append(timed_search(page, "petit"))
                timed_search(page, "")
            timings["filter change: Carence, search « petit »"] = statistics.median(found)
            page.goto(url + "manquants")
            wait_until_idle(page)
            found = []
            for _ in range(RUNS):
                found.append(timed_search(page, "martin"))
                timed_search(page, "")
            timings["filter change: Manquants, search « martin »"] = statistics.median(found)
            page.goto(url + "echeances?etat=valide")  # nothing expires yet in this data set: the valid ones
            wait_until_idle(page)
            timings["filter change: Échéances (valides), « Afficher l'historique »"] = timed_toggle(
                page, "Afficher l'historique", "historique"
            )
            page.screenshot(path=str(OUT / "pages_carence.png"))
            browser.close()
    finally:
        store_path.unlink(missing_ok=True)
    peak_mb = peaks[0]
    described = (
        f"the store {args.store.name}"
        if args.store
        else f"the {args.employees:,}-employee store, imported from the generator's files"
    )
    lines = [
        f"# Page timings on {described}",
        "",
        f"{counts['employees']:,} employees, {counts['of_lines']:,} OF lines, {counts['training_records']:,} HR "
        f"training records; {platform.machine()}, {os.cpu_count()} cores, load average before the run "
        f"{load_before:.1f}, after {os.getloadavg()[0]:.1f}; "
        f"{datetime.now():%Y-%m-%d %H:%M}. Seconds from the navigation until Streamlit is idle, or from the "
        "keystroke until the page shows its list's new count; Debian's chromium; medians of "
        f"{RUNS} (the cold visit happens once).",
        "",
        *(f"- {name}: {seconds:.2f}" for name, seconds in timings.items()),
        "",
        f"Peak memory of the server process (its VmHWM) at the end: {peak_mb:,.0f} MB.",
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
