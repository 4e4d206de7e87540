"""The portal's bulk-import file contracts (ADF, JDR): parse, validate, write. Pure: no UI, no database."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import Any, Literal
from urllib.parse import urlsplit

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

PortalKind = Literal["ADF", "JDR"]
ADF_KIND: PortalKind = "ADF"
JDR_KIND: PortalKind = "JDR"

ADF_COLUMNS: tuple[str, ...] = (
    "ID_DECLARATION",
    "REFERENCE_DECLARATION",
    "ID_UNIQUE_PARTENAIRE",
    "NOM_FORMATION",
    "DATE_DEBUT_FORMATION",
    "DATE_FIN_FORMATION",
    "MODALITE_DISPENSE",
    "COMPETENCE_TRANSFERABLE",
    "QUALIFICATION_FORMATEUR",
    "FORMATION_CERTIFIANTE",
    "CERTIFICATION_VISEE",
    "DOMAINE_FORMATION",
    "SPECIALITE_FORMATION",
    "NIR",
    "NOM_TITULAIRE",
    "PRESENCE_EMPLOYEUR",
    "SIRET_EMPLOYEUR",
    "REFERENCE_EMPLOYEUR",
    "DATE_DEBUT_VALIDITE",
    "DATE_FIN_VALIDITE",
)

JDR_COLUMNS: tuple[str, ...] = (
    "ID_DECLARATION",
    "REFERENCE_DECLARATION",
    "ID_UNIQUE_PARTENAIRE",
    "TYPE_JDR",
    "NOM_JDR",
    "NOM_OPTION_SPECIALITE",
    "MODE_OBTENTION",
    "COMPETENCE_TRANSFERABLE",
    "PRESENCE_FORMATION",
    "NOM_FORMATION",
    "DATE_DEBUT_FORMATION",
    "DATE_FIN_FORMATION",
    "MODALITE_DISPENSE",
    "QUALIFICATION_FORMATEUR",
    "FORMATION_CERTIFIANTE",
    "CERTIFICATION_VISEE",
    "DOMAINE_FORMATION",
    "SPECIALITE_FORMATION",
    "NIR",
    "NOM_TITULAIRE",
    "PRESENCE_EMPLOYEUR",
    "SIRET_EMPLOYEUR",
    "REFERENCE_EMPLOYEUR",
    "DATE_DEBUT_VALIDITE",
    "DATE_FIN_VALIDITE",
    "RESULTAT_OBTENU",
    "MENTION_OBTENUE",
    "LIEN_PREUVE",
    "IDENTIFIANT_PREUVE",
)


def columns_of(kind: PortalKind) -> tuple[str, ...]:
    return ADF_COLUMNS if kind == "ADF" else JDR_COLUMNS


def write_portal_file(kind: PortalKind, rows: Iterable[Mapping[str, str]]) -> bytes:
    """The bytes of a portal file: UTF-8 without BOM, CRLF line ends, `|` separator, no quoting."""
    columns = columns_of(kind)
    lines = ["|".join(columns)]
    lines.extend("|".join(row.get(column, "") for column in columns) for row in rows)
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


# --- The contract's constants (guide ADF 27/02/2026, sections 1, 3 and 4; JDR from portal-files.md) ---

MAX_FILE_BYTES = 200_000_000
"""« 200 méga octets (Mo) »: read as decimal megabytes, the stricter of the two readings."""
MAX_FILE_NAME_CHARS = 200
FORBIDDEN_FILE_NAME_CHARACTERS = '@<>:"/\\|?*%'
MAX_HOLDERS_PER_DECLARATION = 500
MIN_COMPETENCES, MAX_COMPETENCES = 3, 10
MAX_FORMACODES = 5
MAX_NSF_CODES = 3
SEPARATOR = "|"
CODE_SEPARATOR = "/"

YES_NO: tuple[str, ...] = ("OUI", "NON")
MODALITE_DISPENSE_VALUES: tuple[str, ...] = ("A_DISTANCE", "PRESENTIEL", "MIXTE")
QUALIFICATION_FORMATEUR_VALUES: tuple[str, ...] = (
    "ENSEIGNANT",
    "FORMATEUR_D_ADULTES_FORMATION_SPECIALISEE",
    "INGENIEUR",
    "PREVENTEUR",
    "PSYCHOLOGUE",
    "RESPONSABLE_QHSE",
    "ANCIEN_PROFESSIONNEL",
)
TYPE_JDR_VALUES: tuple[str, ...] = ("DIPLOME", "TITRE", "HABILITATION", "CERTIFICAT")
MODE_OBTENTION_VALUES: tuple[str, ...] = ("PAR_ADMISSION", "PAR_SCORING")

MAX_LENGTHS: Mapping[str, int] = {
    "ID_DECLARATION": 255,
    "REFERENCE_DECLARATION": 280,
    "ID_UNIQUE_PARTENAIRE": 255,
    "NOM_JDR": 255,
    "NOM_OPTION_SPECIALITE": 255,
    "NOM_FORMATION": 250,
    "NOM_TITULAIRE": 30,
    "REFERENCE_EMPLOYEUR": 255,
    "RESULTAT_OBTENU": 1000,
    "MENTION_OBTENUE": 255,
    "IDENTIFIANT_PREUVE": 255,
}
"""Free-text columns and their varchar length. Coded columns (dates, enumerations, codes, NIR, SIRET)
are checked by their format, which implies the length (e.g. 10 competence codes take 69 of 70)."""

CODED_FIELD_CEILING = 1000
"""The longest value a coded column (date, enumeration, code list, NIR, SIRET) may hold before its format is
even read: far above any valid value (70 characters at most), it bounds what a line check costs."""
LINK_MAX_CHARS = 2048


def field_limit(column: str) -> int:
    """The most characters a column may hold: its varchar length, or the ceiling of coded columns."""
    if column == "LIEN_PREUVE":
        return LINK_MAX_CHARS
    return MAX_LENGTHS.get(column, CODED_FIELD_CEILING)


ADF_TRAINING_COLUMNS: tuple[str, ...] = (
    "ID_DECLARATION",
    "REFERENCE_DECLARATION",
    "NOM_FORMATION",
    "DATE_DEBUT_FORMATION",
    "DATE_FIN_FORMATION",
    "MODALITE_DISPENSE",
    "COMPETENCE_TRANSFERABLE",
    "QUALIFICATION_FORMATEUR",
    "FORMATION_CERTIFIANTE",
    "CERTIFICATION_VISEE",
    "DOMAINE_FORMATION",
    "SPECIALITE_FORMATION",
)
"""« Données qui décrivent l'attestation de formation » (guide, section 2): identical on every line of
one ID_DECLARATION. The holder's data (ID_UNIQUE_PARTENAIRE, NIR, NOM_TITULAIRE, PRESENCE_EMPLOYEUR,
SIRET_EMPLOYEUR, REFERENCE_EMPLOYEUR, DATE_DEBUT_VALIDITE, DATE_FIN_VALIDITE) may differ."""

JDR_TRAINING_COLUMNS: tuple[str, ...] = (
    *ADF_TRAINING_COLUMNS[:3],
    "TYPE_JDR",
    "NOM_JDR",
    "NOM_OPTION_SPECIALITE",
    "MODE_OBTENTION",
    "PRESENCE_FORMATION",
    *ADF_TRAINING_COLUMNS[3:],
)
"""The ADF training data plus what describes the justificatif itself; the holder's data adds
RESULTAT_OBTENU, MENTION_OBTENUE, LIEN_PREUVE and IDENTIFIANT_PREUVE to the ADF holder columns."""

JDR_TRAINING_DETAIL_COLUMNS: tuple[str, ...] = JDR_COLUMNS[
    JDR_COLUMNS.index("NOM_FORMATION") : JDR_COLUMNS.index("SPECIALITE_FORMATION") + 1
]
"""NOM_FORMATION … SPECIALITE_FORMATION: empty in a JDR whose PRESENCE_FORMATION is not OUI."""

_JDR_ONLY_COLUMNS = frozenset(JDR_COLUMNS) - frozenset(ADF_COLUMNS)
_UTF8_BOM = b"\xef\xbb\xbf"

NO_COMPETENCE_REFERENTIAL_WARNING = (
    "Aucun référentiel de compétences chargé : les codes COMPETENCE_TRANSFERABLE ne sont vérifiés que sur leur format."
)


def training_columns_of(kind: PortalKind) -> tuple[str, ...]:
    return ADF_TRAINING_COLUMNS if kind == "ADF" else JDR_TRAINING_COLUMNS


# --- The validation result ---


@dataclass(frozen=True)
class LineError:
    """One refused value; `line` counts the header as line 1; `column` is "" when the whole line is wrong."""

    line: int
    column: str
    value: str
    message: str


@dataclass(frozen=True)
class ValidationReport:
    kind: PortalKind | None
    file_errors: tuple[str, ...]
    line_errors: tuple[LineError, ...]
    warnings: tuple[str, ...]

    @property
    def valid(self) -> bool:
        return self.kind is not None and not self.file_errors and not self.line_errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "kind": self.kind,
            "file_errors": [{"message": message} for message in self.file_errors],
            "line_errors": [
                {"line": error.line, "column": error.column, "value": error.value, "message": error.message}
                for error in self.line_errors
            ],
            "warnings": [{"message": message} for message in self.warnings],
        }


@dataclass(frozen=True)
class PortalFile:
    """A read portal file: one dict per data line (data line i is file line i + 2), none if rejected whole."""

    kind: PortalKind | None
    rows: tuple[dict[str, str], ...]
    report: ValidationReport


# --- Values ---

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


# --- File level ---


def _file_name_problems(file_name: str) -> list[str]:
    problems: list[str] = []
    if not file_name.lower().endswith(".csv"):
        problems.append(f"Nom de fichier « {clip(file_name)} » : le fichier doit être au format CSV (extension .csv).")
    if len(file_name) > MAX_FILE_NAME_CHARS:
        problems.append(f"Nom de fichier trop long : {len(file_name)} caractères, {MAX_FILE_NAME_CHARS} au maximum.")
    forbidden = sorted({character for character in file_name if character in FORBIDDEN_FILE_NAME_CHARACTERS})
    if forbidden:
        shown = " ".join(forbidden)
        problems.append(
            f"Nom de fichier « {clip(file_name)} » : caractères interdits {shown} "
            f'(le nom ne doit contenir aucun de @ < > : " / \\ | ? * %).'
        )
    return problems


_CHUNK_BYTES = 1 << 24
_NOT_CP1252 = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def _size_problem(data: bytes) -> str | None:
    """Why a file is refused before its text is read: empty, too large, not UTF-8 text at all."""
    if not data:
        return "Le fichier est vide (0 octet) : il doit contenir l'en-tête et au moins une ligne."
    if len(data) > MAX_FILE_BYTES:
        size = len(data) / 1_000_000
        return f"Le fichier pèse {size:.1f} Mo : 200 Mo au maximum. Découpez-le en plusieurs fichiers."
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return (
            "Le fichier est encodé en UTF-16 (« Texte Unicode ») : le portail n'accepte que l'UTF-8. "
            "Dans Excel, « Enregistrer sous… » puis le type « CSV UTF-8 » ; dans Notepad++, "
            "« Encodage › Convertir en UTF-8 »."
        )
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        return (
            "Le fichier est un classeur Excel (.xlsx / .xls) renommé en .csv, pas un fichier texte CSV : "
            "dans Excel, « Enregistrer sous… » puis le type « CSV UTF-8 »."
        )
    if b"\x00" in data:
        return (
            "Le fichier contient des octets nuls : c'est un fichier binaire, pas un fichier texte CSV encodé en UTF-8."
        )
    return None


def _utf8_problem(data: bytes, begin: int) -> str | None:
    """Why the text from `begin` is not UTF-8, checked a chunk at a time (never the whole text in memory)."""
    position = begin
    while position < len(data):
        stop = data.find(b"\n", min(position + _CHUNK_BYTES, len(data)))
        stop = len(data) if stop < 0 else stop + 1
        try:
            data[position:stop].decode("utf-8")
        except UnicodeDecodeError as error:
            return _encoding_message(data, begin, position + error.start)
        position = stop
    return None


def _encoding_message(data: bytes, begin: int, offset: int) -> str:
    line = data.count(b"\n", begin, offset) + 1
    byte = data[offset]
    conversion = (
        "Pour le convertir : dans Excel, « Fichier › Enregistrer sous… » puis le type "
        "« CSV UTF-8 (délimité par des virgules) » ; dans Notepad++, « Encodage › Convertir en UTF-8 » ; "
        "en ligne de commande, « iconv -f WINDOWS-1252 -t UTF-8 ancien.csv > nouveau.csv »."
    )
    if _NOT_CP1252.search(data, begin):
        return (
            f"Le fichier n'est pas encodé en UTF-8 (octet 0x{byte:02X} invalide à la ligne {line}) : "
            f"le portail n'accepte que l'UTF-8. {conversion}"
        )
    character = bytes([byte]).decode("cp1252")
    return (
        f"Le fichier n'est pas encodé en UTF-8 (caractère « {character} » codé 0x{byte:02X} à la ligne "
        f"{line}) : il semble enregistré en Windows-1252 (ANSI), l'encodage par défaut d'Excel et du "
        f"Bloc-notes sous Windows, alors que le portail n'accepte que l'UTF-8. {conversion}"
    )


def _decoded_text(data: bytes) -> tuple[str | None, str | None]:
    """The file's text, or why it is not a UTF-8 text file (small files: the line reader reads bytes)."""
    problem = _size_problem(data)
    if problem is None:
        begin = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
        problem = _utf8_problem(data, begin)
        if problem is None:
            return data[begin:].decode("utf-8"), None
    return None, problem


