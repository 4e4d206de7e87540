"""The store package: one transaction() and one audit() for every write, named SQL with exactly its parameters."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

import lib.store.configuration as configuration_module
import lib.store.imports as imports_module
import lib.store.retention as retention_module
import lib.store.validities as validities_module
import lib.store.workflow as workflow_module
from lib import settings
from lib.rules import load_rule_set
from lib.store import SQL_DIR, WORKFLOW_PARAMETERS, SqlParameterError, Store, audit, transaction
from lib.store.connection import audit as real_audit
from lib.store.connection import audit_many
from lib.store.sqlfiles import checked, named_query, parameters_of, run_named, run_script
from tests.store_content import rows_of

REPO = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 23)
RULES = load_rule_set("decret-2025-748")
TABLES = (
    "imports", "organismes", "of_lines", "of_line_changes", "employees", "training_records", "competences",
    "establishments", "settings", "header_mappings", "exports", "export_lines", "partner_id_ledger",
    "manual_pairings", "meta", "actions",
)  # fmt: skip
# Every file of lib/sql/ and the parameters it takes, written here by hand: a file that starts using another
# parameter (or stops using one) fails test_each_sql_file_uses_exactly_the_parameters_written_here.
SQL_PARAMETERS = {
    **{name: frozenset(wanted) for name, wanted in WORKFLOW_PARAMETERS.items()},
    "recent_imports": frozenset({"limit"}),
    "audit_log": frozenset({"limit"}),
    "reminders_sent": frozenset({"limit"}),
    "requirement_shares": frozenset({"today"}),
    "derive": frozenset({"all", "tolerance"}),
    "derive_list_scope": frozenset({"all"}),
    "derive_lists": frozenset({"all_lines", "all_records"}),
    "derive_requirements": frozenset({"all"}),
    "last_decisions": frozenset(),
    "rule_set_differences": frozenset(),
    "people": frozenset({"words", "matricules", "limit"}),
}


class Boom(Exception):
    """The failure a test injects in the middle of a write."""


@pytest.fixture
def demo(demo_store_file: Path, tmp_path: Path) -> Store:
    copy = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_store_file, copy)
    return Store(copy, user="test")


def content(store: Store) -> dict[str, list[tuple[object, ...]]]:
    return rows_of(store.path, TABLES)


def audit_then_fail(monkeypatch: pytest.MonkeyPatch, module: Any, *, after: int = 1) -> list[int]:
    """Make `module.audit` write its row as usual, then raise on its `after`-th call."""
    calls: list[int] = []

    def failing(con: duckdb.DuckDBPyConnection, **fields: Any) -> int:
        calls.append(real_audit(con, **fields))
        if len(calls) >= after:
            raise Boom("panne au milieu de l'écriture")
        return calls[-1]

    monkeypatch.setattr(module, "audit", failing)
    return calls


# ---------------------------------------------------------------------- transaction() and audit()


def test_a_transaction_commits_when_its_block_ends() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (x INTEGER)")
    with transaction(con):
        con.execute("INSERT INTO t VALUES (1), (2)")
    assert con.execute("SELECT count(*) FROM t").fetchone() == (2,)


def test_a_transaction_rolls_back_everything_when_its_block_raises() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
    with pytest.raises(duckdb.ConstraintException), transaction(con):
        con.execute("INSERT INTO t VALUES (1)")
        con.execute("INSERT INTO t VALUES (1)")  # fails after a first write
    assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)
    with transaction(con):  # the connection is usable again
        con.execute("INSERT INTO t VALUES (3)")
    assert con.execute("SELECT x FROM t").fetchall() == [(3,)]


def test_audit_appends_one_row_with_what_it_is_told(demo: Store) -> None:
    with demo.connect() as con, transaction(con):
        first = audit(con, who="ana", target_kind="store", target_key="k", action="tested", reason="r")
        second = audit(con, who="ana", target_kind="store", target_key="k", action="undone", undoes=first)
    with demo.read() as con:
        rows = con.execute(
            "SELECT who, target_kind, target_key, action, reason, undoes FROM actions WHERE id IN ($a, $b) ORDER BY id",
            {"a": first, "b": second},
        ).fetchall()
    assert second > first
    assert rows == [("ana", "store", "k", "tested", "r", None), ("ana", "store", "k", "undone", None, first)]


def test_no_module_of_the_store_writes_the_audit_or_a_transaction_by_hand() -> None:
    for path in [*sorted((REPO / "lib" / "store").glob("*.py")), REPO / "lib" / "backup.py"]:
        text = path.read_text(encoding="utf-8")
        if path.name != "connection.py":
            assert "INSERT INTO actions" not in text, path.name
            assert "BEGIN TRANSACTION" not in text, path.name
            assert "COMMIT" not in text, path.name
    assert not (REPO / "lib" / "store.py").exists()


# ---------------------------------------------------------------------- a failure in the middle writes nothing


def test_a_setting_whose_write_fails_in_the_middle_leaves_nothing(demo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    before = content(demo)
    calls = audit_then_fail(monkeypatch, configuration_module)
    with pytest.raises(Boom):
        demo.set_setting("tolerance_days", "9")
    assert len(calls) == 1  # the audit row was written inside the transaction, then undone
    assert content(demo) == before


def test_a_mapping_whose_save_fails_in_the_middle_leaves_nothing(demo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    before = content(demo)
    original = configuration_module.save_mapping

    def failing(con: duckdb.DuckDBPyConnection, kind: str, mapping: dict[str, str]) -> None:
        original(con, kind, mapping)
        raise Boom("panne")

    monkeypatch.setattr(configuration_module, "save_mapping", failing)
    with pytest.raises(Boom):
        demo.save_mapping("roster", {"Mat.": "matricule", "Nom": "birth_name"})
    assert content(demo) == before


def test_establishments_replaced_with_a_failure_in_the_middle_stay_as_they_were(demo: Store) -> None:
    before = content(demo)
    assert before["establishments"]  # the demo has some: the DELETE would show
    siret = "73282932000074"
    with pytest.raises(duckdb.ConstraintException):
        demo.set_establishments([(siret, "Siège", "Paris"), (siret, "Doublon", "Lyon")])
    assert content(demo) == before


def test_a_manual_pairing_whose_audit_fails_is_not_kept(demo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    before = content(demo)
    audit_then_fail(monkeypatch, workflow_module)
    with pytest.raises(Boom):
        demo.pair_manually(1, "OF inconnu", "ID-1")
    assert content(demo) == before


def test_withdrawing_proposed_validity_ends_with_a_failure_changes_nothing(
    demo: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "proposée" in demo.apply_recommended_validities()
    before = content(demo)
    assert any(row for row in before["training_records"])
    audit_then_fail(monkeypatch, validities_module)
    with pytest.raises(Boom):
        demo.clear_recommended_validities()
    assert content(demo) == before
    proposed = demo.sql("SELECT count(*) AS n FROM training_records WHERE validity_end_proposed")["n"].iloc[0]
    assert proposed > 0


def test_applying_proposed_validity_ends_with_a_failure_changes_nothing(
    demo: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = content(demo)
    audit_then_fail(monkeypatch, validities_module)
    with pytest.raises(Boom):
        demo.apply_recommended_validities()
    assert content(demo) == before


def test_decisions_on_several_lines_are_all_kept_or_none(demo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    before = content(demo)
    written: list[list[int]] = []

    def failing(con: duckdb.DuckDBPyConnection, **fields: Any) -> list[int]:
        written.append(audit_many(con, **fields))  # the four rows are written, then the write fails
        raise Boom("panne au milieu de l'écriture")

    monkeypatch.setattr(workflow_module, "audit_many", failing)
    with pytest.raises(Boom):
        demo.record_action("of_line", ["a|1", "a|2", "a|3", "a|4"], "accepted")
    assert len(written[0]) == 4
    assert content(demo) == before


def test_a_decision_on_several_lines_records_one_row_each_in_order(demo: Store) -> None:
    ids = demo.record_action("of_line", ["a|2", "a|1", "a|2"], "accepted", reason="lot", effective_on=date(2026, 11, 2))
    rows = demo.sql(
        "SELECT id, target_key, action, reason, effective_on FROM actions WHERE list_contains($i, id) ORDER BY id",
        {"i": ids},
    )
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert list(rows["target_key"]) == ["a|2", "a|1", "a|2"]
    assert set(rows["action"]) == {"accepted"} and set(rows["reason"]) == {"lot"}
    assert {d.date() for d in pd.to_datetime(rows["effective_on"])} == {date(2026, 11, 2)}
    assert demo.record_action("of_line", [], "accepted") == []


def test_an_undo_whose_audit_fails_leaves_the_action_in_force(demo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    (action_id,) = demo.record_action("of_line", ["a|1"], "accepted")
    before = content(demo)
    audit_then_fail(monkeypatch, workflow_module)
    with pytest.raises(Boom):
        demo.undo_action(action_id)
    assert content(demo) == before
    monkeypatch.undo()
    assert demo.undo_action(action_id) > action_id  # not « already undone »


def test_a_purge_that_fails_at_its_last_step_erases_nobody(demo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    candidates = demo.purge_candidates(months=1, rules=RULES, today=date(2040, 1, 1))
    assert (~candidates["has_open_items"].astype(bool)).any()  # someone would be purged
    before = content(demo)
    audit_then_fail(monkeypatch, retention_module)
    with pytest.raises(Boom):
        demo.purge_personal_data(months=1, rules=RULES, today=date(2040, 1, 1))
    assert content(demo) == before


def test_an_hr_import_that_fails_after_merging_leaves_nothing(demo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    before = content(demo)
    original = imports_module._merge_employees

    def failing(con: duckdb.DuckDBPyConnection, frame: Any, import_id: int) -> tuple[int, int, int]:
        original(con, frame, import_id)
        raise Boom("panne")

    monkeypatch.setattr(imports_module, "_merge_employees", failing)
    roster = "Matricule;Nom de naissance;Prénom\nX-NEW-1;DUPONT;Léa\n".encode()
    with pytest.raises(Boom):
        demo.import_records(roster, "salaries.csv", "roster", mapping={"Matricule": "matricule"})
    assert content(demo) == before


def test_a_generated_export_whose_files_cannot_be_written_is_not_recorded(demo: Store) -> None:
    before = content(demo)

    def cannot_write(files: tuple[Any, ...]) -> None:
        assert files  # the files exist, recorded inside the open transaction
        raise Boom("disque plein")

    with pytest.raises(Boom):
        demo.generate_export(
            "carence", rules=RULES, today=TODAY, catalogue=settings.code_catalogue(demo), on_files=cannot_write
        )
    assert content(demo) == before


# ---------------------------------------------------------------------- named SQL with exactly its parameters


def test_each_sql_file_uses_exactly_the_parameters_written_here() -> None:
    con = duckdb.connect()
    files = {path.stem for path in SQL_DIR.glob("*.sql")}
    assert files == set(SQL_PARAMETERS)
    for name, wanted in SQL_PARAMETERS.items():
        assert parameters_of(con, named_query(name)) == wanted, name


def test_a_parameter_missing_or_unused_is_refused_before_anything_runs() -> None:
    con = duckdb.connect()
    sql = "SELECT $today AS d, $horizon AS h"
    assert checked(con, sql, {"today": TODAY, "horizon": 90}) == {"today": TODAY, "horizon": 90}
    with pytest.raises(SqlParameterError, match=r"missing parameters \['horizon'\]"):
        checked(con, sql, {"today": TODAY})
    with pytest.raises(SqlParameterError, match=r"unused parameters \['limit'\]"):
        checked(con, sql, {"today": TODAY, "horizon": 90, "limit": 3})
    with pytest.raises(SqlParameterError, match="unused"):
        run_named(con, "recent_imports", {"limit": 3, "today": TODAY})
    # The whole script is checked first: nothing of derive runs (no table of the store exists here).
    with pytest.raises(SqlParameterError, match="derive.sql"):
        run_script(con, "derive", {"all": True, "tolerance": 3, "horizon": 90})
    with pytest.raises(SqlParameterError, match="missing"):
        run_script(con, "derive", {})


def test_the_store_runs_named_queries_with_exactly_their_parameters(demo: Store) -> None:
    assert len(demo.query("recent_imports", {"limit": 2})) == 2
    with pytest.raises(SqlParameterError):
        demo.query("recent_imports", {})
    with pytest.raises(SqlParameterError):
        demo.query("recent_imports", {"limit": 2, "who": "x"})
    with pytest.raises(SqlParameterError):
        demo.workflow("validities", rules=RULES, today=TODAY, params={"limit": 3})


@pytest.mark.parametrize("name", sorted(WORKFLOW_PARAMETERS))
def test_every_workflow_list_and_its_summary_run_with_their_declared_parameters(demo: Store, name: str) -> None:
    frame = demo.workflow(name, rules=RULES, today=TODAY)
    assert len(frame.columns)
    if "status_label" in frame.columns:
        summary = demo.workflow_summary(name, rules=RULES, today=TODAY)
        assert int(summary["n"].sum()) == len(frame)
        assert ("nearest_due_on" in summary.columns) == ("due_on" in frame.columns)


def test_an_unknown_list_is_refused_in_french(demo: Store) -> None:
    from lib.store import StoreError

    with pytest.raises(StoreError, match="Liste inconnue"):
        demo.workflow("employees; DROP TABLE x", rules=RULES, today=TODAY)
