"""File decoding: the raw grid of a CSV (encoding, separator, quotes), refusals said in French."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from lib.identifiers import (
    clip,
)
from lib.records.fields import Cell
from lib.records.limits import CSV_SEPARATORS, MAX_CELL_CHARS, MAX_COLUMNS, MAX_CSV_FIELD_CHARS, _thousands
from lib.records.values import _CONTROL, cell_text


@dataclass(frozen=True)
class _Table:
    """The raw grid of a file: (line number, cells) of every non-empty row, the header first."""

    rows: list[tuple[int, list[Cell]]]
    encoding: str
    separator: str | None
    errors: tuple[str, ...] = ()
    checks_width: bool = False


_NOT_READABLE = (
    "Le fichier n'est ni un CSV lisible (texte UTF-8 ou Windows-1252) ni un classeur Excel .xlsx : "
    "enregistrez l'export du SIRH au format CSV ou .xlsx."
)
_XLS_REFUSAL = (
    "Le format Excel 97-2003 (.xls) n'est pas pris en charge : ouvrez le fichier dans Excel et "
    "enregistrez-le au format .xlsx (Classeur Excel) ou CSV (séparateur point-virgule)."
)
_XLSX_UNREADABLE = (
    "Le classeur Excel est illisible (fichier endommagé ou d'un autre format) : "
    "enregistrez-le de nouveau au format .xlsx ou CSV."
)
_ODS_REFUSAL = "Le format OpenDocument (.ods) n'est pas pris en charge : enregistrez le fichier au format .xlsx ou CSV."


def _error_table(message: str, encoding: str = "", separator: str | None = None) -> _Table:
    return _Table([], encoding, separator, (message,))


def _is_empty(cells: Sequence[Cell]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HEAD_LINES = 10
_UTF8_HOW_TO = (
    "Rouvrez le fichier dans Excel et enregistrez-le au type « CSV UTF-8 (délimité par des virgules) », "
    "ou corrigez ce caractère dans un éditeur de texte réglé en UTF-8, puis rechargez le fichier."
)


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    """(line, column number) of a byte, columns counted by the header's separator (quotes ignored)."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    first_end = data.find(b"\n")
    header = data[: first_end if first_end >= 0 else len(data)].decode("utf-8", "replace")
    separator = detect_separator(header).encode()
    return data.count(b"\n", 0, offset) + 1, data.count(separator, line_start, offset) + 1


