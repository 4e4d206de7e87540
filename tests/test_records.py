"""Reading HR exports (internal training records, roster): formats, header variants, values, refusals."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from lib.records import (
    HEAD_BYTES,
    INTERNAL_FIELDS,
    MAX_ISSUES,
    ROSTER_FIELDS,
    FieldSpec,
    RecordsFile,
    RecordsKind,
    detect_separator,
    normalize_header,
    parse_date,
    parse_value,
    read_header,
    read_records,
    suggest_mapping,
    template_bytes,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "records"
TEMPLATES = ROOT / "data" / "templates"


def read_fixture(name: str, kind: RecordsKind = "internal", **options: object) -> RecordsFile:
    return read_records((FIXTURES / name).read_bytes(), name, kind, **options)  # type: ignore[arg-type]


def rows_of(frame: pd.DataFrame, *columns: str) -> list[tuple[object, ...]]:
    """The frame's rows as plain tuples, pandas' missing values turned into None."""
    return [
        tuple(None if value is pd.NA else value for value in row)
        for row in frame[list(columns)].itertuples(index=False)
    ]


def issue_places(records: RecordsFile) -> list[tuple[int, str, str]]:
    return [(issue.line, issue.column, issue.value) for issue in records.issues]


def spec_named(name: str, fields: tuple[FieldSpec, ...] = INTERNAL_FIELDS) -> FieldSpec:
    return next(spec for spec in fields if spec.name == name)


# --- file formats -------------------------------------------------------------------------------------

TEMPLATE_COLUMNS = tuple(spec.name for spec in INTERNAL_FIELDS)
TWO_TRAININGS = [
    (
        "M001",
        "2850714118045",
        "BERNARD",
        "MOREAU",
        "Hélène",
        "48213579500029",
        "Évreux",
        "Logistique",
        "Sauveteur secouriste du travail (SST)",
        "SST",
        2,
        "Secours Formation Normandie",
        "73125468600017",
        False,
        "JDR",
        date(2026, 3, 2),
        date(2026, 3, 3),
        date(2026, 3, 3),
        date(2028, 3, 2),
        "SST-03",
    ),
    (
        "M002",
        "1920527055003",
        "LEROY",
        None,
        "Karim",
        "48213579500029",
        "Caen",
        "Maintenance",
        "Accueil sécurité",
        "Accueil",
        3,
        None,
        None,
        True,
        "ADF",
        date(2026, 3, 16),
        date(2026, 3, 16),
        None,
        None,
        "ACC-11",
    ),
]


@pytest.mark.parametrize(
    ("name", "separator", "encoding"),
    [
        ("internal_semicolon.csv", ";", "utf-8"),
        ("internal_pipe.csv", "|", "utf-8"),
        ("internal_tab.txt", "\t", "utf-8"),
        ("internal_bom.csv", ";", "utf-8-sig"),
    ],
)
def test_each_separator_and_encoding_gives_the_same_typed_table(name: str, separator: str, encoding: str) -> None:
    records = read_fixture(name)
    assert records.ok, (records.file_errors, records.issues)
    assert (records.separator, records.encoding) == (separator, encoding)
    assert list(records.frame.columns) == list(TEMPLATE_COLUMNS)
    assert rows_of(records.frame, *TEMPLATE_COLUMNS) == TWO_TRAININGS
    assert records.source_line == [2, 3]
    assert records.ignored_columns == ()


def test_comma_separated_file_keeps_quoted_commas_quotes_and_line_breaks() -> None:
    records = read_fixture("internal_comma.csv")
    assert records.ok
    assert records.separator == ","
    assert rows_of(records.frame, "matricule", "training_title", "end_date", "reference") == [
        ("M001", "Sauveteur secouriste du travail, SST", date(2026, 3, 3), "SST-03"),
        ("M002", 'Habilitation électrique "B1V"', date(2026, 3, 16), "session de mars"),
        ("M003", "CACES R489", date(2026, 3, 20), None),
    ]
    # the second record spans lines 3 and 4: the third starts on line 5
    assert records.source_line == [2, 3, 5]


def test_windows_1252_roster_is_detected_and_accents_survive() -> None:
    records = read_fixture("roster_cp1252.csv", "roster")
    assert records.ok
    assert records.encoding == "cp1252"
    assert rows_of(
        records.frame, "matricule", "birth_name", "first_name", "site", "manager", "entry_date", "exit_date"
    ) == [
        ("M001", "BERNARD", "Hélène", "Évreux", "Sophie DURAND", date(2014, 9, 1), None),
        ("M002", "LEROY", "Karim", "Évreux", "Marc PETIT", date(2026, 3, 16), date(2026, 12, 31)),
    ]
    assert records.mapping["Nom"] == "birth_name"
    assert records.mapping["N+1"] == "manager"
    assert records.mapping["Date d'embauche"] == "entry_date"


def test_utf16_text_export_is_read() -> None:
    text = "Matricule\tNom de naissance\n M9 \tÉLOI\n"
    records = read_records(text.encode("utf-16"), "export.txt", "roster")
    assert records.ok
    assert (records.encoding, records.separator) == ("utf-16", "\t")
    assert rows_of(records.frame, "matricule", "birth_name") == [("M9", "ÉLOI")]


def test_xlsx_reads_native_dates_serial_numbers_and_numbers_below_a_title_row() -> None:
    records = read_fixture("internal_dates.xlsx")
    assert records.separator is None
    assert records.encoding == "xlsx"
    assert records.source_line == [4, 5, 7]  # Excel rows: title, blank, header on row 3
    assert rows_of(
        records.frame,
        "matricule",
        "nir",
        "category",
        "is_internal",
        "start_date",
        "end_date",
        "validity_end",
    ) == [
        ("1001", "2850714118045", 2, False, date(2026, 3, 2), date(2026, 3, 3), date(2028, 3, 2)),
        ("M1002", "1920527055003", 3, True, date(2026, 3, 1), date(2026, 3, 2), date(2031, 3, 14)),
        ("M1003", None, None, True, date(2026, 4, 1), None, None),
    ]
    assert issue_places(records) == [(7, "Date de fin", "30/02/2026")]


def test_xlsx_reads_the_named_sheet_and_names_the_sheets_when_it_is_absent() -> None:
    roster = read_fixture("internal_dates.xlsx", "roster", sheet="Salariés")
    assert roster.ok
    assert rows_of(roster.frame, "matricule", "birth_name", "entry_date") == [("M1001", "BERNARD", date(2014, 9, 1))]
    assert roster.source_line == [2]
    missing = read_fixture("internal_dates.xlsx", "roster", sheet="Effectifs")
    assert missing.file_errors == (
        "La feuille « Effectifs » n'existe pas dans le classeur (feuilles : « Export SIRH », « Salariés »).",
    )


@pytest.mark.parametrize(
    ("data", "file_name", "expected"),
    [
        ((FIXTURES / "old_format.xls").read_bytes(), "formations.xls", "Excel 97-2003 (.xls)"),
        ((FIXTURES / "old_format.xls").read_bytes(), "export.dat", "enregistrez-le au format .xlsx"),
        (b"Matricule;Nom\n", "vieux.xls", "n'est pas pris en charge"),
        (b"", "vide.csv", "Le fichier est vide."),
        (b"\r\n \r\n", "blanc.csv", "Le fichier est vide."),
        ((FIXTURES / "empty.csv").read_bytes(), "empty.csv", "Le fichier est vide."),
        ((FIXTURES / "binary.csv").read_bytes(), "binary.csv", "ni un CSV lisible"),
        (b"%PDF-1.4\x00\x01\x02", "scan.pdf", "ni un CSV lisible"),
        (b"Matricule;Nom de naissance\n", "texte.xlsx", "Le classeur Excel est illisible"),
        (b"PK\x03\x04garbage", "casse.xlsx", "Le classeur Excel est illisible"),
        (b"PK\x03\x04", "tableur.ods", "OpenDocument (.ods)"),
        (
            (FIXTURES / "internal_header_only.csv").read_bytes(),
            "internal_header_only.csv",
            "Le fichier ne contient que la ligne d'en-tête (ligne 1) : aucune ligne de données.",
        ),
    ],
)
def test_unreadable_files_are_refused_with_one_french_file_error(data: bytes, file_name: str, expected: str) -> None:
    records = read_records(data, file_name, "internal")
    assert not records.ok
    assert len(records.file_errors) == 1
    assert expected in records.file_errors[0]
    assert records.frame.empty
    assert list(records.frame.columns) == list(TEMPLATE_COLUMNS)


@pytest.mark.parametrize(
    ("header_line", "separator"),
    [
        ("Matricule;Nom;Date fin", ";"),
        ("Matricule,Nom,Date fin", ","),
        ("Matricule\tNom\tDate fin", "\t"),
        ("Matricule|Nom|Date fin", "|"),
        ('"Nom, prénom";"Date; fin";Formation', ";"),
        ('"Nom; prénom","Date| fin",Formation', ","),
        ("Matricule;Nom,complet;Formation", ";"),
        ("Matricule", ";"),
    ],
)
def test_the_separator_is_the_most_frequent_candidate_outside_quotes(header_line: str, separator: str) -> None:
    assert detect_separator(header_line) == separator


# --- headers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "kind", "field"),
    [
        ("N° SS", "internal", "nir"),
        ("N° sécurité sociale", "internal", "nir"),
        ("numéro de sécurité sociale", "internal", "nir"),
        ("NIR", "internal", "nir"),
        ("Nom patronymique", "internal", "birth_name"),
        ("Nom de jeune fille", "internal", "birth_name"),
        ("NOM DE NAISSANCE", "internal", "birth_name"),
        ("Nom usuel", "internal", "usage_name"),
        ("Prénom", "internal", "first_name"),
        ("prenom", "internal", "first_name"),
        ("Date fin", "internal", "end_date"),
        ("Date de fin de formation", "internal", "end_date"),
        ("Fin", "internal", "end_date"),
        ("Date début", "internal", "start_date"),
        ("Intitulé formation", "internal", "training_title"),
        ("Libellé", "internal", "training_title"),
        ("Stage", "internal", "training_title"),
        ("Organisme de formation", "internal", "organisme"),
        ("OF", "internal", "organisme"),
        ("Prestataire", "internal", "organisme"),
        ("SIRET", "internal", "establishment_siret"),
        ("SIRET de l'organisme", "internal", "organisme_siret"),
        ("Site", "internal", "site"),
        ("Matricule", "internal", "matricule"),
        ("Mat.", "internal", "matricule"),
        ("ID salarié", "internal", "matricule"),
        ("Code salarié", "internal", "matricule"),
        ("Catégorie", "internal", "category"),
        ("Validité jusqu'au", "internal", "validity_end"),
        ("Date d'expiration", "internal", "validity_end"),
        ("Date de recyclage", "internal", "validity_end"),
        ("  Type   de justificatif ", "internal", "proof_kind"),
        ("Date d'entrée", "roster", "entry_date"),
        ("Date de sortie", "roster", "exit_date"),
        ("Manager", "roster", "manager"),
        ("N+1", "roster", "manager"),
        ("Responsable", "roster", "manager"),
        ("Commentaire", "internal", None),
        ("Date d'entrée", "internal", None),
        ("Formation", "roster", None),
    ],
)
def test_usual_header_variants_are_recognised(header: str, kind: RecordsKind, field: str | None) -> None:
    assert suggest_mapping([header], kind) == {header: field}


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["Nom", "Prénom"], {"Nom": "birth_name", "Prénom": "first_name"}),
        (["Nom", "Nom de naissance"], {"Nom": None, "Nom de naissance": "birth_name"}),
        (["Nom patronymique", "Nom"], {"Nom patronymique": "birth_name", "Nom": None}),
        (["Date", "Formation"], {"Date": "end_date", "Formation": "training_title"}),
        (["Date", "Date fin"], {"Date": None, "Date fin": "end_date"}),
        (["Établissement"], {"Établissement": "establishment_siret"}),
        (["Établissement", "SIRET"], {"Établissement": None, "SIRET": "establishment_siret"}),
        (["Fin", "Date de fin"], {"Fin": "end_date", "Date de fin": None}),
    ],
)
def test_weak_headers_apply_only_when_no_better_column_exists(
    headers: list[str], expected: dict[str, str | None]
) -> None:
    assert suggest_mapping(headers, "internal") == expected


def test_no_two_fields_share_a_normalised_header() -> None:
    for fields in (INTERNAL_FIELDS, ROSTER_FIELDS):
        owner: dict[str, str] = {}
        for spec in fields:
            for header in (spec.header_fr, *spec.synonyms, *spec.weak_synonyms):
                key = normalize_header(header)
                assert owner.setdefault(key, spec.name) == spec.name, (header, owner[key], spec.name)


def test_header_variants_two_digit_years_and_serial_dates_are_read() -> None:
    records = read_fixture("internal_variants.csv")
    assert records.ok, records.issues
    assert records.mapping == {
        "Mat.": "matricule",
        "N° SS": "nir",
        "Nom": "birth_name",
        "Nom usuel": "usage_name",
        "Prénom": "first_name",
        "SIRET": "establishment_siret",
        "Intitulé formation": "training_title",
        "Cat.": "category",
        "OF": "organisme",
        "Date début": "start_date",
        "Date fin": "end_date",
        "Validité jusqu'au": "validity_end",
    }
    assert rows_of(
        records.frame, "nir", "birth_name", "establishment_siret", "start_date", "end_date", "validity_end"
    ) == [
        ("2850714118045", "BERNARD", "48213579500029", date(2026, 3, 2), date(2026, 3, 3), date(2028, 3, 2)),
        ("253072B073004", "LEROY", None, date(2026, 3, 1), date(2026, 3, 2), date(2031, 3, 14)),
        ("1920527055003", "PETIT", None, date(1999, 1, 15), date(1999, 1, 15), None),
    ]


def test_a_missing_mandatory_column_is_one_file_error_naming_it_and_the_unrecognised_columns() -> None:
    records = read_fixture("internal_missing_end.csv")
    assert len(records.file_errors) == 1
    assert records.file_errors[0].startswith(
        "Colonne obligatoire absente : Date de fin (aucune colonne reconnue parmi : « Commentaire »)."
    )
    assert "« Date fin »" in records.file_errors[0]
    assert "end_date" in records.missing_fields
    assert records.frame.empty
    assert records.issues == ()


def test_several_missing_mandatory_columns_are_named_together() -> None:
    records = read_records(b"Code;Stagiaire\nA;B\n", "x.csv", "internal")
    assert len(records.file_errors) == 1
    assert records.file_errors[0].startswith(
        "Colonnes obligatoires absentes : Matricule ou NIR, Nom de naissance, Formation, Date de fin "
        "(aucune colonne reconnue parmi : « Code », « Stagiaire »)."
    )


def test_roster_requires_a_matricule_column_even_when_the_nir_is_there() -> None:
    records = read_records(b"NIR;Nom de naissance\n2850714118045;BERNARD\n", "s.csv", "roster")
    assert records.file_errors[0].startswith("Colonne obligatoire absente : Matricule (")


def test_unknown_columns_are_ignored_and_listed() -> None:
    records = read_fixture("internal_unknown_columns.csv")
    assert records.ok
    assert records.ignored_columns == ("Commentaire", "Coût HT", "Heures")
    assert records.mapping == {
        "Matricule": "matricule",
        "Nom de naissance": "birth_name",
        "Formation": "training_title",
        "Date de fin": "end_date",
    }
    assert "site" in records.missing_fields
    assert "end_date" not in records.missing_fields


def test_two_columns_for_one_field_are_refused_as_ambiguous() -> None:
    records = read_records(
        b"Matricule;Nom;Formation;Fin;Date fin\nM1;A;SST;01/01/2026;02/01/2026\n", "a.csv", "internal"
    )
    assert records.file_errors == (
        "Plusieurs colonnes peuvent correspondre à « Date de fin » : « Fin », « Date fin ». "
        "Renommez ou ignorez les colonnes en trop dans l'étape de correspondance.",
    )


def test_an_explicit_mapping_overrides_recognition() -> None:
    automatic = read_fixture("internal_own_headers.csv")
    assert not automatic.ok
    mapping = {
        "Code agent": "matricule",
        "Patronyme": "birth_name",
        "Module suivi": "training_title",
        "Terminé le": "end_date",
        "Nom": "first_name",  # would otherwise be read as the birth name
    }
    records = read_fixture("internal_own_headers.csv", mapping=mapping)
    assert records.ok, (records.file_errors, records.issues)
    assert records.mapping == mapping
    assert rows_of(records.frame, "matricule", "birth_name", "first_name", "training_title", "end_date") == [
        ("A17", "BERNARD", "Hélène", "SST", date(2026, 3, 3))
    ]


def test_an_explicit_mapping_can_ignore_a_recognised_column_and_completes_the_automatic_one() -> None:
    data = b"Matricule;Nom;Formation;Date fin;Site\nM1;DUPONT;SST;03/03/2026;Caen\n"
    records = read_records(data, "a.csv", "internal", mapping={"Site": "", "Ancienne colonne": "service"})
    assert records.ok
    assert records.ignored_columns == ("Site",)
    assert rows_of(records.frame, "matricule", "birth_name", "site") == [("M1", "DUPONT", None)]


def test_an_explicit_mapping_to_an_unknown_field_is_a_file_error() -> None:
    data = b"Matricule;Nom;Formation;Date fin\nM1;DUPONT;SST;03/03/2026\n"
    records = read_records(data, "a.csv", "internal", mapping={"Formation": "intitule"})
    assert "Correspondance de colonnes invalide : « intitule » n'est pas un champ connu." in records.file_errors


# --- values -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("03/03/2026", date(2026, 3, 3)),
        ("3/3/2026", date(2026, 3, 3)),
        ("03/03/26", date(2026, 3, 3)),
        ("31/12/69", date(2069, 12, 31)),
        ("01/01/70", date(1970, 1, 1)),
        ("03-03-2026", date(2026, 3, 3)),
        ("03.03.2026", date(2026, 3, 3)),
        ("03/03/2026 00:00", date(2026, 3, 3)),
        ("03/03/2026 14:30:00", date(2026, 3, 3)),
        ("2026-03-03", date(2026, 3, 3)),
        ("2026-03-03T08:15:00", date(2026, 3, 3)),
        ("2026-03-03 08:15:00.000", date(2026, 3, 3)),
        ("46023", date(2026, 1, 1)),
        ("46082,5", date(2026, 3, 1)),
        (46023, date(2026, 1, 1)),
        (46023.75, date(2026, 1, 1)),
        (date(2026, 3, 3), date(2026, 3, 3)),
        ("", None),
        ("  ", None),
        (None, None),
    ],
)
def test_accepted_date_forms(cell: str | int | float | date | None, expected: date | None) -> None:
    assert parse_date(cell) == (expected, None)


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("31/02/2026", "date impossible"),
        ("29/02/2025", "date impossible"),
        ("2026-13-01", "date impossible"),
        ("03/03/2026/1", "date non reconnue"),
        ("03/03-2026", "date non reconnue"),
        ("hier", "date non reconnue"),
        ("2026", "date non reconnue"),
        ("12345", "n'est pas une date"),
        (12, "n'est pas une date"),
        (True, "n'est pas une date"),
    ],
)
def test_refused_date_forms(cell: str | int | bool, problem: str) -> None:
    value, message = parse_date(cell)
    assert value is None
    assert message is not None and problem in message


@pytest.mark.parametrize(
    ("cell", "expected", "problem"),
    [
        ("2850714118045", "2850714118045", None),
        ("285071411804532", "2850714118045", None),
        ("2 85 07 14 118 045 32", "2850714118045", None),
        ("2.85.07.14.118.045", "2850714118045", None),
        (285071411804532, "2850714118045", None),
        (285071411804532.0, "2850714118045", None),
        ("253072b07300470", "253072B073004", None),
        ("", None, None),
        ("285071411804533", None, "clé de contrôle incorrecte"),
        ("28507141180", None, "longueur 11"),
        ("385071411804532", None, "1, 2, 7 ou 8"),
        ("2,85071E+14", None, "notation scientifique"),
        ("2.85071E14", None, "notation scientifique"),
    ],
)
def test_nir_values(cell: str | int | float, expected: str | None, problem: str | None) -> None:
    value, message = parse_value(spec_named("nir"), cell)
    assert value == expected
    if problem is None:
        assert message is None
    else:
        assert message is not None and problem in message


@pytest.mark.parametrize(
    ("cell", "expected", "problem"),
    [
        ("48213579500029", "48213579500029", None),
        ("482 135 795 00029", "48213579500029", None),
        (48213579500029, "48213579500029", None),
        ("", None, None),
        ("48213579500028", None, "clé de contrôle incorrecte"),
        ("4821357950002", None, "14 chiffres"),
        ("4821357950002A", None, "14 chiffres"),
        ("4,82136E+13", None, "notation scientifique"),
    ],
)
def test_siret_values(cell: str | int, expected: str | None, problem: str | None) -> None:
    value, message = parse_value(spec_named("establishment_siret"), cell)
    assert value == expected
    if problem is None:
        assert message is None
    else:
        assert message is not None and problem in message


@pytest.mark.parametrize(
    ("field", "cell", "expected", "is_refused"),
    [
        ("category", "1", 1, False),
        ("category", "4", 4, False),
        ("category", 2, 2, False),
        ("category", 3.0, 3, False),
        ("category", "Cat. 2", 2, False),
        ("category", "catégorie 3", 3, False),
        ("category", "", None, False),
        ("category", "0", None, True),
        ("category", "5", None, True),
        ("category", "A", None, True),
        ("is_internal", "oui", True, False),
        ("is_internal", "OUI", True, False),
        ("is_internal", "o", True, False),
        ("is_internal", "x", True, False),
        ("is_internal", "1", True, False),
        ("is_internal", "Vrai", True, False),
        ("is_internal", "true", True, False),
        ("is_internal", "Interne", True, False),
        ("is_internal", True, True, False),
        ("is_internal", 1, True, False),
        ("is_internal", "non", False, False),
        ("is_internal", "N", False, False),
        ("is_internal", "0", False, False),
        ("is_internal", "faux", False, False),
        ("is_internal", "false", False, False),
        ("is_internal", "externe", False, False),
        ("is_internal", "", False, False),
        ("is_internal", "peut-être", False, True),
        ("proof_kind", "ADF", "ADF", False),
        ("proof_kind", "jdr", "JDR", False),
        ("proof_kind", "", "ADF", False),
        ("proof_kind", "Attestation", "JDR", False),
        ("proof_kind", "Justificatif", "JDR", False),
        ("proof_kind", "Certificat", "JDR", False),
        ("proof_kind", "Habilitation", "JDR", False),
        ("proof_kind", "Attestation de formation", "ADF", False),
        ("proof_kind", "diplôme", "ADF", True),
        ("training_title", "  Gestes   et\u00a0postures ", "Gestes et postures", False),
        ("training_title", "=SOMME(A1:A2)", "=SOMME(A1:A2)", False),
        ("training_title", "+33 formation", "+33 formation", False),
        ("training_title", "-", "-", False),
        ("training_title", "@risque", "@risque", False),
        ("training_title", "SST\x07", None, True),
        ("training_title", "", None, False),
        ("matricule", 1001, "1001", False),
        ("matricule", 1001.0, "1001", False),
    ],
)
def test_typed_values(field: str, cell: str | int | float | bool, expected: object, is_refused: bool) -> None:
    value, message = parse_value(spec_named(field), cell)
    assert value == expected
    assert (message is not None) == is_refused


def test_frame_columns_have_the_promised_types() -> None:
    frame = read_fixture("internal_semicolon.csv").frame
    assert str(frame["category"].dtype) == "Int64"
    assert frame["is_internal"].dtype == bool
    assert frame["usage_name"].dtype == object
    assert frame["usage_name"].iloc[1] is None  # None, not NaN
    assert type(frame["end_date"].iloc[0]) is date
    assert frame["validity_end"].iloc[1] is None


# --- issues -------------------------------------------------------------------------------------------


def test_bad_values_are_all_reported_with_line_column_and_value() -> None:
    records = read_fixture("internal_bad_values.csv")
    assert not records.ok
    assert records.file_errors == ()
    assert issue_places(records) == [
        (2, "N° SS", "2 85 07 ** *** *** **"),  # NIR masked
        (2, "Date fin", "31/02/2026"),
        (3, "SIRET établissement", "48213579500028"),
        (3, "Catégorie", "7"),
        (3, "Interne", "peut-être"),
        (3, "Type de justificatif", "diplôme"),
        (4, "Nom de naissance", ""),
        (4, "Formation", "CACES\ufffd"),
        (4, "Date fin", "hier"),
        (5, "Matricule", ""),
    ]
    messages = [issue.message for issue in records.issues]
    assert messages[1] == (
        "Ligne 2, colonne « Date fin », valeur « 31/02/2026 » : "
        "date impossible (ce jour n'existe pas dans le calendrier)."
    )
    assert messages[0] == (
        "Ligne 2, colonne « N° SS », valeur « 2 85 07 ** *** *** ** » : NIR invalide : clé de contrôle incorrecte."
    )
    assert messages[6] == "Ligne 4, colonne « Nom de naissance » : « Nom de naissance » est obligatoire."
    assert messages[9] == ("Ligne 5, colonne « Matricule » : Matricule ou NIR obligatoire (l'un des deux au moins).")
    # the rows are still there, the refused values empty, for the user to see
    assert records.source_line == [2, 3, 4, 5]
    assert rows_of(records.frame, "matricule", "nir", "end_date") == [
        ("M001", None, None),
        ("M002", "1920527055003", date(2026, 3, 16)),
        ("M003", None, None),
        (None, None, date(2026, 3, 16)),
    ]


def test_internal_duplicates_name_both_lines() -> None:
    records = read_fixture("internal_duplicates.csv")
    assert issue_places(records) == [(4, "Matricule", "M001"), (6, "NIR", "1 92 05 ** *** ***")]
    assert records.issues[0].message == (
        "Ligne 4, colonne « Matricule », valeur « M001 » : formation en double : la ligne 2 porte déjà "
        "le même salarié, la même formation et la même date de fin."
    )
    assert "la ligne 5" in records.issues[1].message


def test_roster_duplicates_name_both_lines() -> None:
    records = read_fixture("roster_duplicates.csv", "roster")
    assert [issue.message for issue in records.issues] == [
        "Ligne 4, colonne « Matricule », valeur « M001 » : matricule en double : il figure déjà ligne 2."
    ]


def test_a_roster_line_without_matricule_is_refused() -> None:
    records = read_records(b"Matricule;Nom de naissance\n;DUPONT\n", "s.csv", "roster")
    assert issue_places(records) == [(2, "Matricule", "")]


@pytest.mark.parametrize(
    ("data", "kind", "place"),
    [
        (
            b"Matricule;Nom;Formation;Date debut;Date fin\nM1;A;SST;05/03/2026;03/03/2026\n",
            "internal",
            (2, "Date debut", "05/03/2026"),
        ),
        (
            b"Matricule;Nom;Formation;Date fin;Date d'obtention;Expiration\n"
            b"M1;A;SST;03/03/2026;03/03/2028;03/03/2026\n",
            "internal",
            (2, "Date d'obtention", "03/03/2028"),
        ),
        (b"Matricule;Nom;Entree;Sortie\nM1;A;01/02/2026;31/01/2026\n", "roster", (2, "Entree", "01/02/2026")),
    ],
)
def test_dates_in_the_wrong_order_are_refused(data: bytes, kind: RecordsKind, place: tuple[int, str, str]) -> None:
    records = read_records(data, "a.csv", kind)
    assert issue_places(records) == [place]
    assert "date postérieure" in records.issues[0].message


def test_a_csv_line_with_more_values_than_headers_is_refused() -> None:
    data = b"Matricule;Nom;Formation;Date fin\nM1;A;SST; initiale;03/03/2026\nM2;B;SST;03/03/2026;;\n"
    records = read_records(data, "a.csv", "internal")
    assert [issue.line for issue in records.issues if "valeurs pour 4 colonnes" in issue.message] == [2]


def test_issues_are_capped_with_a_note() -> None:
    lines = [b"Matricule;Nom;Formation;Date fin"] + [b"M%d;A;SST;31/02/2026" % i for i in range(1100)]
    records = read_records(b"\n".join(lines), "a.csv", "internal")
    assert len(records.issues) == MAX_ISSUES
    assert records.file_errors == (
        "1\u202f000 premières erreurs sur 1\u202f100 : seules celles-ci sont listées. "
        "Corrigez-les puis rechargez le fichier.",
    )


def test_text_starting_with_formula_characters_is_kept_as_text() -> None:
    records = read_fixture("internal_formula_text.csv")
    assert records.ok
    assert rows_of(records.frame, "birth_name", "training_title", "organisme") == [
        ('=HYPERLINK("x")', "+SST", "@Formation"),
        ("-LEROY", "Gestes et postures", None),
    ]


# --- templates ----------------------------------------------------------------------------------------

TEMPLATE_FILES: list[tuple[RecordsKind, str]] = [
    ("internal", "modele_formations"),
    ("roster", "modele_salaries"),
]


@pytest.mark.parametrize(("kind", "stem"), TEMPLATE_FILES)
def test_committed_csv_templates_are_the_generated_ones(kind: RecordsKind, stem: str) -> None:
    assert (TEMPLATES / f"{stem}.csv").read_bytes() == template_bytes(kind, "csv")


@pytest.mark.parametrize(
    ("kind", "header"),
    [
        (
            "internal",
            "Matricule;NIR;Nom de naissance;Nom d'usage;Prénom;SIRET de l'établissement;Site;Service;"
            "Formation;Type de formation;Catégorie;Organisme;SIRET de l'organisme;Interne;"
            "Type de justificatif;Date de début;Date de fin;Date de début de validité;"
            "Date de fin de validité;Référence",
        ),
        (
            "roster",
            "Matricule;NIR;Nom de naissance;Nom d'usage;Prénom;SIRET de l'établissement;Site;Service;"
            "Poste;Responsable;Date d'entrée;Date de sortie",
        ),
    ],
)
def test_csv_template_is_utf8_with_bom_semicolons_and_two_examples(kind: RecordsKind, header: str) -> None:
    data = template_bytes(kind, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data[3:].decode("utf-8").split("\r\n")
    assert lines[0] == header
    assert len(lines) == 4 and lines[3] == ""
    assert all(line.count(";") == header.count(";") for line in lines[1:3])


@pytest.mark.parametrize(("kind", "stem"), TEMPLATE_FILES)
def test_templates_read_back_without_issue_and_agree_between_csv_and_xlsx(kind: RecordsKind, stem: str) -> None:
    from_csv = read_records((TEMPLATES / f"{stem}.csv").read_bytes(), f"{stem}.csv", kind)
    from_xlsx = read_records((TEMPLATES / f"{stem}.xlsx").read_bytes(), f"{stem}.xlsx", kind)
    generated = read_records(template_bytes(kind, "xlsx"), f"{stem}.xlsx", kind)
    for records in (from_csv, from_xlsx, generated):
        assert records.ok, (records.file_errors, records.issues)
        assert records.ignored_columns == ()
        assert records.missing_fields == ()
        assert records.source_line == [2, 3]
    columns = [spec.name for spec in (INTERNAL_FIELDS if kind == "internal" else ROSTER_FIELDS)]
    assert rows_of(from_xlsx.frame, *columns) == rows_of(from_csv.frame, *columns)
    assert rows_of(generated.frame, *columns) == rows_of(from_xlsx.frame, *columns)
    assert from_csv.frame["nir"].tolist() == ["2850714118045", "1920527055003"]


def test_xlsx_template_holds_real_dates_and_text_identifiers() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(template_bytes("internal", "xlsx"))).worksheets[0]
    assert sheet["A1"].value == "Matricule"
    assert sheet["B2"].value == "285071411804532"
    assert sheet["B2"].number_format == "@"
    assert sheet["Q2"].value.date() == date(2026, 3, 3)
    assert sheet["Q2"].number_format == "DD/MM/YYYY"


def test_readme_documents_every_header_and_variant() -> None:
    readme = (TEMPLATES / "README.md").read_text(encoding="utf-8")
    for spec in (*INTERNAL_FIELDS, *ROSTER_FIELDS):
        for header in (spec.header_fr, *spec.synonyms, *spec.weak_synonyms):
            assert f"« {header} »" in readme or f"| {header} |" in readme, header


@pytest.mark.parametrize(
    ("header", "encoding"),
    [
        ("Matricule;N° SS;Nom de naissance;Prénom;Intitulé;Date fin", "utf-8"),
        ("Matricule;Nom;Prénom;Colonne inconnue;Date de fin de la formation", "cp1252"),
        ("Code agent;Patronyme;Stage;Fin", "utf-8"),
    ],
)
def test_the_header_check_of_a_big_export_reads_its_head_and_says_what_the_whole_file_would(
    header: str, encoding: str
) -> None:
    line = "M{n};1850575123456;DUPRÉ-ÉLÉONORE;Hélène;Sauveteur secouriste du travail;03/02/2026\n"
    body = "".join(line.format(n=n) for n in range(3_000))
    data = (header + "\n" + body).encode(encoding)
    assert len(data) > HEAD_BYTES  # long enough to be cut, in the middle of a line full of accents
    whole, head = read_records(data, "export.csv", "internal"), read_header(data, "export.csv", "internal")
    assert (head.mapping, head.missing_fields, head.ignored_columns) == (
        whole.mapping,
        whole.missing_fields,
        whole.ignored_columns,
    )
    assert head.encoding == whole.encoding


def test_the_header_check_reads_only_the_head_of_a_big_export() -> None:
    header = "Matricule;Nom de naissance;Formation;Date de fin\n"
    body = "".join(f"M{n};DUPONT;SST;03/02/2026\n" for n in range(5_000))
    data = (header + body + "M9;DUPONT;SST;\n").encode()  # no end date, on the last line
    assert [issue.line for issue in read_records(data, "export.csv", "internal").issues] == [5_002]
    head = read_header(data, "export.csv", "internal")
    assert head.file_errors == () and head.issues == ()
    assert 0 < len(head.frame) < 5_000
