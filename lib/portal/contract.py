"""The portal's file contracts (ADF, JDR): kinds, columns, limits and allowed values. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

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
