"""Who each requirement applies to and the trainings held, persisted (lib/sql/derive_requirements.sql, the tables of
lib/sql/migrations/008_requirements_derived.sql): the « Manquants » list and the collective shares read from them
are exactly the old computation at query time (tests/full_computation/missing_trainings.sql and
requirement_shares.sql, the oracle), after every kind of write, on any day, and computed on the fly in TEMP tables
under another rule set."""

from __future__ import annotations

import io
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from lib import lists, settings
from lib.fakes.demo_store import DEMO_DIR
from lib.requirements import Requirement
from lib.store import SCHEMA_VERSION, Store, derived
from lib.store.requirement_tables import REQUIREMENT_TABLES
from lib.store.sqlfiles import checked, named_query, parameters_of
from tests.test_derived import demo_of_file, reimport_edited

DAY = date(2026, 11, 23)
DAYS = (DAY, date(2020, 1, 1), date(2025, 6, 30), date(2027, 3, 1), date(2031, 1, 1))
FULL_COMPUTATION = Path(__file__).parent / "full_computation"
QUERIES: dict[str, tuple[str, ...]] = {
    "missing_trainings": ("matricule", "requirement_id"),
    "requirement_shares": ("requirement_id", "person_site"),
}


def _read(con: duckdb.DuckDBPyConnection, today: date, *, oracle: bool) -> dict[str, pd.DataFrame]:
    frames = {}
    for name, keys in QUERIES.items():
        sql = (FULL_COMPUTATION / f"{name}.sql").read_text(encoding="utf-8") if oracle else named_query(name)
        wanted = {"today": today, "horizon": 90}
        params = checked(con, sql, {k: v for k, v in wanted.items() if k in parameters_of(con, sql)})
        frame = con.execute(sql, params).df()
        if "search_text" in frame.columns:  # the search text kept normalized: what lib/lists.py makes
            expected = con.execute(f"SELECT {lists.search_text_sql(name, frame.columns)} AS s FROM frame").df()["s"]
            assert list(frame["search_text"]) == list(expected), name
            frame = frame.drop(columns=["search_text"])
        frames[name] = frame.sort_values(list(keys), kind="stable", na_position="first").reset_index(drop=True)
    return frames


def assert_same_as_oracle(store: Store, days: tuple[date, ...] = DAYS) -> None:
    """The lists read from the persisted tables, and from the same tables computed in TEMP tables (another rule
    set), equal the old computation at query time, on each day."""
    with store.read() as con:
        rules, tolerance = derived.active_settings(con)
        assert derived.is_current(con, rules, tolerance)
        derived.prepare_reads(con, rules, tolerance)
        persisted = {today: _read(con, today, oracle=False) for today in days}
        reference = {today: _read(con, today, oracle=True) for today in days}
        derived.compute_workflow(con, rules, tolerance)
        on_the_fly = {today: _read(con, today, oracle=False) for today in days}
    for today in days:
        for name in QUERIES:
            pd.testing.assert_frame_equal(persisted[today][name], reference[today][name], obj=f"{name} au {today}")
            pd.testing.assert_frame_equal(
                on_the_fly[today][name], reference[today][name], obj=f"{name} au {today} (TEMP)"
            )


def persisted_rows(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """The two tables' rows, sorted (what a full refresh must give again after a scoped one)."""
    with store.read() as con:
        return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in REQUIREMENT_TABLES}


def assert_as_after_a_full_refresh(store: Store) -> None:
    before = persisted_rows(store)
    store.refresh_derived(who="test")
    assert persisted_rows(store) == before


@pytest.fixture
def store(demo_db: Path) -> Store:
    return Store(demo_db)


def roster_lines() -> list[list[str]]:
    text = (DEMO_DIR / "salaries.csv").read_bytes().decode("cp1252")
    return [line.split(";") for line in text.split("\r\n") if line]


def encoded(lines: list[list[str]]) -> bytes:
    return ("\r\n".join(";".join(line) for line in lines) + "\r\n").encode("cp1252")


# --- the demo, and the day ---------------------------------------------------------------------------------------


