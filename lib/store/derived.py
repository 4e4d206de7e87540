"""The deadlines and the reconciliation, persisted: « deadlines are data, statuses are a view » (issue 13).

The tables of lib/sql/migrations/004_derived.sql hold what the store used to compute on every read (the old SQL
is kept as the tests' oracle, tests/full_computation/prepare_workflow.sql): each record's and each OF line's
deadlines, the pairing of records with OF lines, the deposited declarations, under the store's active rule set
and matching tolerance. Every write that changes them calls `refresh_derived` inside its own transaction:
everything, or a set-based delta from the people and the OF lines it touched (pairing is per NIR: only the
candidates of those, and the pairs, ambiguities and list rows they change), or everything again when that scope
is large enough for a full rewrite to cost less. Another rule set is computed by the same SQL into TEMP tables
(`compute_workflow`).

What depends on today (statuses, labels, due dates, days left) or on the verification decisions (few, read from
`actions` by lib/sql/last_decisions.sql) is computed by the list queries at read time: `prepare_reads` installs
on a read connection the TEMP macros of the rule set, the TEMP table `pp_last_actions` and the TEMP view
`pp_lines` (the persisted line facts with their last decision), so the lists of lib/sql read what they always
read. A caller asking for another rule set or tolerance than the persisted one gets the old computation in TEMP
tables (`compute_workflow`), which shadow the persisted ones on that connection only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import pandas as pd

from lib import lists, rules_sql, settings, validity
from lib.rules import RuleSet, RuleSetError
from lib.store.requirement_tables import REQUIREMENT_TABLES, derive_requirements
from lib.store.sqlfiles import named_query, run_script

DERIVED_TABLES: tuple[str, ...] = (
    "pp_derived_state",
    "pp_title_keys",
    "pp_employer_sirets",
    "pp_records",
    "pp_line_facts",
    "pp_candidates",
    "pp_pairs",
    "pp_ambiguous",
    "pp_declared_records",
    "pp_list_of_declarations",
    "pp_list_expected",
    "pp_list_internal",
    "pp_list_validities",
    *REQUIREMENT_TABLES,
)
"""The tables derived from the others: never backed up, recomputed after a restore (lib/backup.py)."""

LIST_TABLES: tuple[str, ...] = (
    "pp_list_of_declarations", "pp_list_expected", "pp_list_internal", "pp_list_validities",
)  # fmt: skip
"""Each list's columns that depend neither on today nor on the decisions (lib/sql/derive_lists.sql)."""

# The scope tables of lib/sql/derive.sql and lib/sql/derive_lists.sql (TEMP, dropped after each refresh).
_SCOPE_TABLES = (
    "pp_scope_nirs", "pp_scope_lines", "pp_scope_records", "pp_scope_line_keys", "pp_declared_before",
    "pp_candidates_before", "pp_pairs_before", "pp_touched_pairs", "pp_paired_records", "pp_paired_lines",
    "pp_ambiguous_before", "pp_touched_ambiguities",
    "pp_list_scope_matricules", "pp_list_scope_records", "pp_list_scope_lines", "pp_list_line_pairs",
)  # fmt: skip

# The TEMP tables of a computation under other settings (compute_workflow) that shadow the persisted ones.
_TEMP_TABLES = (
    "pp_title_keys", "pp_employer_sirets", "pp_records", "pp_lines", "pp_candidates", "pp_pairs",
    "pp_ambiguous", "pp_declared_records", "pp_last_actions", "pp_line_facts", *LIST_TABLES, *REQUIREMENT_TABLES,
)  # fmt: skip

LINE_FACTS_VIEW = (
    "CREATE OR REPLACE TEMP VIEW pp_lines AS SELECT f.*, la.action AS last_action, la.reason AS last_reason, "
    "la.who AS last_action_by, la.acted_at AS last_action_at, la.decided_on AS last_decided_on, "
    "coalesce(la.correction_answered, false) AS correction_answered "
    "FROM pp_line_facts f LEFT JOIN pp_last_actions la ON la.line_key = f.line_key"
)


class _ConnectionSettings:
    """The settings read on an open connection (a settings.SettingsSource)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.values = dict(con.execute("SELECT key, value FROM settings").fetchall())

    def get_setting(self, key: str) -> str | None:
        value = self.values.get(key)
        return None if value is None else str(value)


def active_settings(con: duckdb.DuckDBPyConnection) -> tuple[RuleSet, int]:
    """The store's active rule set (with its overrides) and matching tolerance, read on `con`."""
    source = _ConnectionSettings(con)
    return settings.active_rules(source), settings.preferences(source).tolerance_days


