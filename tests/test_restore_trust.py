"""A backup or a store copy is data, never code: crafted ones are refused in French and change nothing."""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from lib import backup
from lib.rules import load_rule_set
from lib.store import SCHEMA_VERSION, Store, StoreError
from tests.store_content import rows_of

REPO = Path(__file__).resolve().parents[1]
SAMPLE_ADF = REPO.parent / "shared" / "referentials" / "sample_adf_synthetic.csv"
TODAY = date(2026, 11, 23)
RULES = load_rule_set("decret-2025-748")
TABLES = tuple(backup.known_schema(SCHEMA_VERSION).tables) + ("actions",)


@pytest.fixture
def demo(demo_store_file: Path, tmp_path: Path) -> Store:
    """A private copy of the session's demo store, in its own folder (so stray files are easy to see)."""
    (tmp_path / "base").mkdir()
    copy = tmp_path / "base" / "demo.duckdb"
    shutil.copy(demo_store_file, copy)
    return Store(copy)


@pytest.fixture
def saved(demo: Store, tmp_path: Path) -> Path:
    """A genuine backup of the demo store."""
    folder = tmp_path / "sauvegarde"
    demo.backup(folder)
    return folder


def listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def statuses(store: Store) -> pd.DataFrame:
    frame = store.workflow("expected_trainings", rules=RULES, today=TODAY)
    return frame[["id", "status", "days_left"]].sort_values("id").reset_index(drop=True)


def manifest_of(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / backup.MANIFEST_NAME).read_text(encoding="utf-8"))
    return data


def write_manifest(folder: Path, data: dict[str, Any]) -> None:
    (folder / backup.MANIFEST_NAME).write_text(json.dumps(data), encoding="utf-8")


def entry(data: dict[str, Any], table: str) -> dict[str, Any]:
    found: dict[str, Any] = next(t for t in data["tables"] if t["table"] == table)
    return found


def reseal(folder: Path, table: str) -> None:
    """What an attacker does after editing a Parquet file: put its new sha256 in the manifest."""
    data = manifest_of(folder)
    entry(data, table)["sha256"] = hashlib.sha256((folder / f"{table}.parquet").read_bytes()).hexdigest()
    write_manifest(folder, data)


def assert_refused(store: Store, root: Path, attempt: Callable[[], object], message: str) -> None:
    """Refused with the French message; the store byte for byte as it was; no file added or left anywhere."""
    before_bytes = store.path.read_bytes()
    before_files = listing(root)
    with pytest.raises(StoreError, match=message) as refused:
        attempt()
    assert "La base actuelle n'a pas été modifiée" in str(refused.value) or "n'est pas une sauvegarde" in str(
        refused.value
    )
    assert store.path.read_bytes() == before_bytes
    assert listing(root) == before_files


# ---------------------------------------------------------------------- genuine backups


def test_a_backup_holds_one_parquet_file_per_known_table_and_a_manifest_with_their_sha256(saved: Path) -> None:
    data = manifest_of(saved)
    assert data["outil"] == "passeport-prevention" and data["schema_version"] == SCHEMA_VERSION
    names = {t["table"] for t in data["tables"]}
    assert names == set(TABLES) and "meta" in names
    assert sorted(p.name for p in saved.iterdir()) == sorted([backup.MANIFEST_NAME, *(f"{n}.parquet" for n in names)])
    employees = entry(data, "employees")
    assert employees["sha256"] == hashlib.sha256((saved / "employees.parquet").read_bytes()).hexdigest()
    assert employees["lignes"] > 0
    assert ["nir", "VARCHAR"] in employees["colonnes"]
    assert set(data["sequences"]) == {
        "action_id_seq",
        "export_id_seq",
        "import_id_seq",
        "record_id_seq",
        "requirement_id_seq",
    }


def test_backup_then_restore_gives_every_table_back_and_ids_keep_counting_up(demo: Store, saved: Path) -> None:
    before = rows_of(demo.path, TABLES)
    demo.import_of_file(SAMPLE_ADF.read_bytes(), "apres.csv", organisme="Après", today=TODAY)
    assert "Base restaurée" in demo.restore(saved)
    after = rows_of(demo.path, TABLES)
    assert {t: rows for t, rows in after.items() if t != "actions"} == {
        t: rows for t, rows in before.items() if t != "actions"
    }
    by_id = sorted(after["actions"], key=lambda row: int(str(row[0])))
    assert by_id[: len(before["actions"])] == sorted(before["actions"], key=lambda row: int(str(row[0])))
    highest_action = max(int(str(row[0])) for row in before["actions"])
    assert demo.record_action("store", ["x"], "test")[0] > highest_action + 1  # the « restored » row came first
    highest_import = max(int(str(row[0])) for row in before["imports"])
    result = demo.import_of_file(SAMPLE_ADF.read_bytes(), "apres.csv", organisme="Après", today=TODAY)
    assert result.import_id is not None and result.import_id > highest_import