def _decode(data: bytes) -> tuple[str, str] | str | None:
    """The text and its encoding; a French refusal for a UTF-8 file spoilt by a foreign byte; None if binary.

    Windows-1252 is guessed only when the first lines (the header and the title above it) hold no UTF-8
    character: otherwise the file is UTF-8 with a broken byte, and reading it as Windows-1252 would turn
    « Prénom » into « PrÃ©nom », an unrecognised header whose column would be dropped.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            return None
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8-sig")
        return text, ("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError as error:
        invalid = error.start
    head_end = 0
    for _ in range(_HEAD_LINES):
        found = data.find(b"\n", head_end)
        if found < 0:
            head_end = len(data)
            break
        head_end = found + 1
    if data.startswith(b"\xef\xbb\xbf") or _UTF8_SEQUENCE.search(data, 0, head_end):
        line, column = _byte_position(data, invalid)
        return (
            f"Ligne {line}, colonne {column} : l'octet 0x{data[invalid]:02X} n'est pas un caractère UTF-8, alors "
            "que le reste du fichier est en UTF-8 (ses en-têtes accentués le montrent) : le fichier mélange deux "
            f"encodages et ses colonnes accentuées seraient mal lues. {_UTF8_HOW_TO}"
        )
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return None


def detect_separator(header_line: str) -> str:
    """The separator of a CSV, from its header line: the candidate seen most often outside quotes."""
    counts = dict.fromkeys(CSV_SEPARATORS, 0)
    in_quotes = False
    for char in header_line:
        if char == '"':
            in_quotes = not in_quotes
        elif not in_quotes and char in counts:
            counts[char] += 1
    best = max(CSV_SEPARATORS, key=lambda sep: counts[sep])  # max keeps the first of equals
    return best if counts[best] else ";"


def _column_label(index: int, header: Sequence[Cell] | None) -> str:
    """« Nom » (the header's name for a 0-based column), or « n° 3 » when the header does not name it."""
    name = " ".join(cell_text(header[index]).split()) if header is not None and index < len(header) else ""
    return f"« {clip(name)} »" if name else f"n° {index + 1}"


def _line_offset(text: str, line: int) -> int:
    """Where physical line `line` (1-based, as the CSV reader counts lines) starts in `text`."""
    source = io.StringIO(text, newline="")
    offset = 0
    for _ in range(line - 1):
        read = source.readline()
        if not read:
            break
        offset += len(read)
    return offset


def _oversized_column(text: str, offset: int, separator: str) -> int:
    """The 0-based column of the first field longer than the CSV reader's limit, in the record at `offset`."""
    column = length = 0
    in_quotes = False
    for char in itertools.islice(text, offset, None):
        if char == '"':
            in_quotes = not in_quotes
        elif char == separator and not in_quotes:
            column, length = column + 1, 0
            continue
        elif char in "\r\n" and not in_quotes:
            break
        length += 1
        if length > MAX_CSV_FIELD_CHARS:
            break
    return column


def _swallows_rows(record: Sequence[str], separator: str) -> bool:
    """Whether a value spans lines that hold the separator: rows of the file inside an unclosed quote.

    A quoted value may hold a line break (Alt+Entrée in Excel: « session⏎de mars »); one whose next lines
    carry the separator is an opening quote closed lines later, which would make several rows one value.
    """
    return any(separator in part for cell in record if "\n" in cell or "\r" in cell for part in cell.splitlines()[1:])


def _read_csv(data: bytes) -> _Table:
    decoded = _decode(data)
    if decoded is None:
        return _error_table(_NOT_READABLE)
    if isinstance(decoded, str):
        return _error_table(decoded)
    text, encoding = decoded
    text = text.lstrip("\ufeff")
    control = len(_CONTROL.findall(text[:4096]))
    if control > max(3, len(text[:4096]) // 20):
        return _error_table(_NOT_READABLE, encoding)
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    if not header_line:
        return _error_table("Le fichier est vide.", encoding)
    separator = detect_separator(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, quotechar='"')
    rows: list[tuple[int, list[Cell]]] = []
    start = 1
    header: list[Cell] | None = None
    try:
        for record in reader:
            if len(record) > MAX_COLUMNS:
                return _error_table(
                    f"Ligne {start} : {_thousands(len(record))} colonnes, {MAX_COLUMNS} au maximum. Un export du "
                    "SIRH n'en a pas tant : vérifiez le séparateur, ou retirez les colonnes inutiles.",
                    encoding,
                    separator,
                )
            if reader.line_num > start and _swallows_rows(record, separator):
                column = next(i for i, cell in enumerate(record) if _swallows_rows([cell], separator))
                return _error_table(
                    f'Ligne {start}, colonne {_column_label(column, header)} : un guillemet (") ouvre une valeur '
                    f"qui ne se ferme qu'à la ligne {reader.line_num} ; les lignes entre les deux, avec leurs "
                    f"« {separator} », seraient lues comme une seule valeur et perdues. Retirez ce guillemet, ou "
                    "fermez-le sur la même ligne, puis rechargez le fichier.",
                    encoding,
                    separator,
                )
            cells: list[Cell] = list(record)
            if not _is_empty(cells):
                rows.append((start, cells))
                if header is None:
                    header = cells
            start = reader.line_num + 1
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            column = _oversized_column(text, _line_offset(text, start), separator)
            return _error_table(
                f"Ligne {start}, colonne {_column_label(column, header)} : valeur de plus de "
                f"{_thousands(MAX_CSV_FIELD_CHARS)} caractères, la limite du lecteur CSV ; une valeur d'un export "
                f"SIRH en compte au plus {_thousands(MAX_CELL_CHARS)}. Un guillemet non fermé a sans doute absorbé "
                "la suite du fichier : vérifiez cette ligne.",
                encoding,
                separator,
            )
        return _error_table(f"Ligne {start} : le CSV est mal formé ({error}).", encoding, separator)
    return _Table(rows, encoding, separator, checks_width=True)
