"""Night imports while the dashboard is open: how many imports succeed, how long they wait, page errors.

Usage: `python bench/concurrency.py [--employees 20000] [--browser | --no-browser] [--readers N] [--code DIR]`
(part of `make bench`). A store is built from `python -m lib generate` data (lib.fakes.scale): the roster, the HR
records, the requirements and half of the OF files (cached in bench/out/). Then the other OF files are imported one
after the other through the command line (`python -m lib import …`), as a scheduled job would, while the store is
read as the dashboard reads it:

- `--browser` (the default): the real dashboard, started as `make run` starts it (`python serve.py`), and Debian's
  Chromium cycling through its pages with no pause between visits, as hard as one person can read it. A page error
  is an error or exception element on the page, a « La base … est occupée / utilisée par un autre programme »
  text, or a visit that never becomes idle.
- `--readers N` processes, each running the page path without Streamlit and without its caches: one read
  connection per page run (`with store.reading():`), then the small asks of the Vérification and Échéances pages
  (Store.list_values / list_count / list_rows / list_counts / list_people_count with a lib.lists.ListQuery).

The imports' waits for the store lock are timed from outside the product code. Results are appended to
bench/CONCURRENCY.md. `--code DIR` runs the readers, the dashboard and the imports with another checkout of the
tool (to measure a baseline).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dashboard_pages import DASHBOARD_PAGES

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
TODAY = date(2026, 11, 23)
PAGES = {**DASHBOARD_PAGES, "Salarié": "salarie?matricule={matricule}"}  # one person's passport, not the search
PAGE_SECONDS = 300  # a visit not idle after this long is a page error (a page's read waits 120 s for a writer)
STARTUP_SECONDS = 180
BUSY = re.compile(r"La base .{0,300}?(?:est utilisée par un autre programme|est occupée|est restée occupée)", re.S)
ERROR_ELEMENTS = '[data-testid="stAlertContentError"], [data-testid="stException"]'
SCREENSHOTS = 3  # the first page errors are photographed in bench/out/

# A reader process: the page path without Streamlit and without its caches (so every run asks the store). A page
# run is one `with store.reading():` block, as app.py wraps each run in ui.reading(); inside it, the asks of the
# Vérification page, then in another run those of the Échéances page (their default filters), as lib/ui/lists.py
# makes them. The roster names the pages keep in Streamlit's cache per data version are not asked.
READER = """
import json, sys, time
from datetime import date
from pathlib import Path
from lib import echeances_logic, settings
from lib import verification_logic as logic
from lib.lists import PERSON_COLUMNS, Condition, ListContext, ListQuery, compare, is_in, is_true
from lib.statuses import VALIDITY_LABELS, VERIFICATION_LABELS
from lib.store import Store

db, stop, ready, out = map(Path, sys.argv[1:5])
store = Store(db, user="lecture")
LINE_COLUMNS = [
    "line_key", "organisme", "id_declaration", "id_unique_partenaire", "nir", "matricule", "nom_titulaire", "title",
    "date_fin_formation", "date_debut_validite", "due_on", "verification_deadline", "days_left", "status_label",
    "discrepancies", "discrepancy_details", "establishment", "siret_employeur", "reconciliation", "declared_late",
    "last_reason",
]
VALIDITY_COLUMNS = [
    *PERSON_COLUMNS, "effective_validity_end", "days_left", "person_site", "person_service", "formation",
    "training_title", "end_date", "validity_source", "organisme", "is_internal", "manager",
]


class Snapshot:
    def __init__(self, values):
        self.values = values

    def get_setting(self, key):
        return self.values.get(key)


def context():
    values = store.settings()  # ui.stored_settings()
    raw = values.get("reference_date")
    return ListContext(
        today=date.fromisoformat(raw) if raw else date.today(),
        horizon_days=settings.preferences(Snapshot(values)).horizon_days,
    )


