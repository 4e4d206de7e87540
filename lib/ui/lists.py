"""What the pages ask of the workflow lists (lib/lists.py queries, answered in SQL by lib/store/lists.py), cached
per query until the store changes or the day turns. Each answer is small — a count, a page of rows, counts per
value, a filter's choices — so the server never holds a whole list.

A page reads its widgets, builds a ListQuery, and calls count / rows / counts / values."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from lib import settings
from lib.lists import ListContext, ListQuery
from lib.ui.cache import data_version, read_store, stored_settings, today

PAGE_ROWS = 500
"""How many rows a page shows of a list (the rest: narrow the filters or download)."""


def context() -> ListContext:
    """The day and the preferences every list depends on."""
    prefs = settings.preferences(stored_settings())
    return ListContext(today=today(), horizon_days=prefs.horizon_days)


@st.cache_data(show_spinner=False, max_entries=256)
def _count(query: ListQuery, context_: ListContext, version: str) -> int:
    return read_store().list_count(query, context_)


@st.cache_data(show_spinner=False, max_entries=64)
def _rows(
    query: ListQuery, context_: ListContext, limit: int | None, offset: int, columns: tuple[str, ...], version: str
) -> pd.DataFrame:
    return read_store().list_rows(query, context_, limit=limit, offset=offset, columns=columns or None)


@st.cache_data(show_spinner=False, max_entries=128)
def _counts(query: ListQuery, context_: ListContext, by: tuple[str, ...], version: str) -> pd.DataFrame:
    return read_store().list_counts(query, context_, by)


@st.cache_data(show_spinner=False, max_entries=128)
def _values(query: ListQuery, context_: ListContext, column: str, version: str) -> list[Any]:
    return read_store().list_values(query, context_, column)


def count(query: ListQuery) -> int:
    """How many rows the query keeps."""
    return _count(query, context(), data_version())


def rows(
    query: ListQuery, *, limit: int | None = PAGE_ROWS, offset: int = 0, columns: Sequence[str] = ()
) -> pd.DataFrame:
    """The rows the query keeps, in its order: the first `limit` (None: all of them, for a download)."""
    return _rows(query, context(), limit, offset, tuple(columns), data_version())


def counts(query: ListQuery, by: Sequence[str]) -> pd.DataFrame:
    """Rows per combination of the `by` columns (column `rows`, and `first_due_on` when the list has due dates)."""
    return _counts(query, context(), tuple(by), data_version())


def values(query: ListQuery | str, column: str) -> list[Any]:
    """The distinct values of a column among the query's rows (a list name: among all its rows), sorted."""
    asked = ListQuery(query) if isinstance(query, str) else query
    return _values(asked, context(), column, data_version())


def day() -> date:
    """The day the lists are computed for (today, or the reference date of the settings)."""
    return context().today


def counts_at(query: ListQuery, by: Sequence[str], day: date) -> pd.DataFrame:
    """counts() as the list stood on another day (a trend « since last week »)."""
    current = context()
    return _counts(query, ListContext(today=day, horizon_days=current.horizon_days), tuple(by), data_version())