def _header_kind(header: str) -> tuple[PortalKind | None, list[str]]:
    """The kind a header announces, or every reason it matches neither contract."""
    fields = header.split(SEPARATOR)
    if tuple(fields) == ADF_COLUMNS:
        return "ADF", []
    if tuple(fields) == JDR_COLUMNS:
        return "JDR", []
    if not header.strip():
        return None, [
            "La première ligne (en-tête) est vide : elle doit porter les noms des colonnes séparés par « | »."
        ]
    problems: list[str] = []
    if header.startswith('"') or header.endswith('"'):
        problems.append(
            "L'en-tête est entouré de guillemets (ajoutés par le tableur) : le fichier ne doit "
            "contenir aucun guillemet autour des lignes ou des valeurs."
        )
        fields = header.strip('"').split(SEPARATOR)
        if tuple(fields) in (ADF_COLUMNS, JDR_COLUMNS):
            return None, problems
    if len(fields) == 1:
        for separator, name in ((";", "point-virgule"), (",", "virgule"), ("\t", "tabulation")):
            if separator in header:
                problems.append(
                    f"Séparateur « {separator} » ({name}) détecté dans l'en-tête : le séparateur de colonnes "
                    "attendu est « | » (barre verticale, Alt Gr + 6), sans guillemets."
                )
                return None, problems
        problems.append(
            f"En-tête non reconnu : une seule colonne « {clip(header, 60)} » ; l'en-tête doit être "
            "la liste exacte des colonnes ADF (20) ou JDR (29) séparées par « | »."
        )
        return None, problems
    if len(fields) > 2 * len(JDR_COLUMNS):
        problems.append(
            f"En-tête de {len(fields)} colonnes : l'en-tête doit être la liste exacte des colonnes ADF (20) ou "
            "JDR (29) séparées par « | »."
        )
        return None, problems
    kind: PortalKind = "JDR" if _JDR_ONLY_COLUMNS.intersection(fields) else "ADF"
    expected = columns_of(kind)
    expected_set = frozenset(expected)
    label = (
        "ADF (attestation de formation, 20 colonnes)"
        if kind == "ADF"
        else "JDR (justificatif de réussite, 29 colonnes)"
    )
    problems.append(f"L'en-tête ne correspond pas aux colonnes du fichier {label}, dans l'ordre du contrat :")
    names: list[str] = []
    for position, field in enumerate(fields, start=1):
        cleaned = field.strip().strip('"').strip().upper().replace(" ", "_")
        if field not in expected_set and cleaned in expected_set and cleaned not in fields:
            problems.append(
                f"Colonne « {clip(field)} » en position {position} : le nom doit être exactement « {cleaned} » "
                "(majuscules, sans espace ni guillemet)."
            )
            names.append(cleaned)
        else:
            names.append(field)
    for column in expected:
        count = names.count(column)
        if count == 0:
            problems.append(f"Colonne manquante : {column} (attendue en position {expected.index(column) + 1}).")
        elif count > 1:
            problems.append(f"Colonne {column} présente {count} fois.")
    for position, name in enumerate(names, start=1):
        if name in expected_set:
            continue
        if name == "":
            problems.append(f"Colonne sans nom en position {position} (un « | » en trop ?).")
        else:
            problems.append(f"Colonne inattendue : « {clip(name)} » en position {position}.")
    if sorted(names) == sorted(expected):
        for position, name in enumerate(names, start=1):
            if name != expected[position - 1] and name in expected_set:
                problems.append(f"Colonne {name} en position {position} au lieu de {expected.index(name) + 1}.")
    return None, problems


