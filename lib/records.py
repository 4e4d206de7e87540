"""Reading the HR system's exports (internal training records, employee roster) into typed tables."""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

import openpyxl
import pandas as pd
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.worksheet.datavalidation import DataValidation

from lib.identifiers import (
    INVISIBLE_CHARACTERS,
    SHOWN_CHARS,
    clip,
    invisible_name,
    is_valid_siret,
    mask_nir,
    mask_nirs_in,
    nir_problem,
)

RecordsKind = Literal["internal", "roster"]
FieldKind = Literal["text", "date", "int", "bool", "nir", "siret", "proof"]
ProofKind = Literal["ADF", "JDR"]
Cell = str | int | float | bool | date | datetime | time | None

MAX_ISSUES = 1000
MAX_COLUMNS = 200
"""Columns a file may have: an HR export has a few dozen; more is refused before any header is compared."""
MAX_CELL_CHARS = 1000
"""The longest value of an HR field (a name, a training title): a longer one is refused, never stored."""
MAX_CSV_FIELD_CHARS = csv.field_size_limit()
"""Python's CSV reader refuses a longer field (131 072 characters): said in French, with line and column."""
XLSX_MAX_PART_BYTES = 256_000_000
"""The largest part of a workbook once decompressed (a sheet of a 200 MB export stays well below)."""
XLSX_MAX_SHARED_STRINGS_BYTES = 64_000_000
"""The shared strings are read whole before the first row: bounded on their own."""
XLSX_MAX_TOTAL_BYTES = 1_000_000_000
XLSX_MAX_RATIO = 100
"""A part of more than XLSX_RATIO_FLOOR bytes may be at most this many times its compressed size."""
XLSX_RATIO_FLOOR = 1_000_000
XLSX_MAX_ENTRIES = 10_000
MAX_WARNED_LOCATIONS = 20
CSV_SEPARATORS: tuple[str, ...] = (";", "\t", "|", ",")  # tie order: the French habit first
XLSX_ENCODING = "xlsx"
_HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class FieldSpec:
    """One canonical column: its identifier, the template's French header, and the headers recognised for it.

    `weak_synonyms` are only used when no column of the file matched the header or a synonym
    (« Nom » is the birth name only when the file has no « Nom de naissance » column).
    """

    name: str
    header_fr: str
    mandatory: bool
    kind: FieldKind
    synonyms: tuple[str, ...] = ()
    weak_synonyms: tuple[str, ...] = ()


_PERSON_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "matricule",
        "Matricule",
        False,
        "text",
        (
            "Mat.",
            "Matricule salarié",
            "Matricule paie",
            "ID salarié",
            "Identifiant salarié",
            "Code salarié",
            "N° salarié",
            "ID employé",
            "Code employé",
        ),
    ),
    FieldSpec(
        "nir",
        "NIR",
        False,
        "nir",
        (
            "N° SS",
            "N° de SS",
            "NSS",
            "N° sécurité sociale",
            "Numéro de sécurité sociale",
            "Sécurité sociale",
            "N° INSEE",
        ),
    ),
    FieldSpec(
        "birth_name",
        "Nom de naissance",
        True,
        "text",
        ("Nom patronymique", "Nom de jeune fille", "Nom de famille"),
        ("Nom", "Nom du salarié", "Nom salarié"),
    ),
    FieldSpec("usage_name", "Nom d'usage", False, "text", ("Nom usuel", "Nom marital", "Nom d'épouse")),
    FieldSpec("first_name", "Prénom", False, "text", ("Prénoms", "Premier prénom")),
    FieldSpec(
        "establishment_siret",
        "SIRET de l'établissement",
        False,
        "siret",
        ("SIRET établissement", "SIRET", "SIRET employeur"),
        ("Établissement",),
    ),
    FieldSpec("site", "Site", False, "text", ("Lieu de travail", "Site de travail", "Agence")),
    FieldSpec("service", "Service", False, "text", ("Unité", "Équipe", "Section")),
)

