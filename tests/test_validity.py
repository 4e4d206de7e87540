"""Recommended validity durations (rules.md §6): the table, the matching of titles, the proposed end date."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from lib.validity import (
    VALIDITY_DURATIONS_FILE,
    ValidityTableError,
    load_validity_durations,
    normalize_title,
    proposed_validity_end,
    recommended_duration,
)


def d(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date()


# The §6 values: SST and MAC SST 24 months, PRAP 24, habilitation électrique 3 years, CACES 5 years
# (R482 10 years), AIPR 5 years, amiante 3 years, SSIAP 3 years, FCO 5 years, AFGSU 4 years; travail en
# hauteur, gestes et postures, incendie: no fixed validity.
TABLE_OF_RULES_MD = {
    "sst": 24,
    "mac_sst": 24,
    "prap": 24,
    "habilitation_electrique": 36,
    "caces": 60,
    "caces_r482": 120,
    "aipr": 60,
    "amiante": 36,
    "ssiap": 36,
    "fco": 60,
    "afgsu": 48,
    "travail_en_hauteur": None,
    "gestes_et_postures": None,
    "incendie": None,
}


def test_the_shipped_table_holds_the_values_of_rules_md_as_recommendations() -> None:
    table = load_validity_durations()
    assert {entry.key: entry.months for entry in table} == TABLE_OF_RULES_MD
    assert all(entry.source == "recommandation" for entry in table)
    assert all(entry.label and entry.note and entry.keywords for entry in table)


@pytest.mark.parametrize(
    ("title", "key", "months"),
    [
        ("Sauveteur Secouriste du Travail - initial", "sst", 24),
        ("SST", "sst", 24),
        ("MAC SST", "mac_sst", 24),  # the more specific entry comes first
        ("Maintien et actualisation des compétences SST", "mac_sst", 24),
        ("PRAP IBC gestes et postures", "prap", 24),  # PRAP before « gestes et postures »
        ("Habilitation électrique B1V-BR", "habilitation_electrique", 36),
        ("CACES® R.489 catégorie 3", "caces", 60),
        ("caces r482 cat A", "caces_r482", 120),  # R482 before generic CACES
        ("CACES R 482 engins de chantier", "caces_r482", 120),  # « R 482 » written with a space
        ("AIPR opérateur", "aipr", 60),
        ("Amiante SS4 recyclage", "amiante", 36),
        ("SSIAP 1 - sécurité incendie", "ssiap", 36),  # SSIAP before « incendie »
        ("FCO marchandises", "fco", 60),
        ("AFGSU niveau 2", "afgsu", 48),
        ("Travail en hauteur et port du harnais", "travail_en_hauteur", None),
        ("Gestes et postures", "gestes_et_postures", None),
        ("Manipulation des extincteurs", "incendie", None),
        ("caces_r482", "caces_r482", 120),  # a type key is accepted too
    ],
)
def test_recommended_duration_matches_whole_words_of_the_title(title: str, key: str, months: int | None) -> None:
    found = recommended_duration(title)
    assert found is not None
    assert (found.key, found.months) == (key, months)


@pytest.mark.parametrize("title", ["Excel avancé", "Management d'équipe", "", "   "])
def test_an_unknown_training_has_no_recommendation(title: str) -> None:
    assert recommended_duration(title) is None


def test_a_keyword_inside_another_word_does_not_match() -> None:
    # « fco » inside « sfcoo » and « sst » inside « assistance » are not whole words.
    assert recommended_duration("Assistance SFCOO") is None


def test_titles_are_normalized_without_accents_punctuation_or_case() -> None:
    assert normalize_title("  Habilitation ÉLECTRIQUE (B1V) ") == "habilitation electrique b1v"
    assert normalize_title("CACES® R.489") == "caces r489"
    assert normalize_title("CACES R 489") == "caces r489"


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("15/03/2026", 24, "14/03/2028"),  # the day before the same date two years later
        ("01/03/2026", 24, "29/02/2028"),  # 01/03/2028 − 1 day, 2028 is a leap year
        ("01/03/2025", 24, "28/02/2027"),  # 01/03/2027 − 1 day
        ("01/01/2026", 36, "31/12/2028"),
        ("31/08/2025", 6, "28/02/2026"),  # no 31/02/2026: valid to the end of February
        ("31/08/2027", 6, "29/02/2028"),  # no 31/02/2028: end of February, leap year
        ("29/02/2028", 12, "28/02/2029"),  # no 29/02/2029: end of February
        ("30/01/2026", 1, "28/02/2026"),  # no 30/02: end of February
        ("31/01/2026", 2, "30/03/2026"),  # 31/03/2026 exists: the day before
        ("31/05/2026", 1, "30/06/2026"),  # no 31/06: end of June
    ],
)
def test_the_proposed_validity_end_is_start_plus_n_months_minus_one_day(start: str, months: int, expected: str) -> None:
    assert proposed_validity_end(d(start), months) == d(expected)


def test_a_non_positive_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="Durée de validité invalide"):
        proposed_validity_end(d("01/01/2026"), 0)


SHIPPED = VALIDITY_DURATIONS_FILE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message_part"),
    [
        ("months = 24", 'months = "24"', "« months »"),
        ("months = 24", "months = 0", "« months »"),
        ('key = "prap"', 'key = "sst"', "la clé « sst » apparaît deux fois"),
        ('keywords = ["prap"]', "keywords = []", "« keywords »"),
        ('label = "Gestes et postures"', 'label = ""', "« label »"),
        ("[[durations]]", "[[autres]]", "« durations » est absente"),
    ],
)
def test_a_malformed_durations_file_is_refused_in_french(tmp_path: Path, old: str, new: str, message_part: str) -> None:
    assert old in SHIPPED
    path = tmp_path / "validity_durations.toml"
    count = -1 if old == "[[durations]]" else 1  # every entry renamed, or just the first occurrence
    path.write_text(SHIPPED.replace(old, new, count), "utf-8")
    with pytest.raises(ValidityTableError) as error:
        load_validity_durations(path)
    assert "validity_durations.toml" in str(error.value)
    assert message_part in str(error.value)


def test_a_custom_table_can_be_passed_to_the_matcher(tmp_path: Path) -> None:
    path = tmp_path / "durees.toml"
    path.write_text(
        '[[durations]]\nkey = "nacelle"\nlabel = "Nacelle"\nmonths = 12\nnote = "Essai"\n'
        'source = "recommandation"\nkeywords = ["nacelle"]\n',
        "utf-8",
    )
    table = load_validity_durations(path)
    found = recommended_duration("Conduite de nacelle", table)
    assert found is not None and found.months == 12
    assert recommended_duration("SST", table) is None