def verification(ctx):
    store.list_values(logic.CONCERNED, ctx, "organisme")
    store.list_values(logic.CONCERNED, ctx, "establishment")
    chosen = tuple(VERIFICATION_LABELS[c] for c in ("to_verify", "correction_requested", "correction_not_made"))
    query = logic.declarations_query(logic.Filters(statuses=chosen))
    store.list_count(query, ctx)
    store.list_count(logic.CONCERNED, ctx)
    store.list_rows(query, ctx, limit=500, columns=LINE_COLUMNS)
    store.list_counts(logic.CORRECTION_REQUESTS, ctx, ["organisme", "correction_answered"])
    store.list_rows(logic.ORPHANS, ctx, limit=logic.ORPHANS_SHOWN, columns=[*LINE_COLUMNS, "training_key"])
    store.list_count(logic.NOT_CONCERNED, ctx)


def echeances(ctx):
    validities = ListQuery("validities")
    for column in ("person_site", "person_service", "formation"):
        store.list_values(validities, ctx, column)
    asked = validities.where(is_true("is_latest"))
    chosen = [VALIDITY_LABELS["expired"], VALIDITY_LABELS["expiring_soon"]]
    for group in echeances_logic.state_groups(chosen, ctx.horizon_days):
        asked = asked.either(*group)
    asked = asked.either(Condition("exit_date", "null"), compare("exit_date", ">=", ctx.today))
    store.list_count(asked, ctx)
    store.list_people_count(asked, ctx)
    store.list_rows(asked, ctx, limit=500, columns=VALIDITY_COLUMNS)
    limited = store.list_first_people(asked, ctx, "days_left", 60)
    if limited:
        latest = validities.where(is_true("is_latest"), is_in("matricule", limited))
        store.list_counts(latest, ctx, ["matricule", "formation", "effective_validity_end"])
        never = ListQuery("missing_trainings").where(is_in("status", ["never_trained"]), is_in("matricule", limited))
        store.list_rows(never, ctx, limit=None, columns=["matricule", "family"])


runs, errors, slowest = 0, [], 0.0
while not stop.exists():
    for name, page in (("Vérification", verification), ("Échéances", echeances)):
        started = time.perf_counter()
        try:
            with store.reading():  # one page run: one read connection, opened at its first ask
                page(context())
            runs += 1
        except Exception as error:
            errors.append(f"{name} : {error!r}"[:300])
        slowest = max(slowest, time.perf_counter() - started)
    ready.touch()
out.write_text(json.dumps({"runs": runs, "errors": errors, "slowest": slowest}))
"""

# The command line itself (lib.__main__.main), with the store lock's waits timed from outside the product code.
WRITER = """
import json, sys, time
from contextlib import contextmanager
from pathlib import Path
try:
    from lib import store_lock
except ImportError:
    store_lock = None
waits = []
if store_lock is not None:
    original = store_lock.hold
    @contextmanager
    def timed(db, mode, **kwargs):
        started = time.perf_counter()
        with original(db, mode, **kwargs) as opened:
            if mode == "write":
                waits.append(time.perf_counter() - started)
            yield opened
    store_lock.hold = timed