INTERNAL_FIELDS: tuple[FieldSpec, ...] = _PERSON_FIELDS + (
    FieldSpec(
        "training_title",
        "Formation",
        True,
        "text",
        (
            "Intitulé formation",
            "Intitulé de la formation",
            "Intitulé",
            "Libellé",
            "Libellé formation",
            "Libellé de la formation",
            "Nom de la formation",
            "Stage",
            "Intitulé du stage",
            "Action de formation",
        ),
    ),
    FieldSpec(
        "training_type",
        "Type de formation",
        False,
        "text",
        ("Type formation", "Famille de formation", "Thème"),
        ("Type",),
    ),
    FieldSpec("category", "Catégorie", False, "int", ("Cat.", "Catégorie de formation")),
    FieldSpec(
        "organisme",
        "Organisme",
        False,
        "text",
        ("Organisme de formation", "Organisme formateur", "OF", "Prestataire", "Centre de formation"),
    ),
    FieldSpec(
        "organisme_siret",
        "SIRET de l'organisme",
        False,
        "siret",
        ("SIRET organisme", "SIRET organisme de formation", "SIRET OF", "SIRET prestataire"),
    ),
    FieldSpec(
        "is_internal",
        "Interne",
        False,
        "bool",
        ("Formation interne", "Interne/Externe", "Interne ou externe"),
    ),
    FieldSpec(
        "proof_kind",
        "Type de justificatif",
        False,
        "proof",
        ("Justificatif", "Type de preuve", "Nature du justificatif", "ADF/JDR"),
    ),
    FieldSpec(
        "start_date",
        "Date de début",
        False,
        "date",
        ("Date début", "Début", "Date de début de formation", "Date début formation"),
    ),
    FieldSpec(
        "end_date",
        "Date de fin",
        True,
        "date",
        ("Date fin", "Fin", "Date de fin de formation", "Date fin formation"),
        ("Date de formation", "Date de réalisation", "Date"),
    ),
    FieldSpec(
        "validity_start",
        "Date de début de validité",
        False,
        "date",
        ("Début de validité", "Date début validité", "Date d'obtention", "Valide à partir du"),
    ),
    FieldSpec(
        "validity_end",
        "Date de fin de validité",
        False,
        "date",
        (
            "Fin de validité",
            "Date fin validité",
            "Validité jusqu'au",
            "Valable jusqu'au",
            "Date d'expiration",
            "Expiration",
            "Date limite de validité",
            "Date de recyclage",
            "Prochain recyclage",
            "Échéance",
            "Date d'échéance",
        ),
    ),
    FieldSpec(
        "reference",
        "Référence",
        False,
        "text",
        ("Réf.", "Référence de la session", "Référence session", "N° de session", "Code session"),
    ),
)

ROSTER_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("matricule", "Matricule", True, "text", _PERSON_FIELDS[0].synonyms),
    *_PERSON_FIELDS[1:],
    FieldSpec(
        "manager",
        "Responsable",
        False,
        "text",
        ("Manager", "N+1", "Responsable hiérarchique", "Supérieur hiérarchique", "Manager direct"),
    ),
    FieldSpec(
        "entry_date",
        "Date d'entrée",
        False,
        "date",
        ("Date entrée", "Entrée", "Date d'embauche", "Date embauche", "Date d'arrivée"),
    ),
    FieldSpec(
        "exit_date",
        "Date de sortie",
        False,
        "date",
        ("Date sortie", "Sortie", "Date de départ", "Date départ"),
    ),
)

# Internal records name the person by matricule or by NIR: one of the two is enough.
_ONE_OF: dict[RecordsKind, tuple[str, ...]] = {"internal": ("matricule", "nir"), "roster": ()}
# (earlier, later) pairs of date fields: a record where the later comes first is an error.
_DATE_ORDER: dict[RecordsKind, tuple[tuple[str, str], ...]] = {
    "internal": (("start_date", "end_date"), ("validity_start", "validity_end")),
    "roster": (("entry_date", "exit_date"),),
}


def fields_of(kind: RecordsKind) -> tuple[FieldSpec, ...]:
    return INTERNAL_FIELDS if kind == "internal" else ROSTER_FIELDS


