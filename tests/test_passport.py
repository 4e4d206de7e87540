"""« D'où viennent ces échéances ? » and the days left, as Salarié and Échéances say them (lib/passport.py)."""

from __future__ import annotations

from datetime import date

import pytest

from lib import passport
from lib.passport import TrainingFacts, days_left_text, deadline_story
from lib.rules import Deadlines, compute_deadlines, load_rule_set

TODAY = date(2026, 11, 23)
RULES = load_rule_set("decret-2026-496")


@pytest.mark.parametrize(
    ("days", "text"),
    [(-228, "expirée depuis 228 j"), (-1, "expirée depuis 1 j"), (0, "dernier jour aujourd'hui"), (12, "dans 12 j")],
)
def test_days_left_say_expired_since_never_a_negative_number(days: int, text: str) -> None:
    assert days_left_text(days) == text
    assert "-" not in days_left_text(days)


def test_no_end_date_says_nothing_rather_than_none() -> None:
    assert days_left_text(None) == ""


def deadlines(end: date, category: int | None, kind: str = "ADF") -> Deadlines:
    return compute_deadlines(RULES, kind, training_end=end, validity_start=end, category=category)  # type: ignore[arg-type]


def facts(**changes: object) -> TrainingFacts:
    values: dict[str, object] = {
        "title": "SST",
        "end_date": date(2026, 9, 15),
        "is_internal": False,
        "is_latest": True,
        "validity_end": date(2028, 9, 15),
        "validity_source": "SIRH",
        "declaration_status": "awaiting_of",
        "declaration_label": "en attente de l'OF",
        "declaration_due_on": date(2027, 3, 31),
    }
    values.update(changes)
    return TrainingFacts(**values)  # type: ignore[arg-type]


def test_the_explanation_starts_with_what_to_do_and_by_when() -> None:
    computed = deadlines(date(2026, 9, 15), 1)
    story = deadline_story(facts(), computed, computed.explanations, TODAY)
    lines = story.splitlines()
    assert lines[0] == "**À faire**"
    assert (
        lines[1]
        == "- Rien à faire pour l'instant : l'organisme de formation doit la déclarer au plus tard le 31/03/2027."
    )
    assert lines[2] == "- Refaire la formation avant la fin de sa validité, le 15/09/2028 (dans 662 j)."
    assert (
        "**Validité** : jusqu'au 15/09/2028, d'après la date de fin de validité de votre fichier de formations" in story
    )


def test_an_of_training_to_declare_explains_the_of_verification_and_carence_deadlines_only() -> None:
    computed = deadlines(date(2026, 9, 15), 1)
    story = deadline_story(facts(), computed, computed.explanations, TODAY)
    for label in ("Échéance de l'organisme", "Échéance de vérification", "Réputée vérifiée le", "Fin de la carence"):
        assert f"**{label}** — " in story
    assert "Échéance de déclaration interne" not in story
    assert "fin du trimestre 30/09/2026" in story


def test_a_training_whose_declaration_is_not_mandatory_shows_no_deadline() -> None:
    # Category 3 before 01/07/2026: the OF does not declare it yet.
    computed = deadlines(date(2025, 11, 15), 3)
    assert not computed.of_mandatory
    story = deadline_story(
        facts(declaration_status="not_mandatory", declaration_label="non obligatoire", declaration_due_on=None),
        computed,
        computed.explanations,
        TODAY,
    )
    assert "Échéance" not in story and "carence" not in story.lower()
    assert "aucune échéance ne s'applique" in story
    assert "- Rien à déclarer : la déclaration de cette formation n'est pas obligatoire." in story


def test_an_internal_training_explains_its_declaration_deadline_only() -> None:
    computed = deadlines(date(2026, 9, 15), 1)
    story = deadline_story(
        facts(is_internal=True, declaration_status="to_declare", declaration_label="à déclarer"),
        computed,
        computed.explanations,
        TODAY,
    )
    assert "**Échéance de déclaration interne** — " in story
    assert "Échéance de l'organisme" not in story and "carence" not in story.lower()
    assert "- Déclarer la formation interne sur le portail au plus tard le 31/03/2027." in story


def test_an_expired_validity_says_since_when_and_a_replaced_session_has_nothing_to_renew() -> None:
    expired = facts(validity_end=date(2026, 4, 9), declaration_status="declared_by_of", declared_by="AFPA")
    assert passport.renewal_todo(expired, TODAY) == (
        "Refaire la formation : sa validité a pris fin le 09/04/2026 (expirée depuis 228 j)."
    )
    assert passport.declaration_todo(expired) == "Rien à déclarer : la formation est déjà déclarée (AFPA)."
    replaced = facts(is_latest=False)
    assert "rien à renouveler" in passport.renewal_todo(replaced, TODAY)


@pytest.mark.parametrize(
    ("source", "said"),
    [
        ("déclaration OF", "déclarée par l'organisme de formation"),
        ("recommandation", "pas une obligation légale"),
        (None, ""),
    ],
)
def test_the_validity_end_names_where_it_comes_from(source: str | None, said: str) -> None:
    assert said in passport.validity_origin(facts(validity_source=source))
    assert passport.validity_origin(facts(validity_end=None)).startswith("aucune")


CARENCE = "Déclarer la formation en carence"
INTERNAL = "Déclarer la formation interne"


@pytest.mark.parametrize(
    ("status", "due", "expected"),
    [
        ("carence_due", date(2027, 6, 30), f"{CARENCE} sur le portail au plus tard le 30/06/2027."),
        ("carence_overdue", date(2026, 6, 30), f"{CARENCE} au plus vite : l'échéance du 30/06/2026 est passée."),
        ("overdue", date(2026, 6, 30), f"{INTERNAL} au plus vite : l'échéance du 30/06/2026 est passée."),
        ("", None, ""),
    ],
)
def test_each_declaration_status_says_what_to_do(status: str, due: date | None, expected: str) -> None:
    assert passport.declaration_todo(facts(declaration_status=status, declaration_due_on=due)) == expected


@pytest.mark.parametrize(
    ("label", "is_latest", "expected"),
    [
        ("expirée", False, "expirée, renouvelée"),  # the SST a later MAC SST renews
        ("expirée", True, "expirée"),  # nothing renews it: still to renew
        ("valide", False, "valide"),  # an older session still valid is not « renouvelée »
        ("expire bientôt", False, "expire bientôt"),
        ("sans échéance", False, "sans échéance"),
        ("", False, ""),
    ],
)
def test_the_validity_state_of_a_session_says_when_a_later_one_renews_it(
    label: str, is_latest: bool, expected: str
) -> None:
    assert passport.validity_state_text(label, is_latest=is_latest) == expected
