"""The passport on paper: an employee's passport and a site's audit report as PDF (fpdf2). Pure: plain inputs in,
bytes out (no Streamlit, no DuckDB); lib/store/paper.py gathers the rows, `passport_from_frames` and
`site_audit_from_frames` turn the workflow frames into the values drawn here.

Font: fpdf2's core Helvetica, its text encoded in windows-1252 (the PDF declares WinAnsiEncoding), rather than a
bundled Unicode TTF. Why: the only free Unicode font on hand (DejaVu Sans) weighs 760 kB per style — regular and
bold together are twice the 800 kB we allow in the repository — and a system font may be missing on the machine
that runs the tests or the dashboard. Windows-1252 holds every letter of French (é, ç, œ, «, », ’, …, —, –, €);
`pdf_text` transliterates the rare rest (a Polish ł, a narrow no-break space) in one tested place.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from lib.passport import validity_state_text
from lib.statuses import CORRECTION_NOT_MADE

PDF_MIME = "application/pdf"
EMPTY = "—"
COMPLIANCE_COLUMNS = ("requirement", "required", "valid")
"""The compliance frame an audit report may receive (the requirements feature fills it): one row per
requirement, how many people of the site it requires, how many of them hold a valid training."""
NOT_PROVIDED = "non renseigné"

# Characters outside windows-1252 that have an obvious spelling inside it; the rest lose their accents (NFKD).
_SPELLINGS = {
    "\u2009": " ",  # thin space
    "\u202f": " ",  # narrow no-break space (French typography before « ; : ! ? »)
    "\u2007": " ",
    "\u2060": "",  # word joiner
    "\u200b": "",  # zero-width space
    "\u2212": "-",  # minus sign
    "\u2010": "-",
    "\u2011": "-",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2192": "->",
    "\u2190": "<-",
    "\u2713": "oui",
    "\u2022": "•",
}


def pdf_text(value: object) -> str:
    """A value as the PDF's core font can write it: windows-1252, other characters spelled in it (« ł » → « l »,
    « ≤ » → « <= »), control characters dropped, never « None » or « nan » (an empty value is « »)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    text = str(value)
    out: list[str] = []
    for char in text:
        if char in _SPELLINGS:
            out.append(_SPELLINGS[char])
            continue
        if unicodedata.category(char) == "Cc":
            out.append(" " if char in "\t\n\r" else "")
            continue
        try:
            char.encode("cp1252")
            out.append(char)
        except UnicodeEncodeError:
            bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            try:
                bare.encode("cp1252")
                out.append(bare or "?")
            except UnicodeEncodeError:
                out.append(_stroked(char))
    return "".join(out)


def _stroked(char: str) -> str:
    """Letters NFKD cannot strip (ł, đ, ø is in cp1252): their base letter from the Unicode name, else « ? »."""
    name = unicodedata.name(char, "")
    for prefix in ("LATIN SMALL LETTER ", "LATIN CAPITAL LETTER "):
        if name.startswith(prefix):
            letter = name[len(prefix) :].split(" ")[0]
            if len(letter) == 1:
                return letter.lower() if "SMALL" in prefix else letter
    return "?"


def fr_day(value: Any) -> str:
    """A date jj/mm/aaaa; empty for a missing one."""
    day = _day(value)
    return day.strftime("%d/%m/%Y") if day else ""


def _day(value: Any) -> date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def _str(value: Any) -> str:
    return "" if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)) else str(value)


def full_name(birth_name: Any, first_name: Any, usage_name: Any = None) -> str:
    """« NOM Prénom », with the usage name in brackets when it differs (as the dashboard writes it)."""
    birth = _str(birth_name).upper()
    name = " ".join(p for p in (birth, _str(first_name)) if p)
    usage = _str(usage_name).upper()
    if usage and usage != birth:
        name += f" ({usage})"
    return name


# ---------------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Edition:
    """What every page says about itself: the day of edition, the rule set, the employer."""

    today: date
    rule_set: str
    certainty: str = ""
    employer: str = ""


@dataclass(frozen=True)
class Person:
    matricule: str
    name: str
    nir: str | None = None
    establishment: str = ""
    siret: str = ""
    site: str = ""
    service: str = ""
    manager: str = ""
    entry_date: date | None = None
    exit_date: date | None = None
    in_roster: bool = True