def test_the_demo_lists_read_from_the_persisted_tables_are_the_oracle_on_any_day(store: Store) -> None:
    with store.read() as con:
        counts = con.execute(
            "SELECT count(*), count(*) FILTER (chosen), (SELECT count(*) FROM pp_requirement_held) "
            "FROM pp_requirement_people"
        ).fetchone()
    assert counts is not None
    people, chosen, held = counts
    assert people > chosen > 0 and held > 0
    assert_same_as_oracle(store)


def test_another_day_without_any_write_gives_other_states_from_the_same_rows(store: Store) -> None:
    before = store.sql("SELECT count(*) AS n FROM actions")["n"].iloc[0]
    rows = persisted_rows(store)
    with store.read() as con:
        rules, tolerance = derived.active_settings(con)
        derived.prepare_reads(con, rules, tolerance)
        states = {
            d: _read(con, d, oracle=False)["missing_trainings"]["status"].tolist() for d in (DAY, DAY + timedelta(400))
        }
    assert states[DAY] != states[DAY + timedelta(400)]
    assert persisted_rows(store) == rows
    assert store.sql("SELECT count(*) AS n FROM actions")["n"].iloc[0] == before


def import_sst_trainings(store: Store, trainings: list[tuple[str, date, date, date | None]]) -> None:
    """The demo's training records again, with an SST (matricule, start, end, validity end) for each of `trainings`."""
    book = openpyxl.load_workbook(DEMO_DIR / "formations.xlsx")
    sheet = book.active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    template = next(r for r in rows[1:] if r[header.index("Type de formation")] == "SST")
    people = store.sql("SELECT * FROM employees").set_index("matricule")
    for matricule, start, end, validity_end in trainings:
        new = list(template)
        person = people.loc[matricule]
        for column, value in (
            ("Matricule", matricule),
            ("NIR", person["nir"]),
            ("Nom de naissance", person["birth_name"]),
            ("Prénom", person["first_name"]),
            ("Date de début", start),
            ("Date de fin", end),
            ("Date de début de validité", end),
            ("Date de fin de validité", validity_end),
            ("Référence", f"TEST-{matricule}-{end}"),
        ):
            new[header.index(column)] = value
        sheet.append(new)
    data = io.BytesIO()
    book.save(data)
    result = store.import_records(data.getvalue(), "formations.xlsx", "internal", accept_warnings=True)
    assert result.ok, result.message


def chosen_sst(store: Store, *, trained: bool) -> list[str]:
    """Present people required the SST (the list's chosen requirement), with or without one held."""
    return list(
        store.sql(
            "SELECT matricule FROM pp_requirement_people WHERE chosen AND family = 'sst' AND exit_date IS NULL "
            "AND (best_end_date IS NOT NULL) = $t ORDER BY matricule",
            {"t": trained},
        )["matricule"]
    )


def test_a_training_ending_after_the_day_counts_only_from_that_day(store: Store) -> None:
    """The persisted best training is of all held; before a training's end, the read takes the best of those ended."""
    never, trained = chosen_sst(store, trained=False)[0], chosen_sst(store, trained=True)[0]
    soon = DAY + timedelta(20)
    import_sst_trainings(store, [(never, soon, soon, None), (trained, soon, soon, DAY + timedelta(800))])
    with store.read() as con:
        later = con.execute("SELECT matricule FROM pp_requirement_people WHERE held_until > $d", {"d": DAY}).fetchall()
    assert {never, trained} <= {row[0] for row in later}
    assert_same_as_oracle(store, (DAY, soon - timedelta(1), soon, DAY + timedelta(30)))
    with store.read() as con:
        derived.prepare_reads(con, *derived.active_settings(con))
        for day, state in ((DAY, "never_trained"), (soon, "valid")):
            listed = _read(con, day, oracle=False)["missing_trainings"].set_index(["matricule", "family"])
            assert listed.loc[(never, "sst"), "status"] == state