@dataclass(frozen=True)
class RecordIssue:
    """One refused value: `line` as the user counts it (CSV header = 1, XLSX row), `column` as written."""

    line: int
    column: str
    value: str
    message: str


@dataclass(frozen=True, eq=False)
class RecordsFile:
    """What was read from one HR file: the canonical table, and everything that went wrong, in French."""

    kind: RecordsKind
    frame: pd.DataFrame
    source_line: list[int]
    mapping: dict[str, str]
    ignored_columns: tuple[str, ...]
    missing_fields: tuple[str, ...]
    file_errors: tuple[str, ...]
    issues: tuple[RecordIssue, ...]
    encoding: str
    separator: str | None
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.issues


# --- header recognition ------------------------------------------------------------------------------

_NUMBER_WORDS = frozenset({"n", "no", "num", "numero"})
_LINK_WORDS = frozenset({"de", "d", "du", "des", "la", "le", "l", "les"})


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def normalize_header(header: str) -> str:
    """The comparison key of a header: no accents, case, punctuation, spaces, « n° », « de »…"""
    text = _strip_accents(header).casefold().replace("n+1", " nplus1 ")
    words = re.sub(r"[^0-9a-z]+", " ", text).split()
    kept = [w for w in words if w not in _NUMBER_WORDS and w not in _LINK_WORDS]
    return "".join(kept or words)


def _header_index(kind: RecordsKind) -> tuple[dict[str, str], dict[str, str]]:
    strong: dict[str, str] = {}
    weak: dict[str, str] = {}
    for spec in fields_of(kind):
        for header in (spec.header_fr, spec.name, *spec.synonyms):
            strong.setdefault(normalize_header(header), spec.name)
        for header in spec.weak_synonyms:
            weak.setdefault(normalize_header(header), spec.name)
    return strong, weak


def _auto_claims(
    headers: Sequence[str], kind: RecordsKind, taken: frozenset[str] = frozenset()
) -> dict[str, list[str]]:
    """For each field, the headers that could hold it, in file order (strong matches hide weak ones)."""
    strong, weak = _header_index(kind)
    claims: dict[str, list[str]] = {}
    weak_claims: dict[str, list[str]] = {}
    for header in headers:
        key = normalize_header(header)
        if key in strong:
            if strong[key] not in taken:
                claims.setdefault(strong[key], []).append(header)
        elif key in weak and weak[key] not in taken:
            weak_claims.setdefault(weak[key], []).append(header)
    for name, weak_headers in weak_claims.items():
        claims.setdefault(name, weak_headers)
    return claims


def suggest_mapping(headers: Sequence[str], kind: RecordsKind) -> dict[str, str | None]:
    """The field each header most likely holds (None: not recognised); when several fit, the first wins."""
    claims = _auto_claims([h.strip() for h in headers], kind)
    owner = {hs[0]: name for name, hs in claims.items()}
    return {header: owner.get(header.strip()) for header in headers}


# --- value parsing ------------------------------------------------------------------------------------

_EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL_MIN, _SERIAL_MAX = 18264, 73050  # 01/01/1950 … 31/12/2099
_TIME = r"(?:[ T]\d{1,2}[:h]\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_DMY = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})" + _TIME)
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME)
_SERIAL = re.compile(r"\d{5}(?:[.,]\d+)?")
_SCIENTIFIC = re.compile(r"\d(?:[.,]\d+)?E\+?\d+", re.IGNORECASE)
_CATEGORY = re.compile(r"(?:cat(?:egorie)?\.?\s*)?([0-9]+)(?:[.,]0+)?")
_DATE_FORMATS = "formats acceptés : jj/mm/aaaa, jj/mm/aa, jj-mm-aaaa, jj.mm.aaaa, aaaa-mm-jj, n° de série Excel"

