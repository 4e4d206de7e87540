"""Value parsing: one cell into a typed value (dates, NIR, SIRET, category, yes/no, proof) or a French problem."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta

from lib.identifiers import (
    is_valid_siret,
    nir_problem,
)
from lib.records.fields import Cell, FieldSpec, ProofKind

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


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


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
