"""The SQL macros and status expressions agree with the Python rules on many generated cases."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.rules import DEFAULT_RULE_SET, Kind, RuleSet, compute_deadlines, load_rule_set
from lib.rules_sql import (
    date_literal,
    deadline_macros_sql,
    expected_status_sql,
    int_literal,
    internal_status_sql,
    string_literal,
    validity_status_sql,
    verification_status_sql,
)
from lib.statuses import (
    VerificationAction,
    expected_status,
    internal_status,
    validity_status,
    verification_status,
)

DEFAULT = load_rule_set(DEFAULT_RULE_SET)
DECREE = load_rule_set("decret-2025-748")
VARIANTS: dict[str, RuleSet] = {
    "decret-2026-496": DEFAULT,
    "decret-2025-748": DECREE,
    "extension-until-2026-03-31": DECREE.with_overrides(extension_until=date(2026, 3, 31)),
    # The default with the user's own reading of the employer's scope (its other reading then no longer applies).
    "decret-2026-496-scope-2026-10-01": DEFAULT.with_overrides(employer_full_scope_from=date(2026, 10, 1)),
}
FIRST_DAY, LAST_DAY = date(2024, 1, 1), date(2029, 12, 31)

Case = tuple[Kind, date, date, int | None]  # kind, training end, validity start, category

DEADLINES_QUERY = """
SELECT
    pp_reference_date(kind, training_end, validity_start) AS reference_date,
    pp_quarter_end(r) AS quarter_end,
    pp_of_deadline(r) AS of_deadline,
    pp_verification_deadline(r) AS verification_deadline,
    pp_deemed_verified_on(r) AS deemed_verified_on,
    pp_internal_deadline(r) AS internal_deadline,
    pp_carence_opens_on(r, category) AS carence_opens_on,
    pp_carence_deadline(r, category) AS carence_deadline,
    pp_extension_applied(r) AS extension_applied,
    pp_of_mandatory(r, category) AS of_mandatory,
    pp_internal_mandatory(r, category) AS internal_mandatory,
    pp_category_unknown(category) AS category_unknown
