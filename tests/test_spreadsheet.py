"""Lists for people: CSV for a French Excel, XLSX workbooks, both safe from formula injection."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from lib.spreadsheet import neutralize, to_csv_bytes, to_xlsx_bytes

COLUMNS = {
    "matricule": "Matricule",
    "name": "Nom",
    "training": "Formation",
    "end": "Fin de validité",
    "days": "Jours restants",
    "rate": "Taux",
    "up_to_date": "À jour",
    "imported": "Importé le",
}


def people() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "matricule": ["M0001", '=HYPERLINK("http://x")', "M0003"],
            "name": ["Dupont; Marie", "-Martin", 'Lefèvre "Jo"'],
            "training": ["SST", "@SUM(A1)", "+33 6"],
            "end": pd.to_datetime(["2026-06-15", "NaT", "2027-01-02"]),
            "days": [12, -3, 0],
            "rate": [0.5, np.nan, 2.0],
            "up_to_date": [True, False, None],
            "imported": pd.to_datetime(["2026-11-23 08:05", "2026-11-23 08:05", "2026-11-23 08:05"]),
            "ignored": ["not", "exported", "!"],
        }
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6 12", "'+33 6 12"),
        ("-Martin", "'-Martin"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Dupont", "Dupont"),
        ("a=b", "a=b"),
        (" =1", " =1"),
        ("", ""),
        (-3, -3),
        (2.5, 2.5),
        (date(2026, 6, 15), date(2026, 6, 15)),
        (None, None),
    ],
)
def test_text_a_spreadsheet_would_run_as_a_formula_is_neutralised(value: object, expected: object) -> None:
    assert neutralize(value) == expected


def test_the_csv_is_what_a_french_excel_opens_right() -> None:
    assert to_csv_bytes(people(), COLUMNS) == (
        b"\xef\xbb\xbf"
        b"Matricule;Nom;Formation;Fin de validit\xc3\xa9;Jours restants;Taux;\xc3\x80 jour;Import\xc3\xa9 le\r\n"
        b'M0001;"Dupont; Marie";SST;15/06/2026;12;0,5;oui;23/11/2026 08:05\r\n'
        b'"\'=HYPERLINK(""http://x"")";\'-Martin;\'@SUM(A1);;-3;;non;23/11/2026 08:05\r\n'
        b'M0003;"Lef\xc3\xa8vre ""Jo""";\'+33 6;02/01/2027;0;2;;23/11/2026 08:05\r\n'
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (date(2026, 2, 3), "03/02/2026"),
        (datetime(2026, 2, 3, 0, 0), "03/02/2026"),
        (datetime(2026, 2, 3, 14, 7), "03/02/2026 14:07"),
        (pd.Timestamp("2026-02-03"), "03/02/2026"),
        (np.datetime64("2026-02-03"), "03/02/2026"),
        (Decimal("12.50"), "12,50"),
        (1234567.25, "1234567,25"),
        (np.int64(-7), "-7"),
        (np.float64(0.1) + np.float64(0.2), "0,3"),
        (None, ""),
        (pd.NA, ""),
        ("texte\nsur deux lignes", '"texte\nsur deux lignes"'),
    ],
)
def test_each_kind_of_value_is_written_the_french_way(value: object, text: str) -> None:
    frame = pd.DataFrame({"k": ["x"], "v": pd.Series([value], dtype=object)})
    written = to_csv_bytes(frame, {"k": "Clé", "v": "Valeur"})
    assert written == "\ufeffClé;Valeur\r\nx;".encode() + text.encode("utf-8") + b"\r\n"


def test_a_column_absent_from_the_table_is_refused() -> None:
    with pytest.raises(ValueError, match="Colonnes absentes du tableau : site"):
        to_csv_bytes(people(), {"name": "Nom", "site": "Site"})


def test_the_workbook_reads_back_with_its_headers_dates_and_neutralised_text() -> None:
    data = to_xlsx_bytes({"Échéances": (people(), COLUMNS), "Vide": (people().iloc[0:0], {"name": "Nom"})})
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Échéances", "Vide"]
    sheet = book["Échéances"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows == [
        list(COLUMNS.values()),
        ["M0001", "Dupont; Marie", "SST", datetime(2026, 6, 15), 12, 0.5, True, datetime(2026, 11, 23, 8, 5)],
        ['\'=HYPERLINK("http://x")', "'-Martin", "'@SUM(A1)", None, -3, None, False, datetime(2026, 11, 23, 8, 5)],
        ["M0003", 'Lefèvre "Jo"', "'+33 6", datetime(2027, 1, 2), 0, 2, None, datetime(2026, 11, 23, 8, 5)],
    ]
    assert all(cell.font.bold for cell in sheet[1])
    assert not sheet["A2"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:H4"
    assert sheet["D2"].number_format == "DD/MM/YYYY"
    assert sheet["H2"].number_format == "DD/MM/YYYY HH:MM"
    assert sheet["A3"].data_type == "s"
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFGH"}
    assert widths["A"] == len('\'=HYPERLINK("http://x")') + 2
    assert widths["D"] == len("Fin de validité") + 2
    assert widths["G"] == 8
    empty = book["Vide"]
    assert [[cell.value for cell in row] for row in empty.iter_rows()] == [["Nom"]]
    assert empty.auto_filter.ref == "A1:A1"


def test_the_workbook_has_fixed_properties_and_the_same_bytes_each_time() -> None:
    sheets = {"Liste": (people(), COLUMNS)}
    data = to_xlsx_bytes(sheets)
    assert to_xlsx_bytes(sheets) == data
    properties = load_workbook(io.BytesIO(data)).properties
    assert properties.creator == "Passeport de prévention – tableau de bord employeur"
    assert (properties.created, properties.modified) == (datetime(2000, 1, 1), datetime(2000, 1, 1))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_control_characters_excel_refuses_are_dropped_from_the_workbook() -> None:
    frame = pd.DataFrame({"v": ["bip\x07fin", "ligne\nsuivante"]})
    sheet = load_workbook(io.BytesIO(to_xlsx_bytes({"Liste": (frame, {"v": "Valeur"})})))["Liste"]
    assert [sheet["A2"].value, sheet["A3"].value] == ["bipfin", "ligne\nsuivante"]


@pytest.mark.parametrize("name", ["", "a" * 32, "Fin/Début", "Liste?", "'Liste"])
def test_a_sheet_name_excel_refuses_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="Nom de feuille"):
        to_xlsx_bytes({name: (people(), COLUMNS)})


def test_a_workbook_needs_a_sheet() -> None:
    with pytest.raises(ValueError, match="Aucune feuille"):
        to_xlsx_bytes({})
