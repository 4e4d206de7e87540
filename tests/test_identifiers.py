"""NIR and SIRET checks, normalisation and masking."""

from __future__ import annotations

import pytest

from lib.identifiers import is_valid_siret, mask_nir, nir_problem, normalize_nir

# Corsican examples with their keys as published with python-stdnum's NIR documentation (2A → 19, 2B → 18).
NIR_2A_15 = "253072A07300443"
NIR_2B_15 = "253072B07300470"


@pytest.mark.parametrize(
    "nir",
    [
        "1850575123456",
        "2920213055123",
        "7850599123456",  # provisional number
        "8850599123456",
        "253072A073004",
        "253072B073004",
        "185057512345673",  # 15 characters, key 97 − (1850575123456 mod 97) = 73
        NIR_2A_15,
        NIR_2B_15,
    ],
)
def test_an_acceptable_nir_has_no_problem(nir: str) -> None:
    assert nir_problem(nir) is None


@pytest.mark.parametrize(
    ("nir", "fragment"),
    [
        ("", "NIR absent"),
        ("185057512345", "longueur 12 au lieu de 13"),
        ("18505751234567", "longueur 14 au lieu de 13"),
        ("1850575123456734", "longueur 16 au lieu de 13"),
        ("185057512345674", "clé de contrôle incorrecte"),
        ("253072A07300470", "clé de contrôle incorrecte"),  # the 2B key on a 2A NIR
        ("253072B07300443", "clé de contrôle incorrecte"),  # the 2A key on a 2B NIR
        ("1850575123456AB", "clé de contrôle incorrecte"),
        ("3850575123456", "sexe"),
        ("185052C123456", "département « 2C » invalide"),
        ("18505751234X6", "caractères non numériques"),
        ("1 85 05 75 123 456", "espaces"),
    ],
)
def test_a_refused_nir_gets_a_french_reason(nir: str, fragment: str) -> None:
    problem = nir_problem(nir)
    assert problem is not None
    assert fragment in problem


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1850575123456", "1850575123456"),
        ("185057512345673", "1850575123456"),
        ("1 85 05 75 123 456 73", "1850575123456"),
        ("2 53 07 2A 073 004 43", "253072A073004"),
        (NIR_2B_15, "253072B073004"),
        ("185057512345674", None),
        ("18505751234", None),
        ("", None),
    ],
)
def test_normalize_nir_returns_the_13_characters_the_portal_expects(value: str, expected: str | None) -> None:
    assert normalize_nir(value) == expected


@pytest.mark.parametrize(
    ("siret", "expected"),
    [
        ("20005667900018", True),  # the official guide's example
        ("20005667900019", False),
        ("2000566790001", False),
        ("200056679000180", False),
        ("200 056 679 00018", False),
        ("2000566790001A", False),
        ("35600000000048", True),  # La Poste head office: Luhn
        ("35600000049837", True),  # a La Poste establishment: digit sum multiple of 5, not Luhn
        ("35600000049838", False),
        ("", False),
    ],
)
def test_is_valid_siret_follows_luhn_with_the_la_poste_exception(siret: str, expected: bool) -> None:
    assert is_valid_siret(siret) is expected


@pytest.mark.parametrize(
    ("nir", "expected"),
    [
        ("1850575123456", "1 85 05 ** *** ***"),
        ("185057512345673", "1 85 05 ** *** *** **"),
        ("253072A073004", "2 53 07 ** *** ***"),
        ("1 85 05 75 123 456", "1 85 05 ** *** ***"),
        ("1850", "1 85 0"),
        (None, ""),
        ("", ""),
    ],
)
def test_mask_nir_shows_only_sex_year_and_month(nir: str | None, expected: str) -> None:
    assert mask_nir(nir) == expected


def test_a_masked_nir_never_shows_the_department_commune_or_order() -> None:
    masked = mask_nir("253072A073004")
    assert "2A" not in masked and "073" not in masked and "004" not in masked
