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

DEFAULT = load_rule_set(DEFAULT_RULE_SET)
PORTAIL = load_rule_set("portail-2026-06")
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


def adf(end: str, category: int | None = None, rules: RuleSet = DEFAULT) -> Deadlines:
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
        DEFAULT,
        kind,
        training_end=None if training_end is None else d(training_end),
        validity_start=None if validity_start is None else d(validity_start),
    )
    assert deadlines.to_json_dict() == expected
    assert deadlines.category_unknown is True


def test_only_example_1_falls_in_the_september_window() -> None:
    assert adf("15/09/2025").fixed_window is DEFAULT.fixed_windows[0]
    assert adf("31/08/2025").fixed_window is None
    assert compute_deadlines(DEFAULT, "JDR", validity_start=d("01/10/2025")).fixed_window is None


def test_deadlines_json_prints_exactly_the_keys_of_the_command() -> None:
    result = deadlines_json(DEFAULT, "ADF", d("05/02/2026"), None, 2)
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
    result = compute_deadlines(DEFAULT, "JDR", training_end=d("28/08/2025"), validity_start=d("02/09/2025"))
    assert (result.reference_date, result.of_deadline) == (d("02/09/2025"), d("30/06/2026"))


def test_a_jdr_whose_validity_starts_in_the_next_quarter_uses_that_quarter() -> None:
    # Training ended 15/12/2025 (Q4) but validity starts 05/01/2026: QE 31/03/2026, ext 3 →
    # OF EOM(+6) = 30/09/2026, verification EOM(+9) = 31/12/2026 (an ADF of 15/12/2025 would give 30/06/2026).
    result = compute_deadlines(DEFAULT, "JDR", training_end=d("15/12/2025"), validity_start=d("05/01/2026"))
    assert result.quarter_end == d("31/03/2026")
    assert result.of_deadline == d("30/09/2026")
    assert result.verification_deadline == d("31/12/2026")
    assert adf("15/12/2025").of_deadline == d("30/06/2026")


def test_an_adf_ignores_the_validity_start() -> None:
    result = compute_deadlines(DEFAULT, "ADF", training_end=d("05/02/2026"), validity_start=d("01/10/2025"))
    assert result.reference_date == d("05/02/2026")


# --- extension_until edges ---------------------------------------------------------------------------

EARLY_END = DEFAULT.with_overrides(extension_until=d("30/06/2026"))

