"""The portal's bulk-import file contracts (ADF, JDR): parse, validate, write. Pure: no Streamlit, no DuckDB."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

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