def test_a_training_valid_for_good_keeps_the_requirement_valid(store: Store) -> None:
    """The best training held is the one without a validity end, with its own (empty) validity end."""
    person = chosen_sst(store, trained=False)[0]
    import_sst_trainings(
        store, [(person, date(2020, 1, 6), date(2020, 1, 7), None), (person, date(2024, 1, 8), date(2024, 1, 9), DAY)]
    )
    assert_same_as_oracle(store, (DAY, DAY + timedelta(1), date(2031, 1, 1)))
    with store.read() as con:
        derived.prepare_reads(con, *derived.active_settings(con))
        listed = _read(con, date(2031, 1, 1), oracle=False)["missing_trainings"].set_index(["matricule", "family"])
    row = listed.loc[[(person, "sst")]].iloc[0].to_dict()
    assert row["status"] == "valid"
    assert pd.isna(row["validity_end"]) and row["last_end_date"] == pd.Timestamp(2020, 1, 7)


# --- every writer --------------------------------------------------------------------------------------------------


def test_a_roster_changing_jobs_services_and_a_leaver_keeps_the_lists_exact(store: Store) -> None:
    lines = roster_lines()
    header = lines[0]
    job, service, leaving = header.index("Poste"), header.index("Service"), header.index("Date de sortie")
    people = [line for line in lines[1:] if not line[leaving] and line[service] in ("Production", "Logistique")]
    people[0][job] = "Cariste"  # now required the CACES R489
    people[1][service] = "Maintenance"  # now required the habilitation BR and the SST
    people[2][leaving] = (DAY - timedelta(10)).strftime("%d/%m/%Y")  # gone before the day (required the PRAP)
    gone = people[2][0]
    result = store.import_records(encoded(lines), "salaries.csv", "roster", accept_warnings=True)
    assert result.ok, result.message
    rows = store.sql(
        "SELECT DISTINCT job, person_service FROM pp_requirement_people WHERE matricule = $m", {"m": people[0][0]}
    )
    assert rows["job"].tolist() == ["Cariste"]
    services = store.sql("SELECT family FROM pp_requirement_people WHERE matricule = $m", {"m": people[1][0]})
    assert {"habilitation_electrique", "sst"} <= set(services["family"])
    assert_same_as_oracle(store)
    with store.read() as con:
        derived.prepare_reads(con, *derived.active_settings(con))
        listed = _read(con, DAY, oracle=False)["missing_trainings"]
        earlier = _read(con, DAY - timedelta(20), oracle=False)["missing_trainings"]
    assert gone not in set(listed["matricule"]) and gone in set(earlier["matricule"])


def test_an_import_of_trainings_keeps_the_lists_exact(store: Store) -> None:
    never = chosen_sst(store, trained=False)[:2]
    import_sst_trainings(store, [(m, DAY - timedelta(5), DAY - timedelta(4), DAY + timedelta(30)) for m in never])
    assert not set(never) & set(chosen_sst(store, trained=False))
    assert_same_as_oracle(store, (DAY, DAY + timedelta(60)))


def test_an_of_import_refreshes_only_its_people_and_keeps_the_lists_exact(store: Store) -> None:
    def move_holder(columns: list[str], rows: list[list[str]]) -> None:
        rows[0][columns.index("NIR")] = rows[-1][columns.index("NIR")]  # a line's holder changed: both refreshed

    sst = demo_of_file(lambda e: "sst" in e["file"].lower() or "secours" in e["file"].lower())
    reimport_edited(store, sst, move_holder)
    assert_same_as_oracle(store)
    assert_as_after_a_full_refresh(store)
    # A manual pairing (scoped to the record's and the line's people): the OF's validity end now counts.
    record = int(store.sql("SELECT min(id) AS i FROM training_records WHERE NOT is_internal")["i"].iloc[0])
    line = store.sql("SELECT organisme, id_unique_partenaire FROM of_lines ORDER BY 1, 2 DESC LIMIT 1")
    store.pair_manually(record, str(line["organisme"].iloc[0]), str(line["id_unique_partenaire"].iloc[0]))
    assert_same_as_oracle(store, (DAY,))
    assert_as_after_a_full_refresh(store)