def fingerprint(rules: RuleSet, tolerance_days: int) -> str:
    """A token of everything the persisted tables depend on besides the data: the rule set's SQL and the tolerance."""
    text = rules_sql.deadline_macros_sql(rules) + rules_sql.scope_macros_sql(rules) + f"|{int(tolerance_days)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def install_macros(con: duckdb.DuckDBPyConnection, rules: RuleSet) -> None:
    """The rule set's deadline, scope and status macros, TEMP (connection-local, cheap)."""
    con.execute(rules_sql.deadline_macros_sql(rules, temporary=True))
    con.execute(rules_sql.scope_macros_sql(rules))
    con.execute(rules_sql.status_macros_sql())
    for name in ("of_declarations", "expected_trainings", "internal_trainings", "validities"):
        columns = lists.SEARCH_COLUMNS[name]
        con.execute(
            f"CREATE OR REPLACE TEMP MACRO pp_search_{name}({', '.join(columns)}) AS "
            + lists.search_text_sql(name, columns)
        )


def _title_keys(titles: Iterable[str]) -> pd.DataFrame:
    """Each title's normal form, training key and family (lib/validity.py), as a frame of text columns."""
    titles = list(titles)
    durations = validity.load_validity_durations()
    labels = {d.key: d.label for d in durations}
    keys = [validity.recommended_duration(t, durations) for t in titles]
    return pd.DataFrame(
        {
            "title": pd.Series(titles, dtype="object"),
            "norm": pd.Series([validity.normalize_title(t) for t in titles], dtype="object"),
            "training_key": pd.Series([k.key if k else None for k in keys], dtype="object"),
            "family": pd.Series([k.family if k else None for k in keys], dtype="object"),
            "family_label": pd.Series([labels[k.family] if k else None for k in keys], dtype="object"),
        }
    )


_TITLES = (
    "SELECT DISTINCT training_title FROM training_records WHERE training_title IS NOT NULL UNION "
    "SELECT DISTINCT coalesce(nom_formation, nom_jdr) FROM of_lines WHERE coalesce(nom_formation, nom_jdr) IS NOT NULL"
)
_TITLE_COLUMNS = (
    "CAST(title AS VARCHAR) AS title, CAST(norm AS VARCHAR) AS norm, CAST(training_key AS VARCHAR) AS training_key, "
    "CAST(family AS VARCHAR) AS family, CAST(family_label AS VARCHAR) AS family_label"
)


def _write_title_keys(con: duckdb.DuckDBPyConnection, titles: list[str], statement: str) -> None:
    con.register("pp_title_keys_frame", _title_keys(titles))
    try:
        con.execute(f"{statement} SELECT {_TITLE_COLUMNS} FROM pp_title_keys_frame")
    finally:
        con.unregister("pp_title_keys_frame")


PERSISTED_TABLES: tuple[str, ...] = (
    "pp_employer_sirets", "pp_records", "pp_line_facts", "pp_candidates", "pp_pairs", "pp_ambiguous",
    "pp_declared_records", *LIST_TABLES, *REQUIREMENT_TABLES,
)  # fmt: skip
"""What lib/sql/derive.sql, derive_lists.sql and derive_requirements.sql write (pp_title_keys aside, from Python)."""


def compute_workflow(con: duckdb.DuckDBPyConnection, rules: RuleSet, tolerance_days: int) -> None:
    """The same computation as a full refresh (lib/sql/derive.sql, derive_lists.sql), into TEMP tables that shadow
    the persisted ones on this connection: for a rule set or a tolerance other than the persisted one (Paramètres'
    comparison, a store read before its refresh). One writing of the rules, whichever tables it fills."""
    install_macros(con, rules)
    # An earlier computation's TEMP tables go first: `main.<table>` below must name the store's own table.
    _drop_temporary(con, _TEMP_TABLES)
    titles = [str(row[0]) for row in con.execute(_TITLES).fetchall()]
    _write_title_keys(con, titles, "CREATE OR REPLACE TEMP TABLE pp_title_keys AS")
    con.execute("CREATE OR REPLACE TEMP TABLE pp_last_actions AS " + named_query("last_decisions"))
    for table in PERSISTED_TABLES:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM main.{table} LIMIT 0")
    try:
        _empty_scope(con)
        run_script(con, "derive", {"all": True, "tolerance": tolerance_days})
        run_script(con, "derive_list_scope", {"all": True})
        run_script(con, "derive_lists", {"all_lines": True, "all_records": True})
        derive_requirements(con, everything=True)
    finally:
        _drop_scope(con)
    con.execute(LINE_FACTS_VIEW)


