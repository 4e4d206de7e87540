"""Deadline rules: worked examples, edges and invariants of rules.md §3-§4, rule-set files."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.rules import (
    DEFAULT_RULE_SET,
    RULES_DIR,
    Deadlines,
    Kind,
    RuleSet,
    RuleSetError,
    available_rule_sets,
    compute_deadlines,
    deadlines_json,
    end_of_month_after,
    load_rule_set,
    quarter_end,
    reference_date,
)

# The published decree: the worked examples of rules.md §4 and most edges below are written for it.
DECREE = load_rule_set("decret-2025-748")
# The law in force, the default (rules.md §3b).
DEFAULT = load_rule_set(DEFAULT_RULE_SET)
JSON_KEYS = {
    "reference_date",
    "quarter_end",
    "of_deadline",
    "verification_deadline",
    "deemed_verified_on",
    "internal_deadline",
    "carence_opens_on",
    "carence_deadline",
    "extension_applied",
    "of_mandatory",
    "internal_mandatory",
    "rule_set",
}


def d(text: str) -> date:
    """jj/mm/aaaa → date, so the tables read like the spec."""
    return datetime.strptime(text, "%d/%m/%Y").date()


def adf(end: str, category: int | None = None, rules: RuleSet = DECREE) -> Deadlines:
    """An ADF ending on `end` (jj/mm/aaaa), under the published decree unless told otherwise."""
    return compute_deadlines(rules, "ADF", training_end=d(end), category=category)


def is_month_end(x: date) -> bool:
    return x.day == calendar.monthrange(x.year, x.month)[1]


# --- calendar helpers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("01/01/2025", "31/03/2025"),  # first day of Q1
        ("31/03/2025", "31/03/2025"),  # last day of Q1 is its own quarter end
        ("01/04/2025", "30/06/2025"),  # Q2 ends on a 30-day month
        ("15/08/2025", "30/09/2025"),  # Q3
        ("30/09/2025", "30/09/2025"),
        ("01/10/2025", "31/12/2025"),  # Q4
        ("31/12/2025", "31/12/2025"),
        ("29/02/2028", "31/03/2028"),  # leap day belongs to Q1
    ],
)
def test_quarter_end_is_the_last_day_of_the_calendar_quarter(day: str, expected: str) -> None:
    assert quarter_end(d(day)) == d(expected)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("30/09/2025", 6, "31/03/2026"),  # Sept + 6 = March, 31 days
        ("30/09/2025", 9, "30/06/2026"),  # Sept + 9 = June, 30 days
        ("30/09/2025", 5, "28/02/2026"),  # Sept + 5 = Feb 2026, not a leap year: 28
        ("30/09/2027", 5, "29/02/2028"),  # Sept + 5 = Feb 2028, leap year: 29
        ("31/01/2028", 1, "29/02/2028"),  # a 31st does not spill into March
        ("31/12/2026", 0, "31/12/2026"),  # zero months: the month's own end
        ("30/11/2025", 14, "31/01/2027"),  # Nov 2025 + 14 = Jan 2027, across two years
        ("15/03/2026", 3, "30/06/2026"),  # mid-month start still lands on a month end
    ],
)
def test_end_of_month_after_counts_whole_calendar_months(start: str, months: int, expected: str) -> None:
    assert end_of_month_after(d(start), months) == d(expected)


# --- worked examples of rules.md §4 (default rule set, category unknown) ---------------------------

WORKED_EXAMPLES: list[tuple[str, Kind, str | None, str | None, dict[str, object]]] = [
    (
        # R = 15/09/2025, QE 30/09/2025; in the September-2025 window → OF 30/06/2026 (« avant le
        # 1er juillet »), verification 30/09/2026 (« avant le 1er octobre »), no extension flag.
        # Internal: EOM(QE + 6 + 3) = EOM(30/09/2025 + 9) = 30/06/2026 (no window for internal).
        # Deemed verified the day after 30/09/2026. Carence opens max(01/07/2026, 09/07/2026) = 09/07/2026,
        # deadline EOM(30/06/2026 + 9) = 31/03/2027. R < 16/03/2026 → internal not mandatory.
        "1",
        "ADF",
        "15/09/2025",
        None,
        {
            "reference_date": "2025-09-15",
            "quarter_end": "2025-09-30",
            "of_deadline": "2026-06-30",
            "verification_deadline": "2026-09-30",
            "deemed_verified_on": "2026-10-01",
            "internal_deadline": "2026-06-30",
            "carence_opens_on": "2026-07-09",
            "carence_deadline": "2027-03-31",
            "extension_applied": False,
            "of_mandatory": True,
            "internal_mandatory": False,
            "rule_set": "decret-2025-748",
        },
    ),
    (
        # JDR keys on the validity start 01/10/2025 (the training end 29/09/2025 is ignored): QE 31/12/2025,
        # ext 3 → OF EOM(+6) = 30/06/2026, verification and internal EOM(+9) = 30/09/2026.
        # Carence opens max(01/07/2026, 09/07/2026) = 09/07/2026, deadline EOM(30/06/2026 + 9) = 31/03/2027.
        "2",
        "JDR",
        "29/09/2025",
        "01/10/2025",
        {
            "reference_date": "2025-10-01",
            "quarter_end": "2025-12-31",
            "of_deadline": "2026-06-30",
            "verification_deadline": "2026-09-30",
            "deemed_verified_on": "2026-10-01",
            "internal_deadline": "2026-09-30",
            "carence_opens_on": "2026-07-09",
            "carence_deadline": "2027-03-31",
            "extension_applied": True,
            "of_mandatory": True,
            "internal_mandatory": False,
            "rule_set": "decret-2025-748",
        },
    ),
    (
        # R = 05/02/2026, QE 31/03/2026, ext 3 → OF EOM(+6) = 30/09/2026, verification EOM(+9) = 31/12/2026.
        # Carence opens max(01/10/2026, 09/07/2026) = 01/10/2026, deadline EOM(30/09/2026 + 9) = 30/06/2027.
        # R < 16/03/2026 → internal not mandatory.
        "3",
        "ADF",
        "05/02/2026",
        None,
        {
            "reference_date": "2026-02-05",
            "quarter_end": "2026-03-31",
            "of_deadline": "2026-09-30",
            "verification_deadline": "2026-12-31",
            "deemed_verified_on": "2027-01-01",
            "internal_deadline": "2026-12-31",
            "carence_opens_on": "2026-10-01",
            "carence_deadline": "2027-06-30",
            "extension_applied": True,
            "of_mandatory": True,
            "internal_mandatory": False,
            "rule_set": "decret-2025-748",
        },
    ),
    (
        # R = 20/08/2026, QE 30/09/2026, R ≤ 31/12/2026 so ext 3 → OF EOM(+6) = 31/03/2027,
        # verification EOM(+9) = 30/06/2027. Carence opens 01/04/2027, deadline EOM(31/03/2027 + 9) =
        # 31/12/2027. R ≥ 16/03/2026 and category unknown (mandatory by caution) → internal mandatory.
        "4",
        "ADF",
        "20/08/2026",
        None,
        {
            "reference_date": "2026-08-20",
            "quarter_end": "2026-09-30",
            "of_deadline": "2027-03-31",
            "verification_deadline": "2027-06-30",
            "deemed_verified_on": "2027-07-01",
            "internal_deadline": "2027-06-30",
            "carence_opens_on": "2027-04-01",
            "carence_deadline": "2027-12-31",
            "extension_applied": True,
            "of_mandatory": True,
            "internal_mandatory": True,
            "rule_set": "decret-2025-748",
        },
    ),
    (
        # R = 02/01/2027 > 31/12/2026 → ext 0 (target regime). QE 31/03/2027 → OF EOM(+3) = 30/06/2027,
        # verification EOM(+6) = 30/09/2027. Carence opens 01/07/2027, deadline EOM(30/06/2027 + 9) =
        # 31/03/2028.
        "5",
        "ADF",
        "02/01/2027",
        None,
        {
            "reference_date": "2027-01-02",
            "quarter_end": "2027-03-31",
            "of_deadline": "2027-06-30",
            "verification_deadline": "2027-09-30",
            "deemed_verified_on": "2027-10-01",
            "internal_deadline": "2027-09-30",
            "carence_opens_on": "2027-07-01",
            "carence_deadline": "2028-03-31",
            "extension_applied": False,
            "of_mandatory": True,
            "internal_mandatory": True,
            "rule_set": "decret-2025-748",
        },
    ),
    (
        # R = 31/08/2025: one day before the September window and before 01/09/2025 → OF declaration not
        # mandatory. The deadlines are still computed (shown in parentheses in §4): QE 30/09/2025, ext 3 →
        # OF EOM(+6) = 31/03/2026, verification EOM(+9) = 30/06/2026. Carence null (not mandatory).
        # Internal EOM(+9) = 30/06/2026 is computed but not mandatory (the table's « — »).
        "6",
        "ADF",
        "31/08/2025",
        None,
        {
            "reference_date": "2025-08-31",
            "quarter_end": "2025-09-30",
            "of_deadline": "2026-03-31",
            "verification_deadline": "2026-06-30",
            "deemed_verified_on": "2026-07-01",
            "internal_deadline": "2026-06-30",
            "carence_opens_on": None,
            "carence_deadline": None,
            "extension_applied": True,
            "of_mandatory": False,
            "internal_mandatory": False,
            "rule_set": "decret-2025-748",
        },
    ),
]


@pytest.mark.parametrize(
    ("number", "kind", "training_end", "validity_start", "expected"),
    WORKED_EXAMPLES,
    ids=[f"example-{case[0]}" for case in WORKED_EXAMPLES],
)
def test_worked_examples_of_rules_md_give_every_column(
    number: str, kind: Kind, training_end: str | None, validity_start: str | None, expected: dict[str, object]
) -> None:
    deadlines = compute_deadlines(
        DECREE,
        kind,
        training_end=None if training_end is None else d(training_end),
        validity_start=None if validity_start is None else d(validity_start),
    )
    assert deadlines.to_json_dict() == expected
    assert deadlines.category_unknown is True


def test_only_example_1_falls_in_the_september_window() -> None:
    assert adf("15/09/2025").fixed_window is DECREE.fixed_windows[0]
    assert adf("31/08/2025").fixed_window is None
    assert compute_deadlines(DECREE, "JDR", validity_start=d("01/10/2025")).fixed_window is None


def test_deadlines_json_prints_exactly_the_keys_of_the_command() -> None:
    result = deadlines_json(DECREE, "ADF", d("05/02/2026"), None, 2)
    assert set(result) == JSON_KEYS
    assert result["of_deadline"] == "2026-09-30"


# --- September-2025 window edges ---------------------------------------------------------------------

# (R, of, verification, internal, extension_applied, in window)
SEPTEMBER_EDGES = [
    # 31/08/2025: outside the window, QE 30/09/2025, ext 3: OF EOM(+6), verification EOM(+9).
    ("31/08/2025", "31/03/2026", "30/06/2026", "30/06/2026", True, False),
    # 01/09/2025 and 30/09/2025: inside, fixed 30/06/2026 / 30/09/2026; internal still EOM(30/09/2025 + 9).
    ("01/09/2025", "30/06/2026", "30/09/2026", "30/06/2026", False, True),
    ("30/09/2025", "30/06/2026", "30/09/2026", "30/06/2026", False, True),
    # 01/10/2025: outside, QE 31/12/2025, ext 3: OF EOM(+6) = 30/06/2026, verification EOM(+9) = 30/09/2026.
    ("01/10/2025", "30/06/2026", "30/09/2026", "30/09/2026", True, False),
]


@pytest.mark.parametrize(("r", "of", "verification", "internal", "extended", "in_window"), SEPTEMBER_EDGES)
def test_september_2025_window_edges(
    r: str, of: str, verification: str, internal: str, extended: bool, in_window: bool
) -> None:
    result = adf(r)
    assert result.of_deadline == d(of)
    assert result.verification_deadline == d(verification)
    assert result.internal_deadline == d(internal)
    assert result.extension_applied is extended
    assert (result.fixed_window is not None) is in_window


def test_a_jdr_keys_on_its_validity_start_for_the_september_window() -> None:
    # Training ended 28/08/2025 but validity starts 02/09/2025: R = 02/09/2025 is in the window.
    result = compute_deadlines(DECREE, "JDR", training_end=d("28/08/2025"), validity_start=d("02/09/2025"))
    assert (result.reference_date, result.of_deadline) == (d("02/09/2025"), d("30/06/2026"))


def test_a_jdr_whose_validity_starts_in_the_next_quarter_uses_that_quarter() -> None:
    # Training ended 15/12/2025 (Q4) but validity starts 05/01/2026: QE 31/03/2026, ext 3 →
    # OF EOM(+6) = 30/09/2026, verification EOM(+9) = 31/12/2026 (an ADF of 15/12/2025 would give 30/06/2026).
    result = compute_deadlines(DECREE, "JDR", training_end=d("15/12/2025"), validity_start=d("05/01/2026"))
    assert result.quarter_end == d("31/03/2026")
    assert result.of_deadline == d("30/09/2026")
    assert result.verification_deadline == d("31/12/2026")
    assert adf("15/12/2025").of_deadline == d("30/06/2026")


def test_an_adf_ignores_the_validity_start() -> None:
    result = compute_deadlines(DECREE, "ADF", training_end=d("05/02/2026"), validity_start=d("01/10/2025"))
    assert result.reference_date == d("05/02/2026")


# --- extension_until edges ---------------------------------------------------------------------------

EARLY_END = DECREE.with_overrides(extension_until=d("30/06/2026"))

# (rule set, R, of, verification, internal, extension_applied)
EXTENSION_EDGES = [
    # R = 31/12/2026 ≤ extension_until: QE 31/12/2026, ext 3 → OF EOM(+6) = 30/06/2027,
    # verification EOM(+9) = 30/09/2027.
    (DECREE, "31/12/2026", "30/06/2027", "30/09/2027", "30/09/2027", True),
    # R = 01/01/2027 > extension_until: QE 31/03/2027, ext 0 → OF EOM(+3) = 30/06/2027,
    # verification EOM(+6) = 30/09/2027 (same dates as the day before, reached the other way).
    (DECREE, "01/01/2027", "30/06/2027", "30/09/2027", "30/09/2027", False),
    # Override extension_until = 30/06/2026. R = 30/06/2026: QE 30/06/2026, ext 3 → OF EOM(+6) =
    # 31/12/2026, verification EOM(+9) = 31/03/2027.
    (EARLY_END, "30/06/2026", "31/12/2026", "31/03/2027", "31/03/2027", True),
    # Same override, R = 01/07/2026: QE 30/09/2026, ext 0 → OF EOM(+3) = 31/12/2026,
    # verification EOM(+6) = 31/03/2027.
    (EARLY_END, "01/07/2026", "31/12/2026", "31/03/2027", "31/03/2027", False),
    # Same override, R = 20/08/2026 (example 4): QE 30/09/2026, ext 0 → OF 31/12/2026 instead of 31/03/2027.
    (EARLY_END, "20/08/2026", "31/12/2026", "31/03/2027", "31/03/2027", False),
]


@pytest.mark.parametrize(("rules", "r", "of", "verification", "internal", "extended"), EXTENSION_EDGES)
def test_extension_until_edges_and_override(
    rules: RuleSet, r: str, of: str, verification: str, internal: str, extended: bool
) -> None:
    result = adf(r, rules=rules)
    assert (result.of_deadline, result.verification_deadline, result.internal_deadline) == (
        d(of),
        d(verification),
        d(internal),
    )
    assert result.extension_applied is extended


def test_an_overridden_extension_moves_the_carence_too() -> None:
    # Override 30/06/2026, R = 20/08/2026: OF 31/12/2026 → carence opens 01/01/2027, deadline
    # EOM(31/12/2026 + 9) = 30/09/2027.
    result = adf("20/08/2026", rules=EARLY_END)
    assert (result.carence_opens_on, result.carence_deadline) == (d("01/01/2027"), d("30/09/2027"))


def test_an_override_is_traced_as_a_user_setting_and_leaves_the_original_alone() -> None:
    changed = DECREE.with_overrides(extension_until=d("31/03/2026"))
    assert changed.extension_until == d("31/03/2026")
    assert DECREE.extension_until == d("31/12/2026")
    assert changed.sources["extension_until"].certainty == "réglage de l'utilisateur"
    assert "31/03/2026" in changed.sources["extension_until"].text
    assert "31/12/2026" in changed.sources["extension_until"].text
    assert DECREE.sources["extension_until"].certainty != "réglage de l'utilisateur"


def test_scope_dates_can_be_overridden() -> None:
    # Moving of_full_scope_from back to 01/01/2026 makes a category-3 training of 05/02/2026 mandatory.
    assert adf("05/02/2026", category=3).of_mandatory is False
    changed = DECREE.with_overrides(of_full_scope_from=d("01/01/2026"))
    assert adf("05/02/2026", category=3, rules=changed).of_mandatory is True


@pytest.mark.parametrize(
    ("changes", "message_part"),
    [
        ({"name": "autre"}, "« name »"),
        ({"fixed_windows": ()}, "« fixed_windows »"),
        ({"extension_until": "2026-12-31"}, "« extension_until » doit être une date"),
        ({"extension_until": datetime(2026, 12, 31, 12, 0)}, "« extension_until » doit être une date"),
        ({"of_months": 2.5}, "« of_months » doit être un nombre entier"),
        ({"of_months": True}, "« of_months » doit être un nombre entier"),
        ({"carence_months": -1}, "« carence_months » ne peut pas être négatif"),
        ({"of_months": 7}, "« of_months » (7) ne peut pas dépasser"),
    ],
)
def test_a_bad_override_is_refused_in_french(changes: dict[str, Any], message_part: str) -> None:
    with pytest.raises(RuleSetError) as error:
        DECREE.with_overrides(**changes)
    assert message_part in str(error.value)


# --- obligation start and category scope -------------------------------------------------------------

# (R, category, of_mandatory, internal_mandatory); derivations from §3 step 5 with the default dates:
# of_obligation_start 01/09/2025, of_full_scope_from 01/07/2026, employer_obligation_start 16/03/2026,
# employer_full_scope_from 01/10/2026.
MANDATORY_CASES = [
    ("31/08/2025", 1, False, False),  # before 01/09/2025: nobody must declare
    ("01/09/2025", 1, True, False),  # OF obligation starts; employer's not yet
    ("15/03/2026", 1, True, False),  # last day before the employer obligation
    ("16/03/2026", 1, True, True),  # employer obligation starts
    ("16/03/2026", 3, False, False),  # category 3 before both full-scope dates
    ("30/06/2026", 1, True, True),
    ("30/06/2026", 2, True, True),
    ("30/06/2026", 3, False, False),  # OF: categories 3-4 only from 01/07/2026
    ("30/06/2026", 4, False, False),
    ("01/07/2026", 3, True, False),  # OF full scope reached; employer not until 01/10/2026
    ("01/07/2026", 4, True, False),
    ("30/09/2026", 3, True, False),
    ("30/09/2026", 4, True, False),
    ("30/09/2026", 2, True, True),
    ("01/10/2026", 3, True, True),  # employer full scope reached
    ("01/10/2026", 4, True, True),
    ("30/06/2026", None, True, True),  # unknown category: mandatory by caution
    ("31/08/2025", None, False, False),  # unknown category cannot beat the obligation start
]


@pytest.mark.parametrize(("r", "category", "of_mandatory", "internal_mandatory"), MANDATORY_CASES)
def test_mandatory_flags_follow_obligation_starts_and_category_scope(
    r: str, category: int | None, of_mandatory: bool, internal_mandatory: bool
) -> None:
    result = adf(r, category=category)
    assert result.of_mandatory is of_mandatory
    assert result.internal_mandatory is internal_mandatory
    assert result.category_unknown is (category is None)
    # Carence exists only when the OF had to declare (step 6).
    assert (result.carence_opens_on is not None) is of_mandatory
    assert (result.carence_deadline is not None) is of_mandatory


def test_an_unknown_category_is_flagged_and_explained() -> None:
    result = adf("30/06/2026")
    assert result.category_unknown is True
    assert "catégorie inconnue" in result.explanations["of_mandatory"]
    assert adf("30/06/2026", category=1).category_unknown is False


@pytest.mark.parametrize("category", [0, 5, -1])
def test_a_category_outside_1_to_4_is_refused(category: int) -> None:
    with pytest.raises(ValueError, match="Catégorie de formation"):
        adf("30/06/2026", category=category)


def test_reference_date_needs_the_date_its_kind_keys_on() -> None:
    assert reference_date("ADF", d("05/02/2026"), None) == d("05/02/2026")
    assert reference_date("JDR", d("05/02/2026"), d("01/03/2026")) == d("01/03/2026")
    with pytest.raises(ValueError, match="date de fin de formation est obligatoire"):
        reference_date("ADF", None, d("01/03/2026"))
    with pytest.raises(ValueError, match="date de début de validité est obligatoire"):
        reference_date("JDR", d("05/02/2026"), None)


def test_every_parameter_of_a_shipped_rule_set_has_a_source() -> None:
    for rules in (DECREE, DEFAULT):
        assert set(rules.sources) == {
            "of_months",
            "employer_months",
            "extension_months",
            "extension_until",
            "carence_months",
            "carence_start",
            "of_obligation_start",
            "employer_obligation_start",
            "of_full_scope_from",
            "employer_full_scope_from",
        }
        assert all(s.reference and s.text and s.certainty for s in rules.sources.values())


def test_the_decree_parameters_are_those_of_rules_md_section_3() -> None:
    assert (DECREE.of_months, DECREE.employer_months, DECREE.extension_months, DECREE.carence_months) == (
        3,
        6,
        3,
        9,
    )
    assert DECREE.extension_until == d("31/12/2026")
    assert DECREE.carence_start == d("09/07/2026")
    assert DECREE.of_obligation_start == d("01/09/2025")
    assert DECREE.employer_obligation_start == d("16/03/2026")
    assert DECREE.of_full_scope_from == d("01/07/2026")
    assert DECREE.employer_full_scope_from == d("01/10/2026")
    window = DECREE.fixed_windows[0]
    assert (window.start, window.end, window.of_deadline, window.verification_deadline) == (
        d("01/09/2025"),
        d("30/09/2025"),
        d("30/06/2026"),
        d("30/09/2026"),
    )


def test_explanations_say_which_rule_produced_a_date() -> None:
    result = adf("05/02/2026")
    assert result.explanations["of_deadline"].startswith("30/09/2026 : fin du trimestre 31/03/2026 + 3 mois")
    assert "+ 3 mois de prorogation transitoire (Décret n° 2025-748, art. 2-II" in result.explanations["of_deadline"]
    assert "art. 7-II" in result.explanations["carence_deadline"]
    assert set(result.explanations) >= JSON_KEYS - {"rule_set"}


# --- the law in force, the default: décret 2026-496 as the portal states it (rules.md §3b) ------------


def test_the_default_is_the_law_in_force_and_the_decree_stays_selectable() -> None:
    assert DEFAULT_RULE_SET == "decret-2026-496" == DEFAULT.name
    assert available_rule_sets() == ("decret-2025-748", "decret-2026-496")
    assert "lecture de l'administration" in DECREE.title
    assert "2026-496" in DEFAULT.title


def test_the_superseded_portal_preview_resolves_to_the_law_in_force() -> None:
    # « portail-2026-06 » was the optional preview of the same announcement: a store or a command naming it
    # gets the rule set that now holds the announcement in full.
    assert load_rule_set("portail-2026-06") == DEFAULT


def test_only_the_published_decree_needs_no_banner() -> None:
    assert DECREE.is_official is True
    assert DEFAULT.is_official is False
    assert DECREE.with_overrides(extension_until=d("30/09/2026")).is_official is False


# (R, OF deadline, verification deadline): the portal's own milestones, quoted in rules.md §3b.
PORTAL_MILESTONES = [
    # September-December 2025: OF « avant le 30 septembre 2026 (inclus) », verification until 31/12/2026.
    ("01/09/2025", "30/09/2026", "31/12/2026"),
    ("15/11/2025", "30/09/2026", "31/12/2026"),
    ("31/12/2025", "30/09/2026", "31/12/2026"),
    # 2026: « 6 mois qui suivent le trimestre » for the OF (3 + 3), 9 for the employer's verification.
    ("01/01/2026", "30/09/2026", "31/12/2026"),  # T1 2026 → 30/09/2026
    ("31/03/2026", "30/09/2026", "31/12/2026"),
    ("01/04/2026", "31/12/2026", "31/03/2027"),  # T2 → 31/12/2026
    ("30/06/2026", "31/12/2026", "31/03/2027"),
    ("01/07/2026", "31/03/2027", "30/06/2027"),  # T3 → 31/03/2027
    ("30/09/2026", "31/03/2027", "30/06/2027"),
    ("01/10/2026", "30/06/2027", "30/09/2027"),  # T4 2026 → 30/06/2027
    ("31/12/2026", "30/06/2027", "30/09/2027"),
    # From 2027: 3 months for the OF, 6 for the employer. T1 2027 → 30/06/2027, like T4 2026.
    ("01/01/2027", "30/06/2027", "30/09/2027"),
    ("31/03/2027", "30/06/2027", "30/09/2027"),
    ("15/05/2027", "30/09/2027", "31/12/2027"),  # QE 30/06/2027 + 3 / + 6
]


@pytest.mark.parametrize(("r", "of", "verification"), PORTAL_MILESTONES)
def test_the_default_gives_the_portal_milestones(r: str, of: str, verification: str) -> None:
    result = adf(r, rules=DEFAULT)
    assert (result.of_deadline, result.verification_deadline) == (d(of), d(verification))
    assert result.deemed_verified_on == d(verification) + timedelta(days=1)


# Rules.md §4 under the default: rows 1-2 get OF 30/09/2026, verification 31/12/2026, carence
# 01/10/2026 → 30/06/2027 (the September-December 2025 window); row 3's internal deadline is the Q1 2026
# one (« avant le 1er avril 2027 »); rows 4-6 are those of the decree.
WORKED_EXAMPLES_IN_FORCE: list[tuple[str, Kind, str | None, str | None, dict[str, object]]] = [
    (
        # R 15/09/2025 in the window. Internal: QE 30/09/2025 + 6 + 3 = 30/06/2026 (R < 16/03/2026: not
        # mandatory). Carence opens max(01/10/2026, 09/07/2026) = 01/10/2026, deadline EOM(30/09/2026 + 9).
        "1",
        "ADF",
        "15/09/2025",
        None,
        {
            "reference_date": "2025-09-15",
            "quarter_end": "2025-09-30",
            "of_deadline": "2026-09-30",
            "verification_deadline": "2026-12-31",
            "deemed_verified_on": "2027-01-01",
            "internal_deadline": "2026-06-30",
            "carence_opens_on": "2026-10-01",
            "carence_deadline": "2027-06-30",
            "extension_applied": False,
            "of_mandatory": True,
            "internal_mandatory": False,
            "rule_set": "decret-2026-496",
        },
    ),
    (
        # JDR: R = validity start 01/10/2025, inside the window too. Internal: QE 31/12/2025 + 9 = 30/09/2026.
        "2",
        "JDR",
        "29/09/2025",
        "01/10/2025",
        {
            "reference_date": "2025-10-01",
            "quarter_end": "2025-12-31",
            "of_deadline": "2026-09-30",
            "verification_deadline": "2026-12-31",
            "deemed_verified_on": "2027-01-01",
            "internal_deadline": "2026-09-30",
            "carence_opens_on": "2026-10-01",
            "carence_deadline": "2027-06-30",
            "extension_applied": False,
            "of_mandatory": True,
            "internal_mandatory": False,
            "rule_set": "decret-2026-496",
        },
    ),
    (
        # R 05/02/2026: T1 2026 → OF 30/09/2026, verification QE + 9 = 31/12/2026; internal 31/03/2027
        # (the later statement, the internal window) instead of 31/12/2026.
        "3",
        "ADF",
        "05/02/2026",
        None,
        {
            "reference_date": "2026-02-05",
            "quarter_end": "2026-03-31",
            "of_deadline": "2026-09-30",
            "verification_deadline": "2026-12-31",
            "deemed_verified_on": "2027-01-01",
            "internal_deadline": "2027-03-31",
            "carence_opens_on": "2026-10-01",
            "carence_deadline": "2027-06-30",
            "extension_applied": True,
            "of_mandatory": True,
            "internal_mandatory": False,
            "rule_set": "decret-2026-496",
        },
    ),
    (
        "4",
        "ADF",
        "20/08/2026",
        None,
        {
            "reference_date": "2026-08-20",
            "quarter_end": "2026-09-30",
            "of_deadline": "2027-03-31",
            "verification_deadline": "2027-06-30",
            "deemed_verified_on": "2027-07-01",
            "internal_deadline": "2027-06-30",
            "carence_opens_on": "2027-04-01",
            "carence_deadline": "2027-12-31",
            "extension_applied": True,
            "of_mandatory": True,
            "internal_mandatory": True,
            "rule_set": "decret-2026-496",
        },
    ),
    (
        "5",
        "ADF",
        "02/01/2027",
        None,
        {
            "reference_date": "2027-01-02",
            "quarter_end": "2027-03-31",
            "of_deadline": "2027-06-30",
            "verification_deadline": "2027-09-30",
            "deemed_verified_on": "2027-10-01",
            "internal_deadline": "2027-09-30",
            "carence_opens_on": "2027-07-01",
            "carence_deadline": "2028-03-31",
            "extension_applied": False,
            "of_mandatory": True,
            "internal_mandatory": True,
            "rule_set": "decret-2026-496",
        },
    ),
    (
        # 31/08/2025: one day before the window and the OF obligation: computed QE 30/09/2025 + 6 / + 9.
        "6",
        "ADF",
        "31/08/2025",
        None,
        {
            "reference_date": "2025-08-31",
            "quarter_end": "2025-09-30",
            "of_deadline": "2026-03-31",
            "verification_deadline": "2026-06-30",
            "deemed_verified_on": "2026-07-01",
            "internal_deadline": "2026-06-30",
            "carence_opens_on": None,
            "carence_deadline": None,
            "extension_applied": True,
            "of_mandatory": False,
            "internal_mandatory": False,
            "rule_set": "decret-2026-496",
        },
    ),
]


@pytest.mark.parametrize(
    ("number", "kind", "training_end", "validity_start", "expected"),
    WORKED_EXAMPLES_IN_FORCE,
    ids=[f"example-{case[0]}" for case in WORKED_EXAMPLES_IN_FORCE],
)
def test_worked_examples_under_the_law_in_force(
    number: str, kind: Kind, training_end: str | None, validity_start: str | None, expected: dict[str, object]
) -> None:
    deadlines = compute_deadlines(
        DEFAULT,
        kind,
        training_end=None if training_end is None else d(training_end),
        validity_start=None if validity_start is None else d(validity_start),
    )
    assert deadlines.to_json_dict() == expected


# (R, OF, verification, internal, extension applied, in the fixed window): year and window boundaries.
IN_FORCE_EDGES = [
    ("31/08/2025", "31/03/2026", "30/06/2026", "30/06/2026", True, False),  # before the window: computed
    ("01/09/2025", "30/09/2026", "31/12/2026", "30/06/2026", False, True),
    ("30/09/2025", "30/09/2026", "31/12/2026", "30/06/2026", False, True),  # quarter boundary inside the window
    ("01/10/2025", "30/09/2026", "31/12/2026", "30/09/2026", False, True),
    ("31/12/2025", "30/09/2026", "31/12/2026", "30/09/2026", False, True),  # last day of the window
    ("01/01/2026", "30/09/2026", "31/12/2026", "31/03/2027", True, False),  # same OF date, reached by 3 + 3
    ("31/03/2026", "30/09/2026", "31/12/2026", "31/03/2027", True, False),  # Q1 2026: internal window
    ("01/04/2026", "31/12/2026", "31/03/2027", "31/03/2027", True, False),  # Q2: QE 30/06/2026 + 9
    ("31/12/2026", "30/06/2027", "30/09/2027", "30/09/2027", True, False),  # last day of the extension
    ("01/01/2027", "30/06/2027", "30/09/2027", "30/09/2027", False, False),  # target regime, same dates
]


@pytest.mark.parametrize(("r", "of", "verification", "internal", "extended", "in_window"), IN_FORCE_EDGES)
def test_the_law_in_force_at_its_boundaries(
    r: str, of: str, verification: str, internal: str, extended: bool, in_window: bool
) -> None:
    result = adf(r, rules=DEFAULT)
    assert (result.of_deadline, result.verification_deadline, result.internal_deadline) == (
        d(of),
        d(verification),
        d(internal),
    )
    assert result.extension_applied is extended
    assert (result.fixed_window is not None) is in_window


def test_the_default_moves_what_the_old_default_got_wrong() -> None:
    # An October 2025 training: the decree had the OF until 30/06/2026, verification until 30/09/2026 and
    # carence from 09/07/2026 while the portal accepts the OF's declaration until 30/09/2026.
    before, now = adf("15/10/2025", rules=DECREE), adf("15/10/2025", rules=DEFAULT)
    assert (before.of_deadline, before.verification_deadline, before.carence_opens_on) == (
        d("30/06/2026"),
        d("30/09/2026"),
        d("09/07/2026"),
    )
    assert (now.of_deadline, now.verification_deadline, now.carence_opens_on) == (
        d("30/09/2026"),
        d("31/12/2026"),
        d("01/10/2026"),
    )
    assert "avant le 30 septembre 2026 (inclus)" in DEFAULT.fixed_windows[0].source.text
    assert "annonce du portail officiel" in now.explanations["of_deadline"]


def test_the_q1_2026_internal_deadline_takes_the_later_statement_and_names_the_other() -> None:
    result = adf("20/03/2026", category=1, rules=DEFAULT)
    assert result.internal_deadline == d("31/03/2027")
    assert result.internal_mandatory is True
    text = result.explanations["internal_deadline"]
    assert text.startswith("31/03/2027 : formation interne dont la date de référence est entre le 01/01/2026")
    # The other reading: QE 31/03/2026 + 6 + 3 = 31/12/2026.
    assert "autre lecture : 31/12/2026 (fin du trimestre + 9 mois" in text
    assert "« avant le 1er avril 2027 »" in DEFAULT.internal_windows[0].source.text
    # No other reading where both statements agree: Q2 2026 is QE 30/06/2026 + 9 = 31/03/2027 either way.
    assert "autre lecture" not in adf("01/04/2026", category=1, rules=DEFAULT).explanations["internal_deadline"]
    # Nor for the other dates of a Q1 training, which the internal statement does not change.
    assert "autre lecture" not in result.explanations["of_deadline"]


# (R, category, OF must declare, employer must declare, the employer's other reading says « obligatoire »)
SCOPE_IN_FORCE = [
    ("30/06/2026", 3, False, False, False),  # OF: categories 3-4 from 01/07/2026
    ("01/07/2026", 3, True, False, False),
    ("01/07/2026", 4, True, False, False),
    ("30/09/2026", 3, True, False, False),  # both employer readings: not yet
    ("01/10/2026", 3, True, False, True),  # the other reading (from 01/10/2026) would make it mandatory
    ("31/12/2026", 4, True, False, True),
    ("01/01/2027", 3, True, True, False),  # the later statement's full scope
    ("01/10/2026", 1, True, True, False),  # categories 1-2: both readings agree
    ("01/10/2026", None, True, True, False),  # unknown category: mandatory by caution
]


@pytest.mark.parametrize(("r", "category", "of_mandatory", "internal_mandatory", "other_says"), SCOPE_IN_FORCE)
def test_the_employer_scope_takes_the_later_statement_and_names_the_other(
    r: str, category: int | None, of_mandatory: bool, internal_mandatory: bool, other_says: bool
) -> None:
    result = adf(r, category=category, rules=DEFAULT)
    assert (result.of_mandatory, result.internal_mandatory) == (of_mandatory, internal_mandatory)
    text = result.explanations["internal_mandatory"]
    assert ("autre lecture : obligatoire (catégories 1 et 2 seulement jusqu'au 30/09/2026" in text) is other_says
    if other_says:
        assert text.startswith(f"non obligatoire : catégorie {category} avant le 01/01/2027")


def test_overriding_a_parameter_drops_its_other_reading() -> None:
    changed = DEFAULT.with_overrides(employer_full_scope_from=d("01/10/2026"))
    assert "employer_full_scope_from" not in changed.other_readings
    result = adf("15/11/2026", category=3, rules=changed)
    assert result.internal_mandatory is True
    assert "autre lecture" not in result.explanations["internal_mandatory"]


# --- invariants (property-based) ----------------------------------------------------------------------

reference_dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2029, 12, 31))
categories = st.one_of(st.none(), st.integers(min_value=1, max_value=4))
rule_sets = st.sampled_from([DEFAULT, DECREE, DECREE.with_overrides(extension_until=date(2026, 3, 31))])


@settings(max_examples=600, deadline=None)
@given(rules=rule_sets, r=reference_dates, category=categories, kind=st.sampled_from(["ADF", "JDR"]))
def test_every_deadline_is_a_month_end_and_they_come_in_order(
    rules: RuleSet, r: date, category: int | None, kind: Kind
) -> None:
    result = compute_deadlines(rules, kind, training_end=r, validity_start=r, category=category)
    assert result.reference_date == r
    assert result.quarter_end >= r and is_month_end(result.quarter_end)
    for deadline in (result.of_deadline, result.verification_deadline, result.internal_deadline):
        assert is_month_end(deadline)
        assert deadline > result.quarter_end
    assert result.of_deadline <= result.verification_deadline
    assert result.deemed_verified_on == result.verification_deadline + timedelta(days=1)
    if result.carence_deadline is not None:
        assert result.carence_opens_on is not None
        assert is_month_end(result.carence_deadline)
        assert result.carence_deadline > result.of_deadline
        assert result.of_deadline < result.carence_opens_on <= result.carence_deadline
        assert result.carence_opens_on >= rules.carence_start


def _regime(rules: RuleSet, r: date) -> tuple[object, bool]:
    window = next((w for w in rules.fixed_windows if w.start <= r <= w.end), None)
    return window, r <= rules.extension_until


@settings(max_examples=600, deadline=None)
@given(rules=rule_sets, r1=reference_dates, offset=st.integers(min_value=0, max_value=91))
def test_moving_r_inside_a_quarter_changes_no_deadline_unless_it_crosses_a_window_or_the_extension_end(
    rules: RuleSet, r1: date, offset: int
) -> None:
    r2 = min(r1 + timedelta(days=offset), quarter_end(r1))
    first, second = adf(r1.strftime("%d/%m/%Y"), rules=rules), adf(r2.strftime("%d/%m/%Y"), rules=rules)
    if _regime(rules, r1) == _regime(rules, r2):
        assert first.of_deadline == second.of_deadline
        assert first.verification_deadline == second.verification_deadline
        assert first.internal_deadline == second.internal_deadline
        if first.of_mandatory and second.of_mandatory:
            assert (first.carence_opens_on, first.carence_deadline) == (
                second.carence_opens_on,
                second.carence_deadline,
            )


def test_crossing_the_september_window_inside_one_quarter_does_change_the_deadlines() -> None:
    # The exception of the invariant above is real: 31/08 and 01/09/2025 share Q3 but not the OF deadline.
    assert adf("31/08/2025").of_deadline != adf("01/09/2025").of_deadline


@settings(max_examples=400, deadline=None)
@given(r=reference_dates, category=categories)
def test_the_decree_is_never_later_than_the_law_in_force(r: date, category: int | None) -> None:
    decree = compute_deadlines(DECREE, "ADF", training_end=r, category=category)
    in_force = compute_deadlines(DEFAULT, "ADF", training_end=r, category=category)
    assert decree.of_deadline <= in_force.of_deadline
    assert decree.verification_deadline <= in_force.verification_deadline
    assert decree.internal_deadline <= in_force.internal_deadline
    # The later employer scope never makes a training mandatory that the decree leaves out.
    assert in_force.internal_mandatory <= decree.internal_mandatory


# --- rule-set files ------------------------------------------------------------------------------------

SHIPPED_TEXT = (RULES_DIR / "decret-2025-748.toml").read_text(encoding="utf-8")


def write_rule_set(tmp_path: Path, text: str, name: str = "decret-2025-748") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_rule_set_is_loaded_by_path_or_by_name_from_a_folder(tmp_path: Path) -> None:
    path = write_rule_set(tmp_path, SHIPPED_TEXT)
    assert load_rule_set(path) == DECREE
    assert load_rule_set("decret-2025-748", rules_dir=tmp_path) == DECREE
    assert available_rule_sets(tmp_path) == ("decret-2025-748",)


def test_an_unknown_rule_set_name_lists_the_available_ones(tmp_path: Path) -> None:
    write_rule_set(tmp_path, SHIPPED_TEXT)
    with pytest.raises(RuleSetError, match="Jeu de règles inconnu « decret-2099 » .*decret-2025-748"):
        load_rule_set("decret-2099", rules_dir=tmp_path)


EXT_VALUE = 'value = 3\nreference = "Décret n° 2025-748, art. 2-II"'
WINDOW_REFERENCE = 'reference = "Décret n° 2025-748, art. 2-II"\ntext = """« Les'

