"""The line rules of a portal file: one line's values checked against the contract. Pure."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from lib.identifiers import (
    clip,
    is_valid_siret,
    nir_problem,
)
from lib.portal.contract import (
    CODE_SEPARATOR,
    CODED_FIELD_CEILING,
    JDR_TRAINING_DETAIL_COLUMNS,
    MAX_COMPETENCES,
    MAX_FORMACODES,
    MAX_LENGTHS,
    MAX_NSF_CODES,
    MIN_COMPETENCES,
    MODALITE_DISPENSE_VALUES,
    MODE_OBTENTION_VALUES,
    QUALIFICATION_FORMATEUR_VALUES,
    TYPE_JDR_VALUES,
    YES_NO,
    PortalKind,
    columns_of,
    field_limit,
)
from lib.portal.values import (
    _COMPETENCE_CODE,
    _FORMACODE,
    _NSF_CODE,
    _RS_CODE,
    _date_problem,
    _enumeration_problem,
    _french,
    parse_portal_date,
)

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