def _drop_temporary(con: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> None:
    """Drop the TEMP tables or views of these names that exist on this connection (they shadow the store's)."""
    found = con.execute(
        "SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE temporary AND list_contains($n, table_name) "
        "UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() WHERE temporary AND NOT internal "
        "AND list_contains($n, view_name)",
        {"n": list(names)},
    ).fetchall()
    for name, kind in found:
        con.execute(f"DROP {kind} temp.{name}")


def is_current(con: duckdb.DuckDBPyConnection, rules: RuleSet, tolerance_days: int) -> bool:
    """The persisted tables were computed under this rule set and tolerance."""
    try:
        row = con.execute("SELECT value FROM main.pp_derived_state WHERE key = 'fingerprint'").fetchone()
    except duckdb.CatalogException:  # a store older than schema 4 (read before its migration)
        return False
    return row is not None and str(row[0]) == fingerprint(rules, tolerance_days)


def prepare_reads(con: duckdb.DuckDBPyConnection, rules: RuleSet, tolerance_days: int) -> None:
    """Make the lists of lib/sql readable on `con` under `rules`: over the persisted tables when they were computed
    under these settings (TEMP macros, decisions and the `pp_lines` view: a few milliseconds), else computed."""
    if not is_current(con, rules, tolerance_days):
        compute_workflow(con, rules, tolerance_days)
        return
    install_macros(con, rules)
    _drop_temporary(con, _TEMP_TABLES)  # a computation of another rule set earlier on this connection
    con.execute("CREATE OR REPLACE TEMP TABLE pp_last_actions AS " + named_query("last_decisions"))
    con.execute(LINE_FACTS_VIEW)


FULL_REFRESH_SHARE = 0.5
"""Past this share of a table's rows in a refresh's scope, rewriting the table whole costs less than the delta
(deleting and re-inserting by scope costs more per row than a full write): measured on the 100,000-employee store,
bench/RESULTS.md « Import refresh »."""


@dataclass(frozen=True)
class Refresh:
    """What a refresh rewrote whole: the derived tables (derive.sql), the OF lines' list, the three records' lists."""

    derived: bool
    lines_list: bool
    records_lists: bool


def refresh_derived(
    con: duckdb.DuckDBPyConnection,
    *,
    nirs: Iterable[str] | None = None,
    line_keys_sql: str | None = None,
) -> Refresh:
    """Recompute the persisted tables, inside the caller's transaction (call it after the write).

    Everything when neither `nirs` nor `line_keys_sql` is given. Else a delta (lib/sql/derive.sql): the people of
    `nirs` (their records, lines and candidates; closed over the manual pairings, a record paired by hand with
    another person's line), and the OF lines whose keys `line_keys_sql` selects (a query written by the program,
    e.g. over a registered frame: the lines the write inserted or changed; their candidates only, nobody's records),
    then the pairs, ambiguities and list rows those change. A scope holding more than FULL_REFRESH_SHARE of the
    lines or records is rewritten whole instead, table by table. A rule set that cannot be read (an unreadable
    override) leaves the tables marked stale: the reads then compute the lists as before, and say what is wrong.
    """
    everything = nirs is None and line_keys_sql is None
    _drop_temporary(con, _TEMP_TABLES)  # nothing computed on this connection may stand for the store's tables
    try:
        rules, tolerance = active_settings(con)
    except RuleSetError:
        con.execute("DELETE FROM pp_derived_state")
        return Refresh(derived=False, lines_list=False, records_lists=False)
    install_macros(con, rules)
    if everything:
        con.execute("DELETE FROM pp_title_keys")
        titles = [str(row[0]) for row in con.execute(_TITLES).fetchall()]
    else:
        titles = [str(row[0]) for row in con.execute(f"{_TITLES} EXCEPT SELECT title FROM pp_title_keys").fetchall()]
    if titles:
        _write_title_keys(con, titles, "INSERT INTO pp_title_keys BY NAME")
    _empty_scope(con)
    try:
        if not everything:
            _fill_scope(con, list(nirs or ()), line_keys_sql)
            everything = _large_scope(con)
        if not everything:
            # The deposited declarations before this write: the records whose declaration changed get new rows.
            con.execute("CREATE OR REPLACE TEMP TABLE pp_declared_before AS SELECT * FROM main.pp_declared_records")
        run_script(con, "derive", {"all": everything, "tolerance": tolerance})
        run_script(con, "derive_list_scope", {"all": everything})
        done = Refresh(
            derived=everything,
            lines_list=everything or _share(con, "pp_list_scope_lines", "pp_line_facts") > FULL_REFRESH_SHARE,
            records_lists=everything or _share(con, "pp_list_scope_records", "pp_records") > FULL_REFRESH_SHARE,
        )
        run_script(con, "derive_lists", {"all_lines": done.lines_list, "all_records": done.records_lists})
        # Who is required what, for the people of the scope and of the validity rows just rewritten.
        derive_requirements(con, everything=done.records_lists)
    finally:
        _drop_scope(con)
    con.execute(
        "INSERT INTO pp_derived_state VALUES ('fingerprint', $f) ON CONFLICT DO UPDATE SET value = excluded.value",
        {"f": fingerprint(rules, tolerance)},
    )
    return done


def _share(con: duckdb.DuckDBPyConnection, scope: str, table: str) -> float:
    """The rows of the TEMP table `scope` as a share of `table`'s (our table names, never a user's)."""
    row = con.execute(f"SELECT (SELECT count(*) FROM temp.{scope}), (SELECT count(*) FROM main.{table})").fetchone()
    assert row is not None
    return float(row[0]) / max(int(row[1]), 1)


def _large_scope(con: duckdb.DuckDBPyConnection) -> bool:
    """The scope's people and lines hold more than FULL_REFRESH_SHARE of the derived lines or records."""
    row = con.execute(
        "SELECT (SELECT count(*) FROM pp_line_facts WHERE nir IN (SELECT nir FROM pp_scope_nirs) "
        "        OR line_key IN (SELECT line_key FROM pp_scope_lines)), "
        "(SELECT count(*) FROM pp_line_facts), "
        "(SELECT count(*) FROM pp_records WHERE person_nir IN (SELECT nir FROM pp_scope_nirs)), "
        "(SELECT count(*) FROM pp_records)"
    ).fetchone()
    assert row is not None
    lines, all_lines, records, all_records = (int(v) for v in row)
    return lines > FULL_REFRESH_SHARE * max(all_lines, 1) or records > FULL_REFRESH_SHARE * max(all_records, 1)


def _empty_scope(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE pp_scope_nirs (nir VARCHAR)")
    con.execute("CREATE OR REPLACE TEMP TABLE pp_scope_lines (line_key VARCHAR)")
    con.execute("CREATE OR REPLACE TEMP TABLE pp_scope_line_keys (line_key VARCHAR)")
    con.execute("CREATE OR REPLACE TEMP TABLE pp_declared_before AS SELECT * FROM main.pp_declared_records LIMIT 0")


def _drop_scope(con: duckdb.DuckDBPyConnection) -> None:
    for table in _SCOPE_TABLES:
        con.execute(f"DROP TABLE IF EXISTS temp.{table}")


def _fill_scope(con: duckdb.DuckDBPyConnection, nirs: list[str], line_keys_sql: str | None) -> None:
    if nirs:
        con.register("pp_scope_frame", pd.DataFrame({"nir": pd.Series(nirs, dtype="object")}))
        con.execute("INSERT INTO pp_scope_nirs SELECT DISTINCT CAST(nir AS VARCHAR) FROM pp_scope_frame")
        con.unregister("pp_scope_frame")
    if line_keys_sql:
        # Only the lines themselves: their candidates, pairs and list rows follow in derive.sql (set-based deltas),
        # nobody's records change.
        con.execute(f"INSERT INTO pp_scope_lines SELECT DISTINCT * FROM ({line_keys_sql})")
    # A manual pairing joins two people's pairings: both are recomputed.
    con.execute(
        "INSERT INTO pp_scope_nirs "
        "WITH linked AS (SELECT r.person_nir AS a, l.nir AS b FROM manual_pairings m "
        "JOIN pp_records r ON r.id = m.record_id "
        "JOIN pp_line_facts l ON l.line_key = m.organisme || '|' || m.id_unique_partenaire) "
        "SELECT a FROM linked WHERE b IN (SELECT nir FROM pp_scope_nirs) AND a IS NOT NULL "
        "UNION SELECT b FROM linked WHERE a IN (SELECT nir FROM pp_scope_nirs) AND b IS NOT NULL "
        "EXCEPT SELECT nir FROM pp_scope_nirs"
    )
    con.execute("CREATE OR REPLACE TEMP TABLE pp_scope_nirs AS SELECT DISTINCT nir FROM pp_scope_nirs")