FROM (SELECT *, pp_reference_date(kind, training_end, validity_start) AS r FROM cases)
ORDER BY id
"""


def connect(rules: RuleSet) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(deadline_macros_sql(rules))
    return con


def load_cases(con: duckdb.DuckDBPyConnection, columns: dict[str, tuple[str, list[Any]]]) -> None:
    """One table `cases` (id + the given columns) from parallel Python lists, in one statement."""
    selects = ", ".join(f"unnest(CAST(${name} AS {sql_type}[])) AS {name}" for name, (sql_type, _) in columns.items())
    size = len(next(iter(columns.values()))[1])
    params: dict[str, object] = {name: values for name, (_, values) in columns.items()}
    params["id"] = list(range(size))
    con.execute(f"CREATE OR REPLACE TABLE cases AS SELECT unnest(CAST($id AS INTEGER[])) AS id, {selects}", params)


def python_row(rules: RuleSet, case: Case) -> tuple[object, ...]:
    kind, training_end, validity_start, category = case
    result = compute_deadlines(rules, kind, training_end=training_end, validity_start=validity_start, category=category)
    return (
        result.reference_date,
        result.quarter_end,
        result.of_deadline,
        result.verification_deadline,
        result.deemed_verified_on,
        result.internal_deadline,
        result.carence_opens_on,
        result.carence_deadline,
        result.extension_applied,
        result.of_mandatory,
        result.internal_mandatory,
        result.category_unknown,
    )


def assert_sql_agrees(con: duckdb.DuckDBPyConnection, rules: RuleSet, cases: list[Case]) -> None:
    load_cases(
        con,
        {
            "kind": ("VARCHAR", [c[0] for c in cases]),
            "training_end": ("DATE", [c[1] for c in cases]),
            "validity_start": ("DATE", [c[2] for c in cases]),
            "category": ("INTEGER", [c[3] for c in cases]),
        },
    )
    rows = con.execute(DEADLINES_QUERY).fetchall()
    assert len(rows) == len(cases)
    for case, row in zip(cases, rows, strict=True):
        assert tuple(row) == python_row(rules, case), case


def every_day() -> Iterator[date]:
    day = FIRST_DAY
    while day <= LAST_DAY:
        yield day
        day += timedelta(days=1)


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_macros_agree_with_python_on_every_day_and_category(variant: str) -> None:
    rules = VARIANTS[variant]
    cases: list[Case] = [("ADF", day, day, category) for day in every_day() for category in (None, 1, 2, 3, 4)]
    assert len(cases) > 10_000
    assert_sql_agrees(connect(rules), rules, cases)


def mixed_radix(*radices: int) -> st.SearchStrategy[tuple[int, ...]]:
    """Tuples of digits drawn as one integer: much faster to generate in bulk than `st.tuples`."""
    total = 1
    for radix in radices:
        total *= radix

    def digits(n: int) -> tuple[int, ...]:
        out = []
        for radix in reversed(radices):
            n, digit = divmod(n, radix)
            out.append(digit)
        return tuple(reversed(out))

    return st.integers(min_value=0, max_value=total - 1).map(digits)


DAYS = (LAST_DAY - FIRST_DAY).days + 1
KINDS: tuple[Kind, Kind] = ("ADF", "JDR")
CATEGORIES: tuple[int | None, ...] = (None, 1, 2, 3, 4)


def to_case(digits: tuple[int, ...]) -> Case:
    kind, training_end, validity_start, category = digits
    return (
        KINDS[kind],
        FIRST_DAY + timedelta(days=training_end),
        FIRST_DAY + timedelta(days=validity_start),
        CATEGORIES[category],
    )


cases_strategy = mixed_radix(2, DAYS, DAYS, len(CATEGORIES)).map(to_case)


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_macros_agree_with_python_on_generated_cases(variant: str) -> None:
    rules = VARIANTS[variant]
    con = connect(rules)
    seen: list[int] = []

    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.large_base_example,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
    @given(cases=st.lists(cases_strategy, min_size=260, max_size=300))
    def check(cases: list[Case]) -> None:
        seen.append(len(cases))
        assert_sql_agrees(con, rules, cases)

    check()
    assert sum(seen) >= 10_000


def test_fixed_windows_become_case_branches_and_constants_come_from_the_typed_rule_set() -> None:
    sql = deadline_macros_sql(VARIANTS["extension-until-2026-03-31"])
    assert "WHEN r BETWEEN DATE '2025-09-01' AND DATE '2025-09-30' THEN DATE '2026-06-30'" in sql
    assert "r <= DATE '2026-03-31'" in sql
    assert "DATE '2026-12-31'" not in sql


def test_the_internal_window_of_the_default_becomes_a_case_branch_of_the_internal_deadline() -> None:
    sql = deadline_macros_sql(DEFAULT)
    assert (
        "pp_window_internal_deadline(r) AS CASE WHEN r BETWEEN DATE '2026-01-01' AND DATE '2026-03-31' "
        "THEN DATE '2027-03-31' ELSE CAST(NULL AS DATE) END" in sql
    )
    assert "WHEN r BETWEEN DATE '2025-09-01' AND DATE '2025-12-31' THEN DATE '2026-09-30'" in sql
    # Q1 2026 internal trainings: 31/03/2027 (« avant le 1er avril 2027 »); Q2 keeps the computed 31/03/2027
    # (QE 30/06/2026 + 6 + 3); the decree has no internal window: QE 31/03/2026 + 6 + 3 = 31/12/2026.
    con = connect(DEFAULT)
    query = "SELECT pp_internal_deadline(DATE '2026-03-31'), pp_internal_deadline(DATE '2026-04-01')"
    assert con.execute(query).fetchone() == (date(2027, 3, 31), date(2027, 3, 31))
    assert connect(DECREE).execute(query).fetchone() == (date(2026, 12, 31), date(2027, 3, 31))


def test_a_second_rule_set_can_be_installed_beside_the_first_under_another_prefix() -> None:
    con = connect(DEFAULT)
    con.execute(deadline_macros_sql(DECREE, prefix="pp_alt_"))
    row = con.execute("SELECT pp_of_deadline(DATE '2025-10-15'), pp_alt_of_deadline(DATE '2025-10-15')").fetchone()
    # October 2025: the default's window gives 30/09/2026; the decree computes QE 31/12/2025 + 3 + 3 = 30/06/2026.
    assert row == (date(2026, 9, 30), date(2026, 6, 30))
    with pytest.raises(ValueError, match="préfixe"):
        deadline_macros_sql(DEFAULT, prefix="pp; DROP TABLE x; --")


def test_a_line_break_in_a_text_of_the_rule_set_cannot_end_the_sql_comment() -> None:
    hostile = dataclasses.replace(DEFAULT, certainty="annonce\nCREATE TABLE injected AS SELECT 1;\n--")
    con = connect(hostile)
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'injected'").fetchone() == (0,)
    assert deadline_macros_sql(hostile).splitlines()[0].startswith("-- Règles de délais : decret-2026-496 (annonce ")


def test_a_rule_set_without_windows_still_compiles_and_agrees() -> None:
    rules = dataclasses.replace(DECREE, fixed_windows=())
    cases: list[Case] = [("ADF", date(2025, 9, 15), date(2025, 9, 15), None)]
    assert_sql_agrees(connect(rules), rules, cases)
    assert python_row(rules, cases[0])[2] == date(2026, 3, 31)  # QE 30/09/2025 + 3 + 3, no window


def test_literals_are_rendered_from_typed_values_only() -> None:
    assert date_literal(date(2026, 7, 9)) == "DATE '2026-07-09'"
    assert int_literal(9) == "9"
    assert string_literal("déclarée par l'OF") == "'déclarée par l''OF'"
    with pytest.raises(TypeError):
        date_literal("2026-07-09")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        int_literal(True)


# --- statuses ------------------------------------------------------------------------------------------

StatusCase = tuple[date, int | None, date, VerificationAction | None, bool, bool, bool, date | None, int]

TODAY_FIRST, TODAY_DAYS = date(2025, 1, 1), 7 * 366
VALIDITY_FIRST, VALIDITY_DAYS = date(2024, 1, 1), 9 * 366
ACTIONS: tuple[VerificationAction | None, ...] = (None, "accepted", "correction_requested")


def to_status_case(digits: tuple[int, ...]) -> StatusCase:
    r, category, today, action, by_of, in_carence, declared, validity_end, horizon = digits
    return (
        FIRST_DAY + timedelta(days=r),
        CATEGORIES[category],
        TODAY_FIRST + timedelta(days=today),
        ACTIONS[action],
        bool(by_of),
        bool(in_carence),
        bool(declared),
        None if validity_end == 0 else VALIDITY_FIRST + timedelta(days=validity_end - 1),
        horizon,
    )


status_cases = mixed_radix(DAYS, len(CATEGORIES), TODAY_DAYS, len(ACTIONS), 2, 2, 2, VALIDITY_DAYS + 1, 401).map(
    to_status_case
)


def status_query(today: str, horizon: str) -> str:
    """Deadlines computed once by the macros, then the four statuses over those columns."""
    verification = verification_status_sql(
        verification_deadline="verification_deadline",
        last_action="last_action",
        today=today,
        carence_opens_on="carence_opens_on",
        carence_deadline="carence_deadline",
    )
    expected = expected_status_sql(
        of_deadline="of_deadline",
        of_mandatory="of_mandatory",
        carence_opens_on="carence_opens_on",
        carence_deadline="carence_deadline",
        declared_by_of="declared_by_of",
        declared_in_carence="declared_in_carence",
        today=today,
    )
    internal = internal_status_sql(
        internal_deadline="internal_deadline",
        internal_mandatory="internal_mandatory",
        declared="declared",
        today=today,
    )
    validity = validity_status_sql(validity_end="validity_end", today=today, horizon_days=horizon)
    return f"""
    WITH deadlines AS (
        SELECT *,
            pp_verification_deadline(r) AS verification_deadline,
            pp_of_deadline(r) AS of_deadline,
            pp_of_mandatory(r, category) AS of_mandatory,
            pp_carence_opens_on(r, category) AS carence_opens_on,
            pp_carence_deadline(r, category) AS carence_deadline,
            pp_internal_deadline(r) AS internal_deadline,
            pp_internal_mandatory(r, category) AS internal_mandatory
        FROM cases
    )
    SELECT {verification.select_list("v")}, {expected.select_list("e")},
        {internal.select_list("i")}, {validity.select_list("val")}
    FROM deadlines ORDER BY id
    """


def python_statuses(rules: RuleSet, case: StatusCase) -> tuple[object, ...]:
    r, category, today, action, by_of, in_carence, declared, validity_end, horizon = case
    deadlines = compute_deadlines(rules, "ADF", training_end=r, category=category)
    statuses = (
        verification_status(deadlines, last_action=action, today=today),
        expected_status(deadlines, declared_by_of=by_of, declared_in_carence=in_carence, today=today),
        internal_status(deadlines, declared=declared, today=today),
        validity_status(validity_end, today=today, horizon_days=horizon),
    )
    return tuple(value for s in statuses for value in (s.code, s.label, s.due_on, s.days_left))


def load_status_cases(con: duckdb.DuckDBPyConnection, cases: list[StatusCase]) -> None:
    load_cases(
        con,
        {
            "r": ("DATE", [c[0] for c in cases]),
            "category": ("INTEGER", [c[1] for c in cases]),
            "today": ("DATE", [c[2] for c in cases]),
            "last_action": ("VARCHAR", [c[3] for c in cases]),
            "declared_by_of": ("BOOLEAN", [c[4] for c in cases]),
            "declared_in_carence": ("BOOLEAN", [c[5] for c in cases]),
            "declared": ("BOOLEAN", [c[6] for c in cases]),
            "validity_end": ("DATE", [c[7] for c in cases]),
            "horizon": ("INTEGER", [c[8] for c in cases]),
        },
    )


@pytest.mark.parametrize("variant", ["decret-2026-496", "decret-2025-748"])
def test_the_status_expressions_agree_with_python_on_generated_cases(variant: str) -> None:
    rules = VARIANTS[variant]
    con = connect(rules)
    query = status_query(today="today", horizon="horizon")

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.large_base_example,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
    @given(cases=st.lists(status_cases, min_size=150, max_size=200))
    def check(cases: list[StatusCase]) -> None:
        load_status_cases(con, cases)
        rows = con.execute(query).fetchall()
        for case, row in zip(cases, rows, strict=True):
            assert tuple(row) == python_statuses(rules, case), case

    check()


def test_the_status_expressions_take_today_and_the_horizon_as_parameters() -> None:
    con = connect(DECREE)
    today = date(2026, 7, 8)
    # Example 1 under the decree (R 15/09/2025): on 08/07/2026 the OF is 8 days late, the carence opens on 09/07/2026.
    cases: list[StatusCase] = [
        (date(2025, 9, 15), None, today, None, False, False, False, date(2026, 10, 6), 90),
        (date(2026, 8, 20), 3, today, "accepted", True, False, True, None, 90),
    ]
    load_status_cases(con, cases)
    rows = con.execute(status_query(today="$today", horizon="$horizon_days"), {"today": today, "horizon_days": 90})
    fetched = rows.fetchall()
    assert [tuple(row) for row in fetched] == [python_statuses(DECREE, case) for case in cases]
    # Between the OF deadline and the opening: « OF en retard », counted to the opening (issue 12).
    assert fetched[0][4:8] == ("of_late", "OF en retard — carence possible à partir du 09/07/2026", date(2026, 7, 9), 1)
    # 08/07/2026 → 06/10/2026 = 23 + 31 + 30 + 6 = 90 days: expires soon.
    assert fetched[0][13:16] == ("expire bientôt", date(2026, 10, 6), 90)
