"""Hostile input on every path into the store: each is refused with a French message and stores nothing."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from lib import settings
from lib.rules import DEFAULT_RULE_SET, RuleSetError, load_rule_set
from lib.store import ImportResult, Store, StoreError
from tests.store_content import rows_of

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "referentials"
SAMPLE_ADF = (SHARED / "sample_adf_synthetic.csv").read_bytes()
TODAY = date(2026, 11, 23)
TABLES = (
    "imports", "organismes", "of_lines", "of_line_changes", "employees", "training_records", "competences",
    "establishments", "settings", "header_mappings", "actions", "exports", "export_lines", "partner_id_ledger",
)  # fmt: skip
FRENCH = ("refusé", "rien n'a été enregistré", "invalide")

PORTAL_FAULTS = sorted(
    p.name for p in (FIXTURES / "portal").iterdir() if p.suffix in {".csv", ".txt"} and "valide" not in p.stem
)
HR_FAULTS = [
    ("binary.csv", "internal"),
    ("empty.csv", "internal"),
    ("internal_bad_values.csv", "internal"),
    ("internal_duplicates.csv", "internal"),
    ("internal_header_only.csv", "internal"),
    ("internal_missing_end.csv", "internal"),
    ("old_format.xls", "internal"),
    ("roster_duplicates.csv", "roster"),
    ("binary.csv", "roster"),
]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
HOSTILE: list[tuple[str, str, bytes, str]] = [
    ("of", "image.csv", PNG, "UTF-8"),
    ("of", "formule.csv", SAMPLE_ADF.replace(b"|MARTIN|", b"|=cmd|' /C calc'!A0|"), "21 champs"),
    ("of", "sql.csv", SAMPLE_ADF.replace(b"|MARTIN|", b"|'; DROP TABLE of_lines; -- et plus encore|"), "30"),
    ("of", "controle.csv", SAMPLE_ADF.replace(b"|MARTIN|", b"|MAR\x07TIN|"), "contrôle"),
    ("of", "nul.csv", SAMPLE_ADF.replace(b"|MARTIN|", b"|MAR\x00TIN|"), "binaire"),
    ("of", "enorme_champ.csv", SAMPLE_ADF.replace(b"|MARTIN|", b"|" + b"A" * 100_000 + b"|"), "30"),
    ("of", "latin1.csv", SAMPLE_ADF.replace(b"|MARTIN|", b"|MART\xc9N|"), "UTF-8"),
    ("of", "utf16.csv", SAMPLE_ADF.decode().encode("utf-16"), "UTF-8"),
    ("of", "trop_gros.csv", SAMPLE_ADF + b"x" * 200_000_001, "200"),
    ("internal", "image.xlsx", PNG, ""),
    ("internal", "trop_gros.csv", b"Matricule;Nom\n" + b"x" * 200_000_001, "200"),
    (
        "internal",
        "dates_texte.csv",
        b"Matricule;Nom de naissance;Formation;Date de fin\nM1;A;SST;demain\n",
        "demain",
    ),
    (
        "internal",
        "nir_faux.csv",
        b"Matricule;NIR;Nom de naissance;Formation;Date de fin\nM1;215019761180700;A;SST;16/06/2026\n",
        "NIR",
    ),  # fmt: skip
    (
        "internal",
        "controle.csv",
        b"Matricule;Nom de naissance;Formation;Date de fin\nM1;A\x1bB;SST;16/06/2026\n",
        "",
    ),
    (
        "roster",
        "siret_faux.csv",
        "Matricule;Nom de naissance;SIRET de l'établissement\nM1;A;12345678901234\n".encode(),
        "SIRET",
    ),
    (
        "roster",
        "sortie_avant_entree.csv",
        "Matricule;Nom de naissance;Date d'entrée;Date de sortie\nM1;A;01/01/2026;01/01/2025\n".encode(),
        "",
    ),  # fmt: skip
    ("competences", "image.csv", PNG, ""),
    ("competences", "mauvais_entete.csv", b"code;libelle\n1;x\n", "code_ogr"),
    ("competences", "codes_courts.csv", b"code_ogr,type,categorie,sous_categorie,libelle\n12,a,b,c,d\n", "6 chiffres"),
    ("competences", "vide.csv", b"", "vide"),
]


def content_of(path: Path) -> dict[str, list[tuple[object, ...]]]:
    return rows_of(path, TABLES)


@pytest.fixture(scope="module")
def referential_store(demo_store_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store with the competence referential loaded, so competence codes are checked too."""
    path = tmp_path_factory.mktemp("bad") / "demo.duckdb"
    shutil.copy(demo_store_file, path)
    rome = SHARED / "rome4_v460_competences_savoirs.csv"
    assert Store(path).import_competences(rome.read_bytes(), rome.name).ok
    return path