@dataclass(frozen=True)
class Training:
    """One training of the passport with its validity at the day of edition (French label of lib/statuses.py)."""

    formation: str
    title: str
    start: date | None
    end: date | None
    validity_end: date | None
    state: str
    source: str = ""
    organisme: str = ""


@dataclass(frozen=True)
class Declaration:
    """One declaration line: what, when it ended, who declares, its status and the date it is counted against."""

    title: str
    end: date | None
    party: str
    status: str
    due_on: date | None = None
    note: str = ""


@dataclass(frozen=True)
class Passport:
    person: Person
    trainings: tuple[Training, ...]
    of_declarations: tuple[Declaration, ...] = ()
    bought: tuple[Declaration, ...] = ()
    internal: tuple[Declaration, ...] = ()


@dataclass(frozen=True)
class Item:
    """A line of the audit report: one person's training and the date that matters for it."""

    person: str
    matricule: str
    title: str
    day: date | None
    status: str
    party: str = ""


@dataclass(frozen=True)
class SiteAudit:
    site: str
    establishments: tuple[str, ...]
    headcount: int
    expired: tuple[Item, ...]
    expiring: tuple[Item, ...]
    carence_overdue: tuple[Item, ...]
    internal_overdue: tuple[Item, ...]
    corrections_not_made: tuple[Item, ...]
    horizon_days: int = 90
    compliance: pd.DataFrame | None = None
    """Optional frame of COMPLIANCE_COLUMNS; None: « non renseigné » (no requirement defined)."""


# ---------------------------------------------------------------------------------------------- from the frames


