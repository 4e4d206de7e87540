"""The columns an HR file lacks, said exactly: which mandatory ones refuse the file, and what each optional one
left out changes (the Import page's column mapping)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lib.records.fields import RecordsKind, fields_of

_WITHOUT: dict[str, str] = {
    "matricule": "les salariés sont reconnus par leur NIR seul ; une ligne sans NIR est refusée",
    "nir": "les formations ne peuvent pas être déclarées sur le portail tant que la liste des salariés ne donne "
    "pas le NIR",
    "usage_name": "seul le nom de naissance est affiché",
    "first_name": "les noms s'affichent sans prénom (la liste des salariés le donne sinon)",
    "establishment_siret": "l'établissement est celui de la liste des salariés ; le contrôle des SIRET ne "
    "s'applique pas à ce fichier",
    "site": "pas de filtre par site pour ces lignes (la liste des salariés le donne sinon)",
    "service": "pas de filtre par service pour ces lignes (la liste des salariés le donne sinon)",
    "manager": "le responsable n'est pas affiché",
    "training_type": "la famille de formation n'est pas connue : aucune durée de validité ne peut être proposée",
    "category": "catégorie inconnue : chaque formation est traitée comme obligatoire, par prudence",
    "organisme": "les formations achetées ne sont rattachées à aucun organisme",
    "organisme_siret": "l'organisme n'est connu que par son nom",
    "is_internal": "toutes les formations sont lues comme dispensées par un organisme : aucune déclaration interne",
    "proof_kind": "chaque formation est lue comme une attestation de formation (ADF)",
    "start_date": "la date de début reste vide (les délais partent de la date de fin)",
    "validity_start": "la validité commence à la date de fin de la formation",
    "validity_end": "pas de date d'expiration (une durée recommandée peut être proposée dans Paramètres)",
    "reference": "pas de référence de session",
    "entry_date": "la date d'entrée reste vide",
    "exit_date": "chaque salarié est considéré comme présent : aucune purge des salariés partis",
}
"""What an optional column left out changes, in a few words, per canonical field."""


@dataclass(frozen=True)
class MissingColumns:
    """Mandatory columns not found (the file will be refused) and optional ones, each with what it changes."""

    mandatory: tuple[str, ...]
    optional: tuple[tuple[str, str], ...]
    mappable: tuple[str, ...]
    """The canonical fields a user can still associate with a column of the file, mandatory first."""

    def summary(self) -> str:
        """One French paragraph naming each missing column (Markdown)."""
        parts = []
        if self.mandatory:
            parts.append(
                f"**Colonnes obligatoires non reconnues : {', '.join(f'« {h} »' for h in self.mandatory)}.** "
                "Sans elles le fichier est refusé : associez-les ci-dessous à une colonne du fichier."
            )
        if self.optional:
            listed = " ; ".join(f"« {header} » : {effect}" for header, effect in self.optional)
            parts.append(f"Colonnes facultatives absentes (le fichier peut être importé sans elles) — {listed}.")
        return "\n\n".join(parts)


def missing_columns(
    kind: RecordsKind, missing_fields: Iterable[str], mapped_elsewhere: Iterable[str] = ()
) -> MissingColumns:
    """The columns missing from a file, minus those a saved association already covers (`mapped_elsewhere`).

    In training records, Matricule and NIR are each optional but one of the two is mandatory."""
    missing = set(missing_fields) - set(mapped_elsewhere)
    mandatory: list[str] = []
    optional: list[tuple[str, str]] = []
    mandatory_fields: list[str] = []
    optional_fields: list[str] = []
    either = kind == "internal" and {"matricule", "nir"} <= missing
    if either:
        mandatory.append("Matricule ou NIR")
        mandatory_fields += ["matricule", "nir"]
    for spec in fields_of(kind):
        if spec.name not in missing or (either and spec.name in ("matricule", "nir")):
            continue
        if spec.mandatory:
            mandatory.append(spec.header_fr)
            mandatory_fields.append(spec.name)
        else:
            optional.append((spec.header_fr, _WITHOUT.get(spec.name, "rien d'essentiel")))
            optional_fields.append(spec.name)
    return MissingColumns(tuple(mandatory), tuple(optional), tuple(mandatory_fields + optional_fields))
