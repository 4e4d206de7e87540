"""Who each requirement applies to and the trainings they hold that meet it, persisted (issue 13 « deadlines are
data, statuses are a view »; issue 15 « Manquants »).

lib/sql/derive_requirements.sql writes the tables of lib/sql/migrations/008_requirements_derived.sql: one row per
(employee, requirement that applies to them) with the person's columns the list shows, the requirement chosen for
the list, the best training held of all; one row per training held that meets a requirement. It runs right after
derive_lists.sql in every refresh of the derived tables (lib/store/derived.py, same scope), and alone, over
everyone, when the requirements are replaced (`refresh_requirement_tables`). The « Manquants » list
(lib/sql/missing_trainings.sql) and the collective shares (lib/sql/requirement_shares.sql) read them and add only
what depends on today.
"""

from __future__ import annotations

import duckdb

from lib import lists
from lib.store.sqlfiles import run_script

REQUIREMENT_TABLES: tuple[str, ...] = ("pp_requirement_people", "pp_requirement_held")
"""The tables lib/sql/derive_requirements.sql fills (derived: never backed up, recomputed after a restore)."""

SCRIPT = "derive_requirements"


def derive_requirements(con: duckdb.DuckDBPyConnection, *, everything: bool) -> None:
    """Recompute the tables for everyone, or for the people of the TEMP table pp_scope_nirs (lib/store/derived.py
    fills it), inside the caller's transaction, after lib/sql/derive_lists.sql. The rows' search text is made by
    the TEMP macro pp_search_missing_trainings, lib/lists.py's writing of it (lib/store/derived.py install_macros
    makes the other lists' ones)."""
    columns = lists.SEARCH_COLUMNS["missing_trainings"]
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO pp_search_missing_trainings({', '.join(columns)}) AS "
        + lists.search_text_sql("missing_trainings", columns)
    )
    run_script(con, SCRIPT, {"all": everything})


def refresh_requirement_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute the tables for everyone (the requirements changed, nothing else), inside the caller's
    transaction. A TEMP table of the same name (another rule set computed on this connection) is dropped first:
    the store's own tables are written."""
    found = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND list_contains($n, table_name)",
        {"n": [*REQUIREMENT_TABLES, "pp_list_validities"]},
    ).fetchall()
    for (name,) in found:
        con.execute(f"DROP TABLE temp.{name}")
    con.execute("CREATE OR REPLACE TEMP TABLE pp_scope_nirs (nir VARCHAR)")
    con.execute("CREATE OR REPLACE TEMP TABLE pp_list_scope_records (id BIGINT)")
    try:
        derive_requirements(con, everything=True)
    finally:
        con.execute("DROP TABLE IF EXISTS temp.pp_scope_nirs")
        con.execute("DROP TABLE IF EXISTS temp.pp_list_scope_records")
