"""What a page asks of a workflow list, as data: the conditions, the search, the order.

A page never holds a whole list: it builds a `ListQuery` (which list, which rows, in which order) and asks the
store for what it shows — the number of rows, the first rows, the counts per value of a column, the values a
filter offers (lib/store/lists.py runs them in SQL). This module is pure: it turns a query into SQL text with
named parameters and never talks to DuckDB. Column names are never taken from a file or a user: they are
checked against the list's own columns, then quoted; every value travels as a parameter.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from lib.matching import normalized_text

LISTS = (
    "of_declarations", "expected_trainings", "internal_trainings", "validities", "of_scorecard", "correction_requests",
    "missing_trainings",
)  # fmt: skip
"""The workflow lists (lib/sql/<name>.sql) a page can ask."""

PERSON_COLUMNS = ("person_birth_name", "person_usage_name", "person_first_name", "matricule")

SEARCH_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "of_declarations": ("nom_titulaire", "matricule", "id_declaration", "id_unique_partenaire"),
    "expected_trainings": PERSON_COLUMNS,
    "internal_trainings": PERSON_COLUMNS,
    "validities": PERSON_COLUMNS,
    "missing_trainings": PERSON_COLUMNS,
}
"""What the « Salarié » search box of each list looks in (names, matricule, declaration identifiers)."""

Operator = Literal["in", "not_in", "true", "false", "null", "not_null", "empty", "not_empty", "=", "<", "<=", ">", ">="]

_COMPARISONS = {"=": "=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_UNARY = {
    "true": "coalesce({c}, false)",
    "false": "NOT coalesce({c}, false)",
    "null": "{c} IS NULL",
    "not_null": "{c} IS NOT NULL",
    "empty": "coalesce(CAST({c} AS VARCHAR), '') = ''",
    "not_empty": "coalesce(CAST({c} AS VARCHAR), '') <> ''",
}


class ListQueryError(ValueError):
    """A query that names a list or a column that does not exist, or an operator that does not fit."""


@dataclass(frozen=True)
class Condition:
    """One condition on a column of the list: `column op values` (values only for in, not_in and comparisons)."""

    column: str
    op: Operator
    values: tuple[Any, ...] = ()


def is_in(column: str, values: Iterable[Any]) -> Condition | None:
    """Rows whose column is one of `values`; None (no condition) when nothing is chosen — a filter left empty
    keeps every row, as Streamlit's multiselect means it."""
    chosen = tuple(values)
    return Condition(column, "in", chosen) if chosen else None


def is_true(column: str) -> Condition:
    return Condition(column, "true")


def compare(column: str, op: Literal["=", "<", "<=", ">", ">="], value: Any) -> Condition:
    return Condition(column, op, (value,))


@dataclass(frozen=True)
class ListQuery:
    """Which rows of which list, in which order. Hashable: the dashboard caches answers by query."""

    name: str
    conditions: tuple[Condition, ...] = ()
    search: str = ""
    order: tuple[tuple[str, bool], ...] = ()
    """(column, descending) pairs; empty: the list's own order (lib/sql/<name>.sql)."""
    any_of: tuple[tuple[Condition, ...], ...] = field(default=())
    """Groups of conditions of which at least one holds (each group is an OR, the groups are ANDed)."""

    def __post_init__(self) -> None:
        if self.name not in LISTS:
            raise ListQueryError(f"Liste inconnue : « {self.name} ».")

    def where(self, *conditions: Condition | None) -> ListQuery:
        """This query with more conditions (None ones, from an empty filter, are dropped)."""
        kept = tuple(c for c in conditions if c is not None)
        return ListQuery(self.name, self.conditions + kept, self.search, self.order, self.any_of)

    def either(self, *conditions: Condition | None) -> ListQuery:
        """This query with a group of conditions of which one must hold (none given: no condition)."""
        kept = tuple(c for c in conditions if c is not None)
        if not kept:
            return self
        return ListQuery(self.name, self.conditions, self.search, self.order, (*self.any_of, kept))

    def searching(self, text: str) -> ListQuery:
        return ListQuery(self.name, self.conditions, text, self.order, self.any_of)

    def ordered(self, *order: tuple[str, bool]) -> ListQuery:
        return ListQuery(self.name, self.conditions, self.search, tuple(order), self.any_of)

    def columns_named(self) -> set[str]:
        """Every column the query refers to (checked against the list's columns before running)."""
        named = {c.column for c in self.conditions} | {c for c, _ in self.order}
        named |= {c.column for group in self.any_of for c in group}
        return named


