"""Night imports while the dashboard reads: how many imports succeed, how long writers wait, reader errors.

Usage: `python bench/concurrency.py [--employees 20000] [--readers 4] [--code DIR]` (part of `make bench`).
A store is built from `python -m lib generate` data (lib.fakes.scale): the roster, the HR records and half of the OF
files (cached in bench/out/). Then several reader processes hammer the store with the calls the pages make
(Store.workflows / workflow_summary / counts / query), while the other OF files are imported one after the
other through the command line, as a scheduled job would. Results go to bench/CONCURRENCY.md.
`--code DIR` runs the readers and the imports with another checkout of the tool (to measure a baseline).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
TODAY = date(2026, 11, 23)
WORKFLOWS = ("of_declarations", "expected_trainings", "internal_trainings", "validities")

READER = """
import json, sys, time
from datetime import date
from pathlib import Path
from lib import settings
from lib.store import Store
db, stop, ready, out = map(Path, sys.argv[1:5])
store = Store(db, user="lecture")
today = date(2026, 11, 23)
rounds, errors, slowest = 0, [], 0.0
while not stop.exists():
    started = time.perf_counter()
    try:
        rules, prefs = settings.active_rules(store), settings.preferences(store)  # as each page run does
        store.workflows(WORKFLOWS, rules=rules, today=today, tolerance_days=prefs.tolerance_days)
        for name in WORKFLOWS:
            store.workflow_summary(name, rules=rules, today=today, tolerance_days=prefs.tolerance_days)
        store.counts()
        store.query("recent_imports", {"limit": 20})
        rounds += 1
    except Exception as error:
        errors.append(repr(error)[:300])
    slowest = max(slowest, time.perf_counter() - started)
    ready.touch()
out.write_text(json.dumps({"rounds": rounds, "errors": errors, "slowest": slowest}))
""".replace("WORKFLOWS", repr(WORKFLOWS))

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
    store.set_setting("reference_date", TODAY.isoformat())
    remaining = [(str(p), o, s) for p, o, s in files.of_files[half:]]
    manifest.write_text(json.dumps(remaining), encoding="utf-8")
    return base, [(Path(p), o, s) for p, o, s in remaining]


def run(employees: int, readers: int, code: Path) -> dict[str, object]:
    base, remaining = build_base(employees)
    work = OUT / "concurrency_run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / "store.duckdb"
    shutil.copy(base, db)
    env = {**os.environ, "PYTHONPATH": str(code)}
    stop = work / "stop"
    processes = []
    for n in range(readers):
        args = [str(db), str(stop), str(work / f"ready_{n}"), str(work / f"reader_{n}.json")]
        log = (work / f"reader_{n}.log").open("w")  # DuckDB's progress bars and any traceback
        processes.append(
            subprocess.Popen([sys.executable, "-c", READER, *args], cwd=code, env=env, stdout=log, stderr=log)
        )
    while not all((work / f"ready_{n}").exists() for n in range(readers)):
        if any(p.poll() is not None for p in processes):
            raise SystemExit("a reader stopped before its first round")
        time.sleep(0.2)
    imports = []
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
        result = json.loads(out.read_text()) if out.exists() else {"code": done.returncode, "waits": []}
        imports.append(
            {
                "file": path.name,
                "ok": done.returncode == 0,
                "seconds": elapsed,
                "wait": max(result["waits"], default=None),
                "told_waiting": "attente" in done.stderr,
                "error": "" if done.returncode == 0 else done.stderr.strip().splitlines()[-1][:300],
            }
        )
        print(f"{path.name}: {'ok' if done.returncode == 0 else 'REFUSÉ'} en {elapsed:.1f} s", flush=True)
    stop.touch()
    for process in processes:
        process.wait(timeout=600)
    reports = [json.loads((work / f"reader_{n}.json").read_text()) for n in range(readers)]
    shutil.rmtree(work, ignore_errors=True)
    return {"imports": imports, "readers": reports}


def write_markdown(results: dict[str, object], employees: int, readers: int, code: Path, path: Path) -> None:
    imports: list[dict[str, object]] = results["imports"]  # type: ignore[assignment]
    reports: list[dict[str, object]] = results["readers"]  # type: ignore[assignment]
    waits = [float(i["wait"]) for i in imports if i["wait"] is not None]  # type: ignore[arg-type]
    errors = [e for r in reports for e in r["errors"]]  # type: ignore[attr-defined]
    succeeded = sum(1 for i in imports if i["ok"])
    lines = [
        f"## {datetime.now():%Y-%m-%d %H:%M} — {employees} salariés, {readers} lecteurs, code de {code}",
        "",
        f"Machine : {platform.platform()}, {os.cpu_count()} cœurs, Python {platform.python_version()} ; "
        f"charge moyenne sur 1 min à la fin : {os.getloadavg()[0]:.1f} (les autres programmes de la machine compris).",
        "",
        "| mesure | valeur |",
        "|---|---|",
        f"| imports réussis | {succeeded}/{len(imports)} |",
        f"| attente maximale d'un import (verrou) | {max(waits):.2f} s |" if waits else "| attente maximale | — |",
        f"| durée maximale d'un import (attente comprise) | {max(float(i['seconds']) for i in imports):.1f} s |",  # type: ignore[arg-type]
        f"| imports qui ont affiché « attente » | {sum(1 for i in imports if i['told_waiting'])} |",
        f"| tours de lecture (tous lecteurs) | {sum(int(r['rounds']) for r in reports)} |",  # type: ignore[call-overload]
        f"| tour de lecture le plus long | {max(float(r['slowest']) for r in reports):.1f} s |",  # type: ignore[arg-type]
        f"| erreurs des lecteurs | {len(errors)} |",
        "",
    ]
    refused = [f"- {i['file']} : {i['error']}" for i in imports if not i["ok"]]
    if refused:
        lines += ["Imports refusés :", "", *refused, ""]
    if errors:
        lines += ["Premières erreurs des lecteurs :", "", *[f"- `{e}`" for e in errors[:5]], ""]
    header = "# Imports de nuit pendant que le tableau de bord lit\n\nÉcrit par `bench/concurrency.py`.\n\n"
    previous = path.read_text(encoding="utf-8") if path.exists() else header
    if not previous.startswith("# "):
        previous = header + previous
    path.write_text(previous.rstrip("\n") + "\n\n" + "\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--employees", type=int, default=20_000)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--code", type=Path, default=REPO, help="checkout of the tool to run (default: this one)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "CONCURRENCY.md")
    args = parser.parse_args()
    results = run(args.employees, args.readers, args.code.resolve())
    write_markdown(results, args.employees, args.readers, args.code.resolve(), args.out)
    print(args.out.read_text(encoding="utf-8").rsplit("## ", 1)[-1])


if __name__ == "__main__":
    main()