MALFORMED = [
    # (what to replace in the shipped file, by what, expected key named in the message)
    ("[of_months]\nvalue = 3\n", "[of_months]\n", "of_months.value"),
    ("[carence_start]", "[carence_start_typo]", "carence_start"),
    (EXT_VALUE, EXT_VALUE.replace("value = 3", 'value = "3"'), "extension_months.value"),
    ("[carence_months]\nvalue = 9", "[carence_months]\nvalue = -9", "carence_months.value"),
    ("[carence_months]\nvalue = 9", "[carence_months]\nvalue = true", "carence_months.value"),
    ("value = 2026-12-31", 'value = "2026-13-31"', "extension_until.value"),
    ("value = 2026-12-31", "value = 2026-12-31T10:00:00", "extension_until.value"),
    ("value = 2026-12-31", "value = 31", "extension_until.value"),
    ("to = 2025-09-30", "to = 2025-08-31", "fixed_windows[1].from"),
    (
        "verification_deadline = 2026-09-30",
        "verification_deadline = 2026-05-31",
        "fixed_windows[1].of_deadline",
    ),
    ("to = 2025-09-30\n", "", "fixed_windows[1].to"),
    (WINDOW_REFERENCE, 'text = """« Les', "fixed_windows[1].source.reference"),
    ('certainty = "texte officiel"\nsummary', "summary", "certainty"),
    ('name = "decret-2025-748"', 'name = "autre-nom"', "name"),
    ('title = "Décret', 'title = 3\ntitle_old = "Décret', "title"),
    ("[employer_months]\nvalue = 6", "[employer_months]\nvalue = 2", "of_months"),
]


