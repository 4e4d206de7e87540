"""Hostile files on every import path (issue 11 §3–§5): bombs, silent loss, personal data in reports.

Each case is built here at small scale (or with a limit monkeypatched down): it is refused with a French
message naming the file's line and column, and no table of the store changes. bench/bombs.py refuses the
full-size bombs in a fresh process and records time and peak memory.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from lib import records, spreadsheet
from lib.identifiers import clip, mask_nir
from lib.portal import parse_portal_file
from lib.records import workbook as records_workbook  # the module that reads the XLSX limits
from lib.store import ImportResult, Store
from tests.hostile_builders import shared_string_workbook, xfd_workbook
from tests.store_content import rows_of
from tests.test_pages import open_page, rendered_text, table_with_column

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "referentials"
SAMPLE_ADF = (SHARED / "sample_adf_synthetic.csv").read_bytes()
TODAY = date(2026, 11, 23)
TABLES = (
    "imports", "organismes", "of_lines", "of_line_changes", "employees", "training_records", "competences",
    "establishments", "settings", "header_mappings", "actions", "exports", "export_lines", "partner_id_ledger",
)  # fmt: skip
INTERNAL_HEADER = "Matricule;Nom de naissance;Formation;Date de fin"
ROSTER_HEADER = "Matricule;NIR;Nom de naissance;Prénom;Date d'entrée;SIRET de l'établissement"
NIR = "2850714118045"  # fictitious, valid shape and key-less (13 characters)
MOST_QUOTED = 120  # « about 80 characters » of a value, plus the « … (N caractères) » that says it was cut


@pytest.fixture
def store(demo_store_file: Path, tmp_path: Path) -> Store:
    copy = tmp_path / "store.duckdb"
    shutil.copy(demo_store_file, copy)
    return Store(copy)


def refused(store: Store, run: Callable[[], ImportResult], *fragments: str) -> ImportResult:
    """Run an import that must be refused: French message, every fragment said, the store unchanged."""
    before = rows_of(store.path, TABLES)
    result = run()
    assert result.status == "refused", result.message
    assert "rien n'a été enregistré" in result.message
    where = [f"Ligne {p.line}, colonne {p.column} : " if p.line is not None else "" for p in result.problems]
    text = " ".join([result.message] + [f"{at}{p.message}" for at, p in zip(where, result.problems, strict=True)])
    for fragment in fragments:
        assert fragment in text, text[:1500]
    assert "Traceback" not in text and "Error" not in text
    for problem in result.problems:
        assert len(problem.value or "") <= MOST_QUOTED, problem.value
        assert len(problem.message) < 1500, problem.message[:200]
    assert rows_of(store.path, TABLES) == before
    return result


def import_hr(store: Store, data: bytes, name: str, kind: str = "internal") -> Callable[[], ImportResult]:
    return lambda: store.import_records(data, name, kind)  # type: ignore[arg-type]


def import_of(store: Store, data: bytes, name: str = "declarations.csv") -> Callable[[], ImportResult]:
    return lambda: store.import_of_file(data, name, organisme="Hostile", today=TODAY)


def workbook_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- §3 XLSX bombs --------------------------------------------------------------------------------


def test_a_workbook_whose_shared_string_decompresses_a_thousandfold_is_refused_before_parsing(store: Store) -> None:
    header = list(enumerate(INTERNAL_HEADER.split(";"), start=1))
    row = [(1, "M1"), (3, "SST"), (4, "03/03/2026")]
    data = shared_string_workbook([(1, header), (2, row)], huge=(2, 2, 20_000_000))
    assert len(data) < 200_000  # a small file…
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo("xl/sharedStrings.xml").file_size > 20_000_000  # …holding 20 MB of text
    refused(store, import_hr(store, data, "bombe.xlsx"), "texte partagé", "se décompresse en", "plus de 100 fois")


def test_shared_strings_over_their_limit_are_refused_whatever_the_ratio(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(records_workbook, "XLSX_MAX_SHARED_STRINGS_BYTES", 1_000_000)
    monkeypatch.setattr(records_workbook, "XLSX_MAX_RATIO", 10_000)
    header = list(enumerate(INTERNAL_HEADER.split(";"), start=1))
    data = shared_string_workbook([(1, header), (2, [(1, "M1"), (3, "SST")])], huge=(2, 2, 2_000_000))
    refused(store, import_hr(store, data, "gros_texte.xlsx"), "le texte partagé occupe 2,0 Mo", "1,0 Mo au maximum")


def test_a_sheet_part_over_its_limit_is_refused(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records_workbook, "XLSX_MAX_PART_BYTES", 100_000)
    data = xfd_workbook(INTERNAL_HEADER.split(";"), 2000)
    refused(
        store,
        import_hr(store, data, "long.xlsx"),
        "la partie « xl/worksheets/sheet1.xml » occupe 0,",
        "0,1 Mo au maximum",
    )


def test_a_workbook_with_a_cell_in_column_xfd_on_every_row_is_refused_naming_the_first(store: Store) -> None:
    data = xfd_workbook(INTERNAL_HEADER.split(";"), 2000)
    refused(
        store,
        import_hr(store, data, "xfd.xlsx"),
        "Ligne 2, colonne XFD",
        f"au-delà de la colonne GR ({records.MAX_COLUMNS} colonnes au maximum)",
    )


def test_a_workbook_reads_only_cells_that_exist(store: Store) -> None:
    """A value far down (row 1 000 000) costs one row, not a million empty ones; the file is read as usual."""
    rows: list[list[object]] = [list(INTERNAL_HEADER.split(";")), ["M00123", "BERNARD", "SST", date(2026, 3, 3)]]
    workbook = openpyxl.load_workbook(io.BytesIO(workbook_bytes(rows)))
    workbook.active.cell(row=1_000_000, column=1, value="M00457")
    workbook.active.cell(row=1_000_000, column=2, value="LEROY")
    workbook.active.cell(row=1_000_000, column=3, value="SST")
    workbook.active.cell(row=1_000_000, column=4, value="04/03/2026")
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = records.read_records(buffer.getvalue(), "loin.xlsx", "internal")
    assert parsed.ok, parsed.file_errors
    assert parsed.source_line == [2, 1_000_000]
    assert list(parsed.frame["birth_name"]) == ["BERNARD", "LEROY"]


def test_a_long_value_in_a_workbook_is_refused_with_its_line_and_column_quoted_short(store: Store) -> None:
    rows: list[list[object]] = [list(INTERNAL_HEADER.split(";")), ["M1", "N" * 5000, "SST", "03/03/2026"]]
    data = workbook_bytes(rows)
    result = refused(
        store,
        import_hr(store, data, "long.xlsx"),
        "Ligne 2, colonne « Nom de naissance »",
        "valeur de 5\u202f000 caractères : 1\u202f000 au maximum",
    )
    (problem,) = result.problems
    assert problem.value is not None and problem.value.startswith("NNNN") and "…" in problem.value


# --- §3 CSV and portal bombs ----------------------------------------------------------------------


def test_a_staff_list_of_100_000_columns_is_refused_on_its_first_line(store: Store) -> None:
    header = ";".join(["Matricule", "Nom de naissance", *(f"C{i}" for i in range(99_998))])
    data = (header + "\nM1;A" + ";" * 99_998 + "\n").encode()
    refused(store, import_hr(store, data, "colonnes.csv", "roster"), "Ligne 1 : 100\u202f000 colonnes, 200 au maximum")


def test_a_csv_field_over_the_csv_reader_limit_is_a_french_message_with_line_and_column(store: Store) -> None:
    data = f"{INTERNAL_HEADER}\nM1;DUPONT;SST;03/03/2026\nM2;{'X' * 140_000};SST;03/03/2026\n".encode()
    refused(
        store,
        import_hr(store, data, "champ.csv"),
        "Ligne 3, colonne « Nom de naissance » : valeur de plus de 131\u202f072 caractères",
        "1\u202f000",
    )


def test_an_of_file_with_a_value_of_megabytes_on_every_line_of_a_declaration_quotes_it_short(store: Store) -> None:
    lines = SAMPLE_ADF.decode().split("\r\n")
    huge = "F" * 1_000_000
    body = [line.replace("|Sauveteur secouriste du travail (SST) - formation initiale|", f"|{huge}|") for line in lines]
    data = "\r\n".join(body).encode()
    assert len(data) > 2_000_000  # large enough for the bulk path to try first
    result = refused(store, import_of(store, data), "1000000 caractères : 250 au maximum")
    assert {p.line for p in result.problems if p.column == "NOM_FORMATION"} == {2, 3, 4}


def test_a_value_beyond_any_valid_length_is_reported_alone_and_short() -> None:
    lines = SAMPLE_ADF.decode().split("\r\n")
    fields = lines[1].split("|")
    fields[11] = "12345/" * 200_000  # DOMAINE_FORMATION: 1.2 million characters of codes
    lines[1] = "|".join(fields)
    report = parse_portal_file("\r\n".join(lines).encode(), "a.csv", today=TODAY).report
    (error,) = [error for error in report.line_errors if error.line == 2]
    assert all(len(other.value) <= MOST_QUOTED for other in report.line_errors)
    assert (error.line, error.column) == (2, "DOMAINE_FORMATION")
    assert error.message == "1200000 caractères : 1000 au maximum"
    assert len(error.value) <= MOST_QUOTED


def test_an_of_file_with_thousands_of_errors_lists_the_first_1000_and_counts_them_all(store: Store) -> None:
    header, first = SAMPLE_ADF.decode().split("\r\n")[:2]
    body = []
    for i in range(1500):
        fields = first.split("|")
        fields[0], fields[2], fields[13] = f"D{i // 400}", f"EMP-X{i}", "123"
        body.append("|".join(fields))
    data = "\r\n".join([header, *body, ""]).encode()
    result = refused(store, import_of(store, data), "1\u202f000 premières erreurs sur 1\u202f500")
    numbered = [p for p in result.problems if p.line is not None]
    assert len(numbered) == 1000
    assert max(p.line for p in numbered if p.line is not None) <= 1001


def test_an_hr_file_with_thousands_of_errors_lists_the_first_1000_and_counts_them_all(store: Store) -> None:
    data = "\n".join([INTERNAL_HEADER, *(f"M{i};A;SST;31/02/2026" for i in range(1500))]).encode()
    result = refused(store, import_hr(store, data, "dates.csv"), "1\u202f000 premières erreurs sur 1\u202f500")
    assert len([p for p in result.problems if p.line is not None]) == 1000


def test_a_portal_header_of_100_000_columns_is_refused_in_one_message(store: Store) -> None:
    data = ("|".join(f"C{i}" for i in range(100_000)) + "\r\n" + "|" * 99_999 + "\r\n").encode()
    result = refused(store, import_of(store, data), "En-tête de 100000 colonnes")
    assert len(result.problems) < 5


# --- §4 HR files that lose rows -------------------------------------------------------------------


def test_a_quote_opened_on_one_line_and_closed_two_lines_later_is_refused_naming_the_line(store: Store) -> None:
    data = (
        f'{INTERNAL_HEADER}\nM1;"BERNARD;SST;03/03/2026\nM2;LEROY;SST;04/03/2026\nM3;PETIT";SST;05/03/2026\n'
        "M4;MOREAU;SST;06/03/2026\n"
    ).encode()
    refused(
        store,
        import_hr(store, data, "guillemet.csv"),
        "Ligne 2, colonne « Nom de naissance » : un guillemet",
        "ne se ferme qu'à la ligne 4",
    )


def test_a_quote_never_closed_is_refused_naming_the_line_where_it_opens(store: Store) -> None:
    data = f'{INTERNAL_HEADER}\nM1;BERNARD;SST;03/03/2026\nM2;LEROY;"SST;04/03/2026\nM3;PETIT;SST;05/03/2026\n'
    refused(store, import_hr(store, data.encode(), "ouvert.csv"), "Ligne 3, colonne « Formation » : un guillemet")


def test_the_rows_read_match_the_data_lines_of_an_accepted_file() -> None:
    data = f'{INTERNAL_HEADER}\nM1;"BERNARD";SST;03/03/2026\nM2;"LE ""ROY""";SST;04/03/2026\n'.encode()
    parsed = records.read_records(data, "a.csv", "internal")
    assert parsed.ok
    assert parsed.source_line == [2, 3]
    assert list(parsed.frame["birth_name"]) == ["BERNARD", 'LE "ROY"']


