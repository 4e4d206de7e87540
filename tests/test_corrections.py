"""Corrections that end in carence, the employer's scope for carence, and honest status labels (issue 12).

Every transition at fixed dates, in Python (lib/statuses.py) and in the store (SQL), and the SQL status
expressions proven equal to the Python reference on generated cases. Rule sets are loaded by name: these tests
do not depend on which one is the default.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib import declarations, portal
from lib.rules import Deadlines, RuleSet, compute_deadlines, load_rule_set
from lib.rules_sql import deadline_macros_sql, expected_status_sql, scope_macros_sql, verification_status_sql
from lib.statuses import (
    CARENCE_TO_DECLARE,
    Status,
    VerificationAction,
    employer_scope_from,
    expected_status,
    verification_status,
)
from lib.store import Store

RULES = load_rule_set("decret-2025-748")


def adf(end: date, category: int | None = None, rules: RuleSet = RULES) -> Deadlines:
    return compute_deadlines(rules, "ADF", training_end=end, category=category)


# R 02/03/2026 (Q1 2026): OF deadline 30/09/2026, carence 01/10/2026 → 30/06/2027 (rules.md §3, decret-2025-748).
MAC_SST = adf(date(2026, 3, 2))
BEFORE_DEADLINE, AFTER_DEADLINE = date(2026, 9, 10), date(2026, 10, 20)
CARENCE_END = date(2027, 6, 30)

# (what happened: requested on, answered by the OF, declared in carence; today) → expected status.
CORRECTION_PATH: list[tuple[str, date, bool, bool, date, Status]] = [
    # Asked before the OF deadline: the OF still has time; due at the carence deadline.
    (
        "asked before the OF deadline, OF deadline not passed",
        BEFORE_DEADLINE,
        False,
        False,
        date(2026, 9, 30),
        Status("correction_requested", "correction demandée", CARENCE_END, 273),
    ),
    (
        "asked before the OF deadline, carence window open",
        BEFORE_DEADLINE,
        False,
        False,
        date(2026, 10, 1),
        Status("correction_not_made", "correction non faite", CARENCE_END, 272),
    ),
    # Asked after the OF deadline: the window opens on the request's day.
    (
        "asked after the OF deadline, the day before the request",
        AFTER_DEADLINE,
        False,
        False,
        date(2026, 10, 19),
        Status("correction_requested", "correction demandée", CARENCE_END, 254),
    ),
    (
        "asked after the OF deadline, from the request",
        AFTER_DEADLINE,
        False,
        False,
        date(2026, 10, 20),
        Status("correction_not_made", "correction non faite", CARENCE_END, 253),
    ),
    # The OF corrects, before or after its deadline: the line leaves the carence list.
    (
        "corrected by the OF before its deadline",
        BEFORE_DEADLINE,
        True,
        False,
        date(2026, 9, 25),
        Status("corrected_by_of", "corrigée par l'OF", None, None),
    ),
    (
        "corrected by the OF after its deadline",
        BEFORE_DEADLINE,
        True,
        False,
        date(2026, 10, 20),
        Status("corrected_by_of", "corrigée par l'OF", None, None),
    ),
    # The employer declared it in carence (file generated and confirmed as deposited).
    (
        "declared in carence",
        BEFORE_DEADLINE,
        False,
        True,
        date(2026, 10, 5),
        Status("declared_in_carence", "déclarée en carence", None, None),
    ),
    # Last day of the window, then late.
    (
        "last day of the carence window",
        BEFORE_DEADLINE,
        False,
        False,
        CARENCE_END,
        Status("correction_not_made", "correction non faite", CARENCE_END, 0),
    ),
    (
        "carence late",
        BEFORE_DEADLINE,
        False,
        False,
        date(2027, 7, 1),
        Status("correction_not_made_overdue", "correction non faite — carence en retard", CARENCE_END, -1),
    ),
]


@pytest.mark.parametrize(
    ("requested_on", "answered", "in_carence", "today", "expected"),
    [case[1:] for case in CORRECTION_PATH],
    ids=[case[0] for case in CORRECTION_PATH],
)
def test_the_correction_path_of_a_bought_training(
    requested_on: date, answered: bool, in_carence: bool, today: date, expected: Status
) -> None:
    status = expected_status(
        MAC_SST,
        declared_by_of=True,
        declared_in_carence=in_carence,
        today=today,
        correction_requested_on=requested_on,
        correction_answered=answered,
    )
    assert status == expected
    assert (status.code in CARENCE_TO_DECLARE) == status.code.startswith("correction_not_made")
    # The OF line shows the same step of the path, with the same due date.
    line = verification_status(
        MAC_SST,
        last_action="correction_requested",
        today=today,
        requested_on=requested_on,
        correction_answered=answered,
        declared_in_carence=in_carence,
    )
    assert (line.code, line.label, line.due_on, line.days_left) == (
        expected.code,
        expected.label,
        expected.due_on,
        expected.days_left,
    )


def test_a_correction_on_a_training_the_of_did_not_have_to_declare_owes_no_carence() -> None:
    # R 31/08/2025: before the OF's obligation (01/09/2025): no carence window, no due date.
    old = adf(date(2025, 8, 31))
    status = expected_status(
        old,
        declared_by_of=True,
        declared_in_carence=False,
        today=date(2027, 1, 1),
        correction_requested_on=old.of_deadline,
    )
    assert status == Status("correction_requested", "correction demandée", None, None)


# --- the employer's scope for carence -------------------------------------------------------------------

# R 20/08/2026, category 3: the OF declares it (categories 3-4 from 01/07/2026), the employer only declares
# categories 3-4 from 01/10/2026: no carence is the employer's. OF deadline 31/03/2027 (Q3 2026 + 3 + 3).
CATEGORY_3 = adf(date(2026, 8, 20), category=3)
SCOPE_LABEL = "non obligatoire (catégorie 3–4 avant le 01/10/2026 pour l'employeur)"


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2027, 3, 31), Status("awaiting_of", "en attente de l'OF", date(2027, 3, 31), 0)),
        (date(2027, 4, 1), Status("outside_employer_scope", SCOPE_LABEL, None, None)),
        (date(2028, 1, 1), Status("outside_employer_scope", SCOPE_LABEL, None, None)),
    ],
)
def test_a_category_3_training_the_of_failed_to_declare_is_not_the_employers_carence(
    today: date, expected: Status
) -> None:
    scope = employer_scope_from(RULES, CATEGORY_3.reference_date, 3)
    assert scope == date(2026, 10, 1)
    status = expected_status(CATEGORY_3, declared_by_of=False, declared_in_carence=False, today=today, scope_from=scope)
    assert status == expected


def test_the_employer_scope_follows_the_category_and_the_rule_set() -> None:
    assert employer_scope_from(RULES, date(2026, 8, 20), 4) == date(2026, 10, 1)
    assert employer_scope_from(RULES, date(2026, 8, 20), 2) is None
    assert employer_scope_from(RULES, date(2026, 8, 20), None) is None  # unknown: treated as owed (cautious)
    assert employer_scope_from(RULES, date(2026, 10, 1), 3) is None
    later = RULES.with_overrides(employer_full_scope_from=date(2027, 1, 1))
    assert employer_scope_from(later, date(2026, 12, 31), 3) == date(2027, 1, 1)


def test_a_correction_asked_on_a_training_outside_the_employers_scope_says_so() -> None:
    status = expected_status(
        CATEGORY_3,
        declared_by_of=True,
        declared_in_carence=False,
        today=date(2026, 10, 20),
        scope_from=date(2026, 10, 1),
        correction_requested_on=date(2026, 10, 12),
    )
    assert status == Status("outside_employer_scope", SCOPE_LABEL, None, None)
    line = verification_status(
        CATEGORY_3,
        last_action="correction_requested",
        today=date(2027, 5, 1),
        requested_on=date(2026, 10, 12),
        scope_from=date(2026, 10, 1),
    )
    assert line == Status("correction_requested", "correction demandée", None, None)


# --- honest labels --------------------------------------------------------------------------------------


def test_between_the_of_deadline_and_the_carence_opening_the_line_says_when_the_carence_opens() -> None:
    # R 15/09/2025: OF deadline 30/06/2026, carence opens 09/07/2026 (art. 7-II in force).
    september = adf(date(2025, 9, 15))
    on = [
        expected_status(september, declared_by_of=False, declared_in_carence=False, today=day)
        for day in (date(2026, 6, 30), date(2026, 7, 1), date(2026, 7, 8), date(2026, 7, 9))
    ]
    assert [(s.code, s.days_left) for s in on] == [
        ("awaiting_of", 0),
        ("of_late", 8),
        ("of_late", 1),
        ("carence_due", 265),
    ]
    assert on[1].label == "OF en retard — carence possible à partir du 09/07/2026"
    assert on[1].due_on == date(2026, 7, 9)


def test_a_verification_window_closed_before_the_employer_space_opened_is_labelled_as_such() -> None:
    # R 15/01/2025: verification deadline EOM(31/03/2025 + 6 + 3) = 31/12/2025, before the employer space
    # opened (employer_obligation_start, 16/03/2026).
    early = adf(date(2025, 1, 15))
    assert early.verification_deadline == date(2025, 12, 31)
    opens = RULES.employer_obligation_start
    status = verification_status(early, last_action=None, today=date(2026, 4, 1), employer_space_opens=opens)
    assert status == Status(
        "closed_before_employer_space", "délai clos avant l'ouverture de l'espace employeur", None, None
    )
    # R 15/06/2025: deadline 31/03/2026, after the opening: an ordinary « réputée vérifiée ».
    later = adf(date(2025, 6, 15))
    assert verification_status(later, last_action=None, today=date(2026, 4, 1), employer_space_opens=opens).code == (
        "deemed_verified"
    )


# --- the SQL twins agree with Python on generated cases --------------------------------------------------

FIRST_DAY, DAYS = date(2025, 1, 1), 4 * 366
CATEGORIES: tuple[int | None, ...] = (None, 1, 2, 3, 4)
ACTIONS: tuple[VerificationAction | None, ...] = (None, "accepted", "correction_requested")

Case = tuple[date, int | None, date, VerificationAction | None, date | None, bool, bool, bool]


def to_case(digits: tuple[int, int, int, int, int, int, int, int]) -> Case:
    r, category, today, action, requested, answered, in_carence, by_of = digits
    return (
        FIRST_DAY + timedelta(days=r),
        CATEGORIES[category],
        FIRST_DAY + timedelta(days=today),
        ACTIONS[action],
        None if requested == 0 else FIRST_DAY + timedelta(days=requested - 1),
        bool(answered),
        bool(in_carence),
        bool(by_of),
    )


cases = st.tuples(
    st.integers(0, DAYS - 1),
    st.integers(0, len(CATEGORIES) - 1),
    st.integers(0, DAYS - 1),
    st.integers(0, len(ACTIONS) - 1),
    st.integers(0, DAYS),
    st.integers(0, 1),
    st.integers(0, 1),
    st.integers(0, 1),
).map(to_case)


def query() -> str:
    verification = verification_status_sql(
        verification_deadline="verification_deadline",
        last_action="last_action",
        today="today",
        closed_before_employer_space="pp_closed_before_employer_space(verification_deadline)",
        requested_on="requested_on",
        correction_answered="answered",
        carence_opens_on="CASE WHEN scope_from IS NULL THEN carence_opens_on END",
        carence_deadline="CASE WHEN scope_from IS NULL THEN carence_deadline END",
        declared_in_carence="in_carence",
    )
    expected = expected_status_sql(
        of_deadline="of_deadline",
        of_mandatory="of_mandatory",
        carence_opens_on="carence_opens_on",
        carence_deadline="carence_deadline",
        declared_by_of="by_of",
        declared_in_carence="in_carence",
        today="today",
        scope_from="scope_from",
        correction_requested_on="CASE WHEN last_action = 'correction_requested' THEN requested_on END",
        correction_answered="answered",
    )
    return f"""
    WITH d AS (
        SELECT *,
            pp_verification_deadline(r) AS verification_deadline,
            pp_of_deadline(r) AS of_deadline,
            pp_of_mandatory(r, category) AS of_mandatory,
            pp_carence_opens_on(r, category) AS carence_opens_on,
            pp_carence_deadline(r, category) AS carence_deadline,
            pp_employer_scope_from(r, category) AS scope_from
        FROM cases
    )
    SELECT {verification.select_list("v")}, {expected.select_list("e")} FROM d ORDER BY id
    """


def python_row(rules: RuleSet, case: Case) -> tuple[object, ...]:
    r, category, today, action, requested, answered, in_carence, by_of = case
    d = compute_deadlines(rules, "ADF", training_end=r, category=category)
    scope = employer_scope_from(rules, r, category)
    line = verification_status(
        d,
        last_action=action,
        today=today,
        employer_space_opens=rules.employer_obligation_start,
        requested_on=requested,
        correction_answered=answered,
        declared_in_carence=in_carence,
        scope_from=scope,
    )
    bought = expected_status(
        d,
        declared_by_of=by_of,
        declared_in_carence=in_carence,
        today=today,
        scope_from=scope,
        correction_requested_on=requested if action == "correction_requested" else None,
        correction_answered=answered,
    )
    return tuple(value for s in (line, bought) for value in (s.code, s.label, s.due_on, s.days_left))


def load(con: duckdb.DuckDBPyConnection, batch: list[Case]) -> None:
    columns: dict[str, tuple[str, list[Any]]] = {
        "r": ("DATE", [c[0] for c in batch]),
        "category": ("INTEGER", [c[1] for c in batch]),
        "today": ("DATE", [c[2] for c in batch]),
        "last_action": ("VARCHAR", [c[3] for c in batch]),
        "requested_on": ("DATE", [c[4] for c in batch]),
        "answered": ("BOOLEAN", [c[5] for c in batch]),
        "in_carence": ("BOOLEAN", [c[6] for c in batch]),
        "by_of": ("BOOLEAN", [c[7] for c in batch]),
    }
    selects = ", ".join(f"unnest(CAST(${name} AS {kind}[])) AS {name}" for name, (kind, _) in columns.items())
    params: dict[str, object] = {name: values for name, (_, values) in columns.items()}
    params["id"] = list(range(len(batch)))
    con.execute(f"CREATE OR REPLACE TABLE cases AS SELECT unnest(CAST($id AS INTEGER[])) AS id, {selects}", params)


@pytest.mark.parametrize("name", ["decret-2025-748", "portail-2026-06"])
def test_the_sql_statuses_agree_with_python_on_the_correction_path_and_the_scope(name: str) -> None:
    rules = load_rule_set(name)
    con = duckdb.connect()
    con.execute(deadline_macros_sql(rules))
    con.execute(scope_macros_sql(rules))
    sql = query()
    seen: list[str] = []

    @settings(
        max_examples=30,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.large_base_example, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(batch=st.lists(cases, min_size=150, max_size=200))
    def check(batch: list[Case]) -> None:
        load(con, batch)
        rows = con.execute(sql).fetchall()
        for case, row in zip(batch, rows, strict=True):
            assert tuple(row) == python_row(rules, case), case
            seen.append(str(row[0]))
            seen.append(str(row[4]))

    check()
    # With the edge days of the tables above (a window of a few days is rarely drawn), every new status is met.
    edges: list[Case] = [
        (date(2025, 10, 15), None, date(2026, 7, 8), None, None, False, False, False),
        (date(2025, 1, 15), 1, date(2026, 4, 1), None, None, False, False, True),
        (date(2026, 8, 20), 3, date(2027, 4, 1), None, None, False, False, False),
        *(
            (date(2026, 3, 2), 1, today, "correction_requested", date(2026, 9, 10), answered, in_carence, True)
            for today in (date(2026, 9, 20), date(2026, 12, 1), date(2027, 7, 1))
            for answered, in_carence in ((False, False), (True, False), (False, True))
        ),
    ]
    load(con, edges)
    for case, row in zip(edges, con.execute(sql).fetchall(), strict=True):
        assert tuple(row) == python_row(rules, case), case
        seen.extend((str(row[0]), str(row[4])))
    required = {
        "correction_requested",
        "correction_not_made",
        "correction_not_made_overdue",
        "corrected_by_of",
        "declared_in_carence",
        "closed_before_employer_space",
        "of_late",
        "outside_employer_scope",
    }
    if name == "portail-2026-06":
        # Every OF deadline of this set (30/09/2026 at the earliest) is after the carence's entry into force
        # (09/07/2026): the carence opens the day after the OF deadline, « OF en retard » cannot occur.
        required.discard("of_late")
    assert required <= set(seen)


# --- the store: SQL statuses, the carence file, the OF's correction --------------------------------------

SHARED = Path(__file__).resolve().parents[2] / "shared" / "referentials"
SAMPLE_ADF = (SHARED / "sample_adf_synthetic.csv").read_bytes()
SIRET = "63887548400971"
CATALOGUE = declarations.load_code_catalogue()
LINE = "Formasud|EMP-2026-000004"  # M4 PETIT, MAC SST of 02/03/2026
ROSTER = (
    "Matricule;NIR;Nom de naissance;Prénom;SIRET de l'établissement;Site\n"
    f"M1;2150197611807;MARTIN;Claire;{SIRET};Caen\n"
    f"M4;1771280021384;PETIT;Anne;{SIRET};Caen\n"
)
RECORDS = (
    "Matricule;Nom de naissance;Formation;Organisme;Interne;Catégorie;Date de début;Date de fin\n"
    "M4;PETIT;MAC SST - maintien et actualisation des compétences;Formasud;non;1;02/03/2026;02/03/2026\n"
)
# The OF declares the holder under a wrong birth name; the employer's record says PETIT.
WRONG = SAMPLE_ADF.replace(b"|1771280021384|PETIT|", b"|1771280021384|PETITE|")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "corrections.duckdb")
    s.set_establishments([(SIRET, "Établissement de Caen", "Caen")])
    assert s.import_records(ROSTER.encode("utf-8"), "salaries.csv", "roster").ok
    assert s.import_records(RECORDS.encode("utf-8"), "formations.csv", "internal").ok
    assert s.import_of_file(WRONG, "formasud.csv", organisme="Formasud", today=date(2026, 8, 3)).ok
    return s


def ask(store: Store, on: date) -> None:
    store.record_action(
        "of_line", [LINE], "correction_requested", reason="nom de naissance attendu « PETIT »", effective_on=on
    )


def statuses(store: Store, today: date) -> tuple[Any, ...]:
    bought = store.workflow("expected_trainings", rules=RULES, today=today).set_index("matricule").loc["M4"]
    line = store.workflow("of_declarations", rules=RULES, today=today).set_index("line_key").loc[LINE]
    return (
        bought["status"],
        bought["status_label"],
        None if pd.isna(bought["due_on"]) else bought["due_on"].date(),
        line["status"],
        line["status_label"],
        None if pd.isna(line["due_on"]) else line["due_on"].date(),
    )


STORE_CASES = [(case[0], case[1], case[4], case[5]) for case in CORRECTION_PATH if not case[2] and not case[3]]


@pytest.mark.parametrize(
    ("requested_on", "today", "expected"), [c[1:] for c in STORE_CASES], ids=[c[0] for c in STORE_CASES]
)
def test_the_store_follows_the_correction_path_at_fixed_dates(
    store: Store, requested_on: date, today: date, expected: Status
) -> None:
    ask(store, requested_on)
    assert statuses(store, today) == (
        expected.code,
        expected.label,
        expected.due_on,
        expected.code,
        expected.label,
        expected.due_on,
    )
    candidates = store.export_candidates("carence", rules=RULES, today=today)
    assert (candidates["matricule"].tolist() == ["M4"]) == (expected.code in CARENCE_TO_DECLARE)


def test_a_correction_not_made_is_declared_in_carence_with_the_employers_values(store: Store) -> None:
    ask(store, BEFORE_DEADLINE)
    today = date(2026, 10, 5)
    batch = store.generate_export("carence", rules=RULES, today=today, catalogue=CATALOGUE)
    assert batch.missing == ()
    [file] = batch.files
    parsed = portal.parse_portal_file(file.content, file.file_name, today=today, declarant="employer")
    assert parsed.report.valid
    [row] = parsed.rows
    # The values the employer asked for (its record), not the OF's PETITE.
    assert (row["NIR"], row["NOM_TITULAIRE"], row["SIRET_EMPLOYEUR"]) == ("1771280021384", "PETIT", SIRET)
    assert (row["DATE_DEBUT_FORMATION"], row["DATE_FIN_FORMATION"]) == ("02/03/2026", "02/03/2026")

    store.confirm_export(file.export_id, rules=RULES, today=today)
    assert statuses(store, today)[0::3] == ("declared_in_carence", "declared_in_carence")
    bought = store.workflow("expected_trainings", rules=RULES, today=today).set_index("matricule").loc["M4"]
    assert not bought["double_declaration"]  # the OF's wrong line is what the carence replaces
    assert store.generate_export("carence", rules=RULES, today=today, catalogue=CATALOGUE).files == ()


@pytest.mark.parametrize(
    ("received_on", "today"),
    [(date(2026, 9, 25), date(2026, 9, 26)), (date(2026, 10, 15), date(2026, 10, 20))],
    ids=["before the OF deadline", "after the OF deadline"],
)
def test_a_later_of_file_that_corrects_the_line_closes_the_request(
    store: Store, received_on: date, today: date
) -> None:
    ask(store, BEFORE_DEADLINE)
    assert store.import_of_file(SAMPLE_ADF, "formasud_v2.csv", organisme="Formasud", today=received_on).ok
    assert statuses(store, today) == ("corrected_by_of", "corrigée par l'OF", None) * 2
    assert store.export_candidates("carence", rules=RULES, today=today).empty
    requests = store.workflow("correction_requests", rules=RULES, today=today)
    assert requests["correction_answered"].tolist() == [True]


def test_an_older_of_file_loaded_after_the_request_does_not_answer_it(store: Store) -> None:
    ask(store, BEFORE_DEADLINE)
    # Received 01/09/2026, before the request of 10/09/2026: it cannot be the OF's answer.
    old = WRONG.replace(b"|PETITE|", b"|PETITT|")
    assert store.import_of_file(old, "formasud_old.csv", organisme="Formasud", today=date(2026, 9, 1)).ok
    assert statuses(store, date(2026, 10, 5))[0] == "correction_not_made"


def test_a_carence_deposited_then_corrected_by_the_of_is_a_possible_double_declaration(store: Store) -> None:
    ask(store, BEFORE_DEADLINE)
    today = date(2026, 10, 5)
    batch = store.generate_export("carence", rules=RULES, today=today, catalogue=CATALOGUE)
    store.confirm_export(batch.files[0].export_id, rules=RULES, today=today)
    assert store.import_of_file(SAMPLE_ADF, "formasud_v2.csv", organisme="Formasud", today=date(2026, 10, 6)).ok
    bought = store.workflow("expected_trainings", rules=RULES, today=date(2026, 10, 7)).set_index("matricule")
    assert bought.loc["M4", "status"] == "corrected_by_of"
    assert bought.loc["M4", "double_declaration"]


def test_a_category_3_carence_outside_the_employers_scope_is_not_exported(tmp_path: Path) -> None:
    s = Store(tmp_path / "scope.duckdb")
    s.set_establishments([(SIRET, "Établissement de Caen", "Caen")])
    assert s.import_records(ROSTER.encode("utf-8"), "salaries.csv", "roster").ok
    bought = (
        "Matricule;Nom de naissance;Formation;Organisme;Interne;Catégorie;Date de début;Date de fin\n"
        "M1;MARTIN;Travail en hauteur;Hauteurs SA;non;3;19/08/2026;20/08/2026\n"
        "M4;PETIT;Travail en hauteur;Hauteurs SA;non;;19/08/2026;20/08/2026\n"
    )
    assert s.import_records(bought.encode("utf-8"), "formations.csv", "internal").ok
    frame = s.workflow("expected_trainings", rules=RULES, today=date(2027, 4, 1)).set_index("matricule")
    assert frame.loc["M1", "status_label"] == SCOPE_LABEL
    assert frame.loc["M4", "status"] == "carence_due"  # unknown category: owed, the cautious reading
    assert s.export_candidates("carence", rules=RULES, today=date(2027, 4, 1))["matricule"].tolist() == ["M4"]
