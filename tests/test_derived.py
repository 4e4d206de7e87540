"""The persisted deadlines and reconciliation (lib/store/derived.py) give exactly the lists of the full computation,
after every kind of write, at any day; statuses change with the day without any write."""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from lib import lists, settings
from lib.backup import known_schema
from lib.fakes.demo_store import DEMO_DIR
from lib.rules import RuleSet
from lib.store import SCHEMA_VERSION, Store, derived
from lib.store.sqlfiles import checked, named_query, parameters_of, split_sql
from lib.store.workflow import list_parameters

DAY = date(2026, 11, 23)
LISTS: dict[str, tuple[str, ...]] = {
    "of_declarations": ("line_key",),
    "expected_trainings": ("id",),
    "internal_trainings": ("id",),
    "validities": ("id",),
    "of_scorecard": ("organisme",),
    "correction_requests": ("organisme", "id_unique_partenaire"),
}


FULL_COMPUTATION = Path(__file__).parent / "full_computation"
"""The lists as they were computed before the list tables (lib/sql/derive_lists.sql): joins of the working tables."""


def _lists(con: object, today: date, *, full: bool = False) -> dict[str, pd.DataFrame]:
    frames = {}
    for name, keys in LISTS.items():
        reference = FULL_COMPUTATION / f"{name}.sql"
        sql = reference.read_text(encoding="utf-8") if full and reference.exists() else named_query(name)
        params = checked(con, sql, list_parameters(name, {"today": today, "horizon": 90}))  # type: ignore[arg-type]
        frame = con.execute(sql, params).df()  # type: ignore[attr-defined]
        if "search_text" in frame.columns:  # the search text the lists keep normalized: what lib/lists.py makes
            expected = con.execute(  # type: ignore[attr-defined]
                f"SELECT {lists.search_text_sql(name, frame.columns)} AS s FROM frame"
            ).df()["s"]
            assert list(frame["search_text"]) == list(expected), name
            frame = frame.drop(columns=["search_text"])
        frames[name] = frame.sort_values(list(keys), kind="stable").reset_index(drop=True)
    return frames


def old_full_computation(con: object, rules: RuleSet, tolerance: int) -> None:
    """The computation the store made on every read before the deadlines were persisted, kept here as the oracle:
    tests/full_computation/prepare_workflow.sql into TEMP tables (then the lists of tests/full_computation/)."""
    derived.install_macros(con, rules)  # type: ignore[arg-type]
    con.execute("DROP VIEW IF EXISTS temp.pp_lines")  # type: ignore[attr-defined]
    titles = [str(row[0]) for row in con.execute(derived._TITLES).fetchall()]  # type: ignore[attr-defined]
    derived._write_title_keys(con, titles, "CREATE OR REPLACE TEMP TABLE pp_title_keys AS")  # type: ignore[arg-type]
    con.execute("CREATE OR REPLACE TEMP TABLE pp_last_actions AS " + named_query("last_decisions"))  # type: ignore[attr-defined]
    for statement in split_sql((FULL_COMPUTATION / "prepare_workflow.sql").read_text(encoding="utf-8")):
        wanted = parameters_of(con, statement)  # type: ignore[arg-type]
        con.execute(statement, {k: v for k, v in {"tolerance": tolerance}.items() if k in wanted})  # type: ignore[attr-defined]


def assert_same_as_full_computation(store: Store, days: tuple[date, ...] = (DAY,)) -> None:
    """Every list read from the persisted tables, and computed on the fly in TEMP tables (another rule set), equals
    the old full computation (tests/full_computation/prepare_workflow.sql and its lists)."""
    with store.read() as con:
        rules, tolerance = derived.active_settings(con)
        assert derived.is_current(con, rules, tolerance)
        for today in days:
            derived.prepare_reads(con, rules, tolerance)
            persisted = _lists(con, today)
            old_full_computation(con, rules, tolerance)
            reference = _lists(con, today, full=True)
            derived.compute_workflow(con, rules, tolerance)
            on_the_fly = _lists(con, today)  # another rule set: the list tables computed in TEMP tables
            for name in LISTS:
                pd.testing.assert_frame_equal(persisted[name], reference[name], obj=f"{name} au {today}")
                pd.testing.assert_frame_equal(on_the_fly[name], reference[name], obj=f"{name} au {today} (TEMP)")


