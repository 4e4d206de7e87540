"""Lists for people as CSV (French Excel conventions) and XLSX, safe from formula injection."""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read text as a formula (OWASP « CSV injection »)."""

CSV_SEPARATOR = ";"
UTF8_BOM = b"\xef\xbb\xbf"
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
WORKBOOK_AUTHOR = "Passeport de prévention – tableau de bord employeur"
WORKBOOK_TIMESTAMP = datetime(2000, 1, 1)
"""Fixed creation and modification dates: the same lists give the same bytes."""

_ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
_MAX_COLUMN_WIDTH = 60
_MIN_COLUMN_WIDTH = 8
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralize(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; other values are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def _plain(value: object) -> object:
    """A cell value as Python knows it: None, bool, int, float, Decimal, date, datetime or str."""
    if _is_missing(value):
        return None
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        return value.date() if value.time() == datetime.min.time() else value
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        item = value.item()
        return _plain(item) if item is not value else item
    return value


def _checked_columns(frame: pd.DataFrame, columns: Mapping[str, str]) -> None:
    absent = [name for name in columns if name not in frame.columns]
    if absent:
        raise ValueError(f"Colonnes absentes du tableau : {', '.join(absent)}.")


def _csv_text(value: object) -> str:
    plain = _plain(value)
    if plain is None:
        return ""
    if isinstance(plain, bool):
        return "oui" if plain else "non"
    if isinstance(plain, datetime):
        return plain.strftime("%d/%m/%Y %H:%M")
    if isinstance(plain, date):
        return plain.strftime("%d/%m/%Y")
    if isinstance(plain, int):
        return str(plain)
    if isinstance(plain, float):
        # A French Excel reads « 3,5 » as a number in a `;` separated file, and « 3.5 » as text.
        return f"{plain:.15g}".replace(".", ",")
    if isinstance(plain, Decimal):
        return str(plain).replace(".", ",")
    text = neutralize(str(plain))
    assert isinstance(text, str)
    return text


def to_csv_bytes(frame: pd.DataFrame, columns: Mapping[str, str]) -> bytes:
    """The frame's `columns` (name → French header, in that order) as a CSV for a French Excel.

    `;` separator, UTF-8 with BOM (so Excel guesses the encoding), CRLF line ends, dates jj/mm/aaaa,
    decimal comma, quotes only where a value needs them, text neutralised against formula injection.
    """
    _checked_columns(frame, columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_SEPARATOR, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(list(columns.values()))
    names = list(columns)
    for record in frame[names].itertuples(index=False, name=None):
        writer.writerow([_csv_text(value) for value in record])
    return UTF8_BOM + buffer.getvalue().encode("utf-8")


def _xlsx_value(value: object) -> Any:
    plain = _plain(value)
    if isinstance(plain, str):
        text = neutralize(_XLSX_ILLEGAL.sub("", plain))
        return text
    return plain


def _text_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    return max((len(part) for part in str(value).splitlines()), default=0)


def _checked_sheet_name(name: str) -> str:
    if not name or len(name) > 31 or _SHEET_NAME_FORBIDDEN.search(name) or name.startswith("'"):
        raise ValueError(
            f"Nom de feuille « {name} » invalide : 1 à 31 caractères, sans [ ] : * ? / \\ ni apostrophe initiale."
        )
    return name


def _deterministic_zip(data: bytes) -> bytes:
    """The same archive with fixed entry timestamps, so identical workbooks have identical bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIMESTAMP)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            archive.writestr(entry, source.read(info.filename))
    return target.getvalue()


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    """A date as a real date cell shown jj/mm/aaaa (openpyxl's own default is ISO), any other value as it is."""
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


def to_xlsx_bytes(sheets: Mapping[str, tuple[pd.DataFrame, Mapping[str, str]]]) -> bytes:
    """A workbook with one sheet per entry (name → frame and its columns, name → French header).

    Bold header frozen at the top, an autofilter, widths fitted to the content, real date cells shown
    jj/mm/aaaa, text neutralised against formula injection, fixed workbook properties. Rows are streamed to
    the file (openpyxl's write-only mode): a list of 45,000 rows takes seconds, not tens of seconds.
    """
    if not sheets:
        raise ValueError("Aucune feuille à écrire.")
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, (frame, columns) in sheets.items():
        _checked_columns(frame, columns)
        sheet = workbook.create_sheet(_checked_sheet_name(name))
        headers = list(columns.values())
        rows = [[_xlsx_value(v) for v in record] for record in frame[list(columns)].itertuples(index=False, name=None)]
        # Widths and the frozen header go at the top of the sheet's file: set before the first row is written.
        for index, header in enumerate(headers):
            width = max([len(header), *(_text_width(values[index]) for values in rows)])
            size = min(max(width + 2, _MIN_COLUMN_WIDTH), _MAX_COLUMN_WIDTH)
            sheet.column_dimensions[get_column_letter(index + 1)].width = size
        sheet.freeze_panes = "A2"
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(sheet, value=_xlsx_value(header))
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        for values in rows:
            sheet.append([_xlsx_cell(sheet, value) for value in values])
        last = get_column_letter(max(len(headers), 1))
        sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    properties = workbook.properties
    properties.creator = WORKBOOK_AUTHOR
    properties.lastModifiedBy = WORKBOOK_AUTHOR
    properties.created = WORKBOOK_TIMESTAMP
    properties.modified = WORKBOOK_TIMESTAMP
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).write_data()
    return _deterministic_zip(buffer.getvalue())


ERROR_REPORT_COLUMNS = {"line": "Ligne", "column": "Colonne", "value": "Valeur", "message": "Problème"}


def error_report_name(file_name: str) -> str:
    """The download name of a refused file's error report: « erreurs_salaries.csv » for « salaries.csv »."""
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    stem = re.sub(r"[^\w .()-]+", "_", stem).strip(" .") or "fichier"
    return f"erreurs_{stem[:100]}.csv"


def error_report_csv(frame: pd.DataFrame) -> bytes:
    """The error report (columns line, column, value, message) as a French Excel CSV, neutralised like every list."""
    return to_csv_bytes(frame, ERROR_REPORT_COLUMNS)
