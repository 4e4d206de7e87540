"""Our SQL files (lib/sql/): named queries run with exactly the parameters they use, scripts split into statements.

A caller names the parameters it passes; DuckDB's own parser says which `$name` a text uses, and a parameter
missing or left unused is a programming error (SqlParameterError), raised before anything runs. Nothing here
chooses parameters by searching the SQL text.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"
MIGRATIONS_DIR = SQL_DIR / "migrations"


class SqlParameterError(Exception):
    """A named query called with a parameter it does not use, or without one it uses (a bug, not a user error)."""


def named_query(name: str) -> str:
    """The text of `lib/sql/<name>.sql`."""
    path = SQL_DIR / f"{name}.sql"
    return path.read_text(encoding="utf-8")


def parameters_of(con: duckdb.DuckDBPyConnection, sql: str) -> frozenset[str]:
    """The `$name` parameters of `sql` (every statement of it), as DuckDB's parser reads them."""
    used: set[str] = set()
    for statement in con.extract_statements(sql):
        used |= set(statement.named_parameters)
    return frozenset(used)


def checked(
    con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any], *, what: str = "requête"
) -> dict[str, Any]:
    """`params` when they are exactly the parameters `sql` uses; SqlParameterError otherwise."""
    used = parameters_of(con, sql)
    missing = sorted(used - set(params))
    unused = sorted(set(params) - used)
    if missing or unused:
        raise SqlParameterError(f"{what}: missing parameters {missing}, unused parameters {unused}")
    return dict(params)


def execute(
    con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any], *, what: str = "requête"
) -> duckdb.DuckDBPyConnection:
    """Run one statement with exactly its parameters (checked first)."""
    return con.execute(sql, checked(con, sql, params, what=what))


def run_named(con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any]) -> duckdb.DuckDBPyConnection:
    """Run `lib/sql/<name>.sql` (one statement) with exactly the parameters it uses."""
    return execute(con, named_query(name), params, what=f"{name}.sql")


def run_script(con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any]) -> None:
    """Run every statement of `lib/sql/<name>.sql`; `params` must be exactly those the script uses as a whole.

    Each statement receives the ones it uses (DuckDB refuses a parameter a statement does not use).
    """
    statements = split_sql(named_query(name))
    needs = [parameters_of(con, statement) for statement in statements]
    used = frozenset().union(*needs)
    missing = sorted(used - set(params))
    unused = sorted(set(params) - used)
    if missing or unused:
        raise SqlParameterError(f"{name}.sql: missing parameters {missing}, unused parameters {unused}")
    for statement, need in zip(statements, needs, strict=True):
        con.execute(statement, {k: params[k] for k in need})


def split_sql(script: str) -> list[str]:
    """Statements of a script: each ends with `;` at the end of a line (a `;` inside a line is text)."""
    statements: list[str] = []
    current: list[str] = []
    for line in script.splitlines():
        if line.strip().startswith("--"):
            continue
        current.append(line)
        if line.rstrip().endswith(";"):
            statements.append("\n".join(current).strip().rstrip(";"))
            current = []
    tail = "\n".join(current).strip()
    if tail:
        statements.append(tail)
    return [s for s in statements if s]