@pytest.fixture
def store(demo_db: Path) -> Store:
    return Store(demo_db)


def test_the_demo_lists_read_from_the_persisted_tables_are_the_full_computation(store: Store) -> None:
    assert_same_as_full_computation(store, (DAY, date(2025, 6, 30), date(2027, 3, 1), date(2030, 1, 1)))


def test_statuses_change_with_the_day_without_any_write(store: Store) -> None:
    """Deadlines are data, statuses are a view: the same stored rows give other statuses on another day."""
    before = store.sql("SELECT count(*) AS n FROM actions")["n"].iloc[0]
    with store.read() as con:
        rules, tolerance = derived.active_settings(con)
        derived.prepare_reads(con, rules, tolerance)
        seen = {
            today: _lists(con, today)["expected_trainings"]["status"].tolist() for today in (DAY, DAY + timedelta(400))
        }
    assert seen[DAY] != seen[DAY + timedelta(400)]
    assert store.sql("SELECT count(*) AS n FROM actions")["n"].iloc[0] == before


def test_every_write_keeps_the_persisted_tables_equal_to_the_full_computation(store: Store) -> None:
    rules = settings.active_rules(store)
    # An OF file imported again as a corrected version: other dates on a line, a new line.
    of_file = sorted(DEMO_DIR.glob("*.csv"))
    lines = store.sql("SELECT organisme, id_unique_partenaire FROM of_lines ORDER BY 1, 2")
    keys = [f"{o}|{p}" for o, p in lines.itertuples(index=False)]
    assert of_file and keys
    (accepted,) = store.record_action("of_line", keys[:1], "accepted")
    assert_same_as_full_computation(store)
    store.record_action("of_line", keys[1:3], "correction_requested", reason="dates", effective_on=DAY)
    store.undo_action(accepted)
    assert_same_as_full_computation(store)
    record = int(store.sql("SELECT min(id) AS i FROM training_records WHERE NOT is_internal")["i"].iloc[0])
    organisme, partner = keys[-1].split("|", 1)
    store.pair_manually(record, organisme, partner)
    assert_same_as_full_computation(store, (DAY, DAY + timedelta(200)))
    batch = store.generate_export("carence", rules=rules, today=DAY, catalogue=settings.code_catalogue(store))
    if batch.files:
        store.confirm_export(batch.files[0].export_id, rules=rules, today=DAY)
        assert_same_as_full_computation(store)
        store.undo_export(batch.files[0].export_id)
        assert_same_as_full_computation(store)
    store.set_setting(settings.TOLERANCE_KEY, "10")
    assert_same_as_full_computation(store)
    store.set_setting("override.extension_until", "2026-12-31")
    assert_same_as_full_computation(store)
    store.set_establishments([("97228186900008", "Siège", "Paris")])
    assert_same_as_full_computation(store)
    store.purge_personal_data(months=1, rules=settings.active_rules(store), today=date(2040, 1, 1))
    assert_same_as_full_computation(store, (DAY, date(2040, 1, 1)))


def demo_of_file(pick: Callable[[dict[str, Any]], bool] = lambda entry: True) -> dict[str, Any]:
    """The first OF file of the demo's manifest that `pick` accepts (its file, organisme and SIRET)."""
    manifest = tomllib.loads((DEMO_DIR / "manifest.toml").read_text(encoding="utf-8"))
    return next(entry for entry in manifest["of_files"] if pick(entry))