# --- Line level ---

_MANDATORY = "valeur obligatoire absente"
_MANDATORY_TEXT_COLUMNS = frozenset(
    {"ID_DECLARATION", "REFERENCE_DECLARATION", "ID_UNIQUE_PARTENAIRE", "NOM_JDR", "NOM_TITULAIRE"}
)
# Checked with the training or the employer, since their rule depends on another column.
_CONDITIONAL_TEXT_COLUMNS = frozenset({"NOM_FORMATION", "REFERENCE_EMPLOYEUR"})

Problem = tuple[str, str]
"""(column, French message) for one refused value of a line."""
_Add = Callable[[Problem], None]


@dataclass(frozen=True)
class _CodeList:
    pattern: re.Pattern[str]
    minimum: int
    maximum: int
    plural: str
    singular: str
    hint: str


_COMPETENCES = _CodeList(
    _COMPETENCE_CODE,
    MIN_COMPETENCES,
    MAX_COMPETENCES,
    "codes de compétences",
    "code de compétence",
    "6 chiffres du référentiel ROME",
)
_FORMACODES = _CodeList(_FORMACODE, 1, MAX_FORMACODES, "Formacodes", "Formacode", "5 chiffres")
_NSF_CODES = _CodeList(
    _NSF_CODE,
    1,
    MAX_NSF_CODES,
    "codes NSF",
    "code NSF",
    "3 chiffres suivis éventuellement d'une lettre minuscule, ex. 344r",
)


