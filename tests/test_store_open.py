"""Honest errors about the store file: each wrong --db says what is wrong and what to do, and changes nothing."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from lib.store import SCHEMA_VERSION, Store, StoreError
from tests.store_content import rows_of

REPO = Path(__file__).resolve().parents[1]
SAMPLE_ADF = REPO.parent / "shared" / "referentials" / "sample_adf_synthetic.csv"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lib", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,  # a hang guard
        stdin=subprocess.DEVNULL,
    )


def refused(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "utilisée par un autre programme" not in result.stderr
    assert expected in result.stderr, result.stderr


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def import_args(db: Path) -> list[str | Path]:
    return ["import", SAMPLE_ADF, "--kind", "of", "--organisme", "OF", "--today", "2026-11-23", "--db", db]


def test_a_directory_is_not_a_store(tmp_path: Path) -> None:
    folder = tmp_path / "bases"
    folder.mkdir()
    result = run(*import_args(folder))
    refused(result, f"{folder} est un dossier, pas une base : indiquez un fichier, par exemple --db {folder}/")
    assert list(folder.iterdir()) == []


def test_dev_null_is_not_a_store_and_nothing_is_created_beside_it() -> None:
    result = run("report", "--today", "2026-11-23", "--db", "/dev/null")
    refused(result, "/dev/null n'est pas un fichier ordinaire (périphérique, tube…)")
    assert not Path("/dev/null.lock").exists() and not Path("/dev/null.turn").exists()


def test_a_file_of_another_kind_is_not_a_store_and_stays_as_it_was(tmp_path: Path) -> None:
    other = tmp_path / "notes.duckdb"
    other.write_text("Liste des courses : pain, lait, œufs.\n" * 20, encoding="utf-8")
    before = digest(other)
    result = run(*import_args(other))
    refused(result, f"{other} n'est pas une base DuckDB (c'est un fichier d'un autre type)")
    assert digest(other) == before


def test_an_empty_file_says_how_to_start_a_new_store(tmp_path: Path) -> None:
    empty = tmp_path / "vide.duckdb"
    empty.touch()
    result = run("report", "--today", "2026-11-23", "--db", empty)
    refused(result, "est un fichier vide (0 octet), pas une base : supprimez-le pour en créer une nouvelle")
    assert empty.stat().st_size == 0


def test_a_read_only_store_refuses_writes_but_still_answers_reads(demo_store_file: Path, tmp_path: Path) -> None:
    copy = tmp_path / "lecture.duckdb"
    shutil.copy(demo_store_file, copy)
    copy.chmod(stat.S_IRUSR | stat.S_IRGRP)
    try:
        before = digest(copy)
        result = run(*import_args(copy))
        refused(result, f"La base {copy} est en lecture seule (droits du fichier) : rien n'a été modifié.")
        assert f"chmod u+w {copy}" in result.stderr
        assert digest(copy) == before
        calendar = run("calendar", "--today", "2026-11-23", "--out", tmp_path / "agenda.ics", "--db", copy)
        assert calendar.returncode == 0, calendar.stderr
        assert (tmp_path / "agenda.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")
        assert digest(copy) == before
    finally:
        copy.chmod(stat.S_IRUSR | stat.S_IWUSR)


def foreign_database(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE TABLE clients (id INTEGER, nom VARCHAR)")
        con.execute("INSERT INTO clients VALUES (1, 'Dupont'), (2, 'Martin')")
        con.execute("CREATE TABLE factures (id INTEGER, montant DECIMAL(10, 2))")
        con.execute("CREATE TABLE meta (cle VARCHAR, valeur VARCHAR)")  # a `meta` of its own, not ours
    finally:
        con.close()


def tables_of(path: Path) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return sorted(str(r[0]) for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall())
    finally:
        con.close()


def test_another_applications_duckdb_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    foreign = tmp_path / "compta.duckdb"
    foreign_database(foreign)
    before, content = digest(foreign), rows_of(foreign, ("clients", "factures", "meta"))
    result = run("report", "--today", "2026-11-23", "--db", foreign)
    refused(result, f"{foreign} est une base DuckDB d'une autre application (tables : clients, factures)")
    assert "pas une base du Passeport de prévention : rien n'y a été écrit" in result.stderr
    result = run(*import_args(foreign))
    refused(result, "d'une autre application")
    assert digest(foreign) == before
    assert tables_of(foreign) == ["clients", "factures", "meta"]
    assert rows_of(foreign, ("clients", "factures", "meta")) == content
    with pytest.raises(StoreError, match="d'une autre application"):
        Store(foreign).counts()
    with pytest.raises(StoreError, match="d'une autre application"):
        Store(foreign).set_setting("x", "y")
    assert tables_of(foreign) == ["clients", "factures", "meta"]


def test_an_empty_duckdb_file_becomes_a_store(tmp_path: Path) -> None:
    path = tmp_path / "neuve.duckdb"
    duckdb.connect(str(path)).close()
    store = Store(path)
    assert store.counts()["employees"] == 0
    assert store.schema_version() == SCHEMA_VERSION


def test_an_unreadable_schema_version_is_named(tmp_path: Path) -> None:
    path = tmp_path / "abimee.duckdb"
    Store(path).counts()
    con = duckdb.connect(str(path))
    try:
        con.execute("UPDATE meta SET value = 'abc' WHERE key = 'schema_version'")
    finally:
        con.close()
    before = digest(path)
    with pytest.raises(StoreError, match="version de schéma illisible"):
        Store(path).counts()
    result = run(*import_args(path))
    refused(result, "a une version de schéma illisible (« abc »)")
    assert digest(path) == before


def test_a_folder_where_nothing_can_be_written_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "fichier"
    blocker.write_text("x", encoding="utf-8")
    result = run(*import_args(blocker / "sous-dossier" / "base.duckdb"))
    refused(
        result, f"Impossible de créer la base {blocker / 'sous-dossier' / 'base.duckdb'} : {blocker} est un fichier"
    )


def test_only_a_program_really_holding_the_file_is_called_another_program(tmp_path: Path) -> None:
    path = tmp_path / "tenue.duckdb"
    Store(path).counts()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys\ncon = duckdb.connect(sys.argv[1])\nprint('ok', flush=True)\n"
         "sys.stdin.readline()\n", str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        result = run("report", "--today", "2026-11-23", "--db", path, "--wait", "0")
    finally:
        holder.communicate("fin\n", timeout=300)
    assert result.returncode == 2
    assert f"La base {path} est utilisée par un autre programme (processus n° {holder.pid})" in result.stderr
    assert "Traceback" not in result.stderr
    assert os.path.exists(path)
