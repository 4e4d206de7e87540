"""The workflow lists asked in SQL: a page gets the count, the first rows, the counts per value, a filter's
choices — never a whole list (lib/lists.py says what a query is)."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb
import pandas as pd

from lib import lists
from lib.lists import ListContext, ListQuery
from lib.store import derived
from lib.store.connection import StoreBase, arrow_frame
from lib.store.sqlfiles import checked, named_query
from lib.store.workflow import WorkflowMixin, list_parameters

DEFAULT_ORDER: dict[str, tuple[tuple[str, bool], ...]] = {
    "of_declarations": (
        ("concerned", True), ("verification_deadline", False), ("organisme", False), ("id_unique_partenaire", False),
    ),
    "expected_trainings": (("due_on", False), ("person_birth_name", False), ("id", False)),
    "internal_trainings": (("due_on", False), ("person_birth_name", False), ("id", False)),
    "validities": (("effective_validity_end", False), ("person_birth_name", False), ("id", False)),
    "missing_trainings": (
        ("status_rank", False), ("validity_end", False), ("person_birth_name", False), ("matricule", False),
        ("family", False),
    ),
    "of_scorecard": (),
    "correction_requests": (("organisme", False), ("id_declaration", False), ("id_unique_partenaire", False)),
}  # fmt: skip
"""Each list's own order (its SQL file's ORDER BY, with a last key that makes it total)."""

ROW_KEYS: dict[str, str] = {
    "of_declarations": "line_key", "expected_trainings": "id", "internal_trainings": "id", "validities": "id",
}  # fmt: skip
"""The column naming each row of a list (a page of rows is asked by its keys first)."""

_COLUMNS: dict[str, tuple[str, ...]] = {}
"""Each list's columns (they depend on its SQL file and the schema only), described once per process."""
_PARAMETERS_CHECKED: set[str] = set()
"""The lists whose SQL was checked to use exactly its named parameters (once per process)."""
_ANY_CONTEXT: dict[str, Any] = {"today": None, "horizon": None}


@functools.cache
def _unordered(name: str) -> str:
    """The list's SQL without the ORDER BY line it ends with, when the list has its own order here (DEFAULT_ORDER):
    sorting a million rows the ask then filters, counts or groups costs more than the ask itself."""
    sql = named_query(name)
    if not DEFAULT_ORDER[name]:
        return sql.rstrip() + "\n"
    lines = sql.rstrip().splitlines()
    if not lines[-1].startswith("ORDER BY ") or "(" in lines[-1] or ")" in lines[-1]:
        raise ValueError(f"{name}.sql ne se termine pas par une ligne ORDER BY simple")
    return "\n".join(lines[:-1]) + "\n"  # a comment may end the text: what wraps it starts on a new line


SEARCH_TEXT = "search_text"
"""The column of a list holding its rows' search text, normalized (lib/sql/derive_lists.sql): searched, never shown."""


class _Listing:
    """One read connection with the lists ready: the SQL of each list and its columns, asked once per process."""

    def __init__(self, con: duckdb.DuckDBPyConnection, context: ListContext) -> None:
        self.con = con
        self.context = context

    def source(self, name: str) -> tuple[str, dict[str, Any]]:
        """The list's SQL (a relation, without the ORDER BY its file ends with: the asks order what they keep) and
        its parameters."""
        sql = _unordered(name)
        if name not in _PARAMETERS_CHECKED:
            checked(self.con, sql, list_parameters(name, _ANY_CONTEXT), what=f"{name}.sql")
            _PARAMETERS_CHECKED.add(name)
        values = {"today": self.context.today, "horizon": self.context.horizon_days}
        return sql, list_parameters(name, values)

    def columns(self, name: str) -> tuple[str, ...]:
        """The list's columns a page sees (not its search text)."""
        return tuple(c for c in self.all_columns(name) if c != SEARCH_TEXT)

    def all_columns(self, name: str) -> tuple[str, ...]:
        if name not in _COLUMNS:
            sql, params = self.source(name)
            described = self.con.execute(f"SELECT * FROM ({sql}) LIMIT 0", params).description or []
            _COLUMNS[name] = tuple(d[0] for d in described)
        return _COLUMNS[name]

    def star(self, name: str) -> str:
        """Every column a page sees."""
        return f"* EXCLUDE ({SEARCH_TEXT})" if SEARCH_TEXT in self.all_columns(name) else "*"

    def filtered(self, query: ListQuery, select: str | None = None) -> tuple[str, dict[str, Any]]:
        """`SELECT select FROM list WHERE …` for the query (no order) and its parameters (every column a page
        sees when `select` is None)."""
        select = select or self.star(query.name)
        columns = self.columns(query.name)
        sql, params = self.source(query.name)
        stored = SEARCH_TEXT if SEARCH_TEXT in self.all_columns(query.name) else None
        where, where_params = lists.where_sql(query, (*columns, *([stored] if stored else [])), search_column=stored)
        clash = set(params) & set(where_params)
        if clash:  # the list's own parameters are named words, the query's p0, p1…: never the same
            raise lists.ListQueryError(f"paramètres en double : {sorted(clash)}")
        return f"SELECT {select} FROM ({sql}) AS list WHERE {where}", {**params, **where_params}

    def order(self, query: ListQuery) -> str:
        chosen = query.order or DEFAULT_ORDER[query.name]
        if not chosen:
            return ""
        columns = self.columns(query.name)
        return " ORDER BY " + lists.order_sql(ListQuery(query.name, order=chosen), columns)


