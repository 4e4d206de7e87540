"""Reading the competence referentials the user loads (France Travail ROME 4.0 export). Pure."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

ROME_COLUMNS: tuple[str, ...] = ("code_ogr", "type", "categorie", "sous_categorie", "libelle")
_CODE = re.compile(r"\d{6}")
MAX_LABEL_CHARS = 1000


@dataclass(frozen=True)
class Competence:
    code: str
    type: str
    categorie: str
    sous_categorie: str
    libelle: str


@dataclass(frozen=True)
class CompetenceFile:
    competences: tuple[Competence, ...]
    errors: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.competences)


def parse_competences(data: bytes, file_name: str) -> CompetenceFile:
    """Parse a ROME 4.0 competence/savoir export (`code_ogr,type,categorie,sous_categorie,libelle`)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return CompetenceFile((), (f"{file_name} : le fichier n'est pas encodé en UTF-8.",))
    if "\x00" in text:
        return CompetenceFile((), (f"{file_name} : fichier binaire, pas un CSV.",))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        return _malformed(file_name, reader.line_num, error)
    if header is None:
        return CompetenceFile((), (f"{file_name} : le fichier est vide.",))
    names = [h.strip().lower() for h in header]
    if names[:1] != ["code_ogr"]:
        return CompetenceFile(
            (),
            (
                f"{file_name}, ligne 1 : en-tête inattendu « {','.join(header)[:120]} » ; "
                f"attendu : {','.join(ROME_COLUMNS)} (export ROME 4.0 de France Travail).",
            ),
        )
    index = {name: names.index(name) for name in ROME_COLUMNS if name in names}
    try:
        return _competences(reader, file_name, index)
    except csv.Error as error:
        return _malformed(file_name, reader.line_num, error)


def _malformed(file_name: str, line: int, error: csv.Error) -> CompetenceFile:
    limit = f"{csv.field_size_limit():,}".replace(",", "\u202f")
    too_long = "field larger than field limit" in str(error)
    why = f"une valeur dépasse {limit} caractères" if too_long else "le CSV est mal formé"
    return CompetenceFile(
        (),
        (
            f"{file_name}, ligne {line} : {why} (guillemet non fermé ?) ; réenregistrez l'export "
            "ROME 4.0 tel que France Travail le publie.",
        ),
    )


def _competences(reader: Iterator[list[str]], file_name: str, index: dict[str, int]) -> CompetenceFile:
    errors: list[str] = []
    seen: dict[str, int] = {}
    competences: list[Competence] = []
    for line_no, row in enumerate(reader, start=2):
        if not row:
            continue

        def field(name: str, row: list[str] = row) -> str:
            position = index.get(name)
            return row[position].strip() if position is not None and position < len(row) else ""

        code = field("code_ogr")
        if not _CODE.fullmatch(code):
            errors.append(
                f"{file_name}, ligne {line_no}, colonne code_ogr : « {code[:40]} » n'est pas un code à 6 chiffres."
            )
        elif code in seen:
            errors.append(
                f"{file_name}, ligne {line_no}, colonne code_ogr : code {code} déjà présent ligne {seen[code]}."
            )
        elif len(field("libelle")) > MAX_LABEL_CHARS:
            errors.append(
                f"{file_name}, ligne {line_no}, colonne libelle : {len(field('libelle'))} caractères, "
                f"{MAX_LABEL_CHARS} au maximum."
            )
        else:
            seen[code] = line_no
            competences.append(
                Competence(code, field("type"), field("categorie"), field("sous_categorie"), field("libelle"))
            )
        if len(errors) >= 100:
            errors.append(f"{file_name} : plus de 100 erreurs, lecture arrêtée.")
            break
    if not competences and not errors:
        errors.append(f"{file_name} : aucun code de compétence dans le fichier.")
    return CompetenceFile(tuple(competences), tuple(errors))