def _rows(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    if frame is None or frame.empty:
        return []
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def passport_from_frames(
    employee: dict[str, Any] | None,
    *,
    matricule: str,
    establishment: str,
    validities: pd.DataFrame,
    expected: pd.DataFrame,
    internal: pd.DataFrame,
    of_declarations: pd.DataFrame,
) -> Passport:
    """The passport of one person from their roster row (None: absent from the roster) and their rows of the
    workflow lists validities, expected_trainings, internal_trainings and of_declarations."""
    records = _rows(validities)
    source = employee or (
        {
            "nir": records[0]["person_nir"],
            "birth_name": records[0]["person_birth_name"],
            "first_name": records[0]["person_first_name"],
            "usage_name": records[0]["person_usage_name"],
            "establishment_siret": records[0]["person_siret"],
            "site": records[0]["person_site"],
            "service": records[0]["person_service"],
            "manager": records[0]["manager"],
            "exit_date": records[0]["exit_date"],
        }
        if records
        else {}
    )
    nir = source.get("nir")
    person = Person(
        matricule=matricule,
        name=full_name(source.get("birth_name"), source.get("first_name"), source.get("usage_name")),
        nir=nir if isinstance(nir, str) and nir else None,
        establishment=establishment,
        siret=_str(source.get("establishment_siret")),
        site=_str(source.get("site")),
        service=_str(source.get("service")),
        manager=_str(source.get("manager")),
        entry_date=_day(source.get("entry_date")),
        exit_date=_day(source.get("exit_date")),
        in_roster=employee is not None,
    )
    ordered = sorted(records, key=lambda r: (_day(r["end_date"]) or date.min, r["id"]), reverse=True)
    trainings = tuple(
        Training(
            formation=_str(r["training_type"]) or _str(r["training_title"]),
            title=_str(r["training_title"]),
            start=_day(r["start_date"]),
            end=_day(r["end_date"]),
            validity_end=_day(r["effective_validity_end"]),
            state=validity_state_text(_str(r["status_label"]), is_latest=bool(r["is_latest"])),
            source=_str(r["validity_source"]),
            organisme="interne" if r["is_internal"] else _str(r["organisme"]),
        )
        for r in ordered
    )
    lines = sorted(
        _rows(of_declarations),
        key=lambda r: _day(r["date_fin_formation"]) or _day(r["date_debut_validite"]) or date.min,
        reverse=True,
    )
    of_lines = tuple(
        Declaration(
            title=_str(r["title"]),
            end=_day(r["date_fin_formation"]) or _day(r["date_debut_validite"]),
            party=_str(r["organisme"]),
            status=_str(r["status_label"]),
            due_on=_day(r["due_on"]),
            note=_str(r["reconciliation"]) + (f" ({r['discrepancies']})" if _str(r["discrepancies"]) else ""),
        )
        for r in lines
    )
    bought = tuple(
        Declaration(
            title=_str(r["training_title"]),
            end=_day(r["end_date"]),
            party=_str(r["declared_by"])
            if r["declared_by_of"]
            else ("l'employeur (carence)" if r["declared_in_carence"] else ""),
            status=_str(r["status_label"]),
            due_on=_day(r["due_on"]),
            note=_str(r["organisme"]),
        )
        for r in sorted(_rows(expected), key=lambda r: (_day(r["end_date"]) or date.min, r["id"]), reverse=True)
    )
    delivered = tuple(
        Declaration(
            title=_str(r["training_title"]),
            end=_day(r["end_date"]),
            party="l'employeur" if r["declared"] else "",
            status=_str(r["status_label"]),
            due_on=_day(r["due_on"]),
        )
        for r in sorted(_rows(internal), key=lambda r: (_day(r["end_date"]) or date.min, r["id"]), reverse=True)
    )
    return Passport(person, trainings, of_lines, bought, delivered)


def _items(rows: Iterable[dict[str, Any]], day_column: str, *, party: str | None = None) -> tuple[Item, ...]:
    items = [
        Item(
            person=full_name(r["person_birth_name"], r["person_first_name"], r["person_usage_name"]),
            matricule=_str(r["matricule"]),
            title=_str(r["training_title"]),
            day=_day(r[day_column]),
            status=_str(r["status_label"]),
            party=_str(r[party]) if party else "",
        )
        for r in rows
    ]
    return tuple(sorted(items, key=lambda i: (i.day or date.max, i.person, i.title)))


def site_audit_from_frames(
    site: str,
    *,
    establishments: Sequence[str],
    headcount: int,
    validities: pd.DataFrame,
    expected: pd.DataFrame,
    internal: pd.DataFrame,
    horizon_days: int,
    compliance: pd.DataFrame | None = None,
) -> SiteAudit:
    """The audit report of one site from its rows of validities, expected_trainings and internal_trainings.

    Expired and expiring: the latest training of each family (a MAC SST renews the SST) of people still
    employed; overdue: carence overdue, internal declaration overdue, corrections asked and not made."""
    current = [r for r in _rows(validities) if r["is_latest"] and r["is_active"]]
    bought = _rows(expected)
    return SiteAudit(
        site=site,
        establishments=tuple(establishments),
        headcount=headcount,
        expired=_items((r for r in current if r["status"] == "expired"), "effective_validity_end"),
        expiring=_items((r for r in current if r["status"] == "expiring_soon"), "effective_validity_end"),
        carence_overdue=_items((r for r in bought if r["status"] == "carence_overdue"), "due_on", party="organisme"),
        internal_overdue=_items((r for r in _rows(internal) if r["status"] == "overdue"), "due_on"),
        corrections_not_made=_items(
            (r for r in bought if r["status"] in CORRECTION_NOT_MADE), "due_on", party="declared_by"
        ),
        horizon_days=horizon_days,
        compliance=compliance,
    )


# ---------------------------------------------------------------------------------------------- drawing


def compliance_rows(compliance: pd.DataFrame) -> list[list[str]]:
    """The compliance table's lines: requirement, required, valid, missing, rate (« — » when nobody is required)."""
    missing = [c for c in COMPLIANCE_COLUMNS if c not in compliance.columns]
    if missing:
        raise ValueError(f"Taux de conformité : colonne(s) manquante(s) {', '.join(missing)}.")
    rows: list[list[str]] = []
    for r in _rows(compliance):
        required, valid = int(r["required"]), int(r["valid"])
        rate = f"{100 * valid / required:.0f} %".replace(".", ",") if required else EMPTY
        rows.append([_str(r["requirement"]), str(required), str(valid), str(max(required - valid, 0)), rate])
    return rows


def render_passport(passport: Passport, edition: Edition) -> bytes:
    """The passport as PDF bytes (lib/paper_pdf.py draws it: fpdf2 is loaded only when a PDF is made, not at
    every start of the server)."""
    from lib import paper_pdf

    return paper_pdf.render_passport(passport, edition)


def render_site_audit(audit: SiteAudit, edition: Edition) -> bytes:
    """The audit report of a site as PDF bytes (lib/paper_pdf.py)."""
    from lib import paper_pdf

    return paper_pdf.render_site_audit(audit, edition)