from lib.__main__ import main
code = main(sys.argv[2:])
Path(sys.argv[1]).write_text(json.dumps({"code": code, "waits": waits}))
sys.exit(code)
"""


def build_base(employees: int) -> tuple[Path, list[tuple[Path, str, str]]]:
    """The store with half the OF files imported, and the other half still to import (cached in bench/out/)."""
    sys.path.insert(0, str(REPO))
    from lib.fakes.scale import generate_scale
    from lib.requirements import parse_requirements
    from lib.store import Store

    folder = OUT / f"concurrency_{employees}"
    base = OUT / f"concurrency_{employees}.duckdb"
    manifest = folder / "remaining.json"
    if base.exists() and manifest.exists():
        return base, [(Path(p), o, s) for p, o, s in json.loads(manifest.read_text(encoding="utf-8"))]
    shutil.rmtree(folder, ignore_errors=True)
    base.unlink(missing_ok=True)
    files = generate_scale(folder, employees=employees, today=TODAY)  # what `python -m lib generate` writes
    store = Store(base)
    results = [store.import_records(files.roster.read_bytes(), files.roster.name, "roster")]
    results += [store.import_records(p.read_bytes(), p.name, "internal") for p in files.internal]
    half = len(files.of_files) // 2
    for path, organisme, siret in files.of_files[:half]:
        results.append(
            store.import_of_file(
                path.read_bytes(), path.name, organisme=organisme, organisme_siret=siret, today=TODAY,
                received_on=TODAY,
            )
        )  # fmt: skip
    refused = [r.message for r in results if r.status != "imported"]
    assert not refused, refused
    store.replace_requirements(parse_requirements(files.requirements.read_bytes(), files.requirements.name))
    store.set_setting("reference_date", TODAY.isoformat())
    remaining = [(str(p), o, s) for p, o, s in files.of_files[half:]]
    manifest.write_text(json.dumps(remaining), encoding="utf-8")
    return base, [(Path(p), o, s) for p, o, s in remaining]


def some_matricule(db: Path) -> str:
    """An employee with trainings, for the Salarié page."""
    from lib.lists import ListContext, ListQuery
    from lib.store import Store

    rows = Store(db, user="lecture").list_rows(
        ListQuery("validities"), ListContext(today=TODAY, horizon_days=90), limit=1, columns=["matricule"]
    )
    return str(rows["matricule"].iloc[0])


@contextmanager
def dashboard(code: Path, db: Path, work: Path, peak: list[float]) -> Iterator[str]:
    """The dashboard as `make run` starts it (`python serve.py`), in local mode, on the store; its URL."""
    sys.path[:0] = [str(REPO), str(REPO / "tests")]
    import test_browser

    test_browser.STARTUP_SECONDS = STARTUP_SECONDS

    def note_peak(pid: int) -> None:
        rss = test_browser.peak_memory_mb(pid)
        if rss is not None:
            peak.append(rss)

    with test_browser.running_dashboard(db, work / "aucun_secret.toml", code=code, before_stop=note_peak) as url:
        yield url


@dataclass
class Browsing:
    """One person's browser on the dashboard, visiting its pages one after the other, without a pause."""

    url: str
    paths: dict[str, str]
    shots: Path
    warm: threading.Event = field(default_factory=threading.Event)  # one full round of the pages done
    counting: threading.Event = field(default_factory=threading.Event)  # the imports have started
    stop: threading.Event = field(default_factory=threading.Event)
    visits: list[dict[str, Any]] = field(default_factory=list)
    warmup_seconds: float = 0.0
    failure: str = ""

    def run(self) -> None:
        try:
            self._browse()
        except Exception as error:  # reported, and the imports are not waited for in vain
            self.failure = repr(error)[:300]
        finally:
            self.warm.set()

    def _browse(self) -> None:
        sys.path[:0] = [str(REPO / "tests")]
        import test_browser
        from playwright.sync_api import sync_playwright

        test_browser.PAGE_SECONDS = PAGE_SECONDS
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(test_browser.CHROMIUM), args=test_browser.CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 2000}, locale="fr-FR")
            started = time.perf_counter()
            while not self.stop.is_set():
                for name, path in self.paths.items():
                    if self.stop.is_set():
                        break
                    self.visits.append(self._visit(page, name, path, test_browser.wait_until_idle))
                if not self.warm.is_set():
                    self.warmup_seconds = time.perf_counter() - started
                    self.warm.set()
            page.screenshot(path=str(self.shots / "concurrency_last.png"), full_page=True)
            browser.close()

    def _visit(self, page: Any, name: str, path: str, wait_until_idle: Any) -> dict[str, Any]:
        from playwright.sync_api import Error as PlaywrightError

        during = self.counting.is_set()
        started = time.perf_counter()
        error = ""
        try:
            page.goto(self.url + path, timeout=PAGE_SECONDS * 1000)
            seconds = wait_until_idle(page) - started
        except (AssertionError, PlaywrightError) as failed:
            seconds = time.perf_counter() - started
            error = f"jamais au repos après {seconds:.0f} s ({str(failed).splitlines()[0][:150]})"
        try:
            error = error or _page_error(page)
        except PlaywrightError as failed:
            error = f"page illisible ({str(failed).splitlines()[0][:150]})"
        errors_before = sum(1 for v in self.visits if v["error"])
        if error and errors_before < SCREENSHOTS:
            try:
                page.screenshot(path=str(self.shots / f"concurrency_error_{errors_before + 1}.png"), full_page=True)
            except PlaywrightError:
                pass
        return {"page": name, "seconds": seconds, "error": error, "during_imports": during}


