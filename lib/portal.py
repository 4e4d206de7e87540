"""The portal's bulk-import file contracts (ADF, JDR): parse, validate, write. Pure: no Streamlit, no DuckDB."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal
from urllib.parse import urlsplit

from lib.identifiers import is_valid_siret, nir_problem

PortalKind = Literal["ADF", "JDR"]

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
    """One refused value: `line` counts the header as line 1; `column` is "" when the whole line is at fault."""

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
    """A read portal file: one dict per data line (data line i is file line i + 2), none when rejected whole."""

    kind: PortalKind | None
    rows: tuple[dict[str, str], ...]
    report: ValidationReport


# --- Values ---

_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})", re.ASCII)
_COMPETENCE_CODE = re.compile(r"\d{6}", re.ASCII)
_FORMACODE = re.compile(r"\d{5}", re.ASCII)
_NSF_CODE = re.compile(r"\d{3}[a-z]?", re.ASCII)
_RS_CODE = re.compile(r"RS\d{1,7}", re.ASCII)
_CONTROL_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f\ufeff\u2028\u2029]")
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
        return f"date invalide : « {value} » (format attendu jj/mm/aaaa, ex. 22/07/2025)"
    return f"date invalide : {value} n'existe pas (format attendu jj/mm/aaaa)"


def _enumeration_problem(value: str, allowed: tuple[str, ...]) -> str:
    message = f"valeur « {value} » non autorisée : valeurs possibles {', '.join(allowed)}"
    if value.strip().upper() in allowed:
        message += " (en majuscules, sans espace)"
    return message


def _control_character_name(character: str) -> str:
    return _CONTROL_NAMES.get(character, f"caractère U+{ord(character):04X}")


# --- File level ---


def _file_name_problems(file_name: str) -> list[str]:
    problems: list[str] = []
    if not file_name.lower().endswith(".csv"):
        problems.append(f"Nom de fichier « {file_name} » : le fichier doit être au format CSV (extension .csv).")
    if len(file_name) > MAX_FILE_NAME_CHARS:
        problems.append(
            f"Nom de fichier trop long : {len(file_name)} caractères, {MAX_FILE_NAME_CHARS} au maximum."
        )
    forbidden = sorted({character for character in file_name if character in FORBIDDEN_FILE_NAME_CHARACTERS})
    if forbidden:
        shown = " ".join(forbidden)
        problems.append(
            f"Nom de fichier « {file_name} » : caractères interdits {shown} "
            f"(le nom ne doit contenir aucun de @ < > : \" / \\ | ? * %)."
        )
    return problems


def _decoded_text(data: bytes) -> tuple[str | None, str | None]:
    """The file's text, or why it is not a UTF-8 text file."""
    if not data:
        return None, "Le fichier est vide (0 octet) : il doit contenir l'en-tête et au moins une ligne."
    if len(data) > MAX_FILE_BYTES:
        size = len(data) / 1_000_000
        return None, f"Le fichier pèse {size:.1f} Mo : 200 Mo au maximum. Découpez-le en plusieurs fichiers."
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, (
            "Le fichier est encodé en UTF-16 (« Texte Unicode ») : le portail n'accepte que l'UTF-8. "
            "Dans Excel, « Enregistrer sous… » puis le type « CSV UTF-8 » ; dans Notepad++, "
            "« Encodage › Convertir en UTF-8 »."
        )
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        return None, (
            "Le fichier est un classeur Excel (.xlsx / .xls) renommé en .csv, pas un fichier texte CSV : "
            "dans Excel, « Enregistrer sous… » puis le type « CSV UTF-8 »."
        )
    if b"\x00" in data:
        return None, (
            "Le fichier contient des octets nuls : c'est un fichier binaire, pas un fichier texte CSV "
            "encodé en UTF-8."
        )
    body = data[len(_UTF8_BOM) :] if data.startswith(_UTF8_BOM) else data
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError as error:
        line = body.count(b"\n", 0, error.start) + 1
        byte = body[error.start]
        conversion = (
            "Pour le convertir : dans Excel, « Fichier › Enregistrer sous… » puis le type "
            "« CSV UTF-8 (délimité par des virgules) » ; dans Notepad++, « Encodage › Convertir en UTF-8 » ; "
            "en ligne de commande, « iconv -f WINDOWS-1252 -t UTF-8 ancien.csv > nouveau.csv »."
        )
        try:
            character = bytes([byte]).decode("cp1252")
            body.decode("cp1252")
        except UnicodeDecodeError:
            return None, (
                f"Le fichier n'est pas encodé en UTF-8 (octet 0x{byte:02X} invalide à la ligne {line}) : "
                f"le portail n'accepte que l'UTF-8. {conversion}"
            )
        return None, (
            f"Le fichier n'est pas encodé en UTF-8 (caractère « {character} » codé 0x{byte:02X} à la ligne "
            f"{line}) : il semble enregistré en Windows-1252 (ANSI), l'encodage par défaut d'Excel et du "
            f"Bloc-notes sous Windows, alors que le portail n'accepte que l'UTF-8. {conversion}"
        )


def _header_kind(header: str) -> tuple[PortalKind | None, list[str]]:
    """The kind a header announces, or every reason it matches neither contract."""
    fields = header.split(SEPARATOR)
    if tuple(fields) == ADF_COLUMNS:
        return "ADF", []
    if tuple(fields) == JDR_COLUMNS:
        return "JDR", []
    if not header.strip():
        return None, ["La première ligne (en-tête) est vide : elle doit porter les noms des colonnes séparés par « | »."]
    problems: list[str] = []
    if header.startswith('"') or header.endswith('"'):
        problems.append(
            "L'en-tête est entouré de guillemets (ajoutés par le tableur) : le fichier ne doit contenir aucun "
            "guillemet autour des lignes ou des valeurs."
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
            f"En-tête non reconnu : une seule colonne « {header[:60]} » ; l'en-tête doit être la liste exacte des "
            "colonnes ADF (20) ou JDR (29) séparées par « | »."
        )
        return None, problems
    kind: PortalKind = "JDR" if _JDR_ONLY_COLUMNS.intersection(fields) else "ADF"
    expected = columns_of(kind)
    expected_set = frozenset(expected)
    label = "ADF (attestation de formation, 20 colonnes)" if kind == "ADF" else "JDR (justificatif de réussite, 29 colonnes)"
    problems.append(f"L'en-tête ne correspond pas aux colonnes du fichier {label}, dans l'ordre du contrat :")
    names: list[str] = []
    for position, field in enumerate(fields, start=1):
        cleaned = field.strip().strip('"').strip().upper().replace(" ", "_")
        if field not in expected_set and cleaned in expected_set and cleaned not in fields:
            problems.append(
                f"Colonne « {field} » en position {position} : le nom doit être exactement « {cleaned} » "
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
            problems.append(f"Colonne inattendue : « {name} » en position {position}.")
    if sorted(names) == sorted(expected):
        for position, name in enumerate(names, start=1):
            if name != expected[position - 1] and name in expected_set:
                problems.append(
                    f"Colonne {name} en position {position} au lieu de {expected.index(name) + 1}."
                )
    return None, problems