def test_a_utf8_file_with_one_foreign_byte_is_refused_naming_its_line_and_column(store: Store) -> None:
    data = f"{ROSTER_HEADER}\nM1;;DUPONT;Hélène;01/01/2020;\n".encode() + b"M2;;MART\xc9N;L\xc3\xa9a;02/02/2021;\n"
    refused(
        store,
        import_hr(store, data, "melange.csv", "roster"),
        "Ligne 3, colonne 3 : l'octet 0xC9 n'est pas un caractère UTF-8",
        "CSV UTF-8",
    )


def test_a_windows_1252_file_is_still_read_with_its_accented_headers() -> None:
    data = f"{ROSTER_HEADER}\nM1;;MARTÉN;Léa;02/02/2021;\n".encode("cp1252")
    parsed = records.read_records(data, "ansi.csv", "roster")
    assert parsed.ok, parsed.file_errors
    assert parsed.encoding == "cp1252"
    assert {"first_name", "entry_date", "establishment_siret"} <= set(parsed.mapping.values())
    assert list(parsed.frame["first_name"]) == ["Léa"]


# --- §5 personal data in reports and invisible characters -----------------------------------------


def nir_line_file() -> bytes:
    """An ADF file whose lines 3 and 4 lost fields: the whole line, NIR included, is the error's value."""
    lines = SAMPLE_ADF.decode().split("\r\n")
    fields = lines[2].split("|")
    fields[13] = NIR
    lines[2] = "|".join(fields[:-1])
    lines[3] = f"OF-1|{NIR}|DUPONT"
    return "\r\n".join(lines).encode()