def _code_list_problems(value: str, codes: _CodeList) -> list[str]:
    parts = value.split(CODE_SEPARATOR)
    present = [part for part in parts if part]
    problems: list[str] = []
    if len(present) != len(parts):
        problems.append(f"code vide : « / » en trop dans « {clip(value)} »")
    if not codes.minimum <= len(present) <= codes.maximum:
        problems.append(
            f"{len(present)} {codes.plural} au lieu de {codes.minimum} à {codes.maximum} (séparés par « / »)"
        )
    malformed = [part for part in present if not codes.pattern.fullmatch(part)]
    if malformed:
        problems.append(f"{codes.singular} invalide : {clip(', '.join(malformed))} ({codes.hint})")
    duplicated = sorted(part for part, count in Counter(present).items() if count > 1)
    if duplicated:
        problems.append(f"{codes.singular} en double : {clip(', '.join(duplicated))}")
    return problems


def _siret_problem(value: str) -> str | None:
    if is_valid_siret(value):
        return None
    if not (value.isascii() and value.isdigit()):
        return "SIRET invalide : 14 chiffres attendus, sans espace ni lettre"
    if len(value) != 14:
        return f"SIRET invalide : {len(value)} chiffres au lieu de 14"
    return "SIRET invalide : clé de contrôle incorrecte (vérifiez les 14 chiffres)"


