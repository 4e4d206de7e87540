"""The employer's required trainings per job, service or site — their own choices, never « the law ».

A requirement names who it applies to (a job title, a service, a site, or a combination of them; none: every
employee), the training family required (a key of data/validity_durations.toml: « sst », « caces »…),
optionally words the training's title must hold (« BR », « R489 3 ») and optionally a share of the staff (« at
least 10 % of each site » — a collective target, not a per-person obligation). For one person and one family
(and title words), the most specific requirement that matches them wins: job counts more than service, which
counts more than site.

This module reads and writes the table as CSV/XLSX (bounded, French messages naming line and column) and
decides which requirement applies to whom; the store computes who is missing what (lib/sql/derive_requirements.sql
persists who each requirement applies to, lib/sql/missing_trainings.sql adds the state at a day).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from lib import validity
from lib.matching import normalized_text
from lib.records.fields import Cell
from lib.records.headers import normalize_header
from lib.records.reader import _read_table

MAX_REQUIREMENTS = 2_000
"""A requirements table longer than this is refused (an employer has tens of them, not thousands)."""
MAX_TEXT = 120
MAX_FILE_BYTES = 1_000_000

HEADERS: dict[str, str] = {
    "job": "Poste",
    "service": "Service",
    "site": "Site",
    "family": "Formation requise",
    "title_words": "Intitulé contenant",
    "min_share": "Part minimale de l'effectif (%)",
    "note": "Commentaire",
}
"""The columns of the requirements file, in order: internal name → French header."""

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "job": ("Poste", "Emploi", "Fonction", "Métier", "Intitulé de poste"),
    "service": ("Service", "Unité", "Équipe"),
    "site": ("Site", "Lieu de travail", "Agence"),
    "family": ("Formation requise", "Formation", "Famille de formation", "Habilitation"),
    "title_words": ("Intitulé contenant", "Précision", "Mots de l'intitulé"),
    "min_share": ("Part minimale de l'effectif (%)", "Part minimale", "Part de l'effectif", "Pourcentage"),
    "note": ("Commentaire", "Note", "Remarque"),
}


class RequirementsError(ValueError):
    """A requirements file or table that cannot be taken: every problem, in French, with line and column."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Requirement:
    family: str
    job: str | None = None
    service: str | None = None
    site: str | None = None
    title_words: str | None = None
    """Normalized words the training's title must hold (lib.matching.normalized_text), None: any title."""
    min_share: float | None = None
    """A share of the staff in scope (0 < share ≤ 1) that must hold the training; None: every person."""
    note: str | None = None

    @property
    def specificity(self) -> int:
        """How precisely it targets people: job 4, service 2, site 1 (the most specific one wins)."""
        return 4 * (self.job is not None) + 2 * (self.service is not None) + (self.site is not None)

    def applies_to(self, job: str | None, service: str | None, site: str | None) -> bool:
        return all(
            wanted is None or wanted == actual
            for wanted, actual in ((self.job, job), (self.service, service), (self.site, site))
        )

    def scope(self) -> str:
        """Who it applies to, in French (« Poste : Cariste · Site : Caen », or « Tout le personnel »)."""
        parts = [
            f"{label} : {value}"
            for label, value in (("Poste", self.job), ("Service", self.service), ("Site", self.site))
            if value is not None
        ]
        return " · ".join(parts) or "Tout le personnel"


def families() -> dict[str, str]:
    """The training families a requirement may name: key → French label (a renewal, MAC SST, is its family)."""
    return {d.key: d.label for d in validity.load_validity_durations() if d.renews is None}


def applicable(
    requirements: Iterable[Requirement], job: str | None, service: str | None, site: str | None
) -> list[Requirement]:
    """The requirements that apply to one person: for each (family, title words), the most specific match."""
    best: dict[tuple[str, str | None], Requirement] = {}
    for requirement in requirements:
        if not requirement.applies_to(job, service, site):
            continue
        key = (requirement.family, requirement.title_words)
        current = best.get(key)
        if current is None or requirement.specificity > current.specificity:
            best[key] = requirement
    return sorted(best.values(), key=lambda r: (r.family, r.title_words or ""))


