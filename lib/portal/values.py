"""Reading and showing single values of a portal file: dates, enumerations, control characters, masked values. Pure."""

from __future__ import annotations

import re
from datetime import date

from lib.identifiers import (
    INVISIBLE_CHARACTERS,
    SHOWN_CHARS,
    clip,
    invisible_name,
    mask_nir,
    mask_nirs_in,
)
from lib.portal.contract import LINK_MAX_CHARS, SEPARATOR

_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})", re.ASCII)
_COMPETENCE_CODE = re.compile(r"\d{6}", re.ASCII)
_FORMACODE = re.compile(r"\d{5}", re.ASCII)
_NSF_CODE = re.compile(r"\d{3}[a-z]?", re.ASCII)
_RS_CODE = re.compile(r"RS\d{1,7}", re.ASCII)
_CONTROL_CHARACTER = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u2069\ufeff]"
)
_CONTROL_NAMES = {
    "\t": "tabulation",
    "\r": "retour chariot",
    "\x0b": "tabulation verticale",
    "\x0c": "saut de page",
    "\ufeff": "marque d'ordre des octets (BOM)",
    "\u2028": "séparateur de ligne Unicode",
    "\u2029": "séparateur de paragraphe Unicode",
}


def parse_portal_date(value: str) -> date | None:
    """A portal date: exactly jj/mm/aaaa and a real calendar day; None otherwise."""
    match = _DATE.fullmatch(value)
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _french(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _date_problem(value: str) -> str:
    if _DATE.fullmatch(value) is None:
        return f"date invalide : « {clip(value)} » (format attendu jj/mm/aaaa, ex. 22/07/2025)"
    return f"date invalide : {value} n'existe pas (format attendu jj/mm/aaaa)"


def _enumeration_problem(value: str, allowed: tuple[str, ...]) -> str:
    message = f"valeur « {clip(value)} » non autorisée : valeurs possibles {', '.join(allowed)}"
    if value.strip().upper() in allowed:
        message += " (en majuscules, sans espace)"
    return message


def _control_character_name(character: str) -> str:
    if character != "\ufeff" and INVISIBLE_CHARACTERS.fullmatch(character):
        return invisible_name(character)
    return _CONTROL_NAMES.get(character, f"caractère U+{ord(character):04X}")


def _control_message(character: str) -> str:
    if character != "\ufeff" and INVISIBLE_CHARACTERS.fullmatch(character):
        return (
            f"caractère invisible interdit ({invisible_name(character)}) : il change l'affichage ou la comparaison "
            "de la valeur sans se voir, retirez-le"
        )
    return (
        f"caractère de contrôle interdit ({_control_character_name(character)}) : "
        "une valeur ne peut contenir ni tabulation ni retour à la ligne"
    )


def shown_value(column: str, value: str, nir_position: int | None = None) -> str:
    """A value as an error report shows it: NIRs masked (a whole line's NIR field too), at most about 80
    characters. The report goes to screens, CSV downloads and `validate --json`: never a full NIR."""
    if column == "NIR":
        masked = mask_nir(value[:SHOWN_CHARS])
        return masked + "…" if len(value) > SHOWN_CHARS else masked
    if column == "" and nir_position is not None and SEPARATOR in value:
        fields = value[: 4 * LINK_MAX_CHARS].split(SEPARATOR)
        if nir_position < len(fields):
            fields[nir_position] = mask_nir(fields[nir_position][:40])
            value = SEPARATOR.join(fields)
    if column in ("", "NOM_TITULAIRE", "ID_UNIQUE_PARTENAIRE", "REFERENCE_EMPLOYEUR", "IDENTIFIANT_PREUVE"):
        cut = clip(value)
        return mask_nirs_in(cut[: SHOWN_CHARS + 16]) + cut[SHOWN_CHARS + 16 :]
    return clip(value)
