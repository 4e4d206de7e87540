"""The lists asked in SQL (lib/lists.py, lib/store/lists.py) give exactly the rows of the whole list filtered
in pandas: count, first rows in order, counts per value, a filter's choices, the search in any word order."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from lib import settings
from lib.lists import Condition, ListContext, ListQuery, ListQueryError, compare, is_in, is_true, where_sql
from lib.matching import normalized_text
from lib.store import Store

DAY = date(2026, 11, 23)
CONTEXT = ListContext(today=DAY, horizon_days=90)


@pytest.fixture(scope="module")
def store(demo_store_file: Path) -> Store:
    return Store(demo_store_file)


@pytest.fixture(scope="module")
def whole(store: Store) -> dict[str, pd.DataFrame]:
    prefs = settings.preferences(store)
    return store.workflows(
        ("of_declarations", "expected_trainings", "validities"),
        rules=settings.active_rules(store),
        today=DAY,
        tolerance_days=prefs.tolerance_days,
        horizon_days=90,
    )


def test_count_and_first_rows_match_the_whole_list_filtered(store: Store, whole: dict[str, pd.DataFrame]) -> None:
    lines = whole["of_declarations"]
    query = ListQuery("of_declarations").where(is_true("concerned"), is_in("status", ["to_verify"]))
    expected = lines[lines["concerned"].astype(bool) & (lines["status"] == "to_verify")]
    assert store.list_count(query, CONTEXT) == len(expected) > 0
    first = store.list_rows(query, CONTEXT, limit=20)
    assert list(first["line_key"]) == list(expected["line_key"].head(20))
    page_two = store.list_rows(query, CONTEXT, limit=20, offset=20)
    assert list(page_two["line_key"]) == list(expected["line_key"].iloc[20:40])


def test_counts_per_value_and_choices(store: Store, whole: dict[str, pd.DataFrame]) -> None:
    validities = whole["validities"]
    counts = store.list_counts(ListQuery("validities"), CONTEXT, ["status"])
    assert dict(zip(counts["status"], counts["rows"], strict=True)) == validities["status"].value_counts().to_dict()
    sites = store.list_values(ListQuery("validities"), CONTEXT, "person_site")
    assert sites == sorted(validities["person_site"].dropna().unique())


def test_search_finds_words_in_any_order_without_accents(store: Store, whole: dict[str, pd.DataFrame]) -> None:
    validities = whole["validities"]
    person = validities.dropna(subset=["person_first_name", "person_birth_name"]).iloc[0]
    typed = f"{person['person_first_name'].upper()} {normalized_text(person['person_birth_name'])}"
    found = store.list_rows(ListQuery("validities").searching(typed), CONTEXT, limit=None)
    assert len(found) > 0
    assert set(found["matricule"]) >= {person["matricule"]}
    for _, row in found.iterrows():
        text = normalized_text(
            " ".join(
                str(row[c])
                for c in ("person_birth_name", "person_usage_name", "person_first_name", "matricule")
                if pd.notna(row[c])
            )
        )
        assert all(word in text for word in normalized_text(typed).split())
    assert store.list_count(ListQuery("validities").searching("!!"), CONTEXT) == 0


def test_comparisons_and_either(store: Store, whole: dict[str, pd.DataFrame]) -> None:
    validities = whole["validities"]
    query = (
        ListQuery("validities")
        .where(compare("days_left", "<=", 30))
        .either(is_in("status", ["expired"]), Condition("validity_source", "null"))
    )
    kept = validities[
        (validities["days_left"] <= 30) & ((validities["status"] == "expired") | validities["validity_source"].isna())
    ]
    assert store.list_count(query, CONTEXT) == len(kept)


def test_unknown_list_column_or_operator_is_refused(store: Store) -> None:
    with pytest.raises(ListQueryError):
        ListQuery("employees; DROP TABLE actions")
    with pytest.raises(ListQueryError):
        store.list_count(ListQuery("validities").where(is_in('status" OR true --', ["x"])), CONTEXT)
    with pytest.raises(ListQueryError):
        where_sql(ListQuery("validities").where(Condition("status", "true", ("x",))), {"status"})


def test_values_travel_as_parameters() -> None:
    sql, params = where_sql(ListQuery("validities").where(is_in("status", ["'; DROP TABLE x; --"])), {"status"})
    assert "DROP" not in sql
    assert params == {"p0": ["'; DROP TABLE x; --"]}