def test_a_refused_line_shows_its_nir_masked_in_the_import_report(store: Store) -> None:
    result = refused(store, import_of(store, nir_line_file()), "19 champs au lieu de 20", "3 champs au lieu de 20")
    assert all(NIR not in (p.value or "") for p in result.problems)
    (short,) = [p for p in result.problems if p.line == 4]
    assert short.value == f"OF-1|{mask_nir(NIR)}|DUPONT"


def test_validate_json_never_prints_a_full_nir(tmp_path: Path) -> None:
    path = tmp_path / "declarations.csv"
    path.write_bytes(nir_line_file())
    command = [sys.executable, "-m", "lib", "validate", str(path), "--json", "--db", str(tmp_path / "x.duckdb")]
    completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert completed.returncode == 1, completed.stderr
    assert NIR not in completed.stdout
    report = json.loads(completed.stdout)
    assert any(mask_nir(NIR) in error["value"] for error in report["line_errors"])


def test_the_error_report_download_is_named_once_and_neutralised() -> None:
    assert spreadsheet.error_report_name("salaries.csv") == "erreurs_salaries.csv"
    assert spreadsheet.error_report_name("export.formations.xlsx") == "erreurs_export.formations.csv"
    assert spreadsheet.error_report_name("../../etc/passwd") == "erreurs_passwd.csv"
    frame = pd.DataFrame([{"line": 3, "column": "NOM", "value": "=HYPERLINK(1)", "message": "x"}])
    text = spreadsheet.error_report_csv(frame).decode("utf-8-sig")
    assert text.splitlines() == ["Ligne;Colonne;Valeur;Problème", "3;NOM;'=HYPERLINK(1);x"]