@pytest.mark.parametrize(("old", "new", "key"), MALFORMED)
def test_a_malformed_rule_set_file_is_refused_naming_the_file_and_the_key(
    tmp_path: Path, old: str, new: str, key: str
) -> None:
    assert old in SHIPPED_TEXT
    path = write_rule_set(tmp_path, SHIPPED_TEXT.replace(old, new, 1))
    with pytest.raises(RuleSetError) as error:
        load_rule_set(path)
    message = str(error.value)
    assert "decret-2025-748.toml" in message
    assert f"« {key} »" in message


def test_overlapping_fixed_windows_are_refused(tmp_path: Path) -> None:
    second = SHIPPED_TEXT[SHIPPED_TEXT.index("[[fixed_windows]]") :].replace("from = 2025-09-01", "from = 2025-09-30")
    path = write_rule_set(tmp_path, SHIPPED_TEXT + "\n" + second)
    with pytest.raises(RuleSetError, match="decret-2025-748.toml.*se chevauchent"):
        load_rule_set(path)


def test_an_impossible_toml_date_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = write_rule_set(tmp_path, SHIPPED_TEXT.replace("value = 2026-12-31", "value = 2026-02-30"))
    with pytest.raises(
        RuleSetError, match="« decret-2025-748.toml » : TOML invalide à la clé « extension_until.value »"
    ):
        load_rule_set(path)


