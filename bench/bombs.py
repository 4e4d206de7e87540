"""Hostile files at full size, each refused through the real import path in a fresh process: time and peak memory.

Usage: `make bench` (or `python bench/bombs.py [--only NAME]`). The files are built in bench/out/bombs/
(git-ignored) from tests/hostile_builders.py; each one is imported into a fresh empty store by a child
process that reports the import's duration and its peak resident memory (VmHWM), written to bench/BOMBS.md.
Target (issue 11 §3): each refused in seconds, peak under 500 MB.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.hostile_builders import shared_string_workbook, xfd_workbook  # noqa: E402

OUT = REPO / "bench" / "out" / "bombs"
SAMPLE_ADF = REPO.parent / "shared" / "referentials" / "sample_adf_synthetic.csv"
TODAY = date(2026, 11, 23)
INTERNAL_HEADER = ["Matricule", "Nom de naissance", "Formation", "Date de fin"]
TARGET_MB = 500


def _shared_string_bomb() -> bytes:
    header = list(enumerate(INTERNAL_HEADER, start=1))
    rows = [(1, header), *((n, [(1, f"M{n}"), (3, "SST"), (4, "03/03/2026")]) for n in range(2, 5))]
    return shared_string_workbook(rows, huge=(2, 2, 400_000_000))


def _xfd_bomb() -> bytes:
    return xfd_workbook(INTERNAL_HEADER, 20_000)


def _columns_bomb() -> bytes:
    header = ";".join(["Matricule", "Nom de naissance", *(f"C{i}" for i in range(99_998))])
    return (header + "\nM1;A" + ";" * 99_998 + "\n").encode()


def _adf_lines() -> tuple[str, list[str]]:
    header, *body = SAMPLE_ADF.read_bytes().decode("utf-8").split("\r\n")
    return header, [line for line in body if line]


def _of_huge_value() -> bytes:
    """20 MB: one declaration of four holders whose NOM_FORMATION is a 5 MB value on each line."""
    header, body = _adf_lines()
    value = "Sauveteur secouriste du travail " * 160_000
    lines = []
    for index in range(4):
        fields = body[0].split("|")
        fields[2], fields[3] = f"EMP-BOMB-{index}", value
        lines.append("|".join(fields))
    return ("\r\n".join([header, *lines]) + "\r\n").encode()


def _of_200mb(fault: Callable[[list[str], int], None]) -> bytes:
    header, body = _adf_lines()
    template = body[0].split("|")
    lines = []
    size = len(header) + 2
    index = 0
    while True:
        fields = list(template)
        fields[0], fields[2] = f"D{index // 400}", f"EMP-{index:08d}"
        fault(fields, index)
        line = "|".join(fields)
        if size + len(line) + 2 > 199_000_000:
            break
        lines.append(line)
        size += len(line) + 2
        index += 1
    return ("\r\n".join([header, *lines]) + "\r\n").encode()


def _tab_near_the_end(fields: list[str], index: int) -> None:
    if index == 520_000:
        fields[14] = "MAR\tTIN"  # a control character: refused at byte level, the line reader names it


def _bad_nir_everywhere(fields: list[str], index: int) -> None:
    fields[13] = "123"  # passes the byte scan, fails the bulk rules: the line reader lists 1 000 of them


BOMBS: dict[str, tuple[str, str, str, Callable[[], bytes]]] = {
    "xlsx_shared_string_400mb": ("internal", "bombe.xlsx", "one shared string of 400 MB", _shared_string_bomb),
    "xlsx_xfd_20000_rows": ("internal", "xfd.xlsx", "20,000 rows, each with a cell in column XFD", _xfd_bomb),
    "csv_100000_columns": ("roster", "colonnes.csv", "a staff list of 100,000 columns", _columns_bomb),
    "of_20mb_5mb_value": ("of", "valeur.csv", "OF file, a 5 MB value on the 4 lines of a declaration", _of_huge_value),
    "of_200mb_control_char": (
        "of",
        "control.csv",
        "OF file of 199 MB, one tab in a name at line 520,002 (byte scan → line reader)",
        lambda: _of_200mb(_tab_near_the_end),
    ),
    "of_200mb_bad_nirs": (
        "of",
        "nirs.csv",
        "OF file of 199 MB, every NIR invalid (its first lines send it to the line reader, DuckDB skipped)",
        lambda: _of_200mb(_bad_nir_everywhere),
    ),
}


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(name: str, path: Path, db: Path) -> None:
    """In a fresh process: the real import of one bomb into an empty store; one JSON line on stdout."""
    from lib.store import Store

    kind, file_name, _, _ = BOMBS[name]
    store = Store(db)
    before = store.counts()  # the schema, before the clock starts
    data = path.read_bytes()
    floor = _peak_mb()
    started = time.perf_counter()
    if kind == "of":
        result = store.import_of_file(data, file_name, organisme="Bench", today=TODAY)
    else:
        result = store.import_records(data, file_name, kind)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    first = next((p.message for p in result.problems), result.message)
    longest = max((len(p.message) + len(p.value or "") for p in result.problems), default=0)
    stored = {table: count - before.get(table, 0) for table, count in store.counts().items()}
    print(
        json.dumps(
            {
                "status": result.status,
                "seconds": seconds,
                "peak_mb": _peak_mb(),
                "floor_mb": floor,
                "problems": len(result.problems),
                "longest_problem": longest,
                "first": first[:160],
                "stored_rows": sum(stored.values()),
            },
            ensure_ascii=False,
        )
    )


def run(name: str) -> dict[str, object]:
    kind, file_name, what, build = BOMBS[name]
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / file_name
    started = time.perf_counter()
    path.write_bytes(build())
    built = time.perf_counter() - started
    db = OUT / f"{name}.duckdb"
    db.unlink(missing_ok=True)
    completed = subprocess.run(
        [sys.executable, __file__, "--child", name, str(path), str(db)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    db.unlink(missing_ok=True)
    if completed.returncode != 0:
        raise SystemExit(f"{name}: the child failed\n{completed.stderr[-3000:]}")
    measured: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    measured.update(name=name, what=what, file_mb=path.stat().st_size / 1e6, build_seconds=built)
    path.unlink()
    print(f"{name}: {measured['status']} in {measured['seconds']:.2f} s, peak {measured['peak_mb']:.0f} MB", flush=True)
    return measured


def write_results(results: list[dict[str, object]]) -> None:
    lines = [
        "# Refusing hostile files (bench/bombs.py)",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}. "
        f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. One run each, each import in a fresh process into an empty "
        "store. `seconds`: the import call alone; `peak MB`: the process's peak resident memory (VmHWM), the file's "
        "bytes and the loaded libraries included; `floor MB`: the same just before the import (libraries + file). "
        f"Target: refused in seconds, peak under {TARGET_MB} MB. `longest`: the longest problem (message + value) in "
        "characters.",
        "",
        "| bomb | file MB | status | seconds | peak MB | floor MB | problems | longest | stored rows | first message |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        first = str(r["first"]).replace("|", "\\|")
        lines.append(
            f"| {r['name']}: {r['what']} | {float(r['file_mb']):.2f} | {r['status']} | {float(r['seconds']):.2f} | "  # type: ignore[arg-type]
            f"{float(r['peak_mb']):.0f} | {float(r['floor_mb']):.0f} | {r['problems']} | {r['longest_problem']} | "  # type: ignore[arg-type]
            f"{r['stored_rows']} | {first} |"
        )
    (REPO / "bench" / "BOMBS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=sorted(BOMBS))
    parser.add_argument("--child", nargs=3, metavar=("NAME", "FILE", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, path, db = args.child
        child(name, Path(path), Path(db))
        return
    names = [args.only] if args.only else list(BOMBS)
    write_results([run(name) for name in names])


if __name__ == "__main__":
    main()