def test_invisible_characters_in_hr_names_are_removed_with_a_warning_naming_line_and_column(store: Store) -> None:
    data = f"{ROSTER_HEADER}\nZ1;;DU\u202ePONT;Hél\u200bène;01/01/2020;\nZ2;;\ufeffMARTIN;Léa;01/01/2020;\n".encode()
    result = store.import_records(data, "invisibles.csv", "roster")
    assert result.status == "imported", result.message
    (warning,) = result.warnings
    assert "Caractères invisibles retirés" in warning and "3 valeur(s)" in warning
    assert "ligne 2, colonne « Nom de naissance »" in warning and "ligne 2, colonne « Prénom »" in warning
    assert "ligne 3, colonne « Nom de naissance »" in warning
    assert "U+202E, contrôle du sens d'écriture" in warning and "U+200B, caractère de largeur nulle" in warning
    stored = store.sql("SELECT matricule, birth_name, first_name FROM employees WHERE matricule LIKE 'Z%'")
    assert sorted(stored.itertuples(index=False, name=None)) == [("Z1", "DUPONT", "Hélène"), ("Z2", "MARTIN", "Léa")]


@pytest.mark.parametrize(("character", "name"), [("\u202e", "U+202E"), ("\u200b", "U+200B"), ("\u2066", "U+2066")])
def test_invisible_characters_in_a_portal_file_are_refused_with_line_and_column(
    store: Store, character: str, name: str
) -> None:
    data = SAMPLE_ADF.replace(b"|MARTIN|", f"|MAR{character}TIN|".encode())
    refused(store, import_of(store, data), f"caractère invisible interdit ({name}")
    (error,) = parse_portal_file(data, "a.csv", today=TODAY).report.line_errors
    assert error.column == "NOM_TITULAIRE" and error.line > 1


