"""The header line of a portal file: which contract it announces, or why it matches neither. Pure."""

from __future__ import annotations

from lib.identifiers import clip
from lib.portal.contract import _JDR_ONLY_COLUMNS, ADF_COLUMNS, JDR_COLUMNS, SEPARATOR, PortalKind, columns_of


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