def _text(cell: Cell) -> str | None:
    if cell is None:
        return None
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    text = " ".join(str(cell).split())
    return text or None


def _family(text: str, known: Mapping[str, str]) -> str | None:
    """A family named by its key or its label, case and accents ignored."""
    wanted = normalized_text(text)
    for key, label in known.items():
        if wanted in (normalized_text(key), normalized_text(label)):
            return key
    return None


def _share(text: str) -> float | None:
    """« 10 », « 10 % », « 0,1 » (a fraction when ≤ 1) as a share in ]0, 1]; None when unreadable."""
    cleaned = text.replace("%", "").replace(",", ".").replace("\u202f", "").replace(" ", "")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    share = value if value <= 1 and "%" not in text else value / 100
    return share if 0 < share <= 1 else None


def _columns(header: Sequence[Cell], file_name: str) -> dict[str, int]:
    by_header = {normalize_header(s): name for name, synonyms in _SYNONYMS.items() for s in synonyms}
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = by_header.get(normalize_header(_text(cell) or ""))
        if name is not None and name not in found:
            found[name] = index
    if "family" not in found:
        raise RequirementsError(
            [f"{file_name}, ligne 1 : la colonne « {HEADERS['family']} » est introuvable (en-têtes attendus : "
             + ", ".join(f"« {h} »" for h in HEADERS.values()) + ")."]
        )  # fmt: skip
    return found


def parse_requirements(data: bytes, file_name: str) -> list[Requirement]:
    """The requirements of a CSV or XLSX file (the columns of HEADERS); RequirementsError lists every problem
    (file, line, column) and nothing is taken when there is one."""
    if len(data) > MAX_FILE_BYTES:
        raise RequirementsError(
            [f"{file_name} : fichier de {len(data) // 1000} ko, au plus {MAX_FILE_BYTES // 1000} ko sont acceptés."]
        )
    table = _read_table(data, file_name, None)
    if table.errors:
        raise RequirementsError([f"{file_name} : {e}" for e in table.errors])
    if not table.rows:
        raise RequirementsError([f"{file_name} : le fichier est vide."])
    (_, header), *rows = table.rows
    columns = _columns(header, file_name)
    if len(rows) > MAX_REQUIREMENTS:
        raise RequirementsError(
            [f"{file_name} : {len(rows)} exigences, au plus {MAX_REQUIREMENTS} sont acceptées par fichier."]
        )
    known = families()
    cells: list[dict[str, str | None]] = []
    lines: list[int] = []
    for line, row in rows:
        cells.append({name: _text(row[i]) if i < len(row) else None for name, i in columns.items()})
        lines.append(line)
    return checked_requirements(cells, file_name, lines, known)


def checked_requirements(
    rows: Sequence[Mapping[str, str | None]],
    source: str,
    lines: Sequence[int] | None = None,
    known: Mapping[str, str] | None = None,
) -> list[Requirement]:
    """Requirements from rows of texts (a file's, or the Paramètres table's); every problem raised at once."""
    known = known if known is not None else families()
    problems: list[str] = []
    result: list[Requirement] = []
    seen: dict[tuple[str | None, ...], int] = {}
    for position, row in enumerate(rows):
        line = lines[position] if lines is not None else position + 1
        where = f"{source}, ligne {line}"
        values = {name: (row.get(name) or None) for name in HEADERS}
        too_long = [n for n, v in values.items() if v is not None and len(v) > MAX_TEXT]
        for name in too_long:
            problems.append(f"{where}, colonne « {HEADERS[name]} » : plus de {MAX_TEXT} caractères.")
        if too_long:
            continue
        family_text = values["family"]
        if family_text is None:
            problems.append(f"{where}, colonne « {HEADERS['family']} » : vide (indiquez la formation requise).")
            continue
        family = _family(family_text, known)
        if family is None:
            problems.append(
                f"{where}, colonne « {HEADERS['family']} » : « {family_text} » n'est pas une formation connue "
                f"(par exemple : {', '.join(list(known)[:6])}…)."
            )
            continue
        share = None
        if values["min_share"] is not None:
            share = _share(values["min_share"])
            if share is None:
                problems.append(
                    f"{where}, colonne « {HEADERS['min_share']} » : « {values['min_share']} » n'est pas une part "
                    "entre 1 et 100 %."
                )
                continue
        words = normalized_text(values["title_words"]) or None
        requirement = Requirement(
            family=family,
            job=values["job"],
            service=values["service"],
            site=values["site"],
            title_words=words,
            min_share=share,
            note=values["note"],
        )
        key = (requirement.job, requirement.service, requirement.site, family, words)
        if key in seen:
            problems.append(f"{where} : même exigence qu'à la ligne {seen[key]} (même portée, même formation).")
            continue
        seen[key] = line
        result.append(requirement)
    if problems:
        raise RequirementsError(problems)
    return result