def _page_error(page: Any) -> str:
    """What the page shows that a person would read as an error (empty: none)."""
    # (an exception element holds an error alert: its text once)
    shown = list(dict.fromkeys(" ".join(t.split()) for t in page.locator(ERROR_ELEMENTS).all_inner_texts()))
    if shown:
        return " / ".join(shown)[:300]
    body = page.inner_text("body")
    busy = BUSY.search(body)
    if busy:
        return " ".join(busy.group(0).split())[:300]
    return "trace d'erreur affichée (Traceback)" if "Traceback" in body else ""


def run(employees: int, browser: bool, readers: int, code: Path) -> dict[str, Any]:
    base, remaining = build_base(employees)
    work = OUT / "concurrency_run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / "store.duckdb"
    shutil.copy(base, db)
    paths = {name: path.format(matricule=some_matricule(db)) for name, path in PAGES.items()}
    env = {**os.environ, "PYTHONPATH": str(code)}
    stop = work / "stop"
    load_before = os.getloadavg()[0]
    peak: list[float] = []
    with ExitStack() as stack:
        processes = []
        for n in range(readers):
            args = [str(db), str(stop), str(work / f"ready_{n}"), str(work / f"reader_{n}.json")]
            log = stack.enter_context((work / f"reader_{n}.log").open("w"))  # DuckDB's progress bars, tracebacks
            processes.append(
                subprocess.Popen([sys.executable, "-c", READER, *args], cwd=code, env=env, stdout=log, stderr=log)
            )
        browsing = None
        thread = None
        if browser:
            url = stack.enter_context(dashboard(code, db, work, peak))
            browsing = Browsing(url, paths, OUT)
            thread = threading.Thread(target=browsing.run, name="navigateur")
            thread.start()
        while not all((work / f"ready_{n}").exists() for n in range(readers)):
            if any(p.poll() is not None for p in processes):
                raise SystemExit(f"un lecteur s'est arrêté avant son premier tour (voir {work})")
            time.sleep(0.2)
        if browsing is not None:
            browsing.warm.wait()
            if browsing.failure:
                raise SystemExit(f"le navigateur s'est arrêté : {browsing.failure}")
            print(f"navigateur : premier tour des pages en {browsing.warmup_seconds:.1f} s", flush=True)
            browsing.counting.set()
        imports = []
        imports_started = time.perf_counter()
        for index, (path, organisme, siret) in enumerate(remaining):
            out = work / f"writer_{index}.json"
            command = [
                "import", str(path), "--kind", "of", "--organisme", organisme, "--organisme-siret", siret,
                "--today", TODAY.isoformat(), "--received-on", TODAY.isoformat(), "--db", str(db),
            ]  # fmt: skip
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", WRITER, str(out), *command], cwd=code, env=env, capture_output=True, text=True
            )
            elapsed = time.perf_counter() - started
            result: dict[str, Any] = (
                json.loads(out.read_text()) if out.exists() else {"code": done.returncode, "waits": []}
            )
            lines = done.stderr.strip().splitlines()
            imports.append(
                {
                    "file": path.name,
                    "ok": done.returncode == 0,
                    "seconds": elapsed,
                    "wait": max(result["waits"], default=None),
                    "told_waiting": "attente" in done.stderr,
                    "error": "" if done.returncode == 0 else (lines[-1] if lines else "")[:300],
                }
            )
            print(f"{path.name}: {'ok' if done.returncode == 0 else 'REFUSÉ'} en {elapsed:.1f} s", flush=True)
        imports_seconds = time.perf_counter() - imports_started
        stop.touch()
        if browsing is not None and thread is not None:
            browsing.stop.set()
            thread.join(timeout=PAGE_SECONDS + 60)
        for process in processes:
            process.wait(timeout=600)
    reports = [json.loads((work / f"reader_{n}.json").read_text()) for n in range(readers)]
    results: dict[str, Any] = {
        "imports": imports,
        "imports_seconds": imports_seconds,
        "readers": reports,
        "load": (load_before, os.getloadavg()[0]),
    }
    if browsing is not None:
        results["browser"] = {
            "visits": browsing.visits,
            "warmup_seconds": browsing.warmup_seconds,
            "failure": browsing.failure,
            "peak_mb": peak[0] if peak else None,
        }
    (OUT / "concurrency_last.json").write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    return results


