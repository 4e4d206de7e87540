"""Reading an XLSX workbook, bounded: zip-bomb checks, then the sheet's rows cell by cell."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import WorkSheetParser

from lib.identifiers import (
    clip,
)
from lib.records.decoding import _XLSX_UNREADABLE, _error_table, _Table
from lib.records.fields import Cell
from lib.records.limits import (
    MAX_COLUMNS,
    XLSX_ENCODING,
    XLSX_MAX_ENTRIES,
    XLSX_MAX_PART_BYTES,
    XLSX_MAX_RATIO,
    XLSX_MAX_SHARED_STRINGS_BYTES,
    XLSX_MAX_TOTAL_BYTES,
    XLSX_RATIO_FLOOR,
    _mb,
)


def _zip_bomb(data: bytes) -> str | None:
    """Why a workbook is refused before openpyxl reads it: parts too large once decompressed, or too compressed.

    The sizes come from the zip directory; Python's zipfile never yields more than the size declared there
    (and checks the CRC), so a part that lies about its size fails to read instead of growing.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        if len(infos) > XLSX_MAX_ENTRIES:
            return (
                f"Le classeur Excel compte {len(infos)} parties ({XLSX_MAX_ENTRIES} au maximum) : "
                "ce n'est pas un export ordinaire. Enregistrez-le de nouveau au format .xlsx ou CSV."
            )
        total = 0
        for info in infos:
            size = info.file_size
            total += size
            shared = info.filename.casefold().endswith("sharedstrings.xml")
            limit = XLSX_MAX_SHARED_STRINGS_BYTES if shared else XLSX_MAX_PART_BYTES
            name = clip(info.filename)
            what = "le texte partagé" if shared else f"la partie « {name} »"
            if size > limit:
                return (
                    f"Le classeur Excel est refusé : {what} occupe {_mb(size)} Mo une fois décompressé"
                    f"{'' if shared else 'e'}, {_mb(limit)} Mo au maximum. Enregistrez-le au format CSV, "
                    "ou découpez-le."
                )
            if size > XLSX_RATIO_FLOOR and size > XLSX_MAX_RATIO * max(info.compress_size, 1):
                return (
                    f"Le classeur Excel est refusé : {what} se décompresse en {_mb(size)} Mo pour "
                    f"{_mb(info.compress_size)} Mo dans le fichier (plus de {XLSX_MAX_RATIO} fois) ; un "
                    "export SIRH n'a pas cette forme. Enregistrez-le de nouveau depuis Excel au format .xlsx "
                    "ou CSV."
                )
        if total > XLSX_MAX_TOTAL_BYTES:
            return (
                f"Le classeur Excel occupe {_mb(total)} Mo une fois décompressé, "
                f"{_mb(XLSX_MAX_TOTAL_BYTES)} Mo au maximum : enregistrez-le au format CSV, ou découpez-le."
            )
    return None


def _sheet_rows(workbook: Any, worksheet: Any) -> Iterator[tuple[int, list[Cell]] | str]:
    """The non-empty rows of a read-only sheet, MAX_COLUMNS wide; a French refusal for a value beyond.

    openpyxl's own iter_rows fills every row up to the last used column (16 384 cells a row for one value in
    XFD) and every missing row up to the last: the parser's rows are read directly, cell by cell.
    """
    with worksheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            worksheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for line, parsed in parser.parse():
            cells: list[Cell] = []
            for cell in parsed:
                column, value = cell["column"], cell["value"]
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                if column > MAX_COLUMNS:
                    yield (
                        f"Ligne {line}, colonne {get_column_letter(column)} : le classeur a des valeurs au-delà de "
                        f"la colonne {get_column_letter(MAX_COLUMNS)} ({MAX_COLUMNS} colonnes au maximum). "
                        "Supprimez les colonnes inutiles (et les cellules remplies par erreur loin à droite), "
                        "puis rechargez le fichier."
                    )
                    return
                if column > len(cells):
                    cells.extend([None] * (column - len(cells)))
                cells[column - 1] = value
            if cells:
                yield line, cells


def _read_xlsx(data: bytes, sheet: str | None) -> _Table:
    try:
        refusal = _zip_bomb(data)
    except (zipfile.BadZipFile, OSError, ValueError):
        return _error_table(_XLSX_UNREADABLE, XLSX_ENCODING)
    if refusal is not None:
        return _error_table(refusal, XLSX_ENCODING)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign zip
        return _error_table(_XLSX_UNREADABLE, XLSX_ENCODING)
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            names = ", ".join(f"« {clip(name)} »" for name in workbook.sheetnames)
            return _error_table(
                f"La feuille « {clip(sheet)} » n'existe pas dans le classeur (feuilles : {names}).", XLSX_ENCODING
            )
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        rows: list[tuple[int, list[Cell]]] = []
        try:
            for item in _sheet_rows(workbook, worksheet):
                if isinstance(item, str):
                    return _error_table(item, XLSX_ENCODING)
                rows.append(item)
        except Exception:  # a damaged sheet: the XML parser and openpyxl's converters raise many kinds
            return _error_table(_XLSX_UNREADABLE, XLSX_ENCODING)
        return _Table(rows, XLSX_ENCODING, None)
    finally:
        workbook.close()
