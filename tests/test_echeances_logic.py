"""The Échéances page's questions: the « État » filter as conditions on days_left, and the matrix cells."""

from __future__ import annotations

import itertools
import operator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from lib import digest
from lib.echeances_logic import MATRIX_LEVELS, REQUIRED_MISSING, matrix, required_cells, state_groups
from lib.lists import Condition, ListContext, ListQuery
from lib.statuses import VALIDITY_LABELS, validity_code
from lib.store import Store

STATES = list(digest.VALIDITY_STATES)
OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def holds(condition: Condition, days: int | None) -> bool:
    if condition.op == "null":
        return days is None
    if condition.op == "not_null":
        return days is not None
    return days is not None and bool(OPS[condition.op](days, condition.values[0]))


@pytest.mark.parametrize("horizon", [30, 90, 365])
@pytest.mark.parametrize("size", [0, 1, 2, 3, 4])
def test_the_state_filter_keeps_exactly_the_rows_of_the_chosen_states(horizon: int, size: int) -> None:
    for chosen in itertools.combinations(STATES, size):
        groups = state_groups(chosen, horizon)
        assert all(c.column == "days_left" for group in groups for c in group)
        for days in [None, *range(-400, 400, 7), -1, 0, horizon, horizon + 1]:
            label = VALIDITY_LABELS[validity_code(days, horizon_days=horizon)]
            kept = all(any(holds(c, days) for c in group) for group in groups)
            assert kept == (label in chosen or not chosen), (chosen, days)


def test_the_state_filter_asked_in_sql_agrees_with_the_labels_of_the_rows(demo_db: Path) -> None:
    store = Store(demo_db)
    context = ListContext(today=date(2026, 11, 23), horizon_days=90)
    every = store.list_rows(ListQuery("validities"), context, columns=["id", "days_left"])
    for horizon in (30, 180):
        labels = digest.validity_labels(every["days_left"], horizon)
        for chosen in ([VALIDITY_LABELS["expiring_soon"]], [VALIDITY_LABELS["expired"], VALIDITY_LABELS["valid"]],
                       [VALIDITY_LABELS["expiring_soon"], VALIDITY_LABELS["no_expiry"]]):  # fmt: skip
            query = ListQuery("validities")
            for group in state_groups(chosen, horizon):
                query = query.either(*group)
            found = store.list_rows(query, context, columns=["id"])
            expected = set(every.loc[labels.isin(chosen), "id"])
            assert expected and set(found["id"]) == expected


def cells(*rows: tuple[str, str, Any]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["matricule", "formation", "effective_validity_end"])


def test_the_matrix_colours_each_person_and_training_by_its_nearest_validity_end() -> None:
    today = date(2026, 11, 23)
    grid = matrix(
        ["M1", "M2"],
        ["CACES", "SST"],
        cells(
            ("M1", "SST", pd.Timestamp("2026-04-09")),
            ("M1", "SST", pd.Timestamp("2029-01-01")),
            ("M1", "CACES", None),
            ("M2", "SST", pd.Timestamp("2026-12-20")),
        ),
        today,
        90,
    )
    assert grid.levels == [
        [MATRIX_LEVELS[VALIDITY_LABELS["no_expiry"]], MATRIX_LEVELS[VALIDITY_LABELS["expired"]]],
        [MATRIX_LEVELS["absente"], MATRIX_LEVELS[VALIDITY_LABELS["expiring_soon"]]],
    ]
    assert grid.hover[0][1] == "expirée depuis 228 j — fin le 09/04/2026"
    assert grid.hover[0][0] == "sans échéance"
    assert grid.hover[1][0] == "aucune formation"
    assert grid.hover[1][1] == "expire bientôt — fin le 20/12/2026, dans 27 j"


def test_a_required_training_never_had_is_its_own_cell_and_a_held_one_keeps_its_colour() -> None:
    today = date(2026, 11, 23)
    never = pd.DataFrame(
        [("M1", "sst"), ("M2", "sst"), ("M2", "prap"), ("M2", "inconnue"), (None, "sst")],
        columns=["matricule", "family"],
    )
    required = required_cells(never, {"sst": "SST", "prap": "PRAP"})
    assert required == {("M1", "SST"), ("M2", "SST"), ("M2", "PRAP")}
    grid = matrix(
        ["M1", "M2", "M3"],
        ["CACES", "PRAP", "SST"],
        cells(("M1", "SST", pd.Timestamp("2026-04-09"))),  # held (expired): not « requis mais absent »
        today,
        90,
        required,
    )
    assert grid.levels == [
        [MATRIX_LEVELS["absente"], MATRIX_LEVELS["absente"], MATRIX_LEVELS[VALIDITY_LABELS["expired"]]],
        [MATRIX_LEVELS["absente"], MATRIX_LEVELS[REQUIRED_MISSING], MATRIX_LEVELS[REQUIRED_MISSING]],
        [MATRIX_LEVELS["absente"]] * 3,
    ]
    assert grid.required_missing == [(1, 1), (1, 2)]
    assert grid.hover[1][1] == grid.hover[1][2] == "requis mais absent"
    assert grid.hover[1][0] == grid.hover[2][2] == "aucune formation"
    assert len(set(MATRIX_LEVELS.values()) - {MATRIX_LEVELS[REQUIRED_MISSING]}) == len(set(MATRIX_LEVELS.values())) - 1