def french(number: int) -> str:
    """1 234 567, as French writes it (a narrow no-break space between thousands)."""
    return f"{number:,}".replace(",", "\u202f")


def _entry_lines(results: dict[str, Any], employees: int, readers: int, code: Path) -> list[str]:
    imports: list[dict[str, Any]] = results["imports"]
    reports: list[dict[str, Any]] = results["readers"]
    browsing: dict[str, Any] | None = results.get("browser")
    waits = [float(i["wait"]) for i in imports if i["wait"] is not None]
    succeeded = sum(1 for i in imports if i["ok"])
    who = " + ".join(
        [*(["un navigateur"] if browsing is not None else []), *([f"{readers} lecteur(s)"] if readers else [])]
    )
    measured = [
        f"Mesuré : la base de {french(employees)} salariés (fichiers de `lib.fakes.scale`) avec la moitié des fichiers "
        f"d'OF importés ; les {len(imports)} autres importés l'un après l'autre par `python -m lib import`, comme une "
        "tâche de nuit, pendant que le tableau de bord est lu."
    ]
    if browsing is not None:
        measured.append(
            "Le tableau de bord tourne comme `make run` le lance (`python serve.py`) et Chromium enchaîne sans pause "
            f"ses pages ({', '.join(PAGES)}), aussi vite qu'une personne peut le lire ; le premier tour des pages "
            "(caches vides) est fait avant les imports. Erreur de page : un message d'erreur ou une exception "
            "affichés, un texte « La base … est occupée / utilisée par un autre programme », ou une visite qui "
            f"n'est pas au repos après {PAGE_SECONDS} s."
        )
    if readers:
        measured.append(
            f"{readers} processus lecteur(s) font en plus, sans Streamlit ni ses caches, ce que demandent les pages "
            "Vérification et Échéances : une connexion de lecture par exécution de page (`Store.reading()`), puis "
            "leurs comptes, lignes et comptes par valeur (`list_count`, `list_rows`, `list_counts`…)."
        )
    measured.append(
        "L'attente d'un import est mesurée autour du verrou de la base (lib/store_lock.py), sans toucher au code "
        "du produit."
    )
    load_before, load_after = results["load"]
    lines = [
        f"## {datetime.now():%Y-%m-%d %H:%M} — {french(employees)} salariés, {who}, code de {code}",
        "",
        " ".join(measured),
        "",
        f"Machine : {platform.platform()}, {os.cpu_count()} cœurs, Python {platform.python_version()} ; "
        f"charge moyenne sur 1 min : {load_before:.1f} au départ, {load_after:.1f} à la fin (les autres programmes "
        "de la machine compris).",
        "",
        "| mesure | valeur |",
        "|---|---|",
        f"| imports réussis | {succeeded}/{len(imports)} |",
        f"| durée des {len(imports)} imports à la suite | {float(results['imports_seconds']):.0f} s |",
        f"| attente maximale d'un import (verrou) | {max(waits):.2f} s |" if waits else "| attente maximale | — |",
        f"| durée maximale d'un import (attente comprise) | {max(float(i['seconds']) for i in imports):.1f} s |",
        f"| imports qui ont affiché « attente » | {sum(1 for i in imports if i['told_waiting'])} |",
    ]
    errors: list[str] = []
    if browsing is not None:
        visits = [v for v in browsing["visits"] if v["during_imports"]]
        first = [v for v in browsing["visits"] if not v["during_imports"]]
        failed = [v for v in visits if v["error"]]
        slowest = max(visits, key=lambda v: float(v["seconds"]), default=None)
        lines += [
            f"| visites de pages pendant les imports | {len(visits)} |",
            f"| **erreurs de page pendant les imports** | **{len(failed)}** |",
            f"| visite la plus lente pendant les imports | {float(slowest['seconds']):.1f} s ({slowest['page']}) |"
            if slowest
            else "| visite la plus lente | — |",
            f"| visite médiane pendant les imports | {statistics.median(float(v['seconds']) for v in visits):.2f} s |"
            if visits
            else "| visite médiane | — |",
            f"| premier tour des pages, avant les imports | {float(browsing['warmup_seconds']):.1f} s, "
            f"{sum(1 for v in first if v['error'])} erreur(s) |",
        ]
        if browsing["peak_mb"] is not None:
            lines.append(
                f"| mémoire maximale du serveur du tableau de bord | {french(round(browsing['peak_mb']))} Mo |"
            )
        errors += [f"{v['page']} : {v['error']}" for v in browsing["visits"] if v["error"]]
        if browsing["failure"]:
            errors.append(f"navigateur arrêté : {browsing['failure']}")
    if reports:
        lines += [
            f"| exécutions de page des lecteurs | {sum(int(r['runs']) for r in reports)} |",
            f"| exécution de page la plus longue (lecteurs) | {max(float(r['slowest']) for r in reports):.1f} s |",
            f"| erreurs des lecteurs | {sum(len(r['errors']) for r in reports)} |",
        ]
        errors += [str(e) for r in reports for e in r["errors"]]
    lines.append("")
    if browsing is not None:
        per_page = []
        for name in PAGES:
            seen = [float(v["seconds"]) for v in browsing["visits"] if v["during_imports"] and v["page"] == name]
            if seen:
                per_page.append(f"{name} {len(seen)} (au plus {max(seen):.1f} s)")
        if per_page:
            lines += [f"Visites par page pendant les imports : {' ; '.join(per_page)}.", ""]
    refused = [f"- {i['file']} : {i['error']}" for i in imports if not i["ok"]]
    if refused:
        lines += ["Imports refusés :", "", *refused, ""]
    if errors:
        lines += ["Premières erreurs :", "", *[f"- `{e}`" for e in errors[:5]], ""]
    return lines