def test_a_backup_from_an_older_schema_is_upgraded_by_our_migrations(tmp_path: Path) -> None:
    folder = tmp_path / "ancienne"
    folder.mkdir()
    schema = backup.known_schema(1)
    con = duckdb.connect(":memory:")
    backup._apply_migrations(con, 1)
    con.execute("INSERT INTO establishments VALUES ('12345678900011', 'Siège', 'Lyon')")
    tables = []
    for name, columns in schema.tables.items():
        target = folder / f"{name}.parquet"
        con.execute(f"COPY (SELECT * FROM {name}) TO '{target}' (FORMAT parquet)")
        rows = con.execute(f"SELECT count(*) FROM {name}").fetchone()
        assert rows is not None
        tables.append(
            {
                "table": name,
                "fichier": target.name,
                "lignes": int(rows[0]),
                "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
                "colonnes": [[c, k] for c, k in columns],
            }
        )
    con.close()
    write_manifest(
        folder,
        {
            "outil": "passeport-prevention",
            "format": 1,
            "schema_version": 1,
            "cree_le": "2026-01-01T00:00:00",
            "tables": tables,
            "sequences": {"import_id_seq": 1, "record_id_seq": 1},
        },
    )
    store = Store(tmp_path / "base" / "x.duckdb")
    assert "Base restaurée" in store.restore(folder)
    assert store.schema_version() == SCHEMA_VERSION
    assert rows_of(store.path, ("establishments",))["establishments"] == [("12345678900011", "Siège", "Lyon")]
    assert rows_of(store.path, ("exports",))["exports"] == []  # schema 2's tables exist, empty


# ---------------------------------------------------------------------- crafted backup folders


def test_a_legacy_backup_with_an_added_sql_line_is_refused_and_writes_nothing(demo: Store, tmp_path: Path) -> None:
    legacy = tmp_path / "ancien"
    con = duckdb.connect(str(demo.path))
    con.execute(f"EXPORT DATABASE '{legacy}' (FORMAT parquet)")
    con.close()
    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    with (legacy / "load.sql").open("a", encoding="utf-8") as handle:
        handle.write(f"\nCOPY (SELECT 'import os') TO '{elsewhere / 'piege.pth'}' (FORMAT csv, HEADER false);\n")
    with (legacy / "schema.sql").open("a", encoding="utf-8") as handle:
        handle.write(f"\nCREATE TABLE lu AS SELECT * FROM read_text('{demo.path}');\n")
    assert_refused(demo, tmp_path, lambda: demo.restore(legacy), "ancien format")
    assert not (elsewhere / "piege.pth").exists()
    with pytest.raises(StoreError, match="nouvelle sauvegarde"):
        demo.restore(legacy)


def test_the_command_line_refuses_a_legacy_backup_in_french_without_running_it(demo: Store, tmp_path: Path) -> None:
    legacy = tmp_path / "ancien"
    legacy.mkdir()
    (legacy / "schema.sql").write_text("", encoding="utf-8")
    (legacy / "load.sql").write_text(f"COPY (SELECT 1) TO '{tmp_path / 'piege.pth'}';\n", encoding="utf-8")
    before = demo.path.read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "lib", "restore", str(legacy), "--db", str(demo.path)],
        cwd=REPO, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "ancien format" in result.stderr and "python -m lib backup" in result.stderr
    assert not (tmp_path / "piege.pth").exists()
    assert demo.path.read_bytes() == before
    assert sorted(p.name for p in demo.path.parent.iterdir()) == ["demo.duckdb"]


def test_a_tampered_parquet_file_is_refused(demo: Store, saved: Path, tmp_path: Path) -> None:
    target = saved / "employees.parquet"
    con = duckdb.connect(":memory:")
    con.execute(f"CREATE TABLE e AS SELECT * FROM read_parquet('{target}')")
    con.execute("UPDATE e SET exit_date = NULL")
    con.execute(f"COPY e TO '{target}' (FORMAT parquet)")
    con.close()
    assert_refused(demo, tmp_path, lambda: demo.restore(saved), r"employees\.parquet a été modifié")


