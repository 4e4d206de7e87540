"""read_records and read_header: a file into the canonical table of its kind, with every problem in French."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence

import pandas as pd

from lib.identifiers import (
    INVISIBLE_CHARACTERS,
    SHOWN_CHARS,
)
from lib.records.decoding import _ODS_REFUSAL, _XLS_REFUSAL, _XLSX_UNREADABLE, _error_table, _read_csv, _Table
from lib.records.fields import Cell, RecordIssue, RecordsFile, RecordsKind, fields_of
from lib.records.headers import _header_index_in, _headers, _missing_message, _resolve_mapping
from lib.records.limits import MAX_CELL_CHARS, MAX_ISSUES, XLSX_ENCODING, _thousands
from lib.records.rows import _check_duplicates, _check_row, _data_rows, _Issues, _Removed, _shown_value
from lib.records.values import Parsed, parse_value
from lib.records.workbook import _read_xlsx


def _read_table(data: bytes, file_name: str, sheet: str | None) -> _Table:
    suffix = file_name.rsplit(".", 1)[-1].casefold() if "." in file_name else ""
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") or suffix == "xls":
        return _error_table(_XLS_REFUSAL)
    if suffix == "ods" or (data.startswith(b"PK\x03\x04") and b"opendocument" in data[:200]):
        return _error_table(_ODS_REFUSAL)
    if not data.strip():
        return _error_table("Le fichier est vide.")
    if data.startswith(b"PK\x03\x04") or suffix in ("xlsx", "xlsm"):
        if not zipfile.is_zipfile(io.BytesIO(data)):
            return _error_table(_XLSX_UNREADABLE, XLSX_ENCODING)
        return _read_xlsx(data, sheet)
    return _read_csv(data)


def _empty_frame(kind: RecordsKind) -> pd.DataFrame:
    return _frame(kind, {spec.name: [] for spec in fields_of(kind)})


def _frame(kind: RecordsKind, columns: Mapping[str, list[object]]) -> pd.DataFrame:
    series: dict[str, pd.Series] = {}
    for spec in fields_of(kind):
        values = columns[spec.name]
        dtype = "Int64" if spec.kind == "int" else bool if spec.kind == "bool" else object
        series[spec.name] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(series)


def _result(
    kind: RecordsKind,
    table: _Table,
    *,
    mapping: dict[str, str] | None = None,
    ignored: Sequence[str] = (),
    errors: Sequence[str] = (),
    frame: pd.DataFrame | None = None,
    lines: list[int] | None = None,
    issues: Sequence[RecordIssue] = (),
    warnings: Sequence[str] = (),
) -> RecordsFile:
    mapped = set((mapping or {}).values())
    return RecordsFile(
        kind=kind,
        frame=frame if frame is not None else _empty_frame(kind),
        source_line=lines or [],
        mapping=mapping or {},
        ignored_columns=tuple(ignored),
        missing_fields=tuple(spec.name for spec in fields_of(kind) if spec.name not in mapped),
        file_errors=(*table.errors, *errors),
        issues=tuple(issues),
        encoding=table.encoding,
        separator=table.separator,
        warnings=tuple(warnings),
    )


def read_records(
    data: bytes,
    file_name: str,
    kind: RecordsKind,
    *,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
) -> RecordsFile:
    """Read an HR export (CSV or XLSX) into the canonical table of `kind`, with every problem in French.

    `mapping` (file header → canonical field, "" to ignore a column) overrides the automatic recognition
    for the headers it names. Nothing is refused here: the caller refuses the file unless `ok`.
    """
    table = _read_table(data, file_name, sheet)
    if table.errors:
        return _result(kind, table)
    if not table.rows:
        return _result(kind, table, errors=["Le fichier est vide."])
    header_index = _header_index_in(table, kind, mapping)
    header_line = table.rows[header_index][0]
    headers = _headers(table.rows[header_index][1])
    data_rows = table.rows[header_index + 1 :]
    named = [h for h in headers if h]
    field_of, errors = _resolve_mapping(named, kind, mapping)
    field_of = {h: field_of[h] for h in named if h in field_of}
    repeated = sorted({h for h in named if named.count(h) > 1 and h in field_of})
    errors.extend(f"La colonne « {h} » apparaît plusieurs fois dans l'en-tête." for h in repeated)
    ignored = [h for h in named if h not in field_of]
    missing = _missing_message(kind, set(field_of.values()), ignored)
    if missing is not None:
        errors.insert(0, missing)
    if not data_rows and not errors:
        errors.append(f"Le fichier ne contient que la ligne d'en-tête (ligne {header_line}) : aucune ligne de données.")
    if errors:
        return _result(kind, table, mapping=field_of, ignored=ignored, errors=errors)

    specs = fields_of(kind)
    position = {field_of[h]: i for i, h in enumerate(headers) if h in field_of}
    header_of = {name: headers[i] for name, i in position.items()}
    columns: dict[str, list[object]] = {spec.name: [] for spec in specs}
    lines: list[int] = []
    parsed_rows: list[tuple[int, dict[str, object]]] = []
    issues = _Issues()
    parsed: dict[tuple[str, type, Cell], Parsed] = {}  # HR exports repeat sites, titles, dates, SIRETs
    removed = _Removed()
    for line, cells in _data_rows(data_rows, len(headers), table.checks_width, issues):
        row: dict[str, object] = {}
        for spec in specs:
            index = position.get(spec.name)
            cell = cells[index] if index is not None and index < len(cells) else None
            if isinstance(cell, str):
                if len(cell) > MAX_CELL_CHARS:
                    row[spec.name] = None
                    issues.add(
                        line,
                        header_of[spec.name],
                        _shown_value(spec, cell[: 2 * SHOWN_CHARS]) + "…",
                        f"valeur de {_thousands(len(cell))} caractères : {_thousands(MAX_CELL_CHARS)} au maximum",
                    )
                    continue
                if INVISIBLE_CHARACTERS.search(cell):
                    removed.add(line, header_of[spec.name], INVISIBLE_CHARACTERS.findall(cell))
                    cell = INVISIBLE_CHARACTERS.sub("", cell)
            key = (spec.kind, type(cell), cell)
            if key not in parsed:
                parsed[key] = parse_value(spec, cell)
            value, problem = parsed[key]
            row[spec.name] = value
            if problem is not None:
                issues.add(line, header_of[spec.name], _shown_value(spec, cell), problem)
            elif spec.mandatory and value is None:
                issues.add(line, header_of[spec.name], "", f"« {spec.header_fr} » est obligatoire")
        _check_row(kind, line, row, cells, position, header_of, issues)
        for name, value in row.items():
            columns[name].append(value)
        lines.append(line)
        parsed_rows.append((line, row))
    _check_duplicates(kind, parsed_rows, header_of, issues)
    found = sorted(issues.items, key=lambda issue: issue.line)
    errors = []
    if issues.dropped:
        total = _thousands(MAX_ISSUES + issues.dropped)
        errors.append(
            f"{_thousands(MAX_ISSUES)} premières erreurs sur {total} : seules celles-ci sont listées. "
            "Corrigez-les puis rechargez le fichier."
        )
    return _result(
        kind,
        table,
        mapping=field_of,
        ignored=ignored,
        errors=errors,
        frame=_frame(kind, columns),
        lines=lines,
        issues=found,
        warnings=removed.warnings(),
    )


HEAD_BYTES = 65_536
"""What read_header reads of a CSV: the header and a few hundred lines."""


def read_header(data: bytes, file_name: str, kind: RecordsKind) -> RecordsFile:
    """read_records on the first lines of a CSV only: what the column mapping needs (mapping, missing_fields,
    ignored_columns), in a blink for a 200 MB export. Workbooks and UTF-16 files are read whole."""
    head = data[:HEAD_BYTES]
    spreadsheet = data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")) or file_name.casefold().endswith(
        (".xlsx", ".xlsm", ".xls", ".ods")
    )
    if len(data) > HEAD_BYTES and not spreadsheet and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        cut = head.rfind(b"\n")
        head = head[: cut + 1] if cut > 0 else head
        return read_records(head, file_name, kind)
    return read_records(data, file_name, kind)