def _is_url(value: str) -> bool:
    if any(character.isspace() for character in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


class _RowChecker:
    """The line rules of one kind of file, with caches for the values that repeat from line to line."""

    def __init__(
        self, kind: PortalKind, today: date, competences: frozenset[str] | None, competence_mandatory: bool
    ) -> None:
        self.kind = kind
        self.today = today
        self.today_text = _french(today)
        self.competences = competences
        self.competence_mandatory = competence_mandatory
        columns = columns_of(kind)
        self.position = {column: index for index, column in enumerate(columns)}
        self.text_columns = tuple(
            (column, MAX_LENGTHS[column], column in _MANDATORY_TEXT_COLUMNS)
            for column in columns
            if column in MAX_LENGTHS and column not in _CONDITIONAL_TEXT_COLUMNS
        )
        self.ceilings = tuple((column, 2 * max(field_limit(column), CODED_FIELD_CEILING)) for column in columns)
        self.smallest_ceiling = min(ceiling for _, ceiling in self.ceilings)
        self.long_nirs = 0
        self._dates: dict[str, tuple[date | None, str | None]] = {}
        self._codes: dict[tuple[str, str], tuple[str, ...]] = {}
        self._sirets: dict[str, str | None] = {}

    def problems(self, row: Mapping[str, str], line_length: int | None = None) -> list[Problem]:
        """The line's problems; `line_length`, when known, spares the length check of a line too short to need it."""
        if line_length is None or line_length > self.smallest_ceiling:
            oversized = [
                (column, f"{len(row[column])} caractères : {field_limit(column)} au maximum")
                for column, ceiling in self.ceilings
                if len(row[column]) > ceiling
            ]
            if oversized:
                return oversized  # far beyond any valid value: its length is the one problem worth reading
        found: list[Problem] = []
        add = found.append
        for column, limit, mandatory in self.text_columns:
            value = row[column]
            if not value or value.isspace():
                if mandatory:
                    add((column, _MANDATORY))
            elif len(value) > limit:
                add((column, f"{len(value)} caractères : {limit} au maximum"))
        training_end: date | None = None
        if self.kind == "JDR":
            with_training = self._check_jdr(row, add)
        else:
            with_training = True
        self._check_competences(row["COMPETENCE_TRANSFERABLE"], add)
        if with_training:
            training_end = self._check_training(row, add)
        self._check_holder(row, add)
        self._check_validity(row, training_end, add)
        if len(found) > 1:
            found.sort(key=lambda problem: self.position[problem[0]])
        return found

    def _date(self, value: str) -> tuple[date | None, str | None]:
        cached = self._dates.get(value)
        if cached is None:
            parsed = parse_portal_date(value)
            cached = (parsed, None if parsed is not None else _date_problem(value))
            self._dates[value] = cached
        return cached

    def _required_date(self, row: Mapping[str, str], column: str, add: _Add) -> date | None:
        value = row[column]
        if not value or value.isspace():
            add((column, _MANDATORY))
            return None
        parsed, problem = self._date(value)
        if problem is not None:
            add((column, problem))
        return parsed

    def _codes_problems(self, value: str, codes: _CodeList) -> tuple[str, ...]:
        key = (codes.singular, value)
        cached = self._codes.get(key)
        if cached is None:
            problems = _code_list_problems(value, codes)
            if codes is _COMPETENCES and self.competences is not None:
                unknown = [
                    part
                    for part in value.split(CODE_SEPARATOR)
                    if _COMPETENCE_CODE.fullmatch(part) and part not in self.competences
                ]
                if unknown:
                    problems.append(f"code de compétence inconnu du référentiel ROME chargé : {', '.join(unknown)}")
            cached = tuple(problems)
            self._codes[key] = cached
        return cached

    def _check_competences(self, value: str, add: _Add) -> None:
        if value == "":
            if self.competence_mandatory:
                add(
                    (
                        "COMPETENCE_TRANSFERABLE",
                        f"{_MANDATORY} : 3 à 10 codes de compétences ROME séparés par « / »",
                    )
                )
            return
        for message in self._codes_problems(value, _COMPETENCES):
            add(("COMPETENCE_TRANSFERABLE", message))

    def _check_enumeration(
        self, row: Mapping[str, str], column: str, allowed: tuple[str, ...], mandatory: bool, add: _Add
    ) -> str:
        value = row[column]
        if value == "":
            if mandatory:
                add((column, _MANDATORY))
        elif value not in allowed:
            add((column, _enumeration_problem(value, allowed)))
        return value

    def _check_jdr(self, row: Mapping[str, str], add: _Add) -> bool:
        """The JDR-only columns; True when the JDR comes with a training to check."""
        self._check_enumeration(row, "TYPE_JDR", TYPE_JDR_VALUES, True, add)
        self._check_enumeration(row, "MODE_OBTENTION", MODE_OBTENTION_VALUES, False, add)
        link = row["LIEN_PREUVE"]
        if link and not _is_url(link):
            add(
                (
                    "LIEN_PREUVE",
                    "lien de preuve invalide : une adresse web commençant par http:// ou https:// est attendue",
                )
            )
        presence = self._check_enumeration(row, "PRESENCE_FORMATION", YES_NO, False, add)
        if presence == "OUI":
            return True
        if presence in ("", "NON"):
            for column in JDR_TRAINING_DETAIL_COLUMNS:
                if row[column] != "":
                    add((column, "doit être vide quand PRESENCE_FORMATION n'est pas OUI (JDR sans formation)"))
        return False

    def _check_training(self, row: Mapping[str, str], add: _Add) -> date | None:
        """The training columns; the training's end date when it is a valid date."""
        name = row["NOM_FORMATION"]
        if not name or name.isspace():
            add(("NOM_FORMATION", _MANDATORY))
        elif len(name) > MAX_LENGTHS["NOM_FORMATION"]:
            add(("NOM_FORMATION", f"{len(name)} caractères : {MAX_LENGTHS['NOM_FORMATION']} au maximum"))
        start = self._required_date(row, "DATE_DEBUT_FORMATION", add)
        end = self._required_date(row, "DATE_FIN_FORMATION", add)
        if start is not None and start > self.today:
            add(
                (
                    "DATE_DEBUT_FORMATION",
                    f"date dans le futur : début de formation {_french(start)} postérieur à la date du jour "
                    f"({self.today_text}) ; une formation se déclare une fois réalisée",
                )
            )
        if end is not None and end > self.today:
            add(
                (
                    "DATE_FIN_FORMATION",
                    f"date dans le futur : fin de formation {_french(end)} postérieure à la date du jour "
                    f"({self.today_text}) ; une formation se déclare une fois terminée",
                )
            )
        if start is not None and end is not None and end < start:
            add(
                (
                    "DATE_FIN_FORMATION",
                    f"fin de formation {_french(end)} antérieure au début {_french(start)} : "
                    "DATE_FIN_FORMATION doit être postérieure ou égale à DATE_DEBUT_FORMATION",
                )
            )
        self._check_enumeration(row, "MODALITE_DISPENSE", MODALITE_DISPENSE_VALUES, False, add)
        self._check_enumeration(row, "QUALIFICATION_FORMATEUR", QUALIFICATION_FORMATEUR_VALUES, False, add)
        certifying = self._check_enumeration(row, "FORMATION_CERTIFIANTE", YES_NO, True, add)
        self._check_certification(row, certifying, add)
        return end

    def _check_certification(self, row: Mapping[str, str], certifying: str, add: _Add) -> None:
        certification = row["CERTIFICATION_VISEE"]
        domains = row["DOMAINE_FORMATION"]
        specialities = row["SPECIALITE_FORMATION"]
        if certifying == "OUI":
            if certification == "":
                add(
                    (
                        "CERTIFICATION_VISEE",
                        "valeur obligatoire quand FORMATION_CERTIFIANTE = OUI : un code RS (ex. RS6550)",
                    )
                )
            if domains != "":
                add(("DOMAINE_FORMATION", "doit être vide quand FORMATION_CERTIFIANTE = OUI"))
            if specialities != "":
                add(("SPECIALITE_FORMATION", "doit être vide quand FORMATION_CERTIFIANTE = OUI"))
        elif certifying == "NON":
            if certification != "":
                add(("CERTIFICATION_VISEE", "doit être vide quand FORMATION_CERTIFIANTE = NON"))
            if domains == "":
                add(
                    (
                        "DOMAINE_FORMATION",
                        "valeur obligatoire quand FORMATION_CERTIFIANTE = NON : 1 à 5 Formacodes séparés par « / »",
                    )
                )
            if specialities == "":
                add(
                    (
                        "SPECIALITE_FORMATION",
                        "valeur obligatoire quand FORMATION_CERTIFIANTE = NON : 1 à 3 codes NSF séparés par « / »",
                    )
                )
        if certification != "" and certifying != "NON" and not _RS_CODE.fullmatch(certification):
            add(
                (
                    "CERTIFICATION_VISEE",
                    f"code RS invalide : « {clip(certification)} » (un seul code, RS suivi de chiffres, "
                    "9 caractères au plus, ex. RS6550)",
                )
            )
        if domains != "" and certifying != "OUI":
            for message in self._codes_problems(domains, _FORMACODES):
                add(("DOMAINE_FORMATION", message))
        if specialities != "" and certifying != "OUI":
            for message in self._codes_problems(specialities, _NSF_CODES):
                add(("SPECIALITE_FORMATION", message))

    def _check_holder(self, row: Mapping[str, str], add: _Add) -> None:
        nir = row["NIR"]
        if not nir or nir.isspace():
            add(("NIR", _MANDATORY))
        else:
            problem = nir_problem(nir)
            if problem is not None:
                add(("NIR", f"NIR invalide : {problem}"))
            elif len(nir) == 15:
                self.long_nirs += 1
        presence = self._check_enumeration(row, "PRESENCE_EMPLOYEUR", YES_NO, True, add)
        siret = row["SIRET_EMPLOYEUR"]
        reference = row["REFERENCE_EMPLOYEUR"]
        if presence == "OUI" and siret == "":
            add(("SIRET_EMPLOYEUR", "SIRET obligatoire quand PRESENCE_EMPLOYEUR = OUI"))
        elif presence == "NON":
            if siret != "":
                add(("SIRET_EMPLOYEUR", "doit être vide quand PRESENCE_EMPLOYEUR = NON"))
            if reference != "":
                add(("REFERENCE_EMPLOYEUR", "doit être vide quand PRESENCE_EMPLOYEUR = NON"))
        if siret != "" and presence != "NON":
            if siret not in self._sirets:
                self._sirets[siret] = _siret_problem(siret)
            siret_problem = self._sirets[siret]
            if siret_problem is not None:
                add(("SIRET_EMPLOYEUR", siret_problem))
        limit = MAX_LENGTHS["REFERENCE_EMPLOYEUR"]
        if presence != "NON" and len(reference) > limit:
            add(("REFERENCE_EMPLOYEUR", f"{len(reference)} caractères : {limit} au maximum"))

    def _check_validity(self, row: Mapping[str, str], training_end: date | None, add: _Add) -> None:
        start = self._required_date(row, "DATE_DEBUT_VALIDITE", add)
        if start is not None and training_end is not None and start < training_end:
            add(
                (
                    "DATE_DEBUT_VALIDITE",
                    f"début de validité {_french(start)} antérieur à la fin de formation "
                    f"{_french(training_end)} : "
                    "DATE_DEBUT_VALIDITE doit être postérieure ou égale à DATE_FIN_FORMATION",
                )
            )
        end_value = row["DATE_FIN_VALIDITE"]
        if end_value == "":
            return
        end, problem = self._date(end_value)
        if problem is not None:
            add(("DATE_FIN_VALIDITE", problem))
        elif end is not None and start is not None and end < start:
            add(
                (
                    "DATE_FIN_VALIDITE",
                    f"fin de validité {_french(end)} antérieure au début de validité {_french(start)} : "
                    "DATE_FIN_VALIDITE doit être postérieure ou égale à DATE_DEBUT_VALIDITE",
                )
            )


# --- Reading a file ---


@dataclass(slots=True)
class _Declaration:
    """What is known of one ID_DECLARATION while reading: its first line, training data, holder count."""

    first_line: int
    training: tuple[str, ...]
    holders: int = 1
    first_excess_line: int = 0


def _field_count_message(line: str, count: int, width: int) -> str:
    if line == "":
        return "ligne vide : supprimez-la (une ligne par titulaire, sans ligne vide)"
    message = f"{count} champ{'s' if count > 1 else ''} au lieu de {width} (séparés par « | »)"
    if count == 1:
        for separator, name in ((";", "point-virgule"), (",", "virgule"), ("\t", "tabulation")):
            if separator in line:
                return f"{message} : séparateur « {separator} » ({name}) utilisé au lieu de « | » ?"
    if count < width:
        return f"{message} : un champ manque, ou une valeur contient un retour à la ligne qui coupe la ligne"
    return f"{message} : un champ en trop, ou une valeur contient le caractère « | »"


def _rejected(kind: PortalKind | None, file_errors: list[str], warnings: list[str]) -> PortalFile:
    return PortalFile(kind, (), ValidationReport(kind, tuple(file_errors), (), tuple(warnings)))


def _line_bounds(data: bytes, begin: int, end: int) -> Iterator[tuple[int, int]]:
    """(start, stop) of each line of data[begin:end], split at LF, a CR before the LF left out."""
    position = begin
    while True:
        found = data.find(b"\n", position, end)
        stop = end if found < 0 else found
        yield position, (stop - 1 if stop > position and data[stop - 1] == 0x0D else stop)
        if found < 0:
            return
        position = found + 1


def _content_end(data: bytes, begin: int) -> tuple[int, int]:
    """Where the lines end (the final line end and trailing blank lines left out), and how many blank ones."""
    end = len(data) - 1 if data.endswith(b"\n") else len(data)
    blank_tail = 0
    while end > begin:
        previous = data.rfind(b"\n", begin, end)
        if previous < 0 or data[previous + 1 : end] not in (b"", b"\r"):
            break
        blank_tail += 1
        end = previous
    return end, blank_tail


def parse_portal_file(
    data: bytes,
    file_name: str,
    *,
    today: date,
    competences: frozenset[str] | None = None,
    declarant: Literal["of", "employer"] = "of",
    max_errors: int = 1000,
) -> PortalFile:
    """Read and check a portal file (ADF or JDR, told by its header) against the portal's import contract.

    `file_name` is the file's own name (no folder), checked as the portal does. `competences`, when
    given, is the set of ROME competence codes COMPETENCE_TRANSFERABLE must come from. COMPETENCE_TRANSFERABLE
    is mandatory for a training organisation (`declarant="of"`), optional for an employer. Every line is
    checked; the first `max_errors` line errors are listed and the others counted. The file is read line by
    line from its bytes, and a refused file keeps no rows: a refusal of 200 MB costs little memory.
    """
    file_errors = _file_name_problems(file_name)
    warnings: list[str] = []
    problem = _size_problem(data)
    begin = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    if problem is None:
        problem = _utf8_problem(data, begin)
    if problem is not None:
        return _rejected(None, [*file_errors, problem], warnings)
    if b"\n" not in data and b"\r" in data.rstrip(b"\r"):
        file_errors.append(
            "Les lignes sont séparées par des retours chariot seuls (CR, ancien format Mac) : enregistrez le "
            "fichier avec des fins de ligne Windows (CRLF) ou Unix (LF)."
        )
        return _rejected(None, file_errors, warnings)
    end, blank_tail = _content_end(data, begin)
    bounds = _line_bounds(data, begin, end)
    first_start, first_stop = next(bounds)
    header = data[first_start:first_stop].decode("utf-8")
    if end <= begin or (data.find(b"\n", begin, end) < 0 and header == ""):
        file_errors.append("Le fichier est vide : il doit contenir l'en-tête et au moins une ligne.")
        return _rejected(None, file_errors, warnings)
    kind, header_problems = _header_kind(header)
    file_errors.extend(header_problems)
    if kind is not None and data.find(b"\n", begin, end) < 0:
        file_errors.append(
            "Le fichier ne contient que la ligne d'en-tête : au moins une ligne de déclaration est attendue."
        )
    if file_errors or kind is None:
        return _rejected(kind, file_errors, warnings)
    if blank_tail:
        warnings.append(
            f"{blank_tail} ligne(s) vide(s) en fin de fichier ignorée(s) : supprimez-les avant le dépôt sur le portail."
        )

    columns = columns_of(kind)
    width = len(columns)
    nir_position = columns.index("NIR")
    training_columns = training_columns_of(kind)
    training_of = itemgetter(*(columns.index(column) for column in training_columns))
    partner_position = columns.index("ID_UNIQUE_PARTENAIRE")
    declaration_position = columns.index("ID_DECLARATION")
    checker = _RowChecker(kind, today, competences, declarant == "of")
    control_search = _CONTROL_CHARACTER.search
    errors: list[LineError] = []
    total = 0
    partner_lines: dict[str, int] = {}
    declarations: dict[str, _Declaration] = {}

    def report(number: int, column: str, value: str, message: str) -> None:
        nonlocal total
        total += 1
        if len(errors) < max_errors:
            errors.append(LineError(number, column, shown_value(column, value, nir_position), message))

    for number, (start, stop) in enumerate(bounds, start=2):
        line = data[start:stop].decode("utf-8")
        fields = line.split(SEPARATOR)
        if len(fields) != width:
            report(number, "", line, _field_count_message(line, len(fields), width))
            continue
        row = dict(zip(columns, fields, strict=True))
        if line == header:
            report(number, "", line, "ligne d'en-tête répétée (fichiers mis bout à bout ?)")
            continue
        if line.startswith('"') and line.endswith('"'):
            report(number, "", line, "ligne entourée de guillemets (ajoutés par le tableur) : à retirer")
        if control_search(line):
            for column, value in row.items():
                found = control_search(value)
                if found:
                    report(number, column, value, _control_message(found.group()))
        for column, message in checker.problems(row, len(line)):
            report(number, column, row[column], message)

        partner = fields[partner_position]
        if partner:
            first_line = partner_lines.setdefault(partner, number)
            if first_line != number:
                report(
                    number,
                    "ID_UNIQUE_PARTENAIRE",
                    partner,
                    f"identifiant déjà utilisé à la ligne {first_line} : "
                    "chaque ID_UNIQUE_PARTENAIRE doit être unique dans le fichier "
                    "et dans tous les fichiers importés",
                )
        declaration_id = fields[declaration_position]
        if declaration_id:
            training = training_of(fields)
            declaration = declarations.get(declaration_id)
            if declaration is None:
                declarations[declaration_id] = _Declaration(number, training)
                continue
            declaration.holders += 1
            if declaration.holders == MAX_HOLDERS_PER_DECLARATION + 1:
                declaration.first_excess_line = number
            if training != declaration.training:
                for column, value, first_value in zip(training_columns, training, declaration.training, strict=True):
                    if value != first_value:
                        report(
                            number,
                            column,
                            value,
                            f"donnée de formation différente de la ligne {declaration.first_line} "
                            f"(« {clip(first_value)} ») dans la déclaration « {clip(declaration_id)} » : "
                            "toutes les lignes d'un même ID_DECLARATION doivent porter "
                            "les mêmes données de formation",
                        )

    for declaration_id, declaration in declarations.items():
        if declaration.holders > MAX_HOLDERS_PER_DECLARATION:
            report(
                declaration.first_excess_line,
                "ID_DECLARATION",
                declaration_id,
                f"la déclaration « {clip(declaration_id)} » compte {declaration.holders} titulaires : "
                f"{MAX_HOLDERS_PER_DECLARATION} au maximum par ID_DECLARATION (le "
                f"{MAX_HOLDERS_PER_DECLARATION + 1}e commence à cette ligne)",
            )
    errors.sort(key=lambda error: error.line)
    if total > len(errors):
        file_errors.append(
            f"{_thousands(len(errors))} premières erreurs sur {_thousands(total)} : seules celles-ci sont listées. "
            "Corrigez-les puis rechargez le fichier."
        )
    if competences is None:
        warnings.append(NO_COMPETENCE_REFERENTIAL_WARNING)
    if checker.long_nirs:
        warnings.append(
            f"{checker.long_nirs} NIR à 15 caractères (avec clé) : le portail attend 13 caractères, "
            "la clé sera à retirer."
        )
    rows: tuple[dict[str, str], ...] = ()
    if not errors and not file_errors:  # a second pass: the check keeps no row, so a refusal stays small
        rows = tuple(
            dict(zip(columns, data[start:stop].decode("utf-8").split(SEPARATOR), strict=True))
            for start, stop in itertools.islice(_line_bounds(data, begin, end), 1, None)
        )
    return PortalFile(kind, rows, ValidationReport(kind, tuple(file_errors), tuple(errors), tuple(warnings)))
