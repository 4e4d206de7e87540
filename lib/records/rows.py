"""Row validation: issues capped and located, invisible characters removed, duplicates, cross-field checks."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from datetime import date

from lib.identifiers import (
    clip,
    invisible_name,
    mask_nir,
    mask_nirs_in,
)
from lib.records.decoding import _is_empty
from lib.records.fields import _DATE_ORDER, _ONE_OF, Cell, FieldSpec, RecordIssue, RecordsKind, fields_of
from lib.records.limits import MAX_ISSUES, MAX_WARNED_LOCATIONS, _thousands
from lib.records.values import _strip_accents, cell_text


class _Issues:
    """Issues in file order, capped so a wholly wrong file stays readable."""

    def __init__(self) -> None:
        self.items: list[RecordIssue] = []
        self.dropped = 0

    def add(self, line: int, column: str, value: str, problem: str) -> None:
        if len(self.items) >= MAX_ISSUES:
            self.dropped += 1
            return
        value, column = clip(mask_nirs_in(value)), clip(column)
        where = f"Ligne {line}, colonne « {column} »"
        shown = f", valeur « {value} »" if value else ""
        self.items.append(RecordIssue(line, column, value, f"{where}{shown} : {problem}."))


class _Removed:
    """Where invisible characters were taken out of values, for one warning (the first locations, the total)."""

    def __init__(self) -> None:
        self.locations: list[str] = []
        self.total = 0
        self.names: set[str] = set()

    def add(self, line: int, column: str, characters: Sequence[str]) -> None:
        self.total += 1
        self.names.update(invisible_name(character) for character in characters)
        if len(self.locations) < MAX_WARNED_LOCATIONS:
            self.locations.append(f"ligne {line}, colonne « {clip(column)} »")

    def warnings(self) -> tuple[str, ...]:
        if not self.total:
            return ()
        more = (
            f" et {_thousands(self.total - len(self.locations))} autre(s)" if self.total > len(self.locations) else ""
        )
        return (
            f"Caractères invisibles retirés ({' ; '.join(sorted(self.names))}) dans {_thousands(self.total)} "
            f"valeur(s) : {' ; '.join(self.locations)}{more}. Ils changent l'affichage ou la comparaison des noms "
            "sans se voir ; vérifiez ces valeurs dans le SIRH.",
        )


def _shown_value(spec: FieldSpec, cell: Cell) -> str:
    """The cell as quoted in an issue; NIRs masked (RGPD): the line number is enough to find them."""
    text = "".join("\ufffd" if unicodedata.category(c) == "Cc" else c for c in cell_text(cell).strip())
    return mask_nir(re.sub(r"[\s.\-]", "", text)) if spec.kind == "nir" and text else text


def _title_key(title: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", _strip_accents(title).casefold()).split())


def _duplicate_key(kind: RecordsKind, row: Mapping[str, object]) -> tuple[object, ...] | None:
    if kind == "roster":
        return (row["matricule"],) if row["matricule"] is not None else None
    person = row["matricule"] if row["matricule"] is not None else row["nir"]
    title, end = row["training_title"], row["end_date"]
    if person is None or not isinstance(title, str) or end is None:
        return None
    return ("matricule" if row["matricule"] is not None else "nir", person, _title_key(title), end)


def _check_duplicates(
    kind: RecordsKind,
    rows: Sequence[tuple[int, Mapping[str, object]]],
    header_of: Mapping[str, str],
    issues: _Issues,
) -> None:
    first_line: dict[tuple[object, ...], int] = {}
    for line, row in rows:
        key = _duplicate_key(kind, row)
        if key is None:
            continue
        if key not in first_line:
            first_line[key] = line
            continue
        if kind == "roster":
            issues.add(
                line,
                header_of["matricule"],
                str(key[0]),
                f"matricule en double : il figure déjà ligne {first_line[key]}",
            )
        else:
            person_field = str(key[0])
            person = str(key[1]) if person_field == "matricule" else mask_nir(str(key[1]))
            issues.add(
                line,
                header_of[person_field],
                person,
                f"formation en double : la ligne {first_line[key]} porte déjà le même salarié, "
                f"la même formation et la même date de fin",
            )


def _data_rows(
    rows: Sequence[tuple[int, list[Cell]]], width: int, checks_width: bool, issues: _Issues
) -> Iterator[tuple[int, list[Cell]]]:
    for line, cells in rows:
        extra = [c for c in cells[width:] if not _is_empty([c])]
        if checks_width and extra:
            issues.add(
                line,
                "(toute la ligne)",
                "",
                f"la ligne compte {width + len(cells[width:])} valeurs pour {width} colonnes d'en-tête "
                "(séparateur ou guillemet en trop dans une valeur ?)",
            )
        yield line, cells


def _check_row(
    kind: RecordsKind,
    line: int,
    row: Mapping[str, object],
    cells: Sequence[Cell],
    position: Mapping[str, int],
    header_of: Mapping[str, str],
    issues: _Issues,
) -> None:
    one_of = _ONE_OF[kind]
    if one_of and all(row[name] is None for name in one_of):
        blank = [n for n in one_of if n in position and _is_empty([_cell_at(cells, position[n])])]
        if len(blank) == len([n for n in one_of if n in position]):
            titles = " ou ".join(spec.header_fr for spec in fields_of(kind) if spec.name in one_of)
            issues.add(line, header_of[blank[0]], "", f"{titles} obligatoire (l'un des deux au moins)")
    for earlier, later in _DATE_ORDER[kind]:
        first, second = row[earlier], row[later]
        if isinstance(first, date) and isinstance(second, date) and first > second:
            issues.add(
                line,
                header_of[earlier],
                first.strftime("%d/%m/%Y"),
                f"date postérieure à « {header_of[later]} » ({second.strftime('%d/%m/%Y')})",
            )


def _cell_at(cells: Sequence[Cell], index: int) -> Cell:
    return cells[index] if index < len(cells) else None
