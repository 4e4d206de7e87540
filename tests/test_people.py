"""The people search of the store (lib/store/people.py, lib/sql/people.sql): every word, any order, accents and
case ignored, whole words first; one person's register line; the people of a list (issue 14 §6)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lib.lists import ListContext, ListQuery, compare
from lib.matching import normalized_text
from lib.store import Store

CONTEXT = ListContext(today=date(2026, 11, 23), horizon_days=90)


def test_a_person_is_found_by_first_name_then_name_without_accents_or_capitals(demo_db: Path) -> None:
    store = Store(demo_db)
    person = store.sql(
        "SELECT matricule, birth_name, first_name FROM employees "
        "WHERE strip_accents(first_name) <> first_name ORDER BY matricule LIMIT 1"
    ).iloc[0]
    typed = f"{normalized_text(person['first_name'])} {person['birth_name'].lower()}"  # « elodie martin »
    found = store.people(typed)
    assert person["matricule"] in set(found["matricule"])
    for _, row in found.iterrows():
        text = normalized_text(f"{row['birth_name']} {row['first_name']} {row['usage_name'] or ''} {row['matricule']}")
        assert all(word in text for word in typed.split())


def test_the_search_finds_the_same_people_whatever_the_order_of_the_words(demo_db: Path) -> None:
    store = Store(demo_db)
    person = store.sql("SELECT birth_name, first_name FROM employees WHERE matricule = 'MAT1002'").iloc[0]
    one = store.people(f"{person['birth_name']} {person['first_name']}")
    other = store.people(f"{person['first_name'].upper()} {person['birth_name'].lower()}")
    assert "MAT1002" in set(one["matricule"])
    assert one["matricule"].tolist() == other["matricule"].tolist()


def test_whole_word_matches_come_first_then_the_name_order(demo_db: Path) -> None:
    found = Store(demo_db).people("roy")
    whole = ["roy" in normalized_text(f"{b} {f} {u or ''}").split() for b, f, u in
             found[["birth_name", "first_name", "usage_name"]].itertuples(index=False)]  # fmt: skip
    assert any(whole) and not all(whole)  # the demo has ROY, and ROYER or LEROY
    assert whole == sorted(whole, reverse=True)


def test_punctuation_alone_finds_nobody_and_an_empty_search_everybody_up_to_the_limit(demo_db: Path) -> None:
    store = Store(demo_db)
    assert store.people("--").empty
    everyone = store.people("")
    assert len(everyone) == store.people_count() > 0
    assert len(store.people("", limit=7)) == 7
    assert store.people("", matricules=["MAT1002", "inconnu"])["matricule"].tolist() == ["MAT1002"]


def test_people_of_the_hr_records_absent_from_the_register_are_known(demo_db: Path) -> None:
    store = Store(demo_db)
    before = store.people_count()
    name = store.sql("SELECT DISTINCT birth_name FROM training_records WHERE matricule = 'MAT1002'")["birth_name"]
    with store.connect() as con:  # MAT1002 leaves the register; the HR file still names them
        con.execute("DELETE FROM employees WHERE matricule = 'MAT1002'")
    assert store.employee("MAT1002").empty
    assert store.people_count() == before
    found = store.people(f"mat1002 {name.iat[0]}")
    assert found["matricule"].tolist() == ["MAT1002"]


def test_one_persons_register_line(demo_db: Path) -> None:
    line = Store(demo_db).employee("MAT1002")
    assert len(line) == 1 and line["matricule"].iat[0] == "MAT1002"
    assert {"nir", "site", "service", "manager", "entry_date", "exit_date"} <= set(line.columns)


def test_the_people_of_a_list_and_those_whose_validity_ends_first(demo_db: Path) -> None:
    store = Store(demo_db)
    query = ListQuery("validities").where(compare("days_left", "<", 0))
    rows = store.list_rows(query, CONTEXT, columns=["matricule", "days_left"])
    assert store.list_people_count(query, CONTEXT) == rows["matricule"].nunique() > 5
    first = store.list_first_people(query, CONTEXT, "days_left", 5)
    nearest = rows.groupby("matricule")["days_left"].min().reset_index().sort_values(["days_left", "matricule"])
    assert first == nearest["matricule"].head(5).tolist()