def quoted(column: str, columns: Collection[str]) -> str:
    """A column of the list as a quoted SQL identifier; a name the list does not have is refused."""
    if column not in columns:
        raise ListQueryError(f"Colonne inconnue dans la liste : « {column} ».")
    return '"' + column.replace('"', '""') + '"'


def search_words(text: str) -> list[str]:
    """The words of a search, normalized as the search text is (case, accents and punctuation dropped)."""
    return normalized_text(text).split()


def search_text_sql(name: str, columns: Collection[str]) -> str:
    """The SQL expression of a row's search text: its SEARCH_COLUMNS normalized as lib.matching does it."""
    parts = [quoted(c, columns) for c in SEARCH_COLUMNS.get(name, ()) if c in columns]
    if not parts:
        return "''"
    joined = "concat_ws(' ', " + ", ".join(f"CAST({p} AS VARCHAR)" for p in parts) + ")"
    return normalized_sql(joined)


def normalized_sql(expression: str) -> str:
    """lib.matching.normalized_text as SQL: lower case, accents removed, punctuation folded to single spaces."""
    return f"trim(regexp_replace(strip_accents(lower({expression})), '[^a-z0-9]+', ' ', 'g'))"


def _condition_sql(condition: Condition, columns: Collection[str], params: dict[str, Any]) -> str:
    column = quoted(condition.column, columns)
    if condition.op in _UNARY:
        if condition.values:
            raise ListQueryError(f"La condition « {condition.op} » ne prend pas de valeur.")
        return _UNARY[condition.op].format(c=column)
    name = f"p{len(params)}"
    if condition.op in ("in", "not_in"):
        params[name] = list(condition.values)
        test = f"list_contains(${name}, {column})"
        return test if condition.op == "in" else f"NOT coalesce({test}, false)"
    if condition.op in _COMPARISONS:
        if len(condition.values) != 1:
            raise ListQueryError(f"La condition « {condition.op} » prend une seule valeur.")
        params[name] = condition.values[0]
        return f"{column} {_COMPARISONS[condition.op]} ${name}"
    raise ListQueryError(f"Condition inconnue : « {condition.op} ».")


def where_sql(
    query: ListQuery, columns: Collection[str], search_column: str | None = None
) -> tuple[str, dict[str, Any]]:
    """The WHERE clause (without the keyword; 'true' when nothing is asked) and its parameters.

    `search_column` names a column holding the search text already normalized; without it the text is built
    from the list's SEARCH_COLUMNS in the query.
    """
    params: dict[str, Any] = {}
    parts = [_condition_sql(c, columns, params) for c in query.conditions]
    for group in query.any_of:
        parts.append("(" + " OR ".join(_condition_sql(c, columns, params) for c in group) + ")")
    words = search_words(query.search)
    if query.search and not words:
        parts.append("false")  # only punctuation typed: nothing can hold it
    if words:
        text = quoted(search_column, columns) if search_column else search_text_sql(query.name, columns)
        for word in words:
            name = f"p{len(params)}"
            params[name] = word
            parts.append(f"contains({text}, ${name})")
    return (" AND ".join(parts) if parts else "true"), params


def order_sql(query: ListQuery, columns: Collection[str]) -> str:
    """The ORDER BY list of the query ('' for the list's own order), NULLs last."""
    return ", ".join(f"{quoted(c, columns)} {'DESC' if desc else 'ASC'} NULLS LAST" for c, desc in query.order)


@dataclass(frozen=True)
class ListContext:
    """What every list depends on besides the store: the day and the preferences (the rule set is the store's)."""

    today: date
    horizon_days: int = 90
