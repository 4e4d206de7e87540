"""The to-declare lists (Carence, Déclarations internes) as list queries: which rows are due, which ones the
filters keep, the side lists of the carence page, and the share of a carence window already used.

Pure: the pages turn widget values into `ListQuery`s here and ask them through `ui.lists`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from lib.lists import Condition, ListQuery, compare, is_in, is_true
from lib.statuses import CORRECTION_NOT_MADE, STILL_WITH_THE_OF

DUE_WINDOWS = ("toutes", "dépassée", "≤ 7 j", "≤ 30 j", "≤ 60 j", "≤ 90 j")
"""The deadline windows a list can be narrowed to (the same words as lib.ui.widgets.DUE_WINDOWS)."""

OUTSIDE_EMPLOYER_SCOPE = "outside_employer_scope"
INTERNAL_SETTLED = ("declared", "not_mandatory")
"""Internal trainings with nothing left to do: already declared, or not mandatory (date or category)."""


def due_window_condition(window: str) -> Condition | None:
    """The condition on `days_left` of a window of DUE_WINDOWS: « dépassée » is past its deadline, « ≤ N j »
    due within N days (overdue ones included); « toutes » (or an unknown word) keeps every row. A row without a
    deadline is in no window."""
    if window == "dépassée":
        return compare("days_left", "<", 0)
    if window.startswith("≤ ") and window.endswith(" j"):
        limit = window.removeprefix("≤ ").removesuffix(" j")
        if limit.isdigit():
            return compare("days_left", "<=", int(limit))
    return None


def due_query(name: str, statuses: Sequence[str]) -> ListQuery:
    """The rows of a list that are to declare (their status among `statuses`), in the list's own order."""
    return ListQuery(name).where(Condition("status", "in", tuple(statuses)))


def filtered_query(
    due: ListQuery,
    first_column: str,
    chosen_first: Sequence[str],
    chosen_sites: Sequence[str],
    search: str,
) -> ListQuery:
    """The due rows the three filters keep: the page's own first filter (organisme, formation…), the site, and
    the « Salarié » search (every word, any order). A filter left empty keeps every row."""
    return due.where(is_in(first_column, chosen_first), is_in("person_site", chosen_sites)).searching(search)


def without_nir(query: ListQuery) -> ListQuery:
    """The rows of the query whose employee has no NIR (they cannot be declared)."""
    return query.where(Condition("person_nir", "null"))


def orphan_corrections() -> ListQuery:
    """OF declarations in « correction non faite » that match no training of the employer's files: the carence
    cannot take them over (it declares the employer's own values)."""
    return ListQuery("of_declarations").where(
        is_in("status", CORRECTION_NOT_MADE), Condition("record_id", "null"), is_true("concerned")
    )


def outside_employer_scope() -> ListQuery:
    """Trainings of category 3 or 4 the OF did not declare, before the employer has to declare them itself."""
    return ListQuery("expected_trainings").where(is_in("status", (OUTSIDE_EMPLOYER_SCOPE,)))


def double_declarations() -> ListQuery:
    """Trainings declared both by the OF and in carence."""
    return ListQuery("expected_trainings").where(is_true("double_declaration"))


def still_with_the_of() -> ListQuery:
    """Trainings the OF can still declare or correct before the carence window opens."""
    return ListQuery("expected_trainings").where(is_in("status", STILL_WITH_THE_OF))


def internal_settled() -> ListQuery:
    """Internal trainings already declared or not mandatory (counted per status under the list)."""
    return ListQuery("internal_trainings").where(is_in("status", INTERNAL_SETTLED))


def window_share(opens_on: pd.Series, deadline: pd.Series, today: date) -> pd.Series:
    """The share (0 to 1) of each carence window already gone at `today`: days since it opened over its length
    (a window of less than a day counts as one day); empty where a date is missing."""
    length = (deadline - opens_on).dt.days.clip(lower=1)
    gone = (pd.Timestamp(today).normalize() - opens_on).dt.days
    share: pd.Series = (gone / length).clip(0, 1)
    return share