_BOOLEANS: dict[str, bool] = {
    **dict.fromkeys(("oui", "o", "x", "1", "vrai", "true", "yes", "y", "interne"), True),
    **dict.fromkeys(("non", "n", "0", "faux", "false", "no", "externe"), False),
}
# ADF = attestation de formation; JDR = justificatif de réussite (certificate, habilitation…).
_PROOFS: dict[str, ProofKind] = {
    **dict.fromkeys(
        ("adf", "attestation de formation", "attestation de fin de formation", "attestation de stage"), "ADF"
    ),
    **dict.fromkeys(
        (
            "jdr",
            "justificatif de reussite",
            "justificatif",
            "attestation",
            "attestation de reussite",
            "certificat",
            "habilitation",
        ),
        "JDR",
    ),
}

Parsed = tuple[object, str | None]  # (value or None, French problem or None)


def cell_text(cell: Cell) -> str:
    """A cell as the user would read it (dates jj/mm/aaaa, whole numbers without « ,0 »)."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "VRAI" if cell else "FAUX"
    if isinstance(cell, datetime):
        return cell.strftime("%d/%m/%Y") if cell.time() == time() else cell.strftime("%d/%m/%Y %H:%M")
    if isinstance(cell, date):
        return cell.strftime("%d/%m/%Y")
    if isinstance(cell, time):
        return cell.strftime("%H:%M")
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # Unicode « Cc » but tab and line ends


def _has_control_characters(text: str) -> bool:
    return _CONTROL.search(text) is not None


def _parse_text(cell: Cell) -> Parsed:
    text = cell_text(cell)
    if _has_control_characters(text):
        return None, "caractère de contrôle invisible (copier-coller depuis un autre logiciel ?)"
    collapsed = " ".join(text.split())
    return (collapsed or None), None


def _date_or_problem(year: int, month: int, day: int) -> Parsed:
    try:
        return date(year, month, day), None
    except ValueError:
        return None, "date impossible (ce jour n'existe pas dans le calendrier)"


def _serial_date(serial: float) -> Parsed:
    if not _SERIAL_MIN <= serial <= _SERIAL_MAX:
        return None, f"nombre qui n'est pas une date ({_DATE_FORMATS})"
    return _EXCEL_EPOCH + timedelta(days=int(serial)), None


def parse_date(cell: Cell) -> Parsed:
    """A date from a cell: native Excel dates, French and ISO text, Excel serial numbers (1950–2099)."""
    if cell is None or cell == "":
        return None, None
    if isinstance(cell, bool):
        return None, f"valeur qui n'est pas une date ({_DATE_FORMATS})"
    if isinstance(cell, datetime):
        return cell.date(), None
    if isinstance(cell, date):
        return cell, None
    if isinstance(cell, time):
        return None, "heure sans date"
    if isinstance(cell, int | float):
        return _serial_date(float(cell))
    text = cell.strip()
    if not text:
        return None, None
    if match := _DMY.fullmatch(text):
        day, month, year = int(match[1]), int(match[3]), match[4]
        full_year = int(year) if len(year) == 4 else (2000 if int(year) <= 69 else 1900) + int(year)
        return _date_or_problem(full_year, month, day)
    if match := _ISO.fullmatch(text):
        return _date_or_problem(int(match[1]), int(match[2]), int(match[3]))
    if _SERIAL.fullmatch(text):
        return _serial_date(float(text.replace(",", ".")))
    return None, f"date non reconnue ({_DATE_FORMATS})"


def _identifier_text(cell: Cell, what: str) -> tuple[str, str | None]:
    """The compact text of an identifier cell (spaces, dots, dashes removed), or why it is unusable."""
    if isinstance(cell, float) and not cell.is_integer():
        return "", f"{what} saisi comme un nombre décimal"
    raw = cell_text(cell).strip()
    if _SCIENTIFIC.fullmatch(raw.replace(" ", "")):
        return "", (
            f"{what} transformé en nombre par Excel (notation scientifique) : des chiffres sont perdus, "
            "ressaisissez-le au format texte"
        )
    return re.sub(r"[\s.\-]", "", raw).upper(), None


def _parse_nir(cell: Cell) -> Parsed:
    compact, problem = _identifier_text(cell, "NIR")
    if problem is not None:
        return None, problem
    if not compact:
        return None, None
    problem = nir_problem(compact)
    if problem is not None:
        return None, f"NIR invalide : {problem}"
    return compact[:13], None


def _parse_siret(cell: Cell) -> Parsed:
    compact, problem = _identifier_text(cell, "SIRET")
    if problem is not None:
        return None, problem
    if not compact:
        return None, None
    if not compact.isdigit() or len(compact) != 14:
        return None, "SIRET invalide : 14 chiffres attendus"
    if not is_valid_siret(compact):
        return None, "SIRET invalide : clé de contrôle incorrecte"
    return compact, None


def _parse_category(cell: Cell) -> Parsed:
    if isinstance(cell, bool):
        return None, "catégorie attendue : 1, 2, 3 ou 4"
    text = _strip_accents(cell_text(cell)).strip().casefold()
    if not text:
        return None, None
    match = _CATEGORY.fullmatch(text)
    if match is None or not 1 <= int(match[1]) <= 4:
        return None, "catégorie attendue : 1, 2, 3 ou 4 (ou vide)"
    return int(match[1]), None


def _choice_key(cell: Cell) -> str:
    if isinstance(cell, bool):
        return "1" if cell else "0"
    return " ".join(_strip_accents(cell_text(cell)).casefold().split())


def _parse_bool(cell: Cell) -> Parsed:
    key = _choice_key(cell)
    if not key:
        return False, None
    if key not in _BOOLEANS:
        return False, "valeur attendue : oui ou non (ou vide pour non)"
    return _BOOLEANS[key], None


def _parse_proof(cell: Cell) -> Parsed:
    key = _choice_key(cell)
    if not key:
        return "ADF", None
    if key not in _PROOFS:
        return "ADF", "type de justificatif attendu : ADF ou JDR (ou vide pour ADF)"
    return _PROOFS[key], None


def parse_value(spec: FieldSpec, cell: Cell) -> Parsed:
    """One cell read as the field's type: (value, None), or (None or default, the French problem)."""
    if spec.kind == "date":
        return parse_date(cell)
    if spec.kind == "nir":
        return _parse_nir(cell)
    if spec.kind == "siret":
        return _parse_siret(cell)
    if spec.kind == "int":
        return _parse_category(cell)
    if spec.kind == "bool":
        return _parse_bool(cell)
    if spec.kind == "proof":
        return _parse_proof(cell)
    return _parse_text(cell)


