"""Trust: a killed process leaves all or nothing, backups round-trip, concurrent readers and a writer coexist."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from lib import settings
from lib.rules import load_rule_set
from lib.store import Store, StoreError
from tests.store_content import rows_of

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "referentials"
SAMPLE_ADF = SHARED / "sample_adf_synthetic.csv"
TODAY = date(2026, 11, 23)
RULES = load_rule_set("decret-2025-748")
TABLES = (
    "imports", "organismes", "of_lines", "of_line_changes", "employees", "training_records", "competences",
    "establishments", "settings", "header_mappings", "exports", "export_lines", "partner_id_ledger",
    "manual_pairings", "meta",
)  # fmt: skip


def content_of(path: Path, tables: tuple[str, ...] = TABLES) -> dict[str, list[tuple[object, ...]]]:
    return rows_of(path, tables)


def in_id_order(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """Audit rows in the order they were appended (their id), not in the order of their text."""
    return sorted(rows, key=lambda row: int(str(row[0])))


@pytest.fixture
def demo(demo_store_file: Path, tmp_path: Path) -> Store:
    """A private copy of the session's demo store (tests/conftest.py)."""
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_store_file, copy)
    return Store(copy)


def run_child(code: str, db: Path) -> subprocess.CompletedProcess[str]:
    script = f"import os, signal, sys\nfrom pathlib import Path\nsys.path.insert(0, {str(REPO)!r})\n"
    return subprocess.run(
        [sys.executable, "-c", script + textwrap.dedent(code)],
        env={**os.environ, "DB": str(db)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_process_killed_in_the_middle_of_an_import_leaves_nothing_of_it(demo: Store, tmp_path: Path) -> None:
    before = content_of(demo.path)
    big = tmp_path / "gros.csv"
    lines = SAMPLE_ADF.read_text(encoding="utf-8").splitlines()
    rows = [lines[0]] + [
        lines[4].replace("EMP-2026-000004", f"EMP-K-{i:06d}").replace("MACSST_20260302_S02", f"S{i // 400}")
        for i in range(20_000)
    ]
    big.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    result = run_child(
        f"""
        from datetime import UTC, date, datetime
        import lib.store as store
        import lib.store.imports as imports
        original = imports._merge_of_lines
        def crash(con, params):
            original(con, params)  # every line written, inside the open transaction
            os.kill(os.getpid(), signal.SIGKILL)
        imports._merge_of_lines = crash
        store.Store(Path(os.environ["DB"])).import_of_file(
            Path({str(big)!r}).read_bytes(), "gros.csv", organisme="OF tué", today=date(2026, 11, 23))
        """,
        demo.path,
    )
    assert result.returncode == -9, result.stderr
    assert content_of(demo.path) == before  # the store opens, and holds nothing of the killed import
    again = demo.import_of_file(big.read_bytes(), "gros.csv", organisme="OF tué", today=TODAY)
    assert again.status == "imported" and again.inserted == 20_000


def test_a_process_killed_while_confirming_a_deposit_leaves_the_export_unconfirmed(demo: Store) -> None:
    batch = demo.generate_export("carence", rules=RULES, today=TODAY, catalogue=settings.code_catalogue(demo))
    export_id = batch.files[0].export_id
    before = content_of(demo.path)
    result = run_child(
        f"""
        from datetime import UTC, date, datetime
        import lib.store as store
        import lib.store.exports as exports
        from lib.rules import load_rule_set
        original = exports._reserve_partner_ids
        def crash(con, export_id):
            original(con, export_id)
            os.kill(os.getpid(), signal.SIGKILL)
        exports._reserve_partner_ids = crash
        store.Store(Path(os.environ["DB"])).confirm_export(
            {export_id}, rules=load_rule_set("decret-2025-748"), today=date(2026, 11, 23))
        """,
        demo.path,
    )
    assert result.returncode == -9, result.stderr
    assert content_of(demo.path) == before
    assert demo.export_history()["status"].iloc[-1] == "generated"
    assert "confirmé" in demo.confirm_export(export_id, rules=RULES, today=TODAY)


def test_a_backup_restores_every_table_row_for_row(demo: Store, tmp_path: Path) -> None:
    demo.record_action("of_line", ["X|Y"], "accepted", reason="avant sauvegarde")
    message = demo.backup(tmp_path / "sauvegarde")
    assert "sauvegarde" in message
    before = content_of(demo.path)
    actions_before = in_id_order(content_of(demo.path, ("actions",))["actions"])

    demo.import_of_file(SAMPLE_ADF.read_bytes(), "apres.csv", organisme="Après", today=TODAY)
    restored = demo.restore(tmp_path / "sauvegarde")
    assert "conservée" in restored
    assert content_of(demo.path) == before
    actions_after = in_id_order(content_of(demo.path, ("actions",))["actions"])
    assert actions_after[: len(actions_before)] == actions_before
    assert [row[5] for row in actions_after[len(actions_before) :]] == ["restored"]
    assert list(tmp_path.glob("demo.avant-restauration-*.duckdb"))  # the replaced store was kept aside


def test_a_backup_never_overwrites_a_folder_and_a_bad_folder_is_not_restored(demo: Store, tmp_path: Path) -> None:
    (tmp_path / "plein").mkdir()
    (tmp_path / "plein" / "x.txt").write_text("x")
    with pytest.raises(StoreError, match="n'est pas vide"):
        demo.backup(tmp_path / "plein")
    before = content_of(demo.path)
    with pytest.raises(StoreError, match="n'est pas une sauvegarde"):
        demo.restore(tmp_path / "plein")
    assert content_of(demo.path) == before


def test_eight_readers_and_a_scheduled_import_share_the_store_without_error(demo: Store, tmp_path: Path) -> None:
    """Readers hammer the pages' read paths for the whole import; every import lands and no reader fails.

    Nothing here depends on the machine's speed: readers run until the writer says it is done (and at least a
    few rounds each), the writer uses the store's own wait, and the only timeout is a hang guard.
    """
    files = []
    lines = SAMPLE_ADF.read_text(encoding="utf-8").splitlines()
    for n in range(5):
        path = tmp_path / f"of_{n}.csv"
        path.write_text(
            "\r\n".join([lines[0]] + [line.replace("EMP-2026-", f"W{n}-") for line in lines[1:]]) + "\r\n",
            encoding="utf-8",
        )
        files.append(path)
    started, finished = tmp_path / "writer-started", tmp_path / "writer-finished"
    reader = f"""
        import json
        from datetime import date
        from lib.store import Store
        from lib.rules import load_rule_set
        store, rules, errors = Store(Path(os.environ["DB"])), load_rule_set("decret-2025-748"), []
        done = during = 0
        while done < 3 or not Path({str(finished)!r}).exists():
            writing = Path({str(started)!r}).exists() and not Path({str(finished)!r}).exists()
            try:
                store.workflow_summary("of_declarations", rules=rules, today=date(2026, 11, 23))
                store.workflow("expected_trainings", rules=rules, today=date(2026, 11, 23))
                store.counts()
                store.query("recent_imports", {{"limit": 20}})
                done += 1
                during += writing
                Path({str(tmp_path)!r}, f"reader-ready-{{os.getpid()}}").touch()
            except Exception as error:
                errors.append(repr(error))
                if len(errors) > 20:
                    break
        print(json.dumps({{"done": done, "during": during, "errors": errors}}))
    """
    writer = f"""
        from datetime import date
        from lib.store import Store
        import time
        store = Store(Path(os.environ["DB"]))
        while len(list(Path({str(tmp_path)!r}).glob("reader-ready-*"))) < 8:
            time.sleep(0.05)  # every reader is hammering the store before the first import starts
        Path({str(started)!r}).touch()
        try:
            for name in {[str(f) for f in files]!r}:
                result = store.import_of_file(Path(name).read_bytes(), Path(name).name, organisme="Concurrent",
                                              today=date(2026, 11, 23))
                assert result.status == "imported", result.message
        finally:
            Path({str(finished)!r}).touch()
        print("ok")
    """
    script = f"import os, sys\nfrom pathlib import Path\nsys.path.insert(0, {str(REPO)!r})\n"
    env = {**os.environ, "DB": str(demo.path)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script + textwrap.dedent(code)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for code in [reader] * 8 + [writer]
    ]
    try:
        outputs = [p.communicate(timeout=900) for p in processes]  # a hang guard, not a performance claim
    finally:
        for process in processes:
            process.kill()
    for process, (_out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
        assert "Traceback" not in err
    assert outputs[8][0].strip() == "ok"
    reports = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs[:8]]
    assert [r["errors"] for r in reports] == [[]] * 8
    assert all(r["done"] >= 3 for r in reports)
    assert sum(r["during"] for r in reports) > 0  # the reads did overlap the imports
    lines_written = demo.sql("SELECT count(*) AS n FROM of_lines WHERE organisme = 'Concurrent'")["n"].iloc[0]
    assert lines_written == 5 * 7  # no lost write
    assert len(demo.sql("SELECT id FROM imports WHERE organisme = 'Concurrent'")) == 5


def test_the_retention_purge_erases_people_who_left_long_ago_unless_something_is_still_open(tmp_path: Path) -> None:
    store = Store(tmp_path / "rgpd.duckdb")
    roster = (
        "Matricule;NIR;Nom de naissance;Prénom;Date de sortie\n"
        "M1;2150197611807;MARTIN;Claire;31/01/2023\n"  # left long ago, nothing open
        "M2;1550779191553;BERNARD;Paul;31/01/2023\n"  # left long ago, a carence still to declare
        "M3;1771280021384;PETIT;Anne;\n"  # still employed
    )
    assert store.import_records(roster.encode(), "salaries.csv", "roster").ok
    records = (
        "Matricule;NIR;Nom de naissance;Formation;Organisme;Interne;Date de fin\n"
        "M1;2150197611807;MARTIN;Sauveteur secouriste du travail;Formasud;non;16/06/2022\n"
        "M2;1550779191553;BERNARD;Sauveteur secouriste du travail;Formasud;non;16/01/2026\n"
    )
    assert store.import_records(records.encode(), "formations.csv", "internal").ok
    message = store.purge_personal_data(months=36, rules=RULES, today=date(2026, 11, 23))
    assert "1 salarié(s)" in message and "1 conservé(s)" in message
    people = store.sql("SELECT matricule, coalesce(nir, '<vide>') AS nir, birth_name FROM employees ORDER BY matricule")
    assert people.values.tolist()[0] == ["M1", "<vide>", "(purgé)"]
    assert people["birth_name"].tolist()[1:] == ["BERNARD", "PETIT"]
    everything = json.dumps(content_of(store.path, ("employees", "training_records", "of_lines")), default=str)
    assert "2150197611807" not in everything and "MARTIN" not in everything
    assert "1550779191553" in everything  # kept: its carence is still open
    assert list(store.action_history("store")["action"]) == ["purged"]


def test_recommended_validity_ends_are_applied_only_on_request_marked_and_removable(tmp_path: Path) -> None:
    store = Store(tmp_path / "v.duckdb")
    records = (
        "Matricule;Nom de naissance;Formation;Interne;Date de fin;Date de fin de validité\n"
        "M1;MARTIN;Sauveteur secouriste du travail;oui;16/06/2026;\n"
        "M2;PETIT;Travail en hauteur;oui;16/06/2026;\n"
        "M3;DURAND;Sauveteur secouriste du travail;oui;16/06/2026;30/06/2027\n"
    )
    assert store.import_records(records.encode(), "formations.csv", "internal").ok
    assert store.sql("SELECT count(*) AS n FROM training_records WHERE validity_end IS NULL")["n"].iloc[0] == 2
    # SST: 24 months recommended; 16/06/2026 + 24 months - 1 day = 15/06/2028 (rules.md §6).
    assert "1 fin(s)" in store.apply_recommended_validities()
    rows = store.sql("SELECT matricule, validity_end, validity_end_proposed FROM training_records ORDER BY matricule")
    assert [(m, str(v)[:10], p) for m, v, p in rows.values.tolist()] == [
        ("M1", "2028-06-15", True),
        ("M2", "NaT", False),
        ("M3", "2027-06-30", False),
    ]
    validities = store.workflow("validities", rules=RULES, today=TODAY).set_index("matricule")
    assert validities.loc["M1", "validity_source"] == "recommandation"
    assert "1 fin(s)" in store.clear_recommended_validities()
    assert store.sql("SELECT count(*) AS n FROM training_records WHERE validity_end IS NULL")["n"].iloc[0] == 2


def test_the_journal_lists_imports_actions_exports_and_setting_changes(demo: Store) -> None:
    demo.record_action("of_line", ["OF|X"], "accepted", who="marie")
    demo.set_setting("horizon_days", "60", who="paul")
    journal = demo.query("audit_log", {"limit": 1000})
    whats = set(journal["what"])
    assert "Déclaration acceptée" in whats
    assert "Paramètre modifié : horizon_days" in whats
    assert any(w.startswith("Import des déclarations de ") for w in whats)
    assert {"marie", "paul", "démonstration"} <= set(journal["who"])


def test_restoring_a_downloaded_copy_puts_every_row_back_and_garbage_is_refused(demo: Store, tmp_path: Path) -> None:
    demo.sql("CHECKPOINT")
    copy = demo.path.read_bytes()
    before = content_of(demo.path)
    demo.import_of_file(SAMPLE_ADF.read_bytes(), "apres.csv", organisme="Après", today=TODAY)
    assert "Base restaurée" in demo.restore_copy(copy, "passeport_20261123.duckdb")
    assert content_of(demo.path) == before
    with pytest.raises(StoreError, match="n'est pas une sauvegarde"):
        demo.restore_copy(b"ceci n'est pas une base", "faux.duckdb")
    assert content_of(demo.path) == before


def test_no_human_facing_export_of_the_demo_contains_a_full_nir(demo: Store) -> None:
    from lib import calendar, corrections, report, spreadsheet

    lines = demo.workflow("of_declarations", rules=RULES, today=TODAY)
    keys = lines.loc[lines["concerned"], "line_key"].head(5).tolist()
    demo.record_action("of_line", keys, "correction_requested", reason="nom de naissance à corriger")
    inputs = report.ReportInputs(
        *(demo.workflow(n, rules=RULES, today=TODAY) for n in ("of_declarations", "expected_trainings",
                                                                "internal_trainings", "validities"))
    )  # fmt: skip
    data = report.build_report(inputs, today=TODAY, since=date(2026, 11, 1), rule_set="r")
    outputs = [
        report.render_markdown(data, max_items=10_000).encode(),
        json.dumps(data, ensure_ascii=False).encode(),
        calendar.deadlines_ics(
            report.deadline_events(inputs, today=TODAY), calendar_name="x", generated_at=datetime.now(UTC)
        ),
    ]
    requests = demo.workflow("correction_requests", rules=RULES, today=TODAY)
    for organisme in set(requests["organisme"]):
        outputs.extend(corrections.request_files(requests, organisme))
    journal = demo.query("audit_log", {"limit": 100_000})
    outputs.append(spreadsheet.to_csv_bytes(journal, {c: c for c in journal.columns}))
    text = "\n".join(o.decode("utf-8", errors="replace") for o in outputs if not o.startswith(b"PK"))
    every_nir = "SELECT nir FROM employees UNION SELECT nir FROM of_lines UNION SELECT nir FROM training_records"
    nirs = set(demo.sql(every_nir)["nir"].dropna())
    assert len(nirs) > 250
    assert not [nir for nir in nirs if nir in text]
    assert "** *** ***" in text  # the people are there, masked