class ListsMixin(WorkflowMixin, StoreBase):
    """Counts, pages of rows, counts per value and filter choices of the workflow lists, in SQL."""

    @contextmanager
    def _listing(self, context: ListContext) -> Iterator[_Listing]:
        with self.read() as con:
            memo = self._memo(con)
            if "active_settings" not in memo:
                memo["active_settings"] = derived.active_settings(con)
            rules, tolerance_days = memo["active_settings"]
            self._prepare_workflow(con, rules, tolerance_days)  # the persisted tables, with today's macros
            yield _Listing(con, context)

    def list_count(self, query: ListQuery, context: ListContext) -> int:
        """How many rows of the list the query keeps."""
        with self._listing(context) as listing:
            sql, params = listing.filtered(query, "count(*)")
            row = listing.con.execute(sql, params).fetchone()
        return int(row[0]) if row else 0

    def list_rows(
        self,
        query: ListQuery,
        context: ListContext,
        *,
        limit: int | None = None,
        offset: int = 0,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """The rows the query keeps, in its order: the first `limit` after `offset` (all when limit is None),
        with only `columns` when given."""
        with self._listing(context) as listing:
            known = listing.columns(query.name)
            select = ", ".join(lists.quoted(c, known) for c in columns) if columns else None
            key = ROW_KEYS.get(query.name)
            if limit is not None and key is not None:
                # Two steps: the keys of the page, ordered over the few columns the order needs, then only these
                # rows with all their columns (the labels and wide columns of a million rows never computed).
                key_sql, key_params = listing.filtered(query, lists.quoted(key, known))
                key_sql += listing.order(query) + f" LIMIT {int(limit)} OFFSET {int(offset)}"
                keys = [row[0] for row in listing.con.execute(key_sql, key_params).fetchall()]
                query = query.where(lists.Condition(key, "in", tuple(keys)))
                limit, offset = None, 0
            sql, params = listing.filtered(query, select)
            sql += listing.order(query)
            if limit is not None:
                sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
            return arrow_frame(listing.con.sql(sql, params=params).to_arrow_table())

    def list_counts(self, query: ListQuery, context: ListContext, by: Sequence[str]) -> pd.DataFrame:
        """The number of rows (`rows`) per combination of the `by` columns among the rows the query keeps,
        with the nearest due date (`first_due_on`) when the list has one; sorted by the `by` columns."""
        with self._listing(context) as listing:
            known = listing.columns(query.name)
            keys = ", ".join(lists.quoted(c, known) for c in by)
            nearest = ", min(due_on) AS first_due_on" if "due_on" in known else ""
            sql, params = listing.filtered(query)
            grouped = f"SELECT {keys}, count(*) AS rows{nearest} FROM ({sql}) GROUP BY ALL ORDER BY {keys} NULLS LAST"
            return arrow_frame(listing.con.sql(grouped, params=params).to_arrow_table())

    def list_values(self, query: ListQuery, context: ListContext, column: str) -> list[Any]:
        """The distinct non-empty values of a column among the rows the query keeps, sorted (a filter's choices)."""
        with self._listing(context) as listing:
            quoted = lists.quoted(column, listing.columns(query.name))
            sql, params = listing.filtered(query, f"DISTINCT {quoted} AS value")
            rows = listing.con.execute(f"SELECT value FROM ({sql}) WHERE value IS NOT NULL ORDER BY value", params)
            return [row[0] for row in rows.fetchall()]

    def asker(self, context: ListContext) -> StoreAsker:
        """The lists at one day, asked as lib.digest asks them (count, rows, counts)."""
        return StoreAsker(self, context)

    def list_columns(self, name: str, context: ListContext) -> tuple[str, ...]:
        """The columns of a list."""
        with self._listing(context) as listing:
            return listing.columns(ListQuery(name).name)


class StoreAsker:
    """The store answering the asks of lib.digest for one day (a digest.ListAsker): what `ui.lists` is on a page,
    for the command line and the scheduled jobs."""

    def __init__(self, store: ListsMixin, context: ListContext) -> None:
        self.store = store
        self.context = context

    def count(self, query: ListQuery) -> int:
        return self.store.list_count(query, self.context)

    def rows(self, query: ListQuery, *, limit: int | None, columns: Sequence[str] = ()) -> pd.DataFrame:
        return self.store.list_rows(query, self.context, limit=limit, columns=columns or None)

    def counts(self, query: ListQuery, by: Sequence[str]) -> pd.DataFrame:
        return self.store.list_counts(query, self.context, by)
