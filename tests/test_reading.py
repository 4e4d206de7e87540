"""One read connection per page run (StoreBase.reading): the asks of a run share it and prepare the lists once, a
write of the same thread leaves it first, a half-read result or a failed query does not spoil the next ask, and a
writer elsewhere gets its turn when the run ends."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from lib import settings
from lib.lists import ListContext, ListQuery, is_in
from lib.store import Store, StoreError, derived
from lib.store.lists import DEFAULT_ORDER

DAY = date(2026, 11, 23)
CONTEXT = ListContext(today=DAY, horizon_days=90)


@pytest.fixture
def store(demo_db: Path) -> Store:
    return Store(demo_db, user="test")


def counting_preparations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    original = derived.prepare_reads

    def counted(*args: object, **kwargs: object) -> None:
        calls.append(1)
        original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(derived, "prepare_reads", counted)
    return calls


def test_the_asks_of_one_run_share_one_connection_prepared_once(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counting_preparations(monkeypatch)
    opened: list[int] = []
    with store.reading():
        for name in ("of_declarations", "expected_trainings", "validities"):
            store.list_count(ListQuery(name), CONTEXT)
            store.list_rows(ListQuery(name), CONTEXT, limit=5)
            with store.read() as con:
                opened.append(id(con))
    assert len(set(opened)) == 1
    assert len(calls) == 1
    without = len(calls)
    store.list_count(ListQuery("validities"), CONTEXT)
    store.list_count(ListQuery("validities"), CONTEXT)
    assert len(calls) == without + 2  # outside a run, each ask opens and prepares its own connection


def test_answers_inside_a_run_are_the_answers_outside(store: Store) -> None:
    query = ListQuery("of_declarations").where(is_in("status", ["to_verify"]))
    alone = (store.list_count(query, CONTEXT), store.list_rows(query, CONTEXT, limit=50))
    with store.reading():
        shared = (store.list_count(query, CONTEXT), store.list_rows(query, CONTEXT, limit=50))
    assert alone[0] == shared[0] > 0
    pd.testing.assert_frame_equal(alone[1], shared[1])


def test_a_write_of_the_run_leaves_the_shared_connection_and_the_next_ask_sees_it(store: Store) -> None:
    query = ListQuery("of_declarations").where(is_in("status", ["to_verify"]))
    with store.reading():
        before = store.list_count(query, CONTEXT)
        key = str(store.list_rows(query, CONTEXT, limit=1)["line_key"].iloc[0])
        store.record_action("of_line", [key], "accepted", effective_on=DAY)  # would wait for itself if not
        after = store.list_count(query, CONTEXT)
    assert after == before - 1


def test_a_half_read_result_or_a_failed_query_does_not_spoil_the_next_ask(store: Store) -> None:
    with store.reading():
        with store.read() as con:
            con.execute("SELECT * FROM range(5000000)").fetchone()  # a big result left unfinished
        assert store.list_count(ListQuery("validities"), CONTEXT) > 0
        with pytest.raises(duckdb.CatalogException), store.read() as con:
            con.execute("SELECT * FROM table_that_does_not_exist")
        assert store.list_count(ListQuery("validities"), CONTEXT) > 0


def test_a_writer_elsewhere_waits_for_the_run_then_writes(store: Store) -> None:
    other = Store(store.path, user="nuit", wait=0.5)
    with store.reading():
        store.list_count(ListQuery("validities"), CONTEXT)  # the run holds its read turn from here
        refused: list[BaseException] = []
        writer = threading.Thread(target=lambda: _try(refused, lambda: other.set_setting("horizon_days", "60")))
        writer.start()
        writer.join()
        assert refused and isinstance(refused[0], StoreError)
        assert "occupée" in str(refused[0])
    other.set_setting("horizon_days", "60")  # the run is over: the writer gets its turn
    assert settings.preferences(store).horizon_days == 60


def _try(failures: list[BaseException], action: object) -> None:
    try:
        action()  # type: ignore[operator]
    except BaseException as error:  # noqa: BLE001 - the test looks at what was raised
        failures.append(error)


@pytest.mark.parametrize("name", sorted(name for name, order in DEFAULT_ORDER.items() if order))
def test_a_list_asked_whole_comes_in_the_order_of_its_sql_file(store: Store, name: str) -> None:
    """The asks strip the ORDER BY the list's file ends with and order by DEFAULT_ORDER: the same order."""
    prefs = settings.preferences(store)
    whole = store.workflow(
        name, rules=settings.active_rules(store), today=DAY, tolerance_days=prefs.tolerance_days, horizon_days=90
    )
    asked = store.list_rows(ListQuery(name), CONTEXT)
    assert len(asked) == len(whole) > 0
    keys = [column for column, _ in DEFAULT_ORDER[name]][:-1]  # the last one only breaks the file's ties
    assert asked[keys].astype(str).values.tolist() == whole[keys].astype(str).values.tolist()
