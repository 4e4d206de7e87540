"""Statuses of rules.md §5 at a given day, with the days left."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from lib.rules import Deadlines, compute_deadlines, load_rule_set
from lib.statuses import (
    EXPECTED_LABELS,
    INTERNAL_LABELS,
    VALIDITY_LABELS,
    VERIFICATION_LABELS,
    Status,
    VerificationAction,
    expected_status,
    internal_status,
    validity_status,
    verification_status,
)

RULES = load_rule_set("decret-2025-748")  # the worked examples of rules.md §4 are the decree's


def d(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date()


def adf(end: str, category: int | None = None) -> Deadlines:
    return compute_deadlines(RULES, "ADF", training_end=d(end), category=category)


# Example 1 of rules.md §4: OF 30/06/2026, verification 30/09/2026, carence 09/07/2026 → 31/03/2027.
EXAMPLE_1 = adf("15/09/2025")
# Example 3: verification 31/12/2026; internal 31/12/2026 but R 05/02/2026 < 16/03/2026: not mandatory.
EXAMPLE_3 = adf("05/02/2026")
# Example 4: internal 30/06/2027, mandatory (R 20/08/2026 ≥ 16/03/2026, category unknown).
EXAMPLE_4 = adf("20/08/2026")
# Example 6: R 31/08/2025, OF declaration not mandatory.
EXAMPLE_6 = adf("31/08/2025")


def test_the_labels_are_exactly_the_words_of_rules_md() -> None:
    # rules.md §5 and issue 12: the correction path and the scope per declarant; {…} is a date jj/mm/aaaa.
    labels = (
        set(VERIFICATION_LABELS.values())
        | set(EXPECTED_LABELS.values())
        | set(INTERNAL_LABELS.values())
        | set(VALIDITY_LABELS.values())
    )
    assert labels == {
        "à vérifier",
        "vérifiée",
        "correction demandée",
        "réputée vérifiée",
        "déclarée par l'OF",
        "en attente de l'OF",
        "carence à déclarer",
        "carence en retard",
        "déclarée en carence",
        "non obligatoire",
        "à déclarer",
        "en retard",
        "déclarée",
        "valide",
        "expire bientôt",
        "expirée",
        "sans échéance",
        "correction non faite",
        "correction non faite — carence en retard",
        "corrigée par l'OF",
        "délai clos avant l'ouverture de l'espace employeur",
        "OF en retard — carence possible à partir du {opens_on}",
        "non obligatoire (catégorie 3–4 avant le {scope_from} pour l'employeur)",
    }


VERIFICATION_CASES: list[tuple[VerificationAction | None, str, Status]] = [
    # 30 days from 01/12/2026 to 31/12/2026.
    (None, "01/12/2026", Status("to_verify", "à vérifier", d("31/12/2026"), 30)),
    # The deadline is the last valid day: 0 days left on it.
    (None, "31/12/2026", Status("to_verify", "à vérifier", d("31/12/2026"), 0)),
    # From the next day, silence makes it « réputée vérifiée » (art. 7-I).
    (None, "01/01/2027", Status("deemed_verified", "réputée vérifiée", None, None)),
    ("accepted", "01/12/2026", Status("verified", "vérifiée", None, None)),
    ("accepted", "01/01/2027", Status("verified", "vérifiée", None, None)),
    # A correction asked: due at the carence deadline 30/06/2027 until the window opens (01/10/2026); the whole
    # correction path is in tests/test_corrections.py.
    ("correction_requested", "15/09/2026", Status("correction_requested", "correction demandée", d("30/06/2027"), 288)),
]


@pytest.mark.parametrize(("action", "today", "expected"), VERIFICATION_CASES)
def test_verification_status_of_an_of_declaration(
    action: VerificationAction | None, today: str, expected: Status
) -> None:
    assert verification_status(EXAMPLE_3, last_action=action, today=d(today)) == expected


EXPECTED_CASES: list[tuple[Deadlines, bool, bool, str, Status]] = [
    # Before the OF deadline 30/06/2026: 30 days from 31/05/2026.
    (EXAMPLE_1, False, False, "31/05/2026", Status("awaiting_of", "en attente de l'OF", d("30/06/2026"), 30)),
    (EXAMPLE_1, False, False, "30/06/2026", Status("awaiting_of", "en attente de l'OF", d("30/06/2026"), 0)),
    # OF late but the carence only opens on 09/07/2026: said so, counted to the opening (no negative days).
    (
        EXAMPLE_1,
        False,
        False,
        "08/07/2026",
        Status("of_late", "OF en retard — carence possible à partir du 09/07/2026", d("09/07/2026"), 1),
    ),
    # Carence open: 09/07/2026 → 31/03/2027 = 22 + 31 + 30 + 31 + 30 + 31 + 31 + 28 + 31 = 265 days.
    (
        EXAMPLE_1,
        False,
        False,
        "09/07/2026",
        Status("carence_due", "carence à déclarer", d("31/03/2027"), 265),
    ),
    (EXAMPLE_1, False, False, "31/03/2027", Status("carence_due", "carence à déclarer", d("31/03/2027"), 0)),
    (
        EXAMPLE_1,
        False,
        False,
        "01/04/2027",
        Status("carence_overdue", "carence en retard", d("31/03/2027"), -1),
    ),
    # Example 3: OF 30/09/2026, carence opens 01/10/2026 (the day after; later than 09/07/2026);
    # 01/10/2026 → 30/06/2027 = 30 + 30 + 31 + 31 + 28 + 31 + 30 + 31 + 30 = 272 days.
    (EXAMPLE_3, False, False, "30/09/2026", Status("awaiting_of", "en attente de l'OF", d("30/09/2026"), 0)),
    (
        EXAMPLE_3,
        False,
        False,
        "01/10/2026",
        Status("carence_due", "carence à déclarer", d("30/06/2027"), 272),
    ),
    # Declarations end the story, whatever the day.
    (EXAMPLE_1, True, False, "01/04/2027", Status("declared_by_of", "déclarée par l'OF", None, None)),
    (EXAMPLE_1, False, True, "01/04/2027", Status("declared_in_carence", "déclarée en carence", None, None)),
    (EXAMPLE_1, True, True, "01/04/2027", Status("declared_by_of", "déclarée par l'OF", None, None)),
    # Example 6: before 01/09/2025, the OF did not have to declare.
    (EXAMPLE_6, False, False, "01/04/2027", Status("not_mandatory", "non obligatoire", None, None)),
    (EXAMPLE_6, True, False, "01/04/2027", Status("declared_by_of", "déclarée par l'OF", None, None)),
]


@pytest.mark.parametrize(("deadlines", "by_of", "in_carence", "today", "expected"), EXPECTED_CASES)
def test_expected_status_of_a_training_bought_from_an_of(
    deadlines: Deadlines, by_of: bool, in_carence: bool, today: str, expected: Status
) -> None:
    result = expected_status(deadlines, declared_by_of=by_of, declared_in_carence=in_carence, today=d(today))
    assert result == expected


def test_a_category_3_training_before_the_of_full_scope_is_not_expected_from_the_of() -> None:
    # R 30/06/2026 < 01/07/2026 with category 3 → not mandatory, whatever the day.
    result = expected_status(
        adf("30/06/2026", category=3), declared_by_of=False, declared_in_carence=False, today=d("01/01/2028")
    )
    assert result.label == "non obligatoire"


INTERNAL_CASES: list[tuple[Deadlines, bool, str, Status]] = [
    # Example 4: internal deadline 30/06/2027; 30 days from 31/05/2027.
    (EXAMPLE_4, False, "31/05/2027", Status("to_declare", "à déclarer", d("30/06/2027"), 30)),
    (EXAMPLE_4, False, "30/06/2027", Status("to_declare", "à déclarer", d("30/06/2027"), 0)),
    (EXAMPLE_4, False, "01/07/2027", Status("overdue", "en retard", d("30/06/2027"), -1)),
    (EXAMPLE_4, True, "01/07/2027", Status("declared", "déclarée", None, None)),
    # Example 3: before the employer obligation (16/03/2026).
    (EXAMPLE_3, False, "01/07/2027", Status("not_mandatory", "non obligatoire", None, None)),
    # Category 3 with R 20/08/2026 < employer_full_scope_from 01/10/2026.
    (
        adf("20/08/2026", category=3),
        False,
        "01/07/2027",
        Status("not_mandatory", "non obligatoire", None, None),
    ),
]


@pytest.mark.parametrize(("deadlines", "declared", "today", "expected"), INTERNAL_CASES)
def test_internal_status_of_a_training_the_employer_delivered(
    deadlines: Deadlines, declared: bool, today: str, expected: Status
) -> None:
    assert internal_status(deadlines, declared=declared, today=d(today)) == expected


VALIDITY_CASES: list[tuple[str | None, str, int, Status]] = [
    (None, "01/01/2026", 90, Status("no_expiry", "sans échéance", None, None)),
    # 01/10/2026 → 31/12/2026 = 30 + 30 + 31 = 91 days: beyond a 90-day horizon.
    ("31/12/2026", "01/10/2026", 90, Status("valid", "valide", d("31/12/2026"), 91)),
    # 02/10/2026 → 31/12/2026 = 90 days: inside the horizon (bound included).
    ("31/12/2026", "02/10/2026", 90, Status("expiring_soon", "expire bientôt", d("31/12/2026"), 90)),
    # Valid through its end date.
    ("31/12/2026", "31/12/2026", 90, Status("expiring_soon", "expire bientôt", d("31/12/2026"), 0)),
    ("31/12/2026", "01/01/2027", 90, Status("expired", "expirée", d("31/12/2026"), -1)),
    # A 30-day horizon: 01/12/2026 → 31/12/2026 = 30 days (inside), 30/11/2026 = 31 days (outside).
    ("31/12/2026", "01/12/2026", 30, Status("expiring_soon", "expire bientôt", d("31/12/2026"), 30)),
    ("31/12/2026", "30/11/2026", 30, Status("valid", "valide", d("31/12/2026"), 31)),
]


@pytest.mark.parametrize(("end", "today", "horizon", "expected"), VALIDITY_CASES)
def test_validity_status_of_a_training(end: str | None, today: str, horizon: int, expected: Status) -> None:
    validity_end = None if end is None else d(end)
    assert validity_status(validity_end, today=d(today), horizon_days=horizon) == expected


def test_the_default_validity_horizon_is_90_days() -> None:
    assert validity_status(d("31/12/2026"), today=d("02/10/2026")).label == "expire bientôt"
    assert validity_status(d("31/12/2026"), today=d("01/10/2026")).label == "valide"
