"""The portal file rules for large files, checked in bulk: byte scans, distinct values, SQL conditions. Pure.

A 200 MB file has a million holder lines but only a few thousand distinct trainings, dates and SIRETs.
So the bulk path (1) scans the raw bytes for what the line reader would refuse outright (control
characters, blank lines, quoted lines, a repeated header, bad UTF-8), (2) checks every distinct training
tuple, date, SIRET and link with the very rules of `lib.portal`, and (3) checks the holder columns of
every line with SQL conditions (`holder_violation_sql`) that are never looser than those rules.
It only ever says « valid » or « not sure »: on « not sure » the caller runs `parse_portal_file`, which
names every line and column at fault. The test suite proves the bulk path never accepts a file the line
reader refuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Literal

import numpy as np

from lib import portal
from lib.identifiers import is_valid_siret
from lib.portal import PortalKind

BULK_THRESHOLD_BYTES = 2_000_000
"""Below this size the line reader is fast enough (about 0.1 s) and gives its report at once."""

# What the line reader refuses at byte level, found in a few vectorised passes (a regex over 200 MB is slow):
# C0 controls but CR/LF, and DEL; C1 controls (UTF-8 \xc2\x80-\x9f); a BOM or a Unicode line or paragraph
# separator inside the text; a CR not followed by LF; a blank line; a line starting with a quote.
_C0_AND_DEL = bytes([*range(0x00, 0x0A), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_LEAD_BYTES = b'"\xc2\xd8\xe1\xe2\xef'
_SUSPICIOUS = _C0_AND_DEL + _LEAD_BYTES
_ALL_BUT_SUSPICIOUS = bytes(b for b in range(256) if b not in _SUSPICIOUS)
# C1 controls and the invisible characters the line reader refuses (portal._CONTROL_CHARACTER): soft hyphen,
# bidirectional marks, overrides and isolates, zero-width characters, line and paragraph separators, BOM.
_REFUSED_SEQUENCE = re.compile(
    rb"\xc2[\x80-\x9f\xad]|\xd8\x9c|\xe1\xa0\x8e|\xe2\x80[\x8b-\x8f\xa8-\xae]|\xe2\x81[\xa0-\xa4\xa6-\xa9]|\xef\xbb\xbf"
)
_LF, _CR = 0x0A, 0x0D


def _refused_bytes_or_lines(body: bytes) -> int | None:
    """None when a byte-level rule is broken, else the number of lines (the header included)."""
    suspicious = body.translate(None, _ALL_BUT_SUSPICIOUS)
    if suspicious.translate(None, _LEAD_BYTES):
        return None  # a C0 control character or DEL
    if b'"' in suspicious and b'\n"' in body:
        return None
    if suspicious.translate(None, b'"') and _REFUSED_SEQUENCE.search(body):
        return None
    lines = 0
    octets = np.frombuffer(body, dtype=np.uint8)
    chunk = 1 << 22  # 4 MB at a time: small temporary arrays, no 200 MB allocation
    for start in range(0, len(octets), chunk):
        window = octets[start : start + chunk + 2]  # two bytes of overlap for the pairs below
        returns = np.flatnonzero(window[: chunk + 1] == _CR)
        if len(returns) and (returns[-1] + 1 >= len(window) or np.any(window[returns + 1] != _LF)):
            return None  # a CR not followed by LF (or a CR ending the file)
        feeds = np.flatnonzero(window == _LF)
        lines += int(np.count_nonzero(feeds < chunk))
        if len(feeds) > 1:
            gaps = np.diff(feeds)
            if np.any(gaps == 1) or np.any((gaps == 2) & (window[feeds[1:] - 1] == _CR)):
                return None  # a blank line
    return lines + (0 if body.endswith(b"\n") else 1)


_NIR_SQL = "[1278][0-9]{4}([0-9]{2}|2A|2B)[0-9]{6}"
_SOME_LETTER_OR_DIGIT = "[0-9A-Za-z]"
_HOLDER_FILLER = {
    "ID_UNIQUE_PARTENAIRE": "X",
    "NIR": "1850575123456",
    "NOM_TITULAIRE": "X",
    "PRESENCE_EMPLOYEUR": "NON",
    "SIRET_EMPLOYEUR": "",
    "REFERENCE_EMPLOYEUR": "",
    "DATE_FIN_VALIDITE": "",
    "RESULTAT_OBTENU": "",
    "MENTION_OBTENUE": "",
    "LIEN_PREUVE": "",
    "IDENTIFIANT_PREUVE": "",
}


def precheck(data: bytes, file_name: str) -> PortalKind | None:
    """The file's kind when nothing at byte level stops the bulk path; None: use the line reader."""
    if len(data) < BULK_THRESHOLD_BYTES or len(data) > portal.MAX_FILE_BYTES:
        return None
    if portal._file_name_problems(file_name):
        return None
    body = memoryview(data)[3:].tobytes() if data.startswith(b"\xef\xbb\xbf") else data
    end = body.find(b"\n")
    if end < 0:
        return None
    header = body[:end].removesuffix(b"\r")
    kind: PortalKind | None = None
    for candidate in portal.ADF_KIND, portal.JDR_KIND:
        if header == "|".join(portal.columns_of(candidate)).encode():
            kind = candidate
    if kind is None or len(body) <= end + 3:
        return None
    lines = _refused_bytes_or_lines(body)
    if lines is None:
        return None
    # Every line (the header too) has exactly width - 1 separators: DuckDB refuses a line with fewer fields,
    # and this total catches one with more (DuckDB would take a trailing empty field silently). A repeated
    # header line is caught by holder_violation_sql.
    if body.count(b"|") != lines * (len(portal.columns_of(kind)) - 1):
        return None
    if _head_refused(data, file_name):
        return None
    return kind