def reimport_edited(store: Store, entry: dict[str, Any], edit: Callable[[list[str], list[list[str]]], None]) -> None:
    """Import the demo OF file again as « corrige.csv », its rows (split into cells) changed by `edit(columns,
    rows)`: the same file corrected by the OF."""
    text = (DEMO_DIR / entry["file"]).read_bytes().decode("utf-8").split("\r\n")
    rows = [line.split("|") for line in text[1:] if line]
    edit(text[0].split("|"), rows)
    changed = "\r\n".join([text[0], *("|".join(r) for r in rows)]) + "\r\n"
    result = store.import_of_file(
        changed.encode("utf-8"), "corrige.csv", organisme=entry["organisme"],
        organisme_siret=entry.get("organisme_siret"), today=DAY, received_on=DAY,
    )  # fmt: skip
    assert result.ok, result.message


def test_an_of_import_refreshes_only_its_people_and_matches_the_full_computation(store: Store) -> None:
    # The same file again, corrected by the OF: a line's holder renamed, another line given a third one's NIR
    # (its pairing moves from one person to another: both are refreshed).
    def correct(columns: list[str], rows: list[list[str]]) -> None:
        rows[0][columns.index("NOM_TITULAIRE")] += "X"
        rows[1][columns.index("NIR")] = rows[-1][columns.index("NIR")]

    reimport_edited(store, demo_of_file(), correct)
    assert_same_as_full_computation(store)


def test_an_hr_import_and_recommended_validities_keep_the_tables_exact(store: Store) -> None:
    store.apply_recommended_validities()
    assert_same_as_full_computation(store)
    store.clear_recommended_validities()
    assert_same_as_full_computation(store)


def test_another_rule_set_is_computed_on_the_fly_and_leaves_the_persisted_tables_alone(store: Store) -> None:
    other = settings.active_rules(store, settings.comparison_rule_set_name(store))
    active = store.workflow("expected_trainings", rules=settings.active_rules(store), today=DAY)
    other_frame = store.workflow("expected_trainings", rules=other, today=DAY)
    assert len(active) == len(other_frame)
    assert_same_as_full_computation(store)


def test_an_old_store_gets_its_derived_tables_from_the_migration(store: Store, tmp_path: Path) -> None:
    old = tmp_path / "ancienne.duckdb"
    shutil.copyfile(store.path, old)
    import duckdb

    con = duckdb.connect(str(old))
    for table in derived.DERIVED_TABLES:
        con.execute(f"DROP TABLE {table}")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.close()
    reopened = Store(old)
    assert reopened.schema_version() == SCHEMA_VERSION  # a read upgrades it (through a write open)
    assert_same_as_full_computation(reopened)


def test_derived_tables_are_not_backed_up() -> None:
    assert not set(derived.DERIVED_TABLES) & set(known_schema(SCHEMA_VERSION).tables)
    assert "training_records" in known_schema(SCHEMA_VERSION).tables


def test_the_list_tables_hold_each_list_in_its_own_order_and_are_not_backed_up(store: Store) -> None:
    orders = {
        "pp_list_of_declarations": "concerned DESC, verification_deadline NULLS LAST, organisme, id_unique_partenaire",
        "pp_list_internal": "internal_deadline NULLS LAST, person_birth_name, id",
        "pp_list_validities": "effective_validity_end NULLS LAST, person_birth_name, id",
    }
    store.refresh_derived(who="test")  # a full refresh (a migration, a rule set change): the lists in order
    with store.read() as con:
        for table, order in orders.items():
            stored = con.execute(f"SELECT rowid FROM {table}").fetchall()
            ordered = con.execute(f"SELECT rowid FROM {table} ORDER BY {order}").fetchall()
            assert len(stored) > 10
            assert stored == ordered, table
    assert set(derived.LIST_TABLES) <= set(derived.DERIVED_TABLES)
    assert not set(derived.LIST_TABLES) & set(known_schema(SCHEMA_VERSION).tables)