# --- file decoding ------------------------------------------------------------------------------------


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


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f}".replace(".", ",")


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


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


# --- reading ------------------------------------------------------------------------------------------


class _Issues:
    """Issues in file order, capped so a wholly wrong file stays readable."""

    def __init__(self) -> None:
        self.items: list[RecordIssue] = []
        self.dropped = 0

    def add(self, line: int, column: str, value: str, problem: str) -> None:
        if len(self.items) >= MAX_ISSUES:
            self.dropped += 1
            return
        value, column = clip(mask_nirs_in(value)), clip(column)
        where = f"Ligne {line}, colonne « {column} »"
        shown = f", valeur « {value} »" if value else ""
        self.items.append(RecordIssue(line, column, value, f"{where}{shown} : {problem}."))


class _Removed:
    """Where invisible characters were taken out of values, for one warning (the first locations, the total)."""

    def __init__(self) -> None:
        self.locations: list[str] = []
        self.total = 0
        self.names: set[str] = set()

    def add(self, line: int, column: str, characters: Sequence[str]) -> None:
        self.total += 1
        self.names.update(invisible_name(character) for character in characters)
        if len(self.locations) < MAX_WARNED_LOCATIONS:
            self.locations.append(f"ligne {line}, colonne « {clip(column)} »")

    def warnings(self) -> tuple[str, ...]:
        if not self.total:
            return ()
        more = (
            f" et {_thousands(self.total - len(self.locations))} autre(s)" if self.total > len(self.locations) else ""
        )
        return (
            f"Caractères invisibles retirés ({' ; '.join(sorted(self.names))}) dans {_thousands(self.total)} "
            f"valeur(s) : {' ; '.join(self.locations)}{more}. Ils changent l'affichage ou la comparaison des noms "
            "sans se voir ; vérifiez ces valeurs dans le SIRH.",
        )