def test_a_parquet_file_with_other_columns_is_refused_even_with_a_new_sha256(
    demo: Store, saved: Path, tmp_path: Path
) -> None:
    target = saved / "settings.parquet"
    con = duckdb.connect(":memory:")
    con.execute(f"CREATE TABLE s AS SELECT *, 'x' AS extra FROM read_parquet('{target}')")
    con.execute(f"COPY s TO '{target}' (FORMAT parquet)")
    con.close()
    reseal(saved, "settings")
    assert_refused(demo, tmp_path, lambda: demo.restore(saved), "colonnes ne sont pas celles annoncées")


def test_a_row_count_that_differs_from_the_manifest_is_refused(demo: Store, saved: Path, tmp_path: Path) -> None:
    data = manifest_of(saved)
    entry(data, "employees")["lignes"] += 1
    write_manifest(saved, data)
    assert_refused(demo, tmp_path, lambda: demo.restore(saved), "le manifeste en annonce")


def test_a_manifest_pointing_outside_the_folder_is_refused(demo: Store, saved: Path, tmp_path: Path) -> None:
    shutil.copy(saved / "employees.parquet", tmp_path / "x.parquet")
    data = manifest_of(saved)
    entry(data, "employees")["fichier"] = "../x.parquet"
    write_manifest(saved, data)
    assert_refused(demo, tmp_path, lambda: demo.restore(saved), r"« \.\./x\.parquet » refusé")


def test_a_manifest_naming_an_unknown_table_or_column_or_missing_one_is_refused(
    demo: Store, saved: Path, tmp_path: Path
) -> None:
    original = manifest_of(saved)
    cases: list[tuple[Callable[[dict[str, Any]], None], str]] = [
        (lambda d: d["tables"].append({**entry(d, "meta"), "table": "piege", "fichier": "piege.parquet"}), "piege"),
        (lambda d: d["tables"].remove(entry(d, "employees")), r"absente\(s\) de la sauvegarde : « employees »"),
        (lambda d: entry(d, "employees")["colonnes"].append(["salaire", "VARCHAR"]), "inconnue.*salaire"),
        (lambda d: entry(d, "employees")["colonnes"].pop(), "absente.*job"),
        (lambda d: d.update(schema_version="abc"), "entier positif"),
        (lambda d: d.update(schema_version=SCHEMA_VERSION + 1), "plus récente"),
        (lambda d: d.update(outil="autre"), "pas une sauvegarde de cet outil"),
        (lambda d: d.update(commande="COPY"), "inattendue"),
    ]
    for change, message in cases:
        data = json.loads(json.dumps(original))
        change(data)
        write_manifest(saved, data)
        assert_refused(demo, tmp_path, lambda: demo.restore(saved), message)


def test_an_extra_file_a_symlink_or_a_huge_manifest_in_the_folder_is_refused(
    demo: Store, saved: Path, tmp_path: Path
) -> None:
    (saved / "load.sql").write_text("COPY (SELECT 1) TO '/tmp/x';", encoding="utf-8")
    assert_refused(demo, tmp_path, lambda: demo.restore(saved), "« load.sql » inattendu")
    (saved / "load.sql").unlink()
    (saved / "competences.parquet").unlink()
    (saved / "competences.parquet").symlink_to(demo.path)
    assert_refused(demo, tmp_path, lambda: demo.restore(saved), "pas un fichier ordinaire")
    (saved / "competences.parquet").unlink()
    (saved / backup.MANIFEST_NAME).write_bytes(b" " * (backup.MAX_MANIFEST_BYTES + 1))
    assert_refused(demo, tmp_path, lambda: demo.restore(saved), "dépasse")


def test_a_stored_schema_version_abc_in_a_backup_is_refused(demo: Store, saved: Path, tmp_path: Path) -> None:
    target = saved / "meta.parquet"
    con = duckdb.connect(":memory:")
    con.execute(f"COPY (SELECT 'schema_version' AS key, 'abc' AS value) TO '{target}' (FORMAT parquet)")
    con.close()
    reseal(saved, "meta")
    assert_refused(demo, tmp_path, lambda: demo.restore(saved), r"« abc »\) n'est pas")


# ---------------------------------------------------------------------- crafted copies of the store


