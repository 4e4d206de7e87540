"""The canonical fields of the HR files (internal training records, roster) and what a read returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal

import pandas as pd

RecordsKind = Literal["internal", "roster"]
FieldKind = Literal["text", "date", "int", "bool", "nir", "siret", "proof"]
ProofKind = Literal["ADF", "JDR"]
Cell = str | int | float | bool | date | datetime | time | None


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
        "job",
        "Poste",
        False,
        "text",
        ("Emploi", "Intitulé de poste", "Intitulé du poste", "Métier", "Poste occupé", "Fonction"),
    ),
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
