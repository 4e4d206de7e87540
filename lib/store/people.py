"""The people of the store: a search over the staff register and the HR records (any word order, accents and
case ignored), one person's register line, and the people of a workflow list — each a small answer in SQL."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from lib import lists
from lib.lists import ListContext, ListQuery
from lib.store.connection import arrow_frame
from lib.store.lists import ListsMixin
from lib.store.sqlfiles import checked, named_query

EMPLOYEE_COLUMNS = (
    "matricule", "nir", "birth_name", "usage_name", "first_name", "establishment_siret", "site", "service", "manager",
    "entry_date", "exit_date",
)  # fmt: skip


class PeopleMixin(ListsMixin):
    """Who is known, found by name or matricule; a person's line of the register; the people of a list."""

    def people(self, search: str = "", *, limit: int | None = None, matricules: Sequence[str] = ()) -> pd.DataFrame:
        """matricule, birth_name, first_name, usage_name of the people (register, then HR records) whose name or
        matricule holds every word of `search` in any order — whole-word matches first, then by name — at most
        `limit` of them; only `matricules` when given. Punctuation alone finds nobody."""
        words = lists.search_words(search)
        if search.strip() and not words:
            return pd.DataFrame(columns=["matricule", "birth_name", "first_name", "usage_name"])
        sql = named_query("people")
        with self.read() as con:
            params = checked(
                con, sql, {"words": words, "matricules": list(matricules), "limit": limit}, what="people.sql"
            )
            return arrow_frame(con.sql(sql, params=params).to_arrow_table())

    def people_count(self) -> int:
        """How many people the store knows (matricules of the register and of the HR records)."""
        with self.read() as con:
            row = con.execute(
                "SELECT count(*) FROM (SELECT matricule FROM employees UNION "
                "SELECT matricule FROM training_records WHERE matricule IS NOT NULL)"
            ).fetchone()
        return int(row[0]) if row else 0

    def employee(self, matricule: str) -> pd.DataFrame:
        """The register's line of one person (no row when they are not in the register), raw NIR included."""
        columns = ", ".join(EMPLOYEE_COLUMNS)
        with self.read() as con:
            table = con.sql(
                f"SELECT {columns} FROM employees WHERE matricule = $matricule", params={"matricule": matricule}
            ).to_arrow_table()
        return arrow_frame(table)

    def list_people_count(self, query: ListQuery, context: ListContext) -> int:
        """How many distinct people (matricules) the rows the query keeps concern."""
        with self._listing(context) as listing:
            sql, params = listing.filtered(query, "count(DISTINCT matricule)")
            row = listing.con.execute(sql, params).fetchone()
        return int(row[0]) if row else 0

    def list_first_people(self, query: ListQuery, context: ListContext, by: str, limit: int) -> list[str]:
        """The matricules of the `limit` people whose smallest `by` among the query's rows is the smallest
        (then by matricule), e.g. the people whose validity ends first."""
        with self._listing(context) as listing:
            column = lists.quoted(by, listing.columns(query.name))
            sql, params = listing.filtered(query, f"matricule, {column} AS key")
            ranked = (
                f"SELECT matricule FROM ({sql}) WHERE matricule IS NOT NULL GROUP BY matricule "
                f"ORDER BY min(key) NULLS LAST, matricule LIMIT {int(limit)}"
            )
            return [str(row[0]) for row in listing.con.execute(ranked, params).fetchall()]