def test_replacing_the_requirements_refreshes_the_tables_in_its_transaction(store: Store) -> None:
    store.replace_requirements(
        [
            Requirement("sst", job="Cariste"),
            Requirement("sst", service="Maintenance", site="Saint Eugène"),
            Requirement("caces", title_words="r489"),
            Requirement("sst", min_share=0.5),
            Requirement("sst", service="Production", min_share=0.2),
        ],
        who="test",
    )
    with store.read() as con:
        ids = {r[0] for r in con.execute("SELECT DISTINCT requirement_id FROM pp_requirement_people").fetchall()}
        current = {r[0] for r in con.execute("SELECT id FROM requirements").fetchall()}
    assert ids == current
    assert_same_as_oracle(store)
    assert_as_after_a_full_refresh(store)
    store.replace_requirements([], who="test")
    assert store.sql("SELECT count(*) AS n FROM pp_requirement_people")["n"].iloc[0] == 0
    assert store.sql("SELECT count(*) AS n FROM pp_requirement_held")["n"].iloc[0] == 0
    assert_same_as_oracle(store, (DAY,))


def test_a_failed_write_leaves_the_tables_as_they_were(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from lib.store import requirements as store_requirements

    before = persisted_rows(store)
    requirements = store.requirements()

    def broken(con: duckdb.DuckDBPyConnection) -> None:
        raise RuntimeError("panne")

    monkeypatch.setattr(store_requirements, "refresh_requirement_tables", broken)
    with pytest.raises(RuntimeError):
        store.replace_requirements([Requirement("sst")], who="test")
    assert store.requirements() == requirements
    assert persisted_rows(store) == before


def test_a_purge_and_other_writes_keep_the_lists_exact(store: Store) -> None:
    rules = settings.active_rules(store)
    store.set_setting(settings.TOLERANCE_KEY, "10")
    assert_same_as_oracle(store, (DAY,))
    store.set_establishments([("97228186900008", "Siège", "Paris")])
    assert_same_as_oracle(store, (DAY,))
    store.purge_personal_data(months=1, rules=rules, today=date(2040, 1, 1))
    assert_same_as_oracle(store, (DAY, date(2040, 1, 1)))


def test_a_restore_recomputes_the_tables(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "sauvegarde"
    store.backup(folder)
    saved = persisted_rows(store)
    store.replace_requirements([Requirement("sst")], who="test")
    assert persisted_rows(store) != saved
    assert "Base restaurée" in store.restore(folder)
    assert persisted_rows(store) == saved
    assert_same_as_oracle(store, (DAY,))


def test_a_store_at_schema_7_gets_the_tables_from_the_migration(store: Store, tmp_path: Path) -> None:
    old = tmp_path / "ancienne.duckdb"
    shutil.copyfile(store.path, old)
    expected = persisted_rows(store)
    con = duckdb.connect(str(old))
    for table in REQUIREMENT_TABLES:
        con.execute(f"DROP TABLE {table}")
    con.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    con.close()
    reopened = Store(old)
    assert reopened.schema_version() == SCHEMA_VERSION == 8
    assert persisted_rows(reopened) == expected
    assert_same_as_oracle(reopened, (DAY,))


def test_the_tables_are_derived_never_backed_up() -> None:
    from lib.backup import known_schema

    assert set(REQUIREMENT_TABLES) <= set(derived.DERIVED_TABLES)
    assert not set(REQUIREMENT_TABLES) & set(known_schema(SCHEMA_VERSION).tables)


def test_a_search_reads_the_stored_search_text(store: Store) -> None:
    from lib.lists import PERSON_COLUMNS, ListContext, ListQuery
    from lib.matching import normalized_text

    context = ListContext(DAY)
    every = store.list_rows(ListQuery("missing_trainings"), context, limit=None)
    assert "search_text" not in every.columns
    assert "search_text" not in store.list_columns("missing_trainings", context)
    word = normalized_text(str(every["person_birth_name"].iloc[0])).split()[0]
    found = store.list_rows(ListQuery("missing_trainings").searching(word.upper()), context, limit=None)
    texts = every[list(PERSON_COLUMNS)].astype("string").fillna("").agg(" ".join, axis=1).map(normalized_text)
    expected = every[texts.str.contains(word, regex=False)]
    assert 1 <= len(found) < len(every)
    assert sorted(zip(found["matricule"], found["requirement_id"], strict=True)) == sorted(
        zip(expected["matricule"], expected["requirement_id"], strict=True)
    )