def share_text(share: float | None) -> str:
    """A share as French text (« 10 % »), empty for None."""
    if share is None:
        return ""
    percent = round(share * 100, 1)
    return f"{int(percent) if percent == int(percent) else str(percent).replace('.', ',')} %"


def requirements_rows(requirements: Iterable[Requirement]) -> list[dict[str, str]]:
    """The requirements as rows of texts under their internal names (the Paramètres table, the CSV file)."""
    labels = families()
    return [
        {
            "job": r.job or "",
            "service": r.service or "",
            "site": r.site or "",
            "family": labels.get(r.family, r.family),
            "title_words": r.title_words or "",
            "min_share": share_text(r.min_share),
            "note": r.note or "",
        }
        for r in requirements
    ]


def requirements_frame(requirements: Iterable[Requirement]) -> pd.DataFrame:
    """The requirements as a frame of texts under their internal names (the Paramètres table, the exports; the
    French headers are HEADERS)."""
    return pd.DataFrame(requirements_rows(requirements), columns=list(HEADERS), dtype="object")


STATE_LABELS: dict[str, str] = {
    "never_trained": "jamais formé",
    "expired": "expirée",
    "expiring_soon": "expire bientôt",
    "valid": "valide",
}
"""The states of an employee × requirement (lib/sql/missing_trainings.sql `status`), for the filters."""
MISSING_STATES = ("never_trained", "expired", "expiring_soon")


def compliance(now: pd.DataFrame, before: pd.DataFrame, by: str) -> pd.DataFrame:
    """The compliance rate per value of `by` (a site, a service, a requirement), now and a week before.

    `now` and `before` are counts of the « missing_trainings » list per (`by`, `compliant`) with a `rows`
    column. Columns back: `by`, required (employee × requirement pairs), compliant, rate (0–1), rate_before
    (None when the value did not exist), trend (rate − rate_before, in points of percentage).
    """

    def rates(counts: pd.DataFrame) -> pd.DataFrame:
        if counts.empty:
            return pd.DataFrame({by: [], "required": [], "compliant": []})
        frame = counts.assign(ok=counts["rows"].where(counts["compliant"].astype(bool), 0))
        grouped = frame.groupby(by, dropna=False).agg(required=("rows", "sum"), compliant=("ok", "sum"))
        return grouped.reset_index()

    current = rates(now)
    previous = rates(before).rename(columns={"required": "required_before", "compliant": "compliant_before"})
    merged = current.merge(previous, on=by, how="left")
    merged["rate"] = merged["compliant"] / merged["required"]
    merged["rate_before"] = merged["compliant_before"] / merged["required_before"]
    merged["trend"] = (merged["rate"] - merged["rate_before"]) * 100
    return merged[[by, "required", "compliant", "rate", "rate_before", "trend"]].sort_values("rate", kind="stable")


def trend_text(points: float | None) -> str:
    """« +2,5 pts », « −1 pt », « = » or « — » (no earlier rate)."""
    if points is None or points != points:  # NaN: no rate a week before
        return "—"
    rounded = round(points, 1)
    if rounded == 0:
        return "="
    number = f"{abs(rounded):.1f}".rstrip("0").rstrip(".").replace(".", ",")
    return f"{'+' if rounded > 0 else '−'}{number} pt{'s' if abs(rounded) >= 2 else ''}"