def crafted_copy(demo: Store, tmp_path: Path, *statements: str) -> Path:
    path = tmp_path / "copie" / "passeport_20261123.duckdb"
    path.parent.mkdir(exist_ok=True)
    shutil.copy(demo.path, path)
    con = duckdb.connect(str(path))
    for statement in statements:
        con.execute(statement)
    con.execute("CHECKPOINT")
    con.close()
    return path


def test_a_copy_whose_macro_shadows_date_diff_cannot_change_a_computed_status(demo: Store, tmp_path: Path) -> None:
    honest = statuses(demo)
    path = crafted_copy(
        demo,
        tmp_path,
        "CREATE MACRO date_diff(part, a, b) AS 0",
        "CREATE VIEW piege AS SELECT * FROM employees",
        "CREATE MACRO pp_quarter_end(d) AS DATE '2000-01-01'",
    )
    assert not statuses(Store(path)).equals(honest)  # opened as it is, the copy would falsify the statuses
    con = duckdb.connect(str(path))
    con.execute("CREATE MACRO max(x) AS 0")  # what the restore itself calls: it must not take the copy's
    con.execute("CREATE MACRO count_star() AS 0")
    con.close()
    data = path.read_bytes()
    shutil.rmtree(path.parent)
    assert "Base restaurée" in demo.restore_copy(data, "passeport_20261123.duckdb")
    pd.testing.assert_frame_equal(statuses(demo), honest)
    con = duckdb.connect(str(demo.path), read_only=True)
    try:
        macros = con.execute("SELECT function_name FROM duckdb_functions() WHERE NOT internal").fetchall()
        views = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    finally:
        con.close()
    assert macros == [] and views == []


def test_a_copy_holding_only_meta_is_refused(demo: Store, tmp_path: Path) -> None:
    path = tmp_path / "seule.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
    con.execute(f"INSERT INTO meta VALUES ('schema_version', '{SCHEMA_VERSION}')")
    con.close()
    data = path.read_bytes()
    path.unlink()
    assert_refused(demo, tmp_path, lambda: demo.restore_copy(data, "seule.duckdb"), r"table\(s\) absente\(s\)")


def test_a_copy_with_schema_version_abc_is_refused_and_leaves_no_file(demo: Store, tmp_path: Path) -> None:
    path = crafted_copy(demo, tmp_path, "UPDATE meta SET value = 'abc' WHERE key = 'schema_version'")
    data = path.read_bytes()
    shutil.rmtree(path.parent)
    assert_refused(demo, tmp_path, lambda: demo.restore_copy(data, "x.duckdb"), "« abc » inconnue")


def test_a_copy_whose_known_table_is_a_view_or_lacks_a_column_is_refused(demo: Store, tmp_path: Path) -> None:
    cases = [
        (("ALTER TABLE settings RENAME TO settings_vrais", "CREATE VIEW settings AS SELECT * FROM settings_vrais"),
         r"absente\(s\) : « settings »"),
        (("ALTER TABLE competences DROP COLUMN libelle",), "colonne libelle absente"),
        (("ALTER TABLE competences ALTER libelle TYPE INTEGER USING 1",), "libelle de type INTEGER"),
    ]  # fmt: skip
    for statements, message in cases:
        path = crafted_copy(demo, tmp_path, *statements)
        data = path.read_bytes()
        shutil.rmtree(path.parent)
        assert_refused(demo, tmp_path, functools.partial(demo.restore_copy, data, "x.duckdb"), message)


def test_garbage_and_a_newer_copy_are_refused(demo: Store, tmp_path: Path) -> None:
    assert_refused(demo, tmp_path, lambda: demo.restore_copy(b"x" * 10_000, "faux.duckdb"), "pas une base DuckDB")
    path = crafted_copy(demo, tmp_path, f"UPDATE meta SET value = '{SCHEMA_VERSION + 1}' WHERE key = 'schema_version'")
    data = path.read_bytes()
    shutil.rmtree(path.parent)
    assert_refused(demo, tmp_path, lambda: demo.restore_copy(data, "x.duckdb"), "plus récente")


def test_a_backup_whose_sequences_lag_still_gives_new_rows_fresh_ids(demo: Store, saved: Path) -> None:
    data = manifest_of(saved)
    data["sequences"] = dict.fromkeys(data["sequences"], 1)
    write_manifest(saved, data)
    demo.restore(saved)
    actions = rows_of(demo.path, ("actions",))["actions"]
    ids = [int(str(row[0])) for row in actions]
    assert len(ids) == len(set(ids))  # the « restored » row did not reuse an id
    assert demo.record_action("store", ["x"], "test")[0] == max(ids) + 1