def test_a_large_portal_file_with_an_invisible_character_is_refused_by_the_bulk_path_too(store: Store) -> None:
    header, first = SAMPLE_ADF.decode().split("\r\n")[:2]
    body = []
    for i in range(10_000):
        fields = first.split("|")
        fields[0], fields[2] = f"D{i // 400}", f"EMP-X{i}"
        if i == 7000:
            fields[14] = "MAR\u200bTIN"
        body.append("|".join(fields))
    data = "\r\n".join([header, *body, ""]).encode()
    assert parse_portal_file(data.replace("\u200b".encode(), b""), "a.csv", today=TODAY).report.valid
    assert len(data) > 2_000_000
    refused(store, import_of(store, data), "Ligne 7002, colonne NOM_TITULAIRE", "caractère invisible interdit (U+200B")


def test_clip_keeps_80_characters_and_says_the_length() -> None:
    assert clip("a" * 80) == "a" * 80
    assert clip("a" * 81) == "a" * 80 + "… (81 caractères)"


def test_the_import_page_shows_the_refused_lines_with_their_nir_masked(demo_db: Path) -> None:
    at = open_page("views/import.py")
    at.file_uploader(key="uploads_of").set_value(("declarations.csv", nir_line_file(), "text/csv")).run()
    next(b for b in at.button if b.label == "Importer").click().run()
    assert not at.exception
    problems = table_with_column(at, "Problème")
    assert list(problems["Ligne"]) == [3, 4]
    assert list(problems["Valeur"])[1] == f"OF-1|{mask_nir(NIR)}|DUPONT"
    assert NIR not in rendered_text(at)


ROME_HEADER = "code_ogr,type,categorie,sous_categorie,libelle"


def test_a_competence_file_with_a_field_over_the_csv_limit_is_a_french_message(store: Store) -> None:
    data = f"{ROME_HEADER}\n100001,a,b,c,Savoir\n100002,a,b,c,{'L' * 140_000}\n".encode()
    refused(
        store,
        lambda: store.import_competences(data, "rome.csv"),
        "rome.csv, ligne 3 : une valeur dépasse 131\u202f072 caractères",
    )


def test_a_competence_label_over_1000_characters_is_refused(store: Store) -> None:
    data = f"{ROME_HEADER}\n100001,a,b,c,Savoir\n100002,a,b,c,{'L' * 1500}\n".encode()
    refused(
        store,
        lambda: store.import_competences(data, "rome.csv"),
        "rome.csv, ligne 3, colonne libelle : 1500 caractères, 1000 au maximum",
    )
