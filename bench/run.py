"""Benchmarks of the store at scale, each step in its own process (peak memory), medians written to RESULTS.md.

Usage: `make bench` (or `python bench/run.py [--runs N] [--only STEP]`). Synthetic data is built once per size
in bench/out/ (git-ignored) straight in SQL, then every step is timed `--runs` times.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from lib import declarations, portal  # noqa: E402
from lib.rules import load_rule_set  # noqa: E402
from lib.store import Store  # noqa: E402

OUT = REPO / "bench" / "out"
TODAY = date(2026, 11, 23)
RULES = load_rule_set("decret-2025-748")
SIRETS = ("97228186900008", "97228186900016", "97228186900024")


def _build_records_store(path: Path, records: int, *, carence_only: bool) -> None:
    """`records` training records of records/10 employees, straight in SQL (the import path is benched apart)."""
    if path.exists():
        return
    Store(path).counts()  # creates the schema
    con = duckdb.connect(str(path))
    employees = max(records // 10, 1)
    con.execute(
        "INSERT INTO establishments VALUES ('97228186900008', 'Siège', 'Paris'), "
        "('97228186900016', 'Usine', 'Lyon'), ('97228186900024', 'Dépôt', 'Lille')"
    )
    # NIRs: 13 characters of a valid shape (sex, year, month, department, commune, order).
    con.execute(
        "INSERT INTO employees SELECT 'M' || lpad(i::VARCHAR, 7, '0'), "
        "'1' || lpad((50 + i % 50)::VARCHAR, 2, '0') || lpad((1 + i % 12)::VARCHAR, 2, '0') || '75' || "
        "lpad((i % 999 + 1)::VARCHAR, 3, '0') || lpad((i % 999 + 1)::VARCHAR, 3, '0'), "
        "'NOM' || i, NULL, 'Prénom', "
        "CASE i % 3 WHEN 0 THEN '97228186900008' WHEN 1 THEN '97228186900016' ELSE '97228186900024' END, "
        "CASE i % 3 WHEN 0 THEN 'Paris' WHEN 1 THEN 'Lyon' ELSE 'Lille' END, 'Atelier', NULL, "
        "DATE '2015-01-01', NULL, 0 FROM range($n) t(i)",
        {"n": employees},
    )
    titles = (
        "['Sauveteur secouriste du travail', 'MAC SST', 'Habilitation électrique BS', 'CACES R489 cat 3', "
        "'Gestes et postures', 'Travail en hauteur']"
    )
    if carence_only:
        # Bought SST trainings of Q1 2026 nobody declared: their carence window is open on 23/11/2026.
        select = (
            "SELECT i + 1, 'k' || i, 'M' || lpad((i % $e)::VARCHAR, 7, '0'), NULL, 'NOM' || (i % $e), NULL, "
            "'Prénom', NULL, NULL, NULL, 'Sauveteur secouriste du travail', 'SST', 1, 'Formasud', NULL, false, 'ADF', "
            "DATE '2026-01-05' + (i % 80)::INTEGER, DATE '2026-01-06' + (i % 80)::INTEGER, NULL, NULL, false, NULL, "
            "NULL, 0, 0 FROM range($n) t(i)"
        )
    else:
        select = (
            "SELECT i + 1, 'k' || i, 'M' || lpad((i % $e)::VARCHAR, 7, '0'), NULL, 'NOM' || (i % $e), NULL, "
            f"'Prénom', NULL, NULL, NULL, ({titles})[1 + i % 6], NULL, 1 + i % 4, "
            "CASE WHEN i % 3 = 0 THEN NULL ELSE 'OF ' || (i % 20) END, NULL, i % 3 = 0, 'ADF', "
            "DATE '2024-01-01' + (i % 1800)::INTEGER, DATE '2024-01-02' + (i % 1800)::INTEGER, NULL, "
            "DATE '2026-01-02' + (i % 1800)::INTEGER, false, NULL, NULL, 0, 0 FROM range($n) t(i)"
        )
    con.execute(f"INSERT INTO training_records {select}", {"n": records, "e": employees})
    con.close()
    Store(path).refresh_derived(who="bench")  # built in SQL, past the writers: the persisted deadlines computed


def _portal_file(path: Path, lines: int) -> None:
    """A valid ADF file of `lines` holders in sessions of 100 (the portal's own format)."""
    if path.exists():
        return
    sample = (REPO.parent / "shared" / "referentials" / "sample_adf_synthetic.csv").read_bytes().decode().splitlines()
    header, template = sample[0], sample[1].split("|")
    rows = [header]
    for i in range(lines):
        row = list(template)
        row[0] = f"SESSION-{i // 100}"
        row[2] = f"EMP-{i:08d}"
        nir12 = f"1{50 + i % 50:02d}{1 + i % 12:02d}75{i % 999 + 1:03d}{i // 999 % 999 + 1:03d}"
        row[13] = nir12
        row[14] = f"NOM{i}"
        row[17] = f"M{i:07d}"
        rows.append("|".join(row))
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")


# ---------------------------------------------------------------------------- steps (run in a child)


def step_statuses(size: int) -> dict[str, float]:
    path = OUT / f"records_{size}.duckdb"
    _build_records_store(path, size, carence_only=False)
    store = Store(path)
    timings = {}
    for name in ("expected_trainings", "internal_trainings", "validities"):
        # The SQL alone: every deadline and status computed, counted per status (what the dashboard shows).
        started = time.perf_counter()
        summary = store.workflow_summary(name, rules=RULES, today=TODAY)
        timings[f"{name}_sql"] = time.perf_counter() - started
        timings[f"{name}_rows"] = float(summary["n"].sum())
    return timings


def step_statuses_frame(size: int) -> dict[str, float]:
    """The same query with every row and column handed to pandas (what a full list page would fetch)."""
    path = OUT / f"records_{size}.duckdb"
    _build_records_store(path, size, carence_only=False)
    started = time.perf_counter()
    frame = Store(path).workflow("expected_trainings", rules=RULES, today=TODAY)
    return {"expected_trainings_frame": time.perf_counter() - started, "rows": float(len(frame))}


def step_carence_export(size: int) -> dict[str, float]:
    source = OUT / f"carence_{size}.duckdb"
    _build_records_store(source, size, carence_only=True)
    work = OUT / f"carence_{size}_work.duckdb"
    shutil.copy(source, work)
    store = Store(work)
    started = time.perf_counter()
    batch = store.generate_export("carence", rules=RULES, today=TODAY, catalogue=declarations.load_code_catalogue())
    elapsed = time.perf_counter() - started
    work.unlink()
    return {"generate_export": elapsed, "lines": float(sum(f.lines for f in batch.files))}


def _adf(size: int) -> Path:
    path = OUT / f"adf_{size}.csv"
    _portal_file(path, size)
    return path


def step_read_csv_floor(size: int) -> dict[str, float]:
    """The floor: DuckDB's own read_csv of the same file into a table (how fast it can be read at all)."""
    path = _adf(size)
    sql = "CREATE TABLE t AS SELECT * FROM read_csv($p, delim = '|', header = true, all_varchar = true)"
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(sql, {"p": str(path)})
    in_memory = time.perf_counter() - started
    con.close()
    db = OUT / f"floor_{size}.duckdb"
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute(sql, {"p": str(path)})
    con.close()
    on_disk = time.perf_counter() - started
    db.unlink()
    return {"read_csv": in_memory, "read_csv_into_a_file": on_disk, "mb": path.stat().st_size / 1e6}


def step_validate_import(size: int) -> dict[str, float]:
    """What `python -m lib import FILE --kind of` does: every portal rule checked, then the lines stored."""
    path = _adf(size)
    db = OUT / f"import_{size}.duckdb"
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    result = Store(db).import_of_file(path.read_bytes(), path.name, organisme="OF", today=TODAY)
    elapsed = time.perf_counter() - started
    assert result.status == "imported" and result.rows == size, result.message
    db.unlink()
    return {"validate_and_import": elapsed}


def step_line_reader(size: int) -> dict[str, float]:
    """The line-by-line validator alone (what names every line and column when a file is refused)."""
    path = _adf(size)
    started = time.perf_counter()
    parsed = portal.parse_portal_file(path.read_bytes(), path.name, today=TODAY)
    assert parsed.report.valid
    return {"line_reader": time.perf_counter() - started}


def step_pandas_baseline(size: int) -> dict[str, float]:
    """A user's straightforward script: pandas read, then a Python loop over rows; timed on a 20,000-row slice."""
    from pandas_baseline import validate_rows_with_pandas

    path = _adf(size)
    rows = min(size, 20_000)
    started = time.perf_counter()
    invalid = validate_rows_with_pandas(path, TODAY, nrows=rows)
    elapsed = time.perf_counter() - started
    assert invalid == 0
    return {"slice_rows": float(rows), "slice_seconds": elapsed, "extrapolated_full_file": elapsed * size / rows}


def _reconciliation_store(path: Path, records: int, lines: int) -> None:
    """`lines` OF declarations of which `records` * 0.95 match one of `records` bought trainings (SQL-built)."""
    if path.exists():
        return
    Store(path).counts()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO establishments VALUES ('97228186900008', 'Siège', 'Paris')")
    nir = (
        "'1' || lpad((50 + i % 50)::VARCHAR, 2, '0') || lpad((1 + i % 12)::VARCHAR, 2, '0') || '75' || "
        "lpad((i % 999 + 1)::VARCHAR, 3, '0') || lpad((i // 999 % 999 + 1)::VARCHAR, 3, '0')"
    )
    con.execute(
        f"INSERT INTO training_records SELECT i + 1, 'k' || i, 'M' || i, {nir}, 'NOM' || i, NULL, 'P', "
        "'97228186900008', 'Paris', NULL, 'Sauveteur secouriste du travail', 'SST', 1, 'OF', NULL, false, 'ADF', "
        "DATE '2026-01-05' + (i % 300)::INTEGER, DATE '2026-01-06' + (i % 300)::INTEGER, NULL, NULL, false, NULL, "
        "NULL, 0, 0 FROM range($n) t(i)",
        {"n": records},
    )
    # Lines 0 .. 0.95 * records match a record (same NIR, title, end date); the rest are other people.
    con.execute(
        f"INSERT INTO of_lines (organisme, id_unique_partenaire, portal_kind, id_declaration, nom_formation, "
        "date_debut_formation, date_fin_formation, nir, nom_titulaire, presence_employeur, siret_employeur, "
        "date_debut_validite, first_import_id, last_import_id, first_received_on, last_received_on) "
        f"SELECT 'OF', 'P' || i, 'ADF', 'S' || (i // 400), 'Sauveteur secouriste du travail (SST)', "
        "DATE '2026-01-05' + (i % 300)::INTEGER, DATE '2026-01-06' + (i % 300)::INTEGER, "
        f"CASE WHEN i < $matched THEN {nir} ELSE '2' || lpad(i::VARCHAR, 12, '0') END, 'NOM' || i, 'OUI', "
        "'97228186900008', DATE '2026-01-06' + (i % 300)::INTEGER, 0, 0, DATE '2026-06-01', DATE '2026-06-01' "
        "FROM range($n) t(i)",
        {"n": lines, "matched": int(records * 0.95)},
    )
    con.close()
    Store(path).refresh_derived(who="bench")


def step_reconciliation(size: int) -> dict[str, float]:
    """Reconcile `size` OF declarations with size / 5 internal records: every match, status and count."""
    path = OUT / f"reconcile_{size}.duckdb"
    _reconciliation_store(path, size // 5, size)
    store = Store(path)
    started = time.perf_counter()
    summary = store.workflow_summary("expected_trainings", rules=RULES, today=TODAY)
    elapsed = time.perf_counter() - started
    declared = int(summary.loc[summary["status"] == "declared_by_of", "n"].sum())
    assert declared == int(size // 5 * 0.95), summary
    return {"reconciliation": elapsed, "records": float(size // 5), "declared_by_of": float(declared)}


def step_dashboard_data(size: int) -> dict[str, float]:
    """What the dashboard asks at `size` OF lines (issue 13: counts and aggregates, never whole lists): its
    numbers (lib.digest.dashboard_summary), the rows of the weekly report and the calendar (report_inputs), then
    a verification decision on 500 lines and the same numbers asked again."""
    from lib import calendar, digest, report
    from lib.lists import ListContext

    source = OUT / f"reconcile_{size}.duckdb"
    _reconciliation_store(source, size // 5, size)
    path = OUT / f"decisions_{size}.duckdb"
    shutil.copy(source, path)
    store = Store(path)
    asker = store.asker(ListContext(TODAY, 90))
    started = time.perf_counter()
    digest.dashboard_summary(asker, TODAY)
    summary = time.perf_counter() - started
    started = time.perf_counter()
    inputs = digest.report_inputs(asker, today=TODAY, since=TODAY - timedelta(days=7), horizon_days=90)
    rows = time.perf_counter() - started
    started = time.perf_counter()
    calendar.deadlines_ics(
        report.deadline_events(inputs, today=TODAY), calendar_name="bench", generated_at=datetime.now(UTC)
    )
    ics = time.perf_counter() - started
    started = time.perf_counter()
    weekly = report.build_report(inputs, today=TODAY, since=TODAY - timedelta(days=7), rule_set=RULES.name)
    report.render_markdown(weekly)
    weekly_seconds = time.perf_counter() - started
    keys = list(store.sql("SELECT organisme || '|' || id_unique_partenaire AS k FROM of_lines LIMIT 500")["k"])
    started = time.perf_counter()
    store.record_action("of_line", keys, "correction_requested", reason="dates")
    decision = time.perf_counter() - started
    started = time.perf_counter()
    digest.dashboard_summary(asker, TODAY)
    after = time.perf_counter() - started
    path.unlink()
    return {
        "dashboard_numbers": summary,
        "report_rows": rows,
        "calendar_ics": ics,
        "weekly_report": weekly_seconds,
        "decision_500_lines": decision,
        "numbers_after_the_decision": after,
    }


# 100,000 employees, 1,004,000 OF lines (built by bench/build); a copy elsewhere named by $BENCH_LISTS_STORE.
LISTS_STORE = Path(os.environ.get("BENCH_LISTS_STORE", OUT / "employees_100000.duckdb"))


def step_lists_sql(size: int) -> dict[str, float]:
    """Lists asked in SQL (issue 13) on a copy of the 1M-line store: the migration that fills the persisted
    deadlines (schema 3 to 4), each list's asks (count, first 500 rows, counts by status, a filter's values, a
    search), a decision on 500 lines and the next ask, a full refresh. Never writes the original store."""
    from lib.lists import ListContext, ListQuery, is_in

    if not LISTS_STORE.exists():
        raise SystemExit(f"{LISTS_STORE} absent: build the 100,000-employee store first.")
    path = Path(tempfile.mkdtemp()) / "lists.duckdb"
    shutil.copyfile(LISTS_STORE, path)
    store = Store(path)
    out: dict[str, float] = {}
    started = time.perf_counter()
    store.schema_version()  # a read upgrades an older store through a write open: the migration fills the tables
    out["migration_fill"] = time.perf_counter() - started
    context = ListContext(TODAY, 90)

    def timed(key: str, ask: Callable[..., object]) -> None:
        started = time.perf_counter()
        ask()
        out[key] = time.perf_counter() - started

    for name in ("of_declarations", "expected_trainings", "internal_trainings", "validities", "missing_trainings"):
        query = ListQuery(name)
        with store.reading():  # a page run: its asks share one read connection, prepared once
            started = time.perf_counter()
            store.list_count(query, context)
            store.list_rows(query, context, limit=500)
            store.list_counts(query, context, ["status"])
            store.list_values(query, context, "status")
            out[f"{name}_page_run"] = time.perf_counter() - started
        timed(f"{name}_count", lambda q=query: store.list_count(q, context))
        timed(f"{name}_first_500", lambda q=query: store.list_rows(q, context, limit=500))
        timed(f"{name}_counts_by_status", lambda q=query: store.list_counts(q, context, ["status"]))
        timed(f"{name}_values", lambda q=query: store.list_values(q, context, "status"))
        timed(f"{name}_search", lambda q=query: store.list_count(q.searching("nom12"), context))
        timed(f"{name}_search_first_500", lambda q=query: store.list_rows(q.searching("nom12"), context, limit=500))
        # A page's first render: its count, first rows, chart counts and a filter's choices.
        out[f"{name}_first_render"] = sum(
            out[f"{name}_{ask}"] for ask in ("count", "first_500", "counts_by_status", "values")
        )
    keys = list(store.sql("SELECT line_key FROM pp_line_facts ORDER BY line_key LIMIT 500")["line_key"])
    timed("decision_500_lines", lambda: store.record_action("of_line", keys, "accepted"))
    verified = ListQuery("of_declarations").where(is_in("status", ["verified"]))
    timed("next_count_after_decision", lambda: store.list_count(verified, context))
    timed("full_refresh", lambda: store.refresh_derived(who="bench"))
    shutil.rmtree(path.parent)
    return out


def _of_file_from_store(con: duckdb.DuckDBPyConnection, path: Path, share: int) -> int:
    """An ADF file another OF could send: the store's own ADF lines of `share` % of the people (by NIR), new partner
    and declaration ids, the dates of nine sessions in ten moved 30 days back (one in ten left: those lines meet the
    records the first OF's lines are paired with, and make ambiguities). Every portal rule holds; lines counted."""
    columns = []
    for column in portal.ADF_COLUMNS:
        name = column.lower()
        if name == "id_unique_partenaire":
            columns.append(
                "'BX-' || lpad(row_number() OVER (ORDER BY organisme, id_unique_partenaire)::VARCHAR, 8, '0')"
            )
        elif name == "id_declaration":
            columns.append("'BX' || id_declaration")
        elif name.startswith("date_"):
            moved = f"{name} - CASE WHEN hash(id_declaration) % 10 = 0 THEN 0 ELSE 30 END"
            columns.append(f"coalesce(strftime({moved}, '%d/%m/%Y'), '')")
        else:
            columns.append(f"coalesce({name}, '')")
    line = " || '|' || ".join(columns)
    rows = con.execute(
        f"SELECT {line} FROM of_lines WHERE portal_kind = 'ADF' AND hash(nir) % 100 < $share "
        "ORDER BY organisme, id_unique_partenaire",
        {"share": share},
    ).fetchall()
    lines = ["|".join(portal.ADF_COLUMNS), *(str(row[0]) for row in rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return len(rows)


def step_import_refresh(size: int) -> dict[str, float]:
    """Issue 13's « lists up to date after an import of a 200 MB OF file, in the import itself »: on a copy of the
    100,000-employee store, `import --kind of` of another OF's file declaring about half of the people (`size`
    ~ 525,000 lines), the refresh of the derived tables and lists inside it timed apart; then a correction of 100
    of its lines (a small import), and a full refresh. Never writes the original store."""
    from lib.store import imports

    if not LISTS_STORE.exists():
        raise SystemExit(f"{LISTS_STORE} absent: build the 100,000-employee store first.")
    folder = Path(tempfile.mkdtemp())
    path = folder / "import.duckdb"
    shutil.copyfile(LISTS_STORE, path)
    store = Store(path)
    store.schema_version()  # an older copy is migrated here, not in the timings
    of_file = folder / "autre-of.csv"
    with store.read() as con:
        lines = _of_file_from_store(con, of_file, 52 * size // 525_000)
    refreshes: list[float] = []
    original = imports.refresh_derived

    def timed(con: duckdb.DuckDBPyConnection, **scope: object) -> object:
        started = time.perf_counter()
        done = original(con, **scope)  # type: ignore[arg-type]
        refreshes.append(time.perf_counter() - started)
        return done

    imports.refresh_derived = timed  # type: ignore[assignment]
    out: dict[str, float] = {"lines": float(lines), "mb": of_file.stat().st_size / 1e6}
    started = time.perf_counter()
    result = store.import_of_file(of_file.read_bytes(), of_file.name, organisme="Autre OF", today=TODAY)
    out["import_with_refresh"] = time.perf_counter() - started
    assert result.status == "imported" and result.rows == lines, result.message
    out["refresh_in_the_import"] = refreshes[-1]
    # The same OF corrects 100 lines (their holder's name): a small import, its refresh a small delta.
    text = of_file.read_bytes().decode("utf-8").split("\r\n")
    name_at = portal.ADF_COLUMNS.index("NOM_TITULAIRE")
    for i in range(1, 101):
        row = text[i].split("|")
        row[name_at] += "E"
        text[i] = "|".join(row)
    corrected = "\r\n".join(text).encode("utf-8")
    started = time.perf_counter()
    result = store.import_of_file(corrected, "autre-of-corrige.csv", organisme="Autre OF", today=TODAY)
    out["small_import_with_refresh"] = time.perf_counter() - started
    assert result.status == "imported" and result.updated == 100, result.message
    out["refresh_in_the_small_import"] = refreshes[-1]
    imports.refresh_derived = original
    started = time.perf_counter()
    store.refresh_derived(who="bench")
    out["full_refresh_after"] = time.perf_counter() - started
    out["load_average"] = os.getloadavg()[0]
    shutil.rmtree(folder)
    return out


def step_missing_export(size: int) -> dict[str, float]:
    """The « Manquants » list of the 100,000-employee store (issue 15): the page's first render asks on one read
    connection, a filter, and its download as the page builds it (every row missing a training: CSV and Excel).
    Reads a copy of BENCH_LISTS_STORE (at the current schema: run lists_sql or any read first)."""
    from lib import spreadsheet
    from lib.lists import ListContext, ListQuery, is_in

    if not LISTS_STORE.exists():
        raise SystemExit(f"{LISTS_STORE} absent: build the 100,000-employee store first.")
    path = Path(tempfile.mkdtemp()) / "missing.duckdb"
    shutil.copyfile(LISTS_STORE, path)
    store = Store(path)
    store.schema_version()
    context = ListContext(TODAY, 90)
    missing = ListQuery("missing_trainings").where(is_in("status", ["never_trained", "expired", "expiring_soon"]))
    out: dict[str, float] = {}
    with store.reading():
        started = time.perf_counter()
        store.list_count(missing, context)
        store.list_rows(missing, context, limit=500)
        store.list_counts(ListQuery("missing_trainings"), context, ["person_site", "status"])
        for column in ("person_site", "person_service", "job", "family"):
            store.list_values(ListQuery("missing_trainings"), context, column)
        out["first_render_asks"] = time.perf_counter() - started
        started = time.perf_counter()
        site = store.list_values(ListQuery("missing_trainings"), context, "person_site")[0]
        filtered = missing.where(is_in("person_site", [site]))
        store.list_count(filtered, context)
        store.list_rows(filtered, context, limit=500)
        out["filter_a_site"] = time.perf_counter() - started
        columns = [
            "person_birth_name", "matricule", "person_site", "person_service", "job", "family", "scope",
            "status_label", "last_training", "last_end_date", "validity_end",
        ]  # fmt: skip
        started = time.perf_counter()
        rows = store.list_rows(missing, context, columns=columns)
        out["export_rows"] = time.perf_counter() - started
    out["export_row_count"] = float(len(rows))
    started = time.perf_counter()
    rows.to_csv(sep=";", index=False).encode("utf-8-sig")
    out["export_csv"] = time.perf_counter() - started
    started = time.perf_counter()
    spreadsheet.to_xlsx_bytes({"Manquants": (rows, {c: c for c in columns})})
    out["export_xlsx"] = time.perf_counter() - started
    shutil.rmtree(path.parent)
    return out


STEPS: dict[str, tuple[Callable[[int], dict[str, float]], tuple[int, ...]]] = {
    "statuses": (step_statuses, (10_000, 100_000, 1_000_000)),
    "statuses_frame": (step_statuses_frame, (10_000, 100_000, 1_000_000)),
    "carence_export": (step_carence_export, (10_000, 100_000)),
    "read_csv_floor": (step_read_csv_floor, (10_000, 100_000, 525_000)),
    "validate_import": (step_validate_import, (10_000, 100_000, 525_000)),
    "line_reader": (step_line_reader, (10_000, 100_000, 525_000)),
    "pandas_baseline": (step_pandas_baseline, (100_000, 525_000)),
    "reconciliation": (step_reconciliation, (10_000, 100_000, 1_000_000)),
    "dashboard_data": (step_dashboard_data, (10_000, 100_000, 1_000_000)),
    "lists_sql": (step_lists_sql, (1_000_000,)),
    "import_refresh": (step_import_refresh, (525_000,)),
    "missing_export": (step_missing_export, (100_000,)),
}


def child(step: str, size: int) -> None:
    result = STEPS[step][0](size)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only")
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[int, dict[str, float]]] = {}
    for step, (_, sizes) in STEPS.items():
        if args.only and step != args.only:
            continue
        for size in sizes:
            runs = []
            for _ in range(args.runs):
                out = subprocess.run(
                    [sys.executable, __file__, "--child", step, str(size)],
                    capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(REPO)},
                )  # fmt: skip
                runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            medians = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
            results.setdefault(step, {})[size] = medians
            print(step, size, json.dumps({k: round(v, 3) for k, v in medians.items()}), flush=True)
    if args.only:
        print("--only: RESULTS.md left as it is (it holds a whole run).")
    else:
        write_results(results, args.runs)


def _against_targets(results: dict[str, dict[int, dict[str, float]]]) -> list[str]:
    """The issue's targets, checked on this run's medians (where the steps ran)."""

    def value(step: str, size: int, key: str) -> float | None:
        return results.get(step, {}).get(size, {}).get(key)

    out = ["## Against the targets", ""]
    checks: list[tuple[str, float | None, float | None, str]] = []
    imported, floor = (
        value("validate_import", 525_000, "validate_and_import"),
        value("read_csv_floor", 525_000, "read_csv"),
    )
    on_disk, pandas = (
        value("read_csv_floor", 525_000, "read_csv_into_a_file"),
        value("pandas_baseline", 525_000, "extrapolated_full_file"),
    )
    if imported and floor:
        checks.append(("200 MB import ÷ read_csv into memory (target ≤ 3)", imported / floor, 3.0, "≤"))
    if imported and on_disk:
        checks.append(("200 MB import ÷ read_csv into a database file", imported / on_disk, None, ""))
    if imported and pandas:
        checks.append(("row-by-row pandas ÷ 200 MB import (target ≥ 10)", pandas / imported, 10.0, "≥"))
    checks += [
        ("200 MB import peak memory, MB (target < 2048)", value("validate_import", 525_000, "peak_rss_mb"), 2048, "<"),
        ("statuses of 1,000,000 lines, s (target < 2)", value("statuses", 1_000_000, "expected_trainings_sql"), 2, "<"),
        ("statuses peak memory, MB (target < 1024)", value("statuses", 1_000_000, "peak_rss_mb"), 1024, "<"),
        (
            "reconciliation 1,000,000 × 200,000, s (target < 10)",
            value("reconciliation", 1_000_000, "reconciliation"),
            10,
            "<",
        ),  # fmt: skip
        (
            "carence export of 100,000 lines, s (target < 5)",
            value("carence_export", 100_000, "generate_export"),
            5,
            "<",
        ),
        (
            "all dashboard data at 1,000,000 OF lines, s (pages: first render < 3)",
            value("dashboard_data", 1_000_000, "all_dashboard_frames"),
            3,
            "<",
        ),  # fmt: skip
    ]
    checks.append(
        (
            "lists up to date after a 200 MB OF import: the refresh inside the import, s (target < 5)",
            value("import_refresh", 525_000, "refresh_in_the_import"),
            5,
            "<",
        )
    )
    for label, measured, target, sense in checks:
        if measured is None:
            continue
        within = target is not None and (measured <= target if sense in "≤<" else measured >= target)
        met = "" if target is None else (" — met" if within else " — **not met**")
        out.append(f"- {label}: {measured:.2f}{met}")
    out.append("")
    return out


def write_results(results: dict[str, dict[int, dict[str, float]]], runs: int) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}. Date: {datetime.now():%Y-%m-%d %H:%M}. Medians of {runs} runs, "
        "each run in a fresh process (peak RSS = that process's maximum resident memory).",
        "",
        "Steps (sizes are rows; 525,000 ADF lines make a 199 MB file, the portal's 200 MB limit):",
        "- statuses: every deadline and status of N stored trainings, computed in SQL and counted per status;",
        "  statuses_frame: the same handed to pandas with every column (what a full list page would fetch).",
        "- carence_export: build, validate and record the portal files of N carence lines.",
        "- read_csv_floor: DuckDB's own read_csv of the file, into memory and into a database file (the floors);",
        "  validate_import: `import --kind of` (every portal rule, then the lines stored, in one transaction);",
        "  line_reader: the line-by-line validator alone; pandas_baseline: a row-by-row pandas script, timed",
        "  on a 20,000-row slice and extrapolated to the file.",
        "- reconciliation: N OF lines against N/5 internal records (match, discrepancies, statuses, counts).",
        "- import_refresh: on a copy of the 100,000-employee store, another OF's file of about half of the people",
        "  imported (`import --kind of`), the refresh of the derived tables and lists inside it timed apart; then",
        "  the same file with 100 lines corrected, and a full refresh.",
        "- dashboard_data: what the dashboard asks (its numbers as counts and aggregates, the rows of the weekly",
        "  report and of the .ics), a verification decision on 500 lines, and the numbers asked again after it.",
        "",
        "The pages themselves, in a browser on the 100,000-employee store, are timed by bench/pages.py: PAGES.md.",
        "",
    ]
    for step, sizes in results.items():
        lines += [f"## {step}", "", "| size | " + " | ".join(next(iter(sizes.values()))) + " |"]
        lines.append("|---" * (1 + len(next(iter(sizes.values())))) + "|")
        for size, medians in sizes.items():
            lines.append(f"| {size:,} | " + " | ".join(f"{v:.3f}" for v in medians.values()) + " |")
        lines.append("")
    lines += _against_targets(results)
    lines += ["## How each cost grows", "", "Time ratio for each tenfold (or fivefold) step in size; about the same "
              "ratio as the size means linear.", ""]  # fmt: skip
    for step, sizes in results.items():
        ordered = sorted(sizes)
        for small, large in zip(ordered, ordered[1:], strict=False):
            for key, value in sizes[large].items():
                base = sizes[small].get(key, 0.0)
                if key in {"mb", "rows", "lines", "records", "slice_rows", "slice_seconds", "declared_by_of",
                           "peak_rss_mb"}:  # fmt: skip
                    continue
                if key.endswith("_rows") or base <= 0:
                    continue
                ratio = value / base
                verdict = "sub-linear" if ratio < 0.8 * large / small else (
                    "linear" if ratio <= 1.25 * large / small else "worse than linear")  # fmt: skip
                lines.append(f"- {step} / {key}: {small:,} → {large:,} rows: ×{ratio:.1f} ({verdict})")
    lines.append("")
    (REPO / "bench" / "RESULTS.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
