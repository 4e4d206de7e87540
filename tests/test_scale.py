"""The large-data generator (lib/fakes/scale.py) and the naive pandas baseline (bench/pandas_baseline.py)."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from bench.pandas_baseline import validate_rows_with_pandas
from lib.fakes.scale import BOUGHT_TRAININGS, IN_HOUSE_TRAININGS, JDR_TRAINING, ScaleFiles, generate_scale
from lib.identifiers import is_valid_siret, nir_problem
from lib.portal import ADF_COLUMNS, MAX_FILE_BYTES, PortalFile, parse_portal_date, parse_portal_file
from lib.records import RecordsFile, read_records

SHARED = Path(__file__).resolve().parents[2] / "shared"
TODAY = date(2026, 11, 23)
EMPLOYEES = 300
OF_LINES = 3000


def _rome_competences() -> frozenset[str]:
    path = SHARED / "referentials" / "rome4_v460_competences_savoirs.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return frozenset(row["code_ogr"] for row in csv.DictReader(handle))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> ScaleFiles:
    return generate_scale(tmp_path_factory.mktemp("scale"), employees=EMPLOYEES, of_lines=OF_LINES, today=TODAY)


@pytest.fixture(scope="module")
def portal_files(generated: ScaleFiles) -> dict[Path, PortalFile]:
    competences = _rome_competences()
    return {
        path: parse_portal_file(path.read_bytes(), path.name, today=TODAY, competences=competences)
        for path, _, _ in generated.of_files
    }


@pytest.fixture(scope="module")
def roster(generated: ScaleFiles) -> RecordsFile:
    return read_records(generated.roster.read_bytes(), generated.roster.name, "roster")


@pytest.fixture(scope="module")
def internal(generated: ScaleFiles) -> RecordsFile:
    (path,) = generated.internal  # a small data set fits in one file
    return read_records(path.read_bytes(), path.name, "internal")


def _of_rows(portal_files: dict[Path, PortalFile]) -> list[dict[str, str]]:
    return [row for parsed in portal_files.values() for row in parsed.rows]


def _line_key(row: dict[str, str]) -> tuple[str, date | None]:
    return row["NIR"], parse_portal_date(row["DATE_FIN_FORMATION"])


def _record_keys(frame: pd.DataFrame) -> list[tuple[str, date | None]]:
    return list(zip(frame["nir"], frame["end_date"], strict=True))


# --- the files ---------------------------------------------------------------------------------------


def test_every_of_file_passes_the_portal_checks_with_the_rome_referential(
    portal_files: dict[Path, PortalFile],
) -> None:
    for path, parsed in portal_files.items():
        assert parsed.report.valid, (path.name, parsed.report.file_errors, parsed.report.line_errors[:3])
        assert parsed.report.warnings == (), path.name


def test_of_files_are_written_as_the_portal_expects_them(generated: ScaleFiles) -> None:
    for path, _, _ in generated.of_files:
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")
        assert data.count(b"\r\n") == data.count(b"\n")
        assert b'"' not in data
        assert len(data) <= MAX_FILE_BYTES
        assert path.parent == generated.roster.parent / "of"


def test_there_is_one_adf_file_per_organisme_and_one_jdr_file(generated: ScaleFiles) -> None:
    kinds = Counter(path.name.split("_")[1] for path, _, _ in generated.of_files)
    assert kinds["JDR"] == 1
    organismes = [siret for path, _, siret in generated.of_files if "_ADF_" in path.name]
    assert len(organismes) == len(set(organismes)) >= 20
    assert all(is_valid_siret(siret) for _, _, siret in generated.of_files)


def test_the_line_counts_are_the_ones_asked_for_and_reported(
    generated: ScaleFiles, portal_files: dict[Path, PortalFile]
) -> None:
    adf = sum(len(parsed.rows) for parsed in portal_files.values() if parsed.kind == "ADF")
    jdr = sum(len(parsed.rows) for parsed in portal_files.values() if parsed.kind == "JDR")
    assert adf == generated.adf_lines == OF_LINES
    assert jdr == generated.jdr_lines > 0
    files = [generated.roster, *generated.internal, *(path for path, _, _ in generated.of_files)]
    assert generated.bytes_written == sum(path.stat().st_size for path in files)


def test_the_hr_files_read_back_without_any_issue(roster: RecordsFile, internal: RecordsFile) -> None:
    for read in (roster, internal):
        assert read.ok, (read.file_errors, read.issues[:3])
        assert read.missing_fields == ()
        assert read.ignored_columns == ()
        assert read.encoding == "utf-8-sig"
        assert read.separator == ";"
    assert len(roster.frame) == EMPLOYEES


def test_the_roster_spreads_unique_valid_people_over_twenty_establishments_of_at_most_three_sirens(
    generated: ScaleFiles, roster: RecordsFile
) -> None:
    sirets = [siret for siret, _, _ in generated.establishments]
    assert len(set(sirets)) == 20
    assert all(is_valid_siret(siret) for siret in sirets)
    assert 1 <= len({siret[:9] for siret in sirets}) <= 3
    frame = roster.frame
    assert set(frame["establishment_siret"]) <= set(sirets)
    assert frame["nir"].is_unique
    assert frame["matricule"].is_unique
    assert all(len(nir) == 13 and nir_problem(nir) is None for nir in frame["nir"])


def test_hr_records_are_about_ten_per_employee_with_in_house_trainings(internal: RecordsFile) -> None:
    frame = internal.frame
    assert 10 * EMPLOYEES <= len(frame) <= 13 * EMPLOYEES
    in_house = frame[frame["is_internal"]]
    assert 0.05 < len(in_house) / len(frame) < 0.2
    assert in_house["organisme"].isna().all()
    assert set(in_house["training_title"]) == {t.title for t in IN_HOUSE_TRAININGS}
    bought = frame[~frame["is_internal"]]
    assert bought["organisme"].notna().all()
    assert set(bought["proof_kind"]) == {"ADF", "JDR"}
    assert (frame["end_date"] <= TODAY).all()
    assert (frame["end_date"] >= date(2025, 9, 1)).all()


# --- consistency between the HR records and the OF lines -------------------------------------------------


def test_most_of_lines_match_a_record_of_the_same_person_training_and_end_date(
    internal: RecordsFile, portal_files: dict[Path, PortalFile]
) -> None:
    frame = internal.frame
    records = set(zip(frame["nir"], frame["training_title"], frame["end_date"], strict=True))
    rows = _of_rows(portal_files)
    matched = [
        row
        for row in rows
        if (row["NIR"], row["NOM_FORMATION"], parse_portal_date(row["DATE_FIN_FORMATION"])) in records
    ]
    assert 0.93 < len(matched) / len(rows) < 0.99


def test_some_bought_records_have_no_of_line(internal: RecordsFile, portal_files: dict[Path, PortalFile]) -> None:
    lines = {_line_key(row) for row in _of_rows(portal_files)}
    bought = internal.frame[~internal.frame["is_internal"]]
    missing = [key for key in _record_keys(bought) if key not in lines]
    assert 0.03 < len(missing) / len(bought) < 0.12


def test_some_of_lines_are_for_people_or_trainings_the_employer_does_not_know(
    roster: RecordsFile, internal: RecordsFile, portal_files: dict[Path, PortalFile]
) -> None:
    employees = set(roster.frame["nir"])
    records = set(_record_keys(internal.frame))
    rows = _of_rows(portal_files)
    strangers = [row for row in rows if row["NIR"] not in employees]
    unrecorded = [row for row in rows if row["NIR"] in employees and _line_key(row) not in records]
    assert 0 < len(strangers) < 0.03 * len(rows)
    assert 0 < len(unrecorded) < 0.05 * len(rows)


def test_a_few_lines_carry_another_name_than_the_birth_name(
    internal: RecordsFile, portal_files: dict[Path, PortalFile]
) -> None:
    frame = internal.frame
    birth_names = dict(zip(_record_keys(frame), frame["birth_name"], strict=True))
    matched = [row for row in _of_rows(portal_files) if _line_key(row) in birth_names]
    other = [row for row in matched if row["NOM_TITULAIRE"] != birth_names[_line_key(row)]]
    assert 0 < len(other) < 0.05 * len(matched)


def test_partner_identifiers_are_unique_across_all_files_of_an_organisme(
    generated: ScaleFiles, portal_files: dict[Path, PortalFile]
) -> None:
    by_organisme: dict[str, list[str]] = {}
    for path, _, siret in generated.of_files:
        by_organisme.setdefault(siret, []).extend(row["ID_UNIQUE_PARTENAIRE"] for row in portal_files[path].rows)
    for identifiers in by_organisme.values():
        assert len(identifiers) == len(set(identifiers))


def test_declarations_group_several_holders_and_the_e_learning_ones_are_large(
    portal_files: dict[Path, PortalFile],
) -> None:
    sizes = Counter(row["ID_DECLARATION"] for row in _of_rows(portal_files))
    assert max(sizes.values()) <= 500
    assert sum(sizes.values()) / len(sizes) > 3
    e_learning = [row for row in _of_rows(portal_files) if row["MODALITE_DISPENSE"] == "A_DISTANCE"]
    assert max(Counter(row["ID_DECLARATION"] for row in e_learning).values()) >= 10


def test_the_catalogue_codes_exist_in_the_rome_referential() -> None:
    competences = _rome_competences()
    for training in (*BOUGHT_TRAININGS, JDR_TRAINING):
        codes = training.competences.split("/")
        assert len(codes) == 3
        assert set(codes) <= competences, training.code


# --- options ---------------------------------------------------------------------------------------------


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    first = generate_scale(tmp_path / "a", employees=120, of_lines=900, seed=7, today=TODAY)
    second = generate_scale(tmp_path / "b", employees=120, of_lines=900, seed=7, today=TODAY)
    pairs = [(first.roster, second.roster), *zip(first.internal, second.internal, strict=True)]
    pairs += [(a, b) for (a, _, _), (b, _, _) in zip(first.of_files, second.of_files, strict=True)]
    for a, b in pairs:
        assert a.name == b.name
        assert a.read_bytes() == b.read_bytes()
    other = generate_scale(tmp_path / "c", employees=120, of_lines=900, seed=8, today=TODAY)
    assert other.roster.read_bytes() != first.roster.read_bytes()


def test_of_lines_default_to_ten_per_employee(tmp_path: Path) -> None:
    assert generate_scale(tmp_path, employees=50, today=TODAY).adf_lines == 500


def test_an_organisme_file_over_the_size_limit_is_split_between_sessions(tmp_path: Path) -> None:
    limit = 30_000
    files = generate_scale(tmp_path, employees=200, of_lines=2000, today=TODAY, max_file_bytes=limit)
    parts = Counter(siret for _, _, siret in files.of_files)
    assert max(parts.values()) > 1
    declaration_file: dict[tuple[str, str], Path] = {}
    total = 0
    for path, _, siret in files.of_files:
        parsed = parse_portal_file(path.read_bytes(), path.name, today=TODAY)
        assert parsed.report.valid, (path.name, parsed.report.line_errors[:3])
        assert path.stat().st_size <= limit
        for row in parsed.rows:
            assert declaration_file.setdefault((siret, row["ID_DECLARATION"]), path) == path
        total += len(parsed.rows) if parsed.kind == "ADF" else 0
    assert total == 2000


def test_hr_records_over_the_size_limit_are_split_into_files_the_importer_accepts(tmp_path: Path) -> None:
    whole = generate_scale(tmp_path / "whole", employees=200, of_lines=2000, today=TODAY)
    limit = 60_000
    split = generate_scale(tmp_path / "split", employees=200, of_lines=2000, today=TODAY, max_file_bytes=limit)
    assert [p.name for p in split.internal[:3]] == ["formations.csv", "formations_2.csv", "formations_3.csv"]
    header, *records = whole.internal[0].read_text(encoding="utf-8-sig").splitlines()
    lines: list[str] = []
    for path in split.internal:
        assert path.stat().st_size <= limit
        read = read_records(path.read_bytes(), path.name, "internal")
        assert read.ok, (path.name, read.issues[:3])
        first, *rest = path.read_text(encoding="utf-8-sig").splitlines()
        assert first == header
        lines += rest
    assert lines == records  # the same records, in the same order, none lost nor repeated


@pytest.mark.parametrize(
    ("employees", "of_lines"),
    [(0, None), (10, 0)],
)
def test_impossible_sizes_are_refused(tmp_path: Path, employees: int, of_lines: int | None) -> None:
    with pytest.raises(ValueError):
        generate_scale(tmp_path, employees=employees, of_lines=of_lines, today=TODAY)


# --- the pandas baseline ---------------------------------------------------------------------------------


def _an_adf_file(generated: ScaleFiles) -> Path:
    return next(path for path, _, _ in generated.of_files if "_ADF_" in path.name)


def test_the_pandas_baseline_finds_no_invalid_row_in_a_generated_file(generated: ScaleFiles) -> None:
    for path, _, _ in generated.of_files:
        if "_ADF_" in path.name:
            assert validate_rows_with_pandas(path, TODAY) == 0, path.name


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("DATE_FIN_FORMATION", "31/02/2026"),
        ("DATE_DEBUT_FORMATION", "2026-03-01"),
        ("DATE_FIN_FORMATION", "01/01/2027"),
        ("DATE_DEBUT_VALIDITE", "01/01/2020"),
        ("NIR", "12345"),
        ("SIRET_EMPLOYEUR", "12345678901234"),
        ("PRESENCE_EMPLOYEUR", "oui"),
        ("FORMATION_CERTIFIANTE", "PEUT-ETRE"),
        ("CERTIFICATION_VISEE", "RS6869"),
        ("COMPETENCE_TRANSFERABLE", "115650/400635"),
        ("DOMAINE_FORMATION", "4282"),
        ("NOM_TITULAIRE", "X" * 31),
        ("NOM_FORMATION", ""),
        ("MODALITE_DISPENSE", "SUR_PLACE"),
    ],
)
def test_the_pandas_baseline_counts_a_broken_row(
    generated: ScaleFiles, tmp_path: Path, column: str, value: str
) -> None:
    lines = _an_adf_file(generated).read_bytes().decode("utf-8").split("\r\n")
    fields = lines[2].split("|")
    assert fields[ADF_COLUMNS.index("PRESENCE_EMPLOYEUR")] == "OUI"
    assert fields[ADF_COLUMNS.index("FORMATION_CERTIFIANTE")] == "NON"
    fields[ADF_COLUMNS.index(column)] = value
    lines[2] = "|".join(fields)
    broken = tmp_path / "casse.csv"
    broken.write_bytes("\r\n".join(lines).encode("utf-8"))
    assert validate_rows_with_pandas(broken, TODAY) == 1