@pytest.fixture
def store(referential_store: Path, tmp_path: Path) -> Store:
    copy = tmp_path / "store.duckdb"
    shutil.copy(referential_store, copy)
    return Store(copy)


def importer(store: Store, kind: str) -> Callable[[bytes, str], ImportResult]:
    if kind == "of":
        return lambda data, name: store.import_of_file(data, name, organisme="Hostile", today=TODAY)
    if kind == "competences":
        return lambda data, name: store.import_competences(data, name)
    return lambda data, name: store.import_records(data, name, kind)  # type: ignore[arg-type]


def assert_refused_and_unchanged(store: Store, run: Callable[[], ImportResult], fragment: str) -> None:
    before = content_of(store.path)
    result = run()
    assert result.status == "refused", result.message
    text = " ".join([result.message] + [p.message for p in result.problems])
    assert any(word in result.message for word in FRENCH), result.message
    assert fragment in text, text[:500]
    assert "Traceback" not in text
    assert content_of(store.path) == before


def test_the_corpus_has_at_least_sixty_hostile_cases() -> None:
    assert len(PORTAL_FAULTS) + len(HR_FAULTS) + len(HOSTILE) >= 60


@pytest.mark.parametrize("name", PORTAL_FAULTS)
def test_a_malformed_portal_file_is_refused_and_stores_nothing(store: Store, name: str) -> None:
    data = (FIXTURES / "portal" / name).read_bytes()
    assert_refused_and_unchanged(store, lambda: importer(store, "of")(data, name), "")


@pytest.mark.parametrize(("name", "kind"), HR_FAULTS)
def test_a_malformed_hr_file_is_refused_and_stores_nothing(store: Store, name: str, kind: str) -> None:
    data = (FIXTURES / "records" / name).read_bytes()
    assert_refused_and_unchanged(store, lambda: importer(store, kind)(data, name), "")


@pytest.mark.parametrize(("kind", "name", "data", "fragment"), HOSTILE, ids=[f"{k}-{n}" for k, n, _, _ in HOSTILE])
def test_hostile_input_is_refused_with_a_clear_message(
    store: Store, kind: str, name: str, data: bytes, fragment: str
) -> None:
    assert_refused_and_unchanged(store, lambda: importer(store, kind)(data, name), fragment)


def test_sql_like_text_in_an_accepted_portal_file_is_stored_as_text(store: Store) -> None:
    hostile = "'; DROP TABLE of_lines; --"
    result = store.import_of_file(SAMPLE_ADF.replace(b"|MARTIN|", f"|{hostile}|".encode()), "x.csv", organisme="OF",
                                  today=TODAY)  # fmt: skip
    assert result.ok
    names = store.sql("SELECT nom_titulaire FROM of_lines WHERE organisme = 'OF'")["nom_titulaire"].tolist()
    assert hostile in names


def test_sql_like_text_in_an_accepted_hr_file_is_stored_as_text(store: Store) -> None:
    hostile = "Robert'); DROP TABLE employees; --"
    roster = f'Matricule;Nom de naissance;Prénom\nX1;O\'BRIEN;"{hostile}"\n'.encode()
    assert store.import_records(roster, "salaries.csv", "roster").ok
    assert store.sql("SELECT first_name FROM employees WHERE matricule = 'X1'")["first_name"].iloc[0] == hostile
    assert store.counts()["employees"] > 1


@pytest.mark.parametrize(
    ("establishments", "fragment"),
    [
        ([("12345678901234", "Siège", "Paris")], "SIRET"),
        ([("=1+1", "Siège", "Paris")], "SIRET"),
        ([("", "Siège", "Paris")], "SIRET"),
    ],
)
def test_an_invalid_establishment_siret_is_refused_and_the_old_ones_kept(
    store: Store, establishments: list[tuple[str, str, str]], fragment: str
) -> None:
    before = content_of(store.path)
    with pytest.raises(StoreError, match=fragment):
        store.set_establishments(establishments)
    assert content_of(store.path) == before


@pytest.mark.parametrize("value", ["31/12/2026", "2026-02-30", "demain", "'; DROP TABLE settings; --"])
def test_an_unreadable_date_setting_gives_a_french_error_not_a_crash(store: Store, value: str) -> None:
    store.set_setting("override.extension_until", value)
    with pytest.raises(RuleSetError, match="illisible"):
        settings.active_rules(store)
    store.set_setting("override.extension_until", "")
    assert settings.active_rules(store) == load_rule_set(DEFAULT_RULE_SET)


def test_an_invalid_organisme_siret_is_refused(store: Store) -> None:
    assert_refused_and_unchanged(
        store,
        lambda: store.import_of_file(SAMPLE_ADF, "of.csv", organisme="X", organisme_siret="=HYPERLINK()", today=TODAY),
        "SIRET",
    )
