"""Page timings in a real browser on a large store (`python bench/pages.py [--lines N]`), written to PAGES.md.

The store is the benchmark's reconciliation store (N OF lines, N/5 internal records), built in SQL. Each page
is opened twice (first visit after the server starts, then warm), and a search is typed on Vérification.
Debian's chromium drives it, as in tests/test_browser.py (whose helpers it reuses).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench"), str(REPO / "tests")]

from playwright.sync_api import sync_playwright  # noqa: E402
from run import OUT, _reconciliation_store  # noqa: E402
from test_browser import CHROMIUM, CHROMIUM_ARGS, wait_until_idle  # noqa: E402

from lib.store import Store  # noqa: E402

PAGES = {"dashboard": "", "verification": "verification", "carence": "carence", "echeances": "echeances"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--port", type=int, default=8599)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    source = OUT / f"reconcile_{args.lines}.duckdb"
    _reconciliation_store(source, args.lines // 5, args.lines)
    store_path = OUT / f"pages_{args.lines}.duckdb"
    shutil.copy(source, store_path)
    Store(store_path).set_setting("reference_date", "2026-11-23")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
         str(args.port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
        cwd=REPO, env={**os.environ, "PASSEPORT_DB": str(store_path)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{args.port}/"
    timings: dict[str, float] = {}
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 2000})
            for visit in ("first", "warm"):
                for name, path in PAGES.items():
                    started = time.perf_counter()
                    page.goto(url + path)
                    timings[f"{visit} visit: {name}"] = wait_until_idle(page) - started
            page.goto(url + "verification")
            wait_until_idle(page)
            search = page.get_by_label("Salarié", exact=True)
            started = time.perf_counter()
            search.fill("NOM123")
            search.press("Enter")
            page.wait_for_url("**NOM123**")
            timings["filter change: Vérification search"] = wait_until_idle(page) - started
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        store_path.unlink(missing_ok=True)
    lines = [
        "# Page timings on a large store",
        "",
        f"{args.lines:,} OF lines and {args.lines // 5:,} internal records; {platform.machine()}, {os.cpu_count()} "
        f"cores; {datetime.now():%Y-%m-%d %H:%M}. Seconds from navigation until Streamlit is idle.",
        "",
        *(f"- {name}: {seconds:.2f}" for name, seconds in timings.items()),
        "",
    ]
    (REPO / "bench" / "PAGES.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
