"""French personal and company identifiers (NIR, SIRET): checks, normalisation, masking for display."""

from __future__ import annotations

import functools
import re

from stdnum.fr import nir as stdnum_nir
from stdnum.fr import siret as stdnum_siret

_NIR_SHAPE = re.compile(r"[1278]\d{4}(?:\d{2}|2A|2B)\d{6}", re.ASCII)
_DIGITS = re.compile(r"\d+", re.ASCII)
_SIRET_SHAPE = re.compile(r"\d{14}", re.ASCII)
# Display groups of a NIR: sex, year, month, department, commune, order, key.
_NIR_GROUPS = (1, 2, 2, 2, 3, 3, 2)
_NIR_SHOWN_GROUPS = 3


def _format_problem(nir13: str) -> str | None:
    """Why 13 characters are not the body of a NIR (sex, year, month, department, commune, order)."""
    if _NIR_SHAPE.fullmatch(nir13):
        return None
    if nir13[0] not in "1278":
        return "le premier caractère (sexe) doit être 1, 2, 7 ou 8"
    department = nir13[5:7]
    if not (_DIGITS.fullmatch(department) or department in ("2A", "2B")):
        return f"département « {department} » invalide (2 chiffres, ou 2A / 2B pour la Corse)"
    return "caractères non numériques : seuls des chiffres (et 2A / 2B pour la Corse) sont admis"


def nir_problem(value: str) -> str | None:
    """Why a portal NIR field is refused, in French; None when it is acceptable.

    The portal takes 13 characters without key (guide ADF 27/02/2026, column NIR). A 15-character
    NIR is accepted when its key is right (97 − N mod 97, 2A → 19 and 2B → 18), since it can be cut
    to 13. Spaces are refused: the portal counts characters, and a spaced NIR exceeds 13.
    """
    if value == "" or value.isspace():
        return "NIR absent"
    if " " in value:
        return "le NIR ne doit pas contenir d'espaces (13 caractères collés)"
    if len(value) not in (13, 15):
        return f"longueur {len(value)} au lieu de 13"
    problem = _format_problem(value[:13])
    if problem is not None:
        return problem
    if len(value) == 15:
        if not _DIGITS.fullmatch(value[13:]):
            return "clé de contrôle incorrecte (2 chiffres attendus en fin de NIR à 15 caractères)"
        if not stdnum_nir.is_valid(value):
            return "clé de contrôle incorrecte"
    return None


def normalize_nir(value: str) -> str | None:
    """The 13-character NIR the portal expects, from a NIR with or without spaces and key; None if invalid."""
    compact = value.replace(" ", "")
    if nir_problem(compact) is not None:
        return None
    return compact[:13]


@functools.lru_cache(maxsize=65536)
def is_valid_siret(value: str) -> bool:
    """A SIRET as the portal takes it: exactly 14 digits, Luhn key (La Poste exception), via python-stdnum."""
    return bool(_SIRET_SHAPE.fullmatch(value)) and bool(stdnum_siret.is_valid(value))


def mask_nir(nir: str | None) -> str:
    """A NIR for display: sex, year and month of birth shown, the rest replaced by stars."""
    if not nir:
        return ""
    compact = nir.replace(" ", "")
    groups: list[str] = []
    start = 0
    for index, size in enumerate(_NIR_GROUPS):
        chunk = compact[start : start + size]
        if not chunk:
            break
        groups.append(chunk if index < _NIR_SHOWN_GROUPS else "*" * len(chunk))
        start += size
    if start < len(compact):
        groups.append("*" * (len(compact) - start))
    return " ".join(groups)


SHOWN_CHARS = 80
"""The most characters of a value that a message quotes: the rest is cut with « … »."""


def clip(text: str, limit: int = SHOWN_CHARS) -> str:
    """A value as a message may quote it: at most `limit` characters, cut with « … » (with its full length)."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} caractères)".replace(",", "\u202f")


INVISIBLE_CHARACTERS = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
"""Format characters that change how a name is read or compared without being seen: bidirectional overrides
and isolates (U+202E turns « Martin » into « nitraM » on screen), zero-width characters, byte-order marks."""


def invisible_name(character: str) -> str:
    """The French name of one of INVISIBLE_CHARACTERS, with its code point."""
    code = f"U+{ord(character):04X}"
    if character in "\u061c\u200e\u200f" or "\u202a" <= character <= "\u202e" or "\u2066" <= character <= "\u2069":
        return f"{code}, contrôle du sens d'écriture"
    if character == "\ufeff":
        return f"{code}, marque d'ordre des octets (BOM)"
    if character == "\u00ad":
        return f"{code}, trait d'union conditionnel"
    return f"{code}, caractère de largeur nulle"


_NIR_ANYWHERE = re.compile(
    r"(?<![0-9A-Za-z])[1278] ?\d{2} ?\d{2} ?(?:\d{2}|2A|2B) ?\d{3} ?\d{3}(?: ?\d{2})?(?![0-9A-Za-z])", re.ASCII
)


def mask_nirs_in(text: str) -> str:
    """A text (a whole line of a file, a value typed in the wrong column) with every NIR-shaped run masked."""
    return _NIR_ANYWHERE.sub(lambda match: mask_nir(match.group()), text)