def test_a_search_reads_the_stored_search_text(store: Store) -> None:
    from lib.lists import PERSON_COLUMNS, ListContext, ListQuery
    from lib.matching import normalized_text

    context = ListContext(DAY)
    frame = store.list_rows(ListQuery("validities"), context, limit=1)
    assert "search_text" not in frame.columns
    assert "search_text" not in store.list_columns("validities", context)
    word = normalized_text(str(frame["person_birth_name"].iloc[0])).split()[0]
    found = store.list_rows(ListQuery("validities").searching(word.upper()), context, limit=None)
    every = store.list_rows(ListQuery("validities"), context, limit=None)
    texts = every[list(PERSON_COLUMNS)].astype("string").fillna("").agg(" ".join, axis=1).map(normalized_text)
    expected = every[texts.str.contains(word, regex=False)]
    assert 1 <= len(found) < len(every)
    assert sorted(found["id"]) == sorted(expected["id"])


def _portal_rows(data: bytes) -> tuple[list[str], list[list[str]]]:
    text = data.decode("utf-8").split("\r\n")
    return text[0].split("|"), [line.split("|") for line in text[1:] if line]


def _portal_file(columns: list[str], rows: list[list[str]]) -> bytes:
    return ("\r\n".join(["|".join(columns), *("|".join(row) for row in rows)]) + "\r\n").encode("utf-8")


def _moved(day: str, days: int) -> str:
    return (date(int(day[6:]), int(day[3:5]), int(day[:2])) + timedelta(days)).strftime("%d/%m/%Y") if day else day


@pytest.fixture
def refreshes(monkeypatch: pytest.MonkeyPatch) -> list[derived.Refresh]:
    """What each OF import's refresh rewrote whole, in order."""
    from lib.store import imports

    seen: list[derived.Refresh] = []

    def recording(con: Any, **scope: Any) -> derived.Refresh:
        done = derived.refresh_derived(con, **scope)
        seen.append(done)
        return done

    monkeypatch.setattr(imports, "refresh_derived", recording)
    return seen


def _import_twice_from_another_of(store: Store) -> None:
    """Another OF declares the same trainings (new partner ids): every pair it meets becomes an ambiguity. Then it
    corrects its file: one session's dates moved out of the tolerance (those pairs come back), one holder's NIR
    given to another holder (the line moves from one person's candidates to another's)."""
    import tomllib

    entry = tomllib.loads((DEMO_DIR / "manifest.toml").read_text(encoding="utf-8"))["of_files"][0]
    columns, rows = _portal_rows((DEMO_DIR / entry["file"]).read_bytes())
    partner, declaration, nir = (columns.index(c) for c in ("ID_UNIQUE_PARTENAIRE", "ID_DECLARATION", "NIR"))
    dates = [i for i, c in enumerate(columns) if c.startswith("DATE_")]
    copies = [[*row] for row in rows]
    for row in copies:
        row[partner], row[declaration] = f"B-{row[partner]}", f"B-{row[declaration]}"
    ambiguous_before = int(store.sql("SELECT count(*) AS n FROM pp_ambiguous")["n"].iloc[0])
    result = store.import_of_file(_portal_file(columns, copies), "autre.csv", organisme="Autre OF", today=DAY)
    assert result.ok and result.inserted == len(rows), result.message
    assert int(store.sql("SELECT count(*) AS n FROM pp_ambiguous")["n"].iloc[0]) > ambiguous_before
    assert_same_as_full_computation(store)
    first = copies[0][declaration]
    for row in copies:
        if row[declaration] == first:
            for at in dates:
                row[at] = _moved(row[at], -60)
    copies[-1][nir] = copies[-2][nir]
    result = store.import_of_file(_portal_file(columns, copies), "autre.csv", organisme="Autre OF", today=DAY)
    assert result.ok and result.inserted == 0 and result.updated >= 2, result.message
    assert_same_as_full_computation(store, (DAY, DAY + timedelta(200)))