def write_markdown(results: dict[str, Any], employees: int, readers: int, code: Path, path: Path) -> None:
    lines = _entry_lines(results, employees, readers, code)
    header = "# Imports de nuit pendant que le tableau de bord lit\n\nÉcrit par `bench/concurrency.py`.\n\n"
    previous = path.read_text(encoding="utf-8") if path.exists() else header
    if not previous.startswith("# "):
        previous = header + previous
    path.write_text(previous.rstrip("\n") + "\n\n" + "\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--employees", type=int, default=20_000)
    parser.add_argument(
        "--browser",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the real dashboard read by Chromium during the imports (default; --no-browser: readers only)",
    )
    parser.add_argument("--readers", type=int, default=0, help="reader processes running the pages' asks")
    parser.add_argument("--code", type=Path, default=REPO, help="checkout of the tool to run (default: this one)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "CONCURRENCY.md")
    args = parser.parse_args()
    if not args.browser and not args.readers:
        parser.error("rien ne lit la base : --browser ou --readers N")
    OUT.mkdir(parents=True, exist_ok=True)
    results = run(args.employees, args.browser, args.readers, args.code.resolve())
    write_markdown(results, args.employees, args.readers, args.code.resolve(), args.out)
    print(args.out.read_text(encoding="utf-8").rsplit("## ", 1)[-1])


if __name__ == "__main__":
    main()