# (rule set, R, of, verification, internal, extension_applied)
EXTENSION_EDGES = [
    # R = 31/12/2026 ≤ extension_until: QE 31/12/2026, ext 3 → OF EOM(+6) = 30/06/2027,
    # verification EOM(+9) = 30/09/2027.
    (DEFAULT, "31/12/2026", "30/06/2027", "30/09/2027", "30/09/2027", True),
    # R = 01/01/2027 > extension_until: QE 31/03/2027, ext 0 → OF EOM(+3) = 30/06/2027,
    # verification EOM(+6) = 30/09/2027 (same dates as the day before, reached the other way).
    (DEFAULT, "01/01/2027", "30/06/2027", "30/09/2027", "30/09/2027", False),
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
    changed = DEFAULT.with_overrides(extension_until=d("31/03/2026"))
    assert changed.extension_until == d("31/03/2026")
    assert DEFAULT.extension_until == d("31/12/2026")
    assert changed.sources["extension_until"].certainty == "réglage de l'utilisateur"
    assert "31/03/2026" in changed.sources["extension_until"].text
    assert "31/12/2026" in changed.sources["extension_until"].text
    assert DEFAULT.sources["extension_until"].certainty != "réglage de l'utilisateur"


def test_scope_dates_can_be_overridden() -> None:
    # Moving of_full_scope_from back to 01/01/2026 makes a category-3 training of 05/02/2026 mandatory.
    assert adf("05/02/2026", category=3).of_mandatory is False
    changed = DEFAULT.with_overrides(of_full_scope_from=d("01/01/2026"))
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
        DEFAULT.with_overrides(**changes)
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


# --- the second rule set (portal announcement of June 2026) -----------------------------------------


def test_the_portal_announcement_window_covers_september_to_december_2025() -> None:
    # R = 31/12/2025 is in the window 01/09/2025-31/12/2025 → OF 30/09/2026, verification 31/12/2026.
    # Internal has no window: QE 31/12/2025 + 6 + 3 = 30/09/2026. Carence opens max(01/10/2026, 09/07/2026)
    # = 01/10/2026, deadline EOM(30/09/2026 + 9) = 30/06/2027.
    result = adf("31/12/2025", rules=PORTAIL)
    assert result.to_json_dict() == {
        "reference_date": "2025-12-31",
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
        "rule_set": "portail-2026-06",
    }
    assert result.fixed_window is not None
    assert result.fixed_window.source.certainty == "annonce du portail, texte non vérifié"
    assert "texte non vérifié" in result.explanations["of_deadline"]


@pytest.mark.parametrize(
    ("r", "of", "verification"),
    [
        ("15/09/2025", "30/09/2026", "31/12/2026"),  # September: later than the decree's 30/06 / 30/09/2026
        ("01/09/2025", "30/09/2026", "31/12/2026"),  # first day of the window
        ("31/08/2025", "31/03/2026", "30/06/2026"),  # before: computed as in the decree (QE 30/09 + 6 / + 9)
        ("01/01/2026", "30/09/2026", "31/12/2026"),  # after: QE 31/03/2026 + 3 + 3 / + 6 + 3
    ],
)
def test_the_portal_announcement_rule_set_edges(r: str, of: str, verification: str) -> None:
    result = adf(r, rules=PORTAIL)
    assert (result.of_deadline, result.verification_deadline) == (d(of), d(verification))


def test_the_portal_announcement_carries_its_uncertainty_in_its_header() -> None:
    assert PORTAIL.certainty == "annonce du portail, texte non vérifié"
    assert DEFAULT.certainty == "texte officiel"
    assert "2026-496" in PORTAIL.title


def test_both_rule_sets_are_available_and_the_default_is_the_decree() -> None:
    assert available_rule_sets() == ("decret-2025-748", "portail-2026-06")
    assert DEFAULT.name == "decret-2025-748"


def test_every_parameter_of_a_shipped_rule_set_has_a_source() -> None:
    for rules in (DEFAULT, PORTAIL):
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


def test_the_default_parameters_are_those_of_rules_md() -> None:
    assert (DEFAULT.of_months, DEFAULT.employer_months, DEFAULT.extension_months, DEFAULT.carence_months) == (
        3,
        6,
        3,
        9,
    )
    assert DEFAULT.extension_until == d("31/12/2026")
    assert DEFAULT.carence_start == d("09/07/2026")
    assert DEFAULT.of_obligation_start == d("01/09/2025")
    assert DEFAULT.employer_obligation_start == d("16/03/2026")
    assert DEFAULT.of_full_scope_from == d("01/07/2026")
    assert DEFAULT.employer_full_scope_from == d("01/10/2026")
    window = DEFAULT.fixed_windows[0]
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


# --- invariants (property-based) ----------------------------------------------------------------------

reference_dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2029, 12, 31))
categories = st.one_of(st.none(), st.integers(min_value=1, max_value=4))
rule_sets = st.sampled_from([DEFAULT, PORTAIL, DEFAULT.with_overrides(extension_until=date(2026, 3, 31))])


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
def test_the_decree_is_never_later_than_the_portal_announcement(r: date, category: int | None) -> None:
    decree = compute_deadlines(DEFAULT, "ADF", training_end=r, category=category)
    announced = compute_deadlines(PORTAIL, "ADF", training_end=r, category=category)
    assert decree.of_deadline <= announced.of_deadline
    assert decree.verification_deadline <= announced.verification_deadline


# --- rule-set files ------------------------------------------------------------------------------------

SHIPPED_TEXT = (RULES_DIR / "decret-2025-748.toml").read_text(encoding="utf-8")


def write_rule_set(tmp_path: Path, text: str, name: str = "decret-2025-748") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_rule_set_is_loaded_by_path_or_by_name_from_a_folder(tmp_path: Path) -> None:
    path = write_rule_set(tmp_path, SHIPPED_TEXT)
    assert load_rule_set(path) == DEFAULT
    assert load_rule_set("decret-2025-748", rules_dir=tmp_path) == DEFAULT
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