def test_another_of_declaring_the_same_trainings_refreshes_only_its_lines_and_their_pairs(
    store: Store, refreshes: list[derived.Refresh]
) -> None:
    _import_twice_from_another_of(store)
    nothing_whole = derived.Refresh(derived=False, lines_list=False, records_lists=False)
    assert refreshes == [nothing_whole, nothing_whole]


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_a_scope_past_the_share_is_rewritten_whole_and_one_below_as_a_delta(
    store: Store, refreshes: list[derived.Refresh], monkeypatch: pytest.MonkeyPatch, share: float
) -> None:
    """Both sides of the switch give the full computation's lists: at 0 every scope is past it (new lines alone
    rewrite the lists whole, changed lines everything), at 1 none is."""
    monkeypatch.setattr(derived, "FULL_REFRESH_SHARE", share)
    _import_twice_from_another_of(store)
    if share == 0.0:
        assert refreshes == [
            derived.Refresh(derived=False, lines_list=True, records_lists=True),
            derived.Refresh(derived=True, lines_list=True, records_lists=True),
        ]
    else:
        assert not any(r.derived or r.lines_list or r.records_lists for r in refreshes)
    record = int(store.sql("SELECT max(id) AS i FROM training_records WHERE NOT is_internal")["i"].iloc[0])
    line = store.sql("SELECT organisme, id_unique_partenaire FROM of_lines ORDER BY 2 LIMIT 1")
    store.pair_manually(record, str(line["organisme"].iloc[0]), str(line["id_unique_partenaire"].iloc[0]))
    assert_same_as_full_computation(store)


def test_a_line_that_comes_to_match_a_second_record_unpairs_the_first_and_refreshes_its_rows(
    store: Store, refreshes: list[derived.Refresh]
) -> None:
    """A paired line's session moves by a day, so that the line also matches the same person's other record: the
    first record keeps the line among its candidates (its candidate set is the same) yet loses its pair."""
    import tomllib

    from lib.store.connection import transaction

    entry = tomllib.loads((DEMO_DIR / "manifest.toml").read_text(encoding="utf-8"))["of_files"][0]
    tolerance = settings.preferences(store).tolerance_days
    paired = store.sql(
        "SELECT p.record_id, l.id_declaration FROM pp_pairs p JOIN pp_line_facts l USING (line_key) "
        "JOIN pp_records r ON r.id = p.record_id WHERE p.how = 'automatique' AND l.organisme = $o "
        "AND r.end_date = l.date_fin_formation ORDER BY 1 LIMIT 1",
        {"o": entry["organisme"]},
    )
    record, session = int(paired["record_id"].iloc[0]), str(paired["id_declaration"].iloc[0])
    with store.connect() as con, transaction(con):  # the same training again, just out of the tolerance
        con.execute(
            "INSERT INTO training_records SELECT * REPLACE (nextval('record_id_seq') AS id, "
            "natural_key || '-bis' AS natural_key, start_date + $k AS start_date, end_date + $k AS end_date) "
            "FROM training_records WHERE id = $r",
            {"k": tolerance + 1, "r": record},
        )
    store.refresh_derived(who="test")
    columns, rows = _portal_rows((DEMO_DIR / entry["file"]).read_bytes())
    declaration = columns.index("ID_DECLARATION")
    for row in rows:
        if row[declaration] == session:
            for at in (i for i, c in enumerate(columns) if c.startswith("DATE_")):
                row[at] = _moved(row[at], 1)
    result = store.import_of_file(
        _portal_file(columns, rows), "corrige.csv", organisme=entry["organisme"],
        organisme_siret=entry.get("organisme_siret"), today=DAY, received_on=DAY,
    )  # fmt: skip
    assert result.ok and result.inserted == 0 and result.updated >= 1, result.message
    assert refreshes == [derived.Refresh(derived=False, lines_list=False, records_lists=False)]
    assert store.sql("SELECT count(*) AS n FROM pp_pairs WHERE record_id = $r", {"r": record})["n"].iloc[0] == 0
    assert_same_as_full_computation(store)