HEAD_LINES = 1000
"""The first lines of a large file are checked by the line reader before the bulk path loads the whole file:
a file wrong from its first lines (every NIR invalid, say) is refused without loading 200 MB into DuckDB."""


def _head_refused(data: bytes, file_name: str) -> bool:
    """Whether the line reader refuses the file's first HEAD_LINES lines (today's date, format checks only).

    Only a shortcut to the line reader: True never refuses a file, it sends it to `parse_portal_file`."""
    if HEAD_LINES <= 0:
        return False
    end = 0
    for _ in range(HEAD_LINES + 1):
        end = data.find(b"\n", end) + 1
        if end == 0:
            return False  # the whole file is shorter: the bulk path is as cheap
    report = portal.parse_portal_file(data[:end], file_name, today=date.today()).report
    return bool(report.line_errors or report.file_errors)


def _filled_row(kind: PortalKind, training: dict[str, str]) -> dict[str, str]:
    row = {column: _HOLDER_FILLER.get(column, "") for column in portal.columns_of(kind)}
    row.update(training)
    end = training.get("DATE_FIN_FORMATION", "")
    row["DATE_DEBUT_VALIDITE"] = end if portal.parse_portal_date(end) else "01/01/2000"
    return row


def trainings_valid(
    kind: PortalKind,
    trainings: Iterable[tuple[str, ...]],
    *,
    today: date,
    competences: frozenset[str] | None,
    declarant: Literal["of", "employer"],
) -> bool:
    """Whether every distinct training tuple (portal.training_columns_of order) passes the line rules."""
    columns = portal.training_columns_of(kind)
    training_columns = set(columns)
    checker = portal._RowChecker(kind, today, competences, declarant == "of")
    for values in trainings:
        row = _filled_row(kind, dict(zip(columns, values, strict=True)))
        if any(column in training_columns for column, _ in checker.problems(row)):
            return False
    return True


def dates_valid(values: Iterable[str]) -> bool:
    return all(portal.parse_portal_date(value) is not None for value in values)


def sirets_valid(values: Iterable[str]) -> bool:
    return all(is_valid_siret(value) for value in values)


def links_valid(values: Iterable[str]) -> bool:
    return all(len(value) <= portal.LINK_MAX_CHARS and portal._is_url(value) for value in values)


def holder_violation_sql(kind: PortalKind) -> str:
    """A SQL condition, over a table of the file's columns (NULLs read as ''), true for a line whose holder
    columns break a rule; dates are already known to be calendar dates (dates_valid)."""
    lengths = portal.MAX_LENGTHS

    def day(column: str) -> str:
        return f"try_strptime({column}, '%d/%m/%Y')"

    conditions = [
        "ID_UNIQUE_PARTENAIRE = 'ID_UNIQUE_PARTENAIRE'",  # a header line repeated in the body
        f"NOT regexp_matches(ID_UNIQUE_PARTENAIRE, '{_SOME_LETTER_OR_DIGIT}')",
        f"strlen(ID_UNIQUE_PARTENAIRE) > {lengths['ID_UNIQUE_PARTENAIRE']}",
        f"NOT regexp_matches(NOM_TITULAIRE, '{_SOME_LETTER_OR_DIGIT}')",
        f"strlen(NOM_TITULAIRE) > {lengths['NOM_TITULAIRE']}",
        f"NOT regexp_full_match(NIR, '{_NIR_SQL}')",
        "PRESENCE_EMPLOYEUR NOT IN ('OUI', 'NON')",
        "(PRESENCE_EMPLOYEUR = 'OUI' AND SIRET_EMPLOYEUR = '')",
        "(PRESENCE_EMPLOYEUR = 'NON' AND (SIRET_EMPLOYEUR <> '' OR REFERENCE_EMPLOYEUR <> ''))",
        f"strlen(REFERENCE_EMPLOYEUR) > {lengths['REFERENCE_EMPLOYEUR']}",
        "DATE_DEBUT_VALIDITE = ''",
        f"(DATE_FIN_VALIDITE <> '' AND {day('DATE_FIN_VALIDITE')} < {day('DATE_DEBUT_VALIDITE')})",
    ]
    training_present = "DATE_FIN_FORMATION <> ''"
    if kind == "JDR":
        training_present += " AND PRESENCE_FORMATION = 'OUI'"
        conditions += [
            f"strlen({column}) > {lengths[column]}"
            for column in ("RESULTAT_OBTENU", "MENTION_OBTENUE", "IDENTIFIANT_PREUVE")
        ]
    conditions.append(f"({training_present} AND {day('DATE_DEBUT_VALIDITE')} < {day('DATE_FIN_FORMATION')})")
    return "(" + "\n    OR ".join(conditions) + ")"
