"""The documented import templates (CSV and XLSX): French headers and two fictitious lines."""

from __future__ import annotations

import io
from datetime import date
from typing import Literal

import openpyxl
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from lib.records.fields import RecordsKind, fields_of
from lib.records.values import parse_value

_TEMPLATE_ROWS: dict[RecordsKind, tuple[tuple[str, ...], ...]] = {
    "internal": (
        (
            "M00123",
            "2 85 07 14 118 045 32",
            "BERNARD",
            "MOREAU",
            "Hélène",
            "482 135 795 00029",
            "Évreux",
            "Logistique",
            "Sauveteur secouriste du travail (SST) - formation initiale",
            "SST",
            "2",
            "Secours Formation Normandie",
            "731 254 686 00017",
            "non",
            "JDR",
            "02/03/2026",
            "03/03/2026",
            "03/03/2026",
            "02/03/2028",
            "SST-2026-03",
        ),
        (
            "M00457",
            "1 92 05 27 055 003 27",
            "LEROY",
            "",
            "Karim",
            "482 135 795 00029",
            "Évreux",
            "Maintenance",
            "Accueil sécurité des nouveaux arrivants",
            "Accueil sécurité",
            "3",
            "",
            "",
            "oui",
            "ADF",
            "16/03/2026",
            "16/03/2026",
            "",
            "",
            "ACC-2026-11",
        ),
    ),
    "roster": (
        (
            "M00123",
            "2 85 07 14 118 045 32",
            "BERNARD",
            "MOREAU",
            "Hélène",
            "482 135 795 00029",
            "Évreux",
            "Logistique",
            "Cariste",
            "Sophie DURAND",
            "01/09/2014",
            "",
        ),
        (
            "M00457",
            "1 92 05 27 055 003 27",
            "LEROY",
            "",
            "Karim",
            "482 135 795 00029",
            "Évreux",
            "Maintenance",
            "Électricien de maintenance",
            "Marc PETIT",
            "16/03/2026",
            "",
        ),
    ),
}


def template_bytes(kind: RecordsKind, fmt: Literal["csv", "xlsx"]) -> bytes:
    """The documented template: French headers and two fictitious example lines (data/templates/)."""
    specs = fields_of(kind)
    examples = _TEMPLATE_ROWS[kind]
    if fmt == "csv":
        lines = [";".join(spec.header_fr for spec in specs), *(";".join(row) for row in examples)]
        return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Formations" if kind == "internal" else "Salariés"
    sheet.append([spec.header_fr for spec in specs])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for line, row in enumerate(examples, start=2):
        for column, (spec, text) in enumerate(zip(specs, row, strict=True), start=1):
            cell = sheet.cell(row=line, column=column)
            value, _ = parse_value(spec, text) if spec.kind in ("date", "int") else (None, None)
            if spec.kind == "date" and isinstance(value, date):
                cell.value = value
                cell.number_format = "DD/MM/YYYY"
            elif spec.kind == "int" and isinstance(value, int):
                cell.value = value
            else:
                cell.value = text.replace(" ", "") if spec.kind in ("nir", "siret") else (text or None)
                cell.number_format = "@"
    for column, spec in enumerate(specs, start=1):
        letter = sheet.cell(row=1, column=column).column_letter
        sheet.column_dimensions[letter].width = max(12, len(spec.header_fr) + 2)
        if spec.kind in ("nir", "siret") or spec.name == "matricule":
            for line in range(2, 1001):
                sheet.cell(row=line, column=column).number_format = "@"
        choices = {"bool": '"oui,non"', "proof": '"ADF,JDR"', "int": '"1,2,3,4"'}.get(spec.kind)
        if choices is not None:
            validation = DataValidation(type="list", formula1=choices, allow_blank=True)
            validation.add(f"{letter}2:{letter}1000")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
