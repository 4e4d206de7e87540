"""Header recognition: which column holds which field (synonyms, explicit mapping, the header row)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from lib.identifiers import (
    INVISIBLE_CHARACTERS,
    clip,
)
from lib.records.decoding import _Table
from lib.records.fields import _ONE_OF, Cell, FieldSpec, RecordsKind, fields_of
from lib.records.limits import _HEADER_SEARCH_ROWS
from lib.records.values import _strip_accents, cell_text

_NUMBER_WORDS = frozenset({"n", "no", "num", "numero"})
_LINK_WORDS = frozenset({"de", "d", "du", "des", "la", "le", "l", "les"})


def normalize_header(header: str) -> str:
    """The comparison key of a header: no accents, case, punctuation, spaces, « n° », « de »…"""
    text = _strip_accents(header).casefold().replace("n+1", " nplus1 ")
    words = re.sub(r"[^0-9a-z]+", " ", text).split()
    kept = [w for w in words if w not in _NUMBER_WORDS and w not in _LINK_WORDS]
    return "".join(kept or words)


def _header_index(kind: RecordsKind) -> tuple[dict[str, str], dict[str, str]]:
    strong: dict[str, str] = {}
    weak: dict[str, str] = {}
    for spec in fields_of(kind):
        for header in (spec.header_fr, spec.name, *spec.synonyms):
            strong.setdefault(normalize_header(header), spec.name)
        for header in spec.weak_synonyms:
            weak.setdefault(normalize_header(header), spec.name)
    return strong, weak


def _auto_claims(
    headers: Sequence[str], kind: RecordsKind, taken: frozenset[str] = frozenset()
) -> dict[str, list[str]]:
    """For each field, the headers that could hold it, in file order (strong matches hide weak ones)."""
    strong, weak = _header_index(kind)
    claims: dict[str, list[str]] = {}
    weak_claims: dict[str, list[str]] = {}
    for header in headers:
        key = normalize_header(header)
        if key in strong:
            if strong[key] not in taken:
                claims.setdefault(strong[key], []).append(header)
        elif key in weak and weak[key] not in taken:
            weak_claims.setdefault(weak[key], []).append(header)
    for name, weak_headers in weak_claims.items():
        claims.setdefault(name, weak_headers)
    return claims


def suggest_mapping(headers: Sequence[str], kind: RecordsKind) -> dict[str, str | None]:
    """The field each header most likely holds (None: not recognised); when several fit, the first wins."""
    claims = _auto_claims([h.strip() for h in headers], kind)
    owner = {hs[0]: name for name, hs in claims.items()}
    return {header: owner.get(header.strip()) for header in headers}


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f"« {clip(name)} »" for name in names)


def _resolve_mapping(
    headers: Sequence[str], kind: RecordsKind, explicit: Mapping[str, str] | None
) -> tuple[dict[str, str], list[str]]:
    """header → field for this file, and the French errors that make the mapping unusable."""
    names = {spec.name for spec in fields_of(kind)}
    errors: list[str] = []
    chosen: dict[str, list[str]] = {}
    for header in headers:
        target = (explicit or {}).get(header)
        if target is None or target == "":
            continue
        if target not in names:
            errors.append(f"Correspondance de colonnes invalide : « {target} » n'est pas un champ connu.")
            continue
        chosen.setdefault(target, []).append(header)
    explicit_headers = {h for h in headers if explicit is not None and h in explicit}
    automatic = _auto_claims([h for h in headers if h not in explicit_headers], kind, taken=frozenset(chosen))
    for name, claimed in automatic.items():
        chosen.setdefault(name, []).extend(claimed)
    by_name = {spec.name: spec for spec in fields_of(kind)}
    mapping: dict[str, str] = {}
    for name, claimed in chosen.items():
        if len(claimed) > 1:
            errors.append(
                f"Plusieurs colonnes peuvent correspondre à « {by_name[name].header_fr} » : "
                f"{_quoted(claimed)}. Renommez ou ignorez les colonnes en trop "
                "dans l'étape de correspondance."
            )
        mapping[claimed[0]] = name
    return mapping, errors


def _missing_message(kind: RecordsKind, mapped: set[str], ignored: Sequence[str]) -> str | None:
    specs = fields_of(kind)
    absent: list[tuple[str, tuple[FieldSpec, ...]]] = []
    one_of = _ONE_OF[kind]
    if one_of and not mapped.intersection(one_of):
        group = tuple(spec for spec in specs if spec.name in one_of)
        absent.append((" ou ".join(spec.header_fr for spec in group), group))
    absent.extend((spec.header_fr, (spec,)) for spec in specs if spec.mandatory and spec.name not in mapped)
    if not absent:
        return None
    label = "Colonne obligatoire absente" if len(absent) == 1 else "Colonnes obligatoires absentes"
    seen = f"aucune colonne reconnue parmi : {_quoted(ignored)}" if ignored else "aucune autre colonne"
    accepted = " ; ".join(f"{title} : {_accepted_headers(group)}" for title, group in absent)
    return f"{label} : {', '.join(title for title, _ in absent)} ({seen}). En-têtes acceptés — {accepted}."


def _accepted_headers(group: Sequence[FieldSpec], shown: int = 5) -> str:
    per_field = [(spec.header_fr, *spec.synonyms, *spec.weak_synonyms) for spec in group]
    names = [name for headers in per_field for name in headers[:shown]]
    more = any(len(headers) > shown for headers in per_field)
    return _quoted(names) + (" …" if more else "")


def _headers(cells: Sequence[Cell]) -> list[str]:
    headers = [" ".join(INVISIBLE_CHARACTERS.sub("", cell_text(cell)).split()) for cell in cells]
    while headers and not headers[-1]:
        headers.pop()
    return headers


def _header_index_in(table: _Table, kind: RecordsKind, mapping: Mapping[str, str] | None) -> int:
    """The header row: the first non-empty one, unless it is a title above the real header.

    SIRH exports often put a title (« Export des formations du … ») above the header: among the first
    rows, the first one in which at least two columns are recognised is taken as the header.
    """
    for index, (_, cells) in enumerate(table.rows[:_HEADER_SEARCH_ROWS]):
        headers = [h for h in _headers(cells) if h]
        explicit = sum(1 for h in headers if mapping is not None and mapping.get(h))
        automatic = sum(len(claimed) for claimed in _auto_claims(headers, kind).values())
        if explicit + automatic >= 2:
            return index
    return 0
