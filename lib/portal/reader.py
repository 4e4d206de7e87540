"""Reading a portal file line by line from its bytes: every rule checked, the rows kept if valid. Pure."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import Literal

from lib.identifiers import clip
from lib.portal.contract import (
    _UTF8_BOM,
    MAX_HOLDERS_PER_DECLARATION,
    NO_COMPETENCE_REFERENTIAL_WARNING,
    SEPARATOR,
    PortalKind,
    columns_of,
    training_columns_of,
)
from lib.portal.decoding import _file_name_problems, _size_problem, _thousands, _utf8_problem
from lib.portal.header import _header_kind
from lib.portal.report import LineError, PortalFile, ValidationReport
from lib.portal.rows import _RowChecker
from lib.portal.values import _CONTROL_CHARACTER, _control_message, shown_value


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
