"""The to-declare lists asked in SQL (lib/due_lists.py) keep exactly the rows the pages kept when they filtered
the whole list in pandas: the due rows, the three URL filters, the due windows, the carence side lists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lib import due_lists, settings
from lib.identifiers import mask_nir
from lib.lists import SEARCH_COLUMNS, Condition, ListContext, ListQuery
from lib.matching import normalized_text
from lib.statuses import CARENCE_TO_DECLARE, CORRECTION_NOT_MADE, INTERNAL_TO_DECLARE, STILL_WITH_THE_OF
from lib.store import Store
from lib.ui import DUE_WINDOWS
from lib.ui.due_lists import CARENCE_COLUMNS, INTERNAL_COLUMNS, carence_download, cut_note, internal_download
from lib.ui.exports import csv_bytes

DAY = date(2026, 11, 23)
CONTEXT = ListContext(today=DAY, horizon_days=90)


@pytest.fixture(scope="module")
def store(demo_store_file: Path) -> Store:
    return Store(demo_store_file)


@pytest.fixture(scope="module")
def whole(store: Store) -> dict[str, pd.DataFrame]:
    prefs = settings.preferences(store)
    return store.workflows(
        ("of_declarations", "expected_trainings", "internal_trainings"),
        rules=settings.active_rules(store),
        today=DAY,
        tolerance_days=prefs.tolerance_days,
        horizon_days=90,
    )


def ids(store: Store, query: ListQuery, column: str = "id") -> list[object]:
    return list(store.list_rows(query, CONTEXT, limit=None, columns=[column])[column])


# ------------------------------------------------------------------------------------------------- due windows


@pytest.mark.parametrize(
    ("window", "condition"),
    [
        ("toutes", None),
        ("dépassée", Condition("days_left", "<", (0,))),
        ("≤ 7 j", Condition("days_left", "<=", (7,))),
        ("≤ 30 j", Condition("days_left", "<=", (30,))),
        ("≤ 90 j", Condition("days_left", "<=", (90,))),
        ("≤ beaucoup j", None),
        ("", None),
    ],
)
def test_a_due_window_is_a_condition_on_days_left(window: str, condition: Condition | None) -> None:
    assert due_lists.due_window_condition(window) == condition


def test_the_due_windows_are_the_ones_the_pages_offer() -> None:
    assert DUE_WINDOWS is due_lists.DUE_WINDOWS


def due_window_mask(due_on: pd.Series, today_: date, window: str) -> pd.Series:
    """The pandas rule the pages applied before the lists were asked in SQL: the reference of the condition."""
    days = (due_on - pd.Timestamp(today_)).dt.days
    if window == "dépassée":
        return days < 0
    if window.startswith("≤ "):
        return days <= int(window.removeprefix("≤ ").removesuffix(" j"))
    return pd.Series(True, index=due_on.index)


def words_in(frame: pd.DataFrame, columns: tuple[str, ...], text: str) -> np.ndarray:
    """Rows holding every typed word in one of the columns (case, accents and punctuation ignored), row by row."""
    words = normalized_text(text).split()
    if text and not words:
        return np.zeros(len(frame), dtype=bool)
    found = [
        all(word in normalized_text(" ".join(str(row[c]) for c in columns if c in row and pd.notna(row[c])))
            for word in words)
        for _, row in frame.iterrows()
    ]  # fmt: skip
    return np.array(found, dtype=bool)


KEYS = {"of_declarations": "line_key", "expected_trainings": "id", "internal_trainings": "id"}
LATER = date(2027, 7, 15)
"""A day when some deadlines of the demo are past (on its own day none is)."""


@pytest.fixture(scope="module")
def later(store: Store) -> dict[str, pd.DataFrame]:
    prefs = settings.preferences(store)
    return store.workflows(
        tuple(KEYS),
        rules=settings.active_rules(store),
        today=LATER,
        tolerance_days=prefs.tolerance_days,
        horizon_days=90,
    )


@pytest.mark.parametrize("window", DUE_WINDOWS)
def test_each_due_window_keeps_the_rows_the_pandas_mask_kept(
    store: Store, later: dict[str, pd.DataFrame], window: str
) -> None:
    context = ListContext(today=LATER, horizon_days=90)
    kept_rows = all_rows = 0
    for name, key in KEYS.items():
        frame = later[name]
        kept = frame[due_window_mask(frame["due_on"], LATER, window).to_numpy(dtype=bool, na_value=False)]
        query = ListQuery(name).where(due_lists.due_window_condition(window))
        assert store.list_count(query, context) == len(kept), name
        got = store.list_rows(query, context, limit=None, columns=[key])[key]
        assert sorted(got) == sorted(kept[key]), name
        kept_rows, all_rows = kept_rows + len(kept), all_rows + len(frame)
    if window != "toutes":
        assert 0 < kept_rows < all_rows, "the demo has rows inside and outside every window"


# ------------------------------------------------------------------------------------ the to-declare lists


def old_filter(
    frame: pd.DataFrame,
    name: str,
    statuses: tuple[str, ...],
    column: str,
    first: list[str],
    sites: list[str],
    text: str,
) -> pd.DataFrame:
    """What lib.ui.widgets.due_list_filters kept, in pandas."""
    wanted = frame["status"].isin(statuses).to_numpy(dtype=bool).copy()
    if first:
        wanted &= frame[column].isin(first).to_numpy(dtype=bool)
    if sites:
        wanted &= frame["person_site"].isin(sites).to_numpy(dtype=bool)
    wanted &= words_in(frame, SEARCH_COLUMNS[name], text)
    return frame[wanted]


CASES = [
    ("expected_trainings", CARENCE_TO_DECLARE, "organisme"),
    ("internal_trainings", INTERNAL_TO_DECLARE, "training_type"),
]


@pytest.mark.parametrize(("name", "statuses", "column"), CASES)
def test_the_filters_keep_the_rows_the_pandas_filters_kept_in_the_same_order(
    store: Store, whole: dict[str, pd.DataFrame], name: str, statuses: tuple[str, ...], column: str
) -> None:
    frame = whole[name]
    due = due_lists.due_query(name, statuses)
    firsts = store.list_values(due, CONTEXT, column)
    sites = store.list_values(due, CONTEXT, "person_site")
    assert firsts == sorted(frame.loc[frame["status"].isin(statuses), column].dropna().unique())
    assert sites == sorted(frame.loc[frame["status"].isin(statuses), "person_site"].dropna().unique())
    person = frame[frame["status"].isin(statuses)].iloc[0]
    searches = ["", f"{person['person_first_name']} {person['person_birth_name']}".lower(), "a e", "!!"]
    seen_counts = set()
    for first in ([], firsts[:1], firsts[-2:]):
        for chosen_sites in ([], sites[:1]):
            for text in searches:
                query = due_lists.filtered_query(due, column, first, chosen_sites, text)
                expected = old_filter(frame, name, statuses, column, first, chosen_sites, text)
                assert store.list_count(query, CONTEXT) == len(expected), (first, chosen_sites, text)
                assert ids(store, query) == list(expected["id"]), (first, chosen_sites, text)
                seen_counts.add(len(expected))
    assert len(seen_counts) > 3, "the cases narrow the list in several ways"
    assert store.list_count(due, CONTEXT) == int(frame["status"].isin(statuses).sum()) > 0


def test_the_lines_without_nir_are_those_of_the_filter_without_nir(
    store: Store, whole: dict[str, pd.DataFrame]
) -> None:
    frame = whole["internal_trainings"]
    due = due_lists.due_query("internal_trainings", INTERNAL_TO_DECLARE)
    expected = frame[frame["status"].isin(INTERNAL_TO_DECLARE) & frame["person_nir"].isna()]
    assert ids(store, due_lists.without_nir(due)) == list(expected["id"])
    assert len(expected) == 2  # the demo's two employees missing from the personnel register


def test_the_carence_side_lists_keep_what_the_page_counted_in_pandas(
    store: Store, whole: dict[str, pd.DataFrame]
) -> None:
    lines, expected = whole["of_declarations"], whole["expected_trainings"]
    orphans = (
        lines["status"].isin(CORRECTION_NOT_MADE).to_numpy(dtype=bool)
        & lines["record_id"].isna().to_numpy(dtype=bool)
        & lines["concerned"].to_numpy(dtype=bool, na_value=False)
    )
    assert store.list_count(due_lists.orphan_corrections(), CONTEXT) == int(orphans.sum())
    outside = expected["status"] == due_lists.OUTSIDE_EMPLOYER_SCOPE
    assert store.list_count(due_lists.outside_employer_scope(), CONTEXT) == int(outside.sum()) == 1
    doubles = expected["double_declaration"].to_numpy(dtype=bool, na_value=False)
    assert ids(store, due_lists.double_declarations()) == list(expected.loc[doubles, "id"])
    awaiting = expected[expected["status"].isin(STILL_WITH_THE_OF)]
    assert ids(store, due_lists.still_with_the_of()) == list(awaiting["id"])
    assert len(awaiting) == 83


def test_the_settled_internal_trainings_are_counted_per_status(store: Store, whole: dict[str, pd.DataFrame]) -> None:
    internal = whole["internal_trainings"]
    counts = store.list_counts(due_lists.internal_settled(), CONTEXT, ["status"])
    settled = internal[internal["status"].isin(due_lists.INTERNAL_SETTLED)]["status"].value_counts().to_dict()
    assert dict(zip(counts["status"], counts["rows"], strict=True)) == settled
    assert settled == {"not_mandatory": 505}


# ------------------------------------------------------------------------------------------ carence window


@pytest.mark.parametrize(
    ("opens_on", "deadline", "share"),
    [
        ("2026-11-23", "2027-08-23", 0.0),  # opened today
        ("2026-11-13", "2026-12-03", 0.5),  # half gone
        ("2026-01-01", "2026-11-01", 1.0),  # past its end
        ("2026-12-01", "2027-09-01", 0.0),  # not open yet
        ("2026-11-22", "2026-11-22", 1.0),  # a window of less than a day counts as one day
        (None, "2027-01-01", None),
    ],
)
def test_the_share_of_the_carence_window_gone(opens_on: str | None, deadline: str, share: float | None) -> None:
    opens = pd.Series([opens_on], dtype="datetime64[ns]")
    got = due_lists.window_share(opens, pd.Series([deadline], dtype="datetime64[ns]"), DAY)
    if share is None:
        assert np.isnan(got.iloc[0])
    else:
        assert got.iloc[0] == pytest.approx(share)


# ------------------------------------------------------------------------------------------------ cut note


def test_a_table_cut_says_how_many_lines_it_shows_of_how_many() -> None:
    assert cut_note(500, 500) is None
    assert cut_note(12, 3) is None
    assert cut_note(500, 1234) == ("500 lignes affichées sur 1\u202f234 : affinez les filtres ou téléchargez la liste.")


# ------------------------------------------------------------------------------------------------ downloads


@pytest.mark.parametrize(
    ("name", "statuses", "columns", "table", "headers"),
    [
        (
            "expected_trainings",
            CARENCE_TO_DECLARE,
            CARENCE_COLUMNS,
            carence_download,
            ["Date limite", "Jours restants"],
        ),
        (
            "internal_trainings",
            INTERNAL_TO_DECLARE,
            INTERNAL_COLUMNS,
            internal_download,
            ["Échéance", "Jours restants"],
        ),
    ],
)
def test_a_download_holds_every_row_of_the_filter_with_nirs_masked(
    store: Store,
    name: str,
    statuses: tuple[str, ...],
    columns: tuple[str, ...],
    table: Callable[[pd.DataFrame], pd.DataFrame],
    headers: list[str],
) -> None:
    query = due_lists.due_query(name, statuses)
    rows = store.list_rows(query, CONTEXT, limit=None, columns=columns)
    text = csv_bytes(table(rows)).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].split(";")[: len(headers)] == headers
    assert "NIR" in lines[0].split(";")
    assert len(lines) == 1 + store.list_count(query, CONTEXT) > 1
    nirs = rows["person_nir"].dropna()
    assert len(nirs) > 0
    assert not any(nir in text for nir in nirs)
    assert all(mask_nir(nir) in text for nir in nirs)
    assert "None" not in text and "nan" not in text.lower().split(";")