def _shown_value(spec: FieldSpec, cell: Cell) -> str:
    """The cell as quoted in an issue; NIRs masked (RGPD): the line number is enough to find them."""
    text = "".join("\ufffd" if unicodedata.category(c) == "Cc" else c for c in cell_text(cell).strip())
    return mask_nir(re.sub(r"[\s.\-]", "", text)) if spec.kind == "nir" and text else text


def _empty_frame(kind: RecordsKind) -> pd.DataFrame:
    return _frame(kind, {spec.name: [] for spec in fields_of(kind)})


def _frame(kind: RecordsKind, columns: Mapping[str, list[object]]) -> pd.DataFrame:
    series: dict[str, pd.Series] = {}
    for spec in fields_of(kind):
        values = columns[spec.name]
        dtype = "Int64" if spec.kind == "int" else bool if spec.kind == "bool" else object
        series[spec.name] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(series)


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f"« {clip(name)} »" for name in names)


def _resolve_mapping(
    headers: Sequence[str], kind: RecordsKind, explicit: Mapping[str, str] | None
) -> tuple[dict[str, str], list[str]]:
    """header → field for this file, and the French errors that make the mapping unusable."""
    names = {spec.name for spec in fields_of(kind)}
    errors: list[str] = []
    chosen: dict[str, list[str]] = {}
    for header in headers:
        target = (explicit or {}).get(header)
        if target is None or target == "":
            continue
        if target not in names:
            errors.append(f"Correspondance de colonnes invalide : « {target} » n'est pas un champ connu.")
            continue
        chosen.setdefault(target, []).append(header)
    explicit_headers = {h for h in headers if explicit is not None and h in explicit}
    automatic = _auto_claims([h for h in headers if h not in explicit_headers], kind, taken=frozenset(chosen))
    for name, claimed in automatic.items():
        chosen.setdefault(name, []).extend(claimed)
    by_name = {spec.name: spec for spec in fields_of(kind)}
    mapping: dict[str, str] = {}
    for name, claimed in chosen.items():
        if len(claimed) > 1:
            errors.append(
                f"Plusieurs colonnes peuvent correspondre à « {by_name[name].header_fr} » : "
                f"{_quoted(claimed)}. Renommez ou ignorez les colonnes en trop "
                "dans l'étape de correspondance."
            )
        mapping[claimed[0]] = name
    return mapping, errors


def _missing_message(kind: RecordsKind, mapped: set[str], ignored: Sequence[str]) -> str | None:
    specs = fields_of(kind)
    absent: list[tuple[str, tuple[FieldSpec, ...]]] = []
    one_of = _ONE_OF[kind]
    if one_of and not mapped.intersection(one_of):
        group = tuple(spec for spec in specs if spec.name in one_of)
        absent.append((" ou ".join(spec.header_fr for spec in group), group))
    absent.extend((spec.header_fr, (spec,)) for spec in specs if spec.mandatory and spec.name not in mapped)
    if not absent:
        return None
    label = "Colonne obligatoire absente" if len(absent) == 1 else "Colonnes obligatoires absentes"
    seen = f"aucune colonne reconnue parmi : {_quoted(ignored)}" if ignored else "aucune autre colonne"
    accepted = " ; ".join(f"{title} : {_accepted_headers(group)}" for title, group in absent)
    return f"{label} : {', '.join(title for title, _ in absent)} ({seen}). En-têtes acceptés — {accepted}."


def _accepted_headers(group: Sequence[FieldSpec], shown: int = 5) -> str:
    per_field = [(spec.header_fr, *spec.synonyms, *spec.weak_synonyms) for spec in group]
    names = [name for headers in per_field for name in headers[:shown]]
    more = any(len(headers) > shown for headers in per_field)
    return _quoted(names) + (" …" if more else "")


