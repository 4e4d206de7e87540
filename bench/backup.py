"""Time and peak memory of backup, restore and restoring a downloaded copy, each in its own process.

Usage: `python bench/backup.py [--sizes 100000 1000000]`. The stores are the synthetic ones of bench/run.py
(training records straight in SQL, built once in bench/out/).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from run import OUT, _build_records_store  # noqa: E402

from lib.store import Store  # noqa: E402


def child(step: str, size: int) -> dict[str, float]:
    source = OUT / f"records_{size}.duckdb"
    _build_records_store(source, size, carence_only=False)
    work = OUT / "backup_work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    store_path = work / "store.duckdb"
    shutil.copy(source, store_path)
    store = Store(store_path)
    folder = work / "sauvegarde"
    result: dict[str, float] = {"store_mb": store_path.stat().st_size / 1e6}
    if step == "backup":
        started = time.perf_counter()
        store.backup(folder)
        result["seconds"] = time.perf_counter() - started
        result["backup_mb"] = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
    elif step == "restore":
        Store(work / "autre.duckdb").restore(_backup_of(source, work))
        started = time.perf_counter()
        store.restore(work / "sauvegarde_source")
        result["seconds"] = time.perf_counter() - started
    else:
        data = source.read_bytes()
        started = time.perf_counter()
        store.restore_copy(data, "copie.duckdb")
        result["seconds"] = time.perf_counter() - started
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    shutil.rmtree(work, ignore_errors=True)
    return result


def _backup_of(source: Path, work: Path) -> Path:
    copy = work / "source.duckdb"
    shutil.copy(source, copy)
    Store(copy).backup(work / "sauvegarde_source")
    return work / "sauvegarde_source"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    for size in args.sizes:
        for step in ("backup", "restore", "restore_copy"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", step, str(size)],
                capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(REPO)},
            )  # fmt: skip
            values = json.loads(out.stdout.strip().splitlines()[-1])
            print(step, size, json.dumps({k: round(v, 2) for k, v in values.items()}), flush=True)


if __name__ == "__main__":
    main()