def test_a_rule_set_without_fixed_windows_is_valid(tmp_path: Path) -> None:
    # Without the window, R = 15/09/2025 is computed: QE 30/09/2025 + 3 + 3 = 31/03/2026.
    text = SHIPPED_TEXT[: SHIPPED_TEXT.index("[[fixed_windows]]")]
    rules = load_rule_set(write_rule_set(tmp_path, text))
    assert rules.fixed_windows == ()
    assert adf("15/09/2025", rules=rules).of_deadline == d("31/03/2026")


DEFAULT_TEXT = (RULES_DIR / "decret-2026-496.toml").read_text(encoding="utf-8")

OTHER_SCOPE_READING = (
    "other_reading = \"catégories 1 et 2 seulement jusqu'au 30/09/2026 selon l'autre déclaration du portail\""
)
MALFORMED_IN_FORCE = [
    # (what to replace in the default file, by what, expected key named in the message)
    ("internal_deadline = 2027-03-31\n", "", "internal_windows[1].internal_deadline"),
    ("internal_deadline = 2027-03-31", "internal_deadlin = 2027-03-31", "internal_windows[1].internal_deadlin"),
    ("internal_deadline = 2027-03-31", "internal_deadline = 2026-03-31", "internal_windows[1].internal_deadline"),
    ("internal_deadline = 2027-03-31", 'internal_deadline = "avril"', "internal_windows[1].internal_deadline"),
    ("from = 2026-01-01", "from = 2026-04-01", "internal_windows[1].from"),
    ('other_reading = "fin du trimestre', 'autre = "fin du trimestre', "internal_windows[1].autre"),
    ("[internal_windows.source]\nreference", "[internal_windows.source]\nref", "internal_windows[1].source.reference"),
    ("[[internal_windows]]", "[[internal_window]]", "internal_window"),
    ("other_value = 2026-10-01\n", "", "employer_full_scope_from.other_value"),
    ("other_value = 2026-10-01", 'other_value = "bientôt"', "employer_full_scope_from.other_value"),
    ("other_value = 2026-10-01", "other_value = 2027-01-01", "employer_full_scope_from.other_value"),
    (OTHER_SCOPE_READING, 'other_reading = "  "', "employer_full_scope_from.other_reading"),
    ("other_value = 2026-10-01", "autre_value = 2026-10-01", "employer_full_scope_from.autre_value"),
]