def _title_key(title: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", _strip_accents(title).casefold()).split())


def _duplicate_key(kind: RecordsKind, row: Mapping[str, object]) -> tuple[object, ...] | None:
    if kind == "roster":
        return (row["matricule"],) if row["matricule"] is not None else None
    person = row["matricule"] if row["matricule"] is not None else row["nir"]
    title, end = row["training_title"], row["end_date"]
    if person is None or not isinstance(title, str) or end is None:
        return None
    return ("matricule" if row["matricule"] is not None else "nir", person, _title_key(title), end)


def _check_duplicates(
    kind: RecordsKind,
    rows: Sequence[tuple[int, Mapping[str, object]]],
    header_of: Mapping[str, str],
    issues: _Issues,
) -> None:
    first_line: dict[tuple[object, ...], int] = {}
    for line, row in rows:
        key = _duplicate_key(kind, row)
        if key is None:
            continue
        if key not in first_line:
            first_line[key] = line
            continue
        if kind == "roster":
            issues.add(
                line,
                header_of["matricule"],
                str(key[0]),
                f"matricule en double : il figure déjà ligne {first_line[key]}",
            )
        else:
            person_field = str(key[0])
            person = str(key[1]) if person_field == "matricule" else mask_nir(str(key[1]))
            issues.add(
                line,
                header_of[person_field],
                person,
                f"formation en double : la ligne {first_line[key]} porte déjà le même salarié, "
                f"la même formation et la même date de fin",
            )


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


def _headers(cells: Sequence[Cell]) -> list[str]:
    headers = [" ".join(INVISIBLE_CHARACTERS.sub("", cell_text(cell)).split()) for cell in cells]
    while headers and not headers[-1]:
        headers.pop()
    return headers


def _header_index_in(table: _Table, kind: RecordsKind, mapping: Mapping[str, str] | None) -> int:
    """The header row: the first non-empty one, unless it is a title above the real header.

    SIRH exports often put a title (« Export des formations du … ») above the header: among the first
    rows, the first one in which at least two columns are recognised is taken as the header.
    """
    for index, (_, cells) in enumerate(table.rows[:_HEADER_SEARCH_ROWS]):
        headers = [h for h in _headers(cells) if h]
        explicit = sum(1 for h in headers if mapping is not None and mapping.get(h))
        automatic = sum(len(claimed) for claimed in _auto_claims(headers, kind).values())
        if explicit + automatic >= 2:
            return index
    return 0


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


def _data_rows(
    rows: Sequence[tuple[int, list[Cell]]], width: int, checks_width: bool, issues: _Issues
) -> Iterator[tuple[int, list[Cell]]]:
    for line, cells in rows:
        extra = [c for c in cells[width:] if not _is_empty([c])]
        if checks_width and extra:
            issues.add(
                line,
                "(toute la ligne)",
                "",
                f"la ligne compte {width + len(cells[width:])} valeurs pour {width} colonnes d'en-tête "
                "(séparateur ou guillemet en trop dans une valeur ?)",
            )
        yield line, cells


def _check_row(
    kind: RecordsKind,
    line: int,
    row: Mapping[str, object],
    cells: Sequence[Cell],
    position: Mapping[str, int],
    header_of: Mapping[str, str],
    issues: _Issues,
) -> None:
    one_of = _ONE_OF[kind]
    if one_of and all(row[name] is None for name in one_of):
        blank = [n for n in one_of if n in position and _is_empty([_cell_at(cells, position[n])])]
        if len(blank) == len([n for n in one_of if n in position]):
            titles = " ou ".join(spec.header_fr for spec in fields_of(kind) if spec.name in one_of)
            issues.add(line, header_of[blank[0]], "", f"{titles} obligatoire (l'un des deux au moins)")
    for earlier, later in _DATE_ORDER[kind]:
        first, second = row[earlier], row[later]
        if isinstance(first, date) and isinstance(second, date) and first > second:
            issues.add(
                line,
                header_of[earlier],
                first.strftime("%d/%m/%Y"),
                f"date postérieure à « {header_of[later]} » ({second.strftime('%d/%m/%Y')})",
            )


def _cell_at(cells: Sequence[Cell], index: int) -> Cell:
    return cells[index] if index < len(cells) else None


# --- templates ----------------------------------------------------------------------------------------

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
