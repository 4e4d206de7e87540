"""What « the store is unchanged » means in the tests: every row of the named tables, sorted."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb


def rows_of(path: Path, tables: Iterable[str]) -> dict[str, list[tuple[object, ...]]]:
    """Every row of each table (names written by the tests, never user input), sorted for comparison."""
    con = duckdb.connect(str(path))
    try:
        return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    finally:
        con.close()