@pytest.mark.parametrize(("old", "new", "key"), MALFORMED_IN_FORCE)
def test_a_malformed_window_or_other_reading_is_refused_naming_the_file_and_the_key(
    tmp_path: Path, old: str, new: str, key: str
) -> None:
    assert old in DEFAULT_TEXT
    path = write_rule_set(tmp_path, DEFAULT_TEXT.replace(old, new, 1), name="decret-2026-496")
    with pytest.raises(RuleSetError) as error:
        load_rule_set(path)
    message = str(error.value)
    assert "decret-2026-496.toml" in message
    assert f"« {key} »" in message


def test_overlapping_internal_windows_are_refused(tmp_path: Path) -> None:
    second = DEFAULT_TEXT[DEFAULT_TEXT.index("[[internal_windows]]") :]
    second = second.replace("from = 2026-01-01", "from = 2026-03-31")
    path = write_rule_set(tmp_path, DEFAULT_TEXT + "\n" + second, name="decret-2026-496")
    with pytest.raises(RuleSetError, match="decret-2026-496.toml.*« internal_windows ».*se chevauchent"):
        load_rule_set(path)


def test_the_default_file_loads_from_a_folder_as_shipped(tmp_path: Path) -> None:
    assert load_rule_set(write_rule_set(tmp_path, DEFAULT_TEXT, name="decret-2026-496")) == DEFAULT
